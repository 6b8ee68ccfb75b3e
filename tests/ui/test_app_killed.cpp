// kill -9 of the desktop app while it records a run (issue 18). The app is this test program run
// again as a child (GOSSIPLAB_KILLED_APP_HISTORY names its history): the real MainWindow,
// offscreen, on a history file, starts a long 4-worker run from its settings form, as a user's
// click would. Once the child's rows are in the file (read by this process, read-only, while the
// child writes), the test kills it with SIGKILL, three times at different moments, each time
// into the same file. After each kill the file passes SQLite's integrity_check, and the next start
// of the window finds the run interrupted (the History table says so) with the rows committed
// before the kill, and can record a new run that finishes.
#include <QApplication>
#include <QProcess>
#include <QPushButton>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

#include <csignal>
#include <cstdlib>

#include "core/store/history.h"
#include "core/store/series_names.h"
#include "ui/history/run_table_model.h"
#include "ui/live/run_controller.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/history_view.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

constexpr const char* kChildVariable = "GOSSIPLAB_KILLED_APP_HISTORY";

RunConfig runConfig(BudgetKind kind, double budget) {
    RunConfig c;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.workers = 4;
    c.p = 0.2;
    c.learning_rate = 0.05;
    c.batch_size = 16;
    c.budget_kind = kind;
    c.budget = budget;
    c.metrics_every = 2;
    c.distance_every = 4;
    c.eval_every_images = 0;
    c.eval_max_images = 256;
    c.intra_op_threads = 1;
    return c;
}

void useTestSettings(const QString& folder) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, folder);
    QCoreApplication::setOrganizationName("GossipLabTest");
    QCoreApplication::setApplicationName("gossiplab-killed-test");
}

// The child: the app recording a run of an hour, until it is killed.
int runChild(int argc, char** argv, const QString& history) {
    QApplication app(argc, argv);
    useTestSettings(QFileInfo(history).absolutePath() + "/settings");
    MainWindow w(history);
    w.resize(1400, 900);
    w.show();
    w.settingsPanel()->setConfig(runConfig(BudgetKind::Seconds, 3600));
    if (!w.settingsPanel()->isValid()) return 3;
    QTest::mouseClick(w.settingsPanel()->startButton(), Qt::LeftButton);
    if (!w.controller()->isActive()) return 4;
    std::fprintf(stderr, "child: recording\n");
    return app.exec();
}

// Worker 0's loss rows of run `run_id` in the file (0 before the run exists).
int64_t countRows(const QString& path, int64_t run_id) {
    if (!QFileInfo::exists(path)) return 0;
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(path.toStdString(), options);
    if (!history) return -1;
    return static_cast<int64_t>(history->readSeries(run_id, store::series::kLoss, 0).size());
}

QString integrityCheck(const QString& path) {
    sqlite3* db = nullptr;
    QString answer;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK) {
            while (sqlite3_step(statement) == SQLITE_ROW)
                answer += QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0))) + "\n";
        }
        sqlite3_finalize(statement);
    } else {
        answer = QString("cannot open: ") + sqlite3_errmsg(db);
    }
    sqlite3_close(db);
    return answer.trimmed();
}

QString statusShown(HistoryView* view, int64_t run_id) {
    const RunTableModel* model = view->tableModel();
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->data(model->index(row, RunTableModel::Id), Qt::DisplayRole).toLongLong() == run_id)
            return model->data(model->index(row, RunTableModel::Status), Qt::DisplayRole).toString();
    return "(not listed)";
}

}  // namespace

class TestAppKilled : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        useTestSettings(dir_.filePath("settings"));
        if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
    }

    void killedWhileRecordingLeavesAnIntactHistoryAndAnInterruptedRun() {
        const QString history = dir_.filePath("history.sqlite3");
        // Killed once its first rows are committed, then later in a run (more rows), then again.
        const int64_t rows_before_kill[] = {1, 40, 10};
        for (int round = 0; round < 3; ++round) {
            QProcess child;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(kChildVariable, history);
            env.insert("QT_QPA_PLATFORM", "offscreen");
            child.setProcessEnvironment(env);
            child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            child.start(QCoreApplication::applicationFilePath(), {});
            QVERIFY(child.waitForStarted());
            // No bound but a hang's: the rows arrive whatever the machine's speed.
            const int64_t killed_run = 2 * round + 1;
            QTRY_VERIFY_WITH_TIMEOUT(countRows(history, killed_run) >= rows_before_kill[round] || child.state() != QProcess::Running,
                                     120000);
            QCOMPARE(child.state(), QProcess::Running);
            ::kill(static_cast<pid_t>(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(30000));
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);
            const int64_t rows = countRows(history, killed_run);
            QVERIFY2(rows >= rows_before_kill[round], qPrintable(QString::number(rows)));

            QCOMPARE(integrityCheck(history), QString("ok"));
            // The next start: the window finds the run interrupted and shows it so.
            MainWindow w(history);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            w.historyView()->refresh();
            QCOMPARE(w.historyView()->runCount(), 2 * round + 1);
            QCOMPARE(statusShown(w.historyView(), killed_run), RunTableModel::statusText(RunStatus::Interrupted));
            QCOMPARE(countRows(history, killed_run), rows);  // nothing committed before the kill was lost
            // ... and records the next run in the same file.
            w.settingsPanel()->setConfig(runConfig(BudgetKind::ImagesPerWorker, 320));
            QTest::mouseClick(w.settingsPanel()->startButton(), Qt::LeftButton);
            QVERIFY(w.controller()->isActive());
            QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 120000);
            QCOMPARE(w.controller()->recordedRunId(), killed_run + 1);
            QCOMPARE(QString::fromStdString(toString(w.controller()->lastResult()->status)), QString("finished"));
            QCOMPARE(integrityCheck(history), QString("ok"));
            qInfo("kill %d: after %lld loss rows of worker 0; history intact, run %lld interrupted, run %lld finished", round + 1,
                  static_cast<long long>(rows), static_cast<long long>(killed_run), static_cast<long long>(killed_run + 1));
        }
    }
};

int main(int argc, char** argv) {
    if (const char* history = std::getenv(kChildVariable)) return runChild(argc, argv, QString::fromLocal8Bit(history));
    QApplication app(argc, argv);
    TestAppKilled test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_app_killed.moc"
