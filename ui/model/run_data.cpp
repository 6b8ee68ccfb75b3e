#include "ui/model/run_data.h"

#include <cmath>

namespace gossiplab::ui {

RunData::RunData(size_t capacity) : capacity_(capacity), empty_(4) {
    for (auto& s : run_series_) s = SeriesBuffer(capacity_);
}

void RunData::reset(int workers, Algorithm algorithm) {
    workers_ = std::max(0, workers);
    algorithm_ = algorithm;
    info_ = {};
    has_info_ = false;
    for (size_t k = 0; k < worker_series_.size(); ++k) {
        worker_series_[k].assign(size_t(workers_), SeriesBuffer(capacity_));
        ++worker_revision_[k];
    }
    for (auto& s : run_series_) s.clear();
    distances_ = {};
    ++distances_revision_;
    markers_.clear();
    ++markers_revision_;
    ++reset_count_;
}

void RunData::reset(const RunInfo& info) {
    reset(info.config.workers, info.config.algorithm);
    info_ = info;
    has_info_ = true;
}

void RunData::appendWorker(WorkerSeries series, int worker, const SamplePoint& at, double value) {
    auto& list = worker_series_[size_t(series)];
    if (worker < 0) return;
    if (size_t(worker) >= list.size()) {
        // A worker we were not told about (a history whose info is missing): grow.
        workers_ = std::max(workers_, worker + 1);
        for (auto& l : worker_series_) l.resize(size_t(workers_), SeriesBuffer(capacity_));
    }
    list[size_t(worker)].append(at, value);
    ++worker_revision_[size_t(series)];
}

void RunData::appendRun(RunSeries series, const SamplePoint& at, double value) {
    run_series_[size_t(series)].append(at, value);
}

void RunData::add(const WorkerSample& s) {
    appendWorker(WorkerSeries::Loss, s.worker, s.at, s.loss);
    if (std::isfinite(s.alpha)) appendWorker(WorkerSeries::Alpha, s.worker, s.at, s.alpha);
    if (std::isfinite(s.center_distance)) appendWorker(WorkerSeries::CenterDistance, s.worker, s.at, s.center_distance);
    appendWorker(WorkerSeries::MessagesSent, s.worker, s.at, static_cast<double>(s.messages_sent));
    if (!std::isnan(s.wait_per_iteration_s)) appendWorker(WorkerSeries::WaitPerIteration, s.worker, s.at, s.wait_per_iteration_s);
}

void RunData::add(const RunSample& s) {
    appendRun(RunSeries::MeanLoss, s.at, s.mean_loss);
    if (std::isfinite(s.alpha_sum)) appendRun(RunSeries::AlphaSum, s.at, s.alpha_sum);
    if (std::isfinite(s.alpha_held)) appendRun(RunSeries::AlphaHeld, s.at, s.alpha_held);
    if (std::isfinite(s.alpha_waiting)) appendRun(RunSeries::AlphaWaiting, s.at, s.alpha_waiting);
    appendRun(RunSeries::Messages, s.at, static_cast<double>(s.messages));
    appendRun(RunSeries::ImagesPerSecond, s.at, s.images_per_second);
}

void RunData::add(const DistanceSnapshot& d) {
    appendRun(RunSeries::ConsensusDistance, d.at, d.consensus_distance);
    setDistances({d.at, d.workers, d.distances, d.consensus_distance});
}

void RunData::add(const EvalSample& e) {
    appendRun(RunSeries::TestLoss, e.at, e.test_loss);
    appendRun(RunSeries::TestAccuracy, e.at, e.test_accuracy);
}

void RunData::add(const SettingChange& c) { addMarker({c.at, c.field, c.old_value, c.new_value, c.source}); }

void RunData::setDistances(DistanceGrid grid) {
    distances_ = std::move(grid);
    ++distances_revision_;
}

void RunData::addMarker(SettingMarker marker) {
    markers_.push_back(std::move(marker));
    ++markers_revision_;
}

const SeriesBuffer& RunData::worker(WorkerSeries series, int worker) const {
    const auto& list = worker_series_[size_t(series)];
    if (worker < 0 || size_t(worker) >= list.size()) return empty_;
    return list[size_t(worker)];
}

const SeriesBuffer& RunData::run(RunSeries series) const { return run_series_[size_t(series)]; }

uint64_t RunData::workerRevision(WorkerSeries series) const { return worker_revision_[size_t(series)]; }

uint64_t RunData::runRevision(RunSeries series) const {
    return run_series_[size_t(series)].revision() + reset_count_;
}

int64_t RunData::pointsAppended() const {
    int64_t total = 0;
    for (const auto& list : worker_series_)
        for (const auto& s : list) total += s.pointsAppended();
    for (const auto& s : run_series_) total += s.pointsAppended();
    return total;
}

size_t RunData::bucketsHeld() const {
    size_t total = 0;
    for (const auto& list : worker_series_)
        for (const auto& s : list) total += s.bucketCount();
    for (const auto& s : run_series_) total += s.bucketCount();
    return total;
}

}  // namespace gossiplab::ui
