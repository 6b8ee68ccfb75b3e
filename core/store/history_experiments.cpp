// Experiments in the history (schema version 3): the experiment rows, their queues, the runner's
// claim on an experiment, recovery of experiments whose runner died.

#include <unistd.h>

#include <chrono>
#include <random>

#include "core/store/history_impl.h"
#include "core/common/system_info.h"

namespace gossiplab::store {

namespace {

constexpr const char* kRunnerDiedMessage =
    "the process running the experiment ended during it (killed, crashed or lost power)";

int64_t lockByte(int64_t experiment_id) { return RunLockFile::kExperimentLockBase + experiment_id; }

std::string experimentTag(int64_t experiment_id) { return "experiment:" + std::to_string(experiment_id); }

constexpr const char* kExperimentColumns = R"sql(
    SELECT e.id, e.uuid, e.name, e.kind, e.spec_json, e.state, e.created_at, e.updated_at, e.host, e.notes, e.message,
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'queued'),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'running'),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'done'),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'skipped'),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'cancelled'),
           (SELECT count(*) FROM experiment_runs q WHERE q.experiment_id = e.id AND q.status = 'interrupted')
    FROM experiments e
)sql";

ExperimentRecord readExperiment(const sql::Statement& row) {
    ExperimentRecord e;
    int c = 0;
    e.id = row.int64(c++);
    e.uuid = row.text(c++);
    e.name = row.text(c++);
    e.kind = row.text(c++);
    e.spec_json = row.text(c++);
    parseExperimentState(row.text(c++), &e.state);
    e.created_at = row.real(c++);
    e.updated_at = row.real(c++);
    e.host = row.text(c++);
    e.notes = row.text(c++);
    e.message = row.text(c++);
    e.counts.total = static_cast<int>(row.int64(c++));
    e.counts.queued = static_cast<int>(row.int64(c++));
    e.counts.running = static_cast<int>(row.int64(c++));
    e.counts.done = static_cast<int>(row.int64(c++));
    e.counts.skipped = static_cast<int>(row.int64(c++));
    e.counts.cancelled = static_cast<int>(row.int64(c++));
    e.counts.interrupted = static_cast<int>(row.int64(c++));
    return e;
}

constexpr const char* kItemColumns =
    "SELECT experiment_id, position, label, config_json, status, run_id, attempts, message, started_at, ended_at "
    "FROM experiment_runs";

QueueItem readItem(const sql::Statement& row) {
    QueueItem item;
    item.experiment_id = row.int64(0);
    item.position = static_cast<int>(row.int64(1));
    item.label = row.text(2);
    item.config_json = row.text(3);
    parseQueueItemStatus(row.text(4), &item.status);
    item.run_id = row.isNull(5) ? 0 : row.int64(5);
    item.attempts = static_cast<int>(row.int64(6));
    item.message = row.text(7);
    item.started_at = row.real(8);
    item.ended_at = row.real(9);
    return item;
}

bool experimentExists(sql::Database& db, int64_t experiment_id) {
    auto statement = db.prepare("SELECT 1 FROM experiments WHERE id = ?1");
    statement.bind(1, experiment_id);
    return statement.step();
}

StoreError noSuchExperiment(const std::string& path, int64_t experiment_id) {
    return {ErrorKind::NotFound, path, path + ": there is no experiment " + std::to_string(experiment_id)};
}

}  // namespace

// ---- names ----

std::string toString(ExperimentState state) {
    switch (state) {
        case ExperimentState::Queued: return "queued";
        case ExperimentState::Running: return "running";
        case ExperimentState::Paused: return "paused";
        case ExperimentState::Done: return "done";
        case ExperimentState::Cancelled: return "cancelled";
        case ExperimentState::Interrupted: return "interrupted";
    }
    return "?";
}

std::string toString(QueueItemStatus status) {
    switch (status) {
        case QueueItemStatus::Queued: return "queued";
        case QueueItemStatus::Running: return "running";
        case QueueItemStatus::Done: return "done";
        case QueueItemStatus::Skipped: return "skipped";
        case QueueItemStatus::Cancelled: return "cancelled";
        case QueueItemStatus::Interrupted: return "interrupted";
    }
    return "?";
}

