#include "core/train/selftest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/train/run.h"

namespace gossiplab {

namespace {

RunConfig baseConfig(const std::string& devices, int workers) {
    RunConfig c;
    c.devices = devices;
    c.workers = workers;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.batch_size = 16;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 16 * 200;
    c.metrics_every = 5;
    c.distance_every = 10;
    c.eval_max_images = 512;
    return c;
}

RunConfig noGradient(RunConfig c) {
    c.learning_rate = 0.0;
    c.allow_zero_learning_rate = true;
    c.init_noise = 0.1;
    return c;
}

std::string fmt(double v) {
    std::ostringstream out;
    out.precision(3);
    out << v;
    return out.str();
}

// Captures the sum of alphas of every sample. At the first sample it holds the run's monitor
// thread until the checking thread has read the ledger during the run (openGate): a run is running
// (Run::isRunning) until after the monitor's last report, so it cannot end before such a read,
// however fast the devices (a GPU does these 200 iterations in milliseconds, possibly before the
// checking thread is scheduled again). The workers do not wait for the monitor: they go on pushing
// meanwhile. A checking thread that never reads is waited for once, a hang's time.
struct AlphaWatch final : RunObserver {
    double worst = 0.0;
    size_t samples = 0;
    double last_consensus = -1.0;
    void onWorkerSample(const WorkerSample& s) override {
        worst = std::max(worst, std::abs(s.alpha_sum - 1.0));
        ++samples;
        std::unique_lock lock(gate_mutex);
        gate_opened.wait_for(lock, std::chrono::seconds(60), [this] { return gate_open; });
        gate_open = true;  // one wait at most, even when it timed out
    }
    void onDistances(const DistanceSnapshot& d) override {
        last_consensus = d.consensus_distance;
    }
    void openGate() {
        {
            std::lock_guard lock(gate_mutex);
            gate_open = true;
        }
        gate_opened.notify_all();
    }
    std::mutex gate_mutex;
    std::condition_variable gate_opened;
    bool gate_open = false;
};

SelfTestCheck check(const std::string& name, const std::function<bool(std::string&)>& body) {
    SelfTestCheck result;
    result.name = name;
    const auto start = std::chrono::steady_clock::now();
    try {
        result.passed = body(result.detail);
    } catch (const std::exception& e) {
        result.passed = false;
        result.detail = std::string("error: ") + e.what();
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace

std::vector<SelfTestCheck> runSelfTest(const std::string& devices, int workers,
                                       const std::function<void(const SelfTestCheck&)>& on_check) {
    if (workers <= 0) {
        const size_t device_count = devices == "cpu" ? 1 : static_cast<size_t>(std::count(devices.begin(), devices.end(), ',') + 1);
        workers = std::max<int>(4, static_cast<int>(2 * device_count));
    }
    std::vector<SelfTestCheck> checks;
    auto record = [&](SelfTestCheck c) {
        if (on_check) on_check(c);
        checks.push_back(std::move(c));
    };

    // GoSGD without gradients: sum of alphas, conserved weighted mean, consensus.
    RunConfig gossip = noGradient(baseConfig(devices, workers));
    gossip.p = 0.5;
    AlphaWatch watch;
    Run run(gossip, &watch);
    FinalState state;
    record(check("gosgd: sum of alphas is 1 throughout and after the drain", [&](std::string& detail) {
        run.start();
        // The ledger polled on its own while the workers push (samples carry one value per tick).
        double worst_polled = 0.0;
        int polls = 0, polls_during_run = 0;
        do {
            const bool running_before = run.isRunning();
            const AlphaLedger a = run.alphaLedger();
            worst_polled = std::max(worst_polled, std::abs(a.held + a.waiting - 1.0));
            ++polls;
            // Running before and after the read (it only goes from true to false): read during the run.
            if (running_before && run.isRunning()) {
                ++polls_during_run;
                watch.openGate();
            }
            std::this_thread::yield();
        } while (run.isRunning());
        watch.openGate();
        const RunResult r = run.wait();
        state = run.finalState();
        double sum = 0.0;
        for (double a : state.alphas) sum += a;
        detail = std::to_string(polls) + " polls of the ledger (" + std::to_string(polls_during_run) +
                 " during the run, at least 1 needed), worst |held+waiting-1| " + fmt(worst_polled) + " (bound 1e-9); " +
                 std::to_string(watch.samples) + " samples, worst |sum-1| " + fmt(watch.worst) + " (bound 1e-6); after drain " +
                 fmt(std::abs(sum - 1.0)) + " (bound 1e-9); status " + toString(r.status);
        if (polls_during_run == 0) detail = "no poll of the ledger landed during the run (nothing was checked while the workers pushed); " + detail;
        return r.status == RunStatus::Finished && polls_during_run >= 1 && watch.samples > 0 && worst_polled < 1e-9 &&
               watch.worst < 1e-6 && std::abs(sum - 1.0) < 1e-9;
    }));
    record(check("gosgd: exchanges conserve the alpha-weighted mean", [&](std::string& detail) {
        double worst = 0.0;
        for (size_t k = 0; k < state.initial_mean.size(); ++k) {
            double weighted = 0.0;
            for (size_t i = 0; i < state.weights.size(); ++i) weighted += state.alphas[i] * state.weights[i][k];
            worst = std::max(worst, std::abs(weighted - state.initial_mean[k]));
        }
        detail = "max error " + fmt(worst) + " (bound 1e-5)";
        return !state.initial_mean.empty() && worst < 1e-5;
    }));
    record(check("gosgd: workers reach consensus with learning rate 0", [&](std::string& detail) {
        // The start's spread is known from the init noise: each of the n weights of each copy gets
        // N(0, noise^2), so a copy's distance to the average is noise sqrt(n (M-1)/M). Not the first
        // snapshot: on a fast machine (a GPU) it comes after the workers have already mixed.
        const double n = static_cast<double>(state.initial_weights.size()), m = static_cast<double>(workers);
        const double initial_spread = gossip.init_noise * std::sqrt(n * (m - 1.0) / m);
        detail = "consensus distance " + fmt(initial_spread) + " at the start (from the init noise) -> " + fmt(watch.last_consensus) +
                 " (bound: 1e-3 of the start)";
        return n > 0 && watch.last_consensus >= 0 && watch.last_consensus < 1e-3 * initial_spread;
    }));

    // EASGD without gradients: the sum of the workers and the center is conserved.
    record(check("easgd: elastic steps conserve workers + center", [&](std::string& detail) {
        RunConfig easgd = noGradient(baseConfig(devices, workers));
        easgd.algorithm = Algorithm::Easgd;
        easgd.easgd_tau = 2;
        easgd.easgd_alpha = 0.3;
        Run e(easgd, nullptr);
        e.start();
        const RunResult r = e.wait();
        const FinalState s = e.finalState();
        double worst = 0.0, to_center = 0.0;
        for (size_t k = 0; k < s.center.size(); ++k) {
            double after = s.center[k];
            for (const auto& w : s.weights) {
                after += w[k];
                to_center = std::max(to_center, std::abs(double(w[k]) - s.center[k]));
            }
            worst = std::max(worst, std::abs(after - (workers * double(s.initial_mean[k]) + s.initial_weights[k])));
        }
        detail = "max error " + fmt(worst) + " (bound 1e-4), max distance to the center " + fmt(to_center) + " (bound 1e-4)";
        return r.status == RunStatus::Finished && !s.center.empty() && worst < 1e-4 && to_center < 1e-4;
    }));

    // A short real run learns.
    record(check("gosgd: a short run learns (synthetic data)", [&](std::string& detail) {
        RunConfig learn = baseConfig(devices, workers);
        learn.p = 0.1;
        learn.learning_rate = 0.05;
        const RunResult r = runToCompletion(learn);
        detail = "test accuracy " + fmt(100 * r.final_test_accuracy) + "% (bound 60%), " + fmt(r.images_per_second) +
                 " images/s, status " + toString(r.status);
        return r.status == RunStatus::Finished && r.final_test_accuracy > 0.6;
    }));
    return checks;
}

}  // namespace gossiplab
