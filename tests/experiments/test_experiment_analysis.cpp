// The experiment view's data on known series: time to loss (first point at or below L, linear
// interpolation), the default L, GoSGD/EAMSGD ratios (per seed and over seeds), final metrics
// against a parameter with the seeds' spread, and the text tables.
#include <QtTest>

#include <cmath>

#include "core/experiments/analysis.h"
#include "core/experiments/report.h"

using namespace gossiplab;
using namespace gossiplab::experiments;

namespace {

// A loss falling linearly from `start` by `slope` per 100 images per worker; wall = images / rate.
std::vector<CurvePoint> linearCurve(double start, double slope, double rate, int points = 11) {
    std::vector<CurvePoint> curve;
    for (int k = 0; k < points; ++k) {
        const double images = 100.0 * k;
        curve.push_back({images, images / rate, start - slope * k});
    }
    return curve;
}

RunData run(int position, int64_t run_id, Algorithm algorithm, double p, uint64_t seed, std::vector<CurvePoint> curve,
            RunStatus status = RunStatus::Finished) {
    RunData r;
    r.position = position;
    r.run_id = run_id;
    r.status = status;
    r.config.algorithm = algorithm;
    r.config.p = p;
    r.config.seed = seed;
    r.config.workers = 4;
    if (algorithm == Algorithm::Easgd) r.config.momentum = 0.99;
    if (algorithm == Algorithm::Naive) r.config.p = 0;
    r.label = algorithmLabel(r.config);
    r.loss_curve = std::move(curve);
    r.final_loss = r.loss_curve.empty() ? kNaN : r.loss_curve.back().value;
    return r;
}

}  // namespace

