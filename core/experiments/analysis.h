#pragma once
// What the experiment view shows, computed from an experiment's runs: the time-to-loss table (the
// GoSGD paper's claims) and final metrics against a swept parameter. Plain data in, plain data
// out: torch-free, Qt-free and store-free (experiment_data.h loads an ExperimentData from the
// history; tests build one by hand).
//
// Time to loss L: on a run's recorded mean training loss (the paper's curve: the mean of the
// workers' last-50-batch losses, sampled by the monitor about every 100 ms), the first point at
// or below L; between it and the point before, the crossing is interpolated linearly in images
// per worker and in wall time. A run whose first point is already at or below L reaches it there.
// Non-finite points (a diverged loss) are skipped. A run that never gets there has no time.
//
// Which runs count: every run with a recording gets a row in the table; the default L and the
// GoSGD/EAMSGD ratios use finished and diverged runs only; metric-vs-parameter points use
// finished runs only (stopped, failed or interrupted runs did not spend the same budget).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/experiments/experiment_spec.h"
#include "core/store/experiment_types.h"
#include "core/train/run_events.h"

namespace gossiplab::experiments {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct CurvePoint {
    double images = 0.0;  // per worker (mean over the workers)
    double wall_s = 0.0;  // since the run started
    double value = kNaN;
};

// One queued run of an experiment and what it became.
struct RunData {
    int position = 0;
    std::string label;
    RunConfig config;
    store::QueueItemStatus item_status = store::QueueItemStatus::Queued;
    int64_t run_id = 0;  // 0: never started (or its run was deleted)
    RunStatus status = RunStatus::Running;  // the run's status (meaningful when run_id != 0)
    // Final values (the RunResult's; for an unfinished run the latest recorded); NaN when unknown.
    double final_loss = kNaN;          // mean training loss
    double test_accuracy = kNaN;       // [0, 1]
    double test_loss = kNaN;
    double consensus_distance = kNaN;
    double messages = kNaN;            // exchanges (GoSGD pushes, EASGD elastic steps)
    double wall_s = kNaN;
    double images_per_worker = kNaN;
    double images_per_second = kNaN;   // all workers together
    std::vector<CurvePoint> loss_curve;  // mean_loss in recording order
};

struct ExperimentData {
    int64_t id = 0;
    std::string name;
    ExperimentKind kind = ExperimentKind::Grid;
    std::vector<RunData> runs;  // in queue order
};

// ---- time to loss ----

struct LossCrossing {
    bool reached = false;
    double images = kNaN;  // per worker
    double wall_s = kNaN;
};
LossCrossing timeToLoss(const std::vector<CurvePoint>& curve, double level);

// Whether a run has settled: how much its loss fell over the last fifth of the images it recorded,
// (L(0.8 E) - L(E)) / L(0.8 E), with E the images per worker at the last finite point and L(0.8 E)
// interpolated linearly. 0.086: it still fell 8.6% (not converged); near 0: settled; negative: it
// rose. NaN with fewer than two finite points or L(0.8 E) <= 0. The long Fig. 1 asks for naive's
// to be below a few percent (the end of convergence the paper zooms on).
double lossFallOverLastFifth(const std::vector<CurvePoint>& curve);

struct TimeToLossRow {
    int position = 0;
    int64_t run_id = 0;
    std::string label;
    Algorithm algorithm = Algorithm::GoSgd;
    double p = kNaN;  // effectiveP: GoSGD p, EASGD 1/tau, naive 0
    int workers = 0;
    double learning_rate = kNaN;
    uint64_t seed = 0;
    RunStatus status = RunStatus::Running;
    double final_loss = kNaN;
    double last_fifth_fall = kNaN;  // lossFallOverLastFifth of its curve
    LossCrossing crossing;
};

// GoSGD / EAMSGD for runs that differ only in the algorithm (EASGD's tau = round(1/p) of GoSGD's
// p; same M, learning rate and seed). With several seeds, one more row per (p, M, lr) with
// seed_count > 1: the ratio of the mean times over the seeds where both reached L (its labels
// carry no seed).
struct TimeToLossRatio {
    double p = kNaN;  // GoSGD's p
    int easgd_tau = 0;
    int workers = 0;
    double learning_rate = kNaN;
    uint64_t seed = 0;   // of the pair; for an aggregate row: unused
    int seed_count = 1;  // > 1: an aggregate over seeds
    int gosgd_position = -1, easgd_position = -1;  // for a pair
    std::string gosgd_label, easgd_label;
    double images_ratio = kNaN;  // GoSGD images per worker / EAMSGD's; NaN unless both reached L
    double wall_ratio = kNaN;
};

struct TimeToLossTable {
    double level = kNaN;
    bool level_is_default = false;
    std::vector<TimeToLossRow> rows;  // every run with a recording, in queue order
    std::vector<TimeToLossRatio> ratios;
};

// Time to L by setting: the rows of one setting over its seeds (labels equal once " seed=N" is
// dropped), in queue order of first appearance. Means and ranges over the seeds that reached L.
struct SettingTimeToLoss {
    std::string label;
    Algorithm algorithm = Algorithm::GoSgd;
    int runs = 0;
    int reached = 0;
    double images_mean = kNaN, images_min = kNaN, images_max = kNaN;  // per worker
    double wall_mean = kNaN, wall_min = kNaN, wall_max = kNaN;
    double final_loss_mean = kNaN, final_loss_min = kNaN, final_loss_max = kNaN;
    double last_fifth_fall_mean = kNaN, last_fifth_fall_min = kNaN, last_fifth_fall_max = kNaN;
    // Images to L against naive's (naive: the one setting of that algorithm), over the seeds where
    // both reached L: the ratio of the mean images over those seeds, and the range of the per-seed
    // ratios. When no seed of this setting has a naive run that reached L (other seeds): the
    // ratio of the means over all seeds that reached it, and no range.
    double images_vs_naive = kNaN, images_vs_naive_min = kNaN, images_vs_naive_max = kNaN;
    int images_vs_naive_seeds = 0;  // the seeds paired with naive's (0: the unpaired fallback)
};
std::vector<SettingTimeToLoss> timeToLossBySetting(const TimeToLossTable& table);
// "gosgd p=1 seed=2" -> "gosgd p=1".
std::string labelWithoutSeed(const std::string& label);

// The worst (highest) final mean training loss among the finished and diverged runs with a
// finite one; NaN if there is none.
double defaultLossLevel(const ExperimentData& data);
// `level`: L; nullopt (or NaN): defaultLossLevel.
TimeToLossTable timeToLossTable(const ExperimentData& data, std::optional<double> level = std::nullopt);

// ---- final metrics against a parameter ----

enum class Metric { FinalLoss, TestAccuracy, TestLoss, ConsensusDistance, Messages, WallTime, ImagesPerSecond };
std::string toString(Metric metric);        // "final_loss", "test_accuracy", ...
std::string describe(Metric metric);        // "final training loss", ...
std::optional<Metric> parseMetric(const std::string& text);
std::vector<Metric> allMetrics();
double metricValue(const RunData& run, Metric metric);

enum class SweepParameter { P, Workers, LearningRate };
std::string toString(SweepParameter parameter);  // "p", "workers", "learning-rate"
std::optional<SweepParameter> parseSweepParameter(const std::string& text);
double parameterValue(const RunConfig& config, SweepParameter parameter);  // P: effectiveP

struct MetricPoint {
    double x = kNaN;
    double mean = kNaN, min = kNaN, max = kNaN, stddev = kNaN;  // over the seeds (stddev: sample, NaN for one)
    int count = 0;
    std::vector<int64_t> run_ids;
    std::vector<double> values;  // one per seed, in queue order
};

struct MetricLine {
    std::string label;  // the algorithm ("gosgd", "eamsgd", "naive") and the other varying settings ("gosgd M=4")
    Algorithm algorithm = Algorithm::GoSgd;
    bool ignores_parameter = false;  // naive against p: one point at x = 0 (draw it as a level line)
    std::vector<MetricPoint> points;  // by increasing x
};

struct MetricVsParameter {
    Metric metric = Metric::FinalLoss;
    SweepParameter parameter = SweepParameter::P;
    std::vector<MetricLine> lines;
};

// The swept parameter with the most distinct values among the finished runs (ties: p, then
// workers, then learning rate); nullopt when none takes two values.
std::optional<SweepParameter> defaultSweepParameter(const ExperimentData& data);
MetricVsParameter metricVsParameter(const ExperimentData& data, Metric metric, SweepParameter parameter);

// ---- how the consensus distance scales ----

// A least-squares fit of log(final consensus distance) = log(k) + a log(p) + b log(M) over the
// finished GoSGD runs with p > 0 (each (p, M) the mean over its seeds). With one M only, b is 0
// and not fitted. valid: at least one point more than the fitted parameters.
struct ConsensusFit {
    bool valid = false;
    int points = 0;
    bool fits_workers = false;
    double k = kNaN, p_exponent = kNaN, workers_exponent = 0.0;
    double r_squared = kNaN;      // of the log-log fit
    double worst_factor = kNaN;   // max over points of max(measured/fitted, fitted/measured)
};
ConsensusFit fitConsensus(const ExperimentData& data);
std::string describe(const ConsensusFit& fit);  // "consensus ~ 0.012 p^-0.48 M^0.51 (R^2 0.97, 27 points, within x1.3)"

}  // namespace gossiplab::experiments
