#pragma once
// The bridge between a run's monitor thread and the GUI thread.
//
// A Run calls its RunObserver from its monitor thread. The bridge appends each event to a pending
// batch under a short lock and, if no notification is on its way, emits eventsReady(), which Qt
// queues to the GUI thread (the bridge lives there). The GUI thread then take()s the whole batch
// at once: one queued signal however many events arrived (PlotJuggler's pattern). The monitor
// never waits for the GUI: the batch is bounded, and when a frozen GUI lets it fill up the bridge
// drops samples (never lifecycle events, process statuses, evaluations, distances or setting changes) and counts
// them. The full data stays in the store, which records through its own observer.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include <QObject>

#include "core/train/run_events.h"

namespace gossiplab::ui {

struct MessageEvent {
    std::string text;
};

// ProcessStatus: multi-process runs only (a rank waiting, joined, running, finished or lost).
using BridgeEvent = std::variant<RunInfo, WorkerSample, RunSample, DistanceSnapshot, EvalSample, ProgressUpdate,
                                 SettingChange, MessageEvent, RunResult, ProcessStatus>;

struct BridgeBatch {
    std::vector<BridgeEvent> events;  // in the order the run reported them
    uint64_t dropped = 0;             // samples dropped since the last batch (queue full)
};

class RunBridge final : public QObject, public RunObserver {
    Q_OBJECT
public:
    static constexpr size_t kDefaultCapacity = 200'000;

    explicit RunBridge(QObject* parent = nullptr, size_t capacity = kDefaultCapacity);

    // GUI thread: everything that arrived since the last call.
    BridgeBatch take();
    uint64_t eventsReceived() const { return received_.load(std::memory_order_relaxed); }
    uint64_t eventsDropped() const { return dropped_total_.load(std::memory_order_relaxed); }

    // RunObserver: called on the run's monitor thread.
    void onRunStarted(const RunInfo& info) override;
    void onWorkerSample(const WorkerSample& sample) override;
    void onRunSample(const RunSample& sample) override;
    void onDistances(const DistanceSnapshot& snapshot) override;
    void onEvaluation(const EvalSample& sample) override;
    void onProgress(const ProgressUpdate& update) override;
    void onSettingChange(const SettingChange& change) override;
    void onMessage(const std::string& text) override;
    void onRunEnded(const RunResult& result) override;
    void onProcessStatus(const ProcessStatus& status) override;

Q_SIGNALS:
    // Queued to the GUI thread; at most one is pending at a time.
    void eventsReady();

private:
    void push(BridgeEvent event, bool droppable);

    const size_t capacity_;
    std::mutex mutex_;
    BridgeBatch pending_;
    std::atomic<bool> notify_pending_{false};
    std::atomic<uint64_t> received_{0};
    std::atomic<uint64_t> dropped_total_{0};
};

}  // namespace gossiplab::ui
