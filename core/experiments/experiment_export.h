#pragma once
// Export of an experiment into one folder (created if missing; files there are replaced):
//   experiment.json        the spec (name, kind, fixed settings, grid, per-algorithm settings)
//   queue.csv              one row per queued run: position, label, queue status, run id, attempts,
//                          the run's status, its axis values and message
//   time_to_loss.csv       images per worker and wall time to reach training loss L, per run
//   time_to_loss_ratios.csv  GoSGD / EAMSGD for matching runs (and over seeds)
//   metrics_vs_PARAM.csv   every final metric against the swept parameter, per line and value,
//                          mean/min/max/stddev over seeds (only when a parameter takes 2+ values)
//   runs.csv               the runs' configs and final metrics (RunHistory::exportRunsCsv)
//   series.csv             every recorded point of the runs, long format (exportSeriesCsv)
// The CSV conventions are the history's (core/store/csv.h).

#include <optional>
#include <string>
#include <vector>

#include "core/store/history.h"

namespace gossiplab::experiments {

struct ExportOptions {
    std::optional<double> loss_level;  // L for the time-to-loss table; nullopt: the default
    bool series = true;                // also series.csv (every point; the largest file)
};

struct ExportSummary {
    std::vector<std::string> files;  // paths written
    int runs = 0;
};

store::Result<ExportSummary> exportExperiment(const store::RunHistory& history, int64_t experiment_id,
                                              const std::string& folder, const ExportOptions& options = {});

}  // namespace gossiplab::experiments
