// The experiment queue in one process, with real runs on synthetic data: every run in order,
// recorded and linked as one experiment; pause after the current run; stop now (re-queued);
// cancel (the rest cancelled or left queued); skip; a run that cannot start; one runner at a time.
#include <QtTest>

#include <functional>

#include "core/experiments/experiment_data.h"
#include "core/experiments/experiment_runner.h"
#include "core/experiments/experiment_spec.h"
#include "core/experiments/training_launcher.h"
#include "experiment_test_support.h"

using namespace gossiplab;
using namespace gossiplab::experiments;
using namespace experiment_test;
using store::ExperimentState;
using store::QueueItemStatus;

namespace {

// Calls `action` when the run at `position` has its run row (it is recording).
class ActOnLink final : public ExperimentObserver {
public:
    ActOnLink(int position, std::function<void()> action) : position_(position), action_(std::move(action)) {}
    void onRunLinked(int position, int64_t) override {
        if (position == position_) action_();
    }
    void onItemStarting(const store::QueueItem& item) override { started.push_back(item.position); }
    std::vector<int> started;

private:
    int position_;
    std::function<void()> action_;
};

}  // namespace

class TestExperimentQueue : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    int files_ = 0;
    std::string newFile() { return dir_.filePath(QString("h%1.sqlite3").arg(files_++)).toStdString(); }
    TrainingLauncher launcher_;

