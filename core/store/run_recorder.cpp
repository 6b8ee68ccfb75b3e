#include "core/store/run_recorder.h"
#include "core/common/system_info.h"

#include <algorithm>
#include <mutex>
#include <system_error>
#include <thread>

#include "core/store/event_queue.h"
#include "core/store/history_impl.h"
#include "core/store/run_writer.h"

namespace gossiplab::store {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

struct RunRecorder::Impl {
    Impl(std::string history_path, RecorderOptions recorder_options, RunWriter run_writer)
        : path(std::move(history_path)),
          options(recorder_options),
          queue(recorder_options.queue_capacity_rows),
          writer(std::move(run_writer)) {}

    const std::string path;
    const RecorderOptions options;
    EventQueue queue;
    RunWriter writer;  // touched only by the writer thread once it runs
    std::thread thread;

    // Shared between the writer thread and callers.
    mutable std::mutex state_mutex;
    std::optional<StoreError> error;
    int64_t run_id = 0;
    uint64_t rows_written = 0;
    uint64_t batches_committed = 0;
    uint64_t busy_retries = 0;
    uint64_t events_without_run = 0;

    // Only the producer thread touches these.
    bool run_open = false;
    Clock::time_point run_started{};

    void push(RecordEvent event) { queue.push(std::move(event)); }

    std::optional<StoreError> currentError() const {
        std::lock_guard lock(state_mutex);
        return error;
    }

