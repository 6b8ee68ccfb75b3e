// Experiments in the history (schema version 3), without training: creating and listing them,
// the runner's claim (one at a time, across processes), the queue's life (start, link, finish,
// re-queue), a dead runner found on open (kill -9 of a real process) and the resume policies,
// deleting runs and experiments.

#include <QTemporaryDir>
#include <QTest>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

namespace {

QString name(ExperimentState state) { return QString::fromStdString(toString(state)); }
QString name(QueueItemStatus status) { return QString::fromStdString(toString(status)); }

QString statuses(const std::vector<QueueItem>& queue) {
    QString out;
    for (const auto& item : queue) out += name(item.status) + " ";
    return out.trimmed();
}

NewExperiment threeRuns(const std::string& experiment_name = "three") {
    NewExperiment experiment;
    experiment.name = experiment_name;
    experiment.kind = "grid";
    experiment.spec_json = "{\"name\": \"three\"}";
    for (const char* label : {"gosgd p=1", "eamsgd tau=1", "naive"}) {
        RunConfig config;
        config.name = std::string("three: ") + label;
        experiment.items.push_back({label, toJson(config)});
    }
    return experiment;
}

RunHistory openOrDie(const std::string& path) {
    auto history = RunHistory::open(path);
    if (!history) qFatal("%s", history.error().message.c_str());
    return std::move(history.value());
}

// Records one finished synthetic run; returns its id.
int64_t recordRun(const std::string& path, const std::string& run_name) {
    auto recorder = RunRecorder::open(path);
    if (!recorder) qFatal("%s", recorder.error().message.c_str());
    (*recorder)->onRunStarted(makeInfo(run_name, 2));
    feedSamples(**recorder, 2, 0, 20);
    (*recorder)->onRunEnded(makeResult(RunStatus::Finished, 2));
    return (*recorder)->runId();
}

}  // namespace

class TestStoreExperiments : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    int files_ = 0;
    std::string newFile() { return dir_.filePath(QString("e%1.sqlite3").arg(files_++)).toStdString(); }

