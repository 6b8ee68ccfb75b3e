// The eight algorithms in the UI: the Live tab's second panel shows the sum weights of GoSGD and
// SGP (SGP's titled as push-sum weights), EASGD's distances to the center and, for every other
// algorithm, a plain note that it has no alphas; the per-worker "waiting per iteration" panel
// (Live tab, History's run viewer, Compare) draws every worker in ms; the History tab's algorithm
// filter lists and filters every algorithm.
#include <QComboBox>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "core/train/run_config.h"
#include "history_test_support.h"
#include "ui/compare/compare_view.h"
#include "ui/history/run_viewer.h"
#include "ui/live/live_view.h"
#include "ui/model/algorithm_names.h"
#include "ui/model/run_data.h"
#include "ui/plots/compare_plot.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/panel_specs.h"
#include "ui/plots/qcp.h"
#include "ui/plots/worker_series_panel.h"
#include "ui/window/history_view.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

constexpr int kWorkers = 4;

// What worker w reports as its wait per iteration (seconds) in these runs: (w + 1) ms.
double waitOf(int worker) { return 1e-3 * (worker + 1); }

RunInfo infoFor(Algorithm algorithm) {
    RunInfo info;
    info.config.workers = kWorkers;
    info.config.algorithm = algorithm;
    info.config.name = toString(algorithm) + "-ui";
    info.config.dataset = "synthetic";
    info.config.model = "mlp";
    info.worker_devices.assign(size_t(kWorkers), "cpu");
    return info;
}

// The samples a run of `algorithm` reports, as the core fills them: alpha and alpha_sum for the
// algorithms with sum weights (NaN otherwise), center_distance for EASGD, a wait for everyone.
void feedRun(RunData& data, Algorithm algorithm, int samples) {
    const double nan = std::nan("");
    data.reset(infoFor(algorithm));
    for (int i = 1; i <= samples; ++i) {
        const SamplePoint at{i * 5, i * 80, i * 0.05};
        for (int w = 0; w < kWorkers; ++w) {
            WorkerSample s;
            s.worker = w;
            s.at = at;
            s.loss = 2.3 * std::exp(-0.01 * i) + 0.05 * w;
            s.alpha = hasSumWeights(algorithm) ? 0.25 * std::pow(0.5, (i + w) % 3) : nan;
            s.alpha_sum = hasSumWeights(algorithm) ? 1.0 : nan;
            s.center_distance = algorithm == Algorithm::Easgd ? 0.1 * (w + 1) : nan;
            s.wait_per_iteration_s = waitOf(w);
            data.add(s);
        }
        RunSample r;
        r.at = at;
        r.mean_loss = 2.3 * std::exp(-0.01 * i) + 0.075;
        r.alpha_sum = hasSumWeights(algorithm) ? 1.0 : nan;
        r.messages = i;
        data.add(r);
    }
}

// The worker lines a WorkerSeriesPanel draws with data, by worker ("w0" ...), last value each.
std::map<QString, double> drawnWorkerLines(const WorkerSeriesPanel& panel) {
    static const QRegularExpression worker_name(QStringLiteral("^w\\d+$"));
    std::map<QString, double> lines;
    QCustomPlot* plot = panel.customPlot();
    for (int i = 0; i < plot->graphCount(); ++i) {
        QCPGraph* g = plot->graph(i);
        if (!g->visible() || g->data()->isEmpty() || !worker_name.match(g->name()).hasMatch()) continue;
        lines[g->name()] = (g->data()->constEnd() - 1)->value;
    }
    return lines;
}

}  // namespace

