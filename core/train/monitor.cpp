#include "core/train/monitor.h"

#include "core/train/devices.h"

#include <cmath>

namespace gossiplab {

std::vector<double> pairwiseDistances(const std::vector<torch::Tensor>& weights, double* consensus) {
    torch::NoGradGuard no_grad;
    const size_t m = weights.size();
    std::vector<double> d(m * m, 0.0);
    // Direct differences, not the Gram-matrix trick: distances near consensus are tiny and the
    // trick loses them to cancellation.
    for (size_t i = 0; i < m; ++i)
        for (size_t j = i + 1; j < m; ++j) {
            const double v = (weights[i] - weights[j].to(weights[i].device())).norm().item<double>();
            d[i * m + j] = d[j * m + i] = v;
        }
    if (consensus) {
        auto mean = torch::zeros_like(weights[0]);
        for (const auto& w : weights) mean.add_(w.to(mean.device()));
        mean.div_(static_cast<double>(m));
        double total = 0.0;
        for (const auto& w : weights) total += (w.to(mean.device()) - mean).norm().item<double>();
        *consensus = total / static_cast<double>(m);
    }
    return d;
}

Evaluator::Evaluator(const RunShared& shared, torch::Device device) {
    const Dataset& data = *shared.data;
    net_ = makeNetwork(shared.config.model, {data.channels, data.inputHeight(), data.inputWidth(), data.classes});
    flat_ = flattenParameters(*net_, device);
    net_->eval();
    images_ = preprocessedTestImages(data, shared.config.eval_max_images).to(device);
    labels_ = data.test.labels.narrow(0, 0, images_.size(0)).to(device);
}

std::optional<std::pair<double, double>> Evaluator::evaluate(const torch::Tensor& weights,
                                                             const std::atomic<bool>* cancel) {
    torch::NoGradGuard no_grad;
    flat_.weights.copy_(weights);
    const int64_t n = images_.size(0), batch = 1000;
    double loss_sum = 0.0;
    int64_t correct = 0;
    for (int64_t start = 0; start < n; start += batch) {
        if (cancel && cancel->load()) return std::nullopt;
        const int64_t len = std::min(batch, n - start);
        auto logits = net_->forward(images_.narrow(0, start, len));
        auto labels = labels_.narrow(0, start, len);
        loss_sum += torch::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
        correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    }
    return std::pair{loss_sum / static_cast<double>(n), static_cast<double>(correct) / static_cast<double>(n)};
}

Monitor::Monitor(RunShared& shared, RunObserver* observer)
    : shared_(shared), observer_(observer), evaluator_(shared, shared.workers[0]->device),
      last_snapshot_seq_(shared.workers.size(), 0), next_eval_images_(shared.config.eval_every_images) {}

Monitor::~Monitor() { abandonEvaluation(); }

void Monitor::tick() {
    deliverPending();
    const SamplePoint at = shared_.meanPoint();
    sampleRun(at);
    maybeDistances();
    maybeEvaluate(at);
}

void Monitor::deliverPending() {
    std::vector<WorkerSample> samples;
    std::vector<SettingChange> changes;
    std::vector<std::string> messages;
    {
        std::lock_guard lock(shared_.events_mutex);
        samples.swap(shared_.pending_samples);
        changes.swap(shared_.pending_changes);
        messages.swap(shared_.pending_messages);
    }
    if (!observer_) return;
    const bool gossip = hasSumWeights(shared_.config.algorithm);
    // The exact total at delivery time travels with every alpha sample.
    const double alpha_sum = gossip && !samples.empty() ? shared_.alphaSum() : std::nan("");
    for (auto& s : samples) {
        s.alpha_sum = alpha_sum;
        observer_->onWorkerSample(s);
    }
    for (const auto& c : changes) observer_->onSettingChange(c);
    for (const auto& m : messages) observer_->onMessage(m);
}

double Monitor::meanLoss() const {
    double sum = 0.0;
    int n = 0;
    for (const auto& w : shared_.workers) {
        const double v = w->window_loss.load();
        if (!std::isnan(v)) { sum += v; ++n; }
    }
    return n ? sum / n : std::nan("");
}

int64_t Monitor::totalImages() const {
    int64_t total = 0;
    for (const auto& w : shared_.workers) total += w->images.load();
    return total;
}

int64_t Monitor::totalMessages() const {
    if (shared_.config.algorithm == Algorithm::Easgd) return shared_.elastic_steps.load();
    int64_t total = 0;
    for (const auto& w : shared_.workers) total += w->sent.load();
    return total;
}

void Monitor::sampleRun(const SamplePoint& at) {
    const int64_t images = totalImages();
    const double dt = at.wall_s - last_sample_time_;
    if (dt > 0.05) {
        const double rate = static_cast<double>(images - last_sample_images_) / dt;
        // Smoothed over about a second, so the ETA does not jump at every tick.
        images_per_second_ = images_per_second_ == 0.0 ? rate : 0.8 * images_per_second_ + 0.2 * rate;
        last_sample_time_ = at.wall_s;
        last_sample_images_ = images;
    }
    if (!observer_) return;
    const bool gossip = hasSumWeights(shared_.config.algorithm);
    RunSample s;
    s.at = at;
    s.mean_loss = meanLoss();
    if (gossip) {
        const AlphaLedger ledger = shared_.alphaLedger();
        s.alpha_held = ledger.held;
        s.alpha_waiting = ledger.waiting;
        s.alpha_sum = ledger.held + ledger.waiting;
    } else {
        s.alpha_sum = s.alpha_held = s.alpha_waiting = std::nan("");
    }
    s.messages = totalMessages();
    s.images_per_second = images_per_second_;
    if (!std::isnan(s.mean_loss)) observer_->onRunSample(s);

    ProgressUpdate p;
    p.elapsed_s = at.wall_s;
    p.images_done = images;
    p.images_per_second = images_per_second_;
    p.messages = s.messages;
    p.alpha_sum = s.alpha_sum;
    p.alpha_held = s.alpha_held;
    p.alpha_waiting = s.alpha_waiting;
    if (shared_.images_budget_per_worker > 0) {
        p.images_budget = shared_.images_budget_per_worker * static_cast<int64_t>(shared_.workers.size());
        p.fraction = std::min(1.0, static_cast<double>(images) / static_cast<double>(p.images_budget));
        p.eta_s = images_per_second_ > 0 ? static_cast<double>(std::max<int64_t>(0, p.images_budget - images)) / images_per_second_
                                         : std::nan("");
    } else {
        p.budget_s = shared_.seconds_budget;
        p.fraction = std::min(1.0, at.wall_s / shared_.seconds_budget);
        p.eta_s = std::max(0.0, shared_.seconds_budget - at.wall_s);
    }
    observer_->onProgress(p);
}

void Monitor::maybeDistances() {
    // A new matrix once every worker has taken a new snapshot (or has finished).
    std::vector<torch::Tensor> weights;
    for (size_t i = 0; i < shared_.workers.size(); ++i) {
        auto& w = *shared_.workers[i];
        const int64_t seq = w.snapshot_seq.load();
        if (seq == 0 || (seq == last_snapshot_seq_[i] && !w.done.load())) return;
    }
    SamplePoint at;
    for (size_t i = 0; i < shared_.workers.size(); ++i) {
        auto& w = *shared_.workers[i];
        std::lock_guard lock(w.snapshot_mutex);
        last_snapshot_seq_[i] = w.snapshot_seq.load();
        weights.push_back(w.snapshot.clone());
    }
    at = shared_.meanPoint();
    emitDistances(weights, at);
}

void Monitor::emitDistances(const std::vector<torch::Tensor>& weights, const SamplePoint& at) {
    DistanceSnapshot snap;
    snap.at = at;
    snap.workers = static_cast<int>(weights.size());
    snap.distances = pairwiseDistances(weights, &snap.consensus_distance);
    last_consensus_ = snap.consensus_distance;
    if (observer_) observer_->onDistances(snap);
}

torch::Tensor Monitor::testModelWeights(const std::vector<torch::Tensor>& weights, const std::vector<double>& alphas) {
    torch::NoGradGuard no_grad;
    const auto& config = shared_.config;
    if (config.test_model == TestModel::Center) {
        std::lock_guard lock(shared_.center_mutex);
        return shared_.center.clone();
    }
    auto model = torch::zeros_like(weights[0]);
    if (config.test_model == TestModel::AlphaWeighted) {
        double total = 0.0;
        for (double a : alphas) total += a;
        for (size_t i = 0; i < weights.size(); ++i) model.add_(weights[i].to(model.device()), alphas[i] / total);
    } else {
        for (const auto& w : weights) model.add_(w.to(model.device()));
        model.div_(static_cast<double>(weights.size()));
    }
    return model;
}

void Monitor::maybeEvaluate(const SamplePoint& at) {
    const int64_t every = shared_.config.eval_every_images;
    if (every <= 0 || !shared_.coordinator) return;
    if (!collectEvaluation(false)) return;  // one evaluation at a time
    if (!eval_pending_) {
        if (at.images < next_eval_images_) return;
        // Ask every worker for a fresh snapshot at its next iteration boundary.
        const int64_t request = shared_.snapshot_request.fetch_add(1) + 1;
        if (Exchange* e = shared_.exchange.load()) e->snapshotRequested(request);
        eval_pending_ = true;
        return;
    }
    const int64_t request = shared_.snapshot_request.load();
    std::vector<torch::Tensor> weights;
    std::vector<double> alphas;
    for (const auto& w : shared_.workers)
        if (w->served_snapshot_request.load() < request && !w->done.load()) return;
    for (const auto& w : shared_.workers) {
        std::lock_guard lock(w->snapshot_mutex);
        weights.push_back(w->snapshot.clone());
        alphas.push_back(w->snapshot_alpha);
    }
    eval_pending_ = false;
    while (next_eval_images_ <= at.images) next_eval_images_ += every;
    eval_at_ = shared_.meanPoint();
    eval_cancel_.store(false);
    eval_running_ = std::async(std::launch::async, [this, model = testModelWeights(weights, alphas)] {
        serialIntraOpOnThisThread();  // beside the workers (devices.h)
        return evaluator_.evaluate(model, &eval_cancel_);
    });
}

bool Monitor::collectEvaluation(bool wait) {
    if (!eval_running_.valid()) return true;
    if (!wait && eval_running_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    if (const auto result = eval_running_.get()) reportEvaluation(eval_at_, *result);
    return true;
}

void Monitor::abandonEvaluation() {
    if (!eval_running_.valid()) return;
    eval_cancel_.store(true);
    eval_running_.wait();
    eval_running_ = {};
}

void Monitor::emitEvaluation(const torch::Tensor& weights, const SamplePoint& at, EvalSample* out) {
    if (const auto result = evaluator_.evaluate(weights)) reportEvaluation(at, *result, out);
}

void Monitor::reportEvaluation(const SamplePoint& at, std::pair<double, double> loss_accuracy, EvalSample* out) {
    EvalSample e;
    e.at = at;
    e.model = shared_.config.test_model;
    std::tie(e.test_loss, e.test_accuracy) = loss_accuracy;
    e.test_images = evaluator_.testImages();
    if (observer_) observer_->onEvaluation(e);
    if (out) *out = e;
}

void Monitor::finish(RunResult& result) {
    // A run that ended by itself reports the evaluation it was computing; a stopped, failed or
    // diverged one does not make its user wait for it.
    if (result.status == RunStatus::Finished) collectEvaluation(true);
    else abandonEvaluation();
    deliverPending();
    const SamplePoint at = shared_.meanPoint();
    sampleRun(at);
    std::vector<torch::Tensor> weights;
    std::vector<double> alphas;
    for (const auto& w : shared_.workers) {
        weights.push_back(w->flat.weights);
        alphas.push_back(w->alpha.load());
        result.worker_final_loss.push_back(w->window_loss.load());
    }
    emitDistances(weights, at);
    EvalSample final_eval;
    final_eval.test_loss = final_eval.test_accuracy = std::nan("");
    if (result.status != RunStatus::Failed && result.status != RunStatus::Diverged && shared_.coordinator)
        emitEvaluation(testModelWeights(weights, alphas), at, &final_eval);
    static const char* kPhaseNames[] = {"inbox drain", "elastic step", "data sampling", "forward/backward",
                                        "rounds and pairs", "optimizer step", "push", "metrics"};
    static_assert(std::size(kPhaseNames) == WorkerState::PhaseCount);
    for (int phase = 0; phase < WorkerState::PhaseCount; ++phase) {
        int64_t ns = 0;
        for (const auto& w : shared_.workers) ns += w->phase_ns[static_cast<size_t>(phase)].load();
        result.phase_seconds.emplace_back(kPhaseNames[phase], static_cast<double>(ns) * 1e-9);
    }
    for (const auto& w : shared_.workers) {
        result.iterations += w->iteration.load();
        result.wait_s += static_cast<double>(w->wait_ns.load()) * 1e-9;
    }
    result.images_done = totalImages();
    result.messages = totalMessages();
    result.final_mean_loss = meanLoss();
    result.final_test_loss = final_eval.test_loss;
    result.final_test_accuracy = final_eval.test_accuracy;
    result.consensus_distance = last_consensus_;
    // After the final drain the tracked workers hold all of it (on rank 0: every worker's final alpha).
    result.alpha_sum = hasSumWeights(shared_.config.algorithm) ? shared_.finalAlphaSum() : std::nan("");
    result.images_per_second = at.wall_s > 0 ? static_cast<double>(result.images_done) / at.wall_s : 0.0;
}

}  // namespace gossiplab
