#include "ui/live/run_controller.h"

#include <stdexcept>

#include "core/common/system_info.h"
#include "core/store/run_recorder.h"
#include "core/train/run.h"
#include "ui/live/local_ranks.h"
#include "ui/live/run_bridge.h"
#include "ui/log.h"

namespace gossiplab::ui {

namespace {

template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// The workers' nice value in the app (Run::setWorkerNiceness): at 10 (weight 110 against the
// GUI thread's 1024) the window is served first and training gets everything it leaves.
constexpr int kWorkerNiceness = 10;

}  // namespace

// What one run needs alive while it goes; members are destroyed bottom-up (the run first).
struct RunController::Active {
    std::unique_ptr<store::RunRecorder> recorder;
    ObserverFanOut observers;
    std::unique_ptr<Run> run;
    std::string error;  // why it could not start
};

RunController::RunController(QObject* parent)
    : QObject(parent), bridge_(new RunBridge(this)), cli_path_(defaultCliPath()), local_(new LocalRanks(this)) {
    connect(bridge_, &RunBridge::eventsReady, this, &RunController::onEventsReady, Qt::QueuedConnection);
    connect(local_, &LocalRanks::outputLine, this, &RunController::processOutput);
    connect(local_, &LocalRanks::childEnded, this, &RunController::onChildEnded);
}

RunController::~RunController() {
    blockSignals(true);  // whoever listened may be half destroyed by now
    stopAndWait();
    local_->blockSignals(true);
    local_->stopAndWait(5000);
}

RunObserver* RunController::feed() { return bridge_; }

RunController* RunController::findFor(QObject* object) {
    for (QObject* o = object; o; o = o->parent())
        if (auto* c = o->findChild<RunController*>(QString(), Qt::FindDirectChildrenOnly)) return c;
    return nullptr;
}

void RunController::setState(State state) {
    if (state_ == state) return;
    state_ = state;
    qCDebug(lcUiRun) << "state" << state;
    Q_EMIT stateChanged(state);
}

bool RunController::start(const RunConfig& config) {
    if (state_ != State::Idle) return false;
    if (starter_.joinable()) starter_.join();
    config_ = config;
    stop_requested_ = false;
    recorder_problem_reported_ = false;
    ended_.reset();
    progress_ = {};
    recorded_run_id_ = 0;
    data_.reset(config.workers, config.algorithm);
    ++data_version_;
    info_seen_ = false;
    child_failure_.clear();
    run_distributed_ = distributed_.enabled ? distributed_ : DistributedSetup{};
    run_port_ = 0;
    const bool had_processes = !processes_.empty();
    processes_.clear();
    plan_.clear();
    setState(State::Starting);
    Q_EMIT dataChanged();

    // A run over several processes: this app is rank 0.
    DistributedOptions dist_options;
    if (run_distributed_.enabled) {
        const auto errors = validate(run_distributed_, config);
        if (!errors.empty()) {
            failStart("the distributed settings are invalid:\n" + formatErrors(errors));
            return true;
        }
        run_port_ = run_distributed_.master_port;
        if (run_distributed_.local() && run_port_ == 0) run_port_ = freeLocalPort();
        if (run_port_ == 0) {
            failStart("no free TCP port was found on this machine for the rendezvous: give one in the Port field");
            return true;
        }
        dist_options = run_distributed_.rankZeroOptions(run_port_);
        processes_.resize(size_t(run_distributed_.world));
        for (int r = 0; r < run_distributed_.world; ++r) {
            ProcessRow& row = processes_[size_t(r)];
            row.status.process.rank = r;
            row.local = run_distributed_.local() && r > 0;
            row.note = r == 0 ? tr("this app") : row.local ? tr("local process") : QString();
        }
        if (run_distributed_.local()) {
            std::map<int, QStringList> arguments;
            for (int r = 1; r < run_distributed_.world; ++r) arguments[r] = otherRankArguments(config, run_distributed_, r, run_port_);
            QString error;
            if (!local_->start(cli_path_, arguments, &error)) {
                processes_.clear();
                failStart(error.toStdString());
                return true;
            }
            for (int r = 1; r < run_distributed_.world; ++r)
                processes_[size_t(r)].note = tr("local process, pid %1").arg(local_->pid(r));
        }
        qCInfo(lcUiRun) << "rank 0 of" << run_distributed_.world << "rendezvous at"
                        << QString::fromStdString(dist_options.master_host) << run_port_;
    }
    if (had_processes || !processes_.empty()) Q_EMIT processesChanged();

    const std::string path = history_path_.toStdString();
    qCInfo(lcUiRun) << "starting" << QString::fromStdString(config.effectiveName()) << "recorded in" << history_path_;
    starter_ = std::thread([this, config, path, distributed = dist_options] {
        auto active = std::make_unique<Active>();
        try {
            store::RecorderOptions options;
            options.create_folders = true;  // the default history's folder may not exist yet
            auto recorder = store::RunRecorder::open(path, options);
            if (!recorder) throw std::runtime_error("cannot record the run: " + recorder.error().message);
            active->recorder = std::move(recorder.value());
            active->observers.add(active->recorder.get());
            active->observers.add(bridge_);
            active->run = distributed.enabled() ? std::make_unique<Run>(config, &active->observers, distributed)
                                            : std::make_unique<Run>(config, &active->observers);
            // Training takes what the window leaves: at the GUI's priority, workers that fill
            // every core made the live plots' redraws wait several times their length.
            active->run->setWorkerNiceness(kWorkerNiceness);
            active->run->start();  // loads the data; throws with a clear message before any thread starts
        } catch (const std::exception& e) {
            active->error = e.what();
            active->run.reset();
        }
        {
            std::lock_guard lock(starter_mutex_);
            starting_ = std::move(active);
        }
        QMetaObject::invokeMethod(this, &RunController::finishStart, Qt::QueuedConnection);
    });
    return true;
}

void RunController::failStart(const std::string& message) {
    // Reported like a failure on the helper thread: after start() has returned.
    auto active = std::make_unique<Active>();
    active->error = message;
    {
        std::lock_guard lock(starter_mutex_);
        starting_ = std::move(active);
    }
    QMetaObject::invokeMethod(this, &RunController::finishStart, Qt::QueuedConnection);
}

void RunController::finishStart() {
    std::unique_ptr<Active> active;
    {
        std::lock_guard lock(starter_mutex_);
        active = std::move(starting_);
    }
    if (!active) return;  // already taken by stopAndWait()
    if (starter_.joinable()) starter_.join();
    if (!active->run) {
        const QString message = QString::fromStdString(active->error);
        qCWarning(lcUiRun) << "the run could not start:" << message;
        active.reset();
        local_->stopAndWait(2000);
        setState(State::Idle);
        Q_EMIT startFailed(message);
        return;
    }
    active_ = std::move(active);
    recorded_run_id_ = active_->recorder->runId();
    if (stop_requested_) {
        active_->run->requestStop();
        setState(State::Stopping);
    } else {
        setState(State::Running);
    }
    checkRecorder();
    maybeFinish();  // a very short run may have ended already
}

void RunController::stop() {
    if (state_ == State::Idle || state_ == State::Stopping) return;
    stop_requested_ = true;
    qCInfo(lcUiRun) << "stop requested";
    if (active_) active_->run->requestStop();
    setState(State::Stopping);
}

void RunController::stopAndWait() {
    if (starter_.joinable()) starter_.join();
    {
        std::lock_guard lock(starter_mutex_);
        if (starting_) {
            if (starting_->run) active_ = std::move(starting_);
            starting_.reset();
        }
    }
    if (active_) {
        stop_requested_ = true;
        active_->run->requestStop();
        setState(State::Stopping);
        const RunResult result = active_->run->wait();  // every observer call has returned
        applyBatch();                                  // the events still in the bridge
        if (!ended_) ended_ = result;
        maybeFinish();
    } else if (state_ != State::Idle) {
        applyBatch();
        setState(State::Idle);
    }
    // Local ranks: rank 0 told them the outcome; they have a moment to exit by themselves.
    if (local_->anyRunning()) local_->stopAndWait(6000);
}

std::optional<ConfigError> RunController::setLiveSetting(const std::string& field, double value) {
    if (auto error = validateLiveSetting(field, value, config_)) return error;
    if (!active_ || state_ != State::Running) return ConfigError{field, "no run is going: the value applies to the next run"};
    if (field == "p") return active_->run->setP(value);
    if (field == "learning-rate") return active_->run->setLearningRate(value);
    return ConfigError{field, "'" + field + "' cannot be changed while a run is going (only p and learning-rate)"};
}

void RunController::onEventsReady() {
    applyBatch();
    maybeFinish();
}

void RunController::applyBatch() {
    BridgeBatch batch = bridge_->take();
    if (batch.events.empty()) return;
    bool points = false;
    std::optional<ProgressUpdate> progress;
    for (BridgeEvent& event : batch.events) {
        std::visit(Overloaded{
                       [&](RunInfo& info) {
                           info_seen_ = true;
                           // The plan: every process's workers (global numbers), host and devices.
                           for (const ProcessInfo& p : info.processes) {
                               if (p.rank < 0 || p.rank > 4096) continue;
                               if (size_t(p.rank) >= processes_.size()) processes_.resize(size_t(p.rank) + 1);
                               processes_[size_t(p.rank)].status.process = p;
                               if (size_t(p.rank) >= plan_.size()) plan_.resize(size_t(p.rank) + 1);
                               plan_[size_t(p.rank)] = p;
                           }
                           if (!info.processes.empty()) Q_EMIT processesChanged();
                           config_ = info.config;
                           data_.reset(info);
                           points = true;
                           if (state_ == State::Idle) setState(State::Running);  // a feed without a run
                           qCInfo(lcUiRun) << "run started:" << QString::fromStdString(info.config.name)
                                           << QString::fromStdString(info.model_description);
                           Q_EMIT runStarted(info);
                       },
                       [&](WorkerSample& s) { data_.add(s); points = true; },
                       [&](RunSample& s) { data_.add(s); points = true; },
                       [&](DistanceSnapshot& s) { data_.add(s); points = true; },
                       [&](EvalSample& s) { data_.add(s); points = true; },
                       [&](ProgressUpdate& p) { progress = p; },
                       [&](SettingChange& c) {
                           data_.add(c);
                           points = true;
                           Q_EMIT settingChanged(c);
                       },
                       [&](MessageEvent& m) { Q_EMIT messageReported(QString::fromStdString(m.text)); },
                       [&](RunResult& r) { ended_ = std::move(r); },
                       [&](ProcessStatus& p) { applyProcessStatus(p); },
                   },
                   event);
    }
    if (batch.dropped) qCWarning(lcUiPlot) << batch.dropped << "live samples dropped (the GUI was behind)";
    if (progress) {
        progress_ = *progress;
        Q_EMIT progressed(progress_);
    }
    if (points) {
        ++data_version_;
        Q_EMIT dataChanged();
    }
}

void RunController::checkRecorder() {
    if (!active_ || !active_->recorder || recorder_problem_reported_) return;
    if (const auto error = active_->recorder->error()) {
        recorder_problem_reported_ = true;
        const QString message = QString::fromStdString(error->message);
        qCWarning(lcUiRun) << "recording problem:" << message;
        Q_EMIT recordingProblem(message);
    }
}

void RunController::maybeFinish() {
    if (!ended_) return;
    if (state_ == State::Starting) return;  // finishStart() will come back here
    RunResult result = std::move(*ended_);
    ended_.reset();
    if (active_) {
        active_->run->wait();  // the run thread returns right after onRunEnded
        checkRecorder();
        recorded_run_id_ = active_->recorder->runId();
        active_.reset();  // joins the recorder's writer: everything is committed
    }
    if (!child_failure_.isEmpty() && result.status != RunStatus::Finished) {
        // A local rank that died is the reason (the core may only have seen a stop or a lost rank).
        const std::string why = child_failure_.toStdString();
        if (result.message.find(why) == std::string::npos)
            result.message = result.message.empty() ? why : why + "\n" + result.message;
        result.status = RunStatus::Failed;
    }
    if (local_->anyRunning()) local_->finish(8000);
    last_result_ = result;
    qCInfo(lcUiRun) << "run ended:" << QString::fromStdString(toString(result.status))
                    << QString::fromStdString(result.message);
    setState(State::Idle);
    Q_EMIT runEnded(result);
}

void RunController::applyProcessStatus(const ProcessStatus& p) {
    const int rank = p.process.rank;
    if (rank < 0 || rank > 4096) return;
    if (size_t(rank) >= processes_.size()) processes_.resize(size_t(rank) + 1);
    for (size_t r = 0; r < processes_.size(); ++r) processes_[r].status.process.rank = int(r);
    ProcessRow& row = processes_[size_t(rank)];
    const ProcessInfo known = row.status.process;
    const ProcessStatus before = row.status;
    row.status = p;
    if (row.died && p.state != ProcessState::Lost) {
        // Its process is gone, whatever the rendezvous last heard of it.
        row.status.state = ProcessState::Lost;
        row.status.detail = before.detail;
    }
    // A status may carry less than what is known already (e.g. the workers, from the plan).
    if (p.process.workers == 0 && known.workers > 0) {
        row.status.process.first_worker = known.first_worker;
        row.status.process.workers = known.workers;
    }
    if (p.process.host.empty()) row.status.process.host = known.host;
    if (p.process.address.empty()) row.status.process.address = known.address;
    if (p.process.devices.empty()) row.status.process.devices = known.devices;
    if (p.process.pid == 0) row.status.process.pid = known.pid;
    // Once the plan is known, its global numbering holds (join records predate it).
    if (size_t(rank) < plan_.size() && plan_[size_t(rank)].workers > 0) {
        row.status.process.first_worker = plan_[size_t(rank)].first_worker;
        row.status.process.workers = plan_[size_t(rank)].workers;
    }
    if (row.joined_s < 0 && p.state != ProcessState::Waiting && p.state != ProcessState::Lost) row.joined_s = p.at_s;
    if (p.state == ProcessState::Lost && row.lost_s < 0) row.lost_s = p.at_s;
    qCInfo(lcUiRun).noquote() << "rank" << rank << QString::fromStdString(toString(p.state)) << QString::fromStdString(p.process.host)
                              << QString::fromStdString(p.detail);
    Q_EMIT processesChanged();
}

void RunController::onChildEnded(int rank, int exit_code, bool crashed, bool expected) {
    const bool normal = !crashed && exit_code == 0;
    const QString how = local_->exitDescription(rank);
    QString last = local_->tail(rank).section('\n', -3);
    if (rank >= 0 && size_t(rank) < processes_.size()) {
        ProcessRow& row = processes_[size_t(rank)];
        row.note = tr("local process %1").arg(how);
        if (!normal && !expected && row.status.state != ProcessState::Finished) {
            row.died = true;
            row.status.state = ProcessState::Lost;
            if (row.lost_s < 0) row.lost_s = row.status.at_s;
            if (!last.isEmpty()) row.status.detail = last.toStdString();
        }
        Q_EMIT processesChanged();
    }
    if (normal || expected || state_ == State::Idle || ended_) return;
    child_failure_ = tr("rank %1 (a local gossiplab-cli process) %2").arg(rank).arg(how);
    if (!last.isEmpty()) child_failure_ += ":\n" + last;
    qCWarning(lcUiRun).noquote() << child_failure_;
    Q_EMIT messageReported(child_failure_);
    if (!info_seen_) {
        // It never joined (or the rendezvous is not over): the run cannot start; do not wait for
        // the join timeout.
        if (active_) active_->run->requestStop();
        else stop_requested_ = true;  // finishStart() stops it
    }
}

}  // namespace gossiplab::ui
