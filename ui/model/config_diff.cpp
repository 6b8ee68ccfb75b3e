#include "ui/model/config_diff.h"

#include <algorithm>
#include <set>

namespace gossiplab::ui {

std::vector<ConfigRow> diffConfigs(const std::vector<std::map<std::string, std::string>>& configs,
                                   const std::vector<std::string>& first) {
    std::set<std::string> keys;
    for (const auto& c : configs)
        for (const auto& [k, v] : c) keys.insert(k);
    std::vector<std::string> order;
    for (const auto& k : first)
        if (keys.count(k)) order.push_back(k);
    for (const auto& k : keys)
        if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);

    std::vector<ConfigRow> rows;
    rows.reserve(order.size());
    for (const auto& key : order) {
        ConfigRow row;
        row.key = key;
        for (const auto& c : configs) {
            const auto it = c.find(key);
            row.values.push_back(it == c.end() ? std::string() : it->second);
        }
        row.differs = std::adjacent_find(row.values.begin(), row.values.end(), std::not_equal_to<>()) != row.values.end();
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace gossiplab::ui
