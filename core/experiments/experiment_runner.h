#pragma once
// Runs an experiment's queue: the queued runs one after another, each recorded in the history
// (RunRecorder) and linked to its queue item. Torch-free: the training itself comes from a
// RunLauncher (training_launcher.h has the one that runs gossiplab::Run; tests may use others).
//
// The queue lives in the history, so any process can pick it up: run() on an experiment that is
// queued, paused or interrupted goes on with the runs not done yet. One runner at a time: run()
// takes the experiment's lock (a killed process lets go of it) and refuses if another holds it.
//
// What happens to a run that does not end by itself:
//   pauseAfterCurrent()  the current run finishes; the rest stays queued; the experiment is paused.
//   stopNow()            (Ctrl+C, the UI's Stop) the current run is stopped now and recorded
//                        `stopped`; its item is queued again and runs again FROM THE START on
//                        resume (runs have no checkpoints); the rest stays queued; paused.
//   cancel(false)        the current run is stopped (recorded `stopped`), its item cancelled; the
//                        rest stays queued; paused.
//   cancel(true)         the same, and every run still queued is cancelled; the experiment is
//                        cancelled (it cannot be resumed).
//   skipCurrent()        the current run is stopped (recorded `stopped`), its item skipped; the
//                        runner goes on with the next one.
//   the process dies     (kill -9, crash, power) the run is marked `interrupted` and the
//                        experiment interrupted when the history is next opened; on resume the
//                        interrupted item runs again from the start (InterruptedPolicy::Rerun,
//                        the default) or is skipped (InterruptedPolicy::Skip).
//   it cannot start      (missing data files, a device that is not there) its item goes back to
//                        the queue with the reason and the experiment is paused with it, so that
//                        a resume after fixing the cause runs it.
//   recording fails      (disk full, a locked file) the run is stopped at once, its item goes back
//                        to the queue and the experiment is paused with the error (when the
//                        history still takes that write).
// Every attempt's run is tagged "experiment:<id>"; the queue item links its latest attempt.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "core/train/run_events.h"

namespace gossiplab::experiments {

// A training run started by a RunLauncher.
class LaunchedRun {
public:
    virtual ~LaunchedRun() = default;
    virtual void requestStop() = 0;  // returns at once; the run ends `stopped`
    virtual bool isRunning() const = 0;
    virtual RunResult wait() = 0;    // blocks until the run has ended (and its observer was told)
};

class RunLauncher {
public:
    virtual ~RunLauncher() = default;
    // Starts a run of `config` that reports to `observer`. Throws (a std::exception naming the
    // problem) when it cannot start.
    virtual std::unique_ptr<LaunchedRun> launch(const RunConfig& config, RunObserver* observer) = 0;
};

enum class InterruptedPolicy { Rerun, Skip };

struct RunnerOutcome {
    store::ExperimentState state = store::ExperimentState::Queued;  // what the experiment was left as
    int runs_started = 0;
    int runs_done = 0;
    std::string message;                     // why it stopped before the queue was empty
    std::optional<store::StoreError> error;  // the history could not be opened, claimed or written
};

// Told what the runner does, from the thread that calls run(); must not block for long.
class ExperimentObserver {
public:
    virtual ~ExperimentObserver() = default;
    virtual void onClaimed(const store::ExperimentClaim& /*claim*/) {}
    virtual void onItemStarting(const store::QueueItem& /*item*/) {}
    virtual void onRunLinked(int /*position*/, int64_t /*run_id*/) {}
    // `result` is null when no run took place (it could not start).
    virtual void onItemEnded(const store::QueueItem& /*item*/, store::QueueItemStatus /*status*/,
                             const RunResult* /*result*/, const std::string& /*message*/) {}
    virtual void onFinished(const RunnerOutcome& /*outcome*/) {}
};

struct RunnerOptions {
    InterruptedPolicy interrupted = InterruptedPolicy::Rerun;
    RunObserver* run_observer = nullptr;          // also gets every run's events (UI bridge, progress printer)
    ExperimentObserver* observer = nullptr;
    store::RecorderOptions recorder;              // for the runs' recording
    std::chrono::milliseconds poll{50};           // how often the controls are looked at during a run
};

// What the runner does now (thread-safe snapshot).
struct RunnerStatus {
    bool active = false;  // inside run()
    int position = -1;    // the item being run; -1 between runs
    std::string label;
    int64_t run_id = 0;   // its run, once recorded
};

class ExperimentRunner {
public:
    ExperimentRunner(std::string history_path, int64_t experiment_id, RunLauncher& launcher, RunnerOptions options = {});
    ~ExperimentRunner();
    ExperimentRunner(const ExperimentRunner&) = delete;
    ExperimentRunner& operator=(const ExperimentRunner&) = delete;

    // Works through the queue until it is empty, paused, cancelled or an error stops it; returns
    // how it left the experiment. May be called again after a pause (the requests are cleared).
    RunnerOutcome run();

    // Controls: thread-safe, return at once, act within `poll`. See the top of this file.
    void pauseAfterCurrent();
    void stopNow();
    void cancel(bool cancel_remaining);
    void skipCurrent();

    RunnerStatus status() const;
    int64_t experimentId() const { return experiment_id_; }

private:
    enum class Request { None = 0, Pause = 1, CancelCurrent = 2, StopNow = 3, CancelAll = 4 };
    void request(Request r);
    Request pending() const { return static_cast<Request>(request_.load()); }
    void setStatus(int position, const std::string& label, int64_t run_id, bool active);

    const std::string path_;
    const int64_t experiment_id_;
    RunLauncher& launcher_;
    const RunnerOptions options_;
    std::atomic<int> request_{0};
    std::atomic<bool> skip_{false};
    mutable std::mutex status_mutex_;
    RunnerStatus status_;
};

}  // namespace gossiplab::experiments
