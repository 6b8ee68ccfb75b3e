#include "ui/live/run_bridge.h"

#include "ui/log.h"

namespace gossiplab::ui {

RunBridge::RunBridge(QObject* parent, size_t capacity) : QObject(parent), capacity_(capacity) {}

BridgeBatch RunBridge::take() {
    BridgeBatch batch;
    std::lock_guard lock(mutex_);
    // Cleared before the swap, under the lock: a push that lands after it notifies again.
    notify_pending_.store(false);
    std::swap(batch, pending_);
    pending_.events.reserve(std::min<size_t>(batch.events.size(), 4096));
    return batch;
}

void RunBridge::push(BridgeEvent event, bool droppable) {
    received_.fetch_add(1, std::memory_order_relaxed);
    {
        std::lock_guard lock(mutex_);
        if (droppable && pending_.events.size() >= capacity_) {
            if (pending_.dropped++ == 0) qCWarning(lcUiRun) << "the GUI is behind: dropping live samples (the store keeps them)";
            dropped_total_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        pending_.events.push_back(std::move(event));
    }
    if (!notify_pending_.exchange(true)) Q_EMIT eventsReady();
}

void RunBridge::onRunStarted(const RunInfo& info) { push(info, false); }
void RunBridge::onWorkerSample(const WorkerSample& sample) { push(sample, true); }
void RunBridge::onRunSample(const RunSample& sample) { push(sample, true); }
void RunBridge::onDistances(const DistanceSnapshot& snapshot) { push(snapshot, false); }
void RunBridge::onEvaluation(const EvalSample& sample) { push(sample, false); }
void RunBridge::onProgress(const ProgressUpdate& update) { push(update, true); }
void RunBridge::onSettingChange(const SettingChange& change) { push(change, false); }
void RunBridge::onMessage(const std::string& text) { push(MessageEvent{text}, false); }
void RunBridge::onRunEnded(const RunResult& result) { push(result, false); }
void RunBridge::onProcessStatus(const ProcessStatus& status) { push(status, false); }

}  // namespace gossiplab::ui
