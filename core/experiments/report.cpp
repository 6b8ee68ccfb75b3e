#include "core/experiments/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

namespace gossiplab::experiments {

namespace {

using Row = std::vector<std::string>;

// A column of numbers (or "-", "not reached") is right-aligned; text is left-aligned.
std::vector<bool> numericColumns(const Row& header, const std::vector<Row>& rows) {
    std::vector<bool> numeric(header.size(), true);
    for (size_t k = 0; k < header.size(); ++k) {
        bool any = false;
        for (const auto& row : rows) {
            if (k >= row.size() || row[k].empty() || row[k] == "-" || row[k] == "not reached") continue;
            any = true;
            const char c = row[k][0];
            if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.')) numeric[k] = false;
        }
        if (!any) numeric[k] = false;
    }
    return numeric;
}

std::string render(const Row& header, const std::vector<Row>& rows, TextStyle style) {
    std::string out;
    const std::vector<bool> numeric = numericColumns(header, rows);
    if (style == TextStyle::Markdown) {
        auto line = [&](const Row& row) {
            out += "|";
            for (const auto& cell : row) {
                std::string escaped;
                for (char c : cell) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
                out += " " + escaped + " |";
            }
            out += "\n";
        };
        line(header);
        out += "|";
        for (size_t k = 0; k < header.size(); ++k) out += numeric[k] ? " ---: |" : " --- |";
        out += "\n";
        for (const auto& row : rows) line(row);
        return out;
    }
    std::vector<size_t> width(header.size(), 0);
    auto measure = [&](const Row& row) {
        for (size_t k = 0; k < row.size() && k < width.size(); ++k) width[k] = std::max(width[k], row[k].size());
    };
    measure(header);
    for (const auto& row : rows) measure(row);
    auto line = [&](const Row& row) {
        std::string text = " ";
        for (size_t k = 0; k < row.size(); ++k) {
            const std::string& cell = row[k];
            const size_t pad = width[k] > cell.size() ? width[k] - cell.size() : 0;
            text += numeric[k] ? std::string(pad, ' ') + cell : cell + std::string(pad, ' ');
            text += k + 1 < row.size() ? "  " : "";
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += text + "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
    return out;
}

std::string formatCount(double value) {
    if (!std::isfinite(value)) return "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
}

std::string formatSeconds(double value) {
    if (!std::isfinite(value)) return "-";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, value < 100 ? "%.2f" : "%.1f", value);
    return buffer;
}

std::string formatMetric(Metric metric, double value) {
    if (!std::isfinite(value)) return "-";
    switch (metric) {
        case Metric::TestAccuracy: {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * value);
            return buffer;
        }
        case Metric::Messages: return formatCount(value);
        case Metric::WallTime: return formatSeconds(value);
        case Metric::ImagesPerSecond: return formatCount(value);
        default: return formatValue(value);
    }
}

}  // namespace

std::string formatValue(double value, int significant) {
    if (!std::isfinite(value)) return "-";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*g", significant, value);
    return buffer;
}

std::string queueText(const LoadedExperiment& experiment, TextStyle style) {
    const Row header = {"#", "run", "queue", "run id", "tries", "status", "final loss", "test acc", "time (s)", "note"};
    std::vector<Row> rows;
    for (size_t k = 0; k < experiment.queue.size(); ++k) {
        const auto& item = experiment.queue[k];
        const RunData& run = experiment.data.runs[k];
        std::string note = item.message;
        if (const size_t newline = note.find('\n'); newline != std::string::npos) note = note.substr(0, newline);
        rows.push_back({std::to_string(item.position + 1), item.label, store::toString(item.status),
                        run.run_id ? std::to_string(run.run_id) : "-", std::to_string(item.attempts),
                        run.run_id ? toString(run.status) : "-", formatValue(run.final_loss),
                        formatMetric(Metric::TestAccuracy, run.test_accuracy), formatSeconds(run.wall_s), note});
    }
    return render(header, rows, style);
}

std::string timeToLossText(const TimeToLossTable& table, TextStyle style) {
    std::string out;
    const std::string level = formatValue(table.level);
    out += (style == TextStyle::Markdown ? "Images per worker and wall time to reach training loss L = " + level
                                         : "Time to training loss L = " + level) +
           (table.level_is_default ? " (the worst final loss among the runs)" : "") + "\n";
    if (style == TextStyle::Markdown) out += "\n";
    const Row header = {"run", "status", "final loss", "images/worker to L", "wall time to L (s)"};
    std::vector<Row> rows;
    for (const auto& row : table.rows) {
        rows.push_back({row.label, toString(row.status), formatValue(row.final_loss),
                        row.crossing.reached ? formatCount(row.crossing.images) : "not reached",
                        row.crossing.reached ? formatSeconds(row.crossing.wall_s) : "not reached"});
    }
    out += render(header, rows, style);
    if (!table.ratios.empty()) {
        out += "\n";
        if (style == TextStyle::Markdown) out += "GoSGD / EAMSGD (below 1: GoSGD gets there sooner)\n\n";
        else out += "GoSGD / EAMSGD (below 1: GoSGD gets there sooner)\n";
        const Row ratio_header = {"pair", "images ratio", "wall time ratio"};
        std::vector<Row> ratio_rows;
        for (const auto& ratio : table.ratios) {
            ratio_rows.push_back({ratio.gosgd_label + " / " + ratio.easgd_label +
                                      (ratio.seed_count > 1 ? ", mean of " + std::to_string(ratio.seed_count) + " seeds" : ""),
                                  formatValue(ratio.images_ratio, 3), formatValue(ratio.wall_ratio, 3)});
        }
        out += render(ratio_header, ratio_rows, style);
    }
    return out;
}

std::string timeToLossBySettingText(const TimeToLossTable& table, TextStyle style) {
    const auto settings = timeToLossBySetting(table);
    std::string out = "By setting, over the seeds that reached L = " + formatValue(table.level) + " (mean [min..max])\n";
    if (style == TextStyle::Markdown) out += "\n";
    auto range = [](double mean, double lo, double hi, bool seconds) {
        if (!std::isfinite(mean)) return std::string("not reached");
        auto f = [&](double v) { return seconds ? formatSeconds(v) : formatCount(v); };
        return lo == hi ? f(mean) : f(mean) + " [" + f(lo) + ".." + f(hi) + "]";
    };
    auto spread = [](double mean, double lo, double hi, const auto& format) {
        if (!std::isfinite(mean)) return std::string("-");
        return lo == hi ? format(mean) : format(mean) + " [" + format(lo) + ".." + format(hi) + "]";
    };
    auto value = [](double v) { return formatValue(v); };
    auto percent = [](double v) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.1f%%", 100 * v);
        return std::string(buffer);
    };
    // Over the seeds both reached L; "(n seeds)" when fewer than this setting's runs that reached it.
    auto vsNaive = [](const SettingTimeToLoss& s) {
        if (!std::isfinite(s.images_vs_naive)) return std::string("-");
        std::string text = formatValue(s.images_vs_naive, 3);
        if (s.images_vs_naive_seeds > 0 && s.images_vs_naive_min != s.images_vs_naive_max)
            text += " [" + formatValue(s.images_vs_naive_min, 3) + ".." + formatValue(s.images_vs_naive_max, 3) + "]";
        if (s.images_vs_naive_seeds > 0 && s.images_vs_naive_seeds < s.reached)
            text += " (" + std::to_string(s.images_vs_naive_seeds) + (s.images_vs_naive_seeds == 1 ? " seed)" : " seeds)");
        return text;
    };
    const Row header = {"setting", "reached", "images/worker to L", "wall time to L (s)", "images vs naive", "final loss",
                        "loss fell in last fifth"};
    std::vector<Row> rows;
    for (const auto& s : settings) {
        rows.push_back({s.label, std::to_string(s.reached) + "/" + std::to_string(s.runs),
                        range(s.images_mean, s.images_min, s.images_max, false), range(s.wall_mean, s.wall_min, s.wall_max, true),
                        vsNaive(s), spread(s.final_loss_mean, s.final_loss_min, s.final_loss_max, value),
                        spread(s.last_fifth_fall_mean, s.last_fifth_fall_min, s.last_fifth_fall_max, percent)});
    }
    out += render(header, rows, style);
    return out;
}

