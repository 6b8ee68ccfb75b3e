// --events-csv's content: a real GoSGD run on synthetic data writes every event; the file reads
// back with the store's CSV parser, has the documented columns, one worker id per worker row,
// alpha sums of 1, images that only grow per worker, and the p schedule's change as a row.
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
        std::map<int, int64_t> last_images;
        int worker_rows = 0, alpha_sums = 0, setting_rows = 0, evals = 0;
        for (size_t k = 1; k < rows->size(); ++k) {
            const auto& row = (*rows)[k];
            QCOMPARE(row.size(), size_t(7));
            const std::string& event = row[0];
            const double value = std::stod(row[6]);
            if (event == "worker") {
                const int worker = std::stoi(row[1]);
                QVERIFY(worker >= 0 && worker < config.workers);
                const int64_t images = std::stoll(row[3]);
                QVERIFY2(images >= last_images[worker], ("images went back on row " + std::to_string(k)).c_str());
                last_images[worker] = images;
                ++worker_rows;
            } else {
                QVERIFY2(row[1].empty(), ("run-level row with a worker: " + std::to_string(k)).c_str());
            }
            if (event == "run" && row[5] == "alpha_sum") {
                QVERIFY(std::abs(value - 1.0) < 1e-9);
                ++alpha_sums;
            }
            if (event == "setting") {
                QCOMPARE(row[5], std::string("p"));
                QCOMPARE(value, 0.1);
                ++setting_rows;
            }
            if (event == "eval" && row[5] == "test_accuracy") ++evals;
        }
        QVERIFY(worker_rows > 0);
        QCOMPARE(int(last_images.size()), config.workers);
        QVERIFY(alpha_sums > 0);
        QCOMPARE(setting_rows, 1);
        QVERIFY(evals >= 1);  // the final evaluation
    }
};

QTEST_GUILESS_MAIN(TestEventsCsv)
#include "test_events_csv.moc"
