#include "core/train/run.h"

#include "core/common/system_info.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/dist/session.h"
#include "core/train/devices.h"
#include "core/train/monitor.h"

namespace gossiplab {

namespace {

std::vector<float> toVector(const torch::Tensor& t) {
    auto cpu = t.to(torch::kCPU).contiguous();
    return {cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel()};
}

// torch::manual_seed sets a process-wide generator: serialise the seeded initialisations of
// concurrent runs.
std::mutex& initialisationMutex() {
    static std::mutex m;
    return m;
}

// Worker i's seeded deviation from the shared initialisation (init-noise), the same in every
// process for the same global number.
torch::Tensor initNoise(uint64_t seed, int worker, int64_t count) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed * 1000003ull + static_cast<uint64_t>(worker) + 1);
    return torch::randn({count}, gen);
}

// The device of a process's k-th worker from its --devices text, without asking this machine
// (another host's GPUs are not visible here).
std::string deviceName(const std::string& devices, int k) {
    if (devices == "cpu" || devices == "cuda") return devices;
    std::vector<std::string> items;
    std::stringstream in(devices);
    std::string item;
    while (std::getline(in, item, ',')) items.push_back(item);
    return items.empty() ? devices : items[static_cast<size_t>(k) % items.size()];
}

// The end is delivered whatever an observer makes of it: an exception here, on the run's own
// thread, would end the process (an ObserverFanOut catches and reports it itself).
void deliverEnd(RunObserver* observer, const RunResult& result) {
    if (!observer) return;
    try {
        observer->onRunEnded(result);
    } catch (...) {
    }
}

}  // namespace

struct Run::Impl {
    RunConfig config;  // as given to this process
    DistributedOptions distributed;
    RunObserver* observer = nullptr;
    RunShared shared;
    std::unique_ptr<InProcessExchange> in_process;
    std::unique_ptr<dist::Session> session;  // declared after `shared`: destroyed (closed) first
    RunInfo info;
    torch::Tensor initial_weights, initial_mean;
    std::shared_ptr<Network> reference;
    std::thread run_thread;
    std::atomic<bool> running{false};
    bool started = false;
    RunResult result;
    std::mutex wait_mutex;
    bool joined = false;

    bool isDistributed() const { return distributed.enabled(); }
    void loadData(const RunConfig& c);
    RunConfig processConfig(const RunConfig& plan_config) const;
    void buildWorkers(const RunConfig& effective, const std::vector<ProcessInfo>& processes);
    bool distributedSetup();
    void runThreadBody();
    void queueChange(const std::string& field, double old_value, double new_value);
};

// The dataset, the reference network and the seeded initial weights. Throws std::runtime_error.
void Run::Impl::loadData(const RunConfig& c) {
    // Synthetic data is seeded by a constant: runs with different seeds see the same data.
    shared.data = std::make_unique<Dataset>(loadDataset(c.dataset, c.effectiveDataDir(), 1234));
    const Dataset& data = *shared.data;
    const InputShape shape{data.channels, data.inputHeight(), data.inputWidth(), data.classes};
    try {
        std::lock_guard lock(initialisationMutex());
        torch::manual_seed(c.seed);
        reference = makeNetwork(c.model, shape);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string(e.what()) + " (dataset " + c.dataset + ")");
    }
    initial_weights = flattenParameters(*reference, torch::kCPU).weights.clone();
}

// Rank 0's settings with what belongs to this process: its devices, threads and data folder.
RunConfig Run::Impl::processConfig(const RunConfig& plan_config) const {
    RunConfig c = plan_config;
    c.devices = config.devices;
    c.intra_op_threads = config.intra_op_threads;
    if (!config.data_dir.empty()) c.data_dir = config.data_dir;
    return c;
}

