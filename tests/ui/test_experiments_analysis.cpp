// The experiment view's analysis widgets on hand-made data with known values: the time-to-loss
// table shows the analysis's crossings (interpolated) and ratios, follows an edited L and goes
// back to the default; the sweep plot draws one graph per algorithm at the analysis's means, with
// the seeds' spread as error bars, and the naive level line; the loss-curve plot one graph per run.
#include <QLineEdit>
#include <QTableWidget>
#include <QtTest>

#include <set>

#include <cmath>

#include "core/experiments/analysis.h"
#include "ui/plots/qcp.h"
#include "ui/experiments/experiment_plots.h"
#include "ui/experiments/new_experiment_dialog.h"

using namespace gossiplab;
using namespace gossiplab::experiments;
using namespace gossiplab::ui;

namespace {

RunConfig config(Algorithm algorithm, double p, uint64_t seed = 1) {
    RunConfig c;
    c.algorithm = algorithm;
    c.p = p;
    c.seed = seed;
    c.workers = 4;
    c.learning_rate = 0.05;
    return c;
}

RunData run(int position, int64_t run_id, const RunConfig& c, std::vector<CurvePoint> curve) {
    RunData r;
    r.position = position;
    r.run_id = run_id;
    r.config = c;
    r.label = algorithmLabel(c) + " seed=" + std::to_string(c.seed);
    r.item_status = store::QueueItemStatus::Done;
    r.status = RunStatus::Finished;
    r.loss_curve = std::move(curve);
    r.final_loss = r.loss_curve.back().value;
    return r;
}

QString text(QTableWidget* table, int row, int column) {
    auto* item = table->item(row, column);
    return item ? item->text() : QString("<none>");
}

// GoSGD p = 0.5 reaches loss 1.0 at 100 images / 10 s; EAMSGD tau = 2 at 200 images / 40 s.
ExperimentData pairData() {
    ExperimentData d;
    d.id = 1;
    d.name = "pair";
    d.kind = ExperimentKind::PaperFig1;
    d.runs.push_back(run(0, 11, config(Algorithm::GoSgd, 0.5), {{0, 0, 2.0}, {100, 10, 1.0}, {200, 20, 0.5}}));
    d.runs.push_back(run(1, 12, config(Algorithm::Easgd, 0.5), {{0, 0, 2.0}, {100, 20, 1.5}, {200, 40, 1.0}}));
    return d;
}

}  // namespace

class TestExperimentsAnalysis : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void timeToLossTableShowsTheAnalysis() {
        TimeToLossWidget widget;
        const ExperimentData data = pairData();
        widget.setData(data);
        // Default L: the worst final loss (1.0, EAMSGD's).
        QCOMPARE(widget.table().level, 1.0);
        QVERIFY(widget.table().level_is_default);
        QVERIFY(widget.levelEdit()->text().isEmpty());
        QVERIFY(widget.levelEdit()->placeholderText().contains("1"));
        QTableWidget* rows = widget.rowsTable();
        QCOMPARE(rows->rowCount(), 2);
        QCOMPARE(text(rows, 0, 1), QString("gosgd p=0.5 seed=1"));
        QCOMPARE(text(rows, 0, 4), QString("100"));
        QCOMPARE(text(rows, 0, 5), QString("10"));
        QCOMPARE(text(rows, 1, 4), QString("200"));
        QCOMPARE(text(rows, 1, 5), QString("40"));
        QTableWidget* ratios = widget.ratiosTable();
        QCOMPARE(ratios->rowCount(), 1);
        QCOMPARE(text(ratios, 0, 3), QString("0.5"));
        QCOMPARE(text(ratios, 0, 4), QString("0.25"));
        // Both tables fit a pane of 560 px without scrolling sideways (long labels elide).
        widget.resize(560, 500);
        widget.show();
        QVERIFY(QTest::qWaitForWindowExposed(&widget));
        for (QTableWidget* table : {rows, ratios})
            QVERIFY2(table->horizontalHeader()->length() <= table->viewport()->width(),
                     qPrintable(QString("%1 > %2").arg(table->horizontalHeader()->length()).arg(table->viewport()->width())));

        // The same numbers as the analysis itself, cell by cell.
        const TimeToLossTable expected = timeToLossTable(data);
        for (int r = 0; r < 2; ++r) {
            QCOMPARE(text(rows, r, 4), TimeToLossWidget::formatNumber(expected.rows[size_t(r)].crossing.images, 5));
            QCOMPARE(text(rows, r, 5), TimeToLossWidget::formatNumber(expected.rows[size_t(r)].crossing.wall_s, 4));
        }

