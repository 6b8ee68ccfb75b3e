#pragma once
// A training run: M workers on their own threads plus one monitor thread that samples metrics
// and calls the observer. Torch-free interface (pimpl), so the UI and the CLI include it cheaply.

#include <memory>
#include <string>
#include <vector>

#include "core/train/run_config.h"
#include "core/train/run_events.h"

namespace gossiplab {

// The state of the workers after a run ended and the inboxes were drained: for tests and
// invariant checks (selftest). Weights are the flat parameter vectors, copied to the CPU.
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
    ~Run();  // stops and joins
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // Loads data and model, then starts the threads. Bad data or a model that does not fit the
    // data throws std::runtime_error (naming the file and the problem) before any worker starts.
    void start();
    // Asks every worker to stop after its current iteration; returns at once.
    void requestStop();
    // Blocks until the run has ended; returns its result. Safe to call more than once.
    RunResult wait();
    bool isRunning() const;

    // Live settings, thread-safe; take effect from each worker's next iteration. Returns the
    // validation error (and changes nothing) for an invalid value.
    std::optional<ConfigError> setP(double p);
    std::optional<ConfigError> setLearningRate(double learning_rate);
    double p() const;
    double learningRate() const;

    const RunConfig& config() const;
    // Only after wait().
    FinalState finalState() const;

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
