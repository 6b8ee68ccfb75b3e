// Runs over several "hosts" that are network namespaces joined by veth pairs to a bridge (as
// bench/network_experiment.sh builds them): each rank is a gossiplab-cli process in its own
// namespace, with its own address (10.78.0.h+1), and reaches the others only over its link.
// Needs root (ip netns); skipped with a message otherwise. Namespaces are named gl-t-PID-...
// and deleted at the end of each case, also when it fails.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

// Runs a command; its exit code (-1 when it did not end normally).
int sh(const QString& program, const QStringList& args, QString* output = nullptr) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(20000)) {
        p.kill();
        p.waitForFinished(2000);
        return -1;
    }
    if (output) *output = QString::fromUtf8(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// `hosts` namespaces on a bridge in a switch namespace; deleted when it goes.
class Hosts {
public:
    explicit Hosts(int hosts) : prefix_("gl-t-" + QString::number(getpid()) + "-") {
        const QString sw = prefix_ + "sw";
        ok_ = ip({"netns", "add", sw}) && ip({"-n", sw, "link", "add", "br0", "type", "bridge"}) && ip({"-n", sw, "link", "set", "br0", "up"});
        names_.push_back(sw);
        for (int h = 0; ok_ && h < hosts; ++h) {
            const QString ns = host(h), e = prefix_ + "e" + QString::number(h), p = prefix_ + "p" + QString::number(h);
            names_.push_back(ns);
            ok_ = ip({"netns", "add", ns}) && ip({"link", "add", e, "type", "veth", "peer", "name", p}) &&
                  ip({"link", "set", e, "netns", ns}) && ip({"link", "set", p, "netns", sw}) &&
                  ip({"-n", ns, "link", "set", e, "name", "eth0"}) && ip({"-n", ns, "addr", "add", address(h) + "/24", "dev", "eth0"}) &&
                  ip({"-n", ns, "link", "set", "eth0", "up"}) && ip({"-n", ns, "link", "set", "lo", "up"}) &&
                  ip({"-n", sw, "link", "set", p, "master", "br0"}) && ip({"-n", sw, "link", "set", p, "up"});
        }
    }
    ~Hosts() {
        for (auto it = names_.rbegin(); it != names_.rend(); ++it) sh("ip", {"netns", "del", *it});
    }
    bool ok() const { return ok_; }
    const QString& error() const { return error_; }
    QString host(int h) const { return prefix_ + "h" + QString::number(h); }
    static QString address(int h) { return "10.78.0." + QString::number(h + 1); }
    // Takes host h's only link down (from inside the host, as a cable pulled out).
    bool linkDown(int h) { return ip({"-n", host(h), "link", "set", "eth0", "down"}); }
    // Host h's link lets only its packets to rank 0's store port (and ARP) out: everything else it
    // sends (its Gloo data, its TCP acknowledgements) waits behind 8 bit/s. Its heartbeat goes on;
    // its connections take nothing. (htb and u32: no tc action modules are needed.)
    bool onlyStoreTrafficLeaves(int h, int store_port) {
        const QString ns = host(h);
        // The default class (everything but the store's traffic) is open until the filters that keep
        // the store's traffic open are in; only then is it throttled. (Throttled first, a heartbeat
        // sent while the filters were being added waited in the 8 bit/s queue, and TCP's backed-off
        // retransmission could leave rank 1 silent past the peer timeout on a loaded machine.)
        return tc(ns, {"qdisc", "add", "dev", "eth0", "root", "handle", "1:", "htb", "default", "20"}) &&
               tc(ns, {"class", "add", "dev", "eth0", "parent", "1:", "classid", "1:10", "htb", "rate", "100mbit"}) &&
               tc(ns, {"class", "add", "dev", "eth0", "parent", "1:", "classid", "1:20", "htb", "rate", "100mbit"}) &&
               tc(ns, {"filter", "add", "dev", "eth0", "parent", "1:", "protocol", "ip", "prio", "1", "u32", "match", "ip", "dport",
                       QString::number(store_port), "0xffff", "flowid", "1:10"}) &&
               tc(ns, {"filter", "add", "dev", "eth0", "parent", "1:", "protocol", "arp", "prio", "2", "u32", "match", "u32", "0", "0",
                       "flowid", "1:10"}) &&
               tc(ns, {"class", "change", "dev", "eth0", "parent", "1:", "classid", "1:20", "htb", "rate", "8bit", "ceil", "8bit"});
    }

private:
    bool tc(const QString& ns, const QStringList& args) { return ip(QStringList{"netns", "exec", ns, "tc"} + args); }
    bool ip(const QStringList& args) {
        QString out;
        if (sh("ip", args, &out) == 0) return true;
        error_ = "ip " + args.join(' ') + ": " + out;
        return false;
    }
    QString prefix_;
    QStringList names_;
    bool ok_ = false;
    QString error_;
};

// gossiplab-cli in a host's namespace.
class Rank {
public:
    Rank(const Hosts& hosts, int h, const QStringList& args, const QString& home) {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", home);
        process_.setProcessEnvironment(env);
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start("ip", QStringList{"netns", "exec", hosts.host(h), GOSSIPLAB_CLI_PATH} + args);
    }
    ~Rank() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }
    int finish(int ms) {
        if (!process_.waitForFinished(ms)) return -1;
        output_ += QString::fromUtf8(process_.readAll());
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    QString output() {
        output_ += QString::fromUtf8(process_.readAll());
        return output_;
    }
    bool waitForOutput(const QString& text, int ms) {
        const auto end = Clock::now() + std::chrono::milliseconds(ms);
        while (Clock::now() < end && process_.state() != QProcess::NotRunning) {
            if (output().contains(text)) return true;
            process_.waitForReadyRead(100);
        }
        return output().contains(text);
    }

private:
    QProcess process_;
    QString output_;
};

const QStringList kTraining = {"--dataset", "synthetic", "--model", "mlp", "--batch-size", "16", "--lr", "0.05", "--p", "0.3",
                               "--metrics-every", "5", "--eval-max-images", "256", "--threads", "1"};

QStringList distFlags(int world, int rank, double peer_timeout_s) {
    return {"--world", QString::number(world), "--rank", QString::number(rank), "--master", Hosts::address(0) + ":29511",
            "--bind", Hosts::address(rank), "--workers", "1", "--join-timeout", "30", "--peer-timeout", QString::number(peer_timeout_s)};
}

QString cli(const QStringList& args, const QString& home) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home);
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(GOSSIPLAB_CLI_PATH, args);
    p.waitForFinished(30000);
    return QString::fromUtf8(p.readAll());
}

}  // namespace

