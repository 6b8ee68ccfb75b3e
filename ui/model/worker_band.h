#pragma once
// The spread of one run's workers, for the compare view: the x range is cut into bins and each
// bin keeps the smallest and the largest value any worker reported in it, and the mean of the
// workers' values there. Drawn as a min/max band around the run's mean line, so one colour per
// run stays readable with 3-8 runs of 8 workers each. Built from RunData's buckets (bounded
// memory: at most capacity buckets per worker), never from raw rows.

#include <vector>

#include "ui/model/run_data.h"

namespace gossiplab::ui {

struct WorkerBand {
    std::vector<double> xs;    // bin centres, increasing; bins with no finite value are left out
    std::vector<double> lo;
    std::vector<double> hi;
    std::vector<double> mean;  // mean over every worker bucket in the bin (weighted by its points)
    bool empty() const { return xs.empty(); }
};

// `bins` below 2 reads as 2. Uses each bucket's own min and max, so a decimated series' spikes
// stay inside the band.
WorkerBand workerBand(const RunData& data, WorkerSeries series, XAxis axis, int bins = 400);

}  // namespace gossiplab::ui
