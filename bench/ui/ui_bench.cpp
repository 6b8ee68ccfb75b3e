// gossiplab-ui-bench: how fast the live dashboard is. Prints figures; not a test.
//
// 1. Events per second the UI sustains with M = 8: a producer thread plays a run's monitor thread
//    (the same RunObserver calls, through the controller's bridge) at rising rates, while the
//    main window (offscreen, 1600 x 1000) applies the events and redraws at ~30 Hz. Sustained:
//    every event applied, none dropped, and 99% of the event loop's turns within 100 ms (a 10 ms
//    heartbeat timer measures the gaps; the maximum is printed too, but on a shared machine it
//    mostly measures the other processes).
// 2. How long a redraw takes at 100,000 points per series: the training-loss panel with 8 workers
//    and the mean (9 series x 100k points) through the bounded buffers (decimated with min/max
//    envelopes), and the same points handed to QCustomPlot raw, for comparison.
//
// Usage: gossiplab-ui-bench [--quick]   (QT_QPA_PLATFORM defaults to offscreen)

#include <QApplication>
#include <QElapsedTimer>
#include <QSettings>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include "ui/live/live_view.h"
#include "ui/live/run_bridge.h"
#include "ui/live/run_controller.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/palette.h"
#include "ui/plots/qcp.h"
#include "ui/plots/worker_series_panel.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kWorkers = 8;

// Plays a run's monitor thread: worker samples round-robin at `rate` per second, and the run-level
// events at the core's own cadence (run sample + progress every 100 ms, a distance matrix every
// 500 ms, an evaluation every 2 s).
class Producer {
public:
    explicit Producer(RunObserver* feed) : feed_(feed) {}

    void start(double rate) {
        rate_.store(rate);
        stop_.store(false);
        thread_ = std::thread([this] { loop(); });
    }
    void stop() {
        stop_.store(true);
        if (thread_.joinable()) thread_.join();
    }
    uint64_t produced() const { return produced_.load(); }

private:
    void loop() {
        const auto t0 = Clock::now();
        const double rate = rate_.load();
        uint64_t sent = 0;
        auto next_run = t0, next_distance = t0, next_eval = t0 + std::chrono::seconds(1);
        while (!stop_.load()) {
            const auto now = Clock::now();
            const double elapsed = std::chrono::duration<double>(now - t0).count();
            const auto due = rate > 0 ? static_cast<uint64_t>(elapsed * rate) : sent + 2048;
            while (sent < due && !stop_.load()) {
                WorkerSample s;
                s.worker = static_cast<int>(iteration_ % kWorkers);
                const int64_t it = static_cast<int64_t>(iteration_ / kWorkers);
                s.at = {it, it * 32, wall_ + elapsed};
                s.loss = 2.3 * std::exp(-1e-5 * double(it)) + 0.05 * std::sin(double(iteration_)) + 0.02 * s.worker;
                s.alpha = std::ldexp(1.0, -1 - int((iteration_ * 2654435761u) % 7));
                s.alpha_sum = 1.0;
                s.center_distance = std::nan("");
                feed_->onWorkerSample(s);
                ++iteration_;
                ++sent;
                produced_.fetch_add(1, std::memory_order_relaxed);
            }
            const int64_t it = static_cast<int64_t>(iteration_ / kWorkers);
            const SamplePoint at{it, it * 32, wall_ + elapsed};
            if (now >= next_run) {
                RunSample r;
                r.at = at;
                r.mean_loss = 2.3 * std::exp(-1e-5 * double(it));
                r.alpha_sum = 1.0;
                r.messages = it;
                r.images_per_second = rate * 32;
                feed_->onRunSample(r);
                ProgressUpdate p;
                p.elapsed_s = at.wall_s;
                p.images_done = it * 32 * kWorkers;
                p.images_budget = 0;
                p.budget_s = 3600;
                p.fraction = std::min(1.0, at.wall_s / 3600);
                p.images_per_second = rate * 32;
                p.eta_s = 3600 - at.wall_s;
                p.messages = it;
                p.alpha_sum = 1.0;
                feed_->onProgress(p);
                produced_.fetch_add(2, std::memory_order_relaxed);
                next_run += std::chrono::milliseconds(100);
            }
            if (now >= next_distance) {
                DistanceSnapshot d;
                d.at = at;
                d.workers = kWorkers;
                d.distances.assign(kWorkers * kWorkers, 0.0);
                for (int i = 0; i < kWorkers; ++i)
                    for (int j = 0; j < kWorkers; ++j) d.distances[size_t(i * kWorkers + j)] = i == j ? 0.0 : 1.0 + std::abs(i - j) * std::exp(-1e-5 * double(it));
                d.consensus_distance = std::exp(-1e-5 * double(it));
                feed_->onDistances(d);
                produced_.fetch_add(1, std::memory_order_relaxed);
                next_distance += std::chrono::milliseconds(500);
            }
            if (now >= next_eval) {
                EvalSample e;
                e.at = at;
                e.test_loss = 2.0 * std::exp(-1e-5 * double(it));
                e.test_accuracy = 1.0 - 0.9 * std::exp(-1e-5 * double(it));
                feed_->onEvaluation(e);
                produced_.fetch_add(1, std::memory_order_relaxed);
                next_eval += std::chrono::seconds(2);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(250));
        }
        wall_ += std::chrono::duration<double>(Clock::now() - t0).count();
    }

