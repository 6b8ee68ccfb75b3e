#pragma once
// A training run: M workers on their own threads plus one monitor thread that samples metrics
// and calls the observer. Torch-free interface (pimpl), so the UI and the CLI include it cheaply.

#include <memory>
#include <string>
#include <vector>

#include "core/dist/dist_options.h"
#include "core/train/run_config.h"
#include "core/train/run_events.h"

namespace gossiplab {

// The state of the workers after a run ended and the inboxes were drained: for tests and
// invariant checks (selftest). Weights are the flat parameter vectors, copied to the CPU.
// Multi-process runs: on rank 0, every worker of every process (by global number; a lost
// process's workers: their last snapshot and alpha 0); elsewhere, this process's workers.
struct FinalState {
    std::vector<std::vector<float>> weights;  // per worker
    std::vector<double> alphas;               // per worker (GoSGD), after the final drain
    std::vector<float> center;                // EASGD center, empty otherwise
    std::vector<float> initial_weights;       // the shared initialisation
    std::vector<float> initial_mean;          // mean of the workers' initial weights (differs with init-noise)
};

class Run {
public:
    // Validates the config (throws std::invalid_argument with every violation if it is invalid).
    // `observer` may be null; it must outlive the run.
    Run(RunConfig config, RunObserver* observer);
    // One process of a run over several processes and hosts (see core/dist/session.h), when
    // distributed.world > 1. `config` is this process's: on rank 0 the run's settings with its
    // own worker count; on the others only workers, devices, threads and data-dir count (rank 0's
    // settings rule; DistributedOptions::check_settings may refuse a conflict). Also throws
    // std::invalid_argument for invalid distributed options.
    Run(RunConfig config, RunObserver* observer, DistributedOptions distributed);
    ~Run();  // stops and joins
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // Loads data and model, then starts the threads. Bad data or a model that does not fit the
    // data throws std::runtime_error (naming the file and the problem) before any worker starts.
    // Multi-process runs: returns once rank 0's data is loaded (ranks > 0 load theirs after the
    // rendezvous); the rendezvous runs on the run's thread, reported by onProcessStatus, and a
    // failure there (a rank that never joins) ends the run as failed with onRunEnded only.
    // The calling thread's own LibTorch parallel regions run serially from here on (devices.h).
    void start();
    // Before start(): the workers' threads, and the intra-op threads they start, run at this
    // scheduling niceness (Linux nice, 1 to 19; 0 leaves them as they are). The desktop app uses it
    // so that its window stays responsive while training fills every core (on 2 cores, 8 workers
    // at the GUI's priority made its redraws wait 4 to 5 times their own length); the CLI does not.
    void setWorkerNiceness(int nice);
    // Asks every worker to stop after its current iteration; returns at once. Multi-process runs:
    // every process is told (from any rank); during the rendezvous it cancels the run.
    void requestStop();
    // Ends the run as failed with `reason` (e.g. an output the run writes to failed); returns at
    // once. Multi-process runs: every process is told.
    void fail(const std::string& reason);
    // Blocks until the run has ended; returns its result. Safe to call more than once.
    RunResult wait();
    bool isRunning() const;

    // Live settings, thread-safe; take effect from each worker's next iteration. Returns the
    // validation error (and changes nothing) for an invalid value. Multi-process runs: on rank 0
    // (it sends the new value to every rank); other ranks refuse.
    std::optional<ConfigError> setP(double p);
    std::optional<ConfigError> setLearningRate(double learning_rate);
    double p() const;
    double learningRate() const;

    const RunConfig& config() const;
    // GoSGD's sum weights right now, read under the ledger (thread-safe, during the run): held by
    // the workers, and waiting in inboxes or between processes. held + waiting = 1.
    AlphaLedger alphaLedger() const;
    // Only after wait().
    FinalState finalState() const;

    // Multi-process runs: every rank's latest status (rank, host, joined / running / lost, ...),
    // by rank; empty for a run in one process. Thread-safe, also during the rendezvous.
    std::vector<ProcessStatus> processes() const;
    const DistributedOptions& distributed() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The device lists a run can use here: "cpu", then "cuda" and "cuda:N" for every CUDA device that
// LibTorch sees (none on a CPU-only build). Torch-free, for the UI's device picker.
std::vector<std::string> availableDeviceChoices();

// Runs to completion: start() + wait(). Throws like start().
RunResult runToCompletion(const RunConfig& config, RunObserver* observer = nullptr);

}  // namespace gossiplab
