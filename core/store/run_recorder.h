#pragma once
// Records a run into the history as it happens: a RunObserver that queues every event and one
// writer thread, with its own connection, that commits them in batched transactions.
//
//   auto recorder = RunRecorder::open(defaultHistoryPath());   // errors name the file
//   Run run(config, recorder->get());  // or through an ObserverFanOut with the UI bridge
//
// Threading: the observer calls come from one thread (the run's monitor, see run_events.h). They
// return at once, except onRunStarted (waits for the run row: it is when a locked or read-only
// file shows), onRunEnded (waits until everything is committed) and a push into a full queue.
// Queue full: the caller blocks until the writer commits (back-pressure); nothing is dropped, and
// stats().producer_waits counts the waits. Training workers never call the observer, so they never
// wait on the disk.
// Batches: committed when `batch_rows` rows wait or `batch_interval` after the last commit,
// whichever comes first, and at once on flush()/endRun(); a transaction holds at most about
// `batch_rows` rows. At a run's usual rates (thousands of rows a second) the timer decides.
// Thread safety: the recording calls (observer, startRun, endRun, flush) come from one thread at a
// time; runId(), error() and stats() may be called from any thread.
// Failure: if a write fails (disk full, I/O error, the file locked by another writer for longer
// than `locked_give_up`), recording stops: error() says why (naming the file), the run is marked
// `failed` with that message if the file still takes one more write (otherwise it becomes
// `interrupted` on the next open), and later events are discarded (stats().events_discarded).
// Rows committed before the failure stay. A run is `finished` only once all its rows are in.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/store/history.h"
#include "core/store/store_error.h"
#include "core/train/run_events.h"

namespace gossiplab::store {

struct RecorderOptions {
    size_t queue_capacity_rows = 200'000;  // uncommitted rows before producers wait (~25 MB at most)
    size_t batch_rows = 20'000;            // rows per transaction at most (fewer commits, less WAL rewriting)
    std::chrono::milliseconds batch_interval{200};
    int busy_timeout_ms = 5'000;                      // one wait for another writer's lock
    std::chrono::milliseconds locked_give_up{60'000};  // how long to keep retrying a locked file
    bool create_folders = false;                       // create missing parent folders (default path)
};

struct RecorderStats {
    uint64_t rows_written = 0;        // series rows (points) committed
    uint64_t batches_committed = 0;
    uint64_t producer_waits = 0;      // pushes that waited for room in the queue
    double producer_wait_s = 0.0;
    uint64_t events_discarded = 0;    // after a write failure
    uint64_t events_without_run = 0;  // events before onRunStarted or after onRunEnded
    uint64_t busy_retries = 0;        // batches retried because another writer held the file
    size_t peak_queued_rows = 0;
};

class RunRecorder final : public RunObserver {
public:
    // Opens (creating, upgrading, recovering) the history for writing and starts the writer thread.
    // Fails like RunHistory::open in ReadWrite mode. After a failure while recording (error()),
    // the recorder records nothing more: open a new one for the next run.
    static Result<std::unique_ptr<RunRecorder>> open(const std::string& history_path,
                                                     const RecorderOptions& options = {});
    // Flushes, marks a run that never got its onRunEnded as interrupted, joins the writer.
    ~RunRecorder() override;
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    // Inserts the run row (status running) and waits for it to be committed; returns its id.
    // A run still open is first ended as interrupted (one recorder records one run at a time).
    Result<int64_t> startRun(const RunInfo& info);
    // Writes the outcome and waits until every row of the run is committed.
    Result<void> endRun(const RunResult& result);
    // Waits until every event queued so far is committed (or recording has failed).
    Result<void> flush();

    int64_t runId() const;  // the run being (or last) recorded; 0 before the first
    std::optional<StoreError> error() const;
    RecorderStats stats() const;
    const std::string& path() const;

    // RunObserver: each event is queued for the writer. Errors are kept in error().
    void onRunStarted(const RunInfo& info) override;
    void onWorkerSample(const WorkerSample& sample) override;
    void onRunSample(const RunSample& sample) override;
    void onDistances(const DistanceSnapshot& snapshot) override;
    void onEvaluation(const EvalSample& sample) override;
    void onProgress(const ProgressUpdate& update) override;
    void onSettingChange(const SettingChange& change) override;
    void onMessage(const std::string& text) override;
    void onRunEnded(const RunResult& result) override;

    struct Impl;

private:
    explicit RunRecorder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace gossiplab::store
