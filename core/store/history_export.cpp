// CSV export of a history: the long series format and the runs table (csv.h has the formats).

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <functional>
#include <set>

#include "core/common/json.h"
#include "core/store/csv.h"
#include "core/store/history_impl.h"
#include "core/store/string_list.h"

namespace gossiplab::store {

namespace {

// Writes through a sibling file and renames it into place, so a failure never leaves a truncated
// CSV that looks complete.
Result<void> writeFileAtomically(const std::string& csv_path,
                                 const std::function<Result<void>(std::ostream&)>& write) {
    const std::string partial = csv_path + ".partial-" + std::to_string(::getpid());
    Result<void> result;
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) {
            return StoreError{ErrorKind::CannotOpen, csv_path, csv_path + ": cannot create the CSV file (missing folder or no permission)"};
        }
        result = write(out);
        out.close();
        if (result.ok() && !out) {
            result = StoreError{ErrorKind::Io, csv_path, csv_path + ": cannot write the CSV file (is the disk full?)"};
        }
    }
    if (result.ok() && std::rename(partial.c_str(), csv_path.c_str()) != 0) {
        result = StoreError{ErrorKind::Io, csv_path, csv_path + ": cannot move the finished CSV into place"};
    }
    if (!result.ok()) std::remove(partial.c_str());
    return result;
}

}  // namespace

Result<void> RunHistory::exportSeriesCsv(const std::vector<int64_t>& run_ids, std::ostream& out) const {
    try {
        // Every id is checked before the first byte is written.
        std::vector<std::pair<int64_t, std::string>> runs;
        auto name_of = impl_->db.prepare("SELECT name FROM runs WHERE id = ?1");
        for (int64_t run_id : run_ids) {
            name_of.bind(1, run_id);
            if (!name_of.step()) return impl_->noSuchRun(run_id);
            runs.emplace_back(run_id, name_of.text(0));
            name_of.reset();
        }

        csv::Writer writer(out);
        for (std::string_view column : csv::kSeriesColumns) writer.text(column);
        writer.endRow();
        // In key order (series id, worker, seq): a plain scan of each table's primary key.
        auto worker_rows = impl_->db.prepare(
            "SELECT s.name, p.worker, p.iteration, p.images, p.wall_s, p.value FROM worker_points p "
            "JOIN series s ON s.id = p.series_id WHERE p.run_id = ?1 ORDER BY p.series_id, p.worker, p.seq");
        auto run_rows = impl_->db.prepare(
            "SELECT s.name, -1, p.iteration, p.images, p.wall_s, p.value FROM run_points p "
            "JOIN series s ON s.id = p.series_id WHERE p.run_id = ?1 ORDER BY p.series_id, p.seq");
        for (const auto& [run_id, name] : runs) {
            const std::string quoted_name = csv::quoteField(name);  // once per run, not per row
            for (sql::Statement* rows : {&worker_rows, &run_rows}) {
                rows->bind(1, run_id);
                while (rows->step()) {
                    writer.integer(run_id)
                        .quoted(quoted_name)
                        .text(rows->text(0))
                        .integer(rows->int64(1))
                        .integer(rows->int64(2))
                        .integer(rows->int64(3))
                        .number(rows->real(4))
                        .number(rows->real(5))
                        .endRow();
                }
                rows->reset();
                if (!writer.ok()) return StoreError{ErrorKind::Io, impl_->path, impl_->path + ": the CSV output failed"};
            }
        }
        return {};
    } catch (const sql::SqliteFailure& failure) {
        return sql::describe(failure, impl_->path, "export the series");
    }
}

Result<void> RunHistory::exportRunsCsv(const std::vector<int64_t>& run_ids, std::ostream& out) const {
    std::vector<RunRecord> runs;
    try {
        if (run_ids.empty()) {
            RunFilter all;
            all.sort = RunSort::Id;
            all.descending = false;
            runs = listRuns(all);
        } else {
            for (int64_t run_id : run_ids) {
                auto record = run(run_id);
                if (!record) return impl_->noSuchRun(run_id);
                runs.push_back(std::move(*record));
            }
        }
    } catch (const HistoryError& failure) {
        return failure.error();
    }

    // The config columns: every key any of these runs has, so runs of different versions line up.
    std::vector<std::map<std::string, std::string>> configs;
    std::set<std::string> keys;
    for (const RunRecord& run : runs) {
        std::string ignored;
        configs.push_back(json::parseFlatObject(run.config_json, &ignored).value_or(std::map<std::string, std::string>{}));
        for (const auto& entry : configs.back()) keys.insert(entry.first);
    }

    csv::Writer writer(out);
    for (std::string_view column : csv::kRunsLeadingColumns) writer.text(column);
    for (const std::string& key : keys) writer.text("config." + key);
    writer.endRow();
    for (size_t i = 0; i < runs.size(); ++i) {
        const RunRecord& run = runs[i];
        writer.integer(run.id).text(run.uuid).text(run.name).text(run.algorithm).text(toString(run.status));
        writer.text(csv::formatTimestamp(run.created_at))
            .text(csv::formatTimestamp(run.started_at))
            .text(csv::formatTimestamp(run.ended_at))
            .number(run.duration_s);
        writer.text(run.host).text(std::to_string(run.seed)).integer(run.workers);
        writer.text(encodeStringList(run.tags)).text(run.notes).text(run.message);
        writer.number(run.progress).integer(run.images_done).integer(run.messages);
        writer.number(run.mean_loss)
            .number(run.test_loss)
            .number(run.test_accuracy)
            .number(run.consensus_distance)
            .number(run.alpha_sum)
            .number(run.images_per_second);
        writer.integer(run.parameter_count).text(run.model_description).text(run.dataset_description);
        for (const std::string& key : keys) {
            auto found = configs[i].find(key);
            if (found == configs[i].end()) writer.empty();
            else writer.text(found->second);
        }
        writer.endRow();
    }
    if (!writer.ok()) return StoreError{ErrorKind::Io, impl_->path, impl_->path + ": the CSV output failed"};
    return {};
}

Result<void> RunHistory::exportSeriesCsvFile(const std::vector<int64_t>& run_ids, const std::string& csv_path) const {
    return writeFileAtomically(csv_path, [&](std::ostream& out) { return exportSeriesCsv(run_ids, out); });
}

Result<void> RunHistory::exportRunsCsvFile(const std::vector<int64_t>& run_ids, const std::string& csv_path) const {
    return writeFileAtomically(csv_path, [&](std::ostream& out) { return exportRunsCsv(run_ids, out); });
}

}  // namespace gossiplab::store
