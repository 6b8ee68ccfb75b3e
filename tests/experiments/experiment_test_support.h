#pragma once
// Shared by the experiment tests: tiny real runs on synthetic data, experiments made directly in
// the history (so that one queue can hold runs of different lengths), and small queries.

#include <string>
#include <vector>

#include <QString>

#include "core/store/history.h"
#include "core/train/run_config.h"

namespace experiment_test {

using namespace gossiplab;

// A run of about a second: MLP on the synthetic set, 2 workers. `seconds` > 0: a time budget
// instead (for runs that get stopped or killed).
inline RunConfig tinyConfig(const std::string& name, double images = 600, double seconds = 0) {
    RunConfig c;
    c.name = name;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.workers = 2;
    c.batch_size = 16;
    c.p = 0.5;
    c.learning_rate = 0.05;
    c.metrics_every = 2;
    c.distance_every = 5;
    c.intra_op_threads = 1;
    c.budget_kind = seconds > 0 ? BudgetKind::Seconds : BudgetKind::ImagesPerWorker;
    c.budget = seconds > 0 ? seconds : images;
    return c;
}

inline store::RunHistory openHistory(const std::string& path) {
    auto history = store::RunHistory::open(path);
    if (!history) qFatal("cannot open %s: %s", path.c_str(), history.error().message.c_str());
    return std::move(history.value());
}

inline int64_t makeExperiment(const std::string& path, const std::string& name, const std::vector<RunConfig>& configs) {
    store::NewExperiment experiment;
    experiment.name = name;
    experiment.kind = "grid";
    experiment.spec_json = "{}";
    for (const auto& c : configs) experiment.items.push_back({c.name, toJson(c)});
    auto history = openHistory(path);
    auto id = history.createExperiment(experiment);
    if (!id) qFatal("cannot create the experiment: %s", id.error().message.c_str());
    return id.value();
}

inline QString statuses(const std::vector<store::QueueItem>& queue) {
    QString out;
    for (const auto& item : queue) out += QString::fromStdString(store::toString(item.status)) + " ";
    return out.trimmed();
}

inline QString name(store::ExperimentState state) { return QString::fromStdString(store::toString(state)); }
inline QString name(RunStatus status) { return QString::fromStdString(toString(status)); }

}  // namespace experiment_test
