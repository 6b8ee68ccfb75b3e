#pragma once
// A deliberately small JSON reader/writer for flat objects of strings, numbers and booleans:
// enough for RunConfig files and the history's config column, without a third-party dependency.

#include <map>
#include <optional>
#include <string>

namespace gossiplab::json {

// Escapes a string as a JSON string literal, quotes included.
std::string quote(const std::string& text);
// Writes {"k": v, ...}; values are emitted raw when `raw_keys` says so (numbers), quoted otherwise.
std::string writeFlatObject(const std::map<std::string, std::string>& values,
                            const std::map<std::string, bool>& is_number);
// Parses a flat object; numbers and booleans come back as their literal text.
std::optional<std::map<std::string, std::string>> parseFlatObject(const std::string& text, std::string* error);

}  // namespace gossiplab::json
