#include "ui/experiments/experiment_queue_controller.h"

#include <atomic>
#include <mutex>

#include <QMetaObject>

#include "core/experiments/training_launcher.h"
#include "core/store/history.h"
#include "ui/log.h"

namespace gossiplab::ui {

using namespace gossiplab::experiments;

// Sits on the runner thread: forwards every run event to the live observer (keeping the latest
// progress), and posts what the runner does to the controller on the GUI thread.
class ExperimentQueueController::Relay final : public ExperimentObserver, public RunObserver {
public:
    Relay(ExperimentQueueController* owner, RunObserver* live, int64_t experiment_id)
        : owner_(owner), live_(live), id_(experiment_id) {}

    std::optional<ProgressUpdate> progress() const {
        std::lock_guard lock(mutex_);
        return progress_;
    }

    // ---- ExperimentObserver (runner thread) ----
    void onItemStarting(const store::QueueItem& item) override {
        {
            std::lock_guard lock(mutex_);
            progress_.reset();
        }
        const int position = item.position;
        const QString label = QString::fromStdString(item.label);
        const qint64 id = id_;
        QMetaObject::invokeMethod(owner_, [o = owner_, id, position, label] {
            Q_EMIT o->itemStarting(id, position, label);
            Q_EMIT o->queueChanged(id);
        }, Qt::QueuedConnection);
    }
    void onRunLinked(int, int64_t run_id) override {
        linked_run_id_ = run_id;
        postQueueChanged();
    }
    void onItemEnded(const store::QueueItem&, store::QueueItemStatus, const RunResult* result, const std::string&) override {
        QString name;
        {
            std::lock_guard lock(mutex_);
            progress_.reset();
            name = run_name_;
        }
        // The runner links the run to its item by polling, so only here (after its last look) is
        // the run's history id sure to be known, also for a run shorter than one poll.
        const int64_t run_id = linked_run_id_.exchange(0);
        if (result && run_id != 0) {
            const QString status = QString::fromStdString(toString(result->status));
            const qint64 id = id_;
            QMetaObject::invokeMethod(owner_, [o = owner_, id, run_id, name, status] {
                o->last_ended_run_id_ = run_id;
                Q_EMIT o->runRecorded(id, run_id, name, status);
            }, Qt::QueuedConnection);
        }
        postQueueChanged();
    }
    void onClaimed(const store::ExperimentClaim&) override { postQueueChanged(); }

    // ---- RunObserver (the run's monitor thread) ----
    void onRunStarted(const RunInfo& e) override {
        {
            std::lock_guard lock(mutex_);
            run_name_ = QString::fromStdString(e.config.effectiveName());
        }
        if (live_) live_->onRunStarted(e);
    }
    void onWorkerSample(const WorkerSample& e) override { if (live_) live_->onWorkerSample(e); }
    void onRunSample(const RunSample& e) override { if (live_) live_->onRunSample(e); }
    void onDistances(const DistanceSnapshot& e) override { if (live_) live_->onDistances(e); }
    void onEvaluation(const EvalSample& e) override { if (live_) live_->onEvaluation(e); }
    void onProgress(const ProgressUpdate& e) override {
        {
            std::lock_guard lock(mutex_);
            progress_ = e;
        }
        if (live_) live_->onProgress(e);
    }
    void onSettingChange(const SettingChange& e) override { if (live_) live_->onSettingChange(e); }
    void onMessage(const std::string& e) override { if (live_) live_->onMessage(e); }
    void onRunEnded(const RunResult& e) override { if (live_) live_->onRunEnded(e); }
    void onProcessStatus(const ProcessStatus& e) override { if (live_) live_->onProcessStatus(e); }

private:
    void postQueueChanged() {
        const qint64 id = id_;
        QMetaObject::invokeMethod(owner_, [o = owner_, id] { Q_EMIT o->queueChanged(id); }, Qt::QueuedConnection);
    }