bool parseExperimentState(const std::string& text, ExperimentState* state) {
    for (ExperimentState s : {ExperimentState::Queued, ExperimentState::Running, ExperimentState::Paused,
                              ExperimentState::Done, ExperimentState::Cancelled, ExperimentState::Interrupted}) {
        if (toString(s) == text) {
            *state = s;
            return true;
        }
    }
    return false;
}

bool parseQueueItemStatus(const std::string& text, QueueItemStatus* status) {
    for (QueueItemStatus s : {QueueItemStatus::Queued, QueueItemStatus::Running, QueueItemStatus::Done,
                              QueueItemStatus::Skipped, QueueItemStatus::Cancelled, QueueItemStatus::Interrupted}) {
        if (toString(s) == text) {
            *status = s;
            return true;
        }
    }
    return false;
}

// ---- recovery ----

std::vector<int64_t> markDeadExperimentsInterrupted(sql::Database& db, const RunLockFile& locks) {
    if (!locks.isOpen()) return {};
    std::vector<int64_t> dead;
    {
        auto running = db.prepare("SELECT id FROM experiments WHERE state = 'running' ORDER BY id");
        while (running.step()) {
            if (!locks.heldByOther(lockByte(running.int64(0)))) dead.push_back(running.int64(0));
        }
    }
    if (dead.empty()) return dead;
    // Decide again under the write lock: a runner claims (takes its lock) before it marks the
    // experiment running, and marks it otherwise before it lets go.
    sql::Transaction transaction(db);
    auto mark = db.prepare("UPDATE experiments SET state = 'interrupted', message = ?2, updated_at = ?3 "
                           "WHERE id = ?1 AND state = 'running'");
    auto items = db.prepare("UPDATE experiment_runs SET status = 'interrupted', message = ?2, ended_at = ?3 "
                            "WHERE experiment_id = ?1 AND status = 'running'");
    std::vector<int64_t> marked;
    const double now = unixTimeNow();
    for (int64_t id : dead) {
        if (locks.heldByOther(lockByte(id))) continue;
        mark.bind(1, id).bind(2, kRunnerDiedMessage).bind(3, now);
        mark.run();
        if (db.changes() == 0) continue;
        items.bind(1, id).bind(2, kRunnerDiedMessage).bind(3, now);
        items.run();
        marked.push_back(id);
    }
    transaction.commit();
    return marked;
}

// ---- reading ----

std::vector<ExperimentRecord> RunHistory::listExperiments() const {
    return impl_->query("list the experiments", [&] {
        auto statement = impl_->db.prepare(std::string(kExperimentColumns) + " ORDER BY e.created_at DESC, e.id DESC");
        std::vector<ExperimentRecord> experiments;
        while (statement.step()) experiments.push_back(readExperiment(statement));
        for (auto& e : experiments) e.live = experimentIsLive(e.id);
        return experiments;
    });
}

std::optional<ExperimentRecord> RunHistory::experiment(int64_t experiment_id) const {
    return impl_->query("read an experiment", [&]() -> std::optional<ExperimentRecord> {
        auto statement = impl_->db.prepare(std::string(kExperimentColumns) + " WHERE e.id = ?1");
        statement.bind(1, experiment_id);
        if (!statement.step()) return std::nullopt;
        ExperimentRecord e = readExperiment(statement);
        e.live = experimentIsLive(e.id);
        return e;
    });
}

std::vector<QueueItem> RunHistory::queueOf(int64_t experiment_id) const {
    return impl_->query("read an experiment's queue", [&] {
        auto statement = impl_->db.prepare(std::string(kItemColumns) + " WHERE experiment_id = ?1 ORDER BY position");
        statement.bind(1, experiment_id);
        std::vector<QueueItem> items;
        while (statement.step()) items.push_back(readItem(statement));
        return items;
    });
}

std::optional<std::pair<int64_t, int>> RunHistory::experimentOfRun(int64_t run_id) const {
    return impl_->query("find a run's experiment", [&]() -> std::optional<std::pair<int64_t, int>> {
        auto statement = impl_->db.prepare("SELECT experiment_id, position FROM experiment_runs WHERE run_id = ?1 "
                                           "ORDER BY experiment_id LIMIT 1");
        statement.bind(1, run_id);
        if (!statement.step()) return std::nullopt;
        return std::make_pair(statement.int64(0), static_cast<int>(statement.int64(1)));
    });
}

