// Importing every run of another history file: new ids, each run whole in its own transaction.

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "core/store/history_impl.h"

namespace gossiplab::store {

namespace fs = std::filesystem;

namespace {

// Every column of `runs` but the id (the copy gets a new one).
constexpr const char* kRunCopyColumns =
    "uuid, name, algorithm, status, created_at, started_at, ended_at, host, config_json, seed, workers, notes, "
    "message, parameter_count, model_description, dataset_description, train_size, test_size, images_budget, "
    "worker_devices, intra_op_threads, progress, images_done, elapsed_s, wall_s, messages, final_mean_loss, "
    "alpha_sum, final_test_loss, final_test_accuracy, consensus_distance, images_per_second, worker_final_loss";

// ?1 = the new run id, ?2 = the run id in the source. Series are matched by name.
constexpr const char* kCopyRows[] = {
    "INSERT INTO main.worker_points (run_id, series_id, worker, seq, iteration, images, wall_s, value) "
    "SELECT ?1, m.id, p.worker, p.seq, p.iteration, p.images, p.wall_s, p.value FROM source.worker_points p "
    "JOIN source.series s ON s.id = p.series_id JOIN main.series m ON m.name = s.name WHERE p.run_id = ?2",

    "INSERT INTO main.run_points (run_id, series_id, seq, iteration, images, wall_s, value) "
    "SELECT ?1, m.id, p.seq, p.iteration, p.images, p.wall_s, p.value FROM source.run_points p "
    "JOIN source.series s ON s.id = p.series_id JOIN main.series m ON m.name = s.name WHERE p.run_id = ?2",

    "INSERT INTO main.latest_values (run_id, series_id, worker, seq, iteration, images, wall_s, value) "
    "SELECT ?1, m.id, p.worker, p.seq, p.iteration, p.images, p.wall_s, p.value FROM source.latest_values p "
    "JOIN source.series s ON s.id = p.series_id JOIN main.series m ON m.name = s.name WHERE p.run_id = ?2",

    "INSERT INTO main.distance_snapshots (run_id, seq, iteration, images, wall_s, workers, distances) "
    "SELECT ?1, seq, iteration, images, wall_s, workers, distances FROM source.distance_snapshots "
    "WHERE run_id = ?2 ORDER BY id",

    "INSERT INTO main.run_tags (run_id, tag) SELECT ?1, tag FROM source.run_tags WHERE run_id = ?2",

    "INSERT INTO main.setting_changes (run_id, iteration, images, wall_s, field, old_value, new_value, source) "
    "SELECT ?1, iteration, images, wall_s, field, old_value, new_value, source FROM source.setting_changes "
    "WHERE run_id = ?2 ORDER BY id",

    "INSERT INTO main.run_messages (run_id, created_at, wall_s, text) "
    "SELECT ?1, created_at, wall_s, text FROM source.run_messages WHERE run_id = ?2 ORDER BY id",
};

struct SourceRun {
    int64_t id = 0;
    std::string uuid;
    bool running = false;
};

// A scratch copy of an older history, upgraded so that the copy queries see the current schema.
class UpgradedCopy {
public:
    ~UpgradedCopy() {
        if (path_.empty()) return;
        for (const char* suffix : {"", "-wal", "-shm", "-journal", "-runlock"}) {
            std::error_code ignored;
            fs::remove(path_ + suffix, ignored);
        }
    }
    Result<std::string> make(const std::string& other_path) {
        static std::atomic<int> counter{0};
        path_ = (fs::temp_directory_path() / ("gossiplab-import-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(counter++) + ".sqlite3"))
                    .string();
        try {
            // VACUUM INTO reads through SQLite, so rows still in the source's WAL come along.
            sql::Database source =
                sql::Database::open(sql::readOnlyUri(fs::absolute(other_path).string(), false), sql::Database::Access::ReadOnly, 5000);
            auto vacuum = source.prepare("VACUUM INTO ?1");
            vacuum.bind(1, path_);
            vacuum.run();
        } catch (const sql::SqliteFailure& failure) {
            return sql::describe(failure, other_path, "copy the older history for importing");
        }
        auto upgraded = RunHistory::open(path_);
        if (!upgraded) return upgraded.error();
        return path_;
    }

private:
    std::string path_;
};

}  // namespace

Result<ImportSummary> RunHistory::importRuns(const std::string& other_path) {
    return impl_->edit<ImportSummary>("import the runs of " + other_path, [&]() -> Result<ImportSummary> {
        OpenOptions read_only;
        read_only.mode = OpenMode::ReadOnly;
        read_only.busy_timeout_ms = 5000;
        std::string source_path = other_path;
        UpgradedCopy upgraded_copy;
        auto source = openHistoryFile(other_path, read_only);
        if (!source && source.error().kind == ErrorKind::OlderSchema) {
            auto copy = upgraded_copy.make(other_path);
            if (!copy) return copy.error();
            source_path = copy.value();
            source = openHistoryFile(source_path, read_only);
        }
        if (!source) return source.error();

        // Which runs to bring, and which are still being recorded over there.
        const RunLockFile source_locks = RunLockFile::open(other_path, /*create=*/false);
        std::vector<SourceRun> source_runs;
        {
            auto list = source->db.prepare("SELECT id, uuid, status FROM runs ORDER BY id");
            while (list.step()) source_runs.push_back({list.int64(0), list.text(1), list.text(2) == "running"});
        }
        source.value().db = sql::Database();  // the copying goes through ATTACH on our own connection

        sql::Database& db = impl_->db;
        auto attach = [&](bool immutable) {
            auto statement = db.prepare("ATTACH DATABASE ?1 AS source");
            statement.bind(1, sql::readOnlyUri(fs::absolute(source_path).string(), immutable));
            statement.run();
            try {
                db.queryInt("SELECT count(*) FROM source.sqlite_schema");  // opens the file now
            } catch (const sql::SqliteFailure&) {
                db.exec("DETACH DATABASE source");
                throw;
            }
        };
        try {
            attach(false);
        } catch (const sql::SqliteFailure& failure) {
            if (sql::classify(failure) != ErrorKind::CannotOpen) throw;
            attach(true);  // a file on a read-only medium: nobody can be writing it
        }
        struct Detach {
            sql::Database& db;
            ~Detach() {
                try {
                    db.exec("DETACH DATABASE source");
                } catch (const sql::SqliteFailure&) {
                    // Closing the connection detaches it anyway.
                }
            }
        } detach{db};

        {
            sql::Transaction transaction(db);
            db.exec("INSERT INTO main.series (name, per_worker) SELECT name, per_worker FROM source.series "
                    "WHERE name NOT IN (SELECT name FROM main.series)");
            transaction.commit();
        }

        ImportSummary summary;
        auto exists = db.prepare("SELECT 1 FROM main.runs WHERE uuid = ?1");
        auto copy_run = db.prepare(std::string("INSERT INTO main.runs (") + kRunCopyColumns + ") SELECT " + kRunCopyColumns +
                                   " FROM source.runs WHERE id = ?1");
        auto mark_interrupted = db.prepare(
            "UPDATE main.runs SET status = 'interrupted', message = CASE WHEN message = '' THEN "
            "'imported after its recording process had ended without finishing it' ELSE message END "
            "WHERE id = ?1 AND status = 'running'");
        std::vector<sql::Statement> copy_rows;
        for (const char* sql : kCopyRows) copy_rows.push_back(db.prepare(sql));

        for (const SourceRun& run : source_runs) {
            exists.bind(1, run.uuid);
            const bool duplicate = exists.step();
            exists.reset();
            if (duplicate) {
                ++summary.skipped_duplicates;
                continue;
            }
            if (run.running && source_locks.heldByOther(run.id)) {
                ++summary.skipped_live;
                continue;
            }
            sql::Transaction transaction(db);
            copy_run.bind(1, run.id);
            copy_run.run();
            const int64_t new_id = db.lastInsertRowId();
            mark_interrupted.bind(1, new_id);
            mark_interrupted.run();
            for (sql::Statement& copy : copy_rows) {
                copy.bind(1, new_id).bind(2, run.id);
                copy.run();
            }
            transaction.commit();
            summary.new_ids.push_back(new_id);
        }
        return summary;
    });
}

}  // namespace gossiplab::store