std::string metricsText(const ExperimentData& data, SweepParameter parameter, TextStyle style) {
    const std::vector<Metric> metrics = {Metric::ConsensusDistance, Metric::TestAccuracy, Metric::FinalLoss,
                                         Metric::Messages, Metric::WallTime};
    std::vector<MetricVsParameter> series;
    for (Metric metric : metrics) series.push_back(metricVsParameter(data, metric, parameter));
    // Rows: every (line, x) of the first metric that has it; cells: mean [min..max] over seeds.
    std::map<std::pair<std::string, double>, std::vector<std::string>> cells;
    std::vector<std::pair<std::string, double>> order;
    int max_count = 1;
    for (size_t m = 0; m < series.size(); ++m) {
        for (const auto& line : series[m].lines) {
            for (const auto& point : line.points) {
                const auto key = std::make_pair(line.label, point.x);
                auto [it, inserted] = cells.emplace(key, std::vector<std::string>(metrics.size(), "-"));
                if (inserted) order.push_back(key);
                max_count = std::max(max_count, point.count);
                std::string cell = formatMetric(metrics[m], point.mean);
                if (point.count > 1)
                    cell += " [" + formatMetric(metrics[m], point.min) + ".." + formatMetric(metrics[m], point.max) + "]";
                it->second[m] = cell;
            }
        }
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second < b.second;
    });
    Row header = {"line", toString(parameter)};
    for (Metric metric : metrics) header.push_back(describe(metric));
    std::vector<Row> rows;
    for (const auto& key : order) {
        Row row = {key.first, formatValue(key.second)};
        for (const auto& cell : cells[key]) row.push_back(cell);
        rows.push_back(row);
    }
    std::string out = "Final metrics against " + toString(parameter) +
                      (max_count > 1 ? " (mean over seeds [min..max])" : "") + "\n";
    if (style == TextStyle::Markdown) out += "\n";
    return out + render(header, rows, style);
}

