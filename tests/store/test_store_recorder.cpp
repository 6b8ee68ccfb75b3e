// RunRecorder: what a run's events become in the history, reading while recording, the bounded
// queue's back-pressure, and runs that never got their end.

#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cmath>
#include <thread>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

class TestStoreRecorder : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    int files_ = 0;
    std::string newFile() { return dir_.filePath(QStringLiteral("h%1.sqlite3").arg(++files_)).toStdString(); }

    static std::unique_ptr<RunRecorder> openRecorder(const std::string& path, const RecorderOptions& options = {}) {
        auto recorder = RunRecorder::open(path, options);
        if (!recorder) qFatal("cannot open the recorder: %s", recorder.error().message.c_str());
        return std::move(recorder).value();
    }
    static RunHistory openHistory(const std::string& path) {
        auto history = RunHistory::open(path);
        if (!history) qFatal("cannot open the history: %s", history.error().message.c_str());
        return std::move(history).value();
    }

private Q_SLOTS:
    void aRunBecomesRowsOfEverySeries() {
        const std::string path = newFile();
        const int workers = 3;
        int64_t run_id = 0;
        {
            auto recorder = openRecorder(path);
            recorder->onRunStarted(makeInfo("full run", workers));
            run_id = recorder->runId();
            QVERIFY(run_id > 0);
            feedSamples(*recorder, workers, 1, 100);
            EvalSample eval;
            eval.at = pointAt(100);
            eval.test_loss = 0.4;
            eval.test_accuracy = 0.88;
            recorder->onEvaluation(eval);
            recorder->onSettingChange(SettingChange{pointAt(50), "p", 0.05, 0.5, "user"});
            recorder->onMessage("lr schedule step, \"quoted\"");
            recorder->onRunEnded(makeResult(RunStatus::Finished, workers));
            QVERIFY(!recorder->error());
            QCOMPARE(recorder->stats().events_discarded, uint64_t{0});
        }
        auto history = openHistory(path);
        const auto run = history.run(run_id);
        QVERIFY(run);
        QCOMPARE(name(run->status), name(RunStatus::Finished));
        QCOMPARE(QString::fromStdString(run->name), QStringLiteral("full run"));
        QCOMPARE(QString::fromStdString(run->algorithm), QStringLiteral("gosgd"));
        QCOMPARE(QString::fromStdString(run->host), QStringLiteral("test-host"));
        QCOMPARE(run->seed, uint64_t{42});
        QCOMPARE(run->workers, workers);
        QCOMPARE(run->progress, 1.0);
        QCOMPARE(run->duration_s, 12.5);
        QCOMPARE(run->mean_loss, 0.25);
        QCOMPARE(run->test_accuracy, 0.91);
        QCOMPARE(run->worker_final_loss.size(), size_t(workers));
        QVERIFY(std::isfinite(run->created_at) && std::isfinite(run->ended_at));

        // The whole validated config comes back.
        std::vector<ConfigError> errors;
        const auto config = history.config(run_id, &errors);
        QVERIFY(config);
        QCOMPARE(config->workers, workers);
        QCOMPARE(config->p, 0.05);
        QCOMPARE(config->seed, uint64_t{42});

        // Per-worker series, in order, with the right values.
        for (int w = 0; w < workers; ++w) {
            const auto loss = history.readSeries(run_id, "loss", w);
            QCOMPARE(loss.size(), size_t{100});
            for (size_t i = 0; i < loss.size(); ++i) {
                QCOMPARE(loss[i].iteration, int64_t(i + 1));
                QCOMPARE(loss[i].value, syntheticLoss(w, int64_t(i + 1)));
                QCOMPARE(loss[i].images, int64_t(i + 1) * 64);
                if (i > 0) QVERIFY(loss[i].seq > loss[i - 1].seq);
            }
            QCOMPARE(history.readSeries(run_id, "alpha", w).size(), size_t{100});
            QCOMPARE(history.readSeries(run_id, "messages_sent", w).size(), size_t{100});
            QCOMPARE(history.readSeries(run_id, "messages_received", w).size(), size_t{100});
            QCOMPARE(history.readSeries(run_id, "center_distance", w).size(), size_t{0});  // NaN for GoSGD
            const auto wait = history.readSeries(run_id, "wait_per_iteration_s", w);
            QCOMPARE(wait.size(), size_t{100});
            for (size_t i = 0; i < wait.size(); ++i) {
                QCOMPARE(wait[i].iteration, int64_t(i + 1));
                QCOMPARE(wait[i].value, syntheticWait(w, int64_t(i + 1)));
            }
        }
        for (const char* series : {"mean_loss", "alpha_sum", "alpha_held", "alpha_waiting", "messages", "images_per_second"}) {
            QCOMPARE(history.readSeries(run_id, series, kRunLevel).size(), size_t{100});
        }
        // Where the sum of alphas was: held + waiting = sum at every recorded point.
        const auto sum = history.readSeries(run_id, "alpha_sum", kRunLevel);
        const auto held = history.readSeries(run_id, "alpha_held", kRunLevel);
        const auto waiting = history.readSeries(run_id, "alpha_waiting", kRunLevel);
        for (size_t i = 0; i < sum.size(); ++i) {
            QCOMPARE(held[i].iteration, sum[i].iteration);
            QCOMPARE(waiting[i].iteration, sum[i].iteration);
            QVERIFY(std::abs(held[i].value + waiting[i].value - sum[i].value) < 1e-12);
            QCOMPARE(held[i].value, 0.75 + 0.001 * static_cast<double>((i + 1) % 7));
        }
        QCOMPARE(history.readSeries(run_id, "consensus_distance", kRunLevel).size(), size_t{10});
        QCOMPARE(history.readSeries(run_id, "test_accuracy", kRunLevel).size(), size_t{1});
        QCOMPARE(history.readSeries(run_id, "test_loss", kRunLevel)[0].value, 0.4);

        // The latest values: one per series and worker, holding the last point.
        const auto latest = history.latestValues(run_id);
        QCOMPARE(latest.size(), size_t{5 * workers + 9});
        int found = 0;  // both keys must be there: a loop that matches nothing would pass
        for (const LatestValue& value : latest) {
            if (value.key == SeriesKey{"loss", 1}) {
                QCOMPARE(value.point.value, syntheticLoss(1, 100));
                ++found;
            }
            if (value.key == SeriesKey{"test_accuracy", kRunLevel}) {
                QCOMPARE(value.point.value, 0.88);
                ++found;
            }
        }
        QCOMPARE(found, 2);
        QCOMPARE(history.seriesOf(run_id).size(), latest.size());

        // The last distance matrix, M x M.
        const auto matrix = history.latestDistances(run_id);
        QVERIFY(matrix);
        QCOMPARE(matrix->workers, workers);
        QCOMPARE(matrix->iteration, int64_t{100});
        QCOMPARE(matrix->distances.size(), size_t(workers * workers));
        QCOMPARE(matrix->distances[1], 0.1 * 1 + 1e-3 * 100);

        const auto changes = history.settingChanges(run_id);
        QCOMPARE(changes.size(), size_t{1});
        QCOMPARE(QString::fromStdString(changes[0].field), QStringLiteral("p"));
        QCOMPARE(changes[0].new_value, 0.5);
        QCOMPARE(changes[0].at.iteration, int64_t{50});
        const auto messages = history.messages(run_id);
        QCOMPARE(messages.size(), size_t{1});
        QCOMPARE(QString::fromStdString(messages[0].text), QStringLiteral("lr schedule step, \"quoted\""));
    }

    void aDivergedLossIsKeptAsNullAndNotApplicableValuesWriteNoRow() {
        const std::string path = newFile();
        auto recorder = openRecorder(path);
        recorder->onRunStarted(makeInfo("diverging", 2, Algorithm::Easgd));
        const int64_t run_id = recorder->runId();
        feedSamples(*recorder, 2, 1, 5, /*gosgd=*/false);
        WorkerSample diverged;
        diverged.worker = 0;
        diverged.at = pointAt(6);
        diverged.loss = std::numeric_limits<double>::quiet_NaN();
        diverged.alpha = std::numeric_limits<double>::quiet_NaN();
        diverged.center_distance = std::numeric_limits<double>::infinity();
        recorder->onWorkerSample(diverged);
        RunResult result = makeResult(RunStatus::Diverged, 2);
        result.final_mean_loss = std::numeric_limits<double>::quiet_NaN();
        result.message = "worker 0 diverged at iteration 6";
        recorder->onRunEnded(result);
        QVERIFY(!recorder->error());

        auto history = openHistory(path);
        const auto loss = history.readSeries(run_id, "loss", 0);
        QCOMPARE(loss.size(), size_t{6});
        QVERIFY(std::isnan(loss.back().value));  // the point and its iteration are there, the value is NULL
        QCOMPARE(loss.back().iteration, int64_t{6});
        QCOMPARE(history.readSeries(run_id, "alpha", 0).size(), size_t{0});            // EASGD: no alpha
        QCOMPARE(history.readSeries(run_id, "center_distance", 0).size(), size_t{6});  // infinity -> NULL row
        QCOMPARE(history.readSeries(run_id, "alpha_sum", kRunLevel).size(), size_t{0});
        QCOMPARE(history.readSeries(run_id, "alpha_held", kRunLevel).size(), size_t{0});
        QCOMPARE(history.readSeries(run_id, "alpha_waiting", kRunLevel).size(), size_t{0});
        const auto run = history.run(run_id);
        QCOMPARE(name(run->status), name(RunStatus::Diverged));
        QCOMPARE(QString::fromStdString(run->message), QStringLiteral("worker 0 diverged at iteration 6"));
        // No final mean loss: the run list falls back to the latest recorded one.
        QCOMPARE(run->mean_loss, syntheticLoss(0, 5));
        // The decimated read and the CSV export cope with the NULL.
        QVERIFY(!history.readSeries(run_id, "loss", 0, {0, 2}).empty());
        std::ostringstream csv;
        QVERIFY(history.exportSeriesCsv({run_id}, csv).ok());
    }

    void aReaderSeesRowsWhileTheRunIsRecorded() {
        const std::string path = newFile();
        auto recorder = openRecorder(path);
        auto reader = openHistory(path);
        const int64_t list_version = reader.runListVersion();
        const int64_t data_version = reader.dataVersion();

        recorder->onRunStarted(makeInfo("live", 2));
        const int64_t run_id = recorder->runId();
        feedSamples(*recorder, 2, 1, 20);
        QVERIFY(recorder->flush().ok());

        QVERIFY(reader.dataVersion() != data_version);
        QVERIFY(reader.runListVersion() > list_version);
        const auto runs = reader.listRuns();
        QCOMPARE(runs.size(), size_t{1});
        QCOMPARE(name(runs[0].status), name(RunStatus::Running));
        QVERIFY(reader.isLive(run_id));
        QCOMPARE(runs[0].progress, 0.5);
        {
            // Opening the file while a run records (here in the same process, as the GUI does)
            // must not take that run for a dead one.
            auto late_reader = openHistory(path);
            QVERIFY(late_reader.interruptedOnOpen().empty());
            QCOMPARE(name(late_reader.run(run_id)->status), name(RunStatus::Running));
            OpenOptions read_only;
            read_only.mode = OpenMode::ReadOnly;
            auto browser = RunHistory::open(path, read_only);
            QVERIFY(browser.ok());
            QCOMPARE(browser->readSeries(run_id, "loss", 0).size(), size_t{20});
            QVERIFY(browser->isLive(run_id));
        }
        const auto first = reader.readSeries(run_id, "loss", 1);
        QCOMPARE(first.size(), size_t{20});
        const auto first_mean = reader.readSeries(run_id, "mean_loss", kRunLevel);
        QCOMPARE(first_mean.size(), size_t{20});

        // Polling: only the rows after the last one seen.
        feedSamples(*recorder, 2, 21, 5);
        QVERIFY(recorder->flush().ok());
        const auto more = reader.readSeries(run_id, "loss", 1, {first.back().seq, 0});
        QCOMPARE(more.size(), size_t{5});
        QCOMPARE(more.front().iteration, int64_t{21});
        QCOMPARE(reader.readSeries(run_id, "mean_loss", kRunLevel, {first_mean.back().seq, 0}).size(), size_t{5});

        recorder->onRunEnded(makeResult(RunStatus::Stopped, 2));
        QCOMPARE(name(reader.run(run_id)->status), name(RunStatus::Stopped));
        QVERIFY(!reader.isLive(run_id));
    }

    void batchesAreCommittedByTimeWithoutAFlush() {
        const std::string path = newFile();
        RecorderOptions options;
        options.batch_rows = 1'000'000;  // never reached: only the timer can commit
        options.batch_interval = std::chrono::milliseconds(50);
        auto recorder = openRecorder(path, options);
        recorder->onRunStarted(makeInfo("timer", 1));
        const int64_t run_id = recorder->runId();
        auto reader = openHistory(path);
        feedSamples(*recorder, 1, 1, 3);
        QTRY_COMPARE_WITH_TIMEOUT(reader.readSeries(run_id, "loss", 0).size(), size_t{3}, 20000);
        recorder->onRunEnded(makeResult(RunStatus::Finished, 1));
    }

    void aFullQueueHoldsTheProducerBackAndLosesNothing() {
        const std::string path = newFile();
        RecorderOptions options;
        options.queue_capacity_rows = 50;
        options.batch_rows = 10;
        options.busy_timeout_ms = 20;
        auto recorder = openRecorder(path, options);
        recorder->onRunStarted(makeInfo("back-pressure", 1));
        const int64_t run_id = recorder->runId();

        // Another connection takes the write lock: the writer cannot commit, the queue fills up.
        auto blocker = sql::Database::open(path, sql::Database::Access::ReadWrite, 1000);
        blocker.exec("BEGIN IMMEDIATE");

        const int samples = 400;  // 2000 rows through a 50-row queue: impossible without commits
        std::atomic<bool> producer_done{false};
        std::thread producer([&] {
            feedSamples(*recorder, 1, 1, samples);
            producer_done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(recorder->stats().producer_waits > 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(recorder->stats().busy_retries > 0, 20000);
        QVERIFY(!producer_done);  // still held back: nothing can be committed while the lock is held
        QVERIFY(recorder->stats().peak_queued_rows <= options.queue_capacity_rows);

        blocker.exec("ROLLBACK");
        producer.join();
        recorder->onRunEnded(makeResult(RunStatus::Finished, 1));
        QVERIFY(!recorder->error());
        const RecorderStats stats = recorder->stats();
        QCOMPARE(stats.events_discarded, uint64_t{0});
        QVERIFY(stats.peak_queued_rows <= options.queue_capacity_rows);

        auto history = openHistory(path);
        QCOMPARE(history.readSeries(run_id, "loss", 0).size(), size_t{samples});
        QCOMPARE(history.readSeries(run_id, "mean_loss", kRunLevel).size(), size_t{samples});
        QCOMPARE(name(history.run(run_id)->status), name(RunStatus::Finished));
    }

    void aRecorderClosedBeforeTheEndLeavesAnInterruptedRun() {
        const std::string path = newFile();
        int64_t run_id = 0;
        {
            auto recorder = openRecorder(path);
            recorder->onRunStarted(makeInfo("abandoned", 2));
            run_id = recorder->runId();
            feedSamples(*recorder, 2, 1, 10);
        }
        auto history = openHistory(path);
        const auto run = history.run(run_id);
        QCOMPARE(name(run->status), name(RunStatus::Interrupted));
        QVERIFY(!run->message.empty());
        QCOMPARE(history.readSeries(run_id, "loss", 0).size(), size_t{10});  // everything queued was written
    }

    void eventsOutsideARunAreCountedNotWritten() {
        const std::string path = newFile();
        auto recorder = openRecorder(path);
        feedSamples(*recorder, 1, 1, 1);  // before onRunStarted
        QVERIFY(recorder->flush().ok());
        QCOMPARE(recorder->stats().events_without_run, uint64_t{2});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM worker_points"), int64_t{0});
    }

    void oneRecorderRecordsRunsOneAfterAnother() {
        const std::string path = newFile();
        auto recorder = openRecorder(path);
        auto first = recorder->startRun(makeInfo("first", 1));
        QVERIFY(first.ok());
        feedSamples(*recorder, 1, 1, 5);
        auto second = recorder->startRun(makeInfo("second", 1));  // the first never ended
        QVERIFY(second.ok());
        QVERIFY(second.value() != first.value());
        feedSamples(*recorder, 1, 1, 7);
        QVERIFY(recorder->endRun(makeResult(RunStatus::Finished, 1)).ok());

        auto history = openHistory(path);
        QCOMPARE(name(history.run(first.value())->status), name(RunStatus::Interrupted));
        QCOMPARE(name(history.run(second.value())->status), name(RunStatus::Finished));
        QCOMPARE(history.readSeries(first.value(), "loss", 0).size(), size_t{5});
        QCOMPARE(history.readSeries(second.value(), "loss", 0).size(), size_t{7});
    }

    void twoRecordersShareOneFile() {
        const std::string path = newFile();
        std::vector<int64_t> ids(2);
        std::vector<std::thread> threads;
        for (int r = 0; r < 2; ++r) {
            threads.emplace_back([&, r] {
                auto recorder = openRecorder(path);
                recorder->onRunStarted(makeInfo("parallel " + std::to_string(r), 2));
                ids[static_cast<size_t>(r)] = recorder->runId();
                feedSamples(*recorder, 2, 1, 300);
                recorder->onRunEnded(makeResult(RunStatus::Finished, 2));
                if (recorder->error()) qWarning("%s", recorder->error()->message.c_str());
            });
        }
        for (auto& thread : threads) thread.join();
        auto history = openHistory(path);
        QVERIFY(ids[0] != ids[1]);
        for (int64_t id : ids) {
            QCOMPARE(name(history.run(id)->status), name(RunStatus::Finished));
            QCOMPARE(history.readSeries(id, "loss", 1).size(), size_t{300});
        }
    }
};

QTEST_APPLESS_MAIN(TestStoreRecorder)
#include "test_store_recorder.moc"
