// gossiplab-cli sweep end to end: bad grids list every violation; Ctrl+C stops the run going on and
// leaves the queue resumable; --queue-only, then --resume in another process.
#include <QtTest>

#include "cli_test_support.h"

#include <csignal>

using namespace cli_test;

class TestCliSweepQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badGridsListEveryViolation() {
        QTemporaryDir home;
        const CliResult r = cli(home, QStringList{"sweep", "--grid-p", "0,1.5", "--grid-algorithm", "easgd,gosgd",
                                                  "--grid-workers", "2,0", "--batch-size", "0", "--grid-lr", "x"} + kTiny.mid(0, 4));
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.err.contains("grid.workers = 0: workers is 0; allowed range: 1 to 64"), qPrintable(r.err));
        QVERIFY2(r.err.contains("grid.learning-rate = x: 'x' is not a number"), qPrintable(r.err));
        const CliResult r2 = cli(home, QStringList{"sweep", "--grid-p", "0,1.5", "--grid-algorithm", "easgd,gosgd",
                                                   "--batch-size", "0"} + kTiny.mid(0, 4));
        QCOMPARE(r2.exit_code, 2);
        QVERIFY2(r2.err.contains("grid.p = 1.5: p is 1.5; allowed range: 0 to 1"), qPrintable(r2.err));
        QVERIFY2(r2.err.contains("grid algorithm=easgd p=0: --easgd-tau:"), qPrintable(r2.err));
        QVERIFY2(r2.err.contains("base: --batch-size: batch-size is 0"), qPrintable(r2.err));
        QVERIFY(!QFile::exists(home.path() + "/gossiplab/history.sqlite3"));  // nothing was queued
        QCOMPARE(cli(home, {"sweep", "--frobnicate", "1"}).exit_code, 2);
        QCOMPARE(cli(home, {"sweep", "--preset", "fig9"}).exit_code, 2);
        QCOMPARE(cli(home, {"sweep", "--resume", "1", "--grid-p", "1"}).exit_code, 2);
    }

    void ctrlCLeavesTheQueueResumable() {
        QTemporaryDir home;
        QProcess p;
        p.setProcessEnvironment(environmentFor(home));
        p.start(cliPath(), QStringList{"sweep", "--name", "interrupted", "--seconds", "60", "--grid-seed", "1,2"} + kTiny);
        QVERIFY(p.waitForStarted());
        // Wait until the first run starts (the line comes once Ctrl+C is handled), then a little.
        QString out;
        QElapsedTimer timer;
        timer.start();
        while (!out.contains("[1/2]") && timer.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += QString::fromUtf8(p.readAllStandardOutput());
        }
        QVERIFY2(out.contains("[1/2]"), qPrintable(out));
        QTest::qWait(1000);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        out += QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY2(out.contains("2 run(s) still queued; resume with: gossiplab-cli sweep --resume 1"), qPrintable(out));
        const CliResult list = cli(home, {"experiments"});
        QVERIFY2(list.out.contains("paused"), qPrintable(list.out));
        QVERIFY(list.out.contains("0/2 done, 2 queued"));
        QVERIFY(cli(home, {"runs"}).out.contains("stopped"));
    }

    void queueOnlyThenResume() {
        QTemporaryDir home;
        const CliResult queued = cli(home, QStringList{"sweep", "--queue-only", "--images", "300", "--grid-p", "0.2,0.8"} + kTiny);
        QVERIFY2(queued.exit_code == 0, qPrintable(queued.err));
        QVERIFY(queued.out.contains("run it with: gossiplab-cli sweep --resume 1"));
        QVERIFY(cli(home, {"experiments"}).out.contains("0/2 done, 2 queued"));
        const CliResult resumed = cli(home, {"sweep", "--resume", "1", "--quiet"});
        QVERIFY2(resumed.exit_code == 0, qPrintable(resumed.out + resumed.err));
        QVERIFY(resumed.out.contains("resuming experiment 1"));
        QVERIFY(resumed.out.contains("experiment 1 done: 2 run(s) done"));
        QVERIFY(cli(home, {"experiments"}).out.contains("2/2 done"));
        QCOMPARE(cli(home, {"sweep", "--resume", "5"}).exit_code, 1);
    }
};

QTEST_GUILESS_MAIN(TestCliSweepQueue)
#include "test_cli_sweep_queue.moc"
