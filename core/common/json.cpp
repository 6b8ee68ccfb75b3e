#include "core/common/json.h"

#include <algorithm>
#include <cctype>
#include <set>

// Only this translation unit pays nlohmann's compile cost; the rest of GossipLab sees json.h.
#include <nlohmann/json.hpp>

namespace gossiplab::json {

using nlohmann::json;

std::string quote(const std::string& text) {
    // Invalid UTF-8 (a name typed in a legacy encoding) is written with U+FFFD in its place rather
    // than refused: the file stays valid JSON and the rest of the text survives.
    return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
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

// Flattens while nlohmann's strict parser reads (SAX events, in file order): nested objects
// become dotted keys, an array of scalars one comma-separated text, numbers keep their literal
// text. nlohmann checks the grammar and UTF-8 (surrogate pairs, control characters); this
// handler adds what a settings file must also respect: one top-level object, no arrays of
// arrays or objects, no key given twice, bounded nesting.
class Flattener final : public nlohmann::json_sax<json> {
public:
    explicit Flattener(const std::string& text) : text_(text) {}

    FlatPairs pairs;
    std::string error;

    bool null() override { return scalar(""); }
    bool boolean(bool value) override { return scalar(value ? "true" : "false"); }
    bool number_integer(number_integer_t value) override { return scalar(std::to_string(value)); }
    bool number_unsigned(number_unsigned_t value) override { return scalar(std::to_string(value)); }
    bool number_float(number_float_t, const string_t& literal) override { return scalar(literal); }
    bool string(string_t& value) override { return scalar(value); }
    bool binary(binary_t&) override { return fail("binary values are not JSON text"); }

    bool start_object(std::size_t) override {
        if (in_array_) return fail("arrays may hold only strings, numbers and booleans");
        if (objects_.empty() && started_) return fail("unexpected text after the object");
        started_ = true;
        // Settings files are shallow; a deep nest is a mistake or an attack on the stack.
        if (objects_.size() >= kMaxDepth) return fail("objects nested deeper than " + std::to_string(kMaxDepth) + " levels");
        objects_.push_back(objects_.empty() ? std::string() : fullKey());
        return true;
    }
    bool key(string_t& name) override {
        key_ = name;
        return true;
    }
    bool end_object() override {
        objects_.pop_back();
        return true;
    }
    bool start_array(std::size_t) override {
        if (objects_.empty()) return fail("expected an object ({...}) at the top");
        if (in_array_) return fail("arrays may hold only strings, numbers and booleans");
        in_array_ = true;
        array_text_.clear();
        array_items_ = 0;
        return true;
    }
    bool end_array() override {
        in_array_ = false;
        return emit(array_text_);
    }

    bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& ex) override {
        if (!error.empty()) return false;
        // "hello" where a value belongs: say what is wrong in the user's words.
        // `position` counts the characters read, the offending one included.
        const auto word_char = [&](size_t k) {
            return k < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[k])) || text_[k] == '_');
        };
        size_t start = position > 0 ? std::min(position - 1, text_.size()) : 0;
        while (start > 0 && word_char(start - 1)) --start;
        size_t end = start;
        while (word_char(end)) ++end;
        const std::string word = text_.substr(start, end - start);
        if (!word.empty() && std::isalpha(static_cast<unsigned char>(word[0])) && word != "true" && word != "false" &&
            word != "null") {
            error = "'" + word + "' is not a JSON value (strings need quotes) at offset " + std::to_string(start);
            return false;
        }
        std::string what = ex.what();
        // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..." -> "syntax error ..."
        if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
        error = what + " at offset " + std::to_string(position > 0 ? position - 1 : 0);
        return false;
    }

private:
    static constexpr size_t kMaxDepth = 32;

    std::string fullKey() const { return objects_.back().empty() ? key_ : objects_.back() + "." + key_; }

    bool fail(const std::string& what) {
        if (error.empty()) error = what + " at offset " + std::to_string(offsetHint());
        return false;
    }
    // SAX callbacks do not know the position; the parse_error that follows a `false` carries it,
    // but a handler's own refusal ends the parse without one. The count of pairs read is the
    // nearest honest hint, so name the key instead where there is one.
    size_t offsetHint() const {
        if (!key_.empty()) {
            const auto at = text_.find("\"" + key_ + "\"");
            if (at != std::string::npos) return at;
        }
        return 0;
    }
    bool scalar(const std::string& value) {
        if (objects_.empty()) return fail("expected an object ({...}) at the top");
        if (in_array_) {
            array_text_ += (array_items_++ ? "," : "") + value;
            return true;
        }
        return emit(value);
    }
    bool emit(const std::string& value) {
        const std::string full = fullKey();
        if (!seen_.insert(full).second) return fail("the key '" + full + "' is given twice");
        pairs.emplace_back(full, value);
        return true;
    }

    const std::string& text_;
    std::vector<std::string> objects_;  // the dotted prefix of each open object
    std::string key_;
    bool started_ = false;
    bool in_array_ = false;
    std::string array_text_;
    int array_items_ = 0;
    std::set<std::string> seen_;
};

}  // namespace

std::optional<FlatPairs> parseFlattened(const std::string& text, std::string* error) {
    Flattener flattener(text);
    bool ok = false;
    try {
        ok = json::sax_parse(text, &flattener, nlohmann::detail::input_format_t::json, /*strict=*/true);
    } catch (const std::exception& e) {  // nlohmann reports through parse_error; this is a backstop
        flattener.error = e.what();
    }
    if (!ok) {
        if (error) *error = flattener.error.empty() ? "not a JSON object" : flattener.error;
        return std::nullopt;
    }
    return std::move(flattener.pairs);
}

std::optional<std::map<std::string, std::string>> parseFlatObject(const std::string& text, std::string* error) {
    auto pairs = parseFlattened(text, error);
    if (!pairs) return std::nullopt;
    return std::map<std::string, std::string>(pairs->begin(), pairs->end());
}

}  // namespace gossiplab::json