bool RunHistory::experimentIsLive(int64_t experiment_id) const {
    if (impl_->claimed_experiments.count(experiment_id)) return true;
    if (impl_->locks.isOpen()) return impl_->locks.heldByOther(lockByte(experiment_id));
    const RunLockFile locks = RunLockFile::open(impl_->path, /*create=*/false);
    return locks.heldByOther(lockByte(experiment_id));
}

int64_t RunHistory::experimentListVersion() const {
    return impl_->query("read the experiment list version", [&] {
        return impl_->db.queryInt("SELECT value FROM counters WHERE name = 'experiments_version'");
    });
}

// ---- creating and deleting ----

Result<int64_t> RunHistory::createExperiment(const NewExperiment& experiment) {
    return impl_->edit<int64_t>("create an experiment", [&]() -> Result<int64_t> {
        if (experiment.name.empty()) {
            return StoreError{ErrorKind::InvalidArgument, impl_->path, impl_->path + ": an experiment name cannot be empty"};
        }
        if (experiment.items.empty()) {
            return StoreError{ErrorKind::InvalidArgument, impl_->path,
                              impl_->path + ": experiment '" + experiment.name + "' has no runs"};
        }
        sql::Transaction transaction(impl_->db);
        const double now = unixTimeNow();
        auto insert = impl_->db.prepare(
            "INSERT INTO experiments (uuid, name, kind, spec_json, state, created_at, updated_at, host, notes) "
            "VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5, ?6, ?7)");
        insert.bind(1, newUuid()).bind(2, experiment.name).bind(3, experiment.kind.empty() ? "grid" : experiment.kind);
        insert.bind(4, experiment.spec_json).bind(5, now).bind(6, hostName()).bind(7, experiment.notes);
        insert.run();
        const int64_t id = impl_->db.lastInsertRowId();
        auto item = impl_->db.prepare(
            "INSERT INTO experiment_runs (experiment_id, position, label, config_json, status) VALUES (?1, ?2, ?3, ?4, 'queued')");
        int position = 0;
        for (const NewQueueItem& entry : experiment.items) {
            item.bind(1, id).bind(2, position++).bind(3, entry.label).bind(4, entry.config_json);
            item.run();
        }
        transaction.commit();
        return id;
    });
}

Result<void> RunHistory::deleteExperiment(int64_t experiment_id, bool with_runs) {
    return impl_->edit<void>("delete experiment " + std::to_string(experiment_id), [&]() -> Result<void> {
        if (!experimentExists(impl_->db, experiment_id)) return noSuchExperiment(impl_->path, experiment_id);
        if (experimentIsLive(experiment_id)) {
            return StoreError{ErrorKind::RunIsLive, impl_->path,
                              impl_->path + ": cannot delete experiment " + std::to_string(experiment_id) +
                                  ": it is being run; pause or cancel it first"};
        }
        std::vector<int64_t> runs;
        if (with_runs) {
            auto statement = impl_->db.prepare(
                "SELECT run_id FROM run_tags WHERE tag = ?2 UNION "
                "SELECT run_id FROM experiment_runs WHERE experiment_id = ?1 AND run_id IS NOT NULL");
            statement.bind(1, experiment_id).bind(2, experimentTag(experiment_id));
            while (statement.step()) runs.push_back(statement.int64(0));
            for (int64_t run_id : runs) {
                if (impl_->locks.heldByOther(run_id)) {
                    return StoreError{ErrorKind::RunIsLive, impl_->path,
                                      impl_->path + ": cannot delete experiment " + std::to_string(experiment_id) +
                                          ": its run " + std::to_string(run_id) + " is being recorded"};
                }
            }
        }
        sql::Transaction transaction(impl_->db);
        for (int64_t run_id : runs) {
            for (const char* table : {"worker_points", "run_points", "distance_snapshots", "latest_values", "run_tags",
                                      "setting_changes", "run_messages", "runs"}) {
                auto statement = impl_->db.prepare(std::string("DELETE FROM ") + table +
                                                   (std::string_view(table) == "runs" ? " WHERE id = ?1" : " WHERE run_id = ?1"));
                statement.bind(1, run_id);
                statement.run();
            }
        }
        for (const char* sql : {"DELETE FROM experiment_runs WHERE experiment_id = ?1", "DELETE FROM experiments WHERE id = ?1"}) {
            auto statement = impl_->db.prepare(sql);
            statement.bind(1, experiment_id);
            statement.run();
        }
        transaction.commit();
        return {};
    });
}

