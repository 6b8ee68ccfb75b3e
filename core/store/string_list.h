#pragma once
// A list of strings as one JSON array text, e.g. ["fast","lr 0.1, no momentum"]: how a run's tags
// travel in one CSV cell (and come back out of SQLite's json_group_array). Unambiguous whatever
// the tags contain (commas, quotes, newlines, any UTF-8).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gossiplab::store {

std::string encodeStringList(const std::vector<std::string>& items);
// nullopt if `text` is not a JSON array of strings.
std::optional<std::vector<std::string>> decodeStringList(std::string_view text);

}  // namespace gossiplab::store
