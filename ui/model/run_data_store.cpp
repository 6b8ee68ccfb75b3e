#include "ui/model/run_data_store.h"

#include <algorithm>
#include <sstream>

namespace gossiplab::ui {

namespace {

SamplePoint pointOf(const store::SeriesPoint& p) { return {p.iteration, p.images, p.wall_s}; }

std::vector<std::string> splitCommas(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(item);
    return out;
}

}  // namespace

bool loadRunData(const store::RunHistory& history, int64_t run_id, RunData& data, std::string* error,
                 const LoadOptions& options) {
    const auto record = history.run(run_id);
    if (!record) {
        if (error) *error = "no run with id " + std::to_string(run_id) + " in " + history.path();
        return false;
    }
    RunInfo info;
    if (auto config = history.config(run_id)) info.config = *config;
    info.config.workers = std::max(record->workers, 1);
    if (auto algorithm = parseAlgorithm(record->algorithm)) info.config.algorithm = *algorithm;
    info.config.name = record->name;
    info.parameter_count = record->parameter_count;
    info.model_description = record->model_description;
    info.dataset_description = record->dataset_description;
    info.train_size = record->train_size;
    info.test_size = record->test_size;
    info.images_per_worker_budget = record->images_budget;
    info.worker_devices = splitCommas(record->worker_devices);
    info.host = record->host;
    info.intra_op_threads = record->intra_op_threads;
    data.reset(info);

    store::ReadOptions read;
    read.max_points = options.max_points_per_series;
    for (const store::SeriesKey& key : history.seriesOf(run_id)) {
        const auto points = history.readSeries(run_id, key.series, key.worker, read);
        if (key.worker == store::kRunLevel) {
            RunSeries target;
            if (key.series == store::series::kMeanLoss) target = RunSeries::MeanLoss;
            else if (key.series == store::series::kAlphaSum) target = RunSeries::AlphaSum;
            else if (key.series == store::series::kAlphaHeld) target = RunSeries::AlphaHeld;
            else if (key.series == store::series::kAlphaWaiting) target = RunSeries::AlphaWaiting;
            else if (key.series == store::series::kMessages) target = RunSeries::Messages;
            else if (key.series == store::series::kImagesPerSecond) target = RunSeries::ImagesPerSecond;
            else if (key.series == store::series::kTestLoss) target = RunSeries::TestLoss;
            else if (key.series == store::series::kTestAccuracy) target = RunSeries::TestAccuracy;
            else if (key.series == store::series::kConsensusDistance) target = RunSeries::ConsensusDistance;
            else continue;
            for (const auto& p : points) data.appendRun(target, pointOf(p), p.value);
        } else {
            WorkerSeries target;
            if (key.series == store::series::kLoss) target = WorkerSeries::Loss;
            else if (key.series == store::series::kAlpha) target = WorkerSeries::Alpha;
            else if (key.series == store::series::kCenterDistance) target = WorkerSeries::CenterDistance;
            else if (key.series == store::series::kMessagesSent) target = WorkerSeries::MessagesSent;
            else if (key.series == store::series::kWaitPerIteration) target = WorkerSeries::WaitPerIteration;
            else continue;
            for (const auto& p : points) data.appendWorker(target, key.worker, pointOf(p), p.value);
        }
    }
    if (const auto matrix = history.latestDistances(run_id)) {
        DistanceGrid grid;
        grid.at = {matrix->iteration, matrix->images, matrix->wall_s};
        grid.workers = matrix->workers;
        grid.distances = matrix->distances;
        const auto& consensus = data.run(RunSeries::ConsensusDistance);
        grid.consensus_distance = consensus.empty() ? 0.0 : consensus.lastValue();
        data.setDistances(std::move(grid));
    }
    for (const auto& change : history.settingChanges(run_id))
        data.addMarker({change.at, change.field, change.old_value, change.new_value, change.source});
    return true;
}

}  // namespace gossiplab::ui