// ---- the runner's side ----

Result<ExperimentClaim> RunHistory::claimExperiment(int64_t experiment_id, bool rerun_interrupted) {
    return impl_->edit<ExperimentClaim>("claim experiment " + std::to_string(experiment_id),
                                        [&]() -> Result<ExperimentClaim> {
        if (!experimentExists(impl_->db, experiment_id)) return noSuchExperiment(impl_->path, experiment_id);
        const bool already = impl_->claimed_experiments.count(experiment_id) > 0;
        if (!already && !impl_->locks.lock(lockByte(experiment_id))) {
            return StoreError{ErrorKind::RunIsLive, impl_->path,
                              impl_->path + ": experiment " + std::to_string(experiment_id) +
                                  " is being run by another process (or window); wait for it, or pause it there"};
        }
        auto giveBack = [&] {
            if (!already) impl_->locks.unlock(lockByte(experiment_id));
        };
        try {
            sql::Transaction transaction(impl_->db);
            ExperimentClaim claim;
            {
                auto state = impl_->db.prepare("SELECT state FROM experiments WHERE id = ?1");
                state.bind(1, experiment_id);
                state.step();
                ExperimentState current = ExperimentState::Queued;
                parseExperimentState(state.text(0), &current);
                if (current == ExperimentState::Cancelled) {
                    giveBack();
                    return StoreError{ErrorKind::InvalidArgument, impl_->path,
                                      impl_->path + ": experiment " + std::to_string(experiment_id) +
                                          " was cancelled; its runs cannot be resumed"};
                }
            }
            {
                auto stale = impl_->db.prepare("SELECT position FROM experiment_runs WHERE experiment_id = ?1 AND "
                                               "status IN ('running', 'interrupted') ORDER BY position");
                stale.bind(1, experiment_id);
                while (stale.step()) {
                    (rerun_interrupted ? claim.requeued : claim.skipped).push_back(static_cast<int>(stale.int64(0)));
                }
            }
            const double now = unixTimeNow();
            auto requeue = impl_->db.prepare(
                "UPDATE experiment_runs SET status = ?2, message = ?3, ended_at = COALESCE(ended_at, ?4) "
                "WHERE experiment_id = ?1 AND status IN ('running', 'interrupted')");
            requeue.bind(1, experiment_id)
                .bind(2, rerun_interrupted ? "queued" : "skipped")
                .bind(3, rerun_interrupted ? "interrupted; queued again to run from the start"
                                           : "interrupted; skipped when the experiment was resumed")
                .bind(4, now);
            requeue.run();
            auto mark = impl_->db.prepare(
                "UPDATE experiments SET state = 'running', message = '', host = ?2, updated_at = ?3 WHERE id = ?1");
            mark.bind(1, experiment_id).bind(2, hostName()).bind(3, now);
            mark.run();
            transaction.commit();
            impl_->claimed_experiments.insert(experiment_id);
            auto record = experiment(experiment_id);
            claim.experiment = record.value_or(ExperimentRecord{});
            return claim;
        } catch (...) {
            giveBack();
            throw;
        }
    });
}

