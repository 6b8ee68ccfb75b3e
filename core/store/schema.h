#pragma once
// The history's schema and its forward migrations. Internal to core/store.
//
// Version 1: runs, tags, the series lookup, per-worker and run-level points, distance snapshots,
//            the latest-value summary and the change counter.
// Version 2: setting changes and free-text messages (the dashboard's event log).
// Version 3: experiments (named, queued sets of runs) and their queue (experiment_runs).
// Version 4: the series alpha_held and alpha_waiting (where GoSGD's sum of alphas is).
// Version 5: the per-worker series wait_per_iteration_s (time spent waiting for other workers).
// Every migration step runs in the same IMMEDIATE transaction as the version check, so two
// processes opening an old file at once cannot both upgrade it.

#include <string>

#include "core/store/sqlite_db.h"

namespace gossiplab::store::schema {

inline constexpr int kCurrentVersion = 5;
// PRAGMA application_id of every history file ("GLAB"): tells our files from other SQLite files.
inline constexpr int kApplicationId = 0x474c4142;

enum class FileKind {
    Empty,    // no tables yet: a new file (or a zero-byte one)
    History,  // ours; see version()
    Foreign,  // an SQLite database that is not a run history
};

struct Probe {
    FileKind kind = FileKind::Empty;
    int version = 0;  // for History
};

// Reads what the file holds without changing it. Throws SqliteFailure (SQLITE_NOTADB for a file
// that is not an SQLite database).
Probe probe(sql::Database& db);

// Brings the file from its current version up to `target_version` (at most kCurrentVersion) in one
// transaction; does nothing when it is already there. Precondition: probe() said Empty or History
// with a version not newer than target. Tests call it with an older target to build old files.
void migrate(sql::Database& db, int target_version = kCurrentVersion);

// Per-connection settings every history connection uses (WAL, synchronous NORMAL, ...).
void configureWriterConnection(sql::Database& db);

}  // namespace gossiplab::store::schema