private Q_SLOTS:
    void createListAndRead() {
        const std::string path = newFile();
        auto history = openOrDie(path);
        const int64_t version = history.experimentListVersion();
        auto id = history.createExperiment(threeRuns());
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
        QVERIFY(history.experimentListVersion() > version);
        const auto list = history.listExperiments();
        QCOMPARE(list.size(), size_t{1});
        const ExperimentRecord& e = list[0];
        QCOMPARE(e.id, id.value());
        QCOMPARE(QString::fromStdString(e.name), QStringLiteral("three"));
        QCOMPARE(QString::fromStdString(e.kind), QStringLiteral("grid"));
        QCOMPARE(name(e.state), name(ExperimentState::Queued));
        QCOMPARE(e.counts.total, 3);
        QCOMPARE(e.counts.queued, 3);
        QVERIFY(!e.live);
        QCOMPARE(e.uuid.size(), size_t{32});
        QVERIFY(std::isfinite(e.created_at));
        const auto queue = history.queueOf(id.value());
        QCOMPARE(queue.size(), size_t{3});
        QCOMPARE(queue[1].position, 1);
        QCOMPARE(QString::fromStdString(queue[1].label), QStringLiteral("eamsgd tau=1"));
        QCOMPARE(queue[1].run_id, int64_t{0});
        QCOMPARE(queue[1].attempts, 0);
        std::vector<ConfigError> errors;
        QVERIFY(fromJson(queue[2].config_json, &errors).has_value());

        NewExperiment unnamed = threeRuns("");
        QCOMPARE(history.createExperiment(unnamed).error().kind, ErrorKind::InvalidArgument);
        NewExperiment empty{"empty", "grid", "{}", {}, ""};
        QCOMPARE(history.createExperiment(empty).error().kind, ErrorKind::InvalidArgument);
        QVERIFY(!history.experiment(999));
        QVERIFY(history.queueOf(999).empty());
    }

    void theQueueLifeOfARunner() {
        const std::string path = newFile();
        auto runner = openOrDie(path);
        const int64_t id = runner.createExperiment(threeRuns()).value();
        auto claim = runner.claimExperiment(id, true);
        QVERIFY2(claim.ok(), claim.ok() ? "" : claim.error().message.c_str());
        QCOMPARE(name(claim->experiment.state), name(ExperimentState::Running));
        QVERIFY(claim->requeued.empty());
        QVERIFY(runner.experimentIsLive(id));

        // Another connection sees it live and cannot claim it.
        auto other = openOrDie(path);
        QVERIFY(other.experimentIsLive(id));
        QVERIFY(other.listExperiments()[0].live);
        auto refused = other.claimExperiment(id, true);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::RunIsLive);
        QCOMPARE(name(other.experiment(id)->state), name(ExperimentState::Running));  // not marked dead

        auto first = runner.startNextItem(id);
        QVERIFY(first.ok() && first.value().has_value());
        QCOMPARE(first.value()->position, 0);
        QCOMPARE(first.value()->attempts, 1);
        QCOMPARE(name(other.queueOf(id)[0].status), name(QueueItemStatus::Running));
        const int64_t run_id = recordRun(path, "three: gosgd p=1");
        QVERIFY(runner.linkRun(id, 0, run_id).ok());
        QCOMPARE(other.run(run_id)->tags, (std::vector<std::string>{"experiment:" + std::to_string(id)}));
        QCOMPARE(other.experimentOfRun(run_id)->first, id);
        QVERIFY(runner.finishItem(id, 0, QueueItemStatus::Done, "").ok());

        // A run stopped on request goes back to the queue and is next again.
        auto second = runner.startNextItem(id);
        QCOMPARE(second.value()->position, 1);
        QVERIFY(runner.finishItem(id, 1, QueueItemStatus::Queued, "stopped; queued again").ok());
        auto again = runner.startNextItem(id);
        QCOMPARE(again.value()->position, 1);
        QCOMPARE(again.value()->attempts, 2);
        QVERIFY(runner.finishItem(id, 1, QueueItemStatus::Skipped, "skipped").ok());
        QCOMPARE(runner.cancelQueued(id).value(), 1);
        QVERIFY(!runner.startNextItem(id).value().has_value());
        QCOMPARE(statuses(other.queueOf(id)), QStringLiteral("done skipped cancelled"));

        QVERIFY(runner.releaseExperiment(id, ExperimentState::Cancelled, "cancelled by the user").ok());
        QVERIFY(!runner.experimentIsLive(id));
        QVERIFY(!other.experimentIsLive(id));
        const auto record = other.experiment(id);
        QCOMPARE(name(record->state), name(ExperimentState::Cancelled));
        QCOMPARE(record->counts.done, 1);
        QCOMPARE(record->counts.skipped, 1);
        QCOMPARE(record->counts.cancelled, 1);
        // Cancelled is final.
        QCOMPARE(other.claimExperiment(id, true).error().kind, ErrorKind::InvalidArgument);
        QVERIFY(!other.experimentIsLive(id));  // the refused claim let go of the lock
        QCOMPARE(other.claimExperiment(999, true).error().kind, ErrorKind::NotFound);
    }

    void aRunnerThatDiesIsFoundOnOpen() {
        const std::string path = newFile();
        const int64_t rerun_id = openOrDie(path).createExperiment(threeRuns("rerun")).value();
        const int64_t skip_id = openOrDie(path).createExperiment(threeRuns("skip")).value();
        // A real process claims both, starts their first runs and is killed.
        Child child([&](int fd) {
            auto history = RunHistory::open(path);
            if (!history) return 1;
            for (int64_t id : {rerun_id, skip_id}) {
                if (!history->claimExperiment(id, true).ok()) return 2;
                if (!history->startNextItem(id).ok()) return 3;
            }
            tell(fd, "claimed");
            ::pause();
            return 0;
        });
        QVERIFY(child.started());
        QCOMPARE(QString::fromStdString(child.readLine()), QStringLiteral("claimed"));
        {
            auto watcher = openOrDie(path);  // the runner is alive: nothing is marked
            QVERIFY(watcher.experimentIsLive(rerun_id));
            QCOMPARE(name(watcher.experiment(rerun_id)->state), name(ExperimentState::Running));
        }
        child.kill9();
        child.wait();

        auto history = openOrDie(path);
        for (int64_t id : {rerun_id, skip_id}) {
            const auto record = history.experiment(id);
            QCOMPARE(name(record->state), name(ExperimentState::Interrupted));
            QVERIFY(!record->live);
            QVERIFY(record->message.find("ended during it") != std::string::npos);
            QCOMPARE(statuses(history.queueOf(id)), QStringLiteral("interrupted queued queued"));
            QCOMPARE(record->counts.interrupted, 1);
        }
        auto rerun = history.claimExperiment(rerun_id, /*rerun_interrupted=*/true);
        QVERIFY(rerun.ok());
        QCOMPARE(rerun->requeued, (std::vector<int>{0}));
        QCOMPARE(statuses(history.queueOf(rerun_id)), QStringLiteral("queued queued queued"));
        QVERIFY(history.releaseExperiment(rerun_id, ExperimentState::Paused, "").ok());
        auto skip = history.claimExperiment(skip_id, /*rerun_interrupted=*/false);
        QVERIFY(skip.ok());
        QCOMPARE(skip->skipped, (std::vector<int>{0}));
        QCOMPARE(statuses(history.queueOf(skip_id)), QStringLiteral("skipped queued queued"));
        QVERIFY(history.releaseExperiment(skip_id, ExperimentState::Paused, "").ok());
    }

    void aConnectionClosedWithoutReleasingCountsAsDead() {
        const std::string path = newFile();
        int64_t id = 0;
        {
            auto runner = openOrDie(path);
            id = runner.createExperiment(threeRuns()).value();
            QVERIFY(runner.claimExperiment(id, true).ok());
            QVERIFY(runner.startNextItem(id).ok());
        }  // closed without releaseExperiment: its lock is gone
        auto history = openOrDie(path);
        QCOMPARE(name(history.experiment(id)->state), name(ExperimentState::Interrupted));
        auto recovered = history.recoverInterruptedRuns();  // nothing more to do
        QVERIFY(recovered.ok());
    }

    void deletingRunsAndExperiments() {
        const std::string path = newFile();
        auto history = openOrDie(path);
        const int64_t id = history.createExperiment(threeRuns()).value();
        QVERIFY(history.claimExperiment(id, true).ok());
        QVERIFY(history.startNextItem(id).ok());
        const int64_t first = recordRun(path, "a");
        QVERIFY(history.linkRun(id, 0, first).ok());
        QVERIFY(history.finishItem(id, 0, QueueItemStatus::Queued, "stopped").ok());
        QVERIFY(history.startNextItem(id).ok());
        const int64_t second = recordRun(path, "a again");
        QVERIFY(history.linkRun(id, 0, second).ok());
        QVERIFY(history.finishItem(id, 0, QueueItemStatus::Done, "").ok());
        const int64_t unrelated = recordRun(path, "not in the experiment");

        auto other = openOrDie(path);
        QCOMPARE(other.deleteExperiment(id, true).error().kind, ErrorKind::RunIsLive);  // its runner is at work
        QVERIFY(history.releaseExperiment(id, ExperimentState::Paused, "").ok());

        // Deleting a run leaves the item without its run.
        QVERIFY(other.deleteRun(second).ok());
        QCOMPARE(other.queueOf(id)[0].run_id, int64_t{0});
        QCOMPARE(name(other.queueOf(id)[0].status), name(QueueItemStatus::Done));
        // Deleting the experiment with its runs takes every attempt (found by tag), nothing else.
        QVERIFY(other.deleteExperiment(id, true).ok());
        QVERIFY(!other.run(first));
        QVERIFY(other.run(unrelated));
        QCOMPARE(other.listExperiments().size(), size_t{0});
        QCOMPARE(other.deleteExperiment(id, false).error().kind, ErrorKind::NotFound);
    }

    void importBringsTheRunsNotTheExperiments() {
        const std::string source = newFile();
        {
            auto history = openOrDie(source);
            const int64_t id = history.createExperiment(threeRuns()).value();
            QVERIFY(history.claimExperiment(id, true).ok());
            QVERIFY(history.startNextItem(id).ok());
            QVERIFY(history.linkRun(id, 0, recordRun(source, "a")).ok());
            QVERIFY(history.finishItem(id, 0, QueueItemStatus::Done, "").ok());
            QVERIFY(history.releaseExperiment(id, ExperimentState::Paused, "").ok());
        }
        auto target = openOrDie(newFile());
        auto imported = target.importRuns(source);
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
        QCOMPARE(imported->new_ids.size(), size_t{1});
        QCOMPARE(target.run(imported->new_ids[0])->tags, (std::vector<std::string>{"experiment:1"}));
        QCOMPARE(target.listExperiments().size(), size_t{0});
    }
};

QTEST_APPLESS_MAIN(TestStoreExperiments)
#include "test_store_experiments.moc"
