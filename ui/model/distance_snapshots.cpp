#include "ui/model/distance_snapshots.h"

#include <cstring>

#include "core/store/double_blob.h"
#include "core/store/sqlite_db.h"

namespace gossiplab::ui {

namespace {

using store::sql::Database;

Database openReadOnly(const std::string& path) { return Database::open(path, Database::Access::ReadOnly, 2000); }

}  // namespace

void DistanceSnapshots::clear() {
    index_.clear();
    path_.clear();
    run_id_ = 0;
}

bool DistanceSnapshots::load(const std::string& history_path, int64_t run_id, std::string* error) {
    clear();
    try {
        Database db = openReadOnly(history_path);
        auto statement = db.prepare(
            "SELECT seq, iteration, images, wall_s FROM distance_snapshots WHERE run_id = ?1 ORDER BY seq");
        statement.bind(1, run_id);
        while (statement.step())
            index_.push_back({statement.int64(0), {statement.int64(1), statement.int64(2), statement.real(3)}});
    } catch (const std::exception& e) {
        index_.clear();
        if (error) *error = std::string("cannot read the distance snapshots of run ") + std::to_string(run_id) +
                            " in " + history_path + ": " + e.what();
        return false;
    }
    path_ = history_path;
    run_id_ = run_id;
    return true;
}

std::optional<DistanceGrid> DistanceSnapshots::grid(int i) const {
    if (i < 0 || i >= count()) return std::nullopt;
    try {
        Database db = openReadOnly(path_);
        auto statement = db.prepare("SELECT workers, distances FROM distance_snapshots WHERE run_id = ?1 AND seq = ?2");
        statement.bind(1, run_id_).bind(2, index_[static_cast<size_t>(i)].seq);
        if (!statement.step()) return std::nullopt;
        DistanceGrid grid;
        grid.at = index_[static_cast<size_t>(i)].at;
        grid.workers = static_cast<int>(statement.int64(0));
        grid.distances = store::decodeDoubles(statement.blob(1));
        if (grid.workers <= 0 || grid.distances.size() != size_t(grid.workers) * size_t(grid.workers)) return std::nullopt;
        return grid;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace gossiplab::ui
