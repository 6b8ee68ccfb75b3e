#pragma once
// The run history: every run recorded in one SQLite file. Open it, list and read runs (also while
// another process records), edit, delete, export to CSV, import another history file.
// Recording itself goes through RunRecorder (run_recorder.h), which owns the one writer thread.
//
// A RunHistory is one connection: use it from one thread at a time (the UI thread, the CLI).
// Several RunHistory objects, in this and other processes, may have the same file open.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/store/experiment_types.h"
#include "core/store/history_types.h"
#include "core/store/series_names.h"
#include "core/store/store_error.h"
#include "core/train/run_config.h"

namespace gossiplab::store {

// $XDG_DATA_HOME/gossiplab/history.sqlite3, else $HOME/.local/share/gossiplab/history.sqlite3.
std::string defaultHistoryPath();

enum class OpenMode {
    ReadWrite,  // creates the file if missing, upgrades an older schema, marks dead runs interrupted
    ReadOnly,   // never writes: browsing a file on a read-only medium or of another user
};

struct OpenOptions {
    OpenMode mode = OpenMode::ReadWrite;
    bool create_folders = false;  // create missing parent folders (for defaultHistoryPath())
    int busy_timeout_ms = 5000;   // how long to wait for another writer before reporting Locked
};

class RunHistory {
public:
    // Expected failures come back as errors naming the file: not an SQLite file or not a history
    // (NotAHistory), a newer schema (NewerSchema, the file is left untouched), a read-only file or
    // folder in ReadWrite mode (ReadOnly), a locked file (Locked), a full disk (DiskFull).
    static Result<RunHistory> open(const std::string& path, const OpenOptions& options = {});

    ~RunHistory();
    RunHistory(RunHistory&&) noexcept;
    RunHistory& operator=(RunHistory&&) noexcept;
    RunHistory(const RunHistory&) = delete;
    RunHistory& operator=(const RunHistory&) = delete;

    const std::string& path() const;
    OpenMode mode() const;
    static int currentSchemaVersion();
    // Ids of the runs this open() found left `running` by a dead process and marked interrupted.
    const std::vector<int64_t>& interruptedOnOpen() const;

    // ---- queries (throw HistoryError only on I/O faults or corruption) ----
    std::vector<RunRecord> listRuns(const RunFilter& filter = {}) const;
    std::optional<RunRecord> run(int64_t run_id) const;
    // The stored config, parsed. nullopt (with the reasons in `errors`) if the run is unknown or
    // its config no longer parses (e.g. written by another version); config_json is always there.
    std::optional<RunConfig> config(int64_t run_id, std::vector<ConfigError>* errors = nullptr) const;
    // Every (series, worker) the run has at least one row of, sorted by series id then worker.
    std::vector<SeriesKey> seriesOf(int64_t run_id) const;
    // One series of one run in recording order. worker = kRunLevel for run-level series.
    std::vector<SeriesPoint> readSeries(int64_t run_id, std::string_view series, int worker,
                                        const ReadOptions& options = {}) const;
    // The latest value of every series of the run (one entry per series and worker).
    std::vector<LatestValue> latestValues(int64_t run_id) const;
    std::optional<DistanceMatrix> latestDistances(int64_t run_id) const;
    std::vector<SettingChangeRecord> settingChanges(int64_t run_id) const;
    std::vector<RunMessage> messages(int64_t run_id) const;
    // True while a process records the run (it holds the run's lock).
    bool isLive(int64_t run_id) const;

    // ---- polling for changes made by other connections (a recorder, another process) ----
    // Changes whenever another connection commits anything to the file (PRAGMA data_version).
    int64_t dataVersion() const;
    // Goes up with every change to the run list (new run, status, progress, rename, tags, delete).
    int64_t runListVersion() const;

