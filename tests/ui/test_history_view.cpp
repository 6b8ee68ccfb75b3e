// The History tab on a real history file with a run of each status: it lists them all, sorts by
// every kind of column, filters by text, status, algorithm and tag, follows runs recorded by
// another connection (keeping the selection), edits, deletes only when confirmed, re-runs, and
// opens a run with its plots and the distance-snapshot slider.

#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "history_test_support.h"
#include "ui/history/run_filter_model.h"
#include "ui/history/run_table_model.h"
#include "ui/history/run_viewer.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/worker_series_panel.h"
#include "ui/window/history_view.h"

using namespace gossiplab;
using namespace gossiplab::ui;
using history_test::RunSpec;

Q_DECLARE_METATYPE(std::vector<int64_t>)
Q_DECLARE_METATYPE(gossiplab::RunConfig)

class TestHistoryView : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string path_;
    std::unique_ptr<store::RunRecorder> live_;
    std::map<std::string, int64_t> ids_;

    std::vector<int64_t> shownIds(const HistoryView& view) const {
        std::vector<int64_t> ids;
        auto* model = view.filterModel();
        for (int r = 0; r < model->rowCount(); ++r) ids.push_back(model->index(r, 0).data(RunTableModel::kIdRole).toLongLong());
        return ids;
    }

