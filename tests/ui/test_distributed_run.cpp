// The dashboard's "Distributed" settings and runs over several processes:
//   - the command line shown for each other rank parses back (with gossiplab-cli's own flag
//     parser, after the shell's own word splitting) into exactly the form's settings;
//   - the Distributed fields are validated at the field (validate(DistributedOptions)), Start
//     stays disabled meanwhile;
//   - a local 2-process run started from the window: the process list shows both ranks joined,
//     every worker of both processes reports (global numbers 0-3), the run finishes and is one run
//     of 4 workers in the history;
//   - a local rank that dies is shown as lost and is the run's ending reason; a missing
//     gossiplab-cli is a clear start failure.
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QtTest>

#include "core/cli/run_flags.h"
#include "core/store/history.h"
#include "ui/live/distributed_setup.h"
#include "ui/live/live_view.h"
#include "ui/live/local_ranks.h"
#include "ui/live/process_list_view.h"
#include "ui/live/run_controller.h"
#include "ui/live/run_status_header.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

RunConfig tinyConfig(int workers = 2) {
    RunConfig c;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.workers = workers;
    c.p = 0.2;
    c.learning_rate = 0.05;
    c.batch_size = 16;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 1600;
    c.metrics_every = 2;
    c.distance_every = 4;
    c.eval_every_images = 0;
    c.eval_max_images = 256;
    c.intra_op_threads = 1;
    return c;
}

// Every setting away from its default, with text that needs quoting.
RunConfig everythingChanged() {
    RunConfig c;
    c.name = "it's a \"test\" run";
    c.algorithm = Algorithm::Easgd;
    c.workers = 3;
    c.p = 0.0123456789012345;
    c.learning_rate = 0.1;
    c.momentum = 0.9;
    c.weight_decay = 1e-4;
    c.batch_size = 32;
    c.easgd_alpha = 0.25;
    c.easgd_tau = 7;
    c.seed = 18446744073709551615ull;
    c.budget_kind = BudgetKind::Seconds;
    c.budget = 12.5;
    c.devices = "cpu";
    c.test_model = TestModel::Center;
    c.eval_every_images = 500;
    c.eval_max_images = 300;
    c.metrics_every = 3;
    c.distance_every = 9;
    c.dataset = "synthetic";
    c.data_dir = "/tmp/a folder/with $dollar";
    c.model = "mlp";
    c.intra_op_threads = 2;
    c.lr_schedule = {{100, 0.05}, {200, 0.01}};
    c.allow_zero_learning_rate = true;
    c.init_noise = 0.5;
    return c;
}

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const QString& s : list) out.push_back(s.toStdString());
    return out;
}

// What a POSIX shell makes of the command's words: run it with printf in place of the program.
QStringList shellWords(const QString& command) {
    const int space = command.indexOf(' ');
    QProcess sh;
    sh.start("/bin/sh", {"-c", "printf '%s\\0' " + command.mid(space + 1)});
    if (!sh.waitForFinished(10000)) return {};
    QStringList words = QString::fromUtf8(sh.readAllStandardOutput()).split(QChar(0));
    if (!words.isEmpty() && words.last().isEmpty()) words.removeLast();
    return words;
}

store::RunHistory openReadOnly(const QString& path) {
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(path.toStdString(), options);
    if (!history) qFatal("cannot open %s: %s", qPrintable(path), history.error().message.c_str());
    return std::move(history).value();
}

QString describe(const RunController& c) {
    QString out;
    for (const ProcessRow& r : c.processes())
        out += QString("rank %1 %2 joined %3 %4 %5\n")
                   .arg(r.status.process.rank)
                   .arg(QString::fromStdString(toString(r.status.state)))
                   .arg(r.joined_s)
                   .arg(r.note, QString::fromStdString(r.status.detail));
    if (c.localRanks()) out += c.localRanks()->log().join('\n');
    return out;
}

}  // namespace