class TestExperimentAnalysis : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timeToLossInterpolates() {
        // 2.0, 1.9, ..., 1.0 at 0, 100, ..., 1000 images; 50 images per second.
        const auto curve = linearCurve(2.0, 0.1, 50.0);
        auto hit = timeToLoss(curve, 1.45);  // between 1.5 (500 images) and 1.4 (600 images), halfway
        QVERIFY(hit.reached);
        QVERIFY(std::abs(hit.images - 550.0) < 1e-9);
        QVERIFY(std::abs(hit.wall_s - 11.0) < 1e-9);
        hit = timeToLoss(curve, 1.5);  // exactly on a point: that point
        QVERIFY(std::abs(hit.images - 500.0) < 1e-9);
        hit = timeToLoss(curve, 5.0);  // already below at the first point
        QCOMPARE(hit.images, 0.0);
        QCOMPARE(hit.wall_s, 0.0);
        QVERIFY(!timeToLoss(curve, 0.5).reached);
        QVERIFY(std::isnan(timeToLoss(curve, 0.5).images));
        QVERIFY(!timeToLoss({}, 1.0).reached);
        QVERIFY(!timeToLoss(curve, kNaN).reached);
    }

    void timeToLossSkipsNonFinitePointsAndFindsTheFirstCrossing() {
        std::vector<CurvePoint> curve = {{0, 0, 2.0}, {100, 1, kNaN}, {200, 2, 1.0}, {300, 3, 3.0}, {400, 4, 0.5}};
        const auto hit = timeToLoss(curve, 1.5);  // from (0, 2.0) to (200, 1.0): the NaN point is skipped
        QVERIFY(hit.reached);
        QVERIFY(std::abs(hit.images - 100.0) < 1e-9);
        QVERIFY(std::abs(hit.wall_s - 1.0) < 1e-9);
        std::vector<CurvePoint> noisy = {{0, 0, 2.0}, {100, 1, 0.9}, {200, 2, 1.5}, {300, 3, 0.8}};
        QVERIFY(std::abs(timeToLoss(noisy, 1.0).images - 100.0 * (1.0 / 1.1)) < 1e-9);  // the first crossing counts
    }

    void lossFallOverTheLastFifthSaysWhetherARunSettled() {
        // 2.0 - 0.1 k at 100 k images, k = 0..10: at 800 images 1.2, at the end 1.0: fell 1/6.
        QVERIFY(std::abs(lossFallOverLastFifth(linearCurve(2.0, 0.1, 50.0)) - 0.2 / 1.2) < 1e-12);
        // 0.8 E between points (E = 900: 720 images, between 1.3 and 1.2) and a NaN last point skipped.
        std::vector<CurvePoint> curve = linearCurve(2.0, 0.1, 50.0);
        curve.back().value = kNaN;
        QVERIFY(std::abs(lossFallOverLastFifth(curve) - (1.28 - 1.1) / 1.28) < 1e-12);
        // A flat end: 0; a rise: negative.
        std::vector<CurvePoint> flat = {{0, 0, 2.0}, {500, 1, 0.5}, {800, 2, 0.4}, {1000, 3, 0.4}};
        QVERIFY(std::abs(lossFallOverLastFifth(flat)) < 1e-12);
        std::vector<CurvePoint> rising = {{0, 0, 2.0}, {800, 1, 0.4}, {1000, 2, 0.5}};
        QVERIFY(std::abs(lossFallOverLastFifth(rising) + 0.25) < 1e-12);
        // Too little to say.
        QVERIFY(std::isnan(lossFallOverLastFifth({})));
        QVERIFY(std::isnan(lossFallOverLastFifth({{100, 1, 1.0}, {200, 2, kNaN}})));
        // By setting: the spread over the seeds, in the text as percent.
        ExperimentData data;
        data.runs.push_back(run(0, 1, Algorithm::Naive, 0, 1, linearCurve(2.0, 0.1, 50.0)));  // 16.7%
        data.runs.push_back(run(1, 2, Algorithm::Naive, 0, 2, flat));                       // 0%
        for (auto& r : data.runs) r.label += " seed=" + std::to_string(r.config.seed);
        const auto table = timeToLossTable(data, 1.5);
        const auto settings = timeToLossBySetting(table);
        QCOMPARE(settings.size(), size_t{1});
        QVERIFY(std::abs(settings[0].last_fifth_fall_mean - 0.1 / 1.2) < 1e-12);
        QCOMPARE(settings[0].last_fifth_fall_min, 0.0);
        const std::string text = timeToLossBySettingText(table, TextStyle::Plain);
        QVERIFY2(text.find("8.3% [0.0%..16.7%]") != std::string::npos, text.c_str());
    }

    void tableDefaultLevelAndRatios() {
        ExperimentData data;
        // GoSGD p=1 falls twice as fast per image as EAMSGD tau=1, at the same speed in images/s.
        data.runs.push_back(run(0, 11, Algorithm::GoSgd, 1.0, 1, linearCurve(2.0, 0.1, 100.0)));       // final 1.0
        data.runs.push_back(run(1, 12, Algorithm::Easgd, 1.0, 1, linearCurve(2.0, 0.05, 100.0)));      // final 1.5
        data.runs.push_back(run(2, 13, Algorithm::Naive, 0.0, 1, linearCurve(2.0, 0.04, 100.0)));      // final 1.6
        // p=0.02: GoSGD is as good per image but twice as fast in wall time.
        data.runs.push_back(run(3, 14, Algorithm::GoSgd, 0.02, 1, linearCurve(2.0, 0.06, 200.0)));     // final 1.4
        data.runs.push_back(run(4, 15, Algorithm::Easgd, 0.02, 1, linearCurve(2.0, 0.06, 100.0)));     // final 1.4
        data.runs.push_back(run(5, 0, Algorithm::GoSgd, 0.5, 1, {}));                                  // never started
        data.runs.push_back(run(6, 17, Algorithm::GoSgd, 0.5, 1, linearCurve(2.0, 0.5, 100.0, 3), RunStatus::Stopped));
        QCOMPARE(defaultLossLevel(data), 1.6);  // the naive run's; the stopped run does not count

        const TimeToLossTable table = timeToLossTable(data);
        QVERIFY(table.level_is_default);
        QCOMPARE(table.level, 1.6);
        QCOMPARE(table.rows.size(), size_t{6});  // every run with a recording
        QCOMPARE(table.rows[0].label, std::string("gosgd p=1"));
        QVERIFY(std::abs(table.rows[0].crossing.images - 400.0) < 1e-9);
        QVERIFY(std::abs(table.rows[1].crossing.images - 800.0) < 1e-9);
        QVERIFY(std::abs(table.rows[2].crossing.images - 1000.0) < 1e-9);
        QCOMPARE(table.rows[1].p, 1.0);  // EAMSGD tau=1: 1/tau
        QVERIFY(table.rows[5].status == RunStatus::Stopped);

        QCOMPARE(table.ratios.size(), size_t{2});
        QCOMPARE(table.ratios[0].p, 1.0);
        QCOMPARE(table.ratios[0].easgd_tau, 1);
        QVERIFY(std::abs(table.ratios[0].images_ratio - 0.5) < 1e-9);
        QVERIFY(std::abs(table.ratios[0].wall_ratio - 0.5) < 1e-9);
        QCOMPARE(table.ratios[1].easgd_tau, 50);
        QVERIFY(std::abs(table.ratios[1].images_ratio - 1.0) < 1e-9);
        QVERIFY(std::abs(table.ratios[1].wall_ratio - 0.5) < 1e-9);

        // A level only one of a pair reaches: no ratio.
        const TimeToLossTable low = timeToLossTable(data, 1.2);
        QVERIFY(!low.level_is_default);
        QVERIFY(low.rows[0].crossing.reached);
        QVERIFY(!low.rows[1].crossing.reached);
        QVERIFY(std::isnan(low.ratios[0].images_ratio));

        const std::string text = timeToLossText(table, TextStyle::Plain);
        QVERIFY(text.find("L = 1.6 (the worst final loss among the runs)") != std::string::npos);
        QVERIFY(text.find("gosgd p=1 / eamsgd tau=1") != std::string::npos);
        const std::string markdown = timeToLossText(low, TextStyle::Markdown);
        QVERIFY(markdown.find("| run | status | final loss | images/worker to L | wall time to L (s) |") != std::string::npos);
        QVERIFY(markdown.find("not reached") != std::string::npos);
    }

    void ratiosOverSeeds() {
        ExperimentData data;
        int position = 0;
        // Seed 1: GoSGD 500 images, EAMSGD 1000; seed 2: GoSGD 700, EAMSGD 1000 (to L = 1.5).
        data.runs.push_back(run(position++, 1, Algorithm::GoSgd, 0.02, 1, linearCurve(2.0, 0.1, 100.0)));
        data.runs.push_back(run(position++, 2, Algorithm::Easgd, 0.02, 1, linearCurve(2.0, 0.05, 100.0)));
        data.runs.push_back(run(position++, 3, Algorithm::GoSgd, 0.02, 2, linearCurve(2.0, 0.5 / 7, 100.0)));
        data.runs.push_back(run(position++, 4, Algorithm::Easgd, 0.02, 2, linearCurve(2.0, 0.05, 100.0)));
        const TimeToLossTable table = timeToLossTable(data, 1.5);
        QCOMPARE(table.ratios.size(), size_t{3});
        QVERIFY(std::abs(table.ratios[0].images_ratio - 0.5) < 1e-9);
        QVERIFY(std::abs(table.ratios[1].images_ratio - 0.7) < 1e-9);
        QCOMPARE(table.ratios[2].seed_count, 2);
        QCOMPARE(table.ratios[2].gosgd_label, std::string("gosgd p=0.02"));
        QCOMPARE(table.ratios[2].easgd_label, std::string("eamsgd tau=50"));
        QVERIFY(timeToLossText(table, TextStyle::Plain).find("gosgd p=0.02 / eamsgd tau=50, mean of 2 seeds") != std::string::npos);
        QVERIFY(std::abs(table.ratios[2].images_ratio - 1200.0 / 2000.0) < 1e-9);  // ratio of the means
    }

    void timeToLossBySettingOverSeeds() {
        ExperimentData data;
        int position = 0;
        // To L = 1.5: GoSGD 500 and 700 images (seeds 1, 2), naive 1000 and 1000, EAMSGD never.
        data.runs.push_back(run(position++, 1, Algorithm::GoSgd, 1, 1, linearCurve(2.0, 0.1, 100.0)));
        data.runs.push_back(run(position++, 2, Algorithm::Naive, 0, 1, linearCurve(2.0, 0.05, 100.0)));
        data.runs.push_back(run(position++, 3, Algorithm::Easgd, 1, 1, linearCurve(2.0, 0.01, 100.0)));
        data.runs.push_back(run(position++, 4, Algorithm::GoSgd, 1, 2, linearCurve(2.0, 0.5 / 7, 100.0)));
        data.runs.push_back(run(position++, 5, Algorithm::Naive, 0, 2, linearCurve(2.0, 0.05, 100.0)));
        for (auto& r : data.runs) r.label += " seed=" + std::to_string(r.config.seed);
        const auto settings = timeToLossBySetting(timeToLossTable(data, 1.5));
        QCOMPARE(settings.size(), size_t{3});
        QCOMPARE(settings[0].label, std::string("gosgd p=1"));
        QCOMPARE(settings[0].runs, 2);
        QCOMPARE(settings[0].reached, 2);
        QVERIFY(std::abs(settings[0].images_mean - 600.0) < 1e-9);
        QVERIFY(std::abs(settings[0].images_min - 500.0) < 1e-9 && std::abs(settings[0].images_max - 700.0) < 1e-9);
        QVERIFY(std::abs(settings[0].wall_mean - 6.0) < 1e-9);
        QVERIFY(std::abs(settings[0].images_vs_naive - 0.6) < 1e-9);
        QCOMPARE(settings[1].label, std::string("naive"));
        QVERIFY(std::abs(settings[1].images_vs_naive - 1.0) < 1e-9);
        QCOMPARE(settings[2].reached, 0);
        QVERIFY(std::isnan(settings[2].images_mean));
        const std::string text = timeToLossBySettingText(timeToLossTable(data, 1.5), TextStyle::Plain);
        QVERIFY2(text.find("600 [500..700]") != std::string::npos, text.c_str());
        QVERIFY2(text.find("not reached") != std::string::npos, text.c_str());
        QCOMPARE(labelWithoutSeed("gosgd p=1 seed=12"), std::string("gosgd p=1"));
        QCOMPARE(labelWithoutSeed("gosgd seed=3 M=4"), std::string("gosgd M=4"));
        QCOMPARE(labelWithoutSeed("naive"), std::string("naive"));
    }

    // Against naive on the same seeds: naive's seeds reach L = 1.5 at 500 and 1000 images; GoSGD
    // at 600 (seed 1, 1.2x naive's seed 1) and never (seed 2). The ratio of the means over all
    // seeds (600 / 750 = 0.8) would call GoSGD faster than naive; on seed 1 it is 1.2x slower.
    void imagesVersusNaiveComparesTheSameSeeds() {
        ExperimentData data;
        data.runs.push_back(run(0, 1, Algorithm::Naive, 0, 1, linearCurve(2.0, 0.1, 100.0)));   // 500
        data.runs.push_back(run(1, 2, Algorithm::Naive, 0, 2, linearCurve(2.0, 0.05, 100.0)));  // 1000
        data.runs.push_back(run(2, 3, Algorithm::GoSgd, 1, 1, linearCurve(2.0, 0.5 / 6, 100.0)));  // 600
        data.runs.push_back(run(3, 4, Algorithm::GoSgd, 1, 2, linearCurve(2.0, 0.04, 100.0)));     // ends at 1.6
        data.runs.push_back(run(4, 5, Algorithm::GoSgd, 0.5, 1, linearCurve(2.0, 0.125, 100.0)));  // 400
        data.runs.push_back(run(5, 6, Algorithm::GoSgd, 0.5, 2, linearCurve(2.0, 0.0625, 100.0))); // 800
        for (auto& r : data.runs) r.label += " seed=" + std::to_string(r.config.seed);
        const auto table = timeToLossTable(data, 1.5);
        const auto settings = timeToLossBySetting(table);
        QCOMPARE(settings.size(), size_t{3});
        QCOMPARE(settings[1].label, std::string("gosgd p=1"));
        QCOMPARE(settings[1].reached, 1);
        QVERIFY2(std::abs(settings[1].images_vs_naive - 1.2) < 1e-9, std::to_string(settings[1].images_vs_naive).c_str());
        QCOMPARE(settings[1].images_vs_naive_seeds, 1);
        // Both seeds: the ratio of the means over them (1200 / 1500) and the per-seed range (0.8 both).
        QCOMPARE(settings[2].label, std::string("gosgd p=0.5"));
        QVERIFY(std::abs(settings[2].images_vs_naive - 0.8) < 1e-9);
        QVERIFY(std::abs(settings[2].images_vs_naive_min - 0.8) < 1e-9 && std::abs(settings[2].images_vs_naive_max - 0.8) < 1e-9);
        QCOMPARE(settings[2].images_vs_naive_seeds, 2);
        // Seeds naive does not have: the ratio of the means, unpaired.
        data.runs.push_back(run(6, 7, Algorithm::Easgd, 1, 9, linearCurve(2.0, 0.1, 100.0)));  // 500
        data.runs.back().label += " seed=9";
        const auto with_other_seed = timeToLossBySetting(timeToLossTable(data, 1.5));
        QCOMPARE(with_other_seed[3].images_vs_naive_seeds, 0);
        QVERIFY(std::abs(with_other_seed[3].images_vs_naive - 500.0 / 750.0) < 1e-9);
        const std::string text = timeToLossBySettingText(table, TextStyle::Plain);
        QVERIFY2(text.find("1.2 ") != std::string::npos, text.c_str());
    }

    void consensusFitRecoversAPowerLaw() {
        ExperimentData data;
        int position = 0;
        auto add = [&](double p, int m, uint64_t seed, double distance) {
            RunData r = run(position, position + 1, Algorithm::GoSgd, p, seed, linearCurve(2.0, 0.1, 100.0));
            r.config.workers = m;
            r.consensus_distance = distance;
            data.runs.push_back(r);
            ++position;
        };
        // d = 0.02 p^-0.5 M^0.25, two seeds at 0.9x and 1/0.9x (their log mean is exact); p = 0 is
        // left out of the fit, and so is a run that did not finish.
        for (int m : {4, 8, 16})
            for (double p : {0.01, 0.1, 1.0}) {
                const double d = 0.02 * std::pow(p, -0.5) * std::pow(m, 0.25);
                add(p, m, 1, d * 0.9);
                add(p, m, 2, d / 0.9);
            }
        add(0.0, 8, 1, 5.0);
        add(0.5, 8, 1, 100.0);
        data.runs.back().status = RunStatus::Stopped;
        ConsensusFit fit = fitConsensus(data);
        QVERIFY(fit.valid && fit.fits_workers);
        QCOMPARE(fit.points, 9);
        QVERIFY2(std::abs(fit.p_exponent + 0.5) < 1e-9, qPrintable(QString::number(fit.p_exponent)));
        QVERIFY(std::abs(fit.workers_exponent - 0.25) < 1e-9);
        QVERIFY(std::abs(fit.k - 0.02) < 1e-9);
        QVERIFY(std::abs(fit.r_squared - 1.0) < 1e-9 && std::abs(fit.worst_factor - 1.0) < 1e-9);
        QVERIFY2(describe(fit).find("p^-0.50 M^0.25") != std::string::npos, describe(fit).c_str());
        // One M: only p's exponent; too few settings: no fit.
        ExperimentData one_m;
        for (const auto& r : data.runs)
            if (r.config.workers == 8) one_m.runs.push_back(r);
        fit = fitConsensus(one_m);
        QVERIFY(fit.valid && !fit.fits_workers);
        QVERIFY(std::abs(fit.p_exponent + 0.5) < 1e-9);
        one_m.runs.resize(2);
        QVERIFY(!fitConsensus(one_m).valid);
    }

    void metricAgainstPWithSeeds() {
        ExperimentData data;
        int position = 0;
        int64_t id = 100;
        for (double p : {0.0, 0.1, 1.0}) {
            for (uint64_t seed : {1, 2, 3}) {
                RunData r = run(position++, id++, Algorithm::GoSgd, p, seed, {});
                r.consensus_distance = (1.0 - p) + 0.01 * static_cast<double>(seed);  // spread over seeds
                r.test_accuracy = 0.5 + 0.1 * p;
                r.messages = 1000 * p;
                data.runs.push_back(r);
            }
        }
        RunData naive = run(position++, id++, Algorithm::Naive, 0, 1, {});
        naive.consensus_distance = 2.0;
        data.runs.push_back(naive);
        RunData failed = run(position++, id++, Algorithm::GoSgd, 0.5, 1, {}, RunStatus::Failed);
        failed.consensus_distance = 9.0;
        data.runs.push_back(failed);  // only finished runs count
        RunData queued = run(position++, 0, Algorithm::GoSgd, 0.7, 1, {});
        data.runs.push_back(queued);  // never ran

        QVERIFY(defaultSweepParameter(data).value() == SweepParameter::P);
        const MetricVsParameter m = metricVsParameter(data, Metric::ConsensusDistance, SweepParameter::P);
        QCOMPARE(m.lines.size(), size_t{2});
        const MetricLine& gosgd = m.lines[0];
        QCOMPARE(gosgd.label, std::string("gosgd"));
        QVERIFY(!gosgd.ignores_parameter);
        QCOMPARE(gosgd.points.size(), size_t{3});
        QCOMPARE(gosgd.points[0].x, 0.0);
        QCOMPARE(gosgd.points[2].x, 1.0);
        const MetricPoint& at0 = gosgd.points[0];
        QCOMPARE(at0.count, 3);
        QVERIFY(std::abs(at0.mean - 1.02) < 1e-12);
        QVERIFY(std::abs(at0.min - 1.01) < 1e-12);
        QVERIFY(std::abs(at0.max - 1.03) < 1e-12);
        QVERIFY(std::abs(at0.stddev - 0.01) < 1e-12);
        QCOMPARE(at0.run_ids, (std::vector<int64_t>{100, 101, 102}));
        const MetricLine& naive_line = m.lines[1];
        QCOMPARE(naive_line.label, std::string("naive"));
        QVERIFY(naive_line.ignores_parameter);
        QCOMPARE(naive_line.points.size(), size_t{1});
        QCOMPARE(naive_line.points[0].count, 1);
        QVERIFY(std::isnan(naive_line.points[0].stddev));

        const std::string text = metricsText(data, SweepParameter::P, TextStyle::Plain);
        QVERIFY2(text.find("mean over seeds [min..max]") != std::string::npos, text.c_str());
        QVERIFY2(text.find("1.02 [1.01..1.03]") != std::string::npos, text.c_str());
        QVERIFY2(text.find("51.00% [51.00%..51.00%]") != std::string::npos, text.c_str());
    }

    void linesSplitByOtherVaryingSettings() {
        ExperimentData data;
        int position = 0;
        for (int workers : {2, 4}) {
            for (double p : {0.1, 0.5}) {
                RunData r = run(position, 10 + position, Algorithm::GoSgd, p, 1, {});
                ++position;
                r.config.workers = workers;
                r.final_loss = workers + p;
                data.runs.push_back(r);
            }
        }
        const auto m = metricVsParameter(data, Metric::FinalLoss, SweepParameter::P);
        QCOMPARE(m.lines.size(), size_t{2});
        QCOMPARE(m.lines[0].label, std::string("gosgd M=2"));
        QCOMPARE(m.lines[1].label, std::string("gosgd M=4"));
        QCOMPARE(m.lines[1].points[1].mean, 4.5);
        const auto w = metricVsParameter(data, Metric::FinalLoss, SweepParameter::Workers);
        QCOMPARE(w.lines.size(), size_t{2});
        QCOMPARE(w.lines[0].label, std::string("gosgd p=0.1"));
        QCOMPARE(w.lines[0].points.size(), size_t{2});
    }

    void metricNames() {
        for (Metric m : allMetrics()) QVERIFY(parseMetric(toString(m)).value() == m);
        QVERIFY(parseSweepParameter("lr").value() == SweepParameter::LearningRate);
        QVERIFY(!parseSweepParameter("batch"));
        QCOMPARE(formatValue(kNaN), std::string("-"));
    }
};

QTEST_APPLESS_MAIN(TestExperimentAnalysis)
#include "test_experiment_analysis.moc"
