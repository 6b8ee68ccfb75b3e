// Reading a history: the run list, one run, series, latest values, distances, event logs.

#include <string>

#include "core/store/decimate.h"
#include "core/store/double_blob.h"
#include "core/store/history_impl.h"
#include "core/store/string_list.h"

namespace gossiplab::store {

namespace {

// The run list's columns. Final metrics fall back to the latest recorded value of the matching
// series, so a running or interrupted run shows where it got to.
constexpr const char* kRunColumns = R"sql(
    SELECT r.id, r.uuid, r.name, r.algorithm, r.status, r.created_at, r.started_at, r.ended_at,
           r.host, r.seed, r.workers, r.notes, r.message, r.config_json,
           r.parameter_count, r.model_description, r.dataset_description, r.train_size, r.test_size,
           r.images_budget, r.worker_devices, r.intra_op_threads,
           r.progress, r.images_done,
           COALESCE(r.wall_s, r.elapsed_s, r.ended_at - r.started_at) AS duration_s,
           COALESCE(r.messages, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 8 AND worker = -1)),
           COALESCE(r.final_mean_loss, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 6 AND worker = -1)) AS mean_loss,
           COALESCE(r.final_test_loss, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 10 AND worker = -1)),
           COALESCE(r.final_test_accuracy, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 11 AND worker = -1)) AS test_accuracy,
           COALESCE(r.consensus_distance, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 12 AND worker = -1)),
           COALESCE(r.alpha_sum, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 7 AND worker = -1)),
           COALESCE(r.images_per_second, (SELECT value FROM latest_values WHERE run_id = r.id AND series_id = 9 AND worker = -1)),
           r.worker_final_loss,
           (SELECT json_group_array(tag) FROM (SELECT tag FROM run_tags WHERE run_id = r.id ORDER BY tag))
    FROM runs r
)sql";

RunRecord readRunRecord(const sql::Statement& row) {
    RunRecord run;
    int c = 0;
    run.id = row.int64(c++);
    run.uuid = row.text(c++);
    run.name = row.text(c++);
    run.algorithm = row.text(c++);
    parseRunStatus(row.text(c++), &run.status);
    run.created_at = row.real(c++);
    run.started_at = row.real(c++);
    run.ended_at = row.real(c++);
    run.host = row.text(c++);
    run.seed = static_cast<uint64_t>(row.int64(c++));
    run.workers = static_cast<int>(row.int64(c++));
    run.notes = row.text(c++);
    run.message = row.text(c++);
    run.config_json = row.text(c++);
    run.parameter_count = row.int64(c++);
    run.model_description = row.text(c++);
    run.dataset_description = row.text(c++);
    run.train_size = row.int64(c++);
    run.test_size = row.int64(c++);
    run.images_budget = row.int64(c++);
    run.worker_devices = row.text(c++);
    run.intra_op_threads = static_cast<int>(row.int64(c++));
    run.progress = row.real(c++);
    run.images_done = row.int64(c++);
    run.duration_s = row.real(c++);
    run.messages = row.int64(c++);
    run.mean_loss = row.real(c++);
    run.test_loss = row.real(c++);
    run.test_accuracy = row.real(c++);
    run.consensus_distance = row.real(c++);
    run.alpha_sum = row.real(c++);
    run.images_per_second = row.real(c++);
    run.worker_final_loss = decodeDoubles(row.blob(c++));
    run.tags = decodeStringList(row.text(c++)).value_or(std::vector<std::string>{});
    return run;
}

const char* orderColumn(RunSort sort) {
    switch (sort) {
        case RunSort::Id: return "r.id";
        case RunSort::Created: return "r.created_at";
        case RunSort::Name: return "r.name";
        case RunSort::Status: return "r.status";
        case RunSort::Algorithm: return "r.algorithm";
        case RunSort::Duration: return "duration_s";
        case RunSort::MeanLoss: return "mean_loss";
        case RunSort::TestAccuracy: return "test_accuracy";
    }
    return "r.id";
}

SeriesPoint readPoint(const sql::Statement& row, int first_column) {
    SeriesPoint point;
    point.seq = row.int64(first_column);
    point.iteration = row.int64(first_column + 1);
    point.images = row.int64(first_column + 2);
    point.wall_s = row.real(first_column + 3);
    point.value = row.real(first_column + 4);
    return point;
}

}  // namespace

bool RunHistory::Impl::runExists(int64_t run_id) const {
    auto statement = db.prepare("SELECT 1 FROM runs WHERE id = ?1");
    statement.bind(1, run_id);
    return statement.step();
}

