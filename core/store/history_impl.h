#pragma once
// What RunHistory and RunRecorder share inside core/store: an opened, validated, up-to-date
// connection, and the conversions of SQLite failures into the public error types.

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/store/history.h"
#include "core/store/run_lock.h"
#include "core/store/sqlite_db.h"

namespace gossiplab::store {

struct OpenedHistory {
    sql::Database db;
    RunLockFile locks;  // not open in ReadOnly mode
    std::vector<int64_t> interrupted;  // runs marked interrupted by this open
};

// Checks the path, opens, refuses what is not ours or too new, upgrades, recovers dead runs.
Result<OpenedHistory> openHistoryFile(const std::string& path, const OpenOptions& options);

// Marks the `running` runs whose lock nobody holds as interrupted; returns their ids. Does
// nothing when the lock file is not open (then no run can be told dead). Throws SqliteFailure.
std::vector<int64_t> markDeadRunsInterrupted(sql::Database& db, const RunLockFile& locks);

// The same for experiments (schema v3): `running` ones whose runner's lock nobody holds become
// interrupted, and so do their running items. Returns their ids. Throws SqliteFailure.
std::vector<int64_t> markDeadExperimentsInterrupted(sql::Database& db, const RunLockFile& locks);

struct RunHistory::Impl {
    std::string path;
    OpenMode mode = OpenMode::ReadWrite;
    sql::Database db;
    RunLockFile locks;
    std::vector<int64_t> interrupted_on_open;
    std::set<int64_t> claimed_experiments;  // experiments whose lock this connection holds

    // A query's SQLite failure becomes a HistoryError naming the file.
    template <typename F>
    auto query(std::string_view doing, F&& body) const -> decltype(body()) {
        try {
            return body();
        } catch (const sql::SqliteFailure& failure) {
            throw HistoryError(sql::describe(failure, path, doing));
        }
    }

    // An edit's SQLite failure becomes an error value naming the file.
    template <typename T, typename F>
    Result<T> edit(std::string_view doing, F&& body) {
        if (mode == OpenMode::ReadOnly) {
            return StoreError{ErrorKind::ReadOnly, path,
                              path + ": cannot " + std::string(doing) + ": the history was opened read-only"};
        }
        try {
            return body();
        } catch (const sql::SqliteFailure& failure) {
            return sql::describe(failure, path, doing);
        }
    }

    bool runExists(int64_t run_id) const;
    StoreError noSuchRun(int64_t run_id) const {
        return {ErrorKind::NotFound, path, path + ": there is no run " + std::to_string(run_id)};
    }
};

}  // namespace gossiplab::store
