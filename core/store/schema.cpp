#include "core/store/schema.h"
#include "core/common/system_info.h"

#include <chrono>
#include <string>

#include "core/store/series_names.h"

namespace gossiplab::store::schema {

namespace {

// Version 1. Times are Unix seconds (REAL, UTC). Points tables are WITHOUT ROWID and keyed by
// (run, series, worker, seq): reading one series of one run in order is a single range scan of the
// primary key, with no separate index to keep up to date while recording. `seq` numbers every row
// of a run in the order it was recorded; it is also the "newer than X" cursor of live readers.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at REAL NOT NULL
);

CREATE TABLE runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted run's id is never reused
    uuid                TEXT NOT NULL UNIQUE,               -- identity across files (import skips duplicates)
    name                TEXT NOT NULL,
    algorithm           TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN
                          ('running', 'finished', 'stopped', 'diverged', 'failed', 'interrupted')),
    created_at          REAL NOT NULL,
    started_at          REAL,
    ended_at            REAL,
    host                TEXT NOT NULL DEFAULT '',
    config_json         TEXT NOT NULL,                      -- the whole validated RunConfig (toJson)
    seed                INTEGER NOT NULL,                   -- uint64 stored as its int64 bit pattern
    workers             INTEGER NOT NULL,
    notes               TEXT NOT NULL DEFAULT '',
    message             TEXT NOT NULL DEFAULT '',           -- why it ended (the error for failed runs)
    parameter_count     INTEGER,
    model_description   TEXT,
    dataset_description TEXT,
    train_size          INTEGER,
    test_size           INTEGER,
    images_budget       INTEGER,                            -- per worker; 0 for a time budget
    worker_devices      TEXT,                               -- comma-separated, one per worker
    intra_op_threads    INTEGER,
    -- live progress, updated with every committed batch
    progress            REAL,
    images_done         INTEGER,
    elapsed_s           REAL,
    -- the RunResult, written when the run ends
    wall_s              REAL,
    messages            INTEGER,
    final_mean_loss     REAL,
    alpha_sum           REAL,
    final_test_loss     REAL,
    final_test_accuracy REAL,
    consensus_distance  REAL,
    images_per_second   REAL,
    worker_final_loss   BLOB                                -- little-endian float64, one per worker
);
CREATE INDEX runs_by_status ON runs(status);
CREATE INDEX runs_by_created ON runs(created_at);

CREATE TABLE run_tags (
    run_id INTEGER NOT NULL,
    tag    TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags(tag);

CREATE TABLE series (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    per_worker INTEGER NOT NULL
);

CREATE TABLE worker_points (
    run_id    INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    worker    INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    iteration INTEGER NOT NULL,
    images    INTEGER NOT NULL,
    wall_s    REAL NOT NULL,
    value     REAL,                                         -- NULL: not a finite number (e.g. a diverged loss)
    PRIMARY KEY (run_id, series_id, worker, seq)
) WITHOUT ROWID;

CREATE TABLE run_points (
    run_id    INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    iteration INTEGER NOT NULL,                             -- per-worker mean
    images    INTEGER NOT NULL,                             -- per-worker mean
    wall_s    REAL NOT NULL,
    value     REAL,
    PRIMARY KEY (run_id, series_id, seq)
) WITHOUT ROWID;

CREATE TABLE distance_snapshots (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    iteration INTEGER NOT NULL,
    images    INTEGER NOT NULL,
    wall_s    REAL NOT NULL,
    workers   INTEGER NOT NULL,
    distances BLOB NOT NULL                                 -- workers x workers little-endian float64, row-major
);
CREATE INDEX distance_snapshots_by_run ON distance_snapshots(run_id, seq);

-- The last point of every (run, series, worker): the run list and "latest values" read this
-- instead of scanning the points. worker = -1 for run-level series.
CREATE TABLE latest_values (
    run_id    INTEGER NOT NULL,
    series_id INTEGER NOT NULL,
    worker    INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    iteration INTEGER NOT NULL,
    images    INTEGER NOT NULL,
    wall_s    REAL NOT NULL,
    value     REAL,
    PRIMARY KEY (run_id, series_id, worker)
) WITHOUT ROWID;

-- runs_version goes up with every change to the run list, whoever makes it (triggers), so a UI in
-- another process can poll one integer to know when to reload the list.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('runs_version', 0);
CREATE TRIGGER runs_version_insert AFTER INSERT ON runs
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'runs_version'; END;
CREATE TRIGGER runs_version_update AFTER UPDATE ON runs
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'runs_version'; END;
CREATE TRIGGER runs_version_delete AFTER DELETE ON runs
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'runs_version'; END;
CREATE TRIGGER runs_version_tag_insert AFTER INSERT ON run_tags
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'runs_version'; END;
CREATE TRIGGER runs_version_tag_delete AFTER DELETE ON run_tags
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'runs_version'; END;
)sql";

// Version 2: the dashboard's event log.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE setting_changes (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL,
    iteration INTEGER NOT NULL,
    images    INTEGER NOT NULL,                             -- per worker (mean)
    wall_s    REAL NOT NULL,
    field     TEXT NOT NULL,                                -- "p" or "learning-rate"
    old_value REAL,
    new_value REAL,
    source    TEXT NOT NULL                                 -- "user" or "schedule"
);
CREATE INDEX setting_changes_by_run ON setting_changes(run_id, id);

