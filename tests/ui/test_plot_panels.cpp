// The plot panels as reusable widgets: fed from a RunData filled by hand (as the bridge does) or
// loaded from the run history; x axis choice, log y, smoothing, hiding workers, setting markers,
// bounded buffers on long series.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "ui/live/live_view.h"
#include "ui/model/run_data.h"
#include "ui/model/run_data_store.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/qcp.h"
#include "ui/plots/worker_series_panel.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

constexpr int kWorkers = 4;

RunInfo infoFor(int workers, Algorithm algorithm = Algorithm::GoSgd) {
    RunInfo info;
    info.config.workers = workers;
    info.config.algorithm = algorithm;
    info.config.name = "panels";
    info.config.dataset = "synthetic";
    info.config.model = "mlp";
    info.worker_devices.assign(size_t(workers), "cpu");
    return info;
}

// The events of a short run, in the order a run's monitor reports them.
void playRun(RunObserver& o, int samples) {
    o.onRunStarted(infoFor(kWorkers));
    for (int i = 1; i <= samples; ++i) {
        const SamplePoint at{i * 5, i * 80, i * 0.05};
        for (int w = 0; w < kWorkers; ++w) {
            WorkerSample s;
            s.worker = w;
            s.at = at;
            s.loss = 2.3 * std::exp(-0.01 * i) + 0.05 * w;
            s.alpha = 0.25 * std::pow(0.5, (i + w) % 4);
            s.alpha_sum = 1.0;
            s.center_distance = std::nan("");
            o.onWorkerSample(s);
        }
        RunSample r;
        r.at = at;
        r.mean_loss = 2.3 * std::exp(-0.01 * i) + 0.075;
        r.alpha_sum = 1.0;
        r.messages = i;
        o.onRunSample(r);
        if (i % 10 == 0) {
            DistanceSnapshot d;
            d.at = at;
            d.workers = kWorkers;
            d.distances.assign(kWorkers * kWorkers, 0.0);
            for (int a = 0; a < kWorkers; ++a)
                for (int b = 0; b < kWorkers; ++b) d.distances[size_t(a * kWorkers + b)] = a == b ? 0 : std::exp(-0.01 * i) * (1 + std::abs(a - b));
            d.consensus_distance = std::exp(-0.01 * i);
            o.onDistances(d);
        }
        if (i % 25 == 0) {
            EvalSample e;
            e.at = at;
            e.test_loss = 2.0 * std::exp(-0.01 * i);
            e.test_accuracy = 1 - 0.9 * std::exp(-0.01 * i);
            e.test_images = 100;
            o.onEvaluation(e);
        }
        if (i == samples / 2) o.onSettingChange({at, "p", 0.02, 0.5, "user"});
    }
    RunResult result;
    result.status = RunStatus::Finished;
    result.message = "budget reached";
    o.onRunEnded(result);
}

// Feeds a RunData the way the controller applies the bridge's events.
struct DataFeed final : RunObserver {
    RunData& data;
    explicit DataFeed(RunData& d) : data(d) {}
    void onRunStarted(const RunInfo& i) override { data.reset(i); }
    void onWorkerSample(const WorkerSample& s) override { data.add(s); }
    void onRunSample(const RunSample& s) override { data.add(s); }
    void onDistances(const DistanceSnapshot& s) override { data.add(s); }
    void onEvaluation(const EvalSample& s) override { data.add(s); }
    void onSettingChange(const SettingChange& c) override { data.add(c); }
};

// A RunData holding a short run of `samples` samples.
void playInto(RunData& data, int samples) {
    DataFeed feed(data);
    playRun(feed, samples);
}

// The live view at a usual size, shown, drawing `data`.
void showRun(LiveView& view, const RunData& data) {
    view.resize(1200, 800);
    view.show();
    view.setRunData(&data);
}

}  // namespace

