#pragma once
// State shared by a run's worker threads and its monitor thread (internal to core/train).

#include <torch/torch.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core/data/dataset.h"
#include "core/models/models.h"
#include "core/train/exchange.h"
#include "core/train/flat_parameters.h"
#include "core/train/inbox.h"
#include "core/train/run_config.h"
#include "core/train/run_events.h"
#include "core/train/synchronous_rounds.h"

namespace gossiplab {

struct WorkerState {
    int index = 0;       // global number (across processes in a multi-process run)
    // False for a mirror: rank 0's view of a worker in another process, whose counters, samples,
    // snapshots and final weights arrive by message (no thread, no network, no inbox).
    bool local = true;
    int rank = 0;        // the process that runs it
    torch::Device device{torch::kCPU};
    std::shared_ptr<Network> net;
    FlatParameters flat;
    std::unique_ptr<MergingInbox> inbox;  // GoSGD and SGP
    // AD-PSGD: the model that peers average with, under model_mutex. The network trains on a
    // copy of it read at the start of each step (a peer may average into it meanwhile, as the
    // paper allows: the gradient is taken at a possibly stale read).
    std::mutex model_mutex;
    torch::Tensor public_weights;

    // Written by the owner thread, read by the monitor.
    std::atomic<double> alpha{0.0};           // GoSGD sum weight; SGP push-sum weight / M
    std::atomic<int64_t> iteration{0};
    std::atomic<int64_t> images{0};
    std::atomic<int64_t> sent{0};
    std::atomic<int64_t> received{0};
    std::atomic<double> window_loss{std::numeric_limits<double>::quiet_NaN()};
    std::atomic<double> center_distance{std::numeric_limits<double>::quiet_NaN()};
    std::atomic<bool> done{false};

    // Time spent in each phase of the iteration (nanoseconds), for the profile in RunResult.
    enum Phase { Drain, Elastic, Sample, ForwardBackward, Synchronise, Update, Push, Metrics, PhaseCount };
    std::array<std::atomic<int64_t>, PhaseCount> phase_ns{};
    // Time spent waiting for other workers (barriers, locks, round trips, late messages).
    std::atomic<int64_t> wait_ns{0};

    // Weight snapshot taken at an iteration boundary, for distances and the test model.
    std::mutex snapshot_mutex;
    torch::Tensor snapshot;
    double snapshot_alpha = 0.0;
    std::atomic<int64_t> snapshot_seq{0};           // bumped at every snapshot
    std::atomic<int64_t> served_snapshot_request{0};
};

struct RunShared {
    using Clock = std::chrono::steady_clock;

    RunConfig config;
    std::unique_ptr<Dataset> data;
    // The training set uploaded once per device that local workers train on (key: device.str()).
    std::map<std::string, std::unique_ptr<TrainingSetOnDevice>> training_sets;
    // The workers this process tracks, by global number: all of them in one process and on rank 0
    // of a multi-process run (the others are mirrors), only its own on the other ranks.
    std::vector<std::unique_ptr<WorkerState>> workers;
    std::vector<WorkerState*> by_index;  // global number -> tracked worker, or null
    int global_workers = 0;              // M, across all processes
    // Rank 0 or a run in one process: evaluates the test model and applies schedules.
    bool coordinator = true;
    // How workers reach their peers and the center; set before the workers start (atomic: a stop
    // asked from another thread may read it while a multi-process run is being set up).
    std::atomic<Exchange*> exchange{nullptr};
    int intra_op_threads = 1;
    int worker_niceness = 0;  // Run::setWorkerNiceness
    int64_t images_budget_per_worker = 0;  // 0: a time budget
    double seconds_budget = 0.0;
    // When training started (the workers' clock): set on the run's thread just before the workers
    // start, read by every thread (a multi-process run's receiver starts before it is set; a live
    // setting change reads it from the caller's thread). Atomic: no torn or racing read.
    std::atomic<Clock::rep> start_ticks{Clock::now().time_since_epoch().count()};
    void markStart() { start_ticks.store(Clock::now().time_since_epoch().count(), std::memory_order_release); }

    std::atomic<double> p{0.0};
    std::atomic<double> learning_rate{0.0};
    std::atomic<bool> stop{false};

    // GoSGD: pushes and drains hold it shared; the monitor holds it exclusively for an instant to
    // read a consistent sum of alphas (workers' plus in flight).
    std::shared_mutex ledger;
    // Multi-process GoSGD: alpha sent to and received from other processes, changed under the
    // shared ledger lock together with the alphas and inboxes they move between.
    std::atomic<double> alpha_out{0.0};
    std::atomic<double> alpha_in{0.0};

