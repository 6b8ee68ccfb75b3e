// A multi-process run when a process dies or hangs: a rank killed mid-run (SIGKILL), a rank that
// hangs (SIGSTOP), rank 0 killed. Every case ends within a bound, nothing hangs, and the history
// stays consistent. Policy (README): a lost rank ends the run as failed on every survivor, and
// rank 0 reports the alpha lost with it.
#include <signal.h>

#include <cmath>
#include <thread>

#include "core/store/run_recorder.h"
#include "dist_support.h"

using namespace gossiplab;
using namespace gossiplab::test;
using namespace std::chrono_literals;

class TestDistFailures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void killedRankFailsTheRunAndReportsTheLostAlpha() {
        const int port = test::freePort();
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        auto opened = store::RunRecorder::open(db.toStdString());
        QVERIFY(opened);
        auto recorder = std::move(opened.value());
        test::DistLog log;
        ObserverFanOut observers;
        observers.add(&log);
        observers.add(recorder.get());
        Run run(longConfig(1), &observers, test::rankZero(3, port, 2.0));
        run.start();
        test::CliProcess one(QStringList{"run"} + kLongFlags + test::distFlags(3, 1, port, 1, 2.0), home.path());
        test::CliProcess two(QStringList{"run"} + kLongFlags + test::distFlags(3, 2, port, 1, 2.0), home.path());
        QString why;
        QVERIFY2(waitForSamples(log, 2, 30000, &why), qPrintable(why + "\n" + two.output()));
        ::kill(static_cast<pid_t>(two.pid()), SIGKILL);
        const auto killed = std::chrono::steady_clock::now();
        const RunResult r = run.wait();
        const double detected = test::seconds(killed);
        qInfo("rank 2 killed: rank 0 ended %.2f s later: %s", detected, r.message.c_str());
        // Detection within the peer timeout (2 s here) plus a heartbeat, and the wind-down.
        QVERIFY2(detected < 2.0 + 8.0, qPrintable(QString::number(detected)));
        QCOMPARE_NAMES(r.status, RunStatus::Failed);
        const QString message = QString::fromStdString(r.message);
        QVERIFY2(message.contains("rank 2") && message.contains("was lost") && message.contains("alpha lost with it"), r.message.c_str());
        QCOMPARE(r.lost_ranks, std::vector<int>{2});
        QVERIFY(log.sawState(2, ProcessState::Lost));
        // The survivor stops too, and says why.
        QCOMPARE(one.finish(20000), 1);
        QVERIFY2(one.output().contains("rank 2"), qPrintable(one.output()));
        // Exactly what the survivors hold after the drain, and what was lost.
        const FinalState s = run.finalState();
        double survivors = 0.0;
        for (double a : s.alphas) survivors += a;
        QVERIFY2(std::abs(survivors - r.alpha_sum) < 1e-9, qPrintable(QString("%1 vs %2").arg(survivors).arg(r.alpha_sum)));
        QVERIFY(std::abs(r.alpha_lost - (1.0 - r.alpha_sum)) < 1e-12);
        QVERIFY2(r.alpha_lost > 0.0 && r.alpha_lost < 1.0, qPrintable(QString::number(r.alpha_lost)));
        QCOMPARE(s.alphas[2], 0.0);  // rank 2's worker: lost with it
        // One run in the history, failed, with the reason.
        QVERIFY(!recorder->error());
        recorder.reset();
        const QString shown = cliOutput({"show", "1", "--db", db}, home.path());
        QVERIFY2(shown.contains("status     failed") && shown.contains("rank 2"), qPrintable(shown));
        QVERIFY(cliOutput({"runs", "--db", db}, home.path()).contains("1 run(s)"));
    }

    // A process that hangs (stopped, its connections open) is found by its heartbeat alone.
    void frozenRankIsLostWithinThePeerTimeout() {
        const int port = test::freePort();
        QTemporaryDir home;
        test::DistLog log;
        Run run(longConfig(1), &log, test::rankZero(2, port, 2.0));
        run.start();
        test::CliProcess one(QStringList{"run"} + kLongFlags + test::distFlags(2, 1, port, 1, 2.0), home.path());
        QString why;
        QVERIFY2(waitForSamples(log, 1, 30000, &why), qPrintable(why + "\n" + one.output()));
        ::kill(static_cast<pid_t>(one.pid()), SIGSTOP);
        const auto frozen = std::chrono::steady_clock::now();
        const RunResult r = run.wait();
        const double detected = test::seconds(frozen);
        ::kill(static_cast<pid_t>(one.pid()), SIGKILL);
        ::kill(static_cast<pid_t>(one.pid()), SIGCONT);
        qInfo("rank 1 frozen: rank 0 ended %.2f s later: %s", detected, r.message.c_str());
        QCOMPARE_NAMES(r.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(r.message).contains("rank 1") && QString::fromStdString(r.message).contains("no heartbeat"),
                 r.message.c_str());
        // The peer timeout is 2 s, counted from the last heartbeat, which may be up to 0.25 s older
        // than the freeze: never before 1.75 s. The upper bound only catches a detection that never
        // comes (the wind-down on a loaded machine may take seconds).
        QVERIFY2(detected >= 2.0 - 0.25 - 0.05 && detected < 2.0 + 15.0, qPrintable(QString::number(detected)));
        one.finish(5000);
    }

    void killedRankZeroStopsTheOthers() {
        const int port = test::freePort();
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        test::CliProcess zero(QStringList{"run"} + kLongFlags + test::distFlags(2, 0, port, 1, 2.0) + QStringList{"--db", db}, home.path());
        test::CliProcess one(QStringList{"run"} + kLongFlags + test::distFlags(2, 1, port, 1, 2.0), home.path());
        QVERIFY2(one.waitForOutput("budget:", 30000), qPrintable(one.output()));
        std::this_thread::sleep_for(1s);
        ::kill(static_cast<pid_t>(zero.pid()), SIGKILL);
        const auto killed = std::chrono::steady_clock::now();
        QCOMPARE(one.finish(20000), 1);
        const double detected = test::seconds(killed);
        qInfo("rank 0 killed: rank 1 ended %.2f s later", detected);
        QVERIFY(detected < 2.0 + 8.0);
        QVERIFY2(one.output().contains("rank 0") && one.output().contains("lost"), qPrintable(one.output()));
        zero.finish(5000);
        // The history on rank 0 stays consistent: the run shows as interrupted.
        const QString runs = cliOutput({"runs", "--db", db}, home.path());
        QVERIFY2(runs.contains("interrupted"), qPrintable(runs));
    }
};

QTEST_GUILESS_MAIN(TestDistFailures)
#include "test_dist_failures.moc"
