#pragma once
// Everything the plots of one run show, in bounded memory: per-worker and run-level series, the
// latest distance matrix, the live-setting changes. Filled live from a run's events (through the
// bridge, on the GUI thread) or from the run history (loadRunData in run_data_store.h); the plot
// panels only read it. Not thread-safe: one thread (the GUI thread) owns it.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/train/run_events.h"
#include "ui/model/series_buffer.h"

namespace gossiplab::ui {

// WaitPerIteration: seconds per iteration a worker spent waiting for the others (barriers, locks,
// round trips, late messages), as WorkerSample::wait_per_iteration_s reports it.
enum class WorkerSeries { Loss = 0, Alpha, CenterDistance, MessagesSent, WaitPerIteration, Count };
enum class RunSeries { MeanLoss = 0, AlphaSum, Messages, ImagesPerSecond, TestLoss, TestAccuracy, ConsensusDistance, AlphaHeld, AlphaWaiting, Count };

struct DistanceGrid {
    SamplePoint at;
    int workers = 0;
    std::vector<double> distances;  // row-major workers x workers
    double consensus_distance = 0.0;
};

struct SettingMarker {
    SamplePoint at;
    std::string field;  // "p" or "learning-rate"
    double old_value = 0.0;
    double new_value = 0.0;
    std::string source;  // "user" or "schedule"
};

class RunData {
public:
    explicit RunData(size_t capacity = SeriesBuffer::kDefaultCapacity);

    // Forgets everything and sizes the series for a run of `workers` workers.
    void reset(int workers, Algorithm algorithm);
    void reset(const RunInfo& info);
    void clear() { reset(0, Algorithm::GoSgd); }

    // Live feeding (the same structs the core reports).
    void add(const WorkerSample& sample);
    void add(const RunSample& sample);
    void add(const DistanceSnapshot& snapshot);
    void add(const EvalSample& sample);
    void add(const SettingChange& change);

    // Lower-level feeding (the store loader).
    void appendWorker(WorkerSeries series, int worker, const SamplePoint& at, double value);
    void appendRun(RunSeries series, const SamplePoint& at, double value);
    void setDistances(DistanceGrid grid);
    void addMarker(SettingMarker marker);

    int workers() const { return workers_; }
    Algorithm algorithm() const { return algorithm_; }
    const RunInfo& info() const { return info_; }
    bool hasInfo() const { return has_info_; }

    const SeriesBuffer& worker(WorkerSeries series, int worker) const;
    const SeriesBuffer& run(RunSeries series) const;
    const DistanceGrid& distances() const { return distances_; }
    bool hasDistances() const { return distances_.workers > 0; }
    const std::vector<SettingMarker>& markers() const { return markers_; }

    // Revisions: a plot compares them with what it drew last.
    uint64_t workerRevision(WorkerSeries series) const;
    uint64_t runRevision(RunSeries series) const;
    uint64_t distancesRevision() const { return distances_revision_; }
    uint64_t markersRevision() const { return markers_revision_; }
    uint64_t resetCount() const { return reset_count_; }

    // Points appended since the last reset (all series), and how many plotted points they occupy.
    int64_t pointsAppended() const;
    size_t bucketsHeld() const;
    size_t capacity() const { return capacity_; }

private:
    size_t capacity_;
    int workers_ = 0;
    Algorithm algorithm_ = Algorithm::GoSgd;
    RunInfo info_;
    bool has_info_ = false;
    std::array<std::vector<SeriesBuffer>, size_t(WorkerSeries::Count)> worker_series_;
    std::array<SeriesBuffer, size_t(RunSeries::Count)> run_series_;
    std::array<uint64_t, size_t(WorkerSeries::Count)> worker_revision_{};
    DistanceGrid distances_;
    uint64_t distances_revision_ = 0;
    std::vector<SettingMarker> markers_;
    uint64_t markers_revision_ = 0;
    uint64_t reset_count_ = 0;
    SeriesBuffer empty_;
};

}  // namespace gossiplab::ui
