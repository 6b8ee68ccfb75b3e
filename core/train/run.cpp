#include "core/train/run.h"

#include <unistd.h>

#include <cmath>
#include <stdexcept>
#include <thread>

#include "core/train/devices.h"
#include "core/train/monitor.h"

namespace gossiplab {

namespace {

std::vector<float> toVector(const torch::Tensor& t) {
    auto cpu = t.to(torch::kCPU).contiguous();
    return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

std::string hostName() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

// torch::manual_seed sets a process-wide generator: serialise the seeded initialisations of
// concurrent runs.
std::mutex& initialisationMutex() {
    static std::mutex m;
    return m;
}

}  // namespace

struct Run::Impl {
    RunConfig config;
    RunObserver* observer = nullptr;
    RunShared shared;
    RunInfo info;
    torch::Tensor initial_weights, initial_mean;
    std::thread run_thread;
    std::atomic<bool> running{false};
    bool started = false;
    RunResult result;
    std::mutex wait_mutex;
    bool joined = false;

    void prepare();
    void runThreadBody();
    void queueChange(const std::string& field, double old_value, double new_value);
};

void Run::Impl::prepare() {
    const auto devices = parseDevices(config.devices);
    shared.config = config;
    // Synthetic data is seeded by a constant: runs with different seeds see the same data.
    shared.data = std::make_unique<Dataset>(loadDataset(config.dataset, config.effectiveDataDir(), 1234));
    const Dataset& data = *shared.data;
    const InputShape shape{data.channels, data.inputHeight(), data.inputWidth(), data.classes};

    std::shared_ptr<Network> reference;
    try {
        std::lock_guard lock(initialisationMutex());
        torch::manual_seed(config.seed);
        reference = makeNetwork(config.model, shape);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string(e.what()) + " (dataset " + config.dataset + ")");
    }
    initial_weights = flattenParameters(*reference, torch::kCPU).weights.clone();

    shared.intra_op_threads = intraOpThreadsPerWorker(config.intra_op_threads, config.workers);
    const int m = config.workers;
    for (int i = 0; i < m; ++i) {
        auto w = std::make_unique<WorkerState>();
        w->index = i;
        w->device = deviceForWorker(devices, i);
        w->net = makeNetwork(config.model, shape);
        w->flat = flattenParameters(*w->net, w->device);
        w->flat.weights.copy_(initial_weights);
        if (config.init_noise > 0.0) {
            auto gen = at::make_generator<at::CPUGeneratorImpl>(config.seed * 1000003ull + static_cast<uint64_t>(i) + 1);
            w->flat.weights.add_(torch::randn({initial_weights.numel()}, gen).to(w->device), config.init_noise);
        }
        initial_mean = i == 0 ? w->flat.weights.to(torch::kCPU).clone() : initial_mean.add_(w->flat.weights.to(torch::kCPU));
        if (config.algorithm == Algorithm::GoSgd) {
            w->inbox = std::make_unique<MergingInbox>(w->flat.weights);
            w->alpha.store(1.0 / m);
        }
        info.worker_devices.push_back(w->device.str());
        shared.workers.push_back(std::move(w));
    }
    initial_mean.div_(m);
    if (config.algorithm == Algorithm::Easgd) shared.center = initial_weights.to(devices[0]).clone();

    const int64_t train = data.train.size();
    if (config.budget_kind == BudgetKind::Epochs)
        shared.images_budget_per_worker = std::max<int64_t>(1, std::llround(config.budget * static_cast<double>(train) / m));
    else if (config.budget_kind == BudgetKind::ImagesPerWorker)
        shared.images_budget_per_worker = std::llround(config.budget);
    else
        shared.seconds_budget = config.budget;
    shared.p.store(config.p);
    shared.learning_rate.store(config.learning_rate);

