#pragma once
// Loading an experiment from the run history into the plain data the analysis and the view use.

#include <optional>
#include <vector>

#include "core/experiments/analysis.h"
#include "core/experiments/experiment_spec.h"
#include "core/store/history.h"

namespace gossiplab::experiments {

struct LoadedExperiment {
    store::ExperimentRecord record;
    std::optional<ExperimentSpec> spec;  // nullopt if its JSON no longer reads (another version)
    std::vector<store::QueueItem> queue;
    ExperimentData data;                 // one RunData per queue item, in queue order
};

// nullopt if there is no such experiment. `with_curves`: also read every run's mean-loss series
// (the time-to-loss table needs them; the metric-vs-parameter data does not). Throws
// store::HistoryError on I/O faults, like the history's queries.
std::optional<LoadedExperiment> loadExperiment(const store::RunHistory& history, int64_t experiment_id,
                                               bool with_curves = true);

// The run ids of an experiment's queue (the latest attempt of each item that started).
std::vector<int64_t> runIdsOf(const LoadedExperiment& experiment);

}  // namespace gossiplab::experiments