// This process's workers, and on a coordinator (rank 0) mirrors of every other process's.
void Run::Impl::buildWorkers(const RunConfig& effective, const std::vector<ProcessInfo>& processes) {
    const auto devices = parseDevices(effective.devices);
    shared.config = effective;
    const Dataset& data = *shared.data;
    const InputShape shape{data.channels, data.inputHeight(), data.inputWidth(), data.classes};
    const int m = effective.workers;
    const int rank = isDistributed() ? distributed.rank : 0;
    const ProcessInfo& me = processes[static_cast<size_t>(rank)];
    shared.global_workers = m;
    shared.coordinator = rank == 0;
    shared.by_index.assign(static_cast<size_t>(m), nullptr);
    shared.intra_op_threads = intraOpThreadsPerWorker(effective.intra_op_threads, me.workers);
    const int64_t count = initial_weights.numel();

    for (const auto& process : processes) {
        const bool local = process.rank == rank;
        if (!local && !shared.coordinator) continue;
        for (int k = 0; k < process.workers; ++k) {
            const int i = process.first_worker + k;
            auto w = std::make_unique<WorkerState>();
            w->index = i;
            w->local = local;
            w->rank = process.rank;
            torch::Tensor start = initial_weights;
            if (effective.init_noise > 0.0) start = initial_weights.clone().add_(initNoise(effective.seed, i, count), effective.init_noise);
            initial_mean = initial_mean.defined() ? initial_mean.add_(start) : start.clone();
            if (local) {
                w->device = deviceForWorker(devices, k);
                w->net = makeNetwork(effective.model, shape);
                w->flat = flattenParameters(*w->net, w->device);
                auto& on_device = shared.training_sets[w->device.str()];
                if (!on_device) on_device = std::make_unique<TrainingSetOnDevice>(uploadTrainingSet(data, w->device));
                w->flat.weights.copy_(start);
                if (hasSumWeights(effective.algorithm)) w->inbox = std::make_unique<MergingInbox>(w->flat.weights);
                if (effective.algorithm == Algorithm::AdPsgd) w->public_weights = w->flat.weights.clone();
                info.worker_devices.push_back(isDistributed() ? w->device.str() + "@" + process.host : w->device.str());
            } else {
                info.worker_devices.push_back(deviceName(process.devices, k) + "@" + process.host);
            }
            if (hasSumWeights(effective.algorithm)) w->alpha.store(1.0 / m);
            shared.by_index[static_cast<size_t>(i)] = w.get();
            shared.workers.push_back(std::move(w));
        }
    }
    initial_mean.div_(static_cast<double>(shared.workers.size()));
    if (isSynchronous(effective.algorithm)) shared.rounds = std::make_unique<SynchronousRounds>(shared, me.workers);
    if (effective.algorithm == Algorithm::Easgd && shared.coordinator) shared.center = initial_weights.to(devices[0]).clone();

    const int64_t train = data.train.size();
    if (effective.budget_kind == BudgetKind::Epochs)
        shared.images_budget_per_worker = std::max<int64_t>(1, std::llround(effective.budget * static_cast<double>(train) / m));
    else if (effective.budget_kind == BudgetKind::ImagesPerWorker)
        shared.images_budget_per_worker = std::llround(effective.budget);
    else
        shared.seconds_budget = effective.budget;
    shared.p.store(effective.p);
    shared.learning_rate.store(effective.learning_rate);

    info.config = effective;
    if (effective.algorithm == Algorithm::Easgd) {
        info.config.easgd_alpha = effective.effectiveEasgdAlpha();
        info.config.easgd_tau = effective.effectiveEasgdTau();
    }
    if (info.config.name.empty()) info.config.name = effective.effectiveName();
    info.parameter_count = count;
    info.model_description = reference->description() + ", " + std::to_string(count) + " parameters";
    info.dataset_description = data.description;
    info.train_size = train;
    info.test_size = data.test.size();
    info.images_per_worker_budget = shared.images_budget_per_worker;
    info.intra_op_threads = shared.intra_op_threads;
    if (isDistributed()) {
        info.world_size = distributed.world;
        info.rank = rank;
        info.processes = processes;
        std::string hosts;
        for (const auto& p : processes) {
            hosts += (hosts.empty() ? "" : ", ") + p.host + " (rank " + std::to_string(p.rank) + ": ";
            hosts += p.workers == 1 ? "worker " + std::to_string(p.first_worker)
                                    : "workers " + std::to_string(p.first_worker) + "-" + std::to_string(p.first_worker + p.workers - 1);
            hosts += ")";
        }
        info.host = hosts;
    } else {
        info.host = hostName();
    }
    shared.workers_built.store(true, std::memory_order_release);  // alphaLedger() may read them now
}

