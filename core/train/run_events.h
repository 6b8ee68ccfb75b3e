#pragma once
// What a run reports while it trains: plain structs delivered to a RunObserver.
// Torch-free and Qt-free: the run history (core/store) and the UI bridge consume these.
//
// Threading contract: a Run calls its observer from ONE thread (its monitor thread), in order:
// onRunStarted first, onRunEnded last. Observers must not block for long (queue and return).
// A multi-process run (DistributedOptions) also reports its processes with onProcessStatus, from
// the same thread; those calls may come before onRunStarted (processes joining) and, when the run
// fails before it starts (a rank that never joins), onRunEnded comes without onRunStarted.

#include <cstdint>
#include <exception>
#include <mutex>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/train/run_config.h"

namespace gossiplab {

enum class RunStatus { Running, Finished, Stopped, Diverged, Failed, Interrupted };
std::string toString(RunStatus status);
bool parseRunStatus(const std::string& text, RunStatus* status);

// Where on the three x axes a sample sits. For run-level samples, iterations and images are the
// per-worker mean.
struct SamplePoint {
    int64_t iteration = 0;
    int64_t images = 0;     // images processed (by this worker, or per worker on average)
    double wall_s = 0.0;    // seconds since the run started
};

// One process of a multi-process run (gossiplab-cli run --world N --rank R --master HOST:PORT).
// Rank 0 hosts the rendezvous, the EASGD center and the run history.
struct ProcessInfo {
    int rank = 0;
    std::string host;          // its host name
    std::string address;       // the address its Gloo transport listens on
    int first_worker = 0;      // global number of its first worker
    int workers = 0;           // its workers: first_worker .. first_worker + workers - 1
    std::string devices;       // its --devices
    int64_t pid = 0;
};

enum class ProcessState { Waiting, Joined, Running, Finished, Lost };
std::string toString(ProcessState state);

struct ProcessStatus {
    ProcessInfo process;       // only `rank` is known while it is Waiting
    ProcessState state = ProcessState::Waiting;
    std::string detail;        // human-readable: why it was lost, what it waits for
    double at_s = 0.0;         // seconds since this process began the rendezvous
};

struct RunInfo {
    RunConfig config;               // validated, defaults applied (easgd alpha/tau made explicit)
    int64_t parameter_count = 0;
    std::string model_description;
    std::string dataset_description;
    int64_t train_size = 0;
    int64_t test_size = 0;
    int64_t images_per_worker_budget = 0;  // 0 for a time budget
    std::vector<std::string> worker_devices;  // one per worker
    std::string host;                         // multi-process: every host, with its rank and workers
    int intra_op_threads = 1;
    // Multi-process runs: the processes, by rank (empty for a run in one process). Workers are
    // numbered globally across processes; worker_devices then holds one "device@host" per worker
    // on rank 0 and this process's workers elsewhere.
    int world_size = 1;
    int rank = 0;
    std::vector<ProcessInfo> processes;
};

// Per worker, every `metrics_every` iterations.
struct WorkerSample {
    int worker = 0;
    SamplePoint at;
    double loss = 0.0;             // mean training loss over this worker's last 50 mini-batches
    double alpha = 0.0;            // GoSGD sum weight; NaN for other algorithms
    double alpha_sum = 0.0;        // sum over workers and messages in flight (GoSGD), NaN otherwise
    int64_t messages_sent = 0;
    int64_t messages_received = 0;
    double center_distance = 0.0;  // EASGD: |x_i - center| at the last elastic step; NaN otherwise
    // Seconds per iteration this worker spent waiting for others since its previous sample: at a
    // barrier (all-reduce, local SGD, D-PSGD), for a lock or a round trip (EASGD's center,
    // AD-PSGD's peer), for a late message (SGP). 0 for naive; near 0 for GoSGD (it never waits).
    double wait_per_iteration_s = 0.0;
};

// Run-level series, sampled by the monitor (every ~100 ms and at the end).
struct RunSample {
    SamplePoint at;
    double mean_loss = 0.0;        // the paper's curve: mean of the workers' last-50 losses
    double alpha_sum = 0.0;        // NaN unless GoSGD
    // Where alpha_sum is, read at the same moment (AlphaLedger; NaN unless GoSGD): held by the
    // workers, and waiting in inboxes or in transit between processes.
    double alpha_held = std::numeric_limits<double>::quiet_NaN();
    double alpha_waiting = std::numeric_limits<double>::quiet_NaN();
    int64_t messages = 0;          // exchanges so far (GoSGD/SGP pushes, EASGD elastic steps, averaging rounds)
    double images_per_second = 0.0;  // all workers together, over the last interval
};

// Pairwise Euclidean distances between the workers' flat weights (row-major M x M), from
// per-worker snapshots taken at iteration boundaries, and the consensus distance: the mean
// distance of the workers to their (uniform) average.
struct DistanceSnapshot {
    SamplePoint at;
    int workers = 0;
    std::vector<double> distances;
    double consensus_distance = 0.0;
};

struct EvalSample {
    SamplePoint at;
    TestModel model = TestModel::Uniform;
    double test_loss = 0.0;
    double test_accuracy = 0.0;  // in [0, 1]
    int64_t test_images = 0;
};

struct ProgressUpdate {
    double elapsed_s = 0.0;
    int64_t images_done = 0;        // all workers together
    int64_t images_budget = 0;      // all workers together; 0 for a time budget
    double budget_s = 0.0;          // for a time budget
    double fraction = 0.0;          // [0, 1]
    double images_per_second = 0.0;
    double eta_s = 0.0;             // NaN when unknown
    int64_t messages = 0;
    double alpha_sum = 0.0;         // NaN unless GoSGD
    double alpha_held = std::numeric_limits<double>::quiet_NaN();  // NaN unless GoSGD (see RunSample)
    double alpha_waiting = std::numeric_limits<double>::quiet_NaN();
};

// A live setting changed (by the UI, an API call or a schedule step).
// Where GoSGD's total sum weight (1) is at one moment. A push is merged at the start of the
// receiver's next iteration, so part of the total always waits in inboxes; the alpha-weighted
// model moves only with the held part.
struct AlphaLedger {
    double held = 0.0;     // by the workers (on rank 0 of a multi-process run: every process's, as last reported)
    double waiting = 0.0;  // in inboxes, or sent between processes and not yet merged
};

struct SettingChange {
    SamplePoint at;
    std::string field;   // "p" or "learning-rate"
    double old_value = 0.0;
    double new_value = 0.0;
    std::string source;  // "user" or "schedule"
};

struct RunResult {
    RunStatus status = RunStatus::Finished;
    std::string message;            // why it ended (for diverged/failed: which worker, which step)
    double wall_s = 0.0;
    int64_t images_done = 0;
    int64_t messages = 0;
    double final_mean_loss = 0.0;
    double alpha_sum = 0.0;         // after the final drain of the inboxes (GoSGD), NaN otherwise
    double final_test_loss = 0.0;   // NaN if not evaluated
    double final_test_accuracy = 0.0;
    double consensus_distance = 0.0;
    double images_per_second = 0.0;
    std::vector<double> worker_final_loss;
    // Where the workers' time went, summed over workers: {phase, seconds}, in iteration order
    // (inbox drain, elastic step, data sampling, forward/backward, optimizer step, push, metrics).
    std::vector<std::pair<std::string, double>> phase_seconds;
    int64_t iterations = 0;  // summed over workers
    // Time this process's workers spent waiting for others, summed over them (the samples'
    // wait_per_iteration_s over the whole run).
    double wait_s = 0.0;
    // Multi-process runs: the ranks lost during the run, the alpha (GoSGD) that was lost with
    // them (1 - what the survivors hold after the final drain), and the traffic between processes.
    std::vector<int> lost_ranks;
    double alpha_lost = 0.0;
    int64_t remote_messages = 0;  // messages this process sent to others (exchanges, metrics, control)
    int64_t remote_bytes = 0;
};

class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void onRunStarted(const RunInfo&) {}
    virtual void onWorkerSample(const WorkerSample&) {}
    virtual void onRunSample(const RunSample&) {}
    virtual void onDistances(const DistanceSnapshot&) {}
    virtual void onEvaluation(const EvalSample&) {}
    virtual void onProgress(const ProgressUpdate&) {}
    virtual void onSettingChange(const SettingChange&) {}
    virtual void onMessage(const std::string& /*text*/) {}  // warnings and notices, human-readable
    virtual void onRunEnded(const RunResult&) {}
    // Multi-process runs only: a process joined, started, finished or was lost.
    virtual void onProcessStatus(const ProcessStatus&) {}
};