std::vector<RunRecord> RunHistory::listRuns(const RunFilter& filter) const {
    return impl_->query("list the runs", [&] {
        std::string sql = kRunColumns;
        std::vector<std::string> conditions;
        auto placeholders = [](size_t count, int first) {
            std::string list;
            for (size_t i = 0; i < count; ++i) list += (i ? ", ?" : "?") + std::to_string(first + static_cast<int>(i));
            return list;
        };
        // Parameters: ?1 text, ?2 tag, ?3 limit, ?4 offset, then the statuses, then the algorithms.
        if (!filter.text.empty()) {
            conditions.push_back(
                "(instr(lower(r.name), lower(?1)) > 0 OR instr(lower(r.notes), lower(?1)) > 0 OR "
                "instr(lower(r.host), lower(?1)) > 0 OR EXISTS (SELECT 1 FROM run_tags t "
                "WHERE t.run_id = r.id AND instr(lower(t.tag), lower(?1)) > 0))");
        }
        if (!filter.tag.empty()) conditions.push_back("EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = r.id AND t.tag = ?2)");
        const int first_status = 5;
        const int first_algorithm = first_status + static_cast<int>(filter.statuses.size());
        if (!filter.statuses.empty()) conditions.push_back("r.status IN (" + placeholders(filter.statuses.size(), first_status) + ")");
        if (!filter.algorithms.empty()) {
            conditions.push_back("r.algorithm IN (" + placeholders(filter.algorithms.size(), first_algorithm) + ")");
        }
        for (size_t i = 0; i < conditions.size(); ++i) sql += (i == 0 ? " WHERE " : " AND ") + conditions[i];
        sql += std::string(" ORDER BY ") + orderColumn(filter.sort) + (filter.descending ? " DESC" : " ASC") +
               " NULLS LAST, r.id " + (filter.descending ? "DESC" : "ASC");
        sql += " LIMIT ?3 OFFSET ?4";

        auto statement = impl_->db.prepare(sql);
        if (!filter.text.empty()) statement.bind(1, filter.text);
        if (!filter.tag.empty()) statement.bind(2, filter.tag);
        statement.bind(3, filter.limit > 0 ? filter.limit : int64_t{-1});
        statement.bind(4, filter.offset);
        for (size_t i = 0; i < filter.statuses.size(); ++i) {
            statement.bind(first_status + static_cast<int>(i), toString(filter.statuses[i]));
        }
        for (size_t i = 0; i < filter.algorithms.size(); ++i) {
            statement.bind(first_algorithm + static_cast<int>(i), filter.algorithms[i]);
        }
        std::vector<RunRecord> runs;
        while (statement.step()) runs.push_back(readRunRecord(statement));
        return runs;
    });
}

std::optional<RunRecord> RunHistory::run(int64_t run_id) const {
    return impl_->query("read a run", [&]() -> std::optional<RunRecord> {
        auto statement = impl_->db.prepare(std::string(kRunColumns) + " WHERE r.id = ?1");
        statement.bind(1, run_id);
        if (!statement.step()) return std::nullopt;
        return readRunRecord(statement);
    });
}

std::optional<RunConfig> RunHistory::config(int64_t run_id, std::vector<ConfigError>* errors) const {
    const std::optional<RunRecord> record = run(run_id);
    if (!record) {
        if (errors) errors->push_back({"run", "there is no run " + std::to_string(run_id) + " in " + impl_->path});
        return std::nullopt;
    }
    return fromJson(record->config_json, errors);
}

std::vector<SeriesKey> RunHistory::seriesOf(int64_t run_id) const {
    return impl_->query("list the series of a run", [&] {
        auto statement = impl_->db.prepare(
            "SELECT s.name, v.worker FROM latest_values v JOIN series s ON s.id = v.series_id "
            "WHERE v.run_id = ?1 ORDER BY v.series_id, v.worker");
        statement.bind(1, run_id);
        std::vector<SeriesKey> keys;
        while (statement.step()) keys.push_back({statement.text(0), static_cast<int>(statement.int64(1))});
        return keys;
    });
}

