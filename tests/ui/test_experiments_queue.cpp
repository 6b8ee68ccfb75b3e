// The Experiments tab with real runs (synthetic data, the MLP, a real history file in a temp
// folder, core's ExperimentRunner and TrainingLauncher): a 2 x 2 grid runs to completion from the
// view's queue, lists its 4 runs, shows the analysis's numbers, sends every run's events to the
// live observer and exports without overwriting silently; cancelling mid-queue leaves the current
// run `stopped` and the rest queued; closing the view with runs queued and recreating it shows the
// queue as it was, and Resume runs the stopped item again.
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <memory>
#include <set>

#include "core/experiments/analysis.h"
#include "core/experiments/experiment_data.h"
#include "core/store/history.h"
#include "ui/compare/compare_view.h"
#include "ui/experiments/experiment_plots.h"
#include "ui/experiments/experiment_queue_controller.h"
#include "ui/experiments/experiments_view.h"

using namespace gossiplab;
using namespace gossiplab::experiments;
using namespace gossiplab::ui;

namespace {

RunConfig tinyBase(double images = 480, double seconds = 0) {
    RunConfig c;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.workers = 2;
    c.batch_size = 16;
    c.p = 0.5;
    c.learning_rate = 0.05;
    c.metrics_every = 2;
    c.distance_every = 5;
    c.intra_op_threads = 1;
    c.budget_kind = seconds > 0 ? BudgetKind::Seconds : BudgetKind::ImagesPerWorker;
    c.budget = seconds > 0 ? seconds : images;
    return c;
}

// Counts what reaches the Live tab's end of the wiring (the monitor thread calls it).
struct CountingObserver final : RunObserver {
    std::atomic<int> started{0}, ended{0}, samples{0};
    void onRunStarted(const RunInfo&) override { ++started; }
    void onRunSample(const RunSample&) override { ++samples; }
    void onRunEnded(const RunResult&) override { ++ended; }
};

store::RunHistory openHistory(const QString& path) {
    auto history = store::RunHistory::open(path.toStdString());
    if (!history) qFatal("cannot open %s: %s", qPrintable(path), history.error().message.c_str());
    return std::move(history.value());
}

QString name(store::QueueItemStatus s) { return QString::fromStdString(store::toString(s)); }
QString name(store::ExperimentState s) { return QString::fromStdString(store::toString(s)); }

QString cellText(QTableWidget* table, int row, int column) {
    auto* item = table->item(row, column);
    return item ? item->text() : QString("<none>");
}

QStringList columnTexts(QTableWidget* table, int column) {
    QStringList out;
    for (int r = 0; r < table->rowCount(); ++r) out << cellText(table, r, column);
    return out;
}

QStringList tableTexts(QTableWidget* table) {
    QStringList out;
    for (int r = 0; r < table->rowCount(); ++r) {
        QStringList row;
        for (int c = 0; c < table->columnCount(); ++c) row << cellText(table, r, c);
        out << row.join(" | ");
    }
    return out;
}

// A queue of `n` GoSGD runs at different p that each last `seconds` unless stopped.
ExperimentSpec longSpec(const std::string& name, int n, double seconds = 30) {
    ExperimentSpec spec;
    spec.name = name;
    spec.base = tinyBase(0, seconds);
    for (int i = 0; i < n; ++i) spec.grid.p.push_back(0.1 * (i + 1));
    return spec;
}

}  // namespace

class TestExperimentsQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gridRunsToCompletionFromTheQueue() {
        QTemporaryDir dir;
        const QString path = dir.filePath("history.sqlite3");
        CountingObserver live;
        ExperimentsView view(path, [] { return tinyBase(); }, &live);
        view.resize(1400, 900);

        ExperimentSpec spec;
        spec.name = "grid 2x2";
        spec.base = tinyBase();
        spec.grid.algorithm = {Algorithm::GoSgd, Algorithm::Easgd};
        spec.grid.p = {0.25, 0.5};
        QString error;
        const auto id = view.createExperiment(spec, &error);
        QVERIFY2(id.has_value(), qPrintable(error));
        QCOMPARE(view.selectedExperiment(), *id);
        QCOMPARE(view.queueTable()->rowCount(), 4);
        QCOMPARE(columnTexts(view.queueTable(), 2), QStringList({"queued", "queued", "queued", "queued"}));
        QCOMPARE(view.runButton()->text(), QString("Run"));
        QVERIFY(view.runButton()->isEnabled());