private Q_SLOTS:
    void initTestCase() {
        qRegisterMetaType<std::vector<int64_t>>();
        qRegisterMetaType<gossiplab::RunConfig>();
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath("history.sqlite3").toStdString();
        const std::vector<RunSpec> specs = {
            {"alpha-finished", Algorithm::GoSgd, 0.02, RunStatus::Finished, 0.30, {"paper"}},
            {"beta-stopped", Algorithm::Easgd, 0.1, RunStatus::Stopped, 0.10, {}},
            {"gamma-diverged", Algorithm::Naive, 0.02, RunStatus::Diverged, 0.90, {"bad"}},
            {"delta-failed", Algorithm::GoSgd, 1.0, RunStatus::Failed, 0.50, {}},
            {"epsilon-interrupted", Algorithm::GoSgd, 0.5, RunStatus::Interrupted, 0.0, {"paper"}},
        };
        for (const auto& s : specs) ids_[s.name] = history_test::recordRun(path_, s);
        ids_["zeta-running"] = history_test::recordRun(path_, {"zeta-running", Algorithm::Easgd, 0.02, RunStatus::Running}, &live_);
    }

    void listsEveryRunWithItsStatus() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        QCOMPARE(view.runCount(), 6);
        QCOMPARE(view.visibleRunCount(), 6);
        const auto* model = view.tableModel();
        const std::map<std::string, RunStatus> expected = {
            {"alpha-finished", RunStatus::Finished}, {"beta-stopped", RunStatus::Stopped},
            {"gamma-diverged", RunStatus::Diverged}, {"delta-failed", RunStatus::Failed},
            {"epsilon-interrupted", RunStatus::Interrupted}, {"zeta-running", RunStatus::Running}};
        for (const auto& [name, status] : expected) {
            const RunRow* row = model->rowOf(ids_[name]);
            QVERIFY2(row, name.c_str());
            QCOMPARE(QString::fromStdString(toString(row->record.status)), QString::fromStdString(toString(status)));
            QCOMPARE(QString::fromStdString(row->record.name), QString::fromStdString(name));
        }
        // p and lr come from the stored configs.
        QCOMPARE(model->rowOf(ids_["delta-failed"])->p, 1.0);
        QCOMPARE(model->rowOf(ids_["beta-stopped"])->learning_rate, 0.05);
        // Newest first by default.
        const auto shown = shownIds(view);
        QVERIFY(std::is_sorted(shown.rbegin(), shown.rend()));
    }

    void sortsNumbersAsNumbers() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        view.table()->sortByColumn(RunTableModel::MeanLoss, Qt::AscendingOrder);
        auto ids = shownIds(view);
        // Finished/stopped/diverged/failed runs have their final loss; the others their latest one.
        QCOMPARE(ids.front(), ids_["beta-stopped"]);
        std::vector<double> losses;
        for (int64_t id : ids) losses.push_back(view.tableModel()->rowOf(id)->record.mean_loss);
        QVERIFY(std::is_sorted(losses.begin(), losses.end()));
        view.table()->sortByColumn(RunTableModel::P, Qt::DescendingOrder);
        ids = shownIds(view);
        QCOMPARE(ids.front(), ids_["delta-failed"]);  // p = 1 > 0.5 > 0.1 > 0.02 (not "0.5" > "1" as text)
        QCOMPARE(ids[1], ids_["epsilon-interrupted"]);
        view.table()->sortByColumn(RunTableModel::Name, Qt::AscendingOrder);
        ids = shownIds(view);
        QCOMPARE(ids.front(), ids_["alpha-finished"]);
        QCOMPARE(ids.back(), ids_["zeta-running"]);
    }

    void filtersByTextStatusAlgorithmAndTag() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        view.filterEdit()->setText("DIVERGED");  // case-insensitive, matches name and status
        QCOMPARE(shownIds(view), std::vector<int64_t>{ids_["gamma-diverged"]});
        view.filterEdit()->setText(QStringLiteral("#%1").arg(ids_["beta-stopped"]));
        QCOMPARE(shownIds(view), std::vector<int64_t>{ids_["beta-stopped"]});
        view.filterEdit()->clear();
        QCOMPARE(view.visibleRunCount(), 6);

        view.statusFilter()->setCurrentIndex(view.statusFilter()->findText("failed"));
        QCOMPARE(shownIds(view), std::vector<int64_t>{ids_["delta-failed"]});
        view.statusFilter()->setCurrentIndex(0);

        view.algorithmFilter()->setCurrentIndex(view.algorithmFilter()->findData("easgd"));
        auto ids = shownIds(view);
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, (std::vector<int64_t>{ids_["beta-stopped"], ids_["zeta-running"]}));
        view.algorithmFilter()->setCurrentIndex(0);

        const int paper = view.tagFilter()->findText("paper");
        QVERIFY(paper > 0);
        view.tagFilter()->setCurrentIndex(paper);
        ids = shownIds(view);
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, (std::vector<int64_t>{ids_["alpha-finished"], ids_["epsilon-interrupted"]}));
        // Filters combine.
        view.filterEdit()->setText("epsilon");
        QCOMPARE(shownIds(view), std::vector<int64_t>{ids_["epsilon-interrupted"]});
        view.filterEdit()->setText("beta");
        QCOMPARE(view.visibleRunCount(), 0);
    }

    void followsRunsRecordedElsewhereAndKeepsTheSelection() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        view.selectRuns({ids_["beta-stopped"], ids_["gamma-diverged"]});
        const auto selected = view.selectedRunIds();
        QCOMPARE(selected.size(), size_t(2));
        const int before = view.runCount();
        // Another connection (as another process would) records a run into the same file.
        const int64_t id = history_test::recordRun(path_, {"eta-elsewhere", Algorithm::GoSgd, 0.02, RunStatus::Finished, 0.2});
        QTRY_COMPARE_WITH_TIMEOUT(view.runCount(), before + 1, 5000);
        QVERIFY(view.tableModel()->rowOf(id));
        auto now = view.selectedRunIds();
        std::sort(now.begin(), now.end());
        auto was = selected;
        std::sort(was.begin(), was.end());
        QCOMPARE(now, was);
        // A rename elsewhere shows too (the list version moves).
        {
            auto history = store::RunHistory::open(path_);
            QVERIFY(history && history->rename(id, "eta-renamed"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(view.tableModel()->rowOf(id)->record.name), QString("eta-renamed"), 5000);
        QVERIFY(view.deleteRuns({id}).isEmpty());
    }

    void editsDeletesOnlyWhenConfirmedAndReruns() {
        const int64_t id = history_test::recordRun(path_, {"theta-edit", Algorithm::Easgd, 0.25, RunStatus::Finished, 0.4});
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        QCOMPARE(view.renameRun(id, "  "), QString("Name: a run needs a name (not empty)"));
        QVERIFY(view.renameRun(id, "theta-renamed").isEmpty());
        QVERIFY(view.setRunTags(id, {"x", " y ", ""}).isEmpty());
        QVERIFY(view.setRunNotes(id, "a note").isEmpty());
        const RunRow* row = view.tableModel()->rowOf(id);
        QCOMPARE(QString::fromStdString(row->record.name), QString("theta-renamed"));
        QCOMPARE(row->record.tags, (std::vector<std::string>{"x", "y"}));
        QCOMPARE(QString::fromStdString(row->record.notes), QString("a note"));

        QSignalSpy rerun(&view, &HistoryView::rerunRequested);
        view.selectRuns({id});
        view.rerunSelected();
        QCOMPARE(rerun.count(), 1);
        const auto config = rerun.at(0).at(0).value<RunConfig>();
        QCOMPARE(config.p, 0.25);
        QVERIFY(config.algorithm == Algorithm::Easgd);

        QStringList asked;
        view.setConfirmation([&](const QString& q) { asked << q; return false; });
        view.deleteSelected();
        QCOMPARE(asked.size(), 1);
        QVERIFY(asked.front().contains("theta-renamed"));
        QVERIFY(view.tableModel()->rowOf(id));  // declined: still there
        view.setConfirmation([](const QString&) { return true; });
        view.selectRuns({id});
        view.deleteSelected();
        QVERIFY(!view.tableModel()->rowOf(id));
        // A live run cannot be deleted; the reason names it.
        QVERIFY(!view.deleteRuns({ids_["zeta-running"]}).isEmpty());
    }

    void opensARunWithItsPlotsAndSnapshots() {
        HistoryView view;
        view.resize(1400, 800);
        view.setHistoryPath(QString::fromStdString(path_));
        view.selectRuns({ids_["alpha-finished"]});
        RunViewer* viewer = view.viewer();
        QCOMPARE(viewer->runId(), ids_["alpha-finished"]);
        QCOMPARE(viewer->data().workers(), 4);
        QVERIFY(viewer->lossPanel()->hasData());
        QVERIFY(viewer->exchangePanel()->hasData());
        // feedSamples records a matrix every 10 rounds: 20 over 200 rounds.
        QCOMPARE(viewer->snapshotCount(), 20);
        QCOMPARE(viewer->shownSnapshot(), 19);
        QCOMPARE(viewer->data().distances().at.iteration, int64_t(200));
        viewer->snapshotSlider()->setValue(0);
        QCOMPARE(viewer->data().distances().at.iteration, int64_t(10));
        QCOMPARE(viewer->distancePanel()->matrixSize(), 4);
        // The matrix values are those recorded at iteration 10.
        QCOMPARE(viewer->data().distances().distances[1], 0.1 * 1 + 1e-3 * 10);
    }

    // The viewer follows a run being recorded while the view is shown and catches up when it is
    // shown again; hidden (the Live tab shows that run) it does not re-read the run, which took
    // longer and longer on the GUI thread as the run grew.
    void theViewerFollowsARecordingRunOnlyWhileShown() {
        HistoryView view;
        view.setHistoryPath(QString::fromStdString(path_));
        view.resize(900, 600);
        view.show();
        view.selectRuns({ids_["zeta-running"]});
        QCOMPARE(view.viewer()->runId(), ids_["zeta-running"]);
        const int64_t first = view.viewer()->data().pointsAppended();
        QVERIFY(first > 0);
        store_test::feedSamples(*live_, 4, 201, 60, false);
        QVERIFY(live_->flush());
        QTRY_VERIFY_WITH_TIMEOUT(view.viewer()->data().pointsAppended() > first, 10000);

        view.hide();
        const int64_t while_shown = view.viewer()->data().pointsAppended();
        store_test::feedSamples(*live_, 4, 261, 60, false);
        QVERIFY(live_->flush());
        QTest::qWait(3 * HistoryView::kPollIntervalMs);  // three polls see the new rows
        QCOMPARE(view.viewer()->data().pointsAppended(), while_shown);

        view.show();
        QTRY_VERIFY_WITH_TIMEOUT(view.viewer()->data().pointsAppended() > while_shown, 10000);
    }
};

QTEST_MAIN(TestHistoryView)
#include "test_history_view.moc"