private Q_SLOTS:
    void runsEveryRunInOrderAsOneExperiment() {
        const std::string path = newFile();
        ExperimentSpec spec;
        spec.name = "order";
        spec.base = tinyConfig("");
        QVERIFY(setAxis(spec.grid, "algorithm", "gosgd,naive").empty());
        QVERIFY(setAxis(spec.grid, "p", "0.5,1").empty());
        const Expansion expansion = expand(spec);
        QCOMPARE(expansion.runs.size(), size_t{3});
        store::NewExperiment created{"order", "grid", toJson(spec), {}, ""};
        for (const auto& run : expansion.runs) created.items.push_back({run.label, toJson(run.config)});
        int64_t id = 0;
        {
            auto history = openHistory(path);
            auto made = history.createExperiment(created);
            QVERIFY(made.ok());
            id = made.value();
            QCOMPARE(name(history.experiment(id)->state), name(ExperimentState::Queued));
        }
        ActOnLink observer(-1, [] {});
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        const RunnerOutcome outcome = runner.run();
        QVERIFY2(!outcome.error, outcome.message.c_str());
        QCOMPARE(name(outcome.state), name(ExperimentState::Done));
        QCOMPARE(outcome.runs_done, 3);
        QCOMPARE(observer.started, (std::vector<int>{0, 1, 2}));

        auto history = openHistory(path);
        const auto record = history.experiment(id);
        QCOMPARE(name(record->state), name(ExperimentState::Done));
        QVERIFY(!record->live);
        QCOMPARE(record->counts.done, 3);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("done done done"));
        int64_t previous = 0;
        for (const auto& item : queue) {
            QVERIFY(item.run_id > previous);  // recorded in queue order
            previous = item.run_id;
            QCOMPARE(item.attempts, 1);
            const auto run = history.run(item.run_id);
            QCOMPARE(name(run->status), name(RunStatus::Finished));
            QCOMPARE(run->name, "order: " + item.label);
            QCOMPARE(run->tags, (std::vector<std::string>{"experiment:" + std::to_string(id)}));
            QCOMPARE(history.experimentOfRun(item.run_id)->first, id);
            QCOMPARE(history.experimentOfRun(item.run_id)->second, item.position);
            QVERIFY(!history.readSeries(item.run_id, "mean_loss", -1).empty());
        }
        QCOMPARE(history.run(queue[1].run_id)->algorithm, std::string("naive"));

        // The loaded data and the analysis see the three runs.
        const auto loaded = loadExperiment(history, id);
        QVERIFY(loaded && loaded->spec);
        QVERIFY(*loaded->spec == spec);
        QCOMPARE(loaded->data.runs.size(), size_t{3});
        for (const auto& run : loaded->data.runs) {
            QVERIFY(!run.loss_curve.empty());
            QVERIFY(std::isfinite(run.final_loss));
            QVERIFY(std::isfinite(run.consensus_distance));
        }
        const auto table = timeToLossTable(loaded->data);
        QCOMPARE(table.rows.size(), size_t{3});
        for (const auto& row : table.rows) QVERIFY(row.crossing.reached);  // L = the worst final loss

        // Running a done experiment again does nothing.
        const RunnerOutcome again = ExperimentRunner(path, id, launcher_).run();
        QCOMPARE(again.runs_started, 0);
        QCOMPARE(name(again.state), name(ExperimentState::Done));
    }

    void pauseLetsTheCurrentRunFinish() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "pause", {tinyConfig("a"), tinyConfig("b"), tinyConfig("c")});
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] { runner_ptr->pauseAfterCurrent(); });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        const RunnerOutcome outcome = runner.run();
        QCOMPARE(name(outcome.state), name(ExperimentState::Paused));
        QCOMPARE(outcome.runs_done, 1);
        {
            auto history = openHistory(path);
            const auto queue = history.queueOf(id);
            QCOMPARE(statuses(queue), QString("done queued queued"));
            QCOMPARE(name(history.run(queue[0].run_id)->status), name(RunStatus::Finished));
            QCOMPARE(queue[1].run_id, int64_t{0});
            QCOMPARE(name(history.experiment(id)->state), name(ExperimentState::Paused));
            QCOMPARE(history.experiment(id)->message, std::string("paused by the user"));
        }
        // Resumed (a new runner, as a new process would): the rest runs.
        const RunnerOutcome resumed = ExperimentRunner(path, id, launcher_).run();
        QCOMPARE(name(resumed.state), name(ExperimentState::Done));
        QCOMPARE(resumed.runs_done, 2);
        auto history = openHistory(path);
        QCOMPARE(statuses(history.queueOf(id)), QString("done done done"));
    }

    void stopNowRequeuesTheCurrentRun() {
        const std::string path = newFile();
        // A budget of an hour: a runner that waited for it would run into the test's time limit
        // (180 s); one that stops at once passes on any machine, however loaded.
        const int64_t id = makeExperiment(path, "stop", {tinyConfig("long", 0, 3600), tinyConfig("b")});
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] { runner_ptr->stopNow(); });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        QElapsedTimer timer;
        timer.start();
        const RunnerOutcome outcome = runner.run();
        qInfo("stopped after %lld ms", static_cast<long long>(timer.elapsed()));
        QCOMPARE(name(outcome.state), name(ExperimentState::Paused));
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("queued queued"));
        QCOMPARE(queue[0].attempts, 1);
        QVERIFY(queue[0].message.find("queued again") != std::string::npos);
        // The stopped attempt stays in the history, tagged with its experiment.
        store::RunFilter filter;
        filter.tag = "experiment:" + std::to_string(id);
        const auto runs = history.listRuns(filter);
        QCOMPARE(runs.size(), size_t{1});
        QCOMPARE(name(runs[0].status), name(RunStatus::Stopped));
    }

    void cancelStopsTheRunAndCancelsTheRest() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "cancel", {tinyConfig("long", 0, 60), tinyConfig("b"), tinyConfig("c")});
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] { runner_ptr->cancel(true); });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        const RunnerOutcome outcome = runner.run();
        QCOMPARE(name(outcome.state), name(ExperimentState::Cancelled));
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("cancelled cancelled cancelled"));
        QCOMPARE(name(history.run(queue[0].run_id)->status), name(RunStatus::Stopped));
        QCOMPARE(history.experiment(id)->counts.cancelled, 3);
        // A cancelled experiment cannot be resumed.
        const RunnerOutcome again = ExperimentRunner(path, id, launcher_).run();
        QVERIFY(again.error);
        QVERIFY(again.error->kind == store::ErrorKind::InvalidArgument);
        QCOMPARE(again.runs_started, 0);
    }

    void cancelCanLeaveTheRestQueued() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "cancel one", {tinyConfig("long", 0, 60), tinyConfig("b")});
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] { runner_ptr->cancel(false); });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        QCOMPARE(name(runner.run().state), name(ExperimentState::Paused));
        auto history = openHistory(path);
        QCOMPARE(statuses(history.queueOf(id)), QString("cancelled queued"));
    }

    void skipGoesOnWithTheNext() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "skip", {tinyConfig("long", 0, 60), tinyConfig("b")});
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] { runner_ptr->skipCurrent(); });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        const RunnerOutcome outcome = runner.run();
        QCOMPARE(name(outcome.state), name(ExperimentState::Done));
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("skipped done"));
        QCOMPARE(name(history.run(queue[0].run_id)->status), name(RunStatus::Stopped));
        QCOMPARE(name(history.run(queue[1].run_id)->status), name(RunStatus::Finished));
    }

    void aRunThatCannotStartPausesTheExperiment() {
        const std::string path = newFile();
        RunConfig missing = tinyConfig("missing data");
        missing.dataset = "fashion-mnist";
        missing.model = "lenet";
        missing.data_dir = dir_.filePath("no-such-folder").toStdString();
        const int64_t id = makeExperiment(path, "no data", {missing, tinyConfig("b")});
        const RunnerOutcome outcome = ExperimentRunner(path, id, launcher_).run();
        QCOMPARE(name(outcome.state), name(ExperimentState::Paused));
        QVERIFY2(outcome.message.find("no-such-folder") != std::string::npos, outcome.message.c_str());
        auto history = openHistory(path);
        const auto queue = history.queueOf(id);
        QCOMPARE(statuses(queue), QString("queued queued"));
        QVERIFY(queue[0].message.find("could not start") != std::string::npos);
        QCOMPARE(history.listRuns().size(), size_t{0});
        QVERIFY(history.experiment(id)->message.find("no-such-folder") != std::string::npos);
    }

    void oneRunnerAtATime() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "busy", {tinyConfig("long", 0, 60)});
        RunnerOutcome second;
        bool live_seen = false;
        ExperimentRunner* runner_ptr = nullptr;
        ActOnLink observer(0, [&] {
            // Another runner (another window, another process) is refused while this one works.
            second = ExperimentRunner(path, id, launcher_).run();
            auto history = openHistory(path);
            live_seen = history.experimentIsLive(id) && history.listExperiments()[0].live;
            runner_ptr->stopNow();
        });
        RunnerOptions options;
        options.observer = &observer;
        ExperimentRunner runner(path, id, launcher_, options);
        runner_ptr = &runner;
        const RunnerOutcome first = runner.run();
        QVERIFY(second.error);
        QVERIFY(second.error->kind == store::ErrorKind::RunIsLive);
        QVERIFY(live_seen);
        QCOMPARE(name(first.state), name(ExperimentState::Paused));
        auto history = openHistory(path);
        QVERIFY(!history.experimentIsLive(id));
    }

    void deleteWithRuns() {
        const std::string path = newFile();
        const int64_t id = makeExperiment(path, "delete", {tinyConfig("a")});
        const int64_t other = makeExperiment(path, "keep", {tinyConfig("b")});
        QCOMPARE(name(ExperimentRunner(path, id, launcher_).run().state), name(ExperimentState::Done));
        QCOMPARE(name(ExperimentRunner(path, other, launcher_).run().state), name(ExperimentState::Done));
        auto history = openHistory(path);
        QCOMPARE(history.listRuns().size(), size_t{2});
        const int64_t version = history.experimentListVersion();
        QVERIFY(history.deleteExperiment(id, /*with_runs=*/true).ok());
        QVERIFY(history.experimentListVersion() > version);
        QCOMPARE(history.listRuns().size(), size_t{1});
        QCOMPARE(history.listExperiments().size(), size_t{1});
        QVERIFY(!history.experiment(id));
        // Deleting a run keeps the item, without its run.
        const int64_t run_id = history.queueOf(other)[0].run_id;
        QVERIFY(history.deleteRun(run_id).ok());
        QCOMPARE(history.queueOf(other)[0].run_id, int64_t{0});
        QVERIFY(history.deleteExperiment(other, false).ok());
        QVERIFY(history.deleteExperiment(other, false).error().kind == store::ErrorKind::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestExperimentQueue)
#include "test_experiment_queue.moc"
