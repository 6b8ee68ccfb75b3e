#pragma once
// Writes a run's event stream as long-format CSV: event, worker, iteration, images, wall_time_s,
// series, value (one row per value).

#include <fstream>
#include <string>

#include "core/store/csv.h"
#include "core/train/run_events.h"

namespace gossiplab::cli {

class EventsCsvWriter final : public RunObserver {
public:
    explicit EventsCsvWriter(const std::string& path);  // throws std::runtime_error naming the file
    void onWorkerSample(const WorkerSample& s) override;
    void onRunSample(const RunSample& s) override;
    void onDistances(const DistanceSnapshot& d) override;
    void onEvaluation(const EvalSample& e) override;
    void onSettingChange(const SettingChange& c) override;
    void onRunEnded(const RunResult& r) override;

private:
    void row(const char* event, int worker, const SamplePoint& at, const std::string& series, double value);
    std::string path_;
    std::ofstream out_;
    store::csv::Writer csv_;
};

}  // namespace gossiplab::cli