// Rendezvous, data (ranks > 0), process group, workers, transport. On failure: the result says
// why, and false.
bool Run::Impl::distributedSetup() {
    dist::RendezvousCallbacks callbacks;
    callbacks.on_status = [this](const ProcessStatus& s) {
        if (observer) observer->onProcessStatus(s);
    };
    callbacks.cancelled = [this] { return shared.stop.load(); };
    callbacks.prepare = [this](const RunConfig& plan_config, int64_t* count) -> std::string {
        if (distributed.check_settings) {
            const std::string conflict = distributed.check_settings(plan_config);
            if (!conflict.empty()) return conflict;
        }
        loadData(processConfig(plan_config));  // throws: the message goes to rank 0
        *count = initial_weights.numel();
        return {};
    };
    dist::LocalProcess local;
    local.workers = config.workers;
    local.devices = config.devices;
    local.parameter_count = initial_weights.defined() ? initial_weights.numel() : 0;
    try {
        const dist::Plan plan = session->rendezvous(config, local, callbacks);
        session->connect(initial_weights);
        RunConfig effective = processConfig(plan.config);
        effective.workers = plan.total_workers;
        buildWorkers(effective, plan.processes);
        session->start(shared);
        shared.exchange.store(session.get());
        // A stop asked while the processes were connecting reaches the others now.
        std::unique_lock lock(shared.end_mutex);
        if (shared.end_requested) {
            const RunStatus status = shared.end_status;
            const std::string message = shared.end_message;
            lock.unlock();
            session->runEnding(status, message);
        }
        return true;
    } catch (const std::exception& e) {
        const auto* c10 = dynamic_cast<const c10::Error*>(&e);
        result.status = shared.stop.load() ? RunStatus::Stopped : RunStatus::Failed;
        result.message = c10 ? c10->what_without_backtrace() : e.what();
        session->close();
        session->tick(observer);  // the last status changes
        return false;
    }
}

