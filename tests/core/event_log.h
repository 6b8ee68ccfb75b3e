#pragma once
// A RunObserver that keeps every event, for tests to inspect after Run::wait().

#include <mutex>
#include <vector>

#include "core/train/run_events.h"

#include <QtTest>

// QCOMPARE for the core's enums, printed by name. (QCOMPARE itself would find the core's
// std::string toString() by argument-dependent lookup and not compile.)
#define QCOMPARE_NAMES(actual, expected) \
    QCOMPARE(QString::fromStdString(gossiplab::toString(actual)), QString::fromStdString(gossiplab::toString(expected)))

namespace gossiplab::test {

struct EventLog final : RunObserver {
    std::mutex mutex;
    RunInfo info;
    std::vector<WorkerSample> worker_samples;
    std::vector<RunSample> run_samples;
    std::vector<DistanceSnapshot> distances;
    std::vector<EvalSample> evaluations;
    std::vector<ProgressUpdate> progress;
    std::vector<SettingChange> changes;
    std::vector<RunResult> ended;
    int started = 0;

    void onRunStarted(const RunInfo& i) override { std::lock_guard l(mutex); info = i; ++started; }
    void onWorkerSample(const WorkerSample& s) override { std::lock_guard l(mutex); worker_samples.push_back(s); }
    void onRunSample(const RunSample& s) override { std::lock_guard l(mutex); run_samples.push_back(s); }
    void onDistances(const DistanceSnapshot& d) override { std::lock_guard l(mutex); distances.push_back(d); }
    void onEvaluation(const EvalSample& e) override { std::lock_guard l(mutex); evaluations.push_back(e); }
    void onProgress(const ProgressUpdate& p) override { std::lock_guard l(mutex); progress.push_back(p); }
    void onSettingChange(const SettingChange& c) override { std::lock_guard l(mutex); changes.push_back(c); }
    void onRunEnded(const RunResult& r) override { std::lock_guard l(mutex); ended.push_back(r); }

    // Per-worker loss sequence (the window means, in sample order).
    std::vector<double> lossesOf(int worker) {
        std::lock_guard l(mutex);
        std::vector<double> out;
        for (const auto& s : worker_samples)
            if (s.worker == worker) out.push_back(s.loss);
        return out;
    }
};

// A fast configuration: synthetic 28x28 data, the MLP, no evaluation until the end.
inline RunConfig fastConfig() {
    RunConfig c;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.batch_size = 16;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 1600;
    c.metrics_every = 5;
    c.distance_every = 10;
    c.eval_max_images = 512;
    c.intra_op_threads = 1;
    return c;
}

}  // namespace gossiplab::test