class TestDistributedRun : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    int counter_ = 0;
    QString newHistory() { return dir_.filePath(QString("history-%1.sqlite3").arg(++counter_)); }

    static void enableLocal(RunController* controller, int world) {
        DistributedSetup d;
        d.enabled = true;
        d.mode = DistributedSetup::Mode::Local;
        d.world = world;
        d.master_port = 0;
        d.join_timeout_s = 30;
        d.peer_timeout_s = 10;  // a busy CI machine must not make a healthy rank look lost
        controller->setDistributed(d);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("settings"));
        QCoreApplication::setOrganizationName("GossipLabTest");
        QCoreApplication::setApplicationName("gossiplab-test-distributed");
        if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
    }

    void commandLineParsesBackIntoTheSameSettings() {
        const RunConfig config = everythingChanged();
        QVERIFY2(validate(config).empty(), formatErrors(validate(config)).c_str());
        DistributedSetup d;
        d.enabled = true;
        d.mode = DistributedSetup::Mode::Host;
        d.world = 3;
        d.master_host = "10.0.0.1";
        d.master_port = 29611;
        d.join_timeout_s = 30;
        d.peer_timeout_s = 7.5;
        for (int rank : {1, 2}) {
            const QString command = otherRankCommand(config, d, rank);
            QVERIFY2(command.startsWith("gossiplab-cli run "), qPrintable(command));
            const QStringList words = shellWords(command);
            QCOMPARE(words, otherRankArguments(config, d, rank));
            QCOMPARE(words.first(), QString("run"));
            const auto parsed = cli::parseRunFlags(toStd(words.mid(1)));
            QString errors;
            for (const auto& e : parsed.errors) errors += QString::fromStdString(e.field + ": " + e.message + "\n");
            QVERIFY2(parsed.errors.empty(), qPrintable(errors + command));
            // Every setting, exactly (the CLI's own comparison: toKeyValues).
            const auto expected = toKeyValues(config);
            const auto got = toKeyValues(parsed.flags.config);
            for (const auto& [key, value] : expected)
                QVERIFY2(got.at(key) == value, qPrintable(QString::fromStdString(key + ": " + got.at(key) + " != " + value)));
            // And rank 1 would accept them as rank 0's (no conflict).
            QCOMPARE(QString::fromStdString(cli::settingsConflicts(config, parsed.flags.given)), QString());
            QCOMPARE(parsed.flags.dist.world, 3);
            QCOMPARE(parsed.flags.dist.rank, rank);
            QCOMPARE(QString::fromStdString(parsed.flags.dist.master_host), QString("10.0.0.1"));
            QCOMPARE(parsed.flags.dist.master_port, 29611);
            QCOMPARE(parsed.flags.dist.join_timeout_s, 30.0);
            QCOMPARE(parsed.flags.dist.peer_timeout_s, 7.5);
        }
        // Defaults give a short command: the workers and the distribution only.
        DistributedSetup local;
        local.enabled = true;
        QCOMPARE(otherRankCommand(RunConfig{}, local, 1, 23456),
                 QString("gossiplab-cli run --workers 4 --world 2 --rank 1 --master 127.0.0.1:23456"));
    }

    void theWindowsLiveViewFindsItsController() {
        MainWindow w(newHistory());
        QCOMPARE(w.liveView()->controller(), w.controller());
        QVERIFY(!w.controller()->distributed().enabled);
    }

    // The controller and the live view as the window puts them together (without the window's
    // other tabs). The Distributed section of the settings form is not in this build (see README).
    void localTwoProcessRun() {
        const QString path = newHistory();
        RunController controller;
        controller.setHistoryPath(path);
        controller.setCliPath(GOSSIPLAB_CLI_PATH);
        QWidget window;
        auto* layout = new QHBoxLayout(&window);
        auto* live = new LiveView(&window);
        layout->addWidget(live, 1);
        live->attachController(&controller);
        live->setRunData(&controller.data());
        QObject::connect(&controller, &RunController::stateChanged, live,
                         [&](RunController::State s) { live->setLive(s != RunController::State::Idle); });
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        enableLocal(&controller, 2);
        QVERIFY(controller.distributed().enabled);
        QSignalSpy ended(&controller, &RunController::runEnded);
        QVERIFY(controller.start(tinyConfig(2)));
        QVERIFY(controller.isActive());
        ProcessListView* list = live->processList();
        QVERIFY(list->isVisible());
        QCOMPARE(list->rowCount(), 2);
        RunController* c = &controller;

        // Both processes join; rank 1 runs workers 2-3.
        QTRY_VERIFY2_WITH_TIMEOUT(list->joinedCount() == 2 || !c->isActive(), qPrintable(describe(*c)), 60000);
        QVERIFY2(list->joinedCount() == 2, qPrintable(describe(*c)));
        QVERIFY2(list->summaryText().contains("2 of 2 joined"), qPrintable(list->summaryText()));
        QVERIFY(c->runPort() > 0);
        // Every worker of both processes reports, numbered globally.
        QTRY_VERIFY2_WITH_TIMEOUT(c->data().workers() == 4 &&
                                      !c->data().worker(WorkerSeries::Loss, 0).empty() &&
                                      !c->data().worker(WorkerSeries::Loss, 3).empty(),
                                  qPrintable(describe(*c)), 60000);
        const ProcessRow& rank1 = c->processes().at(1);
        QCOMPARE(rank1.status.process.first_worker, 2);
        QCOMPARE(rank1.status.process.workers, 2);
        QVERIFY(rank1.local);
        QVERIFY2(list->cellText(1, ProcessListView::Workers).contains("2"), qPrintable(list->cellText(1, ProcessListView::Workers)));

        QTRY_VERIFY2_WITH_TIMEOUT(!ended.isEmpty(), qPrintable(describe(*c)), 90000);
        QVERIFY(c->lastResult().has_value());
        const RunResult result = *c->lastResult();
        QVERIFY2(result.status == RunStatus::Finished, (toString(result.status) + ": " + result.message).c_str());
        for (int worker = 0; worker < 4; ++worker)
            QVERIFY2(!c->data().worker(WorkerSeries::Loss, worker).empty(), qPrintable(QString::number(worker)));
        QCOMPARE(list->cellText(1, ProcessListView::State), QString("finished"));
        // The process list stays, showing how each ended; the local rank exits by itself.
        QVERIFY(list->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(!c->localRanks()->anyRunning(), 60000);
        QVERIFY2(c->localRanks()->exitDescription(1).contains("code 0"), qPrintable(describe(*c)));
        QVERIFY2(c->localRanks()->log().join('\n').contains("rank 1"), qPrintable(describe(*c)));

        // One run in the history, with every worker of both processes.
        store::RunHistory history = openReadOnly(path);
        const auto runs = history.listRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(runs[0].workers, 4);
        QCOMPARE(QString::fromStdString(toString(runs[0].status)), QString("finished"));
        QCOMPARE(runs[0].id, c->recordedRunId());
        for (int worker = 0; worker < 4; ++worker)
            QVERIFY2(!history.readSeries(runs[0].id, store::series::kLoss, worker).empty(), qPrintable(QString::number(worker)));
        QVERIFY(history.readSeries(runs[0].id, store::series::kLoss, 4).empty());
    }

    void aLocalRankThatDiesEndsTheRunAndSaysSo() {
        // "gossiplab-cli" that exits at once with status 3, writing why.
        QTemporaryDir bin;
        const QString fake = bin.filePath("gossiplab-cli");
        {
            QFile f(fake);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\necho 'fake rank: cannot load the data' >&2\nexit 3\n");
        }
        QFile::setPermissions(fake, QFile::permissions(fake) | QFileDevice::ExeOwner);
        RunController controller;
        controller.setHistoryPath(newHistory());
        controller.setCliPath(fake);
        DistributedSetup d;
        d.enabled = true;
        d.world = 2;
        d.master_port = 0;
        d.join_timeout_s = 3600;  // the run must not wait for it: it would run into the test's time limit
        controller.setDistributed(d);
        QSignalSpy ended(&controller, &RunController::runEnded);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(controller.start(tinyConfig(1)));
        // Only a hang fails (120 s, a loaded machine included); the time itself is a figure.
        QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 120000);
        qInfo("the lost rank ended the run after %lld ms", static_cast<long long>(clock.elapsed()));
        QVERIFY(controller.lastResult().has_value());
        const RunResult result = *controller.lastResult();
        QCOMPARE(QString::fromStdString(toString(result.status)), QString("failed"));
        const QString message = QString::fromStdString(result.message);
        QVERIFY2(message.contains("rank 1") && message.contains("exited with code 3") && message.contains("cannot load the data"),
                 qPrintable(message));
        QCOMPARE(controller.processes().size(), size_t(2));
        QCOMPARE(QString::fromStdString(toString(controller.processes()[1].status.state)), QString("lost"));
        QVERIFY(controller.processes()[1].note.contains("exited with code 3"));
    }

    void aMissingCliIsAClearStartFailure() {
        RunController controller;
        controller.setHistoryPath(newHistory());
        controller.setCliPath(dir_.filePath("no-such-dir/gossiplab-cli"));
        DistributedSetup d;
        d.enabled = true;
        d.world = 2;
        d.master_port = 0;
        controller.setDistributed(d);
        QSignalSpy failed(&controller, &RunController::startFailed);
        QVERIFY(controller.start(tinyConfig(1)));
        QTRY_VERIFY_WITH_TIMEOUT(!failed.isEmpty(), 10000);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains("gossiplab-cli was not found") && message.contains("no-such-dir"), qPrintable(message));
        QVERIFY(!controller.isActive());
        QVERIFY(controller.processes().empty());
    }
};

QTEST_MAIN(TestDistributedRun)
#include "test_distributed_run.moc"