// Forwards every event to several observers in order (e.g. the store and the UI bridge).
// Hands every event to each observer in turn. An observer that throws is reported once and skipped
// from then on: it never takes the run thread (and with it the process) or the other observers
// down. failure() says which one failed and why (thread-safe; "" while none has).
class ObserverFanOut final : public RunObserver {
public:
    void add(RunObserver* observer) { observers_.push_back({observer, false}); }
    void onRunStarted(const RunInfo& e) override { deliver([&](RunObserver* o) { o->onRunStarted(e); }); }
    void onWorkerSample(const WorkerSample& e) override { deliver([&](RunObserver* o) { o->onWorkerSample(e); }); }
    void onRunSample(const RunSample& e) override { deliver([&](RunObserver* o) { o->onRunSample(e); }); }
    void onDistances(const DistanceSnapshot& e) override { deliver([&](RunObserver* o) { o->onDistances(e); }); }
    void onEvaluation(const EvalSample& e) override { deliver([&](RunObserver* o) { o->onEvaluation(e); }); }
    void onProgress(const ProgressUpdate& e) override { deliver([&](RunObserver* o) { o->onProgress(e); }); }
    void onSettingChange(const SettingChange& e) override { deliver([&](RunObserver* o) { o->onSettingChange(e); }); }
    void onMessage(const std::string& e) override { deliver([&](RunObserver* o) { o->onMessage(e); }); }
    void onRunEnded(const RunResult& e) override { deliver([&](RunObserver* o) { o->onRunEnded(e); }); }
    void onProcessStatus(const ProcessStatus& e) override { deliver([&](RunObserver* o) { o->onProcessStatus(e); }); }

    std::string failure() const {
        std::lock_guard lock(failure_mutex_);
        return failure_;
    }

private:
    struct Entry {
        RunObserver* observer;
        bool failed;
    };
    template <typename Fn>
    void deliver(const Fn& fn) {
        for (auto& entry : observers_) {
            if (entry.failed) continue;
            std::string error;
            try {
                fn(entry.observer);
                continue;
            } catch (const std::exception& e) {
                error = e.what();
            } catch (...) {
                error = "an observer of the run failed with an unknown error";
            }
            entry.failed = true;
            {
                std::lock_guard lock(failure_mutex_);
                if (failure_.empty()) failure_ = error;
            }
            // The others hear it as a run message (the CLI prints it, the app shows it).
            onMessage(error);
        }
    }

    std::vector<Entry> observers_;
    mutable std::mutex failure_mutex_;
    std::string failure_;
};

}  // namespace gossiplab