    RunObserver* feed_;
    std::thread thread_;
    std::atomic<double> rate_{0};
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> produced_{0};
    uint64_t iteration_ = 0;
    double wall_ = 0;
};

void pump(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

struct PhaseResult {
    double offered = 0;      // events/s asked of the producer (0: as fast as it can)
    double produced = 0;     // events/s the producer made
    double applied = 0;      // events/s the GUI applied
    uint64_t dropped = 0;
    double max_gap_ms = 0;   // longest the event loop was blocked (10 ms heartbeat)
    double p99_gap_ms = 0;   // 99th percentile of the heartbeat gaps
    double replots_per_s = 0;
    double mean_rebuild_ms = 0;
};

template <class F>
double meanMs(int reps, F&& f);

void eventsPerSecond(bool quick) {
    std::printf("\n== 1. Events per second with M = %d (main window 1600 x 1000, offscreen) ==\n", kWorkers);
    QTemporaryDir dir;
    MainWindow window(dir.filePath("bench.sqlite3"));
    window.resize(1600, 1000);
    window.show();
    pump(300);
    RunController* controller = window.controller();
    LiveView* live = window.liveView();

    RunInfo info;
    info.config.workers = kWorkers;
    info.config.algorithm = Algorithm::GoSgd;
    info.config.name = "bench-gosgd-M8";
    info.config.dataset = "synthetic";
    info.config.model = "mlp";
    info.worker_devices.assign(kWorkers, "cpu");
    controller->feed()->onRunStarted(info);
    pump(100);

    int replots = 0;
    double rebuild_ms = 0;
    for (PlotPanel* p : live->panels())
        QObject::connect(p->customPlot(), &QCustomPlot::afterReplot, [&replots] { ++replots; });

    // Heartbeat: how long the event loop goes without turning.
    QElapsedTimer beat_clock;
    beat_clock.start();
    qint64 last_beat = 0;
    double max_gap = 0;
    std::vector<double> gaps;
    QTimer heartbeat;
    heartbeat.setInterval(10);
    heartbeat.setTimerType(Qt::PreciseTimer);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = beat_clock.elapsed();
        max_gap = std::max(max_gap, double(now - last_beat));
        gaps.push_back(double(now - last_beat));
        last_beat = now;
    });
    heartbeat.start();

    const std::vector<double> rates = quick ? std::vector<double>{10'000, 100'000, 0}
                                            : std::vector<double>{1'000, 10'000, 50'000, 100'000, 200'000, 400'000, 0};
    const int phase_ms = quick ? 1500 : 3000;
    std::vector<PhaseResult> results;
    Producer producer(controller->feed());
    std::printf("%10s %11s %11s %8s %8s %8s %10s %11s %9s\n", "offered/s", "produced/s", "applied/s", "dropped",
                "p99 gap", "max gap", "replots/s", "frame ms", "points");
    for (double rate : rates) {
        const uint64_t produced0 = producer.produced();
        const uint64_t received0 = controller->bridge()->eventsReceived();
        const uint64_t dropped0 = controller->bridge()->eventsDropped();
        const int64_t points0 = controller->data().pointsAppended();
        replots = 0;
        pump(50);
        max_gap = 0;
        gaps.clear();
        last_beat = beat_clock.elapsed();
        QElapsedTimer t;
        t.start();
        producer.start(rate);
        double rebuild_sum = 0;
        int rebuild_n = 0;
        while (t.elapsed() < phase_ms) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            rebuild_sum += live->lastFrameMs();
            ++rebuild_n;
        }
        producer.stop();
        const double seconds = t.elapsed() / 1000.0;
        pump(200);  // let the GUI drain what is queued
        PhaseResult pr;
        pr.offered = rate;
        pr.produced = double(producer.produced() - produced0) / seconds;
        const uint64_t received = controller->bridge()->eventsReceived() - received0;
        pr.dropped = controller->bridge()->eventsDropped() - dropped0;
        pr.applied = double(received - pr.dropped) / seconds;
        pr.max_gap_ms = max_gap;
        if (!gaps.empty()) {
            std::sort(gaps.begin(), gaps.end());
            pr.p99_gap_ms = gaps[std::min(gaps.size() - 1, size_t(0.99 * double(gaps.size())))];
        }
        pr.replots_per_s = replots / seconds;
        pr.mean_rebuild_ms = rebuild_n ? rebuild_sum / rebuild_n : 0;
        rebuild_ms = pr.mean_rebuild_ms;
        results.push_back(pr);
        std::printf("%10s %11.0f %11.0f %8llu %8.0f %8.0f %10.1f %11.2f %9lld\n",
                    rate > 0 ? QString::number(rate, 'f', 0).toUtf8().constData() : "max", pr.produced, pr.applied,
                    static_cast<unsigned long long>(pr.dropped), pr.p99_gap_ms, pr.max_gap_ms, pr.replots_per_s,
                    pr.mean_rebuild_ms, static_cast<long long>(controller->data().pointsAppended() - points0));
        std::fflush(stdout);
    }
    (void)rebuild_ms;
    double sustained = 0;
    for (const PhaseResult& r : results)
        if (r.dropped == 0 && r.p99_gap_ms < 100 && r.applied >= 0.95 * r.produced) sustained = std::max(sustained, r.applied);
    std::printf("buffers after the runs: %zu plotted buckets for %lld points (capacity %zu per series)\n",
                controller->data().bucketsHeld(), static_cast<long long>(controller->data().pointsAppended()),
                controller->data().capacity());
    std::printf("SUSTAINED: %.0f events/s with M = %d (every event applied, none dropped, 99%% of the event loop's turns "
                "within 100 ms; the max gap also counts the machine's other load)\n",
                sustained, kWorkers);
    // Where a frame goes, with the buffers as the runs left them.
    std::printf("one frame, panel by panel (rebuild + replot, window 1600 x 1000):");
    for (PlotPanel* p : live->panels()) {
        const double ms = meanMs(5, [&] { p->refresh(true, true); });
        std::printf("  %s %.1f ms", qPrintable(p->objectName()), ms);
    }
    std::printf("\n");
    RunResult end;
    end.status = RunStatus::Stopped;
    controller->feed()->onRunEnded(end);
    pump(100);
}

