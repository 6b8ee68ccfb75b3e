#pragma once
// The run's monitor: delivers worker samples, computes the run-level series (the paper's mean
// loss, alpha sum, throughput), the distance matrix and the test model's evaluation, applies
// schedules, and reports progress. It runs on the run's own thread, the only thread that calls
// the observer.
//
// The periodic test-model evaluation runs on a thread of its own: on a busy machine it can take
// seconds (M workers share the cores with it), and a monitor blocked that long would freeze the
// progress, the setting changes and a Stop. The monitor starts it, goes on ticking, and reports
// the result (with the point its weights were taken at) on the tick after it is ready. A stop
// abandons an evaluation in flight between two test batches.

#include <atomic>
#include <future>
#include <optional>

#include "core/train/run_shared.h"

namespace gossiplab {

// Pairwise Euclidean distances (row-major M x M) and the mean distance to the uniform average.
std::vector<double> pairwiseDistances(const std::vector<torch::Tensor>& weights, double* consensus);

// Evaluates weights on the (preprocessed) test set with a network of the run's architecture.
class Evaluator {
public:
    Evaluator(const RunShared& shared, torch::Device device);
    // {loss, accuracy}; nothing when `cancel` became true between two test batches.
    std::optional<std::pair<double, double>> evaluate(const torch::Tensor& weights,
                                                      const std::atomic<bool>* cancel = nullptr);
    int64_t testImages() const { return labels_.size(0); }

private:
    std::shared_ptr<Network> net_;
    FlatParameters flat_;
    torch::Tensor images_, labels_;
};

class Monitor {
public:
    Monitor(RunShared& shared, RunObserver* observer);
    ~Monitor();  // abandons an evaluation in flight and waits for its thread
    // One round: deliver what the workers posted, sample, maybe distances/evaluation.
    void tick();
    // After the workers joined and the inboxes were drained: final samples, distances and
    // evaluation from the final weights. Fills the result's metrics.
    void finish(RunResult& result);
    bool waitingForSnapshots() const { return eval_pending_; }

private:
    void deliverPending();
    void sampleRun(const SamplePoint& at);
    void maybeDistances();
    void maybeEvaluate(const SamplePoint& at);
    torch::Tensor testModelWeights(const std::vector<torch::Tensor>& weights, const std::vector<double>& alphas);
    void emitDistances(const std::vector<torch::Tensor>& weights, const SamplePoint& at);
    void emitEvaluation(const torch::Tensor& weights, const SamplePoint& at, EvalSample* out = nullptr);
    void reportEvaluation(const SamplePoint& at, std::pair<double, double> loss_accuracy, EvalSample* out = nullptr);
    // Reports the background evaluation when it is done (or `wait`s for it); true when none is left.
    bool collectEvaluation(bool wait);
    void abandonEvaluation();
    double meanLoss() const;
    int64_t totalImages() const;
    int64_t totalMessages() const;

    RunShared& shared_;
    RunObserver* observer_;
    Evaluator evaluator_;
    std::vector<int64_t> last_snapshot_seq_;
    int64_t next_eval_images_ = 0;
    bool eval_pending_ = false;  // waiting for the workers' snapshots
    std::future<std::optional<std::pair<double, double>>> eval_running_;
    SamplePoint eval_at_;
    std::atomic<bool> eval_cancel_{false};
    double last_sample_time_ = 0.0;
    int64_t last_sample_images_ = 0;
    double images_per_second_ = 0.0;
    double last_consensus_ = 0.0;
};

}  // namespace gossiplab
