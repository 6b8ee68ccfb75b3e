#include "core/common/json.h"

#include <cctype>
#include <cstdio>
#include <set>

namespace gossiplab::json {

std::string quote(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string writeFlatObject(const std::map<std::string, std::string>& values,
                            const std::map<std::string, bool>& is_number) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : values) {
        if (!first) out += ", ";
        first = false;
        out += quote(key) + ": ";
        auto it = is_number.find(key);
        out += (it != is_number.end() && it->second) ? value : quote(value);
    }
    return out + "}";
}

namespace {

class Reader {
public:
    explicit Reader(const std::string& text) : s_(text) {}

    bool document(FlatPairs& out) {
        skipSpace();
        if (!object("", out)) return false;
        skipSpace();
        if (i_ != s_.size()) return fail("unexpected text after the object");
        return true;
    }
    const std::string& error() const { return error_; }

private:
    bool fail(const std::string& what) {
        if (error_.empty()) error_ = what + " at offset " + std::to_string(i_);
        return false;
    }
    void skipSpace() {
        while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    bool peek(char c) {
        skipSpace();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool expect(char c) {
        if (peek(c)) {
            ++i_;
            return true;
        }
        return fail(std::string("expected '") + c + "'");
    }
    static void appendUtf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }
    // Four hex digits after "\u".
    bool hex4(unsigned& code) {
        if (i_ + 4 > s_.size()) return fail("truncated \\u escape");
        code = 0;
        for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
            else return fail("bad \\u escape");
        }
        return true;
    }
    bool string(std::string& out) {
        if (!peek('"')) return fail("expected a string");
        ++i_;
        while (i_ < s_.size() && s_[i_] != '"') {
            const char c = s_[i_++];
            if (static_cast<unsigned char>(c) < 0x20) return fail("a control character inside a string (write it as an escape)");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) break;
            const char e = s_[i_++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case '"': case '\\': case '/': out += e; break;
                case 'u': {
                    unsigned code = 0;
                    if (!hex4(code)) return false;
                    // Outside the Basic Multilingual Plane a character is a surrogate pair
                    // ("\ud83d\ude00"); one half alone is not a character.
                    if (code >= 0xDC00 && code <= 0xDFFF) return fail("a lone low surrogate in a \\u escape");
                    if (code >= 0xD800 && code <= 0xDBFF) {
                        unsigned low = 0;
                        if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u')
                            return fail("a high surrogate without its low half in a \\u escape");
                        i_ += 2;
                        if (!hex4(low)) return false;
                        if (low < 0xDC00 || low > 0xDFFF) return fail("a high surrogate without its low half in a \\u escape");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    appendUtf8(out, code);
                    break;
                }
                default: return fail(std::string("an unknown escape \\") + e);
            }
        }
        if (i_ >= s_.size()) return fail("unterminated string");
        ++i_;
        return true;
    }
    // A number, true, false or null, as its literal text (null: empty). Anything else (a bare
    // word, "1.", "+1", "0x10", "NaN") is not JSON and is refused.
    bool literal(std::string& out) {
        skipSpace();
        const size_t start = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                                  s_[i_] == '.'))
            ++i_;
        if (start == i_) return fail("expected a value (string, number, boolean, array or object)");
        out = s_.substr(start, i_ - start);
        if (out == "true" || out == "false") return true;
        if (out == "null") {
            out.clear();
            return true;
        }
        if (!isJsonNumber(out)) {
            i_ = start;
            return fail("'" + out + "' is not a JSON value (strings need quotes)");
        }
        return true;
    }
    static bool isJsonNumber(const std::string& t) {
        size_t k = 0;
        auto digits = [&] {
            const size_t from = k;
            while (k < t.size() && std::isdigit(static_cast<unsigned char>(t[k]))) ++k;
            return k > from;
        };
        if (k < t.size() && t[k] == '-') ++k;
        if (k < t.size() && t[k] == '0') ++k;
        else if (!digits()) return false;
        if (k < t.size() && t[k] == '.') {
            ++k;
            if (!digits()) return false;
        }
        if (k < t.size() && (t[k] == 'e' || t[k] == 'E')) {
            ++k;
            if (k < t.size() && (t[k] == '+' || t[k] == '-')) ++k;
            if (!digits()) return false;
        }
        return k == t.size();
    }
    bool scalar(std::string& out) { return peek('"') ? string(out) : literal(out); }

    bool array(std::string& out) {
        expect('[');
        if (peek(']')) {
            ++i_;
            return true;
        }
        bool first = true;
        for (;;) {
            if (peek('[') || peek('{')) return fail("arrays may hold only strings, numbers and booleans");
            std::string item;
            if (!scalar(item)) return false;
            out += (first ? "" : ",") + item;
            first = false;
            if (peek(',')) {
                ++i_;
                continue;
            }
            return expect(']');
        }
    }

    bool object(const std::string& prefix, FlatPairs& out) {
        if (!expect('{')) return false;
        // Settings files are shallow; a deep nest is a mistake or an attack on the stack.
        if (++depth_ > kMaxDepth) return fail("objects nested deeper than " + std::to_string(kMaxDepth) + " levels");
        struct Leave { int& d; ~Leave() { --d; } } leave{depth_};
        if (peek('}')) {
            ++i_;
            return true;
        }
        for (;;) {
            std::string key;
            if (!string(key) || !expect(':')) return false;
            const std::string full = prefix.empty() ? key : prefix + "." + key;
            if (peek('{')) {
                if (!object(full, out)) return false;
            } else {
                std::string value;
                if (peek('[') ? !array(value) : !scalar(value)) return false;
                if (!seen_.insert(full).second) return fail("the key '" + full + "' is given twice");
                out.emplace_back(full, value);
            }
            if (peek(',')) {
                ++i_;
                continue;
            }
            return expect('}');
        }
    }

    static constexpr int kMaxDepth = 32;
    const std::string& s_;
    size_t i_ = 0;
    int depth_ = 0;
    std::string error_;
    std::set<std::string> seen_;
};

}  // namespace

std::optional<FlatPairs> parseFlattened(const std::string& text, std::string* error) {
    Reader reader(text);
    FlatPairs pairs;
    if (!reader.document(pairs)) {
        if (error) *error = reader.error();
        return std::nullopt;
    }
    return pairs;
}

std::optional<std::map<std::string, std::string>> parseFlatObject(const std::string& text, std::string* error) {
    auto pairs = parseFlattened(text, error);
    if (!pairs) return std::nullopt;
    return std::map<std::string, std::string>(pairs->begin(), pairs->end());
}

}  // namespace gossiplab::json
