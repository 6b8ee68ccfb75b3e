#include "ui/live/run_controller.h"

#include <stdexcept>

#include "core/store/run_recorder.h"
#include "core/train/run.h"
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

}  // namespace

// What one run needs alive while it goes; members are destroyed bottom-up (the run first).
struct RunController::Active {
    std::unique_ptr<store::RunRecorder> recorder;
    ObserverFanOut observers;
    std::unique_ptr<Run> run;
    std::string error;  // why it could not start
};

RunController::RunController(QObject* parent) : QObject(parent), bridge_(new RunBridge(this)) {
    connect(bridge_, &RunBridge::eventsReady, this, &RunController::onEventsReady, Qt::QueuedConnection);
}

RunController::~RunController() {
    blockSignals(true);  // whoever listened may be half destroyed by now
    stopAndWait();
}

RunObserver* RunController::feed() { return bridge_; }

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
    setState(State::Starting);
    Q_EMIT dataChanged();

    const std::string path = history_path_.toStdString();
    qCInfo(lcUiRun) << "starting" << QString::fromStdString(config.effectiveName()) << "recorded in" << history_path_;
    starter_ = std::thread([this, config, path] {
        auto active = std::make_unique<Active>();
        try {
            store::RecorderOptions options;
            options.create_folders = true;  // the default history's folder may not exist yet
            auto recorder = store::RunRecorder::open(path, options);
            if (!recorder) throw std::runtime_error("cannot record the run: " + recorder.error().message);
            active->recorder = std::move(recorder.value());
            active->observers.add(active->recorder.get());
            active->observers.add(bridge_);
            active->run = std::make_unique<Run>(config, &active->observers);
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
    last_result_ = result;
    qCInfo(lcUiRun) << "run ended:" << QString::fromStdString(toString(result.status))
                    << QString::fromStdString(result.message);
    setState(State::Idle);
    Q_EMIT runEnded(result);
}

}  // namespace gossiplab::ui
