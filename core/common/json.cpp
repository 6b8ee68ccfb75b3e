#include "core/common/json.h"

#include <cctype>
#include <cstdio>

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

struct Parser {
    const std::string& s;
    size_t i = 0;
    std::string error;

    void skipSpace() { while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i; }
    bool fail(const std::string& what) {
        if (error.empty()) error = what + " at offset " + std::to_string(i);
        return false;
    }
    bool expect(char c) {
        skipSpace();
        if (i < s.size() && s[i] == c) { ++i; return true; }
        return fail(std::string("expected '") + c + "'");
    }
    static void appendUtf8(std::string& out, unsigned code) {
        if (code < 0x80) { out += static_cast<char>(code); }
        else if (code < 0x800) { out += static_cast<char>(0xC0 | (code >> 6)); out += static_cast<char>(0x80 | (code & 0x3F)); }
        else { out += static_cast<char>(0xE0 | (code >> 12)); out += static_cast<char>(0x80 | ((code >> 6) & 0x3F)); out += static_cast<char>(0x80 | (code & 0x3F)); }
    }
    bool parseString(std::string& out) {
        skipSpace();
        if (i >= s.size() || s[i] != '"') return fail("expected a string");
        ++i;
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c != '\\') { out += c; continue; }
            if (i >= s.size()) break;
            char e = s[i++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': {
                    if (i + 4 > s.size()) return fail("truncated \\u escape");
                    appendUtf8(out, static_cast<unsigned>(std::stoul(s.substr(i, 4), nullptr, 16)));
                    i += 4;
                    break;
                }
                default: out += e;
            }
        }
        if (i >= s.size()) return fail("unterminated string");
        ++i;
        return true;
    }
    bool parseScalar(std::string& out) {
        skipSpace();
        if (i < s.size() && s[i] == '"') return parseString(out);
        size_t start = i;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '+' || s[i] == '.')) ++i;
        if (start == i) return fail("expected a value (string, number or boolean)");
        out = s.substr(start, i - start);
        return true;
    }
};

}  // namespace

std::optional<std::map<std::string, std::string>> parseFlatObject(const std::string& text, std::string* error) {
    Parser p{text, 0, {}};
    std::map<std::string, std::string> values;
    auto failed = [&]() -> std::optional<std::map<std::string, std::string>> {
        if (error) *error = p.error;
        return std::nullopt;
    };
    if (!p.expect('{')) return failed();
    p.skipSpace();
    if (p.i < text.size() && text[p.i] == '}') { ++p.i; return values; }
    while (true) {
        std::string key, value;
        if (!p.parseString(key) || !p.expect(':') || !p.parseScalar(value)) return failed();
        values[key] = value;
        p.skipSpace();
        if (p.i < text.size() && text[p.i] == ',') { ++p.i; continue; }
        if (!p.expect('}')) return failed();
        break;
    }
    p.skipSpace();
    if (p.i != text.size()) { p.fail("unexpected text after the object"); return failed(); }
    return values;
}

}  // namespace gossiplab::json
