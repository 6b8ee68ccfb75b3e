#pragma once
// Starts, watches and stops one run at a time for the window, and records it.
//
// A run's observers are the history recorder (first) and the bridge (second), through an
// ObserverFanOut: so when the GUI hears that a run ended, every row of it is already committed.
// Opening the history and loading the data (Run::start) happen on a short-lived helper thread, so
// that the window never freezes; the run's events come back through the RunBridge and are applied
// to the live RunData on the GUI thread. Only the GUI thread calls this class.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <QObject>
#include <QString>

#include "core/train/run_config.h"
#include "core/train/run_events.h"
#include "ui/model/run_data.h"

namespace gossiplab {
class Run;
namespace store {
class RunRecorder;
}
}  // namespace gossiplab

namespace gossiplab::ui {

class RunBridge;

class RunController final : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Stopping };
    Q_ENUM(State)

    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;  // stops a run that is still going, joins it (it ends `stopped`)

    void setHistoryPath(const QString& path) { history_path_ = path; }
    QString historyPath() const { return history_path_; }

    // Starts a run (the core validates the config again). False if a run is already active.
    // started() or startFailed() follows; then the run's events; runEnded() last.
    bool start(const RunConfig& config);
    // Asks the run to stop after each worker's current iteration; runEnded() follows.
    void stop();
    // Stops the run (if any) and blocks until it has ended and is recorded. For shutdown.
    void stopAndWait();
    // p or learning-rate while the run goes. The error (validateLiveSetting's message) if refused.
    std::optional<ConfigError> setLiveSetting(const std::string& field, double value);

    State state() const { return state_; }
    bool isActive() const { return state_ != State::Idle; }
    const RunConfig& config() const { return config_; }
    const RunData& data() const { return data_; }
    const ProgressUpdate& progress() const { return progress_; }
    const std::optional<RunResult>& lastResult() const { return last_result_; }
    int64_t recordedRunId() const { return recorded_run_id_; }
    // Goes up with every batch of events applied to data().
    uint64_t dataVersion() const { return data_version_; }

    // The observer end of the bridge: a benchmark (or a test) can play the part of a run's
    // monitor thread and feed events without a run. A RunInfo while idle begins such a feed.
    RunObserver* feed();
    RunBridge* bridge() { return bridge_; }

Q_SIGNALS:
    void stateChanged(gossiplab::ui::RunController::State state);
    void runStarted(const gossiplab::RunInfo& info);
    void startFailed(const QString& message);
    void progressed(const gossiplab::ProgressUpdate& update);
    void settingChanged(const gossiplab::SettingChange& change);
    void messageReported(const QString& text);
    void recordingProblem(const QString& message);
    void runEnded(const gossiplab::RunResult& result);
    void dataChanged();

private:
    struct Active;

    void setState(State state);
    void onEventsReady();
    void applyBatch();
    void finishStart();
    void maybeFinish();
    void checkRecorder();

    QString history_path_;
    RunBridge* bridge_ = nullptr;
    RunData data_;
    RunConfig config_;
    ProgressUpdate progress_;
    State state_ = State::Idle;
    bool stop_requested_ = false;
    bool recorder_problem_reported_ = false;

    std::thread starter_;
    std::mutex starter_mutex_;
    std::unique_ptr<Active> starting_;  // handed over by the helper thread (under starter_mutex_)
    std::unique_ptr<Active> active_;    // the run, once started
    std::optional<RunResult> ended_;    // onRunEnded seen, run not yet joined
    std::optional<RunResult> last_result_;
    int64_t recorded_run_id_ = 0;
    uint64_t data_version_ = 0;
};

}  // namespace gossiplab::ui
