#pragma once
// A small JSON reader for experiment files: any object is read and flattened into (key, value)
// text pairs, in file order. Nested objects become dotted keys ({"grid": {"p": ...}} -> "grid.p"),
// an array of scalars becomes one comma-separated text ([0, 0.02, 1] -> "0,0.02,1"), numbers and
// booleans come back as their literal text, null as "". So {"grid": {"p": [0, 1]}} and
// {"grid.p": "0,1"} read the same. Arrays of arrays or of objects are refused.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gossiplab::experiments::flat_json {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// nullopt with a message (naming the offset) on a syntax error or a duplicate key.
std::optional<Pairs> parse(const std::string& text, std::string* error);

}  // namespace gossiplab::experiments::flat_json