std::vector<SeriesPoint> RunHistory::readSeries(int64_t run_id, std::string_view series_name, int worker,
                                                const ReadOptions& options) const {
    return impl_->query("read a series", [&] {
        std::vector<SeriesPoint> points;
        int64_t series_id = 0;
        {
            auto lookup = impl_->db.prepare("SELECT id FROM series WHERE name = ?1");
            lookup.bind(1, series_name);
            if (!lookup.step()) return points;
            series_id = lookup.int64(0);
        }
        const bool run_level = worker < 0;
        // Both tables are keyed (run, series, [worker,] seq): every query below is a range scan.
        const std::string table = run_level ? "run_points" : "worker_points";
        const std::string where = std::string(" WHERE run_id = ?1 AND series_id = ?2 AND seq > ?3") +
                                  (run_level ? "" : " AND worker = ?4");
        auto prepare = [&](const std::string& sql) {
            auto statement = impl_->db.prepare(sql);
            statement.bind(1, run_id).bind(2, series_id).bind(3, options.after_seq);
            if (!run_level) statement.bind(4, worker);
            return statement;
        };
        auto rows = prepare("SELECT seq, iteration, images, wall_s, value FROM " + table + where + " ORDER BY seq");
        if (options.max_points == 0) {
            while (rows.step()) points.push_back(readPoint(rows, 0));
            return points;
        }
        // The x range for the buckets: the first and the last row (iterations grow with seq).
        auto first = prepare("SELECT iteration FROM " + table + where + " ORDER BY seq ASC LIMIT 1");
        auto last = prepare("SELECT iteration FROM " + table + where + " ORDER BY seq DESC LIMIT 1");
        if (!first.step() || !last.step()) return points;
        MinMaxDecimator decimator(options.max_points, first.int64(0), last.int64(0));
        while (rows.step()) decimator.add(readPoint(rows, 0));
        return decimator.finish();
    });
}

std::vector<LatestValue> RunHistory::latestValues(int64_t run_id) const {
    return impl_->query("read the latest values", [&] {
        auto statement = impl_->db.prepare(
            "SELECT s.name, v.worker, v.seq, v.iteration, v.images, v.wall_s, v.value "
            "FROM latest_values v JOIN series s ON s.id = v.series_id WHERE v.run_id = ?1 ORDER BY v.series_id, v.worker");
        statement.bind(1, run_id);
        std::vector<LatestValue> values;
        while (statement.step()) {
            values.push_back({{statement.text(0), static_cast<int>(statement.int64(1))}, readPoint(statement, 2)});
        }
        return values;
    });
}

std::optional<DistanceMatrix> RunHistory::latestDistances(int64_t run_id) const {
    return impl_->query("read the distance matrix", [&]() -> std::optional<DistanceMatrix> {
        auto statement = impl_->db.prepare(
            "SELECT seq, iteration, images, wall_s, workers, distances FROM distance_snapshots "
            "WHERE run_id = ?1 ORDER BY seq DESC LIMIT 1");
        statement.bind(1, run_id);
        if (!statement.step()) return std::nullopt;
        DistanceMatrix matrix;
        matrix.seq = statement.int64(0);
        matrix.iteration = statement.int64(1);
        matrix.images = statement.int64(2);
        matrix.wall_s = statement.real(3);
        matrix.workers = static_cast<int>(statement.int64(4));
        matrix.distances = decodeDoubles(statement.blob(5));
        return matrix;
    });
}

std::vector<SettingChangeRecord> RunHistory::settingChanges(int64_t run_id) const {
    return impl_->query("read the setting changes", [&] {
        auto statement = impl_->db.prepare(
            "SELECT iteration, images, wall_s, field, old_value, new_value, source FROM setting_changes "
            "WHERE run_id = ?1 ORDER BY id");
        statement.bind(1, run_id);
        std::vector<SettingChangeRecord> changes;
        while (statement.step()) {
            SettingChangeRecord change;
            change.at = {statement.int64(0), statement.int64(1), statement.real(2)};
            change.field = statement.text(3);
            change.old_value = statement.real(4);
            change.new_value = statement.real(5);
            change.source = statement.text(6);
            changes.push_back(std::move(change));
        }
        return changes;
    });
}

std::vector<RunMessage> RunHistory::messages(int64_t run_id) const {
    return impl_->query("read the messages", [&] {
        auto statement = impl_->db.prepare(
            "SELECT created_at, wall_s, text FROM run_messages WHERE run_id = ?1 ORDER BY id");
        statement.bind(1, run_id);
        std::vector<RunMessage> messages;
        while (statement.step()) messages.push_back({statement.real(0), statement.real(1), statement.text(2)});
        return messages;
    });
}

int64_t RunHistory::dataVersion() const {
    return impl_->query("read the data version", [&] { return impl_->db.queryInt("PRAGMA data_version"); });
}

int64_t RunHistory::runListVersion() const {
    return impl_->query("read the run list version",
                        [&] { return impl_->db.queryInt("SELECT value FROM counters WHERE name = 'runs_version'"); });
}

}  // namespace gossiplab::store