Result<std::optional<QueueItem>> RunHistory::startNextItem(int64_t experiment_id) {
    return impl_->edit<std::optional<QueueItem>>("start the next run of experiment " + std::to_string(experiment_id),
                                                 [&]() -> Result<std::optional<QueueItem>> {
        sql::Transaction transaction(impl_->db);
        auto next = impl_->db.prepare(std::string(kItemColumns) +
                                      " WHERE experiment_id = ?1 AND status = 'queued' ORDER BY position LIMIT 1");
        next.bind(1, experiment_id);
        if (!next.step()) return std::optional<QueueItem>{};
        QueueItem item = readItem(next);
        next.reset();
        const double now = unixTimeNow();
        auto mark = impl_->db.prepare(
            "UPDATE experiment_runs SET status = 'running', attempts = attempts + 1, run_id = NULL, message = '', "
            "started_at = ?3, ended_at = NULL WHERE experiment_id = ?1 AND position = ?2");
        mark.bind(1, experiment_id).bind(2, item.position).bind(3, now);
        mark.run();
        auto touch = impl_->db.prepare("UPDATE experiments SET updated_at = ?2 WHERE id = ?1");
        touch.bind(1, experiment_id).bind(2, now);
        touch.run();
        transaction.commit();
        item.status = QueueItemStatus::Running;
        item.attempts += 1;
        item.run_id = 0;
        item.message.clear();
        item.started_at = now;
        item.ended_at = kNoValue;
        return std::optional<QueueItem>(item);
    });
}

Result<void> RunHistory::linkRun(int64_t experiment_id, int position, int64_t run_id) {
    return impl_->edit<void>("link a run to experiment " + std::to_string(experiment_id), [&]() -> Result<void> {
        sql::Transaction transaction(impl_->db);
        auto link = impl_->db.prepare("UPDATE experiment_runs SET run_id = ?3 WHERE experiment_id = ?1 AND position = ?2");
        link.bind(1, experiment_id).bind(2, position).bind(3, run_id);
        link.run();
        if (impl_->db.changes() == 0) return noSuchExperiment(impl_->path, experiment_id);
        auto tag = impl_->db.prepare("INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?1, ?2)");
        tag.bind(1, run_id).bind(2, experimentTag(experiment_id));
        tag.run();
        transaction.commit();
        return {};
    });
}

Result<void> RunHistory::finishItem(int64_t experiment_id, int position, QueueItemStatus status, const std::string& message) {
    return impl_->edit<void>("update the queue of experiment " + std::to_string(experiment_id), [&]() -> Result<void> {
        sql::Transaction transaction(impl_->db);
        const double now = unixTimeNow();
        auto update = impl_->db.prepare(
            "UPDATE experiment_runs SET status = ?3, message = ?4, ended_at = ?5 WHERE experiment_id = ?1 AND position = ?2");
        update.bind(1, experiment_id).bind(2, position).bind(3, toString(status)).bind(4, message).bind(5, now);
        update.run();
        if (impl_->db.changes() == 0) return noSuchExperiment(impl_->path, experiment_id);
        auto touch = impl_->db.prepare("UPDATE experiments SET updated_at = ?2 WHERE id = ?1");
        touch.bind(1, experiment_id).bind(2, now);
        touch.run();
        transaction.commit();
        return {};
    });
}

Result<int> RunHistory::cancelQueued(int64_t experiment_id) {
    return impl_->edit<int>("cancel the queue of experiment " + std::to_string(experiment_id), [&]() -> Result<int> {
        auto update = impl_->db.prepare(
            "UPDATE experiment_runs SET status = 'cancelled', message = 'cancelled before it started' "
            "WHERE experiment_id = ?1 AND status = 'queued'");
        update.bind(1, experiment_id);
        update.run();
        return static_cast<int>(impl_->db.changes());
    });
}

Result<void> RunHistory::releaseExperiment(int64_t experiment_id, ExperimentState state, const std::string& message) {
    Result<void> result = impl_->edit<void>("update experiment " + std::to_string(experiment_id), [&]() -> Result<void> {
        auto update = impl_->db.prepare("UPDATE experiments SET state = ?2, message = ?3, updated_at = ?4 WHERE id = ?1");
        update.bind(1, experiment_id).bind(2, toString(state)).bind(3, message).bind(4, unixTimeNow());
        update.run();
        if (impl_->db.changes() == 0) return noSuchExperiment(impl_->path, experiment_id);
        return {};
    });
    // Let go even when the write failed: the next open then finds it `running` and unlocked,
    // and marks it interrupted.
    if (impl_->claimed_experiments.erase(experiment_id) > 0) impl_->locks.unlock(lockByte(experiment_id));
    return result;
}

}  // namespace gossiplab::store
