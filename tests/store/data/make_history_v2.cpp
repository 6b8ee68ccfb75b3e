// Writes tests/store/data/history-v2.sqlite3 with the store of commit 6dcd655 (schema 2): one
// finished GoSGD run whose every value the migration test knows (2 workers, 25 iterations of 16
// images, a sample every 5 iterations).
#include <cstdio>
#include <string>

#include "core/store/run_recorder.h"

using namespace gossiplab;

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    auto recorder = store::RunRecorder::open(argv[1]);
    if (!recorder) { std::fprintf(stderr, "%s\n", recorder.error().message.c_str()); return 1; }
    auto& r = **recorder;
    RunInfo info;
    info.config.name = "made by schema v2";
    info.config.algorithm = Algorithm::GoSgd;
    info.config.workers = 2;
    info.config.p = 0.5;
    info.config.learning_rate = 0.05;
    info.config.dataset = "synthetic";
    info.config.model = "mlp";
    info.config.batch_size = 16;
    info.config.budget_kind = BudgetKind::ImagesPerWorker;
    info.config.budget = 400;
    info.config.metrics_every = 5;
    info.config.seed = 1;
    info.parameter_count = 101770;
    info.model_description = "MLP 784-128-10, 101770 parameters";
    info.dataset_description = "synthetic";
    info.train_size = 8192;
    info.test_size = 2048;
    info.images_per_worker_budget = 400;
    info.worker_devices = {"cpu", "cpu"};
    info.host = "v2-host";
    info.intra_op_threads = 1;
    r.onRunStarted(info);
    for (int64_t it = 5; it <= 25; it += 5) {
        const SamplePoint at{it, 16 * it, 0.01 * double(it)};
        for (int w = 0; w < 2; ++w) {
            WorkerSample s;
            s.worker = w;
            s.at = at;
            s.loss = 2.5 - 0.04 * double(it) - 0.01 * w;
            s.alpha = w == 0 ? 0.25 : 0.75;
            s.alpha_sum = 1.0;
            s.messages_sent = it / 5 + w;
            s.messages_received = it / 5;
            s.center_distance = 0.0 / 0.0;
            r.onWorkerSample(s);
        }
        RunSample rs;
        rs.at = at;
        rs.mean_loss = 2.5 - 0.04 * double(it) - 0.005;
        rs.alpha_sum = 1.0;
        rs.messages = 2 * it / 5;
        rs.images_per_second = 3200.0;
        r.onRunSample(rs);
        if (it % 10 == 0) {
            DistanceSnapshot d;
            d.at = at;
            d.workers = 2;
            d.distances = {0.0, 1.0 / double(it), 1.0 / double(it), 0.0};
            d.consensus_distance = 0.5 / double(it);
            r.onDistances(d);
        }
        ProgressUpdate p;
        p.elapsed_s = at.wall_s;
        p.images_done = 2 * at.images;
        p.images_budget = 800;
        p.fraction = double(p.images_done) / 800.0;
        r.onProgress(p);
    }
    SettingChange change;
    change.at = {10, 160, 0.1};
    change.field = "p";
    change.old_value = 0.5;
    change.new_value = 0.7;
    change.source = "user";
    r.onSettingChange(change);
    EvalSample e;
    e.at = {25, 400, 0.25};
    e.test_loss = 1.5;
    e.test_accuracy = 0.625;
    e.test_images = 512;
    r.onEvaluation(e);
    RunResult result;
    result.status = RunStatus::Finished;
    result.message = "budget reached";
    result.wall_s = 0.25;
    result.images_done = 800;
    result.messages = 10;
    result.final_mean_loss = 1.495;
    result.alpha_sum = 1.0;
    result.final_test_loss = 1.5;
    result.final_test_accuracy = 0.625;
    result.consensus_distance = 0.02;
    result.images_per_second = 3200.0;
    result.worker_final_loss = {1.5, 1.49};
    r.onRunEnded(result);
    recorder->reset();
    std::printf("recorded\n");
    return 0;
}