    info.config = config;
    if (config.algorithm == Algorithm::Easgd) {
        info.config.easgd_alpha = config.effectiveEasgdAlpha();
        info.config.easgd_tau = config.effectiveEasgdTau();
    }
    if (info.config.name.empty()) info.config.name = config.effectiveName();
    info.parameter_count = initial_weights.numel();
    info.model_description = reference->description() + ", " + std::to_string(info.parameter_count) + " parameters";
    info.dataset_description = data.description;
    info.train_size = train;
    info.test_size = data.test.size();
    info.images_per_worker_budget = shared.images_budget_per_worker;
    info.host = hostName();
    info.intra_op_threads = shared.intra_op_threads;
}

void Run::Impl::runThreadBody() {
    at::set_num_threads(shared.intra_op_threads);
    try {
        if (observer) observer->onRunStarted(info);
        Monitor monitor(shared, observer);
        shared.start_time = RunShared::Clock::now();
        std::vector<std::thread> workers;
        for (auto& w : shared.workers) workers.emplace_back(runWorker, std::ref(shared), std::ref(*w));

        auto allDone = [&] {
            for (const auto& w : shared.workers)
                if (!w->done.load()) return false;
            return true;
        };
        while (!allDone()) {
            {
                std::unique_lock lock(shared.events_mutex);
                // Tick quickly while a test-model evaluation waits for the workers' snapshots.
                shared.wake_monitor.wait_for(lock, std::chrono::milliseconds(monitor.waitingForSnapshots() ? 5 : 100));
            }
            monitor.tick();
        }
        for (auto& t : workers) t.join();

        // Every worker has stopped pushing: deliver what is still in flight, so that the sum of
        // the alphas is carried by the workers alone.
        for (auto& w : shared.workers) {
            if (!w->inbox) continue;
            double a = w->alpha.load();
            w->received.fetch_add(w->inbox->drainInto(w->flat.weights, a));
            w->alpha.store(a);
        }
        {
            std::lock_guard lock(shared.end_mutex);
            result.status = shared.end_requested ? shared.end_status : RunStatus::Finished;
            result.message = shared.end_requested ? shared.end_message : "budget reached";
        }
        result.wall_s = shared.elapsedSeconds();
        monitor.finish(result);
    } catch (const std::exception& e) {
        shared.stop.store(true);
        result.status = RunStatus::Failed;
        const auto* c10 = dynamic_cast<const c10::Error*>(&e);
        result.message = std::string("run failed: ") + (c10 ? c10->what_without_backtrace() : e.what());
    }
    running.store(false);
    if (observer) observer->onRunEnded(result);
}

void Run::Impl::queueChange(const std::string& field, double old_value, double new_value) {
    SettingChange change{shared.meanPoint(), field, old_value, new_value, "user"};
    if (!started) change.at = {};
    {
        std::lock_guard lock(shared.events_mutex);
        shared.pending_changes.push_back(change);
    }
    shared.wake_monitor.notify_all();
}

Run::Run(RunConfig config, RunObserver* observer) : impl_(std::make_unique<Impl>()) {
    const auto errors = validate(config);
    if (!errors.empty()) throw std::invalid_argument("invalid run settings:\n" + formatErrors(errors));
    impl_->config = std::move(config);
    impl_->observer = observer;
}

Run::~Run() {
    requestStop();
    wait();
}

void Run::start() {
    if (impl_->started) throw std::logic_error("Run::start called twice");
    impl_->prepare();  // throws on bad data, before any thread starts
    impl_->started = true;
    impl_->running.store(true);
    impl_->run_thread = std::thread([this] { impl_->runThreadBody(); });
}

void Run::requestStop() {
    if (!impl_->started) return;
    impl_->shared.endWith(RunStatus::Stopped, "stopped by the user");
}

RunResult Run::wait() {
    std::lock_guard lock(impl_->wait_mutex);
    if (impl_->started && !impl_->joined) {
        impl_->run_thread.join();
        impl_->joined = true;
    }
    return impl_->result;
}

bool Run::isRunning() const { return impl_->running.load(); }

std::optional<ConfigError> Run::setP(double p) {
    if (auto error = validateLiveSetting("p", p, impl_->config)) return error;
    const double old_value = impl_->shared.p.exchange(p);
    if (old_value != p) impl_->queueChange("p", old_value, p);
    return std::nullopt;
}

std::optional<ConfigError> Run::setLearningRate(double learning_rate) {
    if (auto error = validateLiveSetting("learning-rate", learning_rate, impl_->config)) return error;
    const double old_value = impl_->shared.learning_rate.exchange(learning_rate);
    if (old_value != learning_rate) impl_->queueChange("learning-rate", old_value, learning_rate);
    return std::nullopt;
}

double Run::p() const { return impl_->shared.p.load(); }
double Run::learningRate() const { return impl_->shared.learning_rate.load(); }
const RunConfig& Run::config() const { return impl_->config; }

FinalState Run::finalState() const {
    FinalState state;
    for (const auto& w : impl_->shared.workers) {
        state.weights.push_back(toVector(w->flat.weights));
        state.alphas.push_back(w->alpha.load());
    }
    if (impl_->shared.center.defined()) state.center = toVector(impl_->shared.center);
    if (impl_->initial_weights.defined()) state.initial_weights = toVector(impl_->initial_weights);
    if (impl_->initial_mean.defined()) state.initial_mean = toVector(impl_->initial_mean);
    return state;
}

std::vector<std::string> availableDeviceChoices() {
    std::vector<std::string> choices{"cpu"};
    const auto cuda = availableCudaDevices();
    if (!cuda.empty()) choices.push_back("cuda");
    choices.insert(choices.end(), cuda.begin(), cuda.end());
    return choices;
}

RunResult runToCompletion(const RunConfig& config, RunObserver* observer) {
    Run run(config, observer);
    run.start();
    return run.wait();
}

}  // namespace gossiplab
