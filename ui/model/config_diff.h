#pragma once
// The configuration table of the compare view, as data: one row per config key, one value per
// run, and whether the values differ. Equal rows are what the view greys or hides, so that what
// changed between runs stands out (W&B's and MLflow's most asked-for comparison).

#include <map>
#include <string>
#include <vector>

namespace gossiplab::ui {

struct ConfigRow {
    std::string key;
    std::vector<std::string> values;  // one per run; "" where a run lacks the key
    bool differs = false;
};

// `configs`: one key -> value map per run (RunConfig's toKeyValues). Rows sorted by key; keys
// listed in `first` come first, in that order (the ones a reader looks for: algorithm, workers, p).
std::vector<ConfigRow> diffConfigs(const std::vector<std::map<std::string, std::string>>& configs,
                                   const std::vector<std::string>& first = {});

}  // namespace gossiplab::ui
