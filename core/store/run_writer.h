#pragma once
// The SQL side of recording: turns a batch of events into rows, in one transaction, on the writer
// thread's own connection. Internal to core/store; RunRecorder drives it.
//
// What is stored (see series_names.h): WorkerSample -> loss, alpha, messages_sent,
// messages_received, center_distance, wait_per_iteration_s per worker; RunSample -> mean_loss, alpha_sum, messages,
// images_per_second; EvalSample -> test_loss, test_accuracy; DistanceSnapshot ->
// consensus_distance plus the matrix; ProgressUpdate -> the run row's progress columns (the last
// one of a batch); SettingChange and messages -> their logs. A non-finite loss (a diverged run) is
// stored as NULL, so the point and its iteration remain; a NaN alpha, alpha_sum,
// center_distance or wait_per_iteration_s means "not this algorithm" and writes no row.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/store/history_types.h"
#include "core/store/record_events.h"
#include "core/store/run_lock.h"
#include "core/store/sqlite_db.h"

namespace gossiplab::store {

class RunWriter {
public:
    RunWriter(sql::Database db, RunLockFile locks);

    // Writes the events in one transaction. Throws SqliteFailure; then nothing of the batch is
    // kept, in the file or in this object, and the same batch may be written again.
    void write(const std::vector<RecordEvent>& events);

    // After a failure that ends the recording: best effort to mark the current run failed with
    // `message` (the disk may be full), then release its lock so that it is never shown running.
    void abandonAfterFailure(const std::string& message);

    int64_t currentRun() const { return state_.run_id; }
    int64_t lastStartedRun() const { return last_started_run_; }
    uint64_t rowsWritten() const { return rows_written_; }
    uint64_t eventsWithoutRun() const { return events_without_run_; }

private:
    // Everything a failed batch must put back as it was.
    struct State {
        int64_t run_id = 0;  // 0: no run open
        int64_t seq = 0;
        std::map<std::pair<int, int>, SeriesPoint> dirty_latest;  // (series id, worker) -> last point
        std::optional<ProgressUpdate> progress;
    };

    void apply(const StartEvent& event);
    void apply(const WorkerSample& sample);
    void apply(const RunSample& sample);
    void apply(const DistanceSnapshot& snapshot);
    void apply(const EvalSample& sample);
    void apply(const ProgressUpdate& update);
    void apply(const SettingChange& change);
    void apply(const MessageEvent& message);
    void apply(const EndEvent& event);
    void apply(const AbandonEvent& event);

    bool runIsOpen();  // counts the event as without a run when none is open
    void addPoint(std::string_view series, int worker, const SamplePoint& at, double value);
    void writeSummaries();  // latest values and progress of the open run
    void finishRun(RunStatus status, const std::string& message, const RunResult* result);

    sql::Database db_;
    RunLockFile locks_;
    State state_;
    int64_t last_started_run_ = 0;
    std::vector<int64_t> unlock_after_commit_;
    std::vector<int64_t> locked_in_batch_;
    uint64_t rows_written_ = 0;
    uint64_t rows_in_batch_ = 0;
    uint64_t events_without_run_ = 0;

    sql::Statement insert_run_;
    sql::Statement insert_worker_point_;
    sql::Statement insert_run_point_;
    sql::Statement insert_distances_;
    sql::Statement upsert_latest_;
    sql::Statement update_progress_;
    sql::Statement insert_setting_change_;
    sql::Statement insert_message_;
    sql::Statement end_run_;
};

}  // namespace gossiplab::store
