#pragma once
// The JSON GossipLab reads and writes for settings (RunConfig files, the history's config column,
// experiment specs). Parsing is nlohmann-json's strict parser (Debian's nlohmann-json3-dev; only
// json.cpp includes it): correct UTF-8, surrogate pairs, no bare words. Reading flattens: nested objects become dotted keys ({"grid": {"p": ...}} ->
// "grid.p"), an array of scalars becomes one comma-separated text ([0, 0.02, 1] -> "0,0.02,1"),
// numbers and booleans come back as their literal text, null as "". So {"grid": {"p": [0, 1]}}
// and {"grid.p": "0,1"} read the same. Arrays of arrays or of objects, and a key given twice,
// are refused.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gossiplab::json {

// Escapes a string as a JSON string literal, quotes included.
std::string quote(const std::string& text);
// Writes {"k": v, ...}; values are emitted raw when `raw_keys` says so (numbers), quoted otherwise.
std::string writeFlatObject(const std::map<std::string, std::string>& values,
                            const std::map<std::string, bool>& is_number);
using FlatPairs = std::vector<std::pair<std::string, std::string>>;
// The (key, value) pairs in file order; nullopt with a message naming the offset on an error.
std::optional<FlatPairs> parseFlattened(const std::string& text, std::string* error);
// The same as a map (settings whose order does not matter).
std::optional<std::map<std::string, std::string>> parseFlatObject(const std::string& text, std::string* error);

}  // namespace gossiplab::json