CREATE TABLE run_messages (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL,
    created_at REAL NOT NULL,
    wall_s     REAL,                                        -- seconds since the run started
    text       TEXT NOT NULL
);
CREATE INDEX run_messages_by_run ON run_messages(run_id, id);
)sql";

// Version 3: experiments. An experiment is a named set of runs, run one after another (a queue);
// its queue lives here so that any process can pick up the runs not started yet. experiment_runs
// holds one row per queued run, in queue order (position), with the whole validated RunConfig and,
// once started, the id of the run it became (NULL again if that run is deleted). A run interrupted
// and run again keeps only its latest run_id here; every attempt carries the tag "experiment:<id>".
// The experiment being worked on is marked live like a run: its runner holds a lock on byte
// kExperimentLockBase + id of the run lock file (run_lock.h).
constexpr const char* kVersion3 = R"sql(
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                              -- 'grid', 'paper-fig1', 'consensus-vs-p'
    spec_json   TEXT NOT NULL,                              -- the experiment's spec (core/experiments)
    state       TEXT NOT NULL CHECK (state IN
                  ('queued', 'running', 'paused', 'done', 'cancelled', 'interrupted')),
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    host        TEXT NOT NULL DEFAULT '',                   -- where it last ran
    notes       TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT ''                    -- why it is paused, cancelled or interrupted
);

CREATE TABLE experiment_runs (
    experiment_id INTEGER NOT NULL,
    position      INTEGER NOT NULL,                         -- 0-based queue order
    label         TEXT NOT NULL,                            -- e.g. "gosgd p=0.02 M=8 seed=1"
    config_json   TEXT NOT NULL,                            -- the whole validated RunConfig (toJson)
    status        TEXT NOT NULL CHECK (status IN
                    ('queued', 'running', 'done', 'skipped', 'cancelled', 'interrupted')),
    run_id        INTEGER,                                  -- the run it became (its latest attempt)
    attempts      INTEGER NOT NULL DEFAULT 0,
    message       TEXT NOT NULL DEFAULT '',
    started_at    REAL,
    ended_at      REAL,
    PRIMARY KEY (experiment_id, position)
) WITHOUT ROWID;
CREATE INDEX experiment_runs_by_run ON experiment_runs(run_id);

INSERT INTO counters (name, value) VALUES ('experiments_version', 0);
CREATE TRIGGER experiments_version_insert AFTER INSERT ON experiments
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'experiments_version'; END;
CREATE TRIGGER experiments_version_update AFTER UPDATE ON experiments
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'experiments_version'; END;
CREATE TRIGGER experiments_version_delete AFTER DELETE ON experiments
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'experiments_version'; END;
CREATE TRIGGER experiments_version_item_update AFTER UPDATE ON experiment_runs
    BEGIN UPDATE counters SET value = value + 1 WHERE name = 'experiments_version'; END;
)sql";

// The series that schema version `version` introduces.
void insertSeries(sql::Database& db, int version) {
    auto insert = db.prepare("INSERT INTO series (id, name, per_worker) VALUES (?1, ?2, ?3)");
    for (const series::Definition& definition : series::kDefinitions) {
        if (definition.since_version != version) continue;
        insert.bind(1, definition.id).bind(2, definition.name).bind(3, definition.per_worker ? 1 : 0);
        insert.run();
    }
}

void applyVersion1(sql::Database& db) {
    db.exec(kVersion1);
    insertSeries(db, 1);
    db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
}

void applyVersion2(sql::Database& db) { db.exec(kVersion2); }

void applyVersion3(sql::Database& db) { db.exec(kVersion3); }

void applyVersion4(sql::Database& db) { insertSeries(db, 4); }

void applyVersion5(sql::Database& db) { insertSeries(db, 5); }

bool tableExists(sql::Database& db, const char* name) {
    auto query = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    query.bind(1, name);
    return query.step();
}

}  // namespace

Probe probe(sql::Database& db) {
    // The first read of the file: this is where "file is not a database" surfaces.
    const int64_t objects = db.queryInt("SELECT count(*) FROM sqlite_schema");
    const int64_t application_id = db.queryInt("PRAGMA application_id");
    if (objects == 0 && application_id == 0) return {FileKind::Empty, 0};
    if (application_id != kApplicationId || !tableExists(db, "schema_version")) return {FileKind::Foreign, 0};
    return {FileKind::History, static_cast<int>(db.queryInt("SELECT max(version) FROM schema_version"))};
}

void migrate(sql::Database& db, int target_version) {
    sql::Transaction transaction(db);
    // Read the version again under the write lock: another process may have migrated meanwhile.
    const Probe now = probe(db);
    if (now.kind == FileKind::Foreign || now.version >= target_version) return;
    for (int version = now.version + 1; version <= target_version; ++version) {
        switch (version) {
            case 1: applyVersion1(db); break;
            case 2: applyVersion2(db); break;
            case 3: applyVersion3(db); break;
            case 4: applyVersion4(db); break;
            case 5: applyVersion5(db); break;
            default: break;
        }
        auto record = db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)");
        record.bind(1, version).bind(2, unixTimeNow());
        record.run();
    }
    transaction.commit();
}

void configureWriterConnection(sql::Database& db) {
    // WAL: readers (the dashboard, another process) read while the recorder writes, and a
    // process killed mid-batch loses only that uncommitted batch. synchronous=NORMAL in WAL mode
    // survives a killed process; a power loss may drop the last batches but never corrupts.
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = OFF");
}

}  // namespace gossiplab::store::schema
