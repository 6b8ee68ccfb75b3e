// Opening a history: path checks, refusing what is not ours, upgrading, recovering dead runs.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>

#include "core/store/history_impl.h"
#include "core/store/schema.h"

namespace gossiplab::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kInterruptedMessage =
    "the recording process ended without finishing the run (killed, crashed or lost power)";

StoreError error(ErrorKind kind, const std::string& path, const std::string& why) {
    return StoreError{kind, path, path + ": " + why};
}

fs::path folderOf(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    return parent.empty() ? fs::path(".") : parent;
}

// The checks SQLite would fail later with vaguer words ("unable to open database file").
std::optional<StoreError> checkPath(const std::string& path, const OpenOptions& options) {
    if (path.empty()) return StoreError{ErrorKind::InvalidArgument, path, "no history file was given"};
    if (path == ":memory:") return std::nullopt;
    std::error_code ec;
    const fs::path folder = folderOf(path);
    const bool write = options.mode == OpenMode::ReadWrite;
    if (!fs::exists(folder, ec)) {
        if (!(write && options.create_folders)) {
            return error(ErrorKind::CannotOpen, path, "cannot open: the folder " + folder.string() + " does not exist");
        }
        fs::create_directories(folder, ec);
        if (ec) {
            return error(ErrorKind::CannotOpen, path,
                         "cannot create the folder " + folder.string() + ": " + ec.message());
        }
    }
    const bool exists = fs::exists(path, ec);
    if (exists && fs::is_directory(path, ec)) {
        return error(ErrorKind::CannotOpen, path, "cannot open: it is a folder, not a history file");
    }
    if (!write) {
        if (!exists) return error(ErrorKind::CannotOpen, path, "cannot open: the file does not exist");
        if (::access(path.c_str(), R_OK) != 0) {
            return error(ErrorKind::CannotOpen, path, "cannot open: permission denied (the file is not readable)");
        }
        return std::nullopt;
    }
    if (exists && ::access(path.c_str(), W_OK) != 0) {
        return error(ErrorKind::ReadOnly, path,
                     "cannot open for writing: the file is read-only (open it read-only to browse it)");
    }
    if (::access(folder.c_str(), W_OK) != 0) {
        return error(ErrorKind::ReadOnly, path,
                     exists ? "cannot open for writing: the folder " + folder.string() +
                                  " is read-only (SQLite keeps its write-ahead log beside the file)"
                            : "cannot create the file: the folder " + folder.string() + " is read-only");
    }
    return std::nullopt;
}

// Committed rows not yet copied into the file itself live in "<path>-wal".
bool hasWriteAheadLog(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path + "-wal", ec);
    return !ec && size > 0;
}

// Open and probe; in ReadOnly mode fall back to an immutable open when SQLite cannot create the
// WAL index beside a file in a folder we cannot write: with no write-ahead log present, the file
// alone holds every committed row, and no writer can be at work (it would need that log).
Result<std::pair<sql::Database, schema::Probe>> openAndProbe(const std::string& path, const OpenOptions& options) {
    using Access = sql::Database::Access;
    const bool write = options.mode == OpenMode::ReadWrite;
    auto attempt = [&](const std::string& name, Access access) {
        sql::Database db = sql::Database::open(name, access, options.busy_timeout_ms);
        schema::Probe probe = schema::probe(db);
        return std::make_pair(std::move(db), probe);
    };
    try {
        if (write) return attempt(sql::plainFileName(path), Access::ReadWriteCreate);
        try {
            return attempt(sql::readOnlyUri(fs::absolute(path).string(), false), Access::ReadOnly);
        } catch (const sql::SqliteFailure& failure) {
            const ErrorKind kind = sql::classify(failure);
            if ((kind != ErrorKind::CannotOpen && kind != ErrorKind::ReadOnly) || hasWriteAheadLog(path)) throw;
            return attempt(sql::readOnlyUri(fs::absolute(path).string(), true), Access::ReadOnly);
        }
    } catch (const sql::SqliteFailure& failure) {
        StoreError described = sql::describe(failure, path, "open the run history");
        if (described.kind == ErrorKind::NotAHistory) {
            described.message = path + ": not a GossipLab run history (the file is not an SQLite database); it was left untouched";
        }
        return described;
    }
}

}  // namespace

std::vector<int64_t> markDeadRunsInterrupted(sql::Database& db, const RunLockFile& locks) {
    if (!locks.isOpen()) return {};
    std::vector<int64_t> dead;
    {
        auto running = db.prepare("SELECT id FROM runs WHERE status = 'running' ORDER BY id");
        while (running.step()) {
            if (!locks.heldByOther(running.int64(0))) dead.push_back(running.int64(0));
        }
    }
    if (dead.empty()) return dead;

    // Decide again under the write lock: a run may have ended (and released its lock) meanwhile,
    // which the status check in the UPDATE catches; a run cannot start unlocked (its row and its
    // lock appear in the same transaction).
    sql::Transaction transaction(db);
    auto mark = db.prepare(R"sql(
        UPDATE runs SET status = 'interrupted',
            message = CASE WHEN message = '' THEN ?2 ELSE message END,
            ended_at = COALESCE(ended_at, started_at + COALESCE(elapsed_s,
                (SELECT max(wall_s) FROM latest_values WHERE run_id = ?1)))
        WHERE id = ?1 AND status = 'running')sql");
    std::vector<int64_t> marked;
    for (int64_t run_id : dead) {
        if (locks.heldByOther(run_id)) continue;
        mark.bind(1, run_id).bind(2, kInterruptedMessage);
        mark.run();
        if (db.changes() > 0) marked.push_back(run_id);
    }
    transaction.commit();
    return marked;
}