void fillLoss(RunData& data, int points) {
    RunInfo info;
    info.config.workers = kWorkers;
    info.config.algorithm = Algorithm::GoSgd;
    data.reset(info);
    for (int i = 0; i < points; ++i) {
        const SamplePoint at{i, int64_t(i) * 32, i * 0.01};
        for (int w = 0; w < kWorkers; ++w)
            data.appendWorker(WorkerSeries::Loss, w, at, 2.3 * std::exp(-2e-5 * i) + 0.1 * std::sin(i * 0.37 + w) + 0.01 * w);
        data.appendRun(RunSeries::MeanLoss, at, 2.3 * std::exp(-2e-5 * i));
        data.appendRun(RunSeries::ConsensusDistance, at, std::exp(-3e-5 * i));
        if (i % 1000 == 0) {
            data.appendRun(RunSeries::TestAccuracy, at, 1 - 0.9 * std::exp(-2e-5 * i));
            data.appendRun(RunSeries::TestLoss, at, 2.0 * std::exp(-2e-5 * i));
        }
    }
}

template <class F>
double meanMs(int reps, F&& f) {
    f();  // warm up
    QElapsedTimer t;
    t.start();
    for (int i = 0; i < reps; ++i) f();
    return double(t.nsecsElapsed()) / 1e6 / reps;
}

