// How a run ends (budget, stop, divergence, bad data) and live settings (p, learning rate).
#include <QtTest>

#include <chrono>
#include <cmath>
#include <thread>

#include "core/train/run.h"
#include "event_log.h"

using namespace gossiplab;
using namespace std::chrono_literals;

class TestRunLifecycle : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void eventsComeInOrderAndBudgetIsReached() {
        RunConfig c = test::fastConfig();
        c.workers = 3;
        c.eval_every_images = 400;
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(log.started, 1);
        QCOMPARE(log.ended.size(), size_t(1));
        QCOMPARE(log.info.images_per_worker_budget, int64_t(1600));
        QCOMPARE(log.info.worker_devices.size(), size_t(3));
        QVERIFY(log.info.parameter_count > 0);
        QVERIFY(r.images_done >= 3 * 1600);
        // One evaluation always comes at the end. (Mid-run ones happen on the monitor's ticks: a
        // run this short may finish within one tick on a fast machine; see the next test.)
        QVERIFY(!log.evaluations.empty());
        QCOMPARE(log.evaluations.back().at.images, int64_t(1600));
        for (size_t k = 1; k < log.evaluations.size(); ++k)
            QVERIFY(log.evaluations[k].at.images >= log.evaluations[k - 1].at.images);
        QVERIFY(!log.progress.empty());
        QVERIFY(log.progress.back().fraction > 0.9);
        for (int w = 0; w < 3; ++w) QVERIFY(!log.lossesOf(w).empty());
        QVERIFY(std::isfinite(r.final_test_accuracy));
    }

    // Mid-run evaluations are made on the monitor's ticks (every 100 ms) once a boundary has been
    // passed. The run goes until two have come, however long that takes (a budget of 10 minutes
    // that no machine needs): not a fixed 1.5 s, in which a loaded machine may not get that far.
    void midRunEvaluationsComeAfterTheirBoundaries() {
        RunConfig c = test::fastConfig();
        c.workers = 2;
        c.eval_every_images = 400;
        c.budget_kind = BudgetKind::Seconds;
        c.budget = 600;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        auto evaluations = [&] {
            std::lock_guard lock(log.mutex);
            return log.evaluations.size();
        };
        while (run.isRunning() && evaluations() < 2) std::this_thread::sleep_for(10ms);
        QVERIFY2(run.isRunning(), "the run ended before its second mid-run evaluation");
        run.requestStop();
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Stopped);
        QVERIFY2(log.evaluations.size() >= 3, qPrintable(QString::number(log.evaluations.size())));  // >= 2 mid-run + the final
        // Each after its boundary: the first past 400 images per worker, the second past 800.
        QVERIFY2(log.evaluations[0].at.images >= 400, qPrintable(QString::number(log.evaluations[0].at.images)));
        QVERIFY2(log.evaluations[1].at.images >= 800, qPrintable(QString::number(log.evaluations[1].at.images)));
        // In order (the last mid-run one may share the final one's point when it came at the end).
        for (size_t k = 1; k < log.evaluations.size(); ++k)
            QVERIFY(log.evaluations[k].at.images >= log.evaluations[k - 1].at.images);
        QVERIFY(log.evaluations[1].at.images > log.evaluations[0].at.images);
        for (const auto& e : log.evaluations) {
            QVERIFY(std::isfinite(e.test_accuracy) && std::isfinite(e.test_loss));
            QCOMPARE(e.test_images, int64_t(512));
        }
    }

    void stopEndsWithinAnIteration() {
        RunConfig c = test::fastConfig();
        c.workers = 4;
        c.budget_kind = BudgetKind::Seconds;
        c.budget = 120;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        std::this_thread::sleep_for(500ms);
        const auto asked = std::chrono::steady_clock::now();
        run.requestStop();
        const RunResult r = run.wait();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
        QCOMPARE_NAMES(r.status, RunStatus::Stopped);
        // Only a hang fails (a loaded machine must pass): the time itself is a figure.
        QVERIFY2(seconds < 30.0, qPrintable(QString::number(seconds)));  // includes the final evaluation
        qInfo("stopping took %.2f s, the final evaluation included", seconds);
        QVERIFY(!run.isRunning());
        QCOMPARE(log.ended.size(), size_t(1));
        QCOMPARE_NAMES(log.ended[0].status, RunStatus::Stopped);
    }

    void divergenceNamesWorkerAndStep() {
        RunConfig c = test::fastConfig();
        c.workers = 2;
        c.learning_rate = 10.0;
        c.momentum = 0.99;
        c.budget = 16 * 2000;
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Diverged);
        QVERIFY2(QString::fromStdString(r.message).contains(QRegularExpression("worker \\d diverged at step \\d+: loss is")),
                 r.message.c_str());
    }

    void badDataIsRefusedBeforeAnyWorkerStarts() {
        RunConfig c = test::fastConfig();
        c.dataset = "fashion-mnist";
        c.data_dir = "/nonexistent/folder";
        test::EventLog log;
        Run run(c, &log);
        try {
            run.start();
            QFAIL("start() should have thrown");
        } catch (const std::runtime_error& e) {
            QVERIFY2(QString(e.what()).contains("/nonexistent/folder"), e.what());
        }
        QCOMPARE(log.started, 0);
        QVERIFY(!run.isRunning());
    }

    void modelThatDoesNotFitTheData() {
        RunConfig c = test::fastConfig();
        c.model = "easgd-cifar";  // needs 3x28x28, synthetic gives 1x28x28
        Run run(c, nullptr);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, run.start());
    }

    void invalidConfigIsRefused() {
        RunConfig c = test::fastConfig();
        c.workers = 100;
        c.p = 7;
        try {
            Run run(c, nullptr);
            QFAIL("constructor should have thrown");
        } catch (const std::invalid_argument& e) {
            QVERIFY(QString(e.what()).contains("--workers"));
            QVERIFY(QString(e.what()).contains("--p"));
        }
    }

    void liveSettingsAreValidatedAndReported() {
        RunConfig c = test::fastConfig();
        c.workers = 2;
        c.budget_kind = BudgetKind::Seconds;
        c.budget = 60;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        std::this_thread::sleep_for(200ms);
        QVERIFY(!run.setP(0.9));
        QCOMPARE(run.p(), 0.9);
        auto error = run.setP(1.5);
        QVERIFY(error);
        QCOMPARE(QString::fromStdString(error->field), QString("p"));
        QCOMPARE(run.p(), 0.9);
        QVERIFY(run.setLearningRate(-1));
        QVERIFY(!run.setLearningRate(0.2));
        std::this_thread::sleep_for(300ms);
        run.requestStop();
        run.wait();
        QCOMPARE(log.changes.size(), size_t(2));
        QCOMPARE(QString::fromStdString(log.changes[0].field), QString("p"));
        QCOMPARE(log.changes[0].old_value, c.p);
        QCOMPARE(log.changes[0].new_value, 0.9);
        QCOMPARE(QString::fromStdString(log.changes[1].field), QString("learning-rate"));
        QVERIFY(log.changes[0].at.wall_s > 0.0);
    }

    void scheduleChangesP() {
        RunConfig c = test::fastConfig();
        c.workers = 2;
        c.p = 0.0;
        c.p_schedule = {{800, 1.0}};
        c.budget = 1600;
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(log.changes.size(), size_t(1));
        QCOMPARE(log.changes[0].source, std::string("schedule"));
        // Applied by the first worker to reach it, at exactly its image count (800 = 50 batches of
        // 16), however fast the machine: not at the monitor's next tick, which a run this short
        // may never see.
        QCOMPARE(log.changes[0].at.images, int64_t(800));
        QCOMPARE(log.changes[0].at.iteration, int64_t(50));
        QCOMPARE(log.changes[0].new_value, 1.0);
        QVERIFY(r.messages > 0);  // pushes started after the change
    }

    void scheduleChangesTheLearningRate() {
        RunConfig c = test::fastConfig();
        c.workers = 2;
        c.learning_rate = 0.05;
        c.lr_schedule = {{320, 0.02}, {960, 0.005}};
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(log.changes.size(), size_t(2));
        for (const auto& change : log.changes) {
            QCOMPARE(QString::fromStdString(change.field), QString("learning-rate"));
            QCOMPARE(change.source, std::string("schedule"));
        }
        QCOMPARE(log.changes[0].at.images, int64_t(320));
        QCOMPARE(log.changes[0].old_value, 0.05);
        QCOMPARE(log.changes[0].new_value, 0.02);
        QCOMPARE(log.changes[1].at.images, int64_t(960));
        QCOMPARE(log.changes[1].old_value, 0.02);
        QCOMPARE(log.changes[1].new_value, 0.005);
    }
};

QTEST_APPLESS_MAIN(TestRunLifecycle)
#include "test_run_lifecycle.moc"
