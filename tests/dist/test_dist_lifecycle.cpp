// A multi-process run's start and stop: a rank that never joins, a rank 0 that is not there, a
// stop from another rank (Ctrl+C), and a rank given other training settings than rank 0's. Every
// case names what went wrong. The times are checked from below where the code promises a wait (a
// join timeout is not cut short); from above only against a hang (kHangS), never against how fast
// a loaded machine gets there.
#include <signal.h>
#include <torch/version.h>

#include <QFile>
#include <QRegularExpression>
#include <cmath>

#include "dist_support.h"

using namespace gossiplab;
using namespace gossiplab::test;

namespace {
// Far above any of these cases' real times (seconds), far below ctest's timeout: a hang, not a slow machine.
constexpr double kHangS = 60.0;

// The local addresses (as /proc/net/tcp{,6} write them: hex, e.g. 0100007F for 127.0.0.1) of the
// sockets listening on `port`.
QStringList listenersOn(int port) {
    QStringList out;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        QFile f(table);
        if (!f.open(QIODevice::ReadOnly)) continue;
        for (const QByteArray& line : f.readAll().split('\n')) {
            const QStringList fields = QString::fromLatin1(line).split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
            if (fields.size() < 4 || fields[3] != "0A") continue;  // 0A: LISTEN
            const QStringList local = fields[1].split(':');
            if (local.size() == 2 && local[1].toInt(nullptr, 16) == port) out << local[0];
        }
    }
    return out;
}
}  // namespace

class TestDistLifecycle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rankThatNeverJoinsFailsWithinTheJoinTimeout() {
        const int port = freeLocalPort();
        QTemporaryDir home;
        // Rank 1 is started first (it waits for rank 0's rendezvous); rank 2 never is.
        test::CliProcess one(QStringList{"run"} + kLongFlags + test::distFlags(3, 1, port, 1), home.path());
        QVERIFY2(one.waitForOutput("rank 1 of 3", 30000), qPrintable(one.output()));
        DistributedOptions d = test::rankZero(3, port);
        d.join_timeout_s = 8;  // rank 1 has to connect meanwhile, on a busy machine too
        test::DistLog log;
        Run run(longConfig(1), &log, d);
        const auto t0 = std::chrono::steady_clock::now();
        run.start();
        const RunResult r = run.wait();
        const double took = test::seconds(t0);
        QCOMPARE_NAMES(r.status, RunStatus::Failed);
        QVERIFY2(QString::fromStdString(r.message).contains("rank 2 did not join within 8 s"), r.message.c_str());
        QVERIFY2(took >= 7.9 && took < kHangS, qPrintable(QString::number(took)));
        QCOMPARE(log.started, 0);
        QCOMPARE(log.ended.size(), size_t(1));
        QVERIFY(log.sawState(1, ProcessState::Joined));
        const auto processes = run.processes();
        QCOMPARE(processes.size(), size_t(3));
        QCOMPARE_NAMES(processes[2].state, ProcessState::Waiting);
        // The rank that joined is told the same, and ends.
        QCOMPARE(one.finish(int(kHangS * 1000)), 1);
        QVERIFY2(one.output().contains("rank 2 did not join"), qPrintable(one.output()));
    }

    // The rendezvous listens on the master address alone where LibTorch lets it (2.4 and later:
    // a socket bound there is handed to the store); LibTorch 1.13's store listens on every
    // interface, as README says.
    void theRendezvousListensOnTheMasterAddress() {
        const int port = freeLocalPort();
        DistributedOptions d = test::rankZero(2, port);
        d.join_timeout_s = 20;  // rank 1 never comes: the run is stopped once the port is seen
        test::DistLog log;
        Run run(longConfig(1), &log, d);
        run.start();
        QStringList listening;
        for (int k = 0; k < 200 && listening.isEmpty(); ++k) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            listening = listenersOn(port);
        }
        run.requestStop();
        run.wait();
        QVERIFY2(!listening.isEmpty(), "nothing listened on the rendezvous port");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        QCOMPARE(listening, QStringList{"0100007F"});
#else
        for (const QString& address : listening)
            QVERIFY2(address.count('0') == address.size(), qPrintable(address + " (LibTorch 1.13 listens on every interface)"));
#endif
    }

    void rankZeroThatIsNotThere() {
        const int port = freeLocalPort();
        QTemporaryDir home;
        QString out;
        const auto t0 = std::chrono::steady_clock::now();
        QStringList flags = kLongFlags + test::distFlags(2, 1, port, 1);
        flags[flags.indexOf("--join-timeout") + 1] = "3";
        QCOMPARE(test::runCli(flags, home.path(), &out, int(kHangS * 1000)), 1);
        QVERIFY2(test::seconds(t0) < kHangS, qPrintable(QString::number(test::seconds(t0))));
        QVERIFY2(out.contains("could not reach rank 0") || out.contains("did not publish"), qPrintable(out));
    }

    void stopFromAnotherRankStopsEveryone() {
        const int port = freeLocalPort();
        QTemporaryDir home;
        test::DistLog log;
        Run run(longConfig(1), &log, test::rankZero(2, port));
        run.start();
        test::CliProcess one(QStringList{"run"} + kLongFlags + test::distFlags(2, 1, port, 1), home.path());
        QString why;
        QVERIFY2(waitForSamples(log, 1, 30000, &why), qPrintable(why + "\n" + one.output()));
        ::kill(static_cast<pid_t>(one.pid()), SIGINT);  // Ctrl+C on rank 1
        const auto asked = std::chrono::steady_clock::now();
        const RunResult r = run.wait();
        QVERIFY2(test::seconds(asked) < kHangS, qPrintable(QString::number(test::seconds(asked))));
        QCOMPARE_NAMES(r.status, RunStatus::Stopped);
        QVERIFY2(QString::fromStdString(r.message).contains("stopped by the user on rank 1"), r.message.c_str());
        QCOMPARE(one.finish(int(kHangS * 1000)), 0);
        QVERIFY(std::abs(r.alpha_sum - 1.0) < 1e-9);  // a clean stop loses nothing
    }

    void otherTrainingSettingsOnAnotherRankAreRefused() {
        const int port = freeLocalPort();
        QTemporaryDir home;
        Run run(longConfig(1), nullptr, test::rankZero(2, port));
        run.start();
        QStringList flags = kLongFlags + test::distFlags(2, 1, port, 1);
        flags[flags.indexOf("--lr") + 1] = "0.5";
        test::CliProcess one(QStringList{"run"} + flags, home.path());
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Failed);
        const QString message = QString::fromStdString(r.message);
        QVERIFY2(message.contains("rank 1 cannot take part") && message.contains("--lr 0.5") && message.contains("learning-rate"),
                 r.message.c_str());
        QCOMPARE(one.finish(int(kHangS * 1000)), 1);
    }
};

QTEST_GUILESS_MAIN(TestDistLifecycle)
#include "test_dist_lifecycle.moc"