    void writerLoop();
    void failRecording(StoreError failure);
};

void RunRecorder::Impl::writerLoop() {
    std::vector<RecordEvent> batch;
    size_t batch_rows = 0;
    Clock::time_point last_commit = Clock::now();
    bool locked_out = false;  // the last write found the file locked by another writer
    Clock::time_point locked_since{};
    for (;;) {
        const bool open = queue.take(batch, batch_rows, options.batch_rows, last_commit + options.batch_interval);
        if (batch.empty()) {
            if (!open) return;
            last_commit = Clock::now();  // nothing to write: start the next interval
            continue;
        }
        try {
            writer.write(batch);
        } catch (const sql::SqliteFailure& failure) {
            const bool starts_run = std::any_of(batch.begin(), batch.end(), [](const RecordEvent& event) {
                return std::holds_alternative<StartEvent>(event);
            });
            const bool locked = sql::classify(failure) == ErrorKind::Locked;
            if (locked && !starts_run) {
                // Another writer holds the file: keep the batch and try again (the queue fills up
                // meanwhile and holds the producer back), up to `locked_give_up`.
                if (!locked_out) {
                    locked_out = true;
                    locked_since = Clock::now();
                }
                if (Clock::now() - locked_since < options.locked_give_up) {
                    {
                        std::lock_guard lock(state_mutex);
                        ++busy_retries;
                    }
                    // SQLite already waited busy_timeout_ms; this only keeps a zero timeout from spinning.
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                    continue;
                }
            }
            failRecording(sql::describe(failure, path, starts_run ? "start recording the run" : "record the run"));
            queue.settle(batch.size(), batch_rows, /*committed=*/false);
            return;
        } catch (const std::exception& failure) {
            // Out of memory and the like: an exception must never leave the thread.
            failRecording(StoreError{ErrorKind::Io, path, path + ": cannot record the run: " + failure.what()});
            queue.settle(batch.size(), batch_rows, /*committed=*/false);
            return;
        }
        locked_out = false;
        {
            std::lock_guard lock(state_mutex);
            rows_written = writer.rowsWritten();
            ++batches_committed;
            run_id = writer.lastStartedRun();
            events_without_run = writer.eventsWithoutRun();
        }
        queue.settle(batch.size(), batch_rows, /*committed=*/true);
        batch.clear();
        batch_rows = 0;
        last_commit = Clock::now();
    }
}

void RunRecorder::Impl::failRecording(StoreError failure) {
    writer.abandonAfterFailure("recording stopped: " + failure.message);
    {
        std::lock_guard lock(state_mutex);
        error = std::move(failure);
    }
    queue.fail();
}

// ---- lifetime ----

Result<std::unique_ptr<RunRecorder>> RunRecorder::open(const std::string& history_path, const RecorderOptions& options) {
    OpenOptions writable;
    writable.mode = OpenMode::ReadWrite;
    writable.busy_timeout_ms = options.busy_timeout_ms;
    writable.create_folders = options.create_folders;
    auto opened = openHistoryFile(history_path, writable);
    if (!opened) return opened.error();
    try {
        auto impl = std::make_unique<Impl>(history_path, options,
                                           RunWriter(std::move(opened->db), std::move(opened->locks)));
        impl->thread = std::thread([raw = impl.get()] { raw->writerLoop(); });
        return std::unique_ptr<RunRecorder>(new RunRecorder(std::move(impl)));
    } catch (const sql::SqliteFailure& failure) {
        return sql::describe(failure, history_path, "prepare the recorder");
    } catch (const std::system_error& failure) {  // no thread could be started
        return StoreError{ErrorKind::Io, history_path, history_path + ": cannot start the recorder: " + failure.what()};
    }
}

RunRecorder::RunRecorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RunRecorder::~RunRecorder() {
    if (impl_->run_open) impl_->push(AbandonEvent{"the recorder was closed before the run ended"});
    impl_->queue.close();
    impl_->thread.join();
}

// ---- explicit API ----

Result<int64_t> RunRecorder::startRun(const RunInfo& info) {
    if (auto failure = impl_->currentError()) return *failure;
    impl_->run_started = Clock::now();
    impl_->run_open = true;
    impl_->push(StartEvent{info});
    impl_->queue.waitUntilSettled();
    if (auto failure = impl_->currentError()) {
        impl_->run_open = false;
        return *failure;
    }
    return runId();
}

Result<void> RunRecorder::endRun(const RunResult& result) {
    impl_->run_open = false;
    impl_->push(EndEvent{result});
    return flush();
}

Result<void> RunRecorder::flush() {
    impl_->queue.waitUntilSettled();
    if (auto failure = impl_->currentError()) return *failure;
    return {};
}

int64_t RunRecorder::runId() const {
    std::lock_guard lock(impl_->state_mutex);
    return impl_->run_id;
}

std::optional<StoreError> RunRecorder::error() const { return impl_->currentError(); }

RecorderStats RunRecorder::stats() const {
    const EventQueue::Stats queue = impl_->queue.stats();
    std::lock_guard lock(impl_->state_mutex);
    RecorderStats stats;
    stats.rows_written = impl_->rows_written;
    stats.batches_committed = impl_->batches_committed;
    stats.producer_waits = queue.producer_waits;
    stats.producer_wait_s = queue.producer_wait_s;
    stats.events_discarded = queue.discarded_events;
    stats.events_without_run = impl_->events_without_run;
    stats.busy_retries = impl_->busy_retries;
    stats.peak_queued_rows = queue.peak_rows;
    return stats;
}

const std::string& RunRecorder::path() const { return impl_->path; }

// ---- RunObserver ----

void RunRecorder::onRunStarted(const RunInfo& info) { (void)startRun(info); }
void RunRecorder::onWorkerSample(const WorkerSample& sample) { impl_->push(sample); }
void RunRecorder::onRunSample(const RunSample& sample) { impl_->push(sample); }
void RunRecorder::onDistances(const DistanceSnapshot& snapshot) { impl_->push(snapshot); }
void RunRecorder::onEvaluation(const EvalSample& sample) { impl_->push(sample); }
void RunRecorder::onProgress(const ProgressUpdate& update) { impl_->push(update); }
void RunRecorder::onSettingChange(const SettingChange& change) { impl_->push(change); }

void RunRecorder::onMessage(const std::string& text) {
    const double wall_s = std::chrono::duration<double>(Clock::now() - impl_->run_started).count();
    impl_->push(MessageEvent{unixTimeNow(), wall_s, text});
}

void RunRecorder::onRunEnded(const RunResult& result) { (void)endRun(result); }

}  // namespace gossiplab::store
