#include "core/experiments/experiment_data.h"

#include <cmath>

namespace gossiplab::experiments {

std::optional<LoadedExperiment> loadExperiment(const store::RunHistory& history, int64_t experiment_id, bool with_curves) {
    auto record = history.experiment(experiment_id);
    if (!record) return std::nullopt;
    LoadedExperiment out;
    out.record = *record;
    std::vector<GridError> ignored;
    out.spec = specFromJson(record->spec_json, &ignored);
    out.queue = history.queueOf(experiment_id);
    out.data.id = record->id;
    out.data.name = record->name;
    out.data.kind = parseExperimentKind(record->kind).value_or(ExperimentKind::Grid);
    for (const store::QueueItem& item : out.queue) {
        RunData run;
        run.position = item.position;
        run.label = item.label;
        run.item_status = item.status;
        std::vector<ConfigError> errors;
        if (auto config = fromJson(item.config_json, &errors)) run.config = *config;
        if (item.run_id != 0) {
            if (auto r = history.run(item.run_id)) {
                run.run_id = r->id;
                run.status = r->status;
                run.final_loss = r->mean_loss;
                run.test_accuracy = r->test_accuracy;
                run.test_loss = r->test_loss;
                run.consensus_distance = r->consensus_distance;
                run.messages = static_cast<double>(r->messages);
                run.wall_s = r->duration_s;
                run.images_per_worker = r->workers > 0 ? static_cast<double>(r->images_done) / r->workers : kNaN;
                run.images_per_second = r->images_per_second;
                if (with_curves) {
                    for (const auto& point : history.readSeries(r->id, store::series::kMeanLoss, store::kRunLevel))
                        run.loss_curve.push_back({static_cast<double>(point.images), point.wall_s, point.value});
                }
            }
        }
        out.data.runs.push_back(std::move(run));
    }
    return out;
}

std::vector<int64_t> runIdsOf(const LoadedExperiment& experiment) {
    std::vector<int64_t> ids;
    for (const auto& run : experiment.data.runs)
        if (run.run_id != 0) ids.push_back(run.run_id);
    return ids;
}

}  // namespace gossiplab::experiments