std::string finalMetricsBySettingText(const ExperimentData& data, TextStyle style) {
    const std::vector<Metric> metrics = {Metric::TestAccuracy, Metric::ConsensusDistance, Metric::FinalLoss,
                                         Metric::ImagesPerSecond, Metric::WallTime};
    std::vector<std::string> order;
    std::map<std::string, std::vector<const RunData*>> by_setting;
    for (const RunData& run : data.runs) {
        if (run.run_id == 0 || run.status != RunStatus::Finished) continue;
        const std::string label = labelWithoutSeed(run.label);
        if (by_setting[label].empty()) order.push_back(label);
        by_setting[label].push_back(&run);
    }
    Row header = {"setting", "runs"};
    for (Metric metric : metrics) header.push_back(describe(metric));
    std::vector<Row> rows;
    for (const auto& label : order) {
        const auto& runs = by_setting[label];
        Row row = {label, std::to_string(runs.size())};
        for (Metric metric : metrics) {
            double sum = 0.0, lo = kNaN, hi = kNaN;
            int count = 0;
            for (const RunData* run : runs) {
                const double v = metricValue(*run, metric);
                if (!std::isfinite(v)) continue;
                sum += v;
                lo = count == 0 ? v : std::min(lo, v);
                hi = count == 0 ? v : std::max(hi, v);
                ++count;
            }
            std::string cell = count ? formatMetric(metric, sum / count) : "-";
            if (count > 1 && lo != hi) cell += " [" + formatMetric(metric, lo) + ".." + formatMetric(metric, hi) + "]";
            row.push_back(cell);
        }
        rows.push_back(row);
    }
    std::string out = "Final metrics by setting (finished runs; mean [min..max] over seeds)\n";
    if (style == TextStyle::Markdown) out += "\n";
    return out + render(header, rows, style);
}

}  // namespace gossiplab::experiments
