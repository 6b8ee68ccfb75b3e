// The Compare tab with three recorded runs (GoSGD p = 0.02, GoSGD p = 1, EASGD): one mean line
// per run with a band over its workers (or every worker with the switch), one colour per run,
// linked x zoom, and a configuration table that marks exactly the keys whose values differ.

#include <QTemporaryDir>
#include <QtTest>

#include "history_test_support.h"
#include "ui/compare/compare_view.h"
#include "ui/compare/config_table.h"
#include "ui/model/config_diff.h"
#include "ui/plots/compare_plot.h"
#include "ui/plots/qcp.h"

using namespace gossiplab;
using namespace gossiplab::ui;
using history_test::RunSpec;

class TestCompareView : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path_;
    std::vector<int64_t> ids_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath("history.sqlite3");
        ids_.push_back(history_test::recordRun(path_.toStdString(), {"gosgd-p0.02", Algorithm::GoSgd, 0.02}));
        ids_.push_back(history_test::recordRun(path_.toStdString(), {"gosgd-p1", Algorithm::GoSgd, 1.0}));
        ids_.push_back(history_test::recordRun(path_.toStdString(), {"easgd", Algorithm::Easgd, 0.02}));
    }

    void diffMarksOnlyDifferingKeys() {
        const auto rows = diffConfigs({{{"a", "1"}, {"b", "x"}}, {{"a", "1"}, {"b", "y"}}, {{"a", "1"}, {"c", "z"}}}, {"c"});
        QCOMPARE(rows.size(), size_t(3));
        QCOMPARE(QString::fromStdString(rows[0].key), QString("c"));  // listed first
        QVERIFY(rows[0].differs);                                     // "" vs "z"
        QVERIFY(!rows[1].differs);                                    // a = 1 everywhere
        QVERIFY(rows[2].differs);
    }

    void overlaysOneGraphAndOneBandPerRun() {
        CompareView view;
        view.resize(1400, 900);
        QVERIFY(view.setRuns(path_, ids_).isEmpty());
        QCOMPARE(view.runIds(), ids_);
        ComparePlot* loss = view.lossPlot();
        QCOMPARE(loss->meanGraphCount(), 3);
        QCOMPARE(loss->bandCount(), 3);
        QCOMPARE(loss->workerGraphCount(), 0);
        // Run-level metrics: one line per run, no band.
        QCOMPARE(view.accuracyPlot()->meanGraphCount(), 3);
        QCOMPARE(view.accuracyPlot()->bandCount(), 0);
        QCOMPARE(view.consensusPlot()->meanGraphCount(), 3);
        // Alphas exist for the two GoSGD runs only.
        QCOMPARE(view.alphaPlot()->meanGraphCount(), 2);
        QCOMPARE(view.alphaPlot()->bandCount(), 2);
        // One colour per run, all different.
        QSet<QRgb> colors;
        for (const CompareRun& r : loss->runs()) colors.insert(r.color.rgb());
        QCOMPARE(colors.size(), 3);

        view.setShowWorkers(true);
        QCOMPARE(loss->bandCount(), 0);
        QCOMPARE(loss->workerGraphCount(), 3 * 4);
        QCOMPARE(loss->meanGraphCount(), 3);
        view.setShowWorkers(false);
        QCOMPARE(loss->bandCount(), 3);

        // The curve and its band: worker losses are 2/(1+0.01 i) + 0.001 w.
        QCPGraph* mean = nullptr;
        int mean_index = -1;
        for (int i = 0; i < loss->customPlot()->graphCount(); ++i)
            if (loss->customPlot()->graph(i)->name() == loss->runs()[0].name) {
                mean = loss->customPlot()->graph(i);
                mean_index = i;
            }
        QVERIFY(mean);
        QVERIFY(mean->data()->size() > 10);
        // The band drawn behind the run's curve: its upper edge is filled down to its lower edge.
        QVERIFY(mean_index >= 2);
        QCPGraph* hi = loss->customPlot()->graph(mean_index - 1);
        QCPGraph* lo = loss->customPlot()->graph(mean_index - 2);
        QCOMPARE(hi->channelFillGraph(), lo);
        QCOMPARE(hi->data()->size(), mean->data()->size());
        QCOMPARE(lo->data()->size(), mean->data()->size());
        // Every point of the curve is the run's recorded mean loss at its x (the fixture records
        // worker 0's loss as the run's mean, 64 images per iteration); the band at that x spans the
        // workers (lowest: worker 0, highest: worker 3) and holds the curve.
        const bool x_is_images = loss->customPlot()->xAxis->range().upper > 5000;
        int checked = 0;
        for (const QCPGraphData& p : *mean->data()) {
            const double iteration = x_is_images ? p.key / 64.0 : p.key;
            const double lowest = store_test::syntheticLoss(0, int64_t(iteration)), highest = store_test::syntheticLoss(3, int64_t(iteration));
            QVERIFY2(std::abs(p.value - lowest) < 1e-12,
                     qPrintable(QString("x %1: curve %2, recorded %3").arg(p.key).arg(p.value, 0, 'g', 12).arg(lowest, 0, 'g', 12)));
            const auto low = lo->data()->findBegin(p.key, false);
            const auto high = hi->data()->findBegin(p.key, false);
            QVERIFY(low != lo->data()->constEnd() && high != hi->data()->constEnd());
            QCOMPARE(low->key, p.key);
            QCOMPARE(high->key, p.key);
            QVERIFY2(std::abs(low->value - lowest) < 1e-12 && std::abs(high->value - highest) < 1e-12,
                     qPrintable(QString("x %1: band %2 .. %3, workers %4 .. %5").arg(p.key).arg(low->value).arg(high->value).arg(lowest).arg(highest)));
            QVERIFY2(low->value - 1e-12 <= p.value && p.value <= high->value + 1e-12,
                     qPrintable(QString("x %1: curve %2 outside its band %3 .. %4").arg(p.key).arg(p.value).arg(low->value).arg(high->value)));
            ++checked;
        }
        QCOMPARE(checked, mean->data()->size());
    }

    void linksTheXAxisAcrossPlots() {
        CompareView view;
        view.resize(1400, 900);
        QVERIFY(view.setRuns(path_, ids_).isEmpty());
        view.lossPlot()->customPlot()->xAxis->setRange(100, 500);
        for (ComparePlot* p : view.plots()) {
            QCOMPARE(p->customPlot()->xAxis->range().lower, 100.0);
            QCOMPARE(p->customPlot()->xAxis->range().upper, 500.0);
        }
        view.setXAxis(XAxis::Iterations);
        for (ComparePlot* p : view.plots()) QVERIFY(p->customPlot()->xAxis->label().contains("iterations"));
        QCOMPARE(view.lossPlot()->meanGraphCount(), 3);
    }

    void configTableMarksExactlyTheDifferingRows() {
        CompareView view;
        QVERIFY(view.setRuns(path_, ids_).isEmpty());
        // What differs, computed independently from the stored configs.
        auto history = store::RunHistory::open(path_.toStdString());
        QVERIFY(history);
        std::vector<std::map<std::string, std::string>> configs;
        for (int64_t id : ids_) configs.push_back(toKeyValues(*history->config(id)));
        QStringList expected;
        for (const auto& [key, value] : configs[0]) {
            bool differs = false;
            for (const auto& c : configs) differs = differs || c.at(key) != value;
            if (differs) expected << QString::fromStdString(key);
        }
        ConfigTable* table = view.configTable();
        QStringList marked = table->differingKeys();
        marked.sort();
        expected.sort();
        QCOMPARE(marked, expected);
        QVERIFY(marked.contains("p"));
        QVERIFY(marked.contains("algorithm"));
        QVERIFY(marked.contains("name"));
        QVERIFY(!marked.contains("seed"));
        QCOMPARE(table->columnCount(), 3);
        // Marked rows are bold, the others greyed; hiding hides exactly the equal ones.
        for (const QString& key : table->configKeys()) {
            const int row = table->rowOf(key);
            QVERIFY(row >= 0);
            QCOMPARE(table->item(row, 0)->font().bold(), expected.contains(key));
        }
        view.setHideEqual(true);
        for (const QString& key : table->configKeys()) QCOMPARE(table->isRowHidden(table->rowOf(key)), !expected.contains(key));
        // The final metrics stay.
        QVERIFY(!table->isRowHidden(table->rowOf("final mean loss")));
        QCOMPARE(table->item(table->rowOf("final mean loss"), 0)->text(), QString("0.25"));
        view.setHideEqual(false);
        for (const QString& key : table->configKeys()) QVERIFY(!table->isRowHidden(table->rowOf(key)));
    }

    void unknownRunsAreNamed() {
        CompareView view;
        const QString problem = view.setRuns(path_, {ids_[0], 9999});
        QVERIFY2(problem.contains("9999"), qPrintable(problem));
        QCOMPARE(view.runIds(), std::vector<int64_t>{ids_[0]});
    }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