        // L = 1.5, typed: GoSGD crosses between (0, 2.0) and (100, 1.0): 50 images, 5 s
        // (linear interpolation); EAMSGD reaches it on a sample: 100 images, 20 s.
        QSignalSpy level_changed(&widget, &TimeToLossWidget::levelChanged);
        widget.levelEdit()->setText("1.5");
        Q_EMIT widget.levelEdit()->editingFinished();
        QCOMPARE(widget.table().level, 1.5);
        QVERIFY(!widget.table().level_is_default);
        QCOMPARE(level_changed.count(), 1);
        QCOMPARE(level_changed.front().front().toDouble(), 1.5);
        QCOMPARE(text(rows, 0, 4), QString("50"));
        QCOMPARE(text(rows, 0, 5), QString("5"));
        QCOMPARE(text(rows, 1, 4), QString("100"));
        QCOMPARE(text(rows, 1, 5), QString("20"));
        QCOMPARE(text(ratios, 0, 3), QString("0.5"));
        QCOMPARE(text(ratios, 0, 4), QString("0.25"));

        // A level nobody reaches, then back to the default.
        widget.setLevel(0.1);
        QCOMPARE(text(rows, 0, 4), QString("not reached"));
        QCOMPARE(text(ratios, 0, 3), QString("-"));
        widget.levelEdit()->setText("abc");
        Q_EMIT widget.levelEdit()->editingFinished();
        QCOMPARE(widget.table().level, 0.1);  // not a number: kept, flagged
        widget.setLevel(std::nullopt);
        QCOMPARE(widget.table().level, 1.0);
        QCOMPARE(text(rows, 1, 5), QString("40"));
    }

    void sweepPlotHasOneGraphPerAlgorithm() {
        // GoSGD and EAMSGD at p = 0.1 and 0.5 with two seeds each, naive once per seed.
        ExperimentData d;
        d.id = 2;
        d.kind = ExperimentKind::ConsensusVsP;
        int position = 0;
        int64_t id = 100;
        for (uint64_t seed : {1u, 2u})
            for (double p : {0.1, 0.5})
                for (Algorithm a : {Algorithm::GoSgd, Algorithm::Easgd}) {
                    RunData r = run(position++, id++, config(a, p, seed), {{0, 0, 2.0}, {10, 1, 1.0}});
                    // final loss: GoSGD 0.2 + p (+0.1 for seed 2), EAMSGD 0.6 + p (+0.1)
                    r.final_loss = (a == Algorithm::GoSgd ? 0.2 : 0.6) + p + (seed == 2 ? 0.1 : 0.0);
                    d.runs.push_back(r);
                }
        for (uint64_t seed : {1u, 2u}) {
            RunData r = run(position++, id++, config(Algorithm::Naive, 0.0, seed), {{0, 0, 2.0}, {10, 1, 1.5}});
            r.final_loss = seed == 1 ? 1.4 : 1.6;
            d.runs.push_back(r);
        }
        SweepPlot plot;
        plot.resize(800, 500);
        plot.setData(d);
        QVERIFY(plot.parameter().has_value());
        QVERIFY(*plot.parameter() == SweepParameter::P);
        QVERIFY(plot.metric() == Metric::FinalLoss);
        const MetricVsParameter expected = metricVsParameter(d, Metric::FinalLoss, SweepParameter::P);
        QCOMPARE(int(expected.lines.size()), 3);
        QCOMPARE(plot.graphCount(), 3);  // gosgd, eamsgd/easgd, naive
        QCOMPARE(plot.errorBarCount(), 3);  // two seeds everywhere: a spread on every line
        // The legend is laid out under the axes, not inside them over the points.
        plot.customPlot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(plot.customPlot()->legend->visible());
        QVERIFY(!plot.customPlot()->axisRect()->rect().intersects(plot.customPlot()->legend->outerRect()));
        int gosgd = -1, easgd = -1, naive = -1;
        for (int i = 0; i < plot.graphCount(); ++i) {
            const QString name = plot.graphName(i);
            if (name.startsWith("gosgd")) gosgd = i;
            else if (name.startsWith("eamsgd") || name.startsWith("easgd")) easgd = i;
            else if (name.startsWith("naive")) naive = i;
        }
        QVERIFY2(gosgd >= 0 && easgd >= 0 && naive >= 0,
                 qPrintable(plot.graphName(0) + "|" + plot.graphName(1) + "|" + plot.graphName(2)));
        const auto g = plot.graphPoints(gosgd);
        QCOMPARE(int(g.size()), 2);
        QCOMPARE(g[0].first, 0.1);
        QVERIFY(std::abs(g[0].second - 0.35) < 1e-12);  // mean of 0.3 and 0.4
        QCOMPARE(g[1].first, 0.5);
        QVERIFY(std::abs(g[1].second - 0.75) < 1e-12);
        const auto e = plot.graphPoints(easgd);
        QVERIFY(std::abs(e[0].second - 0.75) < 1e-12);
        QVERIFY(std::abs(e[1].second - 1.15) < 1e-12);
        const auto n = plot.graphPoints(naive);  // a level line across the plot
        QCOMPARE(int(n.size()), 2);
        QVERIFY(std::abs(n[0].second - 1.5) < 1e-12 && std::abs(n[1].second - 1.5) < 1e-12);
        QVERIFY(n[0].first < n[1].first);

        // Another metric redraws from the analysis: no run here knows its message count (NaN), so
        // the analysis has no line and the plot draws none (no stale graphs, no NaN points).
        plot.setMetric(Metric::Messages);
        QVERIFY(plot.metric() == Metric::Messages);
        QVERIFY(metricVsParameter(d, Metric::Messages, SweepParameter::P).lines.empty());
        QCOMPARE(plot.graphCount(), 0);
        QCOMPARE(plot.errorBarCount(), 0);

        // Exports in the three formats.
        plot.setMetric(Metric::FinalLoss);
        QTemporaryDir dir;
        for (const char* suffix : {"png", "pdf", "svg"}) {
            const QString path = dir.filePath(QString("sweep.") + suffix);
            QVERIFY2(plot.saveImage(path, 600, 400), qPrintable(path));
            QVERIFY(QFileInfo(path).size() > 500);
        }

        // One parameter value only: no sweep, no graph, a placeholder.
        ExperimentData single;
        single.runs.push_back(d.runs[0]);
        plot.setParameter(std::nullopt);
        plot.setData(single);
        QVERIFY(!plot.parameter().has_value());
        QCOMPARE(plot.graphCount(), 0);
    }

    void lossCurvesOneGraphPerRun() {
        LossCurvesPlot plot;
        plot.resize(600, 400);
        plot.setData(pairData());
        QCOMPARE(plot.graphCount(), 2);
        plot.setLevel(1.0);
        plot.setWallTime(true);
        QCOMPARE(plot.graphCount(), 2);
        plot.setData(ExperimentData{});
        QCOMPARE(plot.graphCount(), 0);
    }

    void theFixedSettingsLineFollowsTheBudget() {
        NewExperimentDialog dialog([] { return RunConfig{}; });
        dialog.setStart(NewExperimentDialog::Start::ConsensusVsP);
        QVERIFY(dialog.fixedSettingsText().contains("15000 images per worker"));
        dialog.budgetKind()->setCurrentIndex(dialog.budgetKind()->findData(QStringLiteral("images")));
        dialog.budgetValue()->setText("12345");
        QVERIFY2(dialog.fixedSettingsText().contains("12345 images per worker"), qPrintable(dialog.fixedSettingsText()));
        QVERIFY(!dialog.fixedSettingsText().contains("15000"));
    }

    // The long Fig. 1 preset is offered in the dialog with its extra runs (EAMSGD's two readings
    // of alpha, the waiting-alpha control) as the CLI's `sweep --preset paper-fig1-long` plans them.
    void theLongFig1PresetIsOffered() {
        NewExperimentDialog dialog([] { return RunConfig{}; });
        dialog.setStart(NewExperimentDialog::Start::PaperFig1Long);
        const auto spec = dialog.spec();
        QVERIFY(spec);
        QVERIFY(!spec->extra_runs.empty());
        const auto expansion = experiments::expand(experiments::paperFig1LongSpec());
        QCOMPARE(dialog.plannedRuns(), int(expansion.runs.size()));
    }

    void theAlgorithmsPresetIsOffered() {
        // Every algorithm in the grid, and the dialog plans what the CLI's --preset algorithms plans.
        NewExperimentDialog dialog([] { return RunConfig{}; });
        dialog.setStart(NewExperimentDialog::Start::Algorithms);
        const auto spec = dialog.spec();
        QVERIFY(spec);
        QCOMPARE(spec->grid.algorithm.size(), std::size(kAllAlgorithms));
        const auto expansion = experiments::expand(experiments::algorithmsSpec());
        QCOMPARE(dialog.plannedRuns(), int(expansion.runs.size()));
        QCOMPARE(dialog.plannedRuns(), 20);  // 8 algorithms, GoSGD and EAMSGD at two rates, 2 seeds
    }

    void aSweepOfOneAlgorithmIsNotOneColour() {
        // GoSGD at three values of p, two seeds each: one colour per p, the seeds of a p dashed apart.
        ExperimentData d;
        int position = 0;
        for (uint64_t seed : {1, 2})
            for (double p : {0.0, 0.1, 1.0}) {
                d.runs.push_back(run(position, 100 + position, config(Algorithm::GoSgd, p, seed), {{0, 0, 2.0}, {100, 10, 1.0}}));
                ++position;
            }
        LossCurvesPlot plot;
        plot.setData(d);
        QCOMPARE(plot.graphCount(), 6);
        QCustomPlot* cp = plot.customPlot();
        std::set<QRgb> colours;
        for (int k = 0; k < 3; ++k) colours.insert(cp->graph(k)->pen().color().rgb());
        QCOMPARE(colours.size(), size_t{3});
        for (int k = 0; k < 3; ++k) {
            QCOMPARE(cp->graph(k + 3)->pen().color(), cp->graph(k)->pen().color());  // same p, other seed
            QVERIFY(cp->graph(k + 3)->pen().style() != cp->graph(k)->pen().style());
        }
        // The paper's comparison (one setting per algorithm) keeps one colour per algorithm.
        plot.setData(pairData());
        QVERIFY(cp->graph(0)->pen().color() != cp->graph(1)->pen().color());
    }
};

QTEST_MAIN(TestExperimentsAnalysis)
#include "test_experiments_analysis.moc"
