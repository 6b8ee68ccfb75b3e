// Editing a history: rename, tags, notes, delete. One transaction each.

#include <algorithm>
#include <set>

#include "core/store/history_impl.h"

namespace gossiplab::store {

namespace {

// The tables with rows of a run, beside `runs` itself.
constexpr const char* kRunRowTables[] = {"worker_points", "run_points",      "distance_snapshots", "latest_values",
                                         "run_tags",      "setting_changes", "run_messages"};

}  // namespace

Result<void> RunHistory::rename(int64_t run_id, const std::string& name) {
    return impl_->edit<void>("rename run " + std::to_string(run_id), [&]() -> Result<void> {
        if (name.empty()) {
            return StoreError{ErrorKind::InvalidArgument, impl_->path, impl_->path + ": a run name cannot be empty"};
        }
        auto statement = impl_->db.prepare("UPDATE runs SET name = ?2 WHERE id = ?1");
        statement.bind(1, run_id).bind(2, name);
        statement.run();
        if (impl_->db.changes() == 0) return impl_->noSuchRun(run_id);
        return {};
    });
}

Result<void> RunHistory::setNotes(int64_t run_id, const std::string& notes) {
    return impl_->edit<void>("set the notes of run " + std::to_string(run_id), [&]() -> Result<void> {
        auto statement = impl_->db.prepare("UPDATE runs SET notes = ?2 WHERE id = ?1");
        statement.bind(1, run_id).bind(2, notes);
        statement.run();
        if (impl_->db.changes() == 0) return impl_->noSuchRun(run_id);
        return {};
    });
}

Result<void> RunHistory::setTags(int64_t run_id, const std::vector<std::string>& tags) {
    return impl_->edit<void>("set the tags of run " + std::to_string(run_id), [&]() -> Result<void> {
        sql::Transaction transaction(impl_->db);
        if (!impl_->runExists(run_id)) return impl_->noSuchRun(run_id);
        auto clear = impl_->db.prepare("DELETE FROM run_tags WHERE run_id = ?1");
        clear.bind(1, run_id);
        clear.run();
        // A set: duplicates and empty tags mean nothing.
        const std::set<std::string> unique(tags.begin(), tags.end());
        auto insert = impl_->db.prepare("INSERT INTO run_tags (run_id, tag) VALUES (?1, ?2)");
        for (const std::string& tag : unique) {
            if (tag.empty()) continue;
            insert.bind(1, run_id).bind(2, tag);
            insert.run();
        }
        transaction.commit();
        return {};
    });
}

Result<void> RunHistory::deleteRun(int64_t run_id) {
    return impl_->edit<void>("delete run " + std::to_string(run_id), [&]() -> Result<void> {
        if (impl_->locks.heldByOther(run_id)) {
            return StoreError{ErrorKind::RunIsLive, impl_->path,
                              impl_->path + ": cannot delete run " + std::to_string(run_id) +
                                  ": it is being recorded; stop it first"};
        }
        sql::Transaction transaction(impl_->db);
        if (!impl_->runExists(run_id)) return impl_->noSuchRun(run_id);
        for (const char* table : kRunRowTables) {
            auto statement = impl_->db.prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?1");
            statement.bind(1, run_id);
            statement.run();
        }
        auto statement = impl_->db.prepare("DELETE FROM runs WHERE id = ?1");
        statement.bind(1, run_id);
        statement.run();
        // An experiment's queue keeps the item, without its run.
        auto unlink = impl_->db.prepare("UPDATE experiment_runs SET run_id = NULL WHERE run_id = ?1");
        unlink.bind(1, run_id);
        unlink.run();
        transaction.commit();
        return {};
    });
}

}  // namespace gossiplab::store
