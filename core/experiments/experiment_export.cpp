#include "core/experiments/experiment_export.h"

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/experiments/analysis.h"
#include "core/experiments/experiment_data.h"
#include "core/store/csv.h"

namespace gossiplab::experiments {

namespace fs = std::filesystem;

namespace {

store::StoreError fileError(const std::string& path, const std::string& why) {
    return {store::ErrorKind::Io, path, path + ": " + why};
}

// Written beside the target and renamed into place: a failed export leaves no truncated file.
store::Result<void> writeFile(const std::string& path, const std::function<void(std::ostream&)>& body) {
    const std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) return fileError(path, "cannot create the file (missing folder or no permission)");
        body(out);
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(partial, ignored);
            return fileError(path, "cannot write the file (is the disk full?)");
        }
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) return fileError(path, "cannot move the finished file into place: " + ec.message());
    return {};
}

}  // namespace

store::Result<ExportSummary> exportExperiment(const store::RunHistory& history, int64_t experiment_id,
                                              const std::string& folder, const ExportOptions& options) {
    std::optional<LoadedExperiment> loaded;
    try {
        loaded = loadExperiment(history, experiment_id, /*with_curves=*/true);
    } catch (const store::HistoryError& e) {
        return e.error();
    }
    if (!loaded) {
        return store::StoreError{store::ErrorKind::NotFound, history.path(),
                                 history.path() + ": there is no experiment " + std::to_string(experiment_id)};
    }
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec || !fs::is_directory(folder)) {
        return fileError(folder, "cannot create the export folder" + (ec ? ": " + ec.message() : std::string()));
    }
    ExportSummary summary;
    const auto path = [&](const std::string& name) { return (fs::path(folder) / name).string(); };
    auto add = [&](const std::string& name, const std::function<void(std::ostream&)>& body) -> store::Result<void> {
        const std::string file = path(name);
        if (auto r = writeFile(file, body); !r) return r;
        summary.files.push_back(file);
        return {};
    };
    const ExperimentData& data = loaded->data;
    const std::vector<int64_t> run_ids = runIdsOf(*loaded);
    summary.runs = static_cast<int>(run_ids.size());

    if (auto r = add("experiment.json", [&](std::ostream& out) { out << loaded->record.spec_json; }); !r) return r.error();

    if (auto r = add("queue.csv", [&](std::ostream& out) {
            store::csv::Writer w(out);
            for (const char* column : {"position", "label", "queue_status", "run_id", "attempts", "run_status", "algorithm",
                                       "p", "easgd_tau", "momentum", "workers", "learning_rate", "seed", "message"})
                w.text(column);
            w.endRow();
            for (size_t k = 0; k < loaded->queue.size(); ++k) {
                const auto& item = loaded->queue[k];
                const RunData& run = data.runs[k];
                w.integer(item.position + 1).text(item.label).text(store::toString(item.status));
                if (run.run_id) w.integer(run.run_id); else w.empty();
                w.integer(item.attempts);
                if (run.run_id) w.text(toString(run.status)); else w.empty();
                w.text(toString(run.config.algorithm)).number(run.config.p);
                if (run.config.algorithm == Algorithm::Easgd) w.integer(run.config.effectiveEasgdTau()); else w.empty();
                w.number(run.config.momentum).integer(run.config.workers).number(run.config.learning_rate);
                w.text(std::to_string(run.config.seed)).text(item.message);
                w.endRow();
            }
        }); !r)
        return r.error();

    const TimeToLossTable table = timeToLossTable(data, options.loss_level);
    if (auto r = add("time_to_loss.csv", [&](std::ostream& out) {
            store::csv::Writer w(out);
            for (const char* column : {"loss_level", "level_is_default", "position", "run_id", "label", "algorithm", "p",
                                       "workers", "learning_rate", "seed", "status", "final_loss", "reached",
                                       "images_per_worker", "wall_time_s"})
                w.text(column);
            w.endRow();
            for (const auto& row : table.rows) {
                w.number(table.level).text(table.level_is_default ? "true" : "false").integer(row.position + 1);
                w.integer(row.run_id).text(row.label).text(toString(row.algorithm)).number(row.p).integer(row.workers);
                w.number(row.learning_rate).text(std::to_string(row.seed)).text(toString(row.status)).number(row.final_loss);
                w.text(row.crossing.reached ? "true" : "false").number(row.crossing.images).number(row.crossing.wall_s);
                w.endRow();
            }
        }); !r)
        return r.error();

    if (auto r = add("time_to_loss_ratios.csv", [&](std::ostream& out) {
            store::csv::Writer w(out);
            for (const char* column : {"loss_level", "p", "easgd_tau", "workers", "learning_rate", "seed", "seed_count",
                                       "gosgd", "eamsgd", "images_ratio", "wall_time_ratio"})
                w.text(column);
            w.endRow();
            for (const auto& ratio : table.ratios) {
                w.number(table.level).number(ratio.p).integer(ratio.easgd_tau).integer(ratio.workers).number(ratio.learning_rate);
                if (ratio.seed_count > 1) w.empty(); else w.text(std::to_string(ratio.seed));
                w.integer(ratio.seed_count).text(ratio.gosgd_label).text(ratio.easgd_label);
                w.number(ratio.images_ratio).number(ratio.wall_ratio);
                w.endRow();
            }
        }); !r)
        return r.error();

    if (const auto parameter = defaultSweepParameter(data)) {
        const std::string name = "metrics_vs_" + toString(*parameter) + ".csv";
        if (auto r = add(name, [&](std::ostream& out) {
                store::csv::Writer w(out);
                for (const char* column : {"parameter", "line", "algorithm", "x", "metric", "mean", "min", "max", "stddev",
                                           "count", "run_ids"})
                    w.text(column);
                w.endRow();
                for (Metric metric : allMetrics()) {
                    const auto series = metricVsParameter(data, metric, *parameter);
                    for (const auto& line : series.lines) {
                        for (const auto& point : line.points) {
                            std::string ids;
                            for (int64_t id : point.run_ids) ids += (ids.empty() ? "" : " ") + std::to_string(id);
                            w.text(toString(*parameter)).text(line.label).text(toString(line.algorithm)).number(point.x);
                            w.text(toString(metric)).number(point.mean).number(point.min).number(point.max);
                            w.number(point.stddev).integer(point.count).text(ids);
                            w.endRow();
                        }
                    }
                }
            }); !r)
            return r.error();
    }

    if (!run_ids.empty()) {
        if (auto r = history.exportRunsCsvFile(run_ids, path("runs.csv")); !r) return r.error();
        summary.files.push_back(path("runs.csv"));
        if (options.series) {
            if (auto r = history.exportSeriesCsvFile(run_ids, path("series.csv")); !r) return r.error();
            summary.files.push_back(path("series.csv"));
        }
    }
    return summary;
}

}  // namespace gossiplab::experiments
