// gossiplab-cli records every run in the history, and its history commands (runs, show, export,
// delete, import) work on it, also after the recording process was killed. Three cases start
// gossiplab-cli processes: a run recorded then listed (the program end to end), and kill -9 and
// Ctrl+C of a recording run. The others call the same commands in this process
// (tests/cli/cli_in_process.h): starting a process that loads LibTorch costs a second or more each.
#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <csignal>

#include "tests/cli/cli_in_process.h"

using cli_in_process::cli;  // in this process

namespace {

using CliResult = cli_in_process::Output;

// gossiplab-cli in a process of its own, with XDG_DATA_HOME=home.
CliResult cliProcess(const QTemporaryDir& home, const QStringList& args, int timeout_ms = 120000) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home.path());
    p.setProcessEnvironment(env);
    p.start(GOSSIPLAB_CLI_PATH, args);
    p.waitForFinished(timeout_ms);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

const QStringList kTiny = {"run", "--dataset", "synthetic", "--model", "mlp", "--images", "800", "--workers", "2",
                           "--batch-size", "16", "--quiet"};

}  // namespace

class TestCliHistory : public QObject {
    Q_OBJECT
private:
    // Starts a one-minute recorded run and returns once the history holds some of its rows (they
    // are committed every 200 ms): the run is well under way then, its Ctrl+C handler in place,
    // however fast the machine. The history is read in this process.
    static void startLongRun(const QTemporaryDir& home, QProcess& p) {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", home.path());
        p.setProcessEnvironment(env);
        p.start(GOSSIPLAB_CLI_PATH, {"run", "--dataset", "synthetic", "--model", "mlp", "--seconds", "60", "--workers", "2"});
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(cli(home, {"runs"}).out.contains("running"), 60000);
        QTRY_VERIFY_WITH_TIMEOUT(cli(home, {"show", "1"}).out.contains("loss         worker 0"), 60000);
    }

private Q_SLOTS:
    // End to end: two processes, one records, the other lists.
    void runIsRecordedAndListed() {
        QTemporaryDir home;
        const CliResult r = cliProcess(home, kTiny + QStringList{"--name", "first, \"quoted\""});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("recorded as run 1 in " + home.path() + "/gossiplab/history.sqlite3"));
        const CliResult list = cliProcess(home, {"runs"});
        QCOMPARE(list.exit_code, 0);
        QVERIFY(list.out.contains("first, \"quoted\""));
        QVERIFY(list.out.contains("finished"));
        const CliResult show = cli(home, {"show", "1"});
        QCOMPARE(show.exit_code, 0);
        QVERIFY(show.out.contains("status     finished"));
        QVERIFY(show.out.contains("workers          2"));
        QVERIFY(show.out.contains("alpha        worker 1"));
    }

    void noRecordAndOtherDb() {
        QTemporaryDir home;
        QVERIFY(cli(home, kTiny + QStringList{"--no-record"}).exit_code == 0);
        QVERIFY(!QFile::exists(home.path() + "/gossiplab/history.sqlite3"));
        const QString db = home.filePath("other.sqlite3");
        QVERIFY(cli(home, kTiny + QStringList{"--db", db}).exit_code == 0);
        QVERIFY(cli(home, {"runs", "--db", db}).out.contains("1 run(s)"));
    }

    void exportWritesEveryPoint() {
        QTemporaryDir home;
        QVERIFY(cli(home, kTiny).exit_code == 0);
        QVERIFY(cli(home, kTiny + QStringList{"--algorithm", "naive"}).exit_code == 0);
        const QString csv = home.filePath("points.csv"), runs = home.filePath("runs.csv");
        const CliResult r = cli(home, {"export", "1", "2", "--csv", csv, "--runs-csv", runs});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines[0], QByteArray("run_id,run_name,series,worker,iteration,images,wall_time_s,value"));
        // Every point of both runs, per worker and run-level: as many rows as the history holds
        // (counted by SQLite's own shell, not by our reader).
        QProcess count;
        count.start("sqlite3", {home.filePath("gossiplab/history.sqlite3"),
                                "SELECT (SELECT count(*) FROM worker_points WHERE run_id IN (1, 2)) + "
                                "(SELECT count(*) FROM run_points WHERE run_id IN (1, 2));"});
        QVERIFY(count.waitForFinished(30000));
        const int points = count.readAllStandardOutput().trimmed().toInt();
        QVERIFY2(points > 20, qPrintable(QString::number(points)));
        QCOMPARE(int(lines.size()) - 1, points);
        bool saw_run1 = false, saw_run2 = false;
        for (const auto& line : lines.mid(1)) {
            saw_run1 = saw_run1 || line.startsWith("1,");
            saw_run2 = saw_run2 || line.startsWith("2,");
        }
        QVERIFY(saw_run1 && saw_run2);
        QVERIFY(QFile::exists(runs));
        // Unknown runs and missing outputs are refused.
        const CliResult unknown = cli(home, {"export", "7", "--csv", csv});
        QCOMPARE(unknown.exit_code, 1);
        QVERIFY2(unknown.err.contains("no run 7 in " + home.path() + "/gossiplab/history.sqlite3"), qPrintable(unknown.err));
        const CliResult no_output = cli(home, {"export", "1"});
        QCOMPARE(no_output.exit_code, 2);
        QVERIFY2(no_output.err.contains("give --csv FILE"), qPrintable(no_output.err));
        const CliResult unwritable = cli(home, {"export", "1", "--csv", "/nonexistent-folder/x.csv"});
        QCOMPARE(unwritable.exit_code, 1);
        QVERIFY2(unwritable.err.contains("/nonexistent-folder/x.csv"), qPrintable(unwritable.err));
    }

    void deleteAndImport() {
        QTemporaryDir home, server;
        QVERIFY(cli(server, kTiny + QStringList{"--name", "from the server"}).exit_code == 0);
        QVERIFY(cli(home, kTiny).exit_code == 0);
        const QString server_db = server.path() + "/gossiplab/history.sqlite3";
        const CliResult imported = cli(home, {"import", server_db});
        QVERIFY2(imported.exit_code == 0, qPrintable(imported.err));
        QVERIFY(imported.out.contains("imported 1 run(s)"));
        QVERIFY(cli(home, {"runs"}).out.contains("from the server"));
        // Importing again adds nothing: the run keeps its identity.
        QVERIFY(cli(home, {"import", server_db}).out.contains("imported 0 run(s)"));
        QVERIFY(cli(home, {"delete", "1"}).exit_code == 0);
        QVERIFY(cli(home, {"runs"}).out.contains("1 run(s)"));
        QCOMPARE(cli(home, {"delete", "1"}).exit_code, 1);  // gone
        const CliResult missing = cli(home, {"import", home.filePath("nope.sqlite3")});
        QCOMPARE(missing.exit_code, 1);
        QVERIFY2(missing.err.contains(home.filePath("nope.sqlite3")), qPrintable(missing.err));
    }

    void badHistoryFileIsNamed() {
        QTemporaryDir home;
        const QString bogus = home.filePath("not-a-db.sqlite3");
        QFile f(bogus);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not an SQLite database, just text that is long enough to look like a header......");
        f.close();
        const CliResult r = cli(home, kTiny + QStringList{"--db", bogus});
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains(bogus), qPrintable(r.err));
        const CliResult runs = cli(home, {"runs", "--db", bogus});
        QCOMPARE(runs.exit_code, 1);
        QVERIFY2(runs.err.contains(bogus), qPrintable(runs.err));
    }

    void killedRunIsInterruptedAndKept() {
        QTemporaryDir home;
        QProcess p;
        startLongRun(home, p);  // killed once some of its rows are committed
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(60000));
        const CliResult list = cli(home, {"runs"});
        QVERIFY2(list.out.contains("interrupted"), qPrintable(list.out));
        const CliResult show = cli(home, {"show", "1"});
        QVERIFY(show.out.contains("loss         worker 0"));  // rows up to the last batch are there
        QProcess sqlite;
        sqlite.start("sqlite3", {home.path() + "/gossiplab/history.sqlite3", "PRAGMA integrity_check;"});
        if (sqlite.waitForFinished() && sqlite.exitCode() == 0)
            QCOMPARE(QString::fromUtf8(sqlite.readAllStandardOutput()).trimmed(), QString("ok"));
    }

    void ctrlCStopsAndRecordsStopped() {
        QTemporaryDir home;
        QProcess p;
        startLongRun(home, p);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);  // not ended by the signal
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(cli(home, {"runs"}).out.contains("stopped"));
        const CliResult show = cli(home, {"show", "1"});
        QVERIFY2(show.out.contains("status     stopped: stopped by the user"), qPrintable(show.out));
    }
};

QTEST_GUILESS_MAIN(TestCliHistory)
#include "test_cli_history.moc"