    // The synchronous algorithms' rounds (all-reduce, local SGD, D-PSGD); null for the others.
    std::unique_ptr<SynchronousRounds> rounds;

    // EASGD center variable.
    std::mutex center_mutex;
    torch::Tensor center;
    std::atomic<int64_t> elastic_steps{0};

    // The p and learning-rate schedules' next steps. The first local worker whose image count
    // reaches a step applies it (worker.cpp): a step lands at its image count whatever the speed
    // of the machine, also in a run shorter than one monitor tick. In a multi-process run rank 0
    // applies them and sends the new values to the others.
    std::atomic<size_t> next_p_step{0}, next_lr_step{0};
    std::atomic<bool> workers_built{false};  // `workers` is complete (it never changes afterwards)

    // The monitor asks every worker for a fresh snapshot by raising this.
    std::atomic<int64_t> snapshot_request{0};

    // Events from workers (and live-setting changes) waiting for the monitor to deliver them.
    std::mutex events_mutex;
    std::vector<WorkerSample> pending_samples;
    std::vector<SettingChange> pending_changes;
    std::vector<std::string> pending_messages;
    std::condition_variable wake_monitor;

    // The first reason to end wins.
    std::mutex end_mutex;
    bool end_requested = false;
    RunStatus end_status = RunStatus::Finished;
    std::string end_message;

    double elapsedSeconds() const {
        const Clock::time_point start{Clock::duration{start_ticks.load(std::memory_order_acquire)}};
        return std::chrono::duration<double>(Clock::now() - start).count();
    }
    // `propagate`: tell the other processes of a multi-process run (false for a reason that
    // came from one of them).
    void endWith(RunStatus status, const std::string& message, bool propagate = true) {
        bool first = false;
        {
            std::lock_guard lock(end_mutex);
            if (!end_requested) {
                end_requested = true;
                end_status = status;
                end_message = message;
                first = true;
            }
        }
        stop.store(true);
        // A stop is decided at a round (every worker finishes the same rounds); a failure or a
        // divergence releases the workers waiting at one, whose peer will never arrive.
        if (rounds && (status == RunStatus::Failed || status == RunStatus::Diverged)) rounds->abort();
        wake_monitor.notify_all();
        if (Exchange* e = exchange.load(); first && propagate && e) e->runEnding(status, message);
    }
    void postMessage(const std::string& text) {
        std::lock_guard lock(events_mutex);
        pending_messages.push_back(text);
    }
    // Mean iterations and images per worker.
    SamplePoint meanPoint() const {
        SamplePoint at;
        for (const auto& w : workers) {
            at.iteration += w->iteration.load();
            at.images += w->images.load();
        }
        const auto m = static_cast<int64_t>(std::max<size_t>(1, workers.size()));
        at.iteration /= m;
        at.images /= m;
        at.wall_s = elapsedSeconds();
        return at;
    }
    // Exact total of the alphas, including messages in flight. Across processes: this process's
    // workers and inboxes, plus what it sent out minus what it received, plus what the other
    // processes last reported of theirs (each report is exact for its process; see dist/session.h).
    double alphaSum() {
        const AlphaLedger a = alphaLedger();
        return a.held + a.waiting;
    }
    // One consistent read under the ledger: what the workers hold, and what waits in inboxes or
    // travels between processes.
    AlphaLedger alphaLedger() {
        AlphaLedger a;
        if (!workers_built.load(std::memory_order_acquire)) return a;  // nothing to read yet
        std::unique_lock lock(ledger);
        for (const auto& w : workers) {
            if (!w->local) continue;
            a.held += w->alpha.load();
            if (w->inbox) a.waiting += w->inbox->pendingWeight();
        }
        a.waiting += alpha_out.load() - alpha_in.load();
        if (Exchange* e = exchange.load()) {
            const AlphaLedger elsewhere = e->alphaElsewhere();
            a.held += elsewhere.held;
            a.waiting += elsewhere.waiting;
        }
        return a;
    }
    // After the run: the alphas the tracked workers hold (mirrors: their final values).
    double finalAlphaSum() {
        std::unique_lock lock(ledger);
        double sum = 0.0;
        for (const auto& w : workers) sum += w->alpha.load() + (w->inbox ? w->inbox->pendingWeight() : 0.0);
        return sum;
    }
};

// The body of one worker thread (worker.cpp). Never throws: failures end the run.
void runWorker(RunShared& shared, WorkerState& self);

// The seed of worker `worker`'s mini-batch stream (its BatchSampler) in a run seeded `run_seed`
// (worker.cpp): tests replay a worker's batches with it.
uint64_t samplerSeed(uint64_t run_seed, int worker);

}  // namespace gossiplab