    ExperimentQueueController* const owner_;
    RunObserver* const live_;
    const int64_t id_;
    std::atomic<int64_t> linked_run_id_{0};  // the history id of the run going now
    mutable std::mutex mutex_;
    std::optional<ProgressUpdate> progress_;
    QString run_name_;  // of the run going now
};

ExperimentQueueController::ExperimentQueueController(const QString& history_path, RunObserver* live_observer,
                                                     QObject* parent)
    : QObject(parent), history_path_(history_path), live_observer_(live_observer),
      launcher_(std::make_shared<TrainingLauncher>()) {}

ExperimentQueueController::~ExperimentQueueController() {
    blockSignals(true);  // whoever listened may be half destroyed by now
    shutdown();
}

bool ExperimentQueueController::setHistoryPath(const QString& path) {
    if (isActive()) return false;
    history_path_ = path;
    return true;
}

void ExperimentQueueController::setLauncher(std::shared_ptr<RunLauncher> launcher) {
    if (launcher && !isActive()) launcher_ = std::move(launcher);
}

std::optional<int64_t> ExperimentQueueController::createExperiment(const ExperimentSpec& spec_in, QString* error) {
    ExperimentSpec spec = spec_in;
    const Expansion expansion = expand(spec);
    if (!expansion.errors.empty()) {
        if (error) *error = QString::fromStdString(formatGridErrors(expansion.errors)).trimmed();
        return std::nullopt;
    }
    store::NewExperiment created;
    created.name = spec.effectiveName();
    created.kind = toString(spec.kind);
    spec.name = created.name;
    created.spec_json = toJson(spec);
    for (const auto& run : expansion.runs) created.items.push_back({run.label, toJson(run.config)});
    store::OpenOptions options;
    options.create_folders = true;
    auto history = store::RunHistory::open(history_path_.toStdString(), options);
    if (!history) {
        if (error) *error = QString::fromStdString(history.error().message);
        return std::nullopt;
    }
    auto id = history->createExperiment(created);
    if (!id) {
        if (error) *error = QString::fromStdString(id.error().message);
        return std::nullopt;
    }
    qCInfo(lcUiRun) << "experiment" << id.value() << QString::fromStdString(created.name) << "queued with"
                    << created.items.size() << "run(s)";
    return id.value();
}

bool ExperimentQueueController::start(int64_t experiment_id) {
    if (isActive()) return false;
    RunnerOptions options;
    options.interrupted = InterruptedPolicy::Rerun;
    relay_ = std::make_unique<Relay>(this, live_observer_, experiment_id);
    options.observer = relay_.get();
    options.run_observer = relay_.get();
    options.recorder.create_folders = true;
    runner_ = std::make_unique<ExperimentRunner>(history_path_.toStdString(), experiment_id, *launcher_, options);
    active_id_ = experiment_id;
    {
        std::lock_guard lock(outcome_mutex_);
        thread_outcome_.reset();
    }
    qCInfo(lcUiRun) << "running the queue of experiment" << experiment_id;
    thread_ = std::thread([this, runner = runner_.get()] {
        RunnerOutcome outcome;
        try {
            outcome = runner->run();
        } catch (const std::exception& e) {  // a fault of the history (I/O): reported, never fatal
            outcome.state = store::ExperimentState::Paused;
            outcome.message = e.what();
        }
        {
            std::lock_guard lock(outcome_mutex_);
            thread_outcome_ = outcome;
        }
        QMetaObject::invokeMethod(this, &ExperimentQueueController::onThreadDone, Qt::QueuedConnection);
    });
    Q_EMIT activeChanged(true);
    Q_EMIT queueChanged(experiment_id);
    return true;
}

void ExperimentQueueController::pauseAfterCurrent() { if (runner_) runner_->pauseAfterCurrent(); }
void ExperimentQueueController::stopNow() { if (runner_) runner_->stopNow(); }
void ExperimentQueueController::cancel(bool cancel_remaining) { if (runner_) runner_->cancel(cancel_remaining); }
void ExperimentQueueController::skipCurrent() { if (runner_) runner_->skipCurrent(); }

RunnerStatus ExperimentQueueController::runnerStatus() const { return runner_ ? runner_->status() : RunnerStatus{}; }

std::optional<ProgressUpdate> ExperimentQueueController::currentProgress() const {
    return relay_ ? relay_->progress() : std::nullopt;
}

void ExperimentQueueController::shutdown() {
    if (!thread_.joinable()) return;
    qCInfo(lcUiRun) << "stopping the queue of experiment" << active_id_ << "(it stays queued)";
    runner_->stopNow();
    joinThread();
}

void ExperimentQueueController::onThreadDone() {
    if (!thread_.joinable()) return;  // shutdown() got there first
    joinThread();
}

void ExperimentQueueController::joinThread() {
    thread_.join();
    std::optional<RunnerOutcome> outcome;
    {
        std::lock_guard lock(outcome_mutex_);
        outcome = std::move(thread_outcome_);
        thread_outcome_.reset();
    }
    runner_.reset();
    relay_.reset();
    const int64_t id = active_id_;
    active_id_ = 0;
    last_outcome_ = outcome;
    QString state, message;
    if (outcome) {
        state = QString::fromStdString(store::toString(outcome->state));
        message = QString::fromStdString(outcome->error ? outcome->error->message : outcome->message);
    }
    qCInfo(lcUiRun) << "experiment" << id << "left" << state << message;
    Q_EMIT activeChanged(false);
    Q_EMIT queueChanged(id);
    Q_EMIT finished(id, state, message);
}

}  // namespace gossiplab::ui
