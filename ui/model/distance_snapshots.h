#pragma once
// Every distance-matrix snapshot of a recorded run, for the slider under the heat map of a past
// run. The run history's API hands out only the latest matrix, so this reads the store's
// distance_snapshots table directly (read-only, its own connection): first the index (seq and
// the three x values, a few bytes a snapshot), then one matrix at a time as the slider moves, so
// a long run with thousands of snapshots opens at once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ui/model/run_data.h"

namespace gossiplab::ui {

class DistanceSnapshots {
public:
    // Reads the index of the run's snapshots; an unreadable file gives an empty index and the
    // reason in `error`.
    bool load(const std::string& history_path, int64_t run_id, std::string* error = nullptr);
    void clear();

    int count() const { return static_cast<int>(index_.size()); }
    const SamplePoint& at(int i) const { return index_[static_cast<size_t>(i)].at; }
    // The i-th matrix (0 = first); nullopt when out of range or no longer readable (deleted run).
    std::optional<DistanceGrid> grid(int i) const;

private:
    struct Entry {
        int64_t seq = 0;
        SamplePoint at;
    };
    std::string path_;
    int64_t run_id_ = 0;
    std::vector<Entry> index_;
};

}  // namespace gossiplab::ui
