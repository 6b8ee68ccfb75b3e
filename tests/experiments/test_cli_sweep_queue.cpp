// gossiplab-cli sweep's queue: bad grids and --per-algorithm entries list every violation; Ctrl+C
// stops the run going on and leaves the queue resumable; --queue-only, then --resume in another
// process; --skip-interrupted on a queue whose runner died. Ctrl+C and the resume start
// gossiplab-cli processes; the other command lines are called in this process
// (tests/cli/cli_in_process.h): starting a process that loads LibTorch costs a second or more each.
#include <QtTest>

#include "cli_test_support.h"
#include "core/store/history.h"
#include "tests/cli/cli_in_process.h"

#include <csignal>

using namespace cli_test;

namespace {

// gossiplab-cli ARGS in this process, with XDG_DATA_HOME=home as cli() gives its processes.
CliResult inProcess(const QTemporaryDir& home, const QStringList& args) {
    const cli_in_process::Output r = cli_in_process::cli(home, args);
    return {r.exit_code, r.out, r.err};
}

}  // namespace

class TestCliSweepQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badGridsListEveryViolation() {
        QTemporaryDir home;
        const CliResult r = inProcess(home, QStringList{"sweep", "--grid-p", "0,1.5", "--grid-algorithm", "easgd,gosgd",
                                                        "--grid-workers", "2,0", "--batch-size", "0", "--grid-lr", "x"} + kTiny.mid(0, 4));
        QCOMPARE(r.exit_code, 2);
        QVERIFY2(r.err.contains("grid.workers = 0: workers is 0; allowed range: 1 to 64"), qPrintable(r.err));
        QVERIFY2(r.err.contains("grid.learning-rate = x: 'x' is not a number"), qPrintable(r.err));
        const CliResult r2 = inProcess(home, QStringList{"sweep", "--grid-p", "0,1.5", "--grid-algorithm", "easgd,gosgd",
                                                         "--batch-size", "0"} + kTiny.mid(0, 4));
        QCOMPARE(r2.exit_code, 2);
        QVERIFY2(r2.err.contains("grid.p = 1.5: p is 1.5; allowed range: 0 to 1"), qPrintable(r2.err));
        QVERIFY2(r2.err.contains("grid algorithm=easgd p=0: --easgd-tau:"), qPrintable(r2.err));
        QVERIFY2(r2.err.contains("base: --batch-size: batch-size is 0"), qPrintable(r2.err));
        QVERIFY(!QFile::exists(historyFile(home)));  // nothing was queued
        const CliResult unknown = inProcess(home, {"sweep", "--frobnicate", "1"});
        QCOMPARE(unknown.exit_code, 2);
        QVERIFY2(unknown.err.contains("unknown flag --frobnicate"), qPrintable(unknown.err));
        const CliResult preset = inProcess(home, {"sweep", "--preset", "fig9"});
        QCOMPARE(preset.exit_code, 2);
        QVERIFY2(preset.err.contains("--preset = fig9: unknown experiment preset; allowed: paper-fig1, paper-fig1-long, consensus-vs-p, algorithms"),
                 qPrintable(preset.err));
        const CliResult resume = inProcess(home, {"sweep", "--resume", "1", "--grid-p", "1"});
        QCOMPARE(resume.exit_code, 2);
        QVERIFY2(resume.err.contains("--resume takes only --db, --skip-interrupted, --progress and --quiet"), qPrintable(resume.err));
        QVERIFY(!QFile::exists(historyFile(home)));
    }

    // A malformed --per-algorithm entry, alone or among others, is refused naming the flag and
    // the entry; nothing is queued.
    void badPerAlgorithmEntriesAreNamed_data() {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<QString>("message");
        const QString expected = "expected ALGORITHM.SETTING=VALUE, e.g. easgd.momentum=0.99";
        QTest::newRow("no setting") << "easgd" << expected;
        QTest::newRow("no value") << "easgd.momentum" << expected;
        QTest::newRow("no algorithm") << "momentum=0.9" << expected;
        QTest::newRow("unknown algorithm") << "adam.momentum=0.9" << expected;
        QTest::newRow("unknown setting") << "easgd.colour=1" << "unknown setting 'colour' (the settings are those of gossiplab-cli run)";
        QTest::newRow("value out of range") << "easgd.momentum=2" << "momentum is 2";
        QTest::newRow("a grid axis") << "gosgd.p=0.5" << "'p' is a grid axis here (grid.p); drop one of the two";
    }
    void badPerAlgorithmEntriesAreNamed() {
        QFETCH(QString, entry);
        QFETCH(QString, message);
        QTemporaryDir home;
        const QStringList grid = QStringList{"sweep", "--grid-algorithm", "gosgd,easgd", "--grid-p", "0.5,1"} + kTiny;
        const CliResult alone = inProcess(home, grid + QStringList{"--per-algorithm", entry});
        QCOMPARE(alone.exit_code, 2);
        // "--per-algorithm = ENTRY: ..." from the command line; "ALG.KEY = VALUE: ..." once the
        // entry parsed and its setting is checked against the grid.
        const bool parsed = !message.startsWith("expected") && !message.startsWith("unknown setting");
        const QString named = parsed ? entry.section('=', 0, 0) + " = " + entry.section('=', 1) : "--per-algorithm = " + entry;
        QVERIFY2(alone.err.contains(named + ": " + message), qPrintable(alone.err));
        // Among valid entries it is still named, and they are not.
        const CliResult among = inProcess(home, grid + QStringList{"--per-algorithm", "easgd.momentum=0.8", "--per-algorithm", entry,
                                                                   "--per-algorithm", "gosgd.lr=0.05"});
        QCOMPARE(among.exit_code, 2);
        QVERIFY2(among.err.contains(named + ": " + message), qPrintable(among.err));
        QVERIFY2(!among.err.contains("easgd.momentum=0.8") && !among.err.contains("gosgd.lr"), qPrintable(among.err));
        QVERIFY(!QFile::exists(historyFile(home)));
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
        const CliResult list = inProcess(home, {"experiments"});
        QVERIFY2(list.out.contains("paused"), qPrintable(list.out));
        QVERIFY(list.out.contains("0/2 done, 2 queued"));
        QVERIFY(inProcess(home, {"runs"}).out.contains("stopped"));
    }

    void queueOnlyThenResume() {
        QTemporaryDir home;
        const CliResult queued = inProcess(home, QStringList{"sweep", "--queue-only", "--images", "300", "--grid-p", "0.2,0.8"} + kTiny);
        QVERIFY2(queued.exit_code == 0, qPrintable(queued.err));
        QVERIFY(queued.out.contains("run it with: gossiplab-cli sweep --resume 1"));
        QVERIFY(inProcess(home, {"experiments"}).out.contains("0/2 done, 2 queued"));
        // Resumed by a process of its own, as the line above tells the user to.
        const CliResult resumed = cli(home, {"sweep", "--resume", "1", "--quiet"});
        QVERIFY2(resumed.exit_code == 0, qPrintable(resumed.out + resumed.err));
        QVERIFY(resumed.out.contains("resuming experiment 1"));
        QVERIFY(resumed.out.contains("experiment 1 done: 2 run(s) done"));
        QVERIFY(inProcess(home, {"experiments"}).out.contains("2/2 done"));
        const CliResult unknown = inProcess(home, {"sweep", "--resume", "5"});
        QCOMPARE(unknown.exit_code, 1);
        QVERIFY2(unknown.err.contains("no experiment 5 in " + historyFile(home)), qPrintable(unknown.err));
    }

    // A runner that died during a run leaves its item interrupted. --resume runs it again from the
    // start; --resume --skip-interrupted skips it (no new attempt, no run) and runs the rest.
    void skipInterruptedSkipsTheRunAResumeWouldRerun() {
        QTemporaryDir home;
        for (const char* name : {"skip", "rerun"}) {
            const CliResult queued = inProcess(home, QStringList{"sweep", "--queue-only", "--name", name, "--images", "300",
                                                                 "--grid-p", "0.2,0.5,0.8"} + kTiny);
            QVERIFY2(queued.exit_code == 0, qPrintable(queued.err));
        }
        {
            // As a killed runner leaves them: each experiment claimed, its first item started, and the
            // history closed without releasing the claim.
            auto history = gossiplab::store::RunHistory::open(historyFile(home).toStdString());
            QVERIFY2(history, history ? "" : history.error().message.c_str());
            for (int64_t id : {1, 2}) {
                QVERIFY(history->claimExperiment(id, true).ok());
                auto item = history->startNextItem(id);
                QVERIFY(item.ok() && item->has_value() && (*item)->position == 0);
            }
        }
        const CliResult before = inProcess(home, {"experiments"});
        QVERIFY2(before.out.count("0/3 done, 2 queued, 1 interrupted") == 2, qPrintable(before.out));

        const CliResult skipped = inProcess(home, {"sweep", "--resume", "1", "--skip-interrupted"});
        QVERIFY2(skipped.exit_code == 0, qPrintable(skipped.out + skipped.err));
        QVERIFY2(skipped.out.contains("run 1 was interrupted: skipped"), qPrintable(skipped.out));
        QVERIFY(!skipped.out.contains("runs again from the start"));
        QVERIFY2(skipped.out.contains("experiment 1 done: 2 run(s) done, 1 skipped"), qPrintable(skipped.out));
        QVERIFY(!skipped.out.contains("[1/3]"));  // never started again
        QVERIFY(skipped.out.contains("[2/3]") && skipped.out.contains("[3/3]"));
        QVERIFY2(inProcess(home, {"runs", "--tag", "experiment:1"}).out.contains("\n2 run(s)"), "the skipped run was run");
        const CliResult show = inProcess(home, {"experiment", "show", "1", "--markdown"});
        QVERIFY2(show.out.contains("progress   2/3 done, 0 queued, 1 skipped, 0 cancelled, 0 interrupted"), qPrintable(show.out));
        QVERIFY2(show.out.contains("| 1 | gosgd p=0.2 | skipped | - | 1 |"), qPrintable(show.out));  // one attempt, no run

        // The same queue resumed without the flag: the interrupted run runs again, a second attempt.
        const CliResult rerun = inProcess(home, {"sweep", "--resume", "2"});
        QVERIFY2(rerun.exit_code == 0, qPrintable(rerun.out + rerun.err));
        QVERIFY2(rerun.out.contains("run 1 was interrupted: it runs again from the start"), qPrintable(rerun.out));
        QVERIFY2(rerun.out.contains("[1/3] gosgd p=0.2 (attempt 2)"), qPrintable(rerun.out));
        QVERIFY2(rerun.out.contains("experiment 2 done: 3 run(s) done\n"), qPrintable(rerun.out));
        QVERIFY(inProcess(home, {"runs", "--tag", "experiment:2"}).out.contains("\n3 run(s)"));
    }
};

QTEST_GUILESS_MAIN(TestCliSweepQueue)
#include "test_cli_sweep_queue.moc"
