#pragma once
// Runs an experiment's queue for the app: core's ExperimentRunner on a background thread, its
// controls, and what it does as queued signals on the GUI thread.
//
// The runner thread never touches a widget: the ExperimentObserver it reports to posts each event
// to this object (Qt::QueuedConnection), and the queue itself lives in the history, where the
// view reads it. Every queued run's events also go to `live_observer` (the Live tab's RunBridge,
// through RunController::feed()), after a small tracker that keeps the latest progress for the
// queue table. Only the GUI thread calls this class.
//
// Shutdown (the destructor, or shutdown()): the current run is stopped now (recorded `stopped`)
// and its item queued again, the rest stays queued and the experiment is left `paused`: reopening
// the app shows the queue as it was and Resume runs the stopped item again from the start. A
// runner that dies (the app killed) leaves its experiment `interrupted`; Resume re-runs the
// interrupted item from the start too (InterruptedPolicy::Rerun).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <QObject>
#include <QString>

#include "core/experiments/experiment_runner.h"
#include "core/experiments/experiment_spec.h"
#include "core/train/run_events.h"

namespace gossiplab::ui {

class ExperimentQueueController final : public QObject {
    Q_OBJECT
public:
    // `live_observer` (may be null) gets every queued run's events; it must outlive this object
    // or at least shutdown().
    explicit ExperimentQueueController(const QString& history_path, RunObserver* live_observer = nullptr,
                                       QObject* parent = nullptr);
    ~ExperimentQueueController() override;  // shutdown()

    QString historyPath() const { return history_path_; }
    // Only while idle; false otherwise.
    bool setHistoryPath(const QString& path);
    // Tests and tools may run the queue without training (the default is core's TrainingLauncher).
    void setLauncher(std::shared_ptr<experiments::RunLauncher> launcher);

    // Expands the spec (RunConfig's validation on every run) and stores it as a new experiment
    // with every run queued. Its id, or the errors one per line.
    std::optional<int64_t> createExperiment(const experiments::ExperimentSpec& spec, QString* error);

    // Works through the experiment's queue (queued, paused or interrupted) on the runner thread.
    // False if a queue is already being run by this controller.
    bool start(int64_t experiment_id);
    void pauseAfterCurrent();
    void stopNow();
    void cancel(bool cancel_remaining);
    void skipCurrent();
    // stopNow() and wait for the runner thread (blocks for about a worker step).
    void shutdown();

    bool isActive() const { return thread_.joinable(); }
    int64_t activeExperiment() const { return active_id_; }
    experiments::RunnerStatus runnerStatus() const;
    // The current run's latest progress (nullopt between runs).
    std::optional<ProgressUpdate> currentProgress() const;
    // The history id of the latest queued run that ended (0 before any): the run id, not its
    // place in the queue.
    int64_t lastEndedRunId() const { return last_ended_run_id_; }
    // How the latest run() left its experiment.
    const std::optional<experiments::RunnerOutcome>& lastOutcome() const { return last_outcome_; }

Q_SIGNALS:
    void activeChanged(bool active);
    // Something changed in the queue of this experiment (an item started, got its run, ended).
    void queueChanged(qint64 experiment_id);
    void itemStarting(qint64 experiment_id, int position, const QString& label);
    // A queued run ended and is recorded in the history as run `run_id` (its history id, not its
    // place in the queue); `status` as toString(RunStatus).
    void runRecorded(qint64 experiment_id, qint64 run_id, const QString& name, const QString& status);
    // The runner returned: the experiment's state ("done", "paused", ...) and why it stopped.
    void finished(qint64 experiment_id, const QString& state, const QString& message);

private:
    class Relay;

    void onThreadDone();
    void joinThread();

    QString history_path_;
    RunObserver* live_observer_ = nullptr;
    std::shared_ptr<experiments::RunLauncher> launcher_;
    std::unique_ptr<Relay> relay_;
    std::unique_ptr<experiments::ExperimentRunner> runner_;
    std::thread thread_;
    int64_t active_id_ = 0;
    int64_t last_ended_run_id_ = 0;
    std::mutex outcome_mutex_;
    std::optional<experiments::RunnerOutcome> thread_outcome_;  // set by the runner thread
    std::optional<experiments::RunnerOutcome> last_outcome_;
};

}  // namespace gossiplab::ui
