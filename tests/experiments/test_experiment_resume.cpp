// Resuming an experiment in a new process after its runner was killed (kill -9) in the middle of
// a run: the finished run stays done, the interrupted one is marked so (and re-run from the start,
// or skipped, on resume), the runs not started yet stay queued.
#include <QtTest>

#include <QProcess>

#include <csignal>

#include "experiment_test_support.h"

using namespace gossiplab;
using namespace experiment_test;
using store::ExperimentState;

namespace {

// Starts the helper and waits for a line that starts with `prefix`; returns the lines read.
bool waitForLine(QProcess& process, const QString& prefix, QStringList* seen, int timeout_ms = 60000) {
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeout_ms) {
        while (process.canReadLine()) {
            const QString line = QString::fromUtf8(process.readLine()).trimmed();
            seen->append(line);
            if (line.startsWith(prefix)) return true;
        }
        if (process.state() == QProcess::NotRunning) return false;
        process.waitForReadyRead(200);
    }
    return false;
}

QStringList runHelper(const std::string& path, int64_t id, const QStringList& extra = {}) {
    QProcess process;
    process.start(EXPERIMENT_HELPER_PATH, QStringList{QString::fromStdString(path), QString::number(id)} + extra);
    process.waitForFinished(120000);
    QStringList lines;
    for (const auto& line : QString::fromUtf8(process.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts))
        lines.append(line.trimmed());
    return lines;
}

}  // namespace

class TestExperimentResume : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    // A queue of three: a short run, a 4-second run (killed while it goes), a short run.
    int64_t killDuringTheSecondRun(const std::string& path, int64_t* killed_run) {
        const int64_t id = makeExperiment(path, "killed", {tinyConfig("a"), tinyConfig("b", 0, 4), tinyConfig("c")});
        QProcess process;
        process.start(EXPERIMENT_HELPER_PATH, {QString::fromStdString(path), QString::number(id)});
        if (!process.waitForStarted()) qFatal("the helper did not start");
        QStringList seen;
        if (!waitForLine(process, "linked 1 ", &seen)) qFatal("the second run never started: %s", qPrintable(seen.join(" | ")));
        *killed_run = seen.last().section(' ', 2).toLongLong();
        ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
        process.waitForFinished();
        return id;
    }

private Q_SLOTS:
    void aKilledRunIsRerunByTheNextProcess() {
        const std::string path = dir_.filePath("rerun.sqlite3").toStdString();
        int64_t killed_run = 0;
        const int64_t id = killDuringTheSecondRun(path, &killed_run);
        {
            auto history = openHistory(path);  // this open finds the runner dead
            const auto record = history.experiment(id);
            QCOMPARE(name(record->state), name(ExperimentState::Interrupted));
            QVERIFY(!record->live);
            QVERIFY(record->message.find("ended during it") != std::string::npos);
            const auto queue = history.queueOf(id);
            QCOMPARE(statuses(queue), QString("done interrupted queued"));
            QCOMPARE(queue[1].run_id, killed_run);
            QCOMPARE(name(history.run(killed_run)->status), name(RunStatus::Interrupted));
            QCOMPARE(queue[2].attempts, 0);
        }
        const QStringList lines = runHelper(path, id);
        QVERIFY2(lines.contains("finished done 2"), qPrintable(lines.join(" | ")));
        QVERIFY(lines.contains("starting 1"));
        QVERIFY(!lines.contains("starting 0"));  // the finished run is not run again
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("done done done"));
        QCOMPARE(queue[1].attempts, 2);
        QVERIFY(queue[1].run_id > killed_run);  // a new run, from the start
        QCOMPARE(name(history.run(queue[1].run_id)->status), name(RunStatus::Finished));
        QCOMPARE(name(history.experiment(id)->state), name(ExperimentState::Done));
        // Both attempts carry the experiment's tag.
        store::RunFilter filter;
        filter.tag = "experiment:" + std::to_string(id);
        QCOMPARE(history.listRuns(filter).size(), size_t{4});
    }

    void aKilledRunCanBeSkippedOnResume() {
        const std::string path = dir_.filePath("skip.sqlite3").toStdString();
        int64_t killed_run = 0;
        const int64_t id = killDuringTheSecondRun(path, &killed_run);
        const QStringList lines = runHelper(path, id, {"skip"});
        QVERIFY2(lines.contains("finished done 1"), qPrintable(lines.join(" | ")));
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("done skipped done"));
        QCOMPARE(queue[1].run_id, killed_run);  // the interrupted attempt stays linked
        QVERIFY(queue[1].message.find("skipped") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestExperimentResume)
#include "test_experiment_resume.moc"
