// One worker's iteration, for every algorithm (docs/algorithms.md):
//   GoSGD:      drain the inbox, SGD step, push to a random peer with probability p
//   EASGD:      elastic step against the center every tau steps, SGD step (EAMSGD: Nesterov)
//   naive:      SGD step
//   all-reduce: gradient, round (mean gradient of all workers), SGD step
//   local SGD:  SGD step, and every H steps a round (mean model of all workers)
//   D-PSGD:     gradient at x, round (x <- mean of x and its ring neighbours), step with that gradient
//   AD-PSGD:    read the model, gradient; even workers average with a random odd one; step
//   SGP:        wait for late pushes (sgp-delay), drain the pushes of the steps before this one,
//               step on the de-biased model, push (tagged with the step) to the peer 2^(k mod log2 M)
//               ahead

#include <array>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>

#include "core/train/devices.h"
#include "core/train/run_shared.h"

namespace gossiplab {

namespace {

// splitmix64: independent, well-mixed seeds for each worker's streams from one run seed.
uint64_t mixSeed(uint64_t seed, uint64_t stream) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The mean of the last 50 mini-batch losses: the paper's smoothing window.
class LossWindow {
public:
    void add(double loss) {
        sum_ += loss - values_[next_];
        values_[next_] = loss;
        next_ = (next_ + 1) % values_.size();
        count_ = std::min(count_ + 1, values_.size());
        // Re-sum now and then so float drift never accumulates.
        if (next_ == 0) { sum_ = 0; for (double v : values_) sum_ += v; }
    }
    double mean() const { return count_ ? sum_ / static_cast<double>(count_) : std::nan(""); }

private:
    std::array<double, 50> values_{};
    size_t next_ = 0, count_ = 0;
    double sum_ = 0.0;
};

std::string errorText(const std::exception& e) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
    return e.what();
}

class Worker {
public:
    Worker(RunShared& shared, WorkerState& self)
        : shared_(shared), self_(self), config_(shared.config),
          sampler_(*shared.data, *shared.training_sets.at(self.device.str()), samplerSeed(config_.seed, self.index)),
          gossip_rng_(mixSeed(config_.seed, 2 * static_cast<uint64_t>(self.index) + 1)),
          exchange_(shared.exchange.load()),
          nesterov_(config_.algorithm == Algorithm::Easgd && config_.momentum > 0.0),
          tau_(config_.effectiveEasgdTau()), easgd_alpha_(config_.effectiveEasgdAlpha()),
          local_steps_(config_.effectiveLocalSteps()) {
        if (config_.momentum > 0.0) velocity_ = torch::zeros_like(self_.flat.weights);
        if (config_.algorithm == Algorithm::Easgd) elastic_diff_ = torch::empty_like(self_.flat.weights);
        if (config_.algorithm == Algorithm::AdPsgd) read_weights_ = torch::empty_like(self_.flat.weights);
        // SGP's exponential graph: peers 1, 2, 4, ... hops ahead, all below M.
        while ((int64_t{1} << sgp_shifts_) < shared.global_workers) ++sgp_shifts_;
    }

    void run() {
        at::set_num_threads(shared_.intra_op_threads);  // per thread under OpenMP
        self_.net->train();
        int64_t step = 0;
        if (isSynchronous(config_.algorithm)) {
            // The rounds decide when to stop, together (round_barrier.h).
            while (iterate(step)) ++step;
        } else {
            while (!shared_.stop.load(std::memory_order_relaxed) && !budgetReached()) {
                if (!iterate(step)) break;
                ++step;
            }
        }
        readLosses();
        takeSnapshot();  // the last word for the monitor's distances and test model
    }

private:
    bool budgetReached() const {
        if (shared_.images_budget_per_worker > 0) return self_.images.load() >= shared_.images_budget_per_worker;
        return shared_.elapsedSeconds() >= shared_.seconds_budget;
    }

    // Adds the time since `since` to this worker's waiting time.
    void addWait(std::chrono::steady_clock::time_point since) {
        self_.wait_ns.fetch_add(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since).count(),
            std::memory_order_relaxed);
    }