class TestDistNetns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (geteuid() != 0) QSKIP("needs root to make network namespaces (ip netns): not run");
        QString out;
        if (sh("ip", {"netns", "list"}, &out) != 0) QSKIP(qPrintable("ip netns does not work here: " + out));
    }

    // Two hosts: a run over their link, recorded once, finished, in rank 0's history. Without a
    // run token every rank says that the run is open to whoever reaches rank 0's port.
    void twoHostsRecordOneFinishedRun() {
        Hosts hosts(2);
        QVERIFY2(hosts.ok(), qPrintable(hosts.error()));
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        const QStringList budget = {"--images", "800"};
        Rank zero(hosts, 0, QStringList{"run"} + kTraining + budget + distFlags(2, 0, 10) + QStringList{"--db", db}, home.path());
        Rank one(hosts, 1, QStringList{"run"} + kTraining + budget + distFlags(2, 1, 10), home.path());
        QCOMPARE(one.finish(50000), 0);
        QVERIFY2(zero.finish(20000) == 0, qPrintable(zero.output()));
        const QString runs = cli({"runs", "--db", db}, home.path());
        QVERIFY2(runs.contains("1 run(s)") && runs.contains("finished"), qPrintable(runs));
        for (Rank* rank : {&zero, &one})
            QVERIFY2(rank->output().contains("warning: no run token (--token or GOSSIPLAB_RUN_TOKEN): this run is open to anyone "
                                             "who reaches " + Hosts::address(0) + ":29511"),
                     qPrintable(rank->output()));
    }

    // Three hosts; host 2's link goes down mid-run. Its heartbeat stops reaching rank 0's store
    // and its Gloo connections go quiet: the survivors end failed, naming rank 2, within the peer
    // timeout plus the wind-down (a generous margin: only a detection that never comes fails it),
    // and rank 0's history holds the failed run with the alpha lost.
    void aHostWhoseLinkGoesDownIsLost() {
        Hosts hosts(3);
        QVERIFY2(hosts.ok(), qPrintable(hosts.error()));
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        const QStringList budget = {"--seconds", "60"};
        const double timeout = 3.0;
        Rank zero(hosts, 0, QStringList{"run"} + kTraining + budget + distFlags(3, 0, timeout) + QStringList{"--db", db}, home.path());
        Rank one(hosts, 1, QStringList{"run"} + kTraining + budget + distFlags(3, 1, timeout), home.path());
        Rank two(hosts, 2, QStringList{"run"} + kTraining + budget + distFlags(3, 2, timeout), home.path());
        QVERIFY2(two.waitForOutput("budget:", 40000), qPrintable(two.output() + "\n" + zero.output()));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        QVERIFY2(hosts.linkDown(2), qPrintable(hosts.error()));
        const auto down = Clock::now();
        const int code0 = zero.finish(60000);
        const double ended = std::chrono::duration<double>(Clock::now() - down).count();
        QCOMPARE(one.finish(30000), 1);
        QString lost_line;
        for (const QString& line : zero.output().split('\n'))
            if (line.contains("was lost") && lost_line.isEmpty()) lost_line = line.trimmed();
        qInfo("host 2's link down: rank 0 ended %.2f s later (peer timeout %.0f s): %s", ended, timeout, qPrintable(lost_line));
        QVERIFY2(code0 == 1, qPrintable(zero.output()));
        QVERIFY2(zero.output().contains("rank 2") && zero.output().contains("lost"), qPrintable(zero.output()));
        QVERIFY2(one.output().contains("rank 2"), qPrintable(one.output()));
        // Only rank 2 is lost: rank 0 goes on receiving from rank 1. Before each peer had its own
        // receiver, rank 0's receive-from-any, aborted when rank 2 was lost, stayed registered
        // with Gloo and swallowed rank 1's next message (its final report): in about half of the
        // runs rank 0 then lost rank 1 ("its final report has not arrived") and rank 1 lost rank 0.
        QVERIFY2(!zero.output().contains("rank 1 lost") && !one.output().contains("rank 0 lost"),
                 qPrintable(zero.output() + "\n----\n" + one.output()));
        QVERIFY2(ended < timeout + 30.0, qPrintable(QString::number(ended)));
        const QString shown = cli({"show", "1", "--db", db}, home.path());
        QVERIFY2(shown.contains("status     failed") && shown.contains("rank 2") && shown.contains("alpha lost"), qPrintable(shown));
        two.finish(1000);
    }

    // A link that lets the heartbeat through but none of the run's data: the peer is alive by its
    // heartbeat, and every message to it stalls. Before, the others waited for it for ever (a
    // worker for a free buffer, then the end for its Bye); now a send that has not completed within
    // twice the peer timeout (plus its size at 1 MB/s) declares it lost, and the run fails.
    void aWedgedLinkWhoseHeartbeatGoesOnIsLost() {
        Hosts hosts(2);
        QVERIFY2(hosts.ok(), qPrintable(hosts.error()));
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        const QStringList budget = {"--seconds", "60"};
        const double timeout = 3.0;
        Rank zero(hosts, 0, QStringList{"run"} + kTraining + budget + distFlags(2, 0, timeout) + QStringList{"--db", db}, home.path());
        Rank one(hosts, 1, QStringList{"run"} + kTraining + budget + distFlags(2, 1, timeout), home.path());
        QVERIFY2(one.waitForOutput("budget:", 40000), qPrintable(one.output() + "\n" + zero.output()));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        QVERIFY2(hosts.onlyStoreTrafficLeaves(1, 29511), qPrintable(hosts.error()));
        const auto wedged = Clock::now();
        const int code0 = zero.finish(50000);
        const double ended = std::chrono::duration<double>(Clock::now() - wedged).count();
        qInfo("host 1's link wedged: rank 0 ended %.2f s later (peer timeout %.0f s): %s", ended, timeout,
              qPrintable(zero.output().right(400)));
        QVERIFY2(code0 == 1, qPrintable(QString::number(code0) + "\n" + zero.output()));
        QString lost;  // the note that names the lost rank and why (the whole output is too long for a failure message)
        for (const QString& line : zero.output().split('\n'))
            if (line.contains("was lost")) lost += line.trimmed() + "\n";
        QVERIFY2(zero.output().contains("rank 1") && zero.output().contains("has not completed"), qPrintable(lost.isEmpty() ? zero.output() : lost));
        const QString shown = cli({"show", "1", "--db", db}, home.path());
        QVERIFY2(shown.contains("status     failed") && shown.contains("rank 1"), qPrintable(shown));
    }

    // Bytes sent mid-run to every other port rank 0 listens on: the run goes on and finishes.
    // (LibTorch 1.13's Gloo listens only while its connections come up: once the run trains, the
    // store's port is usually the only one open, and this checks that nothing else listens.)
    void garbageToAGlooPortDoesNotCrashTheRun() {
        Hosts hosts(2);
        QVERIFY2(hosts.ok(), qPrintable(hosts.error()));
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        const QStringList budget = {"--images", "4000"};
        Rank zero(hosts, 0, QStringList{"run"} + kTraining + budget + distFlags(2, 0, 10) + QStringList{"--db", db}, home.path());
        Rank one(hosts, 1, QStringList{"run"} + kTraining + budget + distFlags(2, 1, 10), home.path());
        QVERIFY2(one.waitForOutput("budget:", 40000), qPrintable(one.output() + "\n" + zero.output()));
        QString listening;
        sh("ip", {"netns", "exec", hosts.host(0), "ss", "-Hltn"}, &listening);
        QStringList ports;
        for (const QString& line : listening.split('\n', Qt::SkipEmptyParts)) {
            const QStringList fields = line.simplified().split(' ');
            if (fields.size() < 4) continue;
            const QString port = fields[3].section(':', -1);
            if (port != "29511") ports << port;
        }
        QVERIFY2(listening.contains(":29511"), qPrintable(listening));
        for (const QString& port : ports)
            for (const QString& bytes : {QString("head -c 4096 /dev/urandom"), QString("head -c 100000 /dev/zero")})
                sh("ip", {"netns", "exec", hosts.host(1), "bash", "-c",
                          "(" + bytes + ") > /dev/tcp/" + Hosts::address(0) + "/" + port + " ; sleep 0.2"});
        qInfo("rank 0 listens mid-run on the store's port and on: %s", ports.isEmpty() ? "nothing else" : qPrintable(ports.join(", ")));
        QVERIFY2(one.finish(60000) == 0, qPrintable(one.output() + "\n" + zero.output()));
        QVERIFY2(zero.finish(20000) == 0, qPrintable(zero.output()));
        const QString runs = cli({"runs", "--db", db}, home.path());
        QVERIFY2(runs.contains("1 run(s)") && runs.contains("finished"), qPrintable(runs));
    }

    // Bytes that are not the store's protocol, sent to the rendezvous port from another host
    // before the ranks join: the run still starts and finishes. (With a run token: no warning.)
    void garbageToTheRendezvousPortDoesNotCrashIt() {
        Hosts hosts(2);
        QVERIFY2(hosts.ok(), qPrintable(hosts.error()));
        QTemporaryDir home;
        const QString db = home.filePath("history.sqlite3");
        const QStringList budget = QStringList{"--images", "800", "--token", "netns-test-token"};
        Rank zero(hosts, 0, QStringList{"run"} + kTraining + budget + distFlags(2, 0, 10) + QStringList{"--db", db}, home.path());
        int sent = 0;
        for (const QString& bytes : {QString("head -c 4096 /dev/urandom"), QString("printf 'GET / HTTP/1.0\\r\\n\\r\\n'"),
                                     QString("head -c 100000 /dev/zero")}) {
            // Until the store listens (rank 0 loads LibTorch first): bash's connect fails before.
            const auto end = Clock::now() + std::chrono::seconds(30);
            while (Clock::now() < end) {
                if (sh("ip", {"netns", "exec", hosts.host(1), "bash", "-c",
                              "(" + bytes + ") > /dev/tcp/" + Hosts::address(0) + "/29511 && sleep 0.2"}) == 0) {
                    ++sent;
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        }
        QCOMPARE(sent, 3);
        Rank one(hosts, 1, QStringList{"run"} + kTraining + budget + distFlags(2, 1, 10), home.path());
        QVERIFY2(one.finish(50000) == 0, qPrintable(one.output() + "\n" + zero.output()));
        QVERIFY2(zero.finish(20000) == 0, qPrintable(zero.output()));
        const QString runs = cli({"runs", "--db", db}, home.path());
        QVERIFY2(runs.contains("1 run(s)") && runs.contains("finished"), qPrintable(runs));
        QVERIFY2(!zero.output().contains("no run token") && !one.output().contains("no run token"), qPrintable(zero.output()));
    }
};

QTEST_GUILESS_MAIN(TestDistNetns)
#include "test_dist_netns.moc"