void replotAt100k(bool quick) {
    const int n = 100'000;
    const int reps = quick ? 5 : 20;
    std::printf("\n== 2. Redraw at %d points per series (8 workers + mean = 9 series, panel 800 x 450) ==\n", n);

    RunData data;
    QElapsedTimer fill;
    fill.start();
    fillLoss(data, n);
    std::printf("filling the buffers with %d points: %.1f ms (%.0f ns per point); %zu buckets held\n", 9 * n,
                double(fill.nsecsElapsed()) / 1e6, double(fill.nsecsElapsed()) / (9.0 * n), data.bucketsHeld());

    WorkerPanelSpec spec;
    spec.title = "Training loss";
    spec.y_label = "loss";
    spec.series = WorkerSeries::Loss;
    spec.aggregate = RunSeries::MeanLoss;
    spec.legend = true;
    spec.smoothable = true;
    WorkerSeriesPanel panel(spec);
    panel.resize(800, 450);
    panel.show();
    pump(100);
    panel.setRunData(&data);
    const double rebuild_replot = meanMs(reps, [&] {
        panel.refresh(true);
        panel.replotNow();
    });
    const double replot_only = meanMs(reps, [&] { panel.replotNow(); });
    std::printf("decimated (bounded buffers, min/max envelope): rebuild + replot %.2f ms, replot alone %.2f ms, %lld points drawn\n",
                rebuild_replot, replot_only, static_cast<long long>(panel.plottedPointCount()));
    panel.customPlot()->setNotAntialiasedElements(QCP::aePlottables);
    const double no_aa = meanMs(reps, [&] { panel.replotNow(); });
    panel.customPlot()->setNotAntialiasedElements(QCP::aeNone);
    std::printf("  the same replot without antialiasing: %.2f ms\n", no_aa);
    panel.setSmoothing(0.6, true);
    const double smoothed = meanMs(reps, [&] {
        panel.refresh(true);
        panel.replotNow();
    });
    std::printf("  with smoothing 0.6 and the raw curve behind (18 graphs):  rebuild + replot %.2f ms\n", smoothed);

    // The same 9 x 100k points handed to QCustomPlot whole (its adaptive sampling only).
    QCustomPlot raw;
    raw.setPlottingHint(QCP::phFastPolylines, true);
    raw.resize(800, 450);
    raw.show();
    for (int w = 0; w <= kWorkers; ++w) {
        QVector<QCPGraphData> points(n);
        for (int i = 0; i < n; ++i)
            points[i] = QCPGraphData(double(i) * 32, 2.3 * std::exp(-2e-5 * i) + 0.1 * std::sin(i * 0.37 + w) + 0.01 * w);
        QCPGraph* g = raw.addGraph();
        g->setPen(QPen(w < kWorkers ? palette::worker(w) : palette::mean(), w < kWorkers ? 1.0 : 2.0));  // as the panel
        g->data()->set(points, true);
    }
    raw.rescaleAxes();
    pump(50);
    const double raw_ms = meanMs(reps, [&] { raw.replot(QCustomPlot::rpImmediateRefresh); });
    std::printf("raw (every point in QCustomPlot, adaptive sampling): replot %.2f ms\n", raw_ms);

    // The whole live view with every panel at 100k points per series.
    LiveView view;
    view.resize(1300, 850);
    view.show();
    pump(100);
    view.setRunData(&data);
    const double all = meanMs(reps, [&] {
        view.refreshNow(true);
        for (PlotPanel* p : view.panels()) p->replotNow();
    });
    std::printf("live view, all four panels at 100k points per series: rebuild + replot %.2f ms per frame\n", all);
    std::printf("REPLOT at 100k points per series: %.2f ms (loss panel, 9 series, rebuild + replot)\n", rebuild_replot);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const bool quick = app.arguments().contains("--quick");
    QTemporaryDir settings_dir;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settings_dir.path());
    QCoreApplication::setOrganizationName("GossipLabBench");
    QCoreApplication::setApplicationName("gossiplab-ui-bench");
    if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
    std::printf("gossiplab-ui-bench (Qt %s, platform %s, %u hardware threads)\n", qVersion(),
                qPrintable(QGuiApplication::platformName()), std::thread::hardware_concurrency());
    replotAt100k(quick);
    eventsPerSecond(quick);
    return 0;
}