    // ---- edits (one transaction each) ----
    Result<void> rename(int64_t run_id, const std::string& name);
    Result<void> setTags(int64_t run_id, const std::vector<std::string>& tags);
    Result<void> setNotes(int64_t run_id, const std::string& notes);
    // Deletes the run and all its rows. Refused (RunIsLive) while a process records it.
    Result<void> deleteRun(int64_t run_id);
    // Marks runs left `running` by dead processes as interrupted (open() does this already), and
    // experiments left `running` by dead runners (with their running items) as interrupted.
    Result<std::vector<int64_t>> recoverInterruptedRuns();
    // Copies every run of another history file into this one with new ids, each run whole in its
    // own transaction. Runs already here (same uuid) and runs still being recorded are skipped;
    // a run left `running` by a dead process arrives as interrupted.
    Result<ImportSummary> importRuns(const std::string& other_path);

    // ---- CSV export (csv.h describes the format) ----
    // Long format, one row per value: run_id,run_name,series,worker,iteration,images,wall_time_s,value
    Result<void> exportSeriesCsv(const std::vector<int64_t>& run_ids, std::ostream& out) const;
    // One row per run: identity, status, times, duration, tags, notes, config columns, final metrics.
    // An empty `run_ids` exports every run.
    Result<void> exportRunsCsv(const std::vector<int64_t>& run_ids, std::ostream& out) const;
    // The same into a file, written beside it first and renamed into place, so a failed export
    // never leaves a truncated file that looks complete.
    Result<void> exportSeriesCsvFile(const std::vector<int64_t>& run_ids, const std::string& csv_path) const;
    Result<void> exportRunsCsvFile(const std::vector<int64_t>& run_ids, const std::string& csv_path) const;

    // ---- experiments (schema version 3; experiment_types.h; core/experiments builds and runs them) ----
    // Creates an experiment with every item queued, in one transaction; returns its id.
    Result<int64_t> createExperiment(const NewExperiment& experiment);
    // Every experiment, newest first, with its queue counts and whether a runner is at work.
    std::vector<ExperimentRecord> listExperiments() const;
    std::optional<ExperimentRecord> experiment(int64_t experiment_id) const;
    // The queue, in position order.
    std::vector<QueueItem> queueOf(int64_t experiment_id) const;
    // The experiment and queue position whose latest attempt is this run, if any.
    std::optional<std::pair<int64_t, int>> experimentOfRun(int64_t run_id) const;
    // True while a runner (this connection, another one, another process) works on it.
    bool experimentIsLive(int64_t experiment_id) const;
    // Goes up with every change to an experiment or its queue (poll it like runListVersion()).
    int64_t experimentListVersion() const;
    // Deletes the experiment and its queue; with `with_runs`, also every run it started (all
    // attempts, found by the tag "experiment:<id>"). Refused (RunIsLive) while a runner is at work
    // or one of those runs is being recorded.
    Result<void> deleteExperiment(int64_t experiment_id, bool with_runs);

    // ---- running an experiment's queue (ExperimentRunner does this; one runner at a time) ----
    // Takes the experiment's lock for this connection (until releaseExperiment or this object is
    // destroyed; a killed process lets go of it) and marks it running. Items a dead runner left
    // running or interrupted are queued again to run from the start (`rerun_interrupted`) or
    // skipped. Refused: RunIsLive (another runner holds it), NotFound, InvalidArgument (cancelled).
    Result<ExperimentClaim> claimExperiment(int64_t experiment_id, bool rerun_interrupted);
    // Marks the first queued item running (attempts + 1) and returns it; nullopt when none is left.
    Result<std::optional<QueueItem>> startNextItem(int64_t experiment_id);
    // Links the item's run (its latest attempt) and tags the run "experiment:<id>".
    Result<void> linkRun(int64_t experiment_id, int position, int64_t run_id);
    // Ends an item: done, skipped, cancelled or queued again (to run later from the start).
    Result<void> finishItem(int64_t experiment_id, int position, QueueItemStatus status, const std::string& message);
    // Cancels every item still queued; returns how many.
    Result<int> cancelQueued(int64_t experiment_id);
    // Sets the experiment's state and message and lets go of its lock.
    Result<void> releaseExperiment(int64_t experiment_id, ExperimentState state, const std::string& message);

    struct Impl;

private:
    explicit RunHistory(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace gossiplab::store