Result<OpenedHistory> openHistoryFile(const std::string& path, const OpenOptions& options) {
    if (auto problem = checkPath(path, options)) return *problem;
    auto opened = openAndProbe(path, options);
    if (!opened) return opened.error();
    auto& [db, probe] = opened.value();
    const bool write = options.mode == OpenMode::ReadWrite;

    if (probe.kind == schema::FileKind::Foreign) {
        return error(ErrorKind::NotAHistory, path,
                     "not a GossipLab run history (an SQLite database of something else); it was left untouched");
    }
    if (probe.version > schema::kCurrentVersion) {
        return error(ErrorKind::NewerSchema, path,
                     "written by a newer GossipLab (history schema version " + std::to_string(probe.version) +
                         "; this build reads up to version " + std::to_string(schema::kCurrentVersion) +
                         "); it was left untouched: open it with a newer GossipLab");
    }
    if (!write && probe.kind == schema::FileKind::Empty) {
        return error(ErrorKind::NotAHistory, path, "not a GossipLab run history (the database is empty)");
    }
    if (!write && probe.version < schema::kCurrentVersion) {
        return error(ErrorKind::OlderSchema, path,
                     "written by an older GossipLab (history schema version " + std::to_string(probe.version) +
                         "); open it once read-write to upgrade it");
    }

    OpenedHistory result{std::move(db), RunLockFile(), {}};
    if (!write) return result;
    try {
        if (result.db.isReadOnly()) {
            return error(ErrorKind::ReadOnly, path, "cannot open for writing: the file is read-only");
        }
        // Two writers opening a new file at once: switching it to WAL (and creating its tables)
        // needs the file alone for an instant, and SQLite may answer "locked" at once rather than
        // through the busy timeout (seen under load in test_store_recorder's
        // twoRecordersShareOneFile: failed after 1 ms). Tried again within the busy timeout; a
        // writer that really holds the file longer still ends as Locked.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
        for (;;) {
            try {
                if (path != ":memory:") schema::configureWriterConnection(result.db);
                // Only an old or new file takes the write lock here: opening an up-to-date
                // history must work while a recorder is writing to it.
                if (probe.kind == schema::FileKind::Empty || probe.version < schema::kCurrentVersion) schema::migrate(result.db);
                break;
            } catch (const sql::SqliteFailure& failure) {
                if (sql::classify(failure) != ErrorKind::Locked || std::chrono::steady_clock::now() > give_up) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
        if (path != ":memory:") {
            result.locks = RunLockFile::open(path, /*create=*/true);
            if (!result.locks.isOpen()) {
                return error(ErrorKind::ReadOnly, path,
                             "cannot create its lock file " + RunLockFile::lockPathFor(path));
            }
            try {
                result.interrupted = markDeadRunsInterrupted(result.db, result.locks);
                markDeadExperimentsInterrupted(result.db, result.locks);
            } catch (const sql::SqliteFailure& failure) {
                // Another writer holds the file: the dead runs get marked on a later open (or by
                // recoverInterruptedRuns()); reading must not wait for that.
                if (sql::classify(failure) != ErrorKind::Locked) throw;
            }
        }
    } catch (const sql::SqliteFailure& failure) {
        return sql::describe(failure, path, "prepare the run history for writing");
    }
    return result;
}

// ---- RunHistory: lifetime ----

RunHistory::RunHistory(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunHistory::~RunHistory() = default;
RunHistory::RunHistory(RunHistory&&) noexcept = default;
RunHistory& RunHistory::operator=(RunHistory&&) noexcept = default;

Result<RunHistory> RunHistory::open(const std::string& path, const OpenOptions& options) {
    auto opened = openHistoryFile(path, options);
    if (!opened) return opened.error();
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->mode = options.mode;
    impl->db = std::move(opened->db);
    impl->locks = std::move(opened->locks);
    impl->interrupted_on_open = std::move(opened->interrupted);
    return RunHistory(std::move(impl));
}

const std::string& RunHistory::path() const { return impl_->path; }
OpenMode RunHistory::mode() const { return impl_->mode; }
int RunHistory::currentSchemaVersion() { return schema::kCurrentVersion; }
const std::vector<int64_t>& RunHistory::interruptedOnOpen() const { return impl_->interrupted_on_open; }

Result<std::vector<int64_t>> RunHistory::recoverInterruptedRuns() {
    return impl_->edit<std::vector<int64_t>>("mark dead runs interrupted", [&] {
        auto runs = markDeadRunsInterrupted(impl_->db, impl_->locks);
        markDeadExperimentsInterrupted(impl_->db, impl_->locks);
        return runs;
    });
}

bool RunHistory::isLive(int64_t run_id) const {
    if (impl_->locks.isOpen()) return impl_->locks.heldByOther(run_id);
    // Read-only: look at the lock file without creating it.
    const RunLockFile locks = RunLockFile::open(impl_->path, /*create=*/false);
    return locks.heldByOther(run_id);
}

}  // namespace gossiplab::store