class TestPlotPanels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void panelsDrawWhatTheRunDataHolds() {
        RunData data;
        playInto(data, 100);
        LiveView view;
        showRun(view, data);
        QVERIFY(view.lossPanel()->plottedPointCount() >= kWorkers * 100 + 100);
        QVERIFY(view.exchangePanel()->hasData());
        QCOMPARE(view.distancePanel()->matrixSize(), kWorkers);
        QVERIFY(view.evalPanel()->plottedPointCount() >= 8);  // 4 evaluations x (accuracy, loss)
        for (PlotPanel* p : view.panels()) QCOMPARE(p->markerCount(), 1);
        QVERIFY(view.lossPanel()->title().contains("Training loss"));
        QVERIFY(view.exchangePanel()->title().contains("1.000000"));  // the sum of the alphas

        // Nothing changed: no redraw. New points: a redraw.
        QCOMPARE(view.refreshNow(), 0);
        WorkerSample s;
        s.worker = 1;
        s.at = {1000, 16000, 10.0};
        s.loss = 0.5;
        s.alpha = 0.1;
        s.center_distance = std::nan("");
        data.add(s);
        QVERIFY(view.refreshNow() >= 1);
    }

    // One refresh, one drawing. A title that changes with the data (the alpha panel's held and
    // waiting figures) queued a second replot of the same frame behind the live view's immediate
    // one: every redraw of that panel cost twice.
    void aRefreshDrawsOnce() {
        RunData data;
        playInto(data, 50);
        LiveView view;
        showRun(view, data);
        view.refreshNow();
        QCoreApplication::processEvents();
        WorkerSeriesPanel* panel = view.exchangePanel();
        int drawn = 0;
        connect(panel->customPlot(), &QCustomPlot::afterReplot, this, [&drawn] { ++drawn; });
        RunSample r;
        r.at = {1000, 16000, 10.0};
        r.alpha_sum = 1.0;
        r.alpha_held = 0.75;
        r.alpha_waiting = 0.25;
        data.add(r);
        const QString before = panel->title();
        QVERIFY(panel->refresh(false, true));
        QVERIFY2(panel->title() != before, qPrintable(panel->title()));
        for (int i = 0; i < 5; ++i) QCoreApplication::processEvents();
        QCOMPARE(drawn, 1);
    }

    void hidingAWorkerHidesItOnEveryPanel() {
        RunData data;
        playInto(data, 50);
        LiveView view;
        view.show();
        view.setSmoothing(0.0);  // one curve per worker
        view.setRunData(&data);
        const int64_t loss_before = view.lossPanel()->plottedPointCount();
        const int64_t alpha_before = view.exchangePanel()->plottedPointCount();
        // As a click on "w2" in the loss panel's legend does.
        view.lossPanel()->setWorkerVisible(2, false);
        Q_EMIT view.lossPanel()->workerVisibilityToggled(2, false);
        QVERIFY(!view.exchangePanel()->isWorkerVisible(2));
        QCOMPARE(view.lossPanel()->plottedPointCount(), loss_before - 50);
        QCOMPARE(view.exchangePanel()->plottedPointCount(), alpha_before - 50);
        Q_EMIT view.lossPanel()->workerVisibilityToggled(2, true);
        QCOMPARE(view.exchangePanel()->plottedPointCount(), alpha_before);
    }

    void xAxisLogYAndSmoothingAreViewSettings() {
        RunData data;
        playInto(data, 60);
        LiveView view;
        view.show();
        view.setRunData(&data);
        QCOMPARE(int(view.xAxis()), int(XAxis::Images));
        view.setXAxis(XAxis::WallTime);
        QCOMPARE(int(view.lossPanel()->xAxis()), int(XAxis::WallTime));
        QCOMPARE(int(view.evalPanel()->xAxis()), int(XAxis::WallTime));
        view.setXAxis(XAxis::Iterations);
        QCOMPARE(int(view.distancePanel()->xAxis()), int(XAxis::Iterations));

        QVERIFY(!view.lossPanel()->logY());
        view.lossPanel()->setLogY(true);
        QVERIFY(view.lossPanel()->logY());
        QVERIFY(view.distancePanel()->logY());  // distances default to log y

        QCOMPARE(view.smoothing(), 0.6);  // the default
        view.setSmoothing(0.0);
        const int64_t raw = view.lossPanel()->plottedPointCount();
        view.setSmoothing(0.6);
        // The smoothed curves on top, the raw ones faint behind.
        QCOMPARE(view.lossPanel()->plottedPointCount(), 2 * raw);
        view.setShowRaw(false);
        QCOMPARE(view.lossPanel()->plottedPointCount(), raw);

        // The view is remembered as a whole.
        const QVariantMap state = view.viewState();
        LiveView other;
        other.restoreViewState(state);
        QCOMPARE(int(other.xAxis()), int(XAxis::Iterations));
        QCOMPARE(other.smoothing(), 0.6);
        QVERIFY(!other.showRaw());
        QVERIFY(other.lossPanel()->logY());
    }

    void longSeriesStayBoundedAndKeepTheirExtremes() {
        RunData data(512);
        data.reset(infoFor(8));
        for (int i = 0; i < 100'000; ++i)
            for (int w = 0; w < 8; ++w)
                data.appendWorker(WorkerSeries::Loss, w, {i, i * 32LL, i * 0.01}, i == 54'321 && w == 3 ? 50.0 : 1.0 + 0.1 * w);
        QVERIFY(data.bucketsHeld() <= 8 * 512);
        WorkerPanelSpec spec;
        spec.series = WorkerSeries::Loss;
        WorkerSeriesPanel panel(spec);
        panel.resize(800, 450);
        panel.show();
        panel.setRunData(&data);
        panel.refresh(true);
        // Bounded, and not empty: every worker's line is drawn (a bound alone would pass with nothing).
        QVERIFY2(panel.plottedPointCount() <= 8 * 2 * 512, qPrintable(QString::number(panel.plottedPointCount())));
        QVERIFY2(panel.plottedPointCount() >= 8 * 256, qPrintable(QString::number(panel.plottedPointCount())));
        qInfo("%lld points plotted; rebuilding 8 x 100,000 points took %.1f ms (speed: gossiplab-ui-bench)",
              static_cast<long long>(panel.plottedPointCount()), panel.lastRebuildMs());
        std::vector<double> xs, ys;
        data.worker(WorkerSeries::Loss, 3).envelope(XAxis::Images, xs, ys);
        QCOMPARE(*std::max_element(ys.begin(), ys.end()), 50.0);  // the spike survives decimation
    }

    void aRecordedRunLoadsFromTheStoreIntoTheSamePanels() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("history.sqlite3").toStdString();
        int64_t run_id = 0;
        {
            auto recorder = store::RunRecorder::open(path);
            QVERIFY2(recorder.ok(), recorder.ok() ? "" : recorder.error().message.c_str());
            playRun(**recorder, 80);
            run_id = (*recorder)->runId();
        }
        store::OpenOptions options;
        options.mode = store::OpenMode::ReadOnly;
        auto history = store::RunHistory::open(path, options);
        QVERIFY(history.ok());
        RunData data;
        std::string error;
        QVERIFY2(loadRunData(*history, run_id, data, &error), error.c_str());
        QCOMPARE(data.workers(), kWorkers);
        QCOMPARE(data.worker(WorkerSeries::Loss, 0).pointsAppended(), int64_t(80));
        QCOMPARE(data.run(RunSeries::MeanLoss).pointsAppended(), int64_t(80));
        QVERIFY(data.hasDistances());
        QCOMPARE(data.markers().size(), size_t(1));
        QCOMPARE(data.markers()[0].new_value, 0.5);

        LiveView view;
        view.show();
        view.setRunData(&data);
        for (PlotPanel* p : view.panels()) QVERIFY2(p->hasData(), qPrintable(p->objectName()));
        QCOMPARE(view.lossPanel()->markerCount(), 1);
        QVERIFY(!loadRunData(*history, run_id + 100, data, &error));
        QVERIFY(error.find("no run") != std::string::npos);
    }
};

QTEST_MAIN(TestPlotPanels)
#include "test_plot_panels.moc"