        QSignalSpy finished(&view, &ExperimentsView::experimentFinished);
        QVERIFY(view.runSelected());
        QVERIFY(view.controller()->isActive());
        QVERIFY(!view.runSelected());  // one queue at a time
        QTRY_VERIFY_WITH_TIMEOUT(!view.controller()->isActive(), 150000);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.front().at(1).toString(), QString("done"));

        // The view shows the queue done, with the 4 runs' ids; the list shows 4 / 4.
        view.refreshNow();
        QCOMPARE(view.queueTable()->rowCount(), 4);
        QCOMPARE(columnTexts(view.queueTable(), 2), QStringList({"done", "done", "done", "done"}));
        std::set<qint64> ids;
        for (const QString& t : columnTexts(view.queueTable(), 3)) ids.insert(t.toLongLong());
        QCOMPARE(int(ids.size()), 4);
        QVERIFY(!ids.count(0));
        QCOMPARE(view.experimentList()->rowCount(), 1);
        QCOMPARE(cellText(view.experimentList(), 0, 1), QString("done"));
        QCOMPARE(cellText(view.experimentList(), 0, 2), QString("4 / 4"));
        QVERIFY(!view.runButton()->isEnabled());

        // The history agrees: 4 finished runs, linked and tagged.
        auto history = openHistory(path);
        const auto loaded = loadExperiment(history, *id, true);
        QVERIFY(loaded.has_value());
        QCOMPARE(int(loaded->queue.size()), 4);
        QCOMPARE(int(runIdsOf(*loaded).size()), 4);
        for (const auto& item : loaded->queue) {
            QCOMPARE(name(item.status), QString("done"));
            QVERIFY(ids.count(item.run_id));
            const auto run = history.run(item.run_id);
            QVERIFY(run.has_value());
            QCOMPARE(QString::fromStdString(toString(run->status)), QString("finished"));
        }
        // Every run's events went to the live observer too.
        QCOMPARE(live.started.load(), 4);
        QCOMPARE(live.ended.load(), 4);
        QVERIFY(live.samples.load() > 0);

        // The analysis shown is the analysis of the stored runs.
        const TimeToLossTable expected = timeToLossTable(loaded->data);
        QCOMPARE(view.timeToLoss()->rowsTable()->rowCount(), 4);
        QCOMPARE(view.timeToLoss()->table().level, expected.level);
        for (int r = 0; r < 4; ++r) {
            const auto& row = expected.rows[size_t(r)];
            QVERIFY(row.crossing.reached);  // L is the worst final loss: every run gets there
            QCOMPARE(cellText(view.timeToLoss()->rowsTable(), r, 4), TimeToLossWidget::formatNumber(row.crossing.images, 5));
            QCOMPARE(cellText(view.timeToLoss()->rowsTable(), r, 5), TimeToLossWidget::formatNumber(row.crossing.wall_s, 4));
        }
        QCOMPARE(view.timeToLoss()->ratiosTable()->rowCount(), int(expected.ratios.size()));
        QCOMPARE(int(expected.ratios.size()), 2);  // p = 0.25 and 0.5: GoSGD vs EASGD tau = 4 and 2
        // The sweep plot: against p, one graph per algorithm.
        QVERIFY(view.sweepPlot()->parameter().has_value());
        QVERIFY(*view.sweepPlot()->parameter() == SweepParameter::P);
        QCOMPARE(view.sweepPlot()->graphCount(), 2);
        QCOMPARE(view.lossCurves()->graphCount(), 4);
        // The Compare view in the "Run curves" tab holds the experiment's runs.
        QCOMPARE(int(view.compareView()->runIds().size()), 4);

        // Export: every file, then nothing replaced unless the user says so.
        const QString out = dir.filePath("export");
        int asked = 0;
        bool answer = false;
        view.setOverwriteQuestion([&](const QStringList& existing) {
            ++asked;
            return existing.isEmpty() ? true : answer;
        });
        auto result = view.exportTo(*id, out);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(asked, 0);
        for (const char* name : {"experiment.json", "queue.csv", "time_to_loss.csv", "time_to_loss_ratios.csv",
                                 "time_to_loss.md", "runs.csv", "series.csv", "metrics_vs_p.csv",
                                 "loss_curves_images.png", "loss_curves_wall_time.pdf", "final_loss_vs_p.png",
                                 "final_loss_vs_p.pdf", "final_loss_vs_p.svg", "test_accuracy_vs_p.svg", "compare-loss.png",
                                 "compare-loss.svg"}) {
            QVERIFY2(QFileInfo(QDir(out).filePath(name)).size() > 0, name);
        }
        QFile queue_csv(QDir(out).filePath("queue.csv"));
        QVERIFY(queue_csv.open(QIODevice::WriteOnly | QIODevice::Truncate));
        queue_csv.write("kept\n");
        queue_csv.close();
        result = view.exportTo(*id, out);
        QVERIFY(!result.ok);
        QVERIFY(result.cancelled);
        QCOMPARE(asked, 1);
        QVERIFY(queue_csv.open(QIODevice::ReadOnly));
        QCOMPARE(queue_csv.readAll(), QByteArray("kept\n"));
        queue_csv.close();
        answer = true;
        result = view.exportTo(*id, out);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(asked, 2);
        QVERIFY(queue_csv.open(QIODevice::ReadOnly));
        QVERIFY(queue_csv.readAll().startsWith("position"));
        // An export into a file (not a folder) says why it failed.
        QFile blocker(dir.filePath("not-a-folder"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        result = view.exportTo(*id, dir.filePath("not-a-folder"));
        QVERIFY(!result.ok);
        QVERIFY(!result.error.isEmpty());
    }

    void cancelMidQueueLeavesTheRestQueued() {
        QTemporaryDir dir;
        const QString path = dir.filePath("history.sqlite3");
        ExperimentsView view(path, {}, nullptr);
        const auto id = view.createExperiment(longSpec("cancel", 3));
        QVERIFY(id.has_value());
        QVERIFY(view.runSelected());
        QTRY_VERIFY_WITH_TIMEOUT(view.controller()->runnerStatus().run_id != 0, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(view.controller()->currentProgress().has_value(), 30000);
        QCOMPARE(view.controller()->runnerStatus().position, 0);
        const int64_t run_id = view.controller()->runnerStatus().run_id;
        view.cancelCurrent();
        QTRY_VERIFY_WITH_TIMEOUT(!view.controller()->isActive(), 30000);
        view.refreshNow();
        QCOMPARE(columnTexts(view.queueTable(), 2), QStringList({"cancelled", "queued", "queued"}));
        QCOMPARE(cellText(view.queueTable(), 0, 3), QString::number(run_id));
        QCOMPARE(cellText(view.experimentList(), 0, 1), QString("paused"));

        auto history = openHistory(path);
        const auto queue = history.queueOf(*id);
        QCOMPARE(int(queue.size()), 3);
        QCOMPARE(name(queue[0].status), QString("cancelled"));
        QCOMPARE(name(queue[1].status), QString("queued"));
        QCOMPARE(name(queue[2].status), QString("queued"));
        QCOMPARE(queue[1].run_id, int64_t(0));
        const auto run = history.run(run_id);
        QVERIFY(run.has_value());
        QCOMPARE(QString::fromStdString(toString(run->status)), QString("stopped"));
        // The rest can still be run: Resume is offered.
        QCOMPARE(view.runButton()->text(), QString("Resume"));
        QVERIFY(view.runButton()->isEnabled());
    }

    void closingWithRunsQueuedAndReopeningShowsTheQueue() {
        QTemporaryDir dir;
        const QString path = dir.filePath("history.sqlite3");
        int64_t id = 0, first_run = 0;
        QStringList before_queue, before_list;
        {
            auto view = std::make_unique<ExperimentsView>(path, std::function<RunConfig()>{}, nullptr);
            const auto made = view->createExperiment(longSpec("resume", 3));
            QVERIFY(made.has_value());
            id = *made;
            QVERIFY(view->runSelected());
            QTRY_VERIFY_WITH_TIMEOUT(view->controller()->runnerStatus().run_id != 0, 60000);
            first_run = view->controller()->runnerStatus().run_id;
            // The app closes with the first run going and two queued.
            view->shutdown();
            QVERIFY(!view->controller()->isActive());
            view->refreshNow();
            before_queue = tableTexts(view->queueTable());
            before_list = tableTexts(view->experimentList());
        }  // destroyed
        QCOMPARE(before_queue.size(), 3);
        {
            auto history = openHistory(path);
            const auto queue = history.queueOf(id);
            QCOMPARE(name(queue[0].status), QString("queued"));  // stopped now: runs again on resume
            QCOMPARE(queue[0].attempts, 1);
            QCOMPARE(queue[0].run_id, first_run);
            QCOMPARE(name(queue[1].status), QString("queued"));
            QCOMPARE(name(queue[2].status), QString("queued"));
            QCOMPARE(QString::fromStdString(toString(history.run(first_run)->status)), QString("stopped"));
            QCOMPARE(name(history.experiment(id)->state), QString("paused"));
        }

        // Reopened: the same queue, and Resume.
        ExperimentsView view(path, {}, nullptr);
        QCOMPARE(view.selectedExperiment(), id);
        QCOMPARE(tableTexts(view.queueTable()), before_queue);
        QCOMPARE(tableTexts(view.experimentList()), before_list);
        QCOMPARE(columnTexts(view.queueTable(), 2), QStringList({"queued", "queued", "queued"}));
        QCOMPARE(view.runButton()->text(), QString("Resume"));
        QVERIFY(view.runButton()->isEnabled());
        QVERIFY(view.findChild<QLabel*>("resumePolicy")->text().contains("again from the start"));

        // Resume runs the stopped item again, from the start (a new run).
        QVERIFY(view.runSelected());
        QTRY_VERIFY_WITH_TIMEOUT(view.controller()->runnerStatus().run_id != 0, 60000);
        QCOMPARE(view.controller()->runnerStatus().position, 0);
        QVERIFY(view.controller()->runnerStatus().run_id != first_run);
        view.shutdown();
        auto history = openHistory(path);
        QCOMPARE(history.queueOf(id)[0].attempts, 2);
    }
};

QTEST_MAIN(TestExperimentsQueue)
#include "test_experiments_queue.moc"