    // Adds the time since the previous mark to `phase`.
    void mark(WorkerState::Phase phase) {
        const auto now = std::chrono::steady_clock::now();
        self_.phase_ns[phase].fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_mark_).count(),
                                        std::memory_order_relaxed);
        last_mark_ = now;
    }

    // One step; false when the worker must stop (a synchronous round said so, or it diverged).
    bool iterate(int64_t step) {
        last_mark_ = std::chrono::steady_clock::now();
        const Algorithm algorithm = config_.algorithm;
        double lr = shared_.learning_rate.load(std::memory_order_relaxed);
        if (algorithm == Algorithm::Sgp) waitForLatePushes(step);
        mark(WorkerState::Synchronise);
        if (hasSumWeights(algorithm)) drainInbox(algorithm == Algorithm::Sgp ? std::optional<int64_t>(step - 1) : std::nullopt);
        mark(WorkerState::Drain);
        if (algorithm == Algorithm::Easgd && tau_ > 0 && step % tau_ == 0) elasticStep();
        mark(WorkerState::Elastic);
        if (algorithm == Algorithm::AdPsgd) readPublicModel();
        mark(WorkerState::Synchronise);

        auto [input, labels] = sampler_.next(config_.batch_size);
        mark(WorkerState::Sample);
        auto& x = self_.flat.weights;
        if (nesterov_) x.add_(velocity_, config_.momentum);  // gradient at the look-ahead point
        self_.flat.grads.zero_();
        auto loss = torch::cross_entropy_loss(self_.net->forward(input), labels);
        loss.backward();
        if (nesterov_) x.sub_(velocity_, config_.momentum);
        recordLoss(loss, step);
        mark(WorkerState::ForwardBackward);

        bool go_on = true;
        const bool last_step = shared_.images_budget_per_worker > 0 &&
                               self_.images.load() + config_.batch_size >= shared_.images_budget_per_worker;
        if (algorithm == Algorithm::AllReduce) go_on = round(&SynchronousRounds::averageGradients, last_step);
        if (algorithm == Algorithm::DPsgd) go_on = round(&SynchronousRounds::mixWithRingNeighbours, last_step);
        if (round_aborted_) return false;
        mark(WorkerState::Synchronise);
        // SGP trains the de-biased model z = x / w: its step on x is lr, so on z it is lr / w.
        if (algorithm == Algorithm::Sgp) {
            step_alpha_ = self_.alpha.load(std::memory_order_relaxed);
            lr /= shared_.global_workers * step_alpha_;
        }
        if (algorithm == Algorithm::AdPsgd) {
            applyUpdate(lr);
            mark(WorkerState::Update);
            averageWithPeerAndStep();
            mark(WorkerState::Synchronise);
        } else {
            applyUpdate(lr);
            mark(WorkerState::Update);
        }
        if (algorithm == Algorithm::LocalSgd) {
            // Every H steps, at the last step of an images budget, and at once when a stop was
            // asked or the time is up (the round is where every worker stops together).
            const bool time_up = shared_.images_budget_per_worker == 0 && shared_.elapsedSeconds() >= shared_.seconds_budget;
            if ((step + 1) % std::max(1, local_steps_) == 0 || last_step || time_up || shared_.stop.load())
                go_on = round(&SynchronousRounds::averageModels, last_step);
            if (round_aborted_) return false;
            mark(WorkerState::Synchronise);
        }

        self_.iteration.store(step + 1, std::memory_order_relaxed);
        const int64_t images = self_.images.fetch_add(config_.batch_size, std::memory_order_relaxed) + config_.batch_size;
        if (shared_.coordinator) {
            applyDueSteps(config_.p_schedule, shared_.next_p_step, shared_.p, "p", step + 1, images);
            applyDueSteps(config_.lr_schedule, shared_.next_lr_step, shared_.learning_rate, "learning-rate", step + 1, images);
        }

        const bool metrics_due = (step + 1) % config_.metrics_every == 0;
        if (metrics_due || losses_pending_ == kLossLogSize) {
            if (!readLosses()) return false;
        }
        if (algorithm == Algorithm::GoSgd) maybePush();
        if (algorithm == Algorithm::Sgp) pushToExponentialPeer(step);
        mark(WorkerState::Push);
        if ((step + 1) % config_.distance_every == 0 || self_.served_snapshot_request.load() < snapshotRequest())
            takeSnapshot();
        if (metrics_due) postSample();
        mark(WorkerState::Metrics);
        return go_on;
    }

    // A synchronous round. This worker wants to stop when the budget ends with this step, or a
    // stop was asked; the round decides for every worker. Counts as waiting, and as one message.
    bool round(RoundBarrier::Outcome (SynchronousRounds::*kind)(bool), bool last_step) {
        const bool wants_stop = last_step || shared_.stop.load() ||
                                (shared_.images_budget_per_worker == 0 && shared_.elapsedSeconds() >= shared_.seconds_budget);
        const auto since = std::chrono::steady_clock::now();
        const RoundBarrier::Outcome outcome = (shared_.rounds.get()->*kind)(wants_stop);
        addWait(since);
        round_aborted_ = outcome == RoundBarrier::Outcome::Aborted;
        if (!round_aborted_) {
            self_.sent.fetch_add(1, std::memory_order_relaxed);
            self_.received.fetch_add(1, std::memory_order_relaxed);
        }
        return outcome == RoundBarrier::Outcome::GoOn;
    }

    // SGP: before step k, the pushes tagged with the steps up to k - 1 - delay must have arrived
    // (each worker receives one push per step: the graph is a permutation at every step), merged
    // since or waiting in the inbox.
    void waitForLatePushes(int64_t step) {
        const int64_t needed = step - 1 - config_.sgp_delay;  // the last tag that must be in
        if (shared_.global_workers < 2 || needed < 0) return;
        const auto since = std::chrono::steady_clock::now();
        while (self_.inbox->arrivedThrough() < needed) {
            if (shared_.stop.load() || budgetReached()) break;  // the sender has stopped for good
            self_.inbox->waitForMessage(std::chrono::milliseconds(5));
        }
        addWait(since);
    }

    void pushToExponentialPeer(int64_t step) {
        const int m = shared_.global_workers;
        if (m < 2 || !readLosses()) return;
        const int shift = 1 << (step % sgp_shifts_);
        if (exchange_->push(self_, (self_.index + shift) % m, step)) self_.sent.fetch_add(1, std::memory_order_relaxed);
    }

    // AD-PSGD: the model to take the gradient at, as it is now.
    void readPublicModel() {
        const auto since = std::chrono::steady_clock::now();
        std::lock_guard lock(self_.model_mutex);
        addWait(since);
        read_weights_.copy_(self_.public_weights);
        self_.flat.weights.copy_(read_weights_);
    }

    // AD-PSGD (Lian et al. 2018, Alg. 1 on the bipartite graph): an even ("active") worker
    // averages its model with a random odd ("passive") one, atomically for both, then applies its
    // update, the change applyUpdate made to the read copy. Passive workers only apply theirs.
    // Deadlock-free: an active worker holds its own lock and then takes a passive one's (here or
    // through the peer's process); a passive worker never waits while holding its lock, and
    // actives never wait for each other, so no cycle of waits can form.
    void averageWithPeerAndStep() {
        torch::NoGradGuard no_grad;
        auto& x = self_.public_weights;
        read_weights_.sub_(self_.flat.weights);  // the step d: x <- x - d
        const int m = shared_.global_workers;
        const auto since = std::chrono::steady_clock::now();
        std::lock_guard lock(self_.model_mutex);
        if (self_.index % 2 == 0 && m >= 2) {
            const int peer = 2 * std::uniform_int_distribution<int>(0, m / 2 - 1)(gossip_rng_) + 1;
            exchange_->averageWithPeer(self_, peer);
        }
        addWait(since);
        x.sub_(read_weights_);
    }

    // Applies the schedule's steps that this worker's image count has reached (each step once,
    // by whichever worker gets there first), as an event for the monitor to deliver.
    void applyDueSteps(const std::vector<ScheduleStep>& steps, std::atomic<size_t>& next, std::atomic<double>& target,
                       const char* field, int64_t iteration, int64_t images) {
        size_t k = next.load(std::memory_order_relaxed);
        while (k < steps.size() && steps[k].at_images_per_worker <= images) {
            if (!next.compare_exchange_weak(k, k + 1)) continue;  // k now holds the current index
            const double old_value = target.exchange(steps[k].value);
            if (Exchange* e = shared_.exchange.load()) e->settingChanged(field, steps[k].value);
            if (old_value != steps[k].value) {
                SettingChange change{{iteration, images, shared_.elapsedSeconds()}, field, old_value, steps[k].value, "schedule"};
                std::lock_guard lock(shared_.events_mutex);
                shared_.pending_changes.push_back(std::move(change));
            }
            k = next.load(std::memory_order_relaxed);
        }
    }

    // The losses stay on the worker's device, in a small log read every kLossLogSize steps, at
    // every metrics sample and before every exchange: no host synchronisation per step, and a
    // diverged worker never sends its weights.
    void recordLoss(const torch::Tensor& loss, int64_t step) {
        if (!loss_log_.defined()) loss_log_ = torch::empty({kLossLogSize}, loss.options());
        if (losses_pending_ == 0) first_pending_step_ = step;
        loss_log_[losses_pending_].copy_(loss.detach());
        ++losses_pending_;
    }

    // Adds the logged losses to the window; false (and the run ends diverged, naming the worker and
    // the step) when one is not finite.
    bool readLosses() {
        if (losses_pending_ == 0) return true;
        const auto host = loss_log_.narrow(0, 0, losses_pending_).to(torch::kCPU, torch::kFloat64).contiguous();
        const double* values = host.data_ptr<double>();
        const int64_t count = losses_pending_;
        losses_pending_ = 0;
        for (int64_t k = 0; k < count; ++k) {
            if (!std::isfinite(values[k])) {
                shared_.endWith(RunStatus::Diverged, "worker " + std::to_string(self_.index) + " diverged at step " +
                                                         std::to_string(first_pending_step_ + k) + ": loss is " + std::to_string(values[k]));
                return false;
            }
            window_.add(values[k]);
        }
        self_.window_loss.store(window_.mean(), std::memory_order_relaxed);
        return true;
    }

    void applyUpdate(double lr) {
        torch::NoGradGuard no_grad;
        auto& x = self_.flat.weights;
        auto& g = self_.flat.grads;
        if (config_.weight_decay > 0.0) {
            g.add_(x, config_.weight_decay);
            // EAMSGD took the loss's gradient at the look-ahead point x + delta v: the penalty's
            // gradient belongs there too (as torch's Nesterov SGD has it; test_optimizer).
            if (nesterov_) g.add_(velocity_, config_.momentum * config_.weight_decay);
        }
        if (nesterov_) {
            // EAMSGD: v <- delta v - lr grad(x + delta v); x <- x + v
            velocity_.mul_(config_.momentum).add_(g, -lr);
            x.add_(velocity_);
        } else if (config_.momentum > 0.0) {
            // Heavy ball, as torch.optim.SGD: v <- mu v + g; x <- x - lr v
            velocity_.mul_(config_.momentum).add_(g);
            x.add_(velocity_, -lr);
        } else {
            x.add_(g, -lr);
        }
    }

    // Merges the inbox: GoSGD everything; SGP the pushes tagged up to `last_step` (the steps before
    // this one), so that every step mixes exactly its in-neighbour's push of the step before.
    void drainInbox(std::optional<int64_t> last_step) {
        std::shared_lock ledger(shared_.ledger);
        double a = self_.alpha.load(std::memory_order_relaxed);
        const int64_t merged = last_step ? self_.inbox->drainThrough(self_.flat.weights, a, *last_step)
                                           : self_.inbox->drainInto(self_.flat.weights, a);
        if (merged > 0) {
            self_.alpha.store(a);
            self_.received.fetch_add(merged, std::memory_order_relaxed);
        }
    }

    void maybePush() {
        const int m = shared_.global_workers;
        const double p = shared_.p.load(std::memory_order_relaxed);
        if (m < 2 || p <= 0.0) return;
        if (std::uniform_real_distribution<double>(0.0, 1.0)(gossip_rng_) >= p) return;
        if (!readLosses()) return;
        // A peer j != i, uniformly among all workers (of all processes): draw from M-1 and skip
        // over ourselves.
        int peer = std::uniform_int_distribution<int>(0, m - 2)(gossip_rng_);
        if (peer >= self_.index) ++peer;
        if (exchange_->push(self_, peer, MergingInbox::kNow)) self_.sent.fetch_add(1, std::memory_order_relaxed);
    }

    void elasticStep() {
        if (!readLosses()) return;
        const auto since = std::chrono::steady_clock::now();  // the center's lock, or its round trip
        exchange_->elasticStep(self_, elastic_diff_, easgd_alpha_);
        addWait(since);
        self_.sent.fetch_add(1, std::memory_order_relaxed);
    }

    // The monitor's latest request for snapshots (for the test model). The synchronous
    // algorithms take it as their last round saw it, so that every worker answers after the same
    // round (an answer one step apart would show replicas as apart).
    int64_t snapshotRequest() const {
        return shared_.rounds ? shared_.rounds->snapshotRequestAtLastRound() : shared_.snapshot_request.load();
    }

    void takeSnapshot() {
        const int64_t request = snapshotRequest();
        std::lock_guard lock(self_.snapshot_mutex);
        if (!self_.snapshot.defined()) self_.snapshot = torch::empty_like(self_.flat.weights);
        if (self_.public_weights.defined()) {
            std::lock_guard model(self_.model_mutex);
            self_.snapshot.copy_(self_.public_weights);
        } else {
            self_.snapshot.copy_(self_.flat.weights);
        }
        self_.snapshot_alpha = self_.alpha.load();
        self_.snapshot_seq.fetch_add(1);
        self_.served_snapshot_request.store(request);
    }

    void postSample() {
        WorkerSample s;
        s.worker = self_.index;
        s.at.iteration = self_.iteration.load();
        s.at.images = self_.images.load();
        s.at.wall_s = shared_.elapsedSeconds();
        s.loss = window_.mean();
        // SGP: the push-sum weight of the step (after the merge, before the push halved it), the one
        // its learning rate was divided by; GoSGD: the sum weight as it is now.
        s.alpha = config_.algorithm == Algorithm::Sgp ? step_alpha_
                  : hasSumWeights(config_.algorithm) ? self_.alpha.load()
                                                     : std::nan("");
        s.messages_sent = self_.sent.load();
        s.messages_received = self_.received.load();
        s.center_distance = self_.center_distance.load();
        const int64_t wait_ns = self_.wait_ns.load(), iterations = s.at.iteration - sampled_iteration_;
        s.wait_per_iteration_s = iterations > 0 ? static_cast<double>(wait_ns - sampled_wait_ns_) * 1e-9 / static_cast<double>(iterations) : 0.0;
        sampled_wait_ns_ = wait_ns;
        sampled_iteration_ = s.at.iteration;
        std::lock_guard lock(shared_.events_mutex);
        shared_.pending_samples.push_back(s);
    }

    RunShared& shared_;
    WorkerState& self_;
    const RunConfig& config_;
    BatchSampler sampler_;
    std::mt19937_64 gossip_rng_;
    Exchange* const exchange_;  // set before the workers start
    const bool nesterov_;
    const int tau_;
    const double easgd_alpha_;
    const int local_steps_;
    int sgp_shifts_ = 0;
    double step_alpha_ = 0.0;  // SGP: the push-sum weight / M of the latest step
    bool round_aborted_ = false;
    int64_t sampled_wait_ns_ = 0, sampled_iteration_ = 0;  // at the previous sample
    torch::Tensor velocity_, elastic_diff_;
    torch::Tensor read_weights_;  // AD-PSGD: the model read at the start of the step, then the step
    LossWindow window_;
    static constexpr int64_t kLossLogSize = 16;
    torch::Tensor loss_log_;  // the last steps' losses, on the worker's device
    int64_t losses_pending_ = 0, first_pending_step_ = 0;
    std::chrono::steady_clock::time_point last_mark_;
};

}  // namespace

uint64_t samplerSeed(uint64_t run_seed, int worker) { return mixSeed(run_seed, 2 * static_cast<uint64_t>(worker)); }

void runWorker(RunShared& shared, WorkerState& self) {
    if (shared.worker_niceness > 0) niceThisThread(shared.worker_niceness);
    try {
        Worker worker(shared, self);
        worker.run();
    } catch (const std::exception& e) {
        shared.endWith(RunStatus::Failed, "worker " + std::to_string(self.index) + " failed: " + errorText(e));
    } catch (...) {
        shared.endWith(RunStatus::Failed, "worker " + std::to_string(self.index) + " failed with an unknown error");
    }
    self.done.store(true);
    shared.wake_monitor.notify_all();
}

}  // namespace gossiplab