class TestAlgorithmsUi : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string path_;
    std::map<Algorithm, int64_t> ids_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath("algorithms.sqlite3").toStdString();
        for (Algorithm a : {Algorithm::GoSgd, Algorithm::AllReduce, Algorithm::Sgp, Algorithm::LocalSgd})
            ids_[a] = history_test::recordRun(path_, history_test::RunSpec(toString(a) + "-run", a, 0.05));
    }

    void anSgpRunShowsItsPushSumWeights() {
        RunData data;
        feedRun(data, Algorithm::Sgp, 60);
        LiveView view;
        view.resize(1400, 800);
        view.show();
        view.configureFor(Algorithm::Sgp);
        view.setRunData(&data);
        WorkerSeriesPanel* panel = view.exchangePanel();
        QVERIFY(panel->hasData());
        QCOMPARE(panel->noteText(), QString());
        QVERIFY2(panel->title().contains("Push-sum weight"), qPrintable(panel->title()));
        QVERIFY2(panel->title().contains("1.000000"), qPrintable(panel->title()));  // the sum of the weights
        QCOMPARE(int(drawnWorkerLines(*panel).size()), kWorkers);
    }

    void anAllReduceRunSaysItHasNoAlpha() {
        RunData data;
        feedRun(data, Algorithm::AllReduce, 60);
        LiveView view;
        view.resize(1400, 800);
        view.show();
        view.configureFor(Algorithm::AllReduce);
        view.setRunData(&data);
        WorkerSeriesPanel* panel = view.exchangePanel();
        QVERIFY2(panel->noteText().contains("replicas are identical after every step"), qPrintable(panel->noteText()));
        QVERIFY(panel->noteText().contains("no alphas, no center"));
        QVERIFY(!panel->hasData());
        QVERIFY(!panel->title().contains(QStringLiteral("\u03A3\u03B1")));
        QVERIFY(!panel->customPlot()->legend->visible());  // no "w0 ... Σα" legend under a note

        // Identical replicas: a consensus distance of 0, which the log axis cannot draw, is said.
        for (int i = 1; i <= 3; ++i) {
            DistanceSnapshot d;
            d.at = {i * 50, i * 800, i * 0.5};
            d.workers = kWorkers;
            d.distances.assign(size_t(kWorkers * kWorkers), 0.0);
            d.consensus_distance = 0.0;
            data.add(d);
        }
        view.refreshNow(true);
        QString said;
        QCustomPlot* distances = view.distancePanel()->customPlot();
        for (int i = 0; i < distances->itemCount(); ++i)
            if (auto* text = qobject_cast<QCPItemText*>(distances->item(i)); text && text->visible()) said += text->text();
        QVERIFY2(said.contains("models are identical"), qPrintable(said));

        // The same view going back to a GoSGD run draws the alphas, without the note.
        RunData gosgd;
        feedRun(gosgd, Algorithm::GoSgd, 30);
        view.configureFor(Algorithm::GoSgd);
        view.setRunData(&gosgd);
        QCOMPARE(panel->noteText(), QString());
        QVERIFY(panel->hasData());
        QVERIFY(panel->title().startsWith("Alpha per worker"));
        QVERIFY(panel->customPlot()->legend->visible());
        QCOMPARE(panel->customPlot()->legend->itemCount(), kWorkers + 3);  // w0..w3, Σα, held, waiting
    }

    void everyAlgorithmHasItsSecondPanel() {
        for (Algorithm a : kAllAlgorithms) {
            const QString name = QString::fromStdString(toString(a));
            const WorkerPanelSpec spec = specs::exchangeFor(a);
            RunData data;
            feedRun(data, a, 5);
            const QString note = spec.not_applicable ? spec.not_applicable(data) : QString();
            if (hasSumWeights(a)) {
                QVERIFY2(spec.series == WorkerSeries::Alpha && note.isEmpty(), qPrintable(name));
            } else if (a == Algorithm::Easgd) {
                QVERIFY2(spec.series == WorkerSeries::CenterDistance && note.isEmpty(), qPrintable(name));
            } else {
                // Plainly: no alphas (and no center).
                QVERIFY2(note.contains("no alphas"), qPrintable(name + ": " + note));
                QVERIFY2(note.contains("no center"), qPrintable(name + ": " + note));
            }
            // Each note names its own algorithm's behaviour: no two are the same.
            for (Algorithm b : kAllAlgorithms)
                if (b != a && !note.isEmpty()) QVERIFY2(specs::noAlphaText(b) != note, qPrintable(name));
        }
    }

    void theWaitPanelDrawsEveryWorkerInMilliseconds() {
        for (Algorithm a : {Algorithm::AllReduce, Algorithm::AdPsgd}) {
            RunData data;
            feedRun(data, a, 40);
            LiveView view;
            view.resize(1400, 800);
            view.show();
            view.configureFor(a);
            view.setRunData(&data);
            WorkerSeriesPanel* wait = view.waitPanel();
            QVERIFY(wait->hasData());
            const std::vector<PlotPanel*> panels = view.panels();
            QVERIFY(std::find(panels.begin(), panels.end(), wait) != panels.end());
            const auto lines = drawnWorkerLines(*wait);
            QCOMPARE(int(lines.size()), kWorkers);
            for (int w = 0; w < kWorkers; ++w) {
                const auto it = lines.find(QStringLiteral("w%1").arg(w));
                QVERIFY2(it != lines.end(), qPrintable(QStringLiteral("no line for worker %1").arg(w)));
                QCOMPARE(it->second, 1000.0 * waitOf(w));  // seconds recorded, ms drawn
            }
            QVERIFY2(wait->title().contains("2.5 ms"), qPrintable(wait->title()));  // the workers' mean
            // New samples redraw it.
            QCOMPARE(wait->refresh(), false);
            WorkerSample s;
            s.worker = 2;
            s.at = {1000, 16000, 10.0};
            s.loss = 0.5;
            s.wait_per_iteration_s = 0.02;
            data.add(s);
            QVERIFY(wait->refresh());
            QCOMPARE(drawnWorkerLines(*wait).at("w2"), 20.0);
        }
    }

    // A run that never waits (naive, as the core reports it: 0) draws a flat line on a 0..1 ms
    // axis, not a magnified nothing around 0.
    void aRunThatNeverWaitsShowsAFlatLineAtZero() {
        RunData data;
        feedRun(data, Algorithm::Naive, 20);
        for (int w = 0; w < kWorkers; ++w) {
            WorkerSample s;
            s.worker = w;
            s.at = {500, 8000, 5.0};
            s.loss = 0.5;
            s.alpha = s.alpha_sum = s.center_distance = std::nan("");
            s.wait_per_iteration_s = 0.0;
            data.add(s);
        }
        RunData zeros;
        zeros.reset(infoFor(Algorithm::Naive));
        for (int i = 1; i <= 20; ++i)
            for (int w = 0; w < kWorkers; ++w) {
                WorkerSample s;
                s.worker = w;
                s.at = {i * 5, i * 80, i * 0.05};
                s.loss = 1.0;
                s.alpha = s.alpha_sum = s.center_distance = std::nan("");
                s.wait_per_iteration_s = 0.0;
                zeros.add(s);
            }
        LiveView view;
        view.resize(1400, 800);
        view.show();
        view.configureFor(Algorithm::Naive);
        view.setRunData(&zeros);
        QVERIFY(view.waitPanel()->hasData());
        const QCPRange range = view.waitPanel()->customPlot()->yAxis->range();
        QVERIFY2(range.lower < 0.0 && range.lower > -0.05, qPrintable(QString::number(range.lower)));  // 0 above the axis
        QVERIFY2(range.upper > 0.99 && range.upper < 1.2, qPrintable(QString::number(range.upper)));
        QVERIFY(view.waitPanel()->title().contains("mean 0 ms"));
        // A waiting run scales to its data, still from 0.
        view.setRunData(&data);
        const QCPRange waiting = view.waitPanel()->customPlot()->yAxis->range();
        QVERIFY2(waiting.lower <= 0.0 && waiting.lower > -0.2, qPrintable(QString::number(waiting.lower)));
        QVERIFY2(waiting.upper >= 4.0 && waiting.upper < 5.0, qPrintable(QString::number(waiting.upper)));
    }

    // Three panels in a row are narrow: a title with details puts them on a second line rather
    // than cutting them off; title() still gives it on one line.
    void aLongTitleWrapsInANarrowPanel() {
        RunData data;
        feedRun(data, Algorithm::Sgp, 20);
        LiveView view;
        view.resize(900, 700);
        view.show();
        view.configureFor(Algorithm::Sgp);
        view.setRunData(&data);
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto* shown = qobject_cast<QCPTextElement*>(view.exchangePanel()->customPlot()->plotLayout()->element(0, 0));
        QVERIFY(shown);
        QVERIFY2(shown->text().contains('\n'), qPrintable(shown->text()));
        QVERIFY(!view.exchangePanel()->title().contains('\n'));
        QVERIFY(view.exchangePanel()->title().contains("1.000000"));
        view.setPlotLayout(LiveView::PlotLayout::Column);  // one wide column: one line
        QTRY_VERIFY2(!shown->text().contains('\n'), qPrintable(shown->text()));
    }

    void theAlgorithmFilterListsAndFiltersEveryAlgorithm() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        QComboBox* filter = view.algorithmFilter();
        QCOMPARE(filter->count(), 1 + int(std::size(kAllAlgorithms)));  // "Any algorithm" first
        for (Algorithm a : kAllAlgorithms) {
            const int i = filter->findData(QString::fromStdString(toString(a)));
            QVERIFY2(i > 0, toString(a).c_str());
            QCOMPARE(filter->itemText(i), algorithmLabel(a));
        }
        QCOMPARE(filter->itemText(filter->findData("sgp")), QStringLiteral("SGP (push-sum)"));
        QCOMPARE(filter->itemText(filter->findData("allreduce")), QStringLiteral("All-reduce SGD"));
        QCOMPARE(view.visibleRunCount(), 4);
        for (Algorithm a : {Algorithm::AllReduce, Algorithm::Sgp, Algorithm::LocalSgd}) {
            filter->setCurrentIndex(filter->findData(QString::fromStdString(toString(a))));
            QCOMPARE(view.visibleRunCount(), 1);
        }
        filter->setCurrentIndex(filter->findData("dpsgd"));
        QCOMPARE(view.visibleRunCount(), 0);
        filter->setCurrentIndex(0);
        QCOMPARE(view.visibleRunCount(), 4);
    }

    void theRunViewerShowsTheRecordedWaitAndTheRightSecondPanel() {
        HistoryView view;
        view.resize(1400, 900);
        view.setHistoryPath(QString::fromStdString(path_));
        view.show();
        RunViewer* viewer = view.viewer();

        view.selectRuns({ids_[Algorithm::AllReduce]});
        QCOMPARE(viewer->runId(), ids_[Algorithm::AllReduce]);
        QVERIFY(viewer->waitPanel()->hasData());
        QCOMPARE(int(drawnWorkerLines(*viewer->waitPanel()).size()), kWorkers);
        QVERIFY2(viewer->exchangePanel()->noteText().contains("no alphas"), qPrintable(viewer->exchangePanel()->noteText()));
        bool listed = false;
        for (const auto& named : viewer->namedPanels()) listed = listed || (named.first == "wait" && named.second == viewer->waitPanel());
        QVERIFY(listed);  // "Export all" writes it

        view.selectRuns({ids_[Algorithm::Sgp]});
        QCOMPARE(viewer->runId(), ids_[Algorithm::Sgp]);
        QVERIFY(viewer->exchangePanel()->hasData());
        QCOMPARE(viewer->exchangePanel()->noteText(), QString());
        QVERIFY(viewer->exchangePanel()->title().contains("Push-sum weight"));
        // store_test::syntheticWait: worker 3 at the last of 200 rounds, in ms.
        QCOMPARE(drawnWorkerLines(*viewer->waitPanel()).at("w3"), 1000.0 * store_test::syntheticWait(3, 200));
    }

    void compareOverlaysTheWaitOfEveryRun() {
        CompareView view;
        view.resize(1400, 900);
        view.show();
        const QString problems = view.setRuns(QString::fromStdString(path_),
                                              {ids_[Algorithm::GoSgd], ids_[Algorithm::AllReduce], ids_[Algorithm::Sgp]});
        QVERIFY2(problems.isEmpty(), qPrintable(problems));
        QCOMPARE(view.waitPlot()->meanGraphCount(), 3);
        QCOMPARE(view.waitPlot()->bandCount(), 3);
        QCOMPARE(view.alphaPlot()->meanGraphCount(), 2);  // GoSGD and SGP carry alphas, all-reduce none
        const std::vector<ComparePlot*> plots = view.plots();
        QVERIFY(std::find(plots.begin(), plots.end(), view.waitPlot()) != plots.end());
    }
};

QTEST_MAIN(TestAlgorithmsUi)
#include "test_algorithms_ui.moc"
