// --events-csv's content: a real GoSGD run on synthetic data writes every event; the file reads
// back with the store's CSV parser, has the documented columns and exactly the rows the run's
// settings fix: workers x samples x series worker rows at their iterations, whole run samples
// whose alpha_sum is 1 (held + waiting), whole distance matrices, the p schedule's change, one
// evaluation, and nothing else.
#include <QtTest>

#include <fstream>
#include <map>
#include <sstream>

#include "core/cli/events_csv.h"
#include "core/store/csv.h"
#include "core/train/run.h"

using namespace gossiplab;

class TestEventsCsv : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void aRunsEventsReadBack() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("events.csv").toStdString();
        RunConfig config;
        config.dataset = "synthetic";
        config.model = "mlp";
        config.workers = 3;
        config.batch_size = 16;
        config.p = 0.5;
        config.budget_kind = BudgetKind::ImagesPerWorker;
        config.budget = 3200;  // 200 iterations per worker
        config.metrics_every = 5;
        config.distance_every = 20;
        config.eval_max_images = 64;
        config.p_schedule = {{1600, 0.1}};
        RunResult result;
        {
            cli::EventsCsvWriter writer(path);
            result = runToCompletion(config, &writer);
        }
        QVERIFY2(result.status == RunStatus::Finished, result.message.c_str());
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        const auto rows = store::csv::parse(text.str());
        QVERIFY(rows && rows->size() > 10);
        QCOMPARE(rows->front(), (std::vector<std::string>{"event", "worker", "iteration", "images", "wall_time_s", "series", "value"}));
        // What the settings fix: every worker samples at every 5th of its 200 iterations (40
        // samples), each with the 6 GoSGD series (center_distance is EASGD's: NaN, not written);
        // the p schedule's one step; one evaluation (eval-every 0: at the end only). What the
        // monitor's ticks decide (how many run samples and distance matrices): whole groups of
        // their series, at least the final one, which sits at the end of the budget.
        const int iterations = 200, samples_per_worker = iterations / config.metrics_every;
        const int64_t images_per_worker = int64_t{iterations} * config.batch_size;  // the budget
        const std::vector<std::string> worker_series = {"loss", "alpha", "alpha_sum", "messages_sent", "messages_received",
                                                        "wait_per_iteration_s"};
        const std::vector<std::string> run_series = {"mean_loss", "alpha_sum", "alpha_held", "alpha_waiting", "messages",
                                                     "images_per_second"};
        const std::vector<std::string> distance_series = {"consensus_distance", "distance_0_1", "distance_0_2", "distance_1_2"};
        std::map<std::pair<std::string, std::string>, int> counts;   // (event, series) -> rows
        auto rowsOf = [&counts](const std::string& event, const std::string& series) { return counts[std::make_pair(event, series)]; };
        std::map<std::pair<int, std::string>, int> per_worker;       // (worker, series) -> rows
        std::map<int, std::vector<int64_t>> iterations_of;           // worker -> its loss rows' iterations
        std::map<int, double> last_sent;                              // worker -> its last messages_sent
        std::vector<std::map<std::string, double>> run_samples;       // consecutive run rows, one map per sample
        std::vector<std::string> last_distance_at;                    // the last distances row's iteration, images
        double last_run_messages = -1;
        for (size_t k = 1; k < rows->size(); ++k) {
            const auto& row = (*rows)[k];
            QCOMPARE(row.size(), size_t(7));
            const std::string& event = row[0];
            const std::string& series = row[5];
            const std::string where = "row " + std::to_string(k) + ": " + event + " " + series;
            const double value = std::stod(row[6]);
            ++counts[{event, series}];
            if (event == "worker") {
                const int worker = std::stoi(row[1]);
                QVERIFY2(worker >= 0 && worker < config.workers, where.c_str());
                ++per_worker[{worker, series}];
                const int64_t iteration = std::stoll(row[2]);
                // Each worker's own point: its iteration and the images it has done.
                QCOMPARE(std::stoll(row[3]), iteration * config.batch_size);
                if (series == "loss") iterations_of[worker].push_back(iteration);
                if (series == "alpha") QVERIFY2(value > 0.0 && value <= 1.0, where.c_str());
                if (series == "alpha_sum") QVERIFY2(std::abs(value - 1.0) < 1e-9, (where + " = " + row[6]).c_str());
                if (series == "messages_sent") {
                    QVERIFY2(value >= last_sent[worker], ("messages_sent went back on " + where).c_str());
                    last_sent[worker] = value;
                }
            } else {
                QVERIFY2(row[1].empty(), ("run-level row with a worker: " + where).c_str());
            }
            if (event == "run") {
                // A sample's series are written together, in order: a new sample starts at mean_loss.
                if (series == run_series.front()) run_samples.emplace_back();
                QVERIFY2(!run_samples.empty() && !run_samples.back().count(series), ("run sample out of order at " + where).c_str());
                run_samples.back()[series] = value;
                if (series == "messages") last_run_messages = value;
            }
            if (event == "distances" && series == "consensus_distance") last_distance_at = {row[2], row[3]};
            if (event == "setting") {
                QCOMPARE(series, std::string("p"));
                QCOMPARE(value, 0.1);
                // At the step's point: the first worker to reach 1600 images, at its 100th iteration.
                QCOMPARE(row[2] + " " + row[3], std::string("100 1600"));
            }
            if (event == "eval") {
                if (series == "test_accuracy") QVERIFY2(value >= 0.0 && value <= 1.0, where.c_str());
                QCOMPARE(std::stoll(row[3]), images_per_worker);  // at the end of the budget
            }
        }
        // Worker rows: exactly workers x samples x series, every sample at its iteration.
        std::vector<int64_t> expected_iterations;
        for (int i = 1; i <= samples_per_worker; ++i) expected_iterations.push_back(int64_t{i} * config.metrics_every);
        for (int w = 0; w < config.workers; ++w) {
            for (const auto& series : worker_series)
            {
                const int n = per_worker[std::make_pair(w, series)];
                QVERIFY2(n == samples_per_worker, qPrintable(QString("worker %1 %2: %3 rows").arg(w).arg(series.c_str()).arg(n)));
            }
            QCOMPARE(iterations_of[w], expected_iterations);
        }
        int worker_rows = 0;
        for (const auto& [key, n] : counts)
            if (key.first == "worker") worker_rows += n;
        QCOMPARE(worker_rows, config.workers * samples_per_worker * int(worker_series.size()));
        QCOMPARE(rowsOf("worker", "center_distance"), 0);
        // Run rows: whole samples of the 6 series; alpha_sum is 1 and splits into held + waiting;
        // the last (the end's) sample has all of it held and counts every worker's pushes.
        QVERIFY(!run_samples.empty());
        for (const auto& series : run_series) QCOMPARE(rowsOf("run", series), int(run_samples.size()));
        for (const auto& sample : run_samples) {
            QCOMPARE(sample.size(), run_series.size());
            QVERIFY2(std::abs(sample.at("alpha_sum") - 1.0) < 1e-9, qPrintable(QString::number(sample.at("alpha_sum"), 'g', 17)));
            QVERIFY(std::abs(sample.at("alpha_held") + sample.at("alpha_waiting") - 1.0) < 1e-9);
        }
        QVERIFY(std::abs(run_samples.back().at("alpha_held") - 1.0) < 1e-9);
        double sent = 0;
        for (const auto& [worker, n] : last_sent) sent += n;
        QCOMPARE(last_run_messages, sent);
        QCOMPARE(last_run_messages, double(result.messages));
        // Distance rows: whole matrices (the consensus and the 3 pairs), the last one at the end.
        QVERIFY(rowsOf("distances", "consensus_distance") >= 1);
        for (const auto& series : distance_series)
            QCOMPARE(rowsOf("distances", series), rowsOf("distances", "consensus_distance"));
        QCOMPARE(QString::fromStdString(last_distance_at.at(0) + " " + last_distance_at.at(1)), QString("%1 %2").arg(iterations).arg(images_per_worker));
        // One step of the p schedule, one evaluation (its two series).
        QCOMPARE(rowsOf("setting", "p"), 1);
        QCOMPARE(rowsOf("eval", "test_loss"), 1);
        QCOMPARE(rowsOf("eval", "test_accuracy"), 1);
        // Nothing else: every row is one of the above.
        const int run_rows = int(run_samples.size() * run_series.size());
        const int distance_rows = rowsOf("distances", "consensus_distance") * int(distance_series.size());
        QCOMPARE(int(rows->size()) - 1, worker_rows + run_rows + distance_rows + 1 + 2);
    }
};

QTEST_GUILESS_MAIN(TestEventsCsv)
#include "test_events_csv.moc"
