#pragma once
// Starts, watches and stops one run at a time for the window, and records it.
//
// A run's observers are the history recorder (first) and the bridge (second), through an
// ObserverFanOut: so when the GUI hears that a run ended, every row of it is already committed.
// Opening the history and loading the data (Run::start) happen on a short-lived helper thread, so
// that the window never freezes; the run's events come back through the RunBridge and are applied
// to the live RunData on the GUI thread. Only the GUI thread calls this class.
//
// Runs over several processes (setDistributed(), the form's "Distributed" settings): this app is
// rank 0 and runs the form's workers; the run waits for the other ranks (processes() lists them
// as they join, processesChanged() says when), then shows every worker of every process, numbered
// globally, and records the run. With DistributedSetup::Mode::Local the controller starts ranks
// 1..N-1 itself (gossiplab-cli children on 127.0.0.1 and a free port, see LocalRanks): their
// output goes to the log, a child that dies is shown in processes() and in the run's ending
// reason, and they are stopped when the run ends or the controller is destroyed.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <QObject>
#include <QString>

#include "core/train/run_config.h"
#include "core/train/run_events.h"
#include "ui/live/distributed_setup.h"
#include "ui/model/run_data.h"

namespace gossiplab {
class Run;
namespace store {
class RunRecorder;
}
}  // namespace gossiplab

namespace gossiplab::ui {

class LocalRanks;
class RunBridge;

// One process of a multi-process run as the dashboard lists it.
struct ProcessRow {
    ProcessStatus status;   // the latest the run reported (rank, host, state, workers, detail)
    double joined_s = -1;   // seconds after the start of the rendezvous when it joined; -1: not yet
    double lost_s = -1;     // when it was lost; -1: not lost
    bool local = false;     // started by this app (Local mode)
    bool died = false;      // a local process that ended before the run did (shown as lost)
    QString note;           // e.g. "local process, pid 1234" / "exited with code 1: ..."
    bool everJoined() const { return joined_s >= 0; }
};

class RunController final : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Stopping };
    Q_ENUM(State)

    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;  // stops a run that is still going, joins it (it ends `stopped`)

    void setHistoryPath(const QString& path) { history_path_ = path; }
    QString historyPath() const { return history_path_; }

    // The next start()'s distribution (off by default: a run in this process). The form sets it.
    void setDistributed(const DistributedSetup& setup) { distributed_ = setup; }
    const DistributedSetup& distributed() const { return distributed_; }
    // gossiplab-cli, for Local mode; default: next to this program (defaultCliPath()).
    void setCliPath(const QString& path) { cli_path_ = path; }
    QString cliPath() const { return cli_path_; }
    // The current (or last) run's processes, by rank; empty for a run in one process.
    const std::vector<ProcessRow>& processes() const { return processes_; }
    // The current (or last) run's distribution and rendezvous port (0: not distributed).
    const DistributedSetup& runDistributed() const { return run_distributed_; }
    int runPort() const { return run_port_; }
    LocalRanks* localRanks() const { return local_; }
    // A multi-process run that is still waiting for its processes (no RunInfo yet).
    bool waitingForProcesses() const { return isActive() && run_distributed_.enabled && !info_seen_; }

    // The controller of the window `object` sits in: a RunController that is a direct child of
    // `object` or of one of its ancestors (the settings form and the live view find the window's
    // controller this way), or null.
    static RunController* findFor(QObject* object);

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
    // Multi-process runs: processes() changed (a rank joined, started, ended, was lost).
    void processesChanged();
    // A line written by a local rank (Local mode); also in the log.
    void processOutput(int rank, const QString& line);

private:
    struct Active;

    void setState(State state);
    void onEventsReady();
    void applyBatch();
    void finishStart();
    void maybeFinish();
    void checkRecorder();
    void failStart(const std::string& message);
    void applyProcessStatus(const ProcessStatus& status);
    void onChildEnded(int rank, int exit_code, bool crashed, bool expected);

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

    DistributedSetup distributed_;      // for the next start()
    DistributedSetup run_distributed_;  // the current run's
    int run_port_ = 0;
    QString cli_path_;
    LocalRanks* local_ = nullptr;
    std::vector<ProcessRow> processes_;
    std::vector<ProcessInfo> plan_;     // by rank, from the RunInfo (global worker numbers)
    bool info_seen_ = false;            // the run's RunInfo arrived (every rank joined)
    QString child_failure_;             // a local rank that died: why (for the ending reason)
};

}  // namespace gossiplab::ui
