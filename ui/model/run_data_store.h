#pragma once
// Fills a RunData from the run history, so that the same plot panels that show a live run show a
// recorded one (the history browser and the compare view build on this).

#include <cstdint>
#include <string>

#include "core/store/history.h"
#include "ui/model/run_data.h"

namespace gossiplab::ui {

struct LoadOptions {
    // Points read per series at most (the store keeps min and max per bucket); 0: every row.
    size_t max_points_per_series = 2 * SeriesBuffer::kDefaultCapacity;
};

// Replaces `data` with the run's series, its latest distance matrix and its setting changes.
// Returns false with the reason in `error` for an unknown run; throws store::HistoryError on I/O
// faults like every query.
bool loadRunData(const store::RunHistory& history, int64_t run_id, RunData& data, std::string* error = nullptr,
                 const LoadOptions& options = {});

}  // namespace gossiplab::ui
