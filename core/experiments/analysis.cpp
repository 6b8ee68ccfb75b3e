#include "core/experiments/analysis.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <cmath>
#include <map>
#include <sstream>

namespace gossiplab::experiments {

namespace {

std::string fmt(double value) {
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
}

bool countsForLevel(const RunData& run) {
    return run.run_id != 0 && (run.status == RunStatus::Finished || run.status == RunStatus::Diverged);
}

bool finishedRun(const RunData& run) { return run.run_id != 0 && run.status == RunStatus::Finished; }

std::string algorithmName(const RunConfig& config) {
    if (config.algorithm == Algorithm::Easgd) return config.momentum > 0.0 ? "eamsgd" : "easgd";
    return toString(config.algorithm);
}

}  // namespace

// ---- time to loss ----

LossCrossing timeToLoss(const std::vector<CurvePoint>& curve, double level) {
    LossCrossing crossing;
    if (!std::isfinite(level)) return crossing;
    const CurvePoint* previous = nullptr;
    for (const CurvePoint& point : curve) {
        if (!std::isfinite(point.value)) continue;
        if (point.value <= level) {
            crossing.reached = true;
            if (!previous || previous->value <= level) {
                crossing.images = point.images;
                crossing.wall_s = point.wall_s;
            } else {
                const double t = (previous->value - level) / (previous->value - point.value);
                crossing.images = previous->images + t * (point.images - previous->images);
                crossing.wall_s = previous->wall_s + t * (point.wall_s - previous->wall_s);
            }
            return crossing;
        }
        previous = &point;
    }
    return crossing;
}

double lossFallOverLastFifth(const std::vector<CurvePoint>& curve) {
    std::vector<const CurvePoint*> finite;
    for (const CurvePoint& point : curve)
        if (std::isfinite(point.value) && std::isfinite(point.images)) finite.push_back(&point);
    if (finite.size() < 2) return kNaN;
    const CurvePoint& last = *finite.back();
    const double at = 0.8 * last.images;
    double before = finite.front()->value;  // a curve that starts after 0.8 E: its first value
    for (size_t k = 1; k < finite.size(); ++k) {
        const CurvePoint& a = *finite[k - 1];
        const CurvePoint& b = *finite[k];
        if (b.images < at) continue;
        before = a.images >= at || b.images == a.images ? a.value
                                                         : a.value + (at - a.images) / (b.images - a.images) * (b.value - a.value);
        break;
    }
    if (!(before > 0.0)) return kNaN;
    return (before - last.value) / before;
}

double defaultLossLevel(const ExperimentData& data) {
    double worst = kNaN;
    for (const RunData& run : data.runs) {
        if (!countsForLevel(run) || !std::isfinite(run.final_loss)) continue;
        if (!std::isfinite(worst) || run.final_loss > worst) worst = run.final_loss;
    }
    return worst;
}

std::string labelWithoutSeed(const std::string& label) {
    const size_t at = label.rfind(" seed=");
    if (at == std::string::npos) return label;
    const size_t end = label.find(' ', at + 1);
    return label.substr(0, at) + (end == std::string::npos ? std::string() : label.substr(end));
}

std::vector<SettingTimeToLoss> timeToLossBySetting(const TimeToLossTable& table) {
    std::vector<SettingTimeToLoss> out;
    struct Values {
        std::vector<double> images, wall, loss, fall;
        std::map<uint64_t, double> images_by_seed;  // the seeds that reached L
    };
    std::vector<Values> values;
    for (const auto& row : table.rows) {
        const std::string label = labelWithoutSeed(row.label);
        auto it = std::find_if(out.begin(), out.end(), [&](const SettingTimeToLoss& s) { return s.label == label; });
        if (it == out.end()) {
            out.push_back({});
            out.back().label = label;
            out.back().algorithm = row.algorithm;
            values.push_back({});
            it = out.end() - 1;
        }
        Values& v = values[static_cast<size_t>(it - out.begin())];
        ++it->runs;
        if (std::isfinite(row.final_loss)) v.loss.push_back(row.final_loss);
        if (std::isfinite(row.last_fifth_fall)) v.fall.push_back(row.last_fifth_fall);
        if (row.crossing.reached) {
            ++it->reached;
            v.images.push_back(row.crossing.images);
            v.wall.push_back(row.crossing.wall_s);
            v.images_by_seed[row.seed] = row.crossing.images;
        }
    }
    auto summarize = [](const std::vector<double>& xs, double& mean, double& lo, double& hi) {
        if (xs.empty()) return;
        double sum = 0.0;
        for (double x : xs) sum += x;
        mean = sum / static_cast<double>(xs.size());
        lo = *std::min_element(xs.begin(), xs.end());
        hi = *std::max_element(xs.begin(), xs.end());
    };
    const Values* naive = nullptr;
    double naive_images = kNaN;
    int naive_settings = 0;
    for (size_t k = 0; k < out.size(); ++k) {
        summarize(values[k].images, out[k].images_mean, out[k].images_min, out[k].images_max);
        summarize(values[k].wall, out[k].wall_mean, out[k].wall_min, out[k].wall_max);
        summarize(values[k].loss, out[k].final_loss_mean, out[k].final_loss_min, out[k].final_loss_max);
        summarize(values[k].fall, out[k].last_fifth_fall_mean, out[k].last_fifth_fall_min, out[k].last_fifth_fall_max);
        if (out[k].algorithm == Algorithm::Naive) {
            naive = &values[k];
            naive_images = out[k].images_mean;
            ++naive_settings;
        }
    }
    if (naive_settings != 1 || !(naive_images > 0.0)) return out;
    // Seeds can differ more than settings do (naive's two seeds of the 20-epoch Fig. 1 reach L 18%
    // apart), so a setting is compared with naive on the same seeds: a seed that only one of them
    // reached would otherwise move the ratio by the seeds' difference, not the algorithms'.
    for (size_t k = 0; k < out.size(); ++k) {
        double sum = 0.0, naive_sum = 0.0;
        std::vector<double> ratios;
        for (const auto& [seed, images] : values[k].images_by_seed) {
            const auto it = naive->images_by_seed.find(seed);
            if (it == naive->images_by_seed.end() || !(it->second > 0.0)) continue;
            sum += images;
            naive_sum += it->second;
            ratios.push_back(images / it->second);
        }
        SettingTimeToLoss& s = out[k];
        if (ratios.empty()) {
            s.images_vs_naive = s.images_mean / naive_images;
            continue;
        }
        s.images_vs_naive = sum / naive_sum;
        s.images_vs_naive_min = *std::min_element(ratios.begin(), ratios.end());
        s.images_vs_naive_max = *std::max_element(ratios.begin(), ratios.end());
        s.images_vs_naive_seeds = static_cast<int>(ratios.size());
    }
    return out;
}

ConsensusFit fitConsensus(const ExperimentData& data) {
    // Mean log distance per (p, M) over its seeds.
    std::map<std::pair<double, int>, std::pair<double, int>> cells;
    for (const RunData& run : data.runs) {
        if (run.run_id == 0 || run.status != RunStatus::Finished || run.config.algorithm != Algorithm::GoSgd) continue;
        if (!(run.config.p > 0.0) || !(run.consensus_distance > 0.0) || !std::isfinite(run.consensus_distance)) continue;
        auto& cell = cells[{run.config.p, run.config.workers}];
        cell.first += std::log(run.consensus_distance);
        ++cell.second;
    }
    ConsensusFit fit;
    std::set<int> workers;
    for (const auto& [key, cell] : cells) workers.insert(key.second);
    fit.fits_workers = workers.size() > 1;
    const int parameters = fit.fits_workers ? 3 : 2;
    fit.points = static_cast<int>(cells.size());
    if (fit.points <= parameters) return fit;
    // Normal equations of y = c0 + c1 log p (+ c2 log M), solved by Gaussian elimination.
    double A[3][4] = {};
    std::vector<std::array<double, 4>> rows;  // 1, log p, log M, y
    for (const auto& [key, cell] : cells)
        rows.push_back({1.0, std::log(key.first), std::log(static_cast<double>(key.second)), cell.first / cell.second});
    for (const auto& r : rows)
        for (int i = 0; i < parameters; ++i) {
            for (int j = 0; j < parameters; ++j) A[i][j] += r[size_t(i)] * r[size_t(j)];
            A[i][3] += r[size_t(i)] * r[3];
        }
    for (int c = 0; c < parameters; ++c) {
        int pivot = c;
        for (int i = c + 1; i < parameters; ++i)
            if (std::abs(A[i][c]) > std::abs(A[pivot][c])) pivot = i;
        if (std::abs(A[pivot][c]) < 1e-12) return fit;  // degenerate (e.g. one p)
        std::swap(A[c], A[pivot]);
        for (int i = 0; i < parameters; ++i) {
            if (i == c) continue;
            const double f = A[i][c] / A[c][c];
            for (int j = c; j < 4; ++j) A[i][j] -= f * A[c][j];
        }
    }
    double coefficient[3] = {0, 0, 0};
    for (int i = 0; i < parameters; ++i) coefficient[i] = A[i][3] / A[i][i];
    double mean = 0.0;
    for (const auto& r : rows) mean += r[3];
    mean /= static_cast<double>(rows.size());
    double residual = 0.0, total = 0.0, worst = 0.0;
    for (const auto& r : rows) {
        const double predicted = coefficient[0] + coefficient[1] * r[1] + coefficient[2] * r[2];
        residual += (r[3] - predicted) * (r[3] - predicted);
        total += (r[3] - mean) * (r[3] - mean);
        worst = std::max(worst, std::abs(r[3] - predicted));
    }
    fit.valid = true;
    fit.k = std::exp(coefficient[0]);
    fit.p_exponent = coefficient[1];
    fit.workers_exponent = coefficient[2];
    fit.r_squared = total > 0.0 ? 1.0 - residual / total : 1.0;
    fit.worst_factor = std::exp(worst);
    return fit;
}

std::string describe(const ConsensusFit& fit) {
    if (!fit.valid) return "not enough GoSGD runs with p > 0 to fit (" + std::to_string(fit.points) + " settings)";
    char text[200];
    if (fit.fits_workers)
        std::snprintf(text, sizeof text, "consensus distance ~ %.3g p^%.2f M^%.2f (R^2 %.3f over %d (p, M) settings; every one within a factor %.2f)",
                      fit.k, fit.p_exponent, fit.workers_exponent, fit.r_squared, fit.points, fit.worst_factor);
    else
        std::snprintf(text, sizeof text, "consensus distance ~ %.3g p^%.2f (R^2 %.3f over %d values of p; every one within a factor %.2f)",
                      fit.k, fit.p_exponent, fit.r_squared, fit.points, fit.worst_factor);
    return text;
}

TimeToLossTable timeToLossTable(const ExperimentData& data, std::optional<double> level) {
    TimeToLossTable table;
    table.level_is_default = !level || !std::isfinite(*level);
    table.level = table.level_is_default ? defaultLossLevel(data) : *level;
    for (const RunData& run : data.runs) {
        if (run.run_id == 0) continue;
        TimeToLossRow row;
        row.position = run.position;
        row.run_id = run.run_id;
        row.label = run.label;
        row.algorithm = run.config.algorithm;
        row.p = effectiveP(run.config);
        row.workers = run.config.workers;
        row.learning_rate = run.config.learning_rate;
        row.seed = run.config.seed;
        row.status = run.status;
        row.final_loss = run.final_loss;
        row.last_fifth_fall = lossFallOverLastFifth(run.loss_curve);
        row.crossing = timeToLoss(run.loss_curve, table.level);
        table.rows.push_back(row);
    }

    // Pairs: GoSGD at p with EASGD at tau = round(1/p), same M, lr and seed.
    auto rowOf = [&](int position) -> const TimeToLossRow* {
        for (const auto& r : table.rows)
            if (r.position == position) return &r;
        return nullptr;
    };
    struct Group {
        TimeToLossRatio ratio;
        double gosgd_images = 0, gosgd_wall = 0, easgd_images = 0, easgd_wall = 0;
        int both = 0, pairs = 0;
    };
    std::vector<Group> groups;
    for (const RunData& g : data.runs) {
        if (g.config.algorithm != Algorithm::GoSgd || g.config.p <= 0.0 || !countsForLevel(g)) continue;
        const int tau = std::max(1, static_cast<int>(std::lround(1.0 / g.config.p)));
        for (const RunData& e : data.runs) {
            if (e.config.algorithm != Algorithm::Easgd || !countsForLevel(e)) continue;
            if (e.config.effectiveEasgdTau() != tau || e.config.workers != g.config.workers ||
                e.config.learning_rate != g.config.learning_rate || e.config.seed != g.config.seed)
                continue;
            const TimeToLossRow* gr = rowOf(g.position);
            const TimeToLossRow* er = rowOf(e.position);
            TimeToLossRatio ratio;
            ratio.p = g.config.p;
            ratio.easgd_tau = tau;
            ratio.workers = g.config.workers;
            ratio.learning_rate = g.config.learning_rate;
            ratio.seed = g.config.seed;
            ratio.gosgd_position = g.position;
            ratio.easgd_position = e.position;
            ratio.gosgd_label = g.label;
            ratio.easgd_label = e.label;
            const bool both = gr && er && gr->crossing.reached && er->crossing.reached;
            if (both) {
                ratio.images_ratio = er->crossing.images > 0 ? gr->crossing.images / er->crossing.images : kNaN;
                ratio.wall_ratio = er->crossing.wall_s > 0 ? gr->crossing.wall_s / er->crossing.wall_s : kNaN;
            }
            table.ratios.push_back(ratio);

            auto group = std::find_if(groups.begin(), groups.end(), [&](const Group& x) {
                return x.ratio.p == ratio.p && x.ratio.easgd_tau == tau && x.ratio.workers == ratio.workers &&
                       x.ratio.learning_rate == ratio.learning_rate;
            });
            if (group == groups.end()) {
                groups.push_back({});
                group = groups.end() - 1;
                group->ratio = ratio;
                group->ratio.gosgd_position = group->ratio.easgd_position = -1;
                group->ratio.gosgd_label = algorithmLabel(g.config);  // without the seed
                group->ratio.easgd_label = algorithmLabel(e.config);
                group->ratio.images_ratio = group->ratio.wall_ratio = kNaN;
            }
            ++group->pairs;
            if (both) {
                ++group->both;
                group->gosgd_images += gr->crossing.images;
                group->gosgd_wall += gr->crossing.wall_s;
                group->easgd_images += er->crossing.images;
                group->easgd_wall += er->crossing.wall_s;
            }
            break;
        }
    }
    for (Group& group : groups) {
        if (group.pairs < 2) continue;
        TimeToLossRatio aggregate = group.ratio;
        aggregate.seed_count = group.both;
        if (group.both > 0 && group.easgd_images > 0) aggregate.images_ratio = group.gosgd_images / group.easgd_images;
        if (group.both > 0 && group.easgd_wall > 0) aggregate.wall_ratio = group.gosgd_wall / group.easgd_wall;
        if (group.both > 1) table.ratios.push_back(aggregate);
    }
    return table;
}

// ---- metrics ----

std::string toString(Metric metric) {
    switch (metric) {
        case Metric::FinalLoss: return "final_loss";
        case Metric::TestAccuracy: return "test_accuracy";
        case Metric::TestLoss: return "test_loss";
        case Metric::ConsensusDistance: return "consensus_distance";
        case Metric::Messages: return "messages";
        case Metric::WallTime: return "wall_time_s";
        case Metric::ImagesPerSecond: return "images_per_second";
    }
    return "?";
}

std::string describe(Metric metric) {
    switch (metric) {
        case Metric::FinalLoss: return "final training loss";
        case Metric::TestAccuracy: return "test accuracy";
        case Metric::TestLoss: return "test loss";
        case Metric::ConsensusDistance: return "final consensus distance";
        case Metric::Messages: return "messages exchanged";
        case Metric::WallTime: return "wall time (s)";
        case Metric::ImagesPerSecond: return "images per second";
    }
    return "?";
}

std::optional<Metric> parseMetric(const std::string& text) {
    for (Metric m : allMetrics())
        if (toString(m) == text) return m;
    if (text == "loss") return Metric::FinalLoss;
    if (text == "accuracy") return Metric::TestAccuracy;
    if (text == "consensus") return Metric::ConsensusDistance;
    return std::nullopt;
}

std::vector<Metric> allMetrics() {
    return {Metric::FinalLoss, Metric::TestAccuracy, Metric::TestLoss, Metric::ConsensusDistance,
            Metric::Messages, Metric::WallTime, Metric::ImagesPerSecond};
}

double metricValue(const RunData& run, Metric metric) {
    switch (metric) {
        case Metric::FinalLoss: return run.final_loss;
        case Metric::TestAccuracy: return run.test_accuracy;
        case Metric::TestLoss: return run.test_loss;
        case Metric::ConsensusDistance: return run.consensus_distance;
        case Metric::Messages: return run.messages;
        case Metric::WallTime: return run.wall_s;
        case Metric::ImagesPerSecond: return run.images_per_second;
    }
    return kNaN;
}

std::string toString(SweepParameter parameter) {
    switch (parameter) {
        case SweepParameter::P: return "p";
        case SweepParameter::Workers: return "workers";
        case SweepParameter::LearningRate: return "learning-rate";
    }
    return "?";
}

std::optional<SweepParameter> parseSweepParameter(const std::string& text) {
    if (text == "p") return SweepParameter::P;
    if (text == "workers" || text == "m" || text == "M") return SweepParameter::Workers;
    if (text == "learning-rate" || text == "lr") return SweepParameter::LearningRate;
    return std::nullopt;
}

double parameterValue(const RunConfig& config, SweepParameter parameter) {
    switch (parameter) {
        case SweepParameter::P: return effectiveP(config);
        case SweepParameter::Workers: return config.workers;
        case SweepParameter::LearningRate: return config.learning_rate;
    }
    return kNaN;
}

std::optional<SweepParameter> defaultSweepParameter(const ExperimentData& data) {
    std::optional<SweepParameter> best;
    size_t best_count = 1;
    for (SweepParameter parameter : {SweepParameter::P, SweepParameter::Workers, SweepParameter::LearningRate}) {
        std::vector<double> values;
        for (const RunData& run : data.runs) {
            if (!finishedRun(run)) continue;
            if (parameter == SweepParameter::P && run.config.algorithm == Algorithm::Naive) continue;
            const double v = parameterValue(run.config, parameter);
            if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
        }
        if (values.size() > best_count) {
            best = parameter;
            best_count = values.size();
        }
    }
    return best;
}

MetricVsParameter metricVsParameter(const ExperimentData& data, Metric metric, SweepParameter parameter) {
    MetricVsParameter out;
    out.metric = metric;
    out.parameter = parameter;
    // Which of the other parameters vary (they then name the lines).
    auto varies = [&](SweepParameter other) {
        std::vector<double> values;
        for (const RunData& run : data.runs) {
            if (!finishedRun(run)) continue;
            const double v = other == SweepParameter::Workers ? run.config.workers
                           : other == SweepParameter::LearningRate ? run.config.learning_rate
                                                                   : run.config.p;
            if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
        }
        return values.size() > 1;
    };
    const bool workers_vary = parameter != SweepParameter::Workers && varies(SweepParameter::Workers);
    const bool lr_vary = parameter != SweepParameter::LearningRate && varies(SweepParameter::LearningRate);
    bool p_varies = false;
    if (parameter != SweepParameter::P) {
        std::vector<double> values;
        for (const RunData& run : data.runs) {
            if (!finishedRun(run) || run.config.algorithm == Algorithm::Naive) continue;
            const double v = effectiveP(run.config);
            if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
        }
        p_varies = values.size() > 1;
    }

    std::map<std::string, size_t> line_index;
    for (const RunData& run : data.runs) {
        if (!finishedRun(run)) continue;
        const double value = metricValue(run, metric);
        if (!std::isfinite(value)) continue;
        std::string label = algorithmName(run.config);
        if (p_varies) {  // the algorithms whose communication p sets
            if (run.config.algorithm == Algorithm::GoSgd) label += " p=" + fmt(run.config.p);
            if (run.config.algorithm == Algorithm::Easgd) label += " tau=" + std::to_string(run.config.effectiveEasgdTau());
            if (run.config.algorithm == Algorithm::LocalSgd) label += " H=" + std::to_string(run.config.effectiveLocalSteps());
        }
        if (workers_vary) label += " M=" + std::to_string(run.config.workers);
        if (lr_vary) label += " lr=" + fmt(run.config.learning_rate);
        auto [it, inserted] = line_index.emplace(label, out.lines.size());
        if (inserted) {
            MetricLine line;
            line.label = label;
            line.algorithm = run.config.algorithm;
            line.ignores_parameter = parameter == SweepParameter::P && run.config.algorithm == Algorithm::Naive;
            out.lines.push_back(line);
        }
        MetricLine& line = out.lines[it->second];
        const double x = parameterValue(run.config, parameter);
        auto point = std::find_if(line.points.begin(), line.points.end(), [&](const MetricPoint& p) { return p.x == x; });
        if (point == line.points.end()) {
            line.points.push_back({});
            point = line.points.end() - 1;
            point->x = x;
        }
        point->values.push_back(value);
        point->run_ids.push_back(run.run_id);
    }
    for (MetricLine& line : out.lines) {
        std::sort(line.points.begin(), line.points.end(), [](const MetricPoint& a, const MetricPoint& b) { return a.x < b.x; });
        for (MetricPoint& point : line.points) {
            point.count = static_cast<int>(point.values.size());
            double sum = 0;
            point.min = point.max = point.values.front();
            for (double v : point.values) {
                sum += v;
                point.min = std::min(point.min, v);
                point.max = std::max(point.max, v);
            }
            point.mean = sum / point.count;
            if (point.count > 1) {
                double squares = 0;
                for (double v : point.values) squares += (v - point.mean) * (v - point.mean);
                point.stddev = std::sqrt(squares / (point.count - 1));
            }
        }
    }
    return out;
}

}  // namespace gossiplab::experiments
