#include "core/experiments/experiment_runner.h"

#include <exception>
#include <thread>

namespace gossiplab::experiments {

using store::ExperimentState;
using store::QueueItemStatus;

ExperimentRunner::ExperimentRunner(std::string history_path, int64_t experiment_id, RunLauncher& launcher, RunnerOptions options)
    : path_(std::move(history_path)), experiment_id_(experiment_id), launcher_(launcher), options_(options) {}

ExperimentRunner::~ExperimentRunner() = default;

void ExperimentRunner::request(Request r) {
    int current = request_.load();
    while (current < static_cast<int>(r) && !request_.compare_exchange_weak(current, static_cast<int>(r))) {
    }
}

void ExperimentRunner::pauseAfterCurrent() { request(Request::Pause); }
void ExperimentRunner::stopNow() { request(Request::StopNow); }
void ExperimentRunner::cancel(bool cancel_remaining) { request(cancel_remaining ? Request::CancelAll : Request::CancelCurrent); }
void ExperimentRunner::skipCurrent() { skip_.store(true); }

RunnerStatus ExperimentRunner::status() const {
    std::lock_guard lock(status_mutex_);
    return status_;
}

void ExperimentRunner::setStatus(int position, const std::string& label, int64_t run_id, bool active) {
    std::lock_guard lock(status_mutex_);
    status_.active = active;
    status_.position = position;
    status_.label = label;
    status_.run_id = run_id;
}

RunnerOutcome ExperimentRunner::run() {
    RunnerOutcome outcome;
    request_.store(0);
    skip_.store(false);
    setStatus(-1, {}, 0, true);
    auto finish = [&](RunnerOutcome& o) -> RunnerOutcome {
        setStatus(-1, {}, 0, false);
        if (options_.observer) options_.observer->onFinished(o);
        return o;
    };

    auto opened = store::RunHistory::open(path_);
    if (!opened) {
        outcome.error = opened.error();
        outcome.message = opened.error().message;
        return finish(outcome);
    }
    store::RunHistory history = std::move(opened.value());
    auto claim = history.claimExperiment(experiment_id_, options_.interrupted == InterruptedPolicy::Rerun);
    if (!claim) {
        outcome.error = claim.error();
        outcome.message = claim.error().message;
        if (auto record = history.experiment(experiment_id_)) outcome.state = record->state;
        return finish(outcome);
    }
    if (options_.observer) options_.observer->onClaimed(claim.value());

    std::unique_ptr<store::RunRecorder> recorder;
    ExperimentState end_state = ExperimentState::Done;
    std::string end_message;

    // Stops the loop because the history failed: the item goes back to the queue if it can.
    auto storeFailure = [&](const store::StoreError& error, std::optional<int> position) {
        outcome.error = error;
        end_state = ExperimentState::Paused;
        end_message = error.message;
        if (position) (void)history.finishItem(experiment_id_, *position, QueueItemStatus::Queued, "queued again: " + error.message);
    };

    try {
        for (;;) {
            // Requests that came between two runs.
            const Request between = pending();
            if (between == Request::CancelAll) {
                (void)history.cancelQueued(experiment_id_);
                end_state = ExperimentState::Cancelled;
                end_message = "cancelled by the user";
                break;
            }
            if (between != Request::None) {
                end_state = ExperimentState::Paused;
                end_message = between == Request::Pause       ? "paused by the user"
                              : between == Request::StopNow ? "stopped by the user; the run that was going on is queued again"
                                                              : "the run that was going on was cancelled by the user; the rest stays queued";
                break;
            }
            skip_.store(false);

            auto next = history.startNextItem(experiment_id_);
            if (!next) {
                storeFailure(next.error(), std::nullopt);
                break;
            }
            if (!next.value()) break;  // nothing left: done
            const store::QueueItem item = *next.value();
            setStatus(item.position, item.label, 0, true);

            std::vector<ConfigError> config_errors;
            auto config = fromJson(item.config_json, &config_errors);
            if (config) config_errors = validate(*config);
            if (!config || !config_errors.empty()) {
                const std::string why = "its stored settings are not valid here:\n" + formatErrors(config_errors);
                (void)history.finishItem(experiment_id_, item.position, QueueItemStatus::Skipped, why);
                if (options_.observer) options_.observer->onItemEnded(item, QueueItemStatus::Skipped, nullptr, why);
                continue;
            }
            if (options_.observer) options_.observer->onItemStarting(item);

            if (!recorder) {
                auto opened_recorder = store::RunRecorder::open(path_, options_.recorder);
                if (!opened_recorder) {
                    storeFailure(opened_recorder.error(), item.position);
                    break;
                }
                recorder = std::move(opened_recorder.value());
            }
            const int64_t previous_run = recorder->runId();
            ObserverFanOut observers;
            observers.add(recorder.get());
            if (options_.run_observer) observers.add(options_.run_observer);

            std::unique_ptr<LaunchedRun> launched;
            try {
                launched = launcher_.launch(*config, &observers);
            } catch (const std::exception& e) {
                const std::string why = std::string("could not start: ") + e.what();
                (void)history.finishItem(experiment_id_, item.position, QueueItemStatus::Queued, why);
                if (options_.observer) options_.observer->onItemEnded(item, QueueItemStatus::Queued, nullptr, why);
                end_state = ExperimentState::Paused;
                end_message = "run " + std::to_string(item.position + 1) + " (" + item.label + ") " + why;
                break;
            }
            ++outcome.runs_started;

            int64_t linked = 0;
            auto linkIfRecorded = [&] {
                const int64_t id = recorder->runId();
                if (linked != 0 || id == previous_run || id == 0) return;
                linked = id;
                setStatus(item.position, item.label, id, true);
                if (auto r = history.linkRun(experiment_id_, item.position, id); !r) return;
                if (options_.observer) options_.observer->onRunLinked(item.position, id);
            };
            bool stop_sent = false;
            while (launched->isRunning()) {
                linkIfRecorded();
                const Request now = pending();
                // A run that can no longer be recorded is stopped too: its item goes back to the queue.
                const bool stop = now == Request::StopNow || now == Request::CancelCurrent || now == Request::CancelAll ||
                                  skip_.load() || recorder->error().has_value();
                if (stop && !stop_sent) {
                    launched->requestStop();
                    stop_sent = true;
                }
                std::this_thread::sleep_for(options_.poll);
            }
            const RunResult result = launched->wait();
            launched.reset();
            linkIfRecorded();

            if (auto error = recorder->error()) {
                storeFailure(*error, item.position);
                recorder.reset();
                break;
            }

            const Request after = pending();
            QueueItemStatus status = QueueItemStatus::Done;
            std::string message = result.status == RunStatus::Finished ? std::string() : toString(result.status) + ": " + result.message;
            bool stop_loop = false;
            if (result.status == RunStatus::Finished) {
                // It reached its budget (perhaps just before a stop request took effect).
            } else if (stop_sent && after == Request::StopNow) {
                status = QueueItemStatus::Queued;
                message = "stopped by the user; queued again to run from the start";
                stop_loop = true;
            } else if (stop_sent && (after == Request::CancelCurrent || after == Request::CancelAll)) {
                status = QueueItemStatus::Cancelled;
                message = "cancelled by the user while it ran (recorded as stopped)";
                stop_loop = true;
            } else if (stop_sent && skip_.load()) {
                status = QueueItemStatus::Skipped;
                message = "skipped by the user while it ran (recorded as stopped)";
            }
            if (auto r = history.finishItem(experiment_id_, item.position, status, message); !r) {
                storeFailure(r.error(), std::nullopt);
                break;
            }
            if (status == QueueItemStatus::Done) ++outcome.runs_done;
            if (options_.observer) options_.observer->onItemEnded(item, status, &result, message);
            setStatus(-1, {}, 0, true);
            if (stop_loop) continue;  // the top of the loop ends it with the right state
        }
    } catch (const store::HistoryError& e) {
        outcome.error = e.error();
        end_state = ExperimentState::Paused;
        end_message = e.what();
    }
    recorder.reset();

    // Paused with nothing left to run is done.
    if (end_state == ExperimentState::Paused) {
        try {
            bool any_queued = false;
            for (const auto& item : history.queueOf(experiment_id_)) any_queued = any_queued || item.status == QueueItemStatus::Queued;
            if (!any_queued && !outcome.error) {
                end_state = ExperimentState::Done;
                end_message.clear();
            }
        } catch (const store::HistoryError&) {
        }
    }
    if (auto released = history.releaseExperiment(experiment_id_, end_state, end_message); !released && !outcome.error) {
        outcome.error = released.error();
    }
    outcome.state = end_state;
    outcome.message = end_message;
    return finish(outcome);
}

}  // namespace gossiplab::experiments