void Run::Impl::runThreadBody() {
    serialIntraOpOnThisThread();  // the workers' OpenMP teams are the only ones (devices.h)
    try {
        if (session && !distributedSetup()) {
            running.store(false);
            deliverEnd(observer, result);
            return;
        }
        const bool remote_rank = session && session->rank() != 0;
        // Ranks > 0: the monitor's samples and messages also go to rank 0.
        ObserverFanOut fan_out;
        RunObserver* monitor_observer = observer;
        if (remote_rank) {
            if (observer) fan_out.add(observer);
            fan_out.add(session->forwarder());
            monitor_observer = &fan_out;
        }
        if (observer) observer->onRunStarted(info);
        Monitor monitor(shared, monitor_observer);
        shared.markStart();
        std::vector<std::thread> workers;
        for (auto& w : shared.workers)
            if (w->local) workers.emplace_back(runWorker, std::ref(shared), std::ref(*w));

        // On rank 0 the mirrors are done when their process says so.
        auto allDone = [&] {
            for (const auto& w : shared.workers)
                if (!w->done.load()) return false;
            return true;
        };
        while (!allDone()) {
            {
                std::unique_lock lock(shared.events_mutex);
                // Tick quickly while a test-model evaluation waits for the workers' snapshots.
                const bool quick = monitor.waitingForSnapshots() || (session && session->wantsQuickTicks());
                shared.wake_monitor.wait_for(lock, std::chrono::milliseconds(quick ? 5 : 100));
            }
            monitor.tick();
            if (session) session->tick(observer);
            // The forwarder to rank 0 failed (the fan-out keeps it from taking this thread down).
            if (remote_rank && !fan_out.failure().empty()) shared.endWith(RunStatus::Failed, fan_out.failure());
        }
        for (auto& t : workers) t.join();
        if (session) {
            session->tick(observer);  // the workers' last counters
            session->finishExchanges(observer);  // every exchange sent to this process has arrived
        }
        // AD-PSGD: a worker's model is the one its peers averaged with, until the last of them
        // stopped (in every process: their requests have all been served once finishExchanges returns).
        for (auto& w : shared.workers)
            if (w->public_weights.defined()) w->flat.weights.copy_(w->public_weights);
        // Every worker has stopped pushing: deliver what is still in flight, so that the sum of
        // the alphas is carried by the workers alone.
        for (auto& w : shared.workers) {
            if (!w->inbox) continue;
            std::unique_lock ledger(shared.ledger);  // alphaLedger() never sees a half-done drain
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
        if (remote_rank) {
            monitor.finish(result);  // this process's view, for its own observer
            session->sendFinal(observer);
            if (!session->waitEnd(result, observer)) {
                result.status = RunStatus::Failed;
                if (result.message == "budget reached" || !shared.end_requested)
                    result.message = "rank 0 was lost before the run ended: " + session->lostSummary();
            }
        } else {
            if (session) session->collectFinals(observer);
            monitor.finish(result);
            if (session) {
                result.lost_ranks = session->lostRanks();
                if (!result.lost_ranks.empty() && hasSumWeights(shared.config.algorithm)) {
                    result.alpha_lost = 1.0 - result.alpha_sum;
                    std::ostringstream out;
                    out.precision(7);
                    out << std::fixed << "; alpha lost with " << (result.lost_ranks.size() == 1 ? "it" : "them") << ": "
                        << result.alpha_lost << " (the survivors hold " << result.alpha_sum << " after the final drain)";
                    result.message += out.str();
                }
                session->sendEnd(result);
            }
        }
    } catch (const std::exception& e) {
        shared.stop.store(true);
        result.status = RunStatus::Failed;
        const auto* c10 = dynamic_cast<const c10::Error*>(&e);
        result.message = std::string("run failed: ") + (c10 ? c10->what_without_backtrace() : e.what());
    }
    if (session) {
        result.remote_messages = session->messagesSent();
        result.remote_bytes = session->bytesSent();
        session->close();
        session->tick(observer);  // the last status changes
    }
    running.store(false);
    deliverEnd(observer, result);
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

Run::Run(RunConfig config, RunObserver* observer) : Run(std::move(config), observer, DistributedOptions{}) {}

Run::Run(RunConfig config, RunObserver* observer, DistributedOptions distributed) : impl_(std::make_unique<Impl>()) {
    auto errors = validate(config);
    for (auto& e : validate(distributed)) errors.push_back(e);
    if (!errors.empty()) throw std::invalid_argument("invalid run settings:\n" + formatErrors(errors));
    impl_->config = std::move(config);
    impl_->distributed = std::move(distributed);
    impl_->observer = observer;
    if (impl_->isDistributed()) impl_->session = std::make_unique<dist::Session>(impl_->distributed);
}

Run::~Run() {
    requestStop();
    wait();
}

void Run::start() {
    if (impl_->started) throw std::logic_error("Run::start called twice");
    auto& s = *impl_;
    // The data is loaded on the calling thread (often one that lives on: an experiment queue's, the
    // CLI's main thread): its parallel regions stay serial so that it never holds an OpenMP team
    // beside the workers' (devices.h).
    serialIntraOpOnThisThread();
    if (!s.isDistributed()) {
        s.loadData(s.config);  // throws on bad data, before any thread starts
        ProcessInfo only;
        only.workers = s.config.workers;
        only.host = hostName();
        only.devices = s.config.devices;
        s.buildWorkers(s.config, {only});
        s.in_process = std::make_unique<InProcessExchange>(s.shared);
        s.shared.exchange.store(s.in_process.get());
    } else if (s.distributed.rank == 0) {
        s.loadData(s.config);  // rank 0's data and model, checked before the others are waited for
    }
    s.started = true;
    s.running.store(true);
    s.run_thread = std::thread([this] { impl_->runThreadBody(); });
}

void Run::setWorkerNiceness(int nice) {
    if (impl_->started) throw std::logic_error("Run::setWorkerNiceness after start");
    impl_->shared.worker_niceness = std::clamp(nice, 0, 19);
}

void Run::requestStop() {
    if (!impl_->started) return;
    std::string message = "stopped by the user";
    if (impl_->isDistributed()) message += " on rank " + std::to_string(impl_->distributed.rank) + " (" + hostName() + ")";
    impl_->shared.endWith(RunStatus::Stopped, message);
}

void Run::fail(const std::string& reason) {
    if (!impl_->started) return;
    impl_->shared.endWith(RunStatus::Failed, reason);
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

namespace {
std::optional<ConfigError> onlyOnRankZero(const std::string& field) {
    return ConfigError{field, "'" + field + "' of a run over several processes is changed on rank 0 (which sends it to every rank)"};
}
}  // namespace

std::optional<ConfigError> Run::setP(double p) {
    if (impl_->isDistributed() && impl_->distributed.rank != 0) return onlyOnRankZero("p");
    if (auto error = validateLiveSetting("p", p, impl_->config)) return error;
    const double old_value = impl_->shared.p.exchange(p);
    if (old_value != p) {
        impl_->queueChange("p", old_value, p);
        if (Exchange* e = impl_->shared.exchange.load()) e->settingChanged("p", p);
    }
    return std::nullopt;
}

std::optional<ConfigError> Run::setLearningRate(double learning_rate) {
    if (impl_->isDistributed() && impl_->distributed.rank != 0) return onlyOnRankZero("learning-rate");
    if (auto error = validateLiveSetting("learning-rate", learning_rate, impl_->config)) return error;
    const double old_value = impl_->shared.learning_rate.exchange(learning_rate);
    if (old_value != learning_rate) {
        impl_->queueChange("learning-rate", old_value, learning_rate);
        if (Exchange* e = impl_->shared.exchange.load()) e->settingChanged("learning-rate", learning_rate);
    }
    return std::nullopt;
}

double Run::p() const { return impl_->shared.p.load(); }
double Run::learningRate() const { return impl_->shared.learning_rate.load(); }
AlphaLedger Run::alphaLedger() const { return impl_->shared.alphaLedger(); }

const RunConfig& Run::config() const { return impl_->config; }

FinalState Run::finalState() const {
    FinalState state;
    for (const auto& w : impl_->shared.workers) {
        state.weights.push_back(w->flat.weights.defined() ? toVector(w->flat.weights) : std::vector<float>{});
        state.alphas.push_back(w->alpha.load());
    }
    if (impl_->shared.center.defined()) state.center = toVector(impl_->shared.center);
    if (impl_->initial_weights.defined()) state.initial_weights = toVector(impl_->initial_weights);
    if (impl_->initial_mean.defined()) state.initial_mean = toVector(impl_->initial_mean);
    return state;
}

std::vector<ProcessStatus> Run::processes() const {
    return impl_->session ? impl_->session->processes() : std::vector<ProcessStatus>{};
}

const DistributedOptions& Run::distributed() const { return impl_->distributed; }

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
