// The plots' data layer: bounded series buffers with min/max decimation, debiased smoothing,
// RunData, and the bridge that carries a run's events to the GUI thread.
#include <QSignalSpy>
#include <QtTest>

#include <cmath>
#include <thread>

#include "ui/live/run_bridge.h"
#include "ui/model/run_data.h"
#include "ui/model/series_buffer.h"
#include "ui/model/smoothing.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

SamplePoint at(int64_t i) { return {i, i * 16, 0.01 * double(i)}; }

// The series' mean from drawn bucket means weighted by their counts, and the points they stand for.
double countWeightedMean(const std::vector<double>& means, const std::vector<double>& counts, double* points) {
    double weighted = 0;
    *points = 0;
    for (size_t i = 0; i < means.size(); ++i) {
        weighted += means[i] * counts[i];
        *points += counts[i];
    }
    return weighted / *points;
}

}  // namespace

class TestPlotData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keepsEveryPointBelowCapacity() {
        SeriesBuffer b(16);
        for (int i = 0; i < 10; ++i) b.append(at(i), i * 0.5);
        QCOMPARE(b.bucketCount(), size_t(10));
        QVERIFY(!b.isDecimated());
        std::vector<double> xs, ys;
        b.envelope(XAxis::Iterations, xs, ys);
        QCOMPARE(xs.size(), size_t(10));
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(xs[size_t(i)], double(i));
            QCOMPARE(ys[size_t(i)], i * 0.5);
        }
        b.envelope(XAxis::Images, xs, ys);
        QCOMPARE(xs[3], 48.0);
        b.envelope(XAxis::WallTime, xs, ys);
        QCOMPARE(xs[3], 0.03);
    }

    void decimationBoundsMemoryAndKeepsEveryExtreme() {
        SeriesBuffer b(64);
        const int n = 100'000;
        double sum = 0;
        for (int i = 0; i < n; ++i) {
            double v = std::sin(i * 0.001);
            if (i == 77'777) v = 1000.0;   // a spike
            if (i == 12'345) v = -1000.0;  // and a dip
            sum += v;
            b.append(at(i), v);
        }
        QVERIFY(b.bucketCount() <= 64);
        QVERIFY(b.isDecimated());
        QCOMPARE(b.pointsAppended(), int64_t(n));
        std::vector<double> xs, ys;
        b.envelope(XAxis::Iterations, xs, ys);
        QVERIFY(xs.size() <= 128);
        QCOMPARE(*std::max_element(ys.begin(), ys.end()), 1000.0);
        QCOMPARE(*std::min_element(ys.begin(), ys.end()), -1000.0);
        QVERIFY(std::is_sorted(xs.begin(), xs.end()));
        QCOMPARE(xs.front(), 0.0);
        QCOMPARE(xs.back(), double(n - 1));
        // Means weighted by their counts give back the exact mean.
        std::vector<double> ws;
        b.means(XAxis::Iterations, xs, ys, &ws);
        double count = 0;
        const double mean = countWeightedMean(ys, ws, &count);
        QCOMPARE(count, double(n));
        QVERIFY(std::fabs(mean - sum / n) < 1e-9);
    }

    void aFrameDrawsAtMostTheBucketsAskedAndKeepsEveryExtreme() {
        // What a live panel draws: a bucket per two pixels (two points each), whatever the run's length.
        SeriesBuffer b(2048);
        const int n = 5'000;
        double sum = 0;
        for (int i = 0; i < n; ++i) {
            double v = std::cos(i * 0.01);
            if (i == 4'321) v = 50.0;
            if (i == 111) v = -50.0;
            sum += v;
            b.append(at(i), v);
        }
        const size_t held = b.bucketCount();
        QVERIFY(held > 1000);
        std::vector<double> xs, ys, ws;
        b.envelope(XAxis::Iterations, xs, ys, 300);
        QVERIFY2(xs.size() <= 600, qPrintable(QString::number(xs.size())));
        QVERIFY(xs.size() > 300);
        QCOMPARE(*std::max_element(ys.begin(), ys.end()), 50.0);
        QCOMPARE(*std::min_element(ys.begin(), ys.end()), -50.0);
        QVERIFY(std::is_sorted(xs.begin(), xs.end()));
        QCOMPARE(xs.front(), 0.0);
        QCOMPARE(xs.back(), double(n - 1));
        b.means(XAxis::Iterations, xs, ys, &ws, 300);
        QVERIFY(ys.size() <= 300);
        double count = 0;
        const double mean = countWeightedMean(ys, ws, &count);
        QCOMPARE(count, double(n));
        QVERIFY(std::fabs(mean - sum / n) < 1e-9);
        // The series keeps its resolution: 0 (a zoom, an export) draws every bucket.
        QCOMPARE(b.bucketCount(), held);
        b.means(XAxis::Iterations, xs, ys, nullptr, 0);
        QCOMPARE(ys.size(), held);
        b.means(XAxis::Iterations, xs, ys, nullptr, held + 10);
        QCOMPARE(ys.size(), held);
    }

    void minAndMaxComeInTheOrderTheyHappened() {
        SeriesBuffer b(4);
        // 8 points -> 4 buckets of 2 -> after more points, buckets of 4.
        const double values[] = {5, 1, 2, 9, 3, 3, 7, 0, 4, 4};
        for (int i = 0; i < 10; ++i) b.append(at(i), values[i]);
        std::vector<double> xs, ys;
        b.envelope(XAxis::Iterations, xs, ys);
        // First bucket holds 5,1,2,9: the minimum 1 comes before the maximum 9.
        QCOMPARE(ys[0], 1.0);
        QCOMPARE(ys[1], 9.0);
        // Second bucket holds 3,3,7,0: the maximum 7 comes before the minimum 0.
        QCOMPARE(ys[2], 7.0);
        QCOMPARE(ys[3], 0.0);
    }

    void nanValuesBecomeGaps() {
        SeriesBuffer b(8);
        b.append(at(0), 1.0);
        b.append(at(1), std::nan(""));
        b.append(at(2), 2.0);
        std::vector<double> xs, ys;
        b.envelope(XAxis::Iterations, xs, ys);
        QCOMPARE(ys.size(), size_t(3));
        QVERIFY(std::isnan(ys[1]));
        QVERIFY(std::isnan(b.buckets()[1].mean()));
    }

    void debiasedSmoothingStartsAtTheData() {
        std::vector<double> out;
        smoothDebiased({2, 2, 2, 2}, 0.9, out);
        for (double v : out) QCOMPARE(v, 2.0);  // no pull toward 0 at the start
        smoothDebiased({1, 3}, 0.0, out);
        QCOMPARE(out[1], 3.0);  // 0: no smoothing
        smoothDebiased({1, 3}, 0.5, out);
        QCOMPARE(out[0], 1.0);
        // (0.5*0.5*1 + 0.5*3) / (1 - 0.25) = 1.75 / 0.75
        QVERIFY(std::fabs(out[1] - 1.75 / 0.75) < 1e-12);
        // NaN passes through without disturbing the average.
        smoothDebiased({1, std::nan(""), 1}, 0.5, out);
        QVERIFY(std::isnan(out[1]));
        QCOMPARE(out[2], 1.0);
    }

    void smoothingIsAwareOfDecimationAndXSpacing() {
        // Six raw points one apart, and the same as two buckets of three (means at x = 1 and 4).
        std::vector<double> raw, bucketed;
        const std::vector<double> xs_raw = {0, 1, 2, 3, 4, 5};
        smoothDebiased({1, 1, 1, 3, 3, 3}, 0.8, raw, nullptr, &xs_raw, 1.0);
        const std::vector<double> xs_buckets = {1, 4}, weights = {3, 3};
        smoothDebiased({1, 3}, 0.8, bucketed, &weights, &xs_buckets, 1.0);
        QVERIFY(std::fabs(raw[2] - bucketed[0]) < 1e-12);
        QVERIFY(std::fabs(raw[5] - bucketed[1]) < 1e-12);
        // After a long pause in the samples the average catches up instead of lagging.
        const std::vector<double> xs_gap = {0, 1, 2, 50};
        smoothDebiased({2, 2, 2, 1}, 0.6, raw, nullptr, &xs_gap, 1.0);
        QVERIFY(std::fabs(raw[3] - 1.0) < 1e-6);
        smoothDebiased({2, 2, 2, 1}, 0.6, raw);  // by index it would still be far from 1
        QVERIFY(raw[3] > 1.5);
    }

    void runDataTakesTheCoreEvents() {
        RunData d(32);
        RunInfo info;
        info.config.workers = 3;
        info.config.algorithm = Algorithm::GoSgd;
        d.reset(info);
        QCOMPARE(d.workers(), 3);
        const uint64_t before = d.workerRevision(WorkerSeries::Loss);
        WorkerSample s;
        s.worker = 2;
        s.at = at(5);
        s.loss = 1.5;
        s.alpha = 0.25;
        s.center_distance = std::nan("");
        d.add(s);
        QVERIFY(d.workerRevision(WorkerSeries::Loss) != before);
        QCOMPARE(d.worker(WorkerSeries::Loss, 2).lastValue(), 1.5);
        QCOMPARE(d.worker(WorkerSeries::Alpha, 2).lastValue(), 0.25);
        QVERIFY(d.worker(WorkerSeries::CenterDistance, 2).empty());  // NaN: not this algorithm
        QVERIFY(d.worker(WorkerSeries::Loss, 7).empty());             // unknown worker: empty, no crash
        DistanceSnapshot snap;
        snap.at = at(6);
        snap.workers = 3;
        snap.distances = {0, 1, 2, 1, 0, 3, 2, 3, 0};
        snap.consensus_distance = 1.2;
        d.add(snap);
        QVERIFY(d.hasDistances());
        QCOMPARE(d.run(RunSeries::ConsensusDistance).lastValue(), 1.2);
        SettingChange c{at(7), "p", 0.02, 0.5, "user"};
        d.add(c);
        QCOMPARE(d.markers().size(), size_t(1));
        QCOMPARE(d.markers()[0].new_value, 0.5);
        d.clear();
        QVERIFY(d.markers().empty());
        QVERIFY(!d.hasDistances());
    }

    void bridgeDeliversEverythingInOrderWithFewNotifications() {
        RunBridge bridge;
        QObject gui;  // lives on this (the GUI) thread, like the controller
        int delivered = 0;
        connect(&bridge, &RunBridge::eventsReady, &gui, [&] { ++delivered; }, Qt::QueuedConnection);
        std::thread monitor([&] {
            RunInfo info;
            info.config.workers = 8;
            bridge.onRunStarted(info);
            for (int i = 0; i < 20'000; ++i) {
                WorkerSample s;
                s.worker = i % 8;
                s.at = at(i);
                s.loss = i;
                bridge.onWorkerSample(s);
            }
            RunResult r;
            r.status = RunStatus::Stopped;
            bridge.onRunEnded(r);
        });
        monitor.join();
        // One notification for 20,002 events, queued to this thread: not delivered yet.
        QCOMPARE(delivered, 0);
        QTRY_COMPARE(delivered, 1);
        BridgeBatch batch = bridge.take();
        QCOMPARE(batch.events.size(), size_t(20'002));
        QVERIFY(std::holds_alternative<RunInfo>(batch.events.front()));
        QVERIFY(std::holds_alternative<RunResult>(batch.events.back()));
        for (size_t i = 1; i + 1 < batch.events.size(); ++i)
            QCOMPARE(std::get<WorkerSample>(batch.events[i]).loss, double(i - 1));
        QCOMPARE(batch.dropped, uint64_t(0));
    }

    void bridgeDropsOnlySamplesWhenTheGuiIsBehind() {
        RunBridge bridge(nullptr, 100);
        for (int i = 0; i < 150; ++i) bridge.onWorkerSample(WorkerSample{});
        bridge.onEvaluation(EvalSample{});
        bridge.onRunEnded(RunResult{});
        BridgeBatch batch = bridge.take();
        QCOMPARE(batch.dropped, uint64_t(50));
        QCOMPARE(batch.events.size(), size_t(102));  // lifecycle and evaluations are never dropped
        QVERIFY(std::holds_alternative<RunResult>(batch.events.back()));
        QCOMPARE(bridge.take().events.size(), size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestPlotData)
#include "test_plot_data.moc"
