// gossiplab-ui-history-bench: how quickly the History tab opens a large history and a long run.
// Records (through the store's RunRecorder) 300 small runs and one run with a 1,000,000-point
// series into a temporary file, then times: opening the History tab (the run list read and
// shown), and opening the long run (its series read, decimated to what the panels draw, plotted).
// Prints milliseconds; not a test (no time is asserted). Runs offscreen unless told otherwise.

#include <chrono>
#include <cstdio>

#include <QApplication>
#include <QTemporaryDir>

#include "core/store/run_recorder.h"
#include "ui/history/run_viewer.h"
#include "ui/plots/worker_series_panel.h"
#include "ui/window/history_view.h"

using namespace gossiplab;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int64_t record(const std::string& path, const std::string& name, int workers, int64_t rounds, Algorithm algorithm) {
    auto recorder = store::RunRecorder::open(path);
    if (!recorder) {
        std::fprintf(stderr, "%s\n", recorder.error().message.c_str());
        std::exit(1);
    }
    RunInfo info;
    info.config.name = name;
    info.config.workers = workers;
    info.config.algorithm = algorithm;
    info.config.p = 0.02;
    info.worker_devices.assign(size_t(workers), "cpu");
    auto& r = **recorder;
    r.onRunStarted(info);
    for (int64_t i = 1; i <= rounds; ++i) {
        const SamplePoint at{i, i * 64, double(i) * 0.001};
        if (workers > 1 || rounds < 10000) {
            for (int w = 0; w < workers; ++w) {
                WorkerSample s;
                s.worker = w;
                s.at = at;
                s.loss = 2.0 / (1.0 + 0.001 * double(i)) + 0.01 * w;
                s.alpha = algorithm == Algorithm::GoSgd ? 1.0 / workers : std::nan("");
                s.alpha_sum = algorithm == Algorithm::GoSgd ? 1.0 : std::nan("");
                s.center_distance = std::nan("");
                r.onWorkerSample(s);
            }
        }
        RunSample run;
        run.at = at;
        run.mean_loss = 2.0 / (1.0 + 0.001 * double(i)) + 0.05 * std::sin(double(i));
        run.alpha_sum = std::nan("");
        run.messages = i;
        run.images_per_second = 1000;
        r.onRunSample(run);
    }
    RunResult result;
    result.status = RunStatus::Finished;
    result.final_mean_loss = 0.1;
    r.onRunEnded(result);
    return r.runId();
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QTemporaryDir dir;
    const std::string path = dir.filePath("history.sqlite3").toStdString();

    auto t0 = Clock::now();
    for (int i = 0; i < 300; ++i)
        record(path, "run-" + std::to_string(i), 4, 50, i % 3 == 0 ? Algorithm::Easgd : i % 3 == 1 ? Algorithm::GoSgd : Algorithm::Naive);
    // One worker, naive: the run-level mean_loss series holds 1,000,000 points.
    const int64_t big = record(path, "long-run", 1, 1'000'000, Algorithm::Naive);
    std::printf("recorded 301 runs (one with a 1,000,000-point mean_loss series) in %.1f s\n", msSince(t0) / 1000);

    for (int trial = 0; trial < 3; ++trial) {
        ui::HistoryView view;
        view.resize(1600, 900);
        view.show();
        t0 = Clock::now();
        view.setHistoryPath(QString::fromStdString(path));
        QApplication::processEvents();
        const double open_history = msSince(t0);
        t0 = Clock::now();
        view.selectRuns({big});
        for (ui::PlotPanel* p : {static_cast<ui::PlotPanel*>(view.viewer()->lossPanel())}) p->replotNow();
        QApplication::processEvents();
        const double open_run = msSince(t0);
        std::printf("trial %d: open the History tab with %d runs: %.0f ms; open the 1,000,000-point run: %.0f ms "
                    "(%lld points plotted in the loss panel)\n",
                    trial + 1, view.runCount(), open_history, open_run,
                    static_cast<long long>(view.viewer()->lossPanel()->plottedPointCount()));
    }
    return 0;
}
