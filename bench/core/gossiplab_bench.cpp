// gossiplab-bench: the training core against its limits, every figure measured side by side in
// one run. Prints one table per question:
//   1. exchange cost: the GoSGD mix and merge of flat buffers vs a plain copy (GB/s)
//   2. training throughput per algorithm and M, as a ratio to naive, next to the ideal
//   3. peak memory for M and p (child processes), bytes per worker vs the model's size
//   4. where an iteration's time goes
// Not run by ctest: figures, not pass/fail.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/common/blas_info.h"
#include "core/models/models.h"
#include "core/store/run_recorder.h"
#include "core/train/inbox.h"
#include "core/train/run.h"

extern char** environ;

using namespace gossiplab;

namespace {

struct Options {
    double seconds = 3.0;  // per throughput cell
    int max_workers = 8;
    std::string devices = "cpu";
    bool memory = true;
    bool throughput = true;
    bool recording = true;
    bool blas = true;
    bool algorithms = true;
    bool exchange = true;
    std::vector<std::string> workloads = {"lenet", "cifar"};
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Best of `repeats` timings of fn, in seconds.
template <typename Fn>
double bestTime(int repeats, Fn&& fn) {
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        const double t0 = now();
        fn();
        best = std::min(best, now() - t0);
    }
    return best;
}

void exchangeCost(const std::string& device_name) {
    torch::NoGradGuard no_grad;
    const torch::Device device(device_name == "cpu" ? std::string("cpu") : device_name.substr(0, device_name.find(',')));
    std::printf("\n1. Exchange cost on %s (best of 20; GB/s of memory traffic: a copy moves 2N floats; the merge\n"
                "   m += (b/(B+b)) (y - m) and the drain's mix x = (a x + B m)/(a + B) move 3N each; unfused: mul_ then add_)\n", device.str().c_str());
    std::printf("   %-10s %12s %12s %12s %14s %14s\n", "N floats", "copy GB/s", "merge GB/s", "mix GB/s", "unfused GB/s", "mix / copy");
    for (int64_t n : {int64_t(1) << 20, int64_t(10) << 20}) {
        auto opts = torch::TensorOptions().device(device);
        auto x = torch::randn({n}, opts), y = torch::randn({n}, opts), dst = torch::empty({n}, opts);
        MergingInbox inbox(x);
        inbox.merge(y, 0.25);  // later merges update the weighted mean: m += (b/(B+b)) (y - m)
        auto sync = [&] { if (device.is_cuda()) dst.cpu(); };
        const double copy_s = bestTime(20, [&] { dst.copy_(x); sync(); });
        const double merge_s = bestTime(20, [&] { inbox.merge(y, 1e-3); sync(); });
        // The drain's mix, x <- (a/(a+B)) x + (B/(a+B)) m, is one fused scale-and-add.
        const double mix_s = bestTime(20, [&] { MergingInbox::scaleAndAdd(x, 0.5, y, 0.5); sync(); });
        const double unfused_s = bestTime(20, [&] { x.mul_(0.5).add_(y, 0.5); sync(); });
        const double bytes2 = 2.0 * 4 * n, bytes3 = 3.0 * 4 * n;
        const double mix_only = mix_s;
        std::printf("   %-10lld %12.1f %12.1f %12.1f %14.1f %13.2fx\n", static_cast<long long>(n), bytes2 / copy_s / 1e9,
                    bytes3 / merge_s / 1e9, bytes3 / mix_only / 1e9, bytes3 / unfused_s / 1e9,
                    (bytes3 / mix_only) / (bytes2 / copy_s));
    }
}

struct Cell {
    std::string label;
    Algorithm algorithm;
    double p;
    int tau;
};

RunConfig workloadConfig(const std::string& workload, const std::string& devices) {
    RunConfig c;
    c.devices = devices;
    if (workload == "cifar") {
        c.dataset = "synthetic-cifar";
        c.model = "easgd-cifar";
        c.batch_size = 128;
        c.learning_rate = 0.01;
    } else {
        // Fashion-MNIST where Debian's package put it; "lenet128": the paper's batch of 128; LeNet on same-shaped synthetic data elsewhere
        // (e.g. a GPU server without the package).
        c.dataset = std::filesystem::is_directory(c.effectiveDataDir()) ? "fashion-mnist" : "synthetic";
        c.model = "lenet";
        c.batch_size = workload == "lenet128" ? 128 : 64;
    }
    c.eval_max_images = 256;  // the final evaluation is not timed, but keep it short
    c.metrics_every = 10;
    c.distance_every = 50;
    return c;
}

RunResult timedRun(RunConfig c, double seconds) {
    c.budget_kind = BudgetKind::Seconds;
    c.budget = seconds;
    return runToCompletion(c);
}

void throughput(const Options& o, const std::string& workload, std::map<std::string, RunResult>& profiles) {
    const std::vector<Cell> cells = {{"naive", Algorithm::Naive, 0.0, 0},
                                     {"gosgd p=0.02", Algorithm::GoSgd, 0.02, 0},
                                     {"gosgd p=1", Algorithm::GoSgd, 1.0, 0},
                                     {"eamsgd tau=50", Algorithm::Easgd, 0.02, 50},
                                     {"eamsgd tau=1", Algorithm::Easgd, 1.0, 1}};
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::printf("\n2. Training throughput, %s (images/s, all workers; %.0f s per cell; ratio to naive at the same M;\n"
                "   ideal: one worker on one core (or one device) times min(M, cores or devices))\n",
                workload == "cifar" ? "EASGD CIFAR-10 net on CIFAR-shaped synthetic data, batch 128"
                                    : "LeNet on Fashion-MNIST, batch 64",
                o.seconds);
    std::printf("   %-3s %10s", "M", "ideal");
    for (const auto& cell : cells) std::printf(" %20s", cell.label.c_str());
    std::printf("\n");
    // The ideal: one core's rate (one worker, one intra-op thread) times the cores M workers can
    // use. A warm-up run first, so that the first cell does not pay for page cache and allocator.
    RunConfig one_core = workloadConfig(workload, o.devices);
    one_core.workers = 1;
    one_core.algorithm = Algorithm::Naive;
    one_core.intra_op_threads = 1;
    timedRun(one_core, std::min(1.0, o.seconds));
    const double single = timedRun(one_core, o.seconds).images_per_second;
    // What M workers can use at most: the cores on a CPU, the devices on GPUs.
    int units = cores;
    if (o.devices != "cpu") {
        units = o.devices == "cuda" ? static_cast<int>(torch::cuda::device_count())
                                    : static_cast<int>(std::count(o.devices.begin(), o.devices.end(), ',')) + 1;
        units = std::max(1, units);
    }
    for (int m = 1; m <= o.max_workers; m *= 2) {
        std::vector<double> rates;
        for (const auto& cell : cells) {
            if (m == 1 && cell.algorithm != Algorithm::Naive) { rates.push_back(-1); continue; }
            RunConfig c = workloadConfig(workload, o.devices);
            c.workers = m;
            c.algorithm = cell.algorithm;
            c.p = cell.p;
            c.easgd_tau = cell.tau;
            if (cell.algorithm == Algorithm::Easgd) c.momentum = 0.99;
            const RunResult r = timedRun(c, o.seconds);
            rates.push_back(r.images_per_second);
            if (m == 4) profiles[workload + " " + cell.label] = r;
        }
        std::printf("   %-3d %10.0f", m, single * std::min(m, units));
        for (double rate : rates) {
            if (rate < 0) std::printf(" %20s", "-");
            else std::printf(" %11.0f (%5.2fx)", rate, rate / rates[0]);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
}

// Issue #17: every algorithm next to naive at the same M, and how long a worker waits for the
// others per iteration (barriers, locks, round trips, late pushes): where synchronous and
// asynchronous methods differ.
void algorithms(const Options& o) {
    struct Kind {
        std::string label;
        Algorithm algorithm;
    };
    const std::vector<Kind> kinds = {{"naive", Algorithm::Naive},       {"gosgd p=1", Algorithm::GoSgd},
                                     {"eamsgd tau=1", Algorithm::Easgd}, {"allreduce", Algorithm::AllReduce},
                                     {"local-sgd H=8", Algorithm::LocalSgd}, {"dpsgd", Algorithm::DPsgd},
                                     {"adpsgd", Algorithm::AdPsgd},     {"sgp", Algorithm::Sgp}};
    std::printf("\n2b. Every algorithm, LeNet on Fashion-MNIST, batch 64 (images/s, all workers, ratio to naive at the same M;\n"
                "   then the wait per iteration and worker in microseconds; %.0f s per cell)\n", o.seconds);
    std::printf("   %-3s", "M");
    for (const auto& k : kinds) std::printf(" %22s", k.label.c_str());
    std::printf("\n");
    for (int m = 1; m <= o.max_workers; m *= 2) {
        std::vector<RunResult> results;
        for (const auto& k : kinds) {
            RunConfig c = workloadConfig("lenet", o.devices);
            c.workers = m;
            c.algorithm = k.algorithm;
            c.p = 1.0;
            c.local_steps = 8;
            if (k.algorithm == Algorithm::Easgd) c.momentum = 0.99;
            results.push_back(timedRun(c, o.seconds));
        }
        std::printf("   %-3d", m);
        for (const auto& r : results) std::printf(" %13.0f (%5.2fx)", r.images_per_second, r.images_per_second / results[0].images_per_second);
        std::printf("\n   %-3s", "");
        for (const auto& r : results)
            std::printf(" %16.0f us/it", r.iterations ? 1e6 * r.wait_s / static_cast<double>(r.iterations) : 0.0);
        std::printf("\n");
        std::fflush(stdout);
    }
}

void profileTable(const std::map<std::string, RunResult>& profiles) {
    if (profiles.empty()) return;
    std::printf("\n4. Where an iteration's time goes (M = 4; microseconds per iteration per worker)\n");
    std::printf("   %-26s", "workload / algorithm");
    for (const auto& [phase, s] : profiles.begin()->second.phase_seconds) std::printf(" %14s", phase.c_str());
    std::printf("\n");
    for (const auto& [label, r] : profiles) {
        std::printf("   %-26s", label.c_str());
        for (const auto& [phase, s] : r.phase_seconds)
            std::printf(" %14.1f", r.iterations ? 1e6 * s / static_cast<double>(r.iterations) : 0.0);
        std::printf("\n");
    }
}

// Issue: recording must not slow training. The same run (same seed) with and without the history
// recorder, alternated so that drift on a busy machine hits both.
void recordingCost(const Options& o) {
    std::printf("\n5. Recording cost: LeNet on Fashion-MNIST, GoSGD p = 0.02, M = 4, metrics every iteration, %.0f s per run\n",
                o.seconds);
    const std::string db = std::filesystem::temp_directory_path() / ("gossiplab-bench-" + std::to_string(getpid()) + ".sqlite3");
    double with_sum = 0.0, without_sum = 0.0;
    uint64_t rows = 0;
    for (int round = 0; round < 2; ++round) {
        RunConfig c = workloadConfig("lenet", o.devices);
        c.workers = 4;
        c.metrics_every = 1;  // the heaviest recording load: a sample per worker per iteration
        without_sum += timedRun(c, o.seconds).images_per_second;
        auto recorder = store::RunRecorder::open(db);
        if (!recorder) { std::printf("   cannot open %s: %s\n", db.c_str(), recorder.error().message.c_str()); return; }
        c.budget_kind = BudgetKind::Seconds;
        c.budget = o.seconds;
        with_sum += runToCompletion(c, recorder.value().get()).images_per_second;
        rows += recorder.value()->stats().rows_written;
    }
    std::filesystem::remove(db);
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
    std::filesystem::remove(db + "-runlock");
    std::printf("   without recording %10.0f images/s\n   with recording    %10.0f images/s  (%+.1f%%; %llu rows written)\n",
                without_sum / 2, with_sum / 2, 100.0 * (with_sum - without_sum) / without_sum, static_cast<unsigned long long>(rows));
}

long peakRssKb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

// One worker with `threads` intra-op threads (0: every core): images/s of `workload` with the
// given conv layout. Run in a
// child process so that the parent can give it another libblas.so.3 (LD_LIBRARY_PATH).
int rateChild(const std::string& workload, const std::string& layout, int threads, double seconds, const std::string& devices) {
    setConvLayout(layout == "channels-last" ? ConvLayout::ChannelsLast : layout == "contiguous" ? ConvLayout::Contiguous : ConvLayout::Default);
    RunConfig c = workloadConfig(workload, devices);
    c.workers = 1;
    c.algorithm = Algorithm::Naive;
    c.intra_op_threads = threads;
    timedRun(c, std::min(1.0, seconds));  // warm-up
    std::printf("%.1f\n%s\n", timedRun(c, seconds).images_per_second, loadedBlas().name.c_str());
    return 0;
}

int memoryChild(int m, double p, const std::string& devices) {
    RunConfig c = workloadConfig("lenet", devices);
    c.workers = m;
    c.p = p;
    const long before = peakRssKb();
    timedRun(c, 2.0);
    std::printf("%ld %ld\n", before, peakRssKb());
    return 0;
}

// Runs this program with `args` (and `extra_env` added to the environment); returns its stdout.
std::string runChild(const std::vector<std::string>& child_args, const std::vector<std::string>& extra_env = {}) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return {};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipefd[0]);
    std::vector<std::string> args = {"/proc/self/exe"};
    args.insert(args.end(), child_args.begin(), child_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings(extra_env);
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipefd[1]);
    if (rc != 0) { close(pipefd[0]); return {}; }
    std::string out;
    char buf[256];
    ssize_t got;
    while ((got = read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(got));
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return out;
}

// Debian's reference BLAS, the alternative that libblas.so.3 points at on a default install.
constexpr const char* kReferenceBlasDir = "/usr/lib/x86_64-linux-gnu/blas";

// 0. What the BLAS and the conv layout are worth: one worker on one thread, in child processes
// (the reference BLAS is forced in one through LD_LIBRARY_PATH), alternated over two rounds.
void blasAndLayout(const Options& o) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::printf("\n0. BLAS and conv layout: one worker, naive SGD, one thread and every core (images/s; child processes,\n"
                "   best of 2 rounds of %.0f s; the reference BLAS is forced in a child through LD_LIBRARY_PATH)\n", o.seconds);
    std::printf("   %-32s %-36s %7s %10s %8s\n", "workload", "BLAS, layout", "threads", "images/s", "ratio");
    const bool have_reference = std::filesystem::exists(std::string(kReferenceBlasDir) + "/libblas.so.3") && !loadedBlas().reference;
    const std::vector<std::string> reference_env = {std::string("LD_LIBRARY_PATH=") + kReferenceBlasDir};
    std::vector<std::string> workloads = o.workloads;
    if (std::find(workloads.begin(), workloads.end(), "lenet") != workloads.end()) workloads.insert(workloads.begin() + 1, "lenet128");
    for (const auto& workload : workloads) {
        struct Variant { std::string layout; int threads; std::vector<std::string> env; double best = 0; std::string blas; };
        // Ratios: to the loaded BLAS's NCHW figure with the same threads.
        std::vector<Variant> variants = {{"contiguous", 1, {}, 0, {}}, {"channels-last", 1, {}, 0, {}}, {"contiguous", cores, {}, 0, {}}};
        if (have_reference) {
            variants.push_back({"contiguous", 1, reference_env, 0, {}});
            variants.push_back({"contiguous", cores, reference_env, 0, {}});
        }
        for (int round = 0; round < 2; ++round)
            for (auto& v : variants) {
                const std::string out = runChild({"--rate-child", workload, v.layout, std::to_string(v.threads), std::to_string(o.seconds),
                                                  "--devices", o.devices},
                                                 v.env);
                v.best = std::max(v.best, std::atof(out.c_str()));
                const auto newline = out.find('\n');
                if (newline != std::string::npos) v.blas = out.substr(newline + 1, out.find('\n', newline + 1) - newline - 1);
            }
        const std::string label = workload == "cifar" ? "EASGD CIFAR net, batch 128"
                                  : workload == "lenet128" ? "LeNet, Fashion-MNIST, batch 128" : "LeNet, Fashion-MNIST, batch 64";
        for (const auto& v : variants) {
            double base = 0;
            for (const auto& b : variants)
                if (b.env.empty() && b.layout == "contiguous" && b.threads == v.threads) base = b.best;
            std::printf("   %-32s %-36s %7d %10.0f %7.2fx\n", label.c_str(),
                        (v.blas + ", " + (v.layout == "channels-last" ? "NHWC" : "NCHW")).c_str(), v.threads, v.best,
                        base > 0 ? v.best / base : 0.0);
        }
        std::fflush(stdout);
    }
    if (!have_reference) std::printf("   (no reference BLAS comparison: %s is missing or the reference BLAS is the one loaded)\n", kReferenceBlasDir);
}

std::pair<long, long> spawnMemoryChild(int m, double p, const std::string& devices) {
    const std::string out = runChild({"--memory-child", std::to_string(m), std::to_string(p), "--devices", devices});
    long before = -1, peak = -1;
    std::sscanf(out.c_str(), "%ld %ld", &before, &peak);
    return {before, peak};
}

void memory(const Options& o) {
    const int64_t params = 61706;  // LeNet
    std::printf("\n3. Peak resident memory, GoSGD, LeNet on Fashion-MNIST (one child process per cell, 2 s each)\n");
    std::printf("   model: %lld parameters = %.1f KB of float32\n", static_cast<long long>(params), params * 4 / 1024.0);
    std::printf("   %-4s %14s %14s %14s\n", "M", "p = 0", "p = 0.02", "p = 1");
    std::map<std::pair<int, double>, long> peak;
    for (int m : {2, 4, 8}) {
        std::printf("   %-4d", m);
        for (double p : {0.0, 0.02, 1.0}) {
            peak[{m, p}] = spawnMemoryChild(m, p, o.devices).second;
            std::printf(" %11.1f MB", peak[{m, p}] / 1024.0);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    for (double p : {0.0, 0.02, 1.0}) {
        const double per_worker_kb = static_cast<double>(peak[{8, p}] - peak[{2, p}]) / 6.0;
        std::printf("   p = %-5g bytes per worker (slope M = 2 -> 8): %.0f KB = %.1f model copies\n", p, per_worker_kb,
                    per_worker_kb * 1024.0 / (params * 4.0));
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // tables appear as they are measured, also in a log
    Options o;
    for (int k = 1; k < argc; ++k) {
        const std::string a = argv[k];
        auto next = [&]() -> std::string {
            if (k + 1 >= argc) { std::fprintf(stderr, "%s needs a value\n", a.c_str()); std::exit(2); }
            return argv[++k];
        };
        if (a == "--memory-child") {
            const int m = std::atoi(next().c_str());
            const double p = std::atof(next().c_str());
            std::string devices = "cpu";
            if (k + 2 < argc + 1 && k + 1 < argc && std::string(argv[k + 1]) == "--devices") { ++k; devices = next(); }
            return memoryChild(m, p, devices);
        }
        if (a == "--rate-child") {
            const std::string workload = next(), layout = next();
            const int threads = std::atoi(next().c_str());
            const double seconds = std::atof(next().c_str());
            std::string devices = "cpu";
            if (k + 1 < argc && std::string(argv[k + 1]) == "--devices") { ++k; devices = next(); }
            return rateChild(workload, layout, threads, seconds, devices);
        }
        if (a == "--seconds") o.seconds = std::atof(next().c_str());
        else if (a == "--max-workers") o.max_workers = std::atoi(next().c_str());
        else if (a == "--devices") o.devices = next();
        else if (a == "--no-memory") o.memory = false;
        else if (a == "--no-throughput") o.throughput = false;
        else if (a == "--no-recording") o.recording = false;
        else if (a == "--no-blas") o.blas = false;
        else if (a == "--no-algorithms") o.algorithms = false;
        else if (a == "--only-algorithms") o.blas = o.throughput = o.memory = o.recording = o.exchange = false;
        else if (a == "--workload") o.workloads = {next()};
        else {
            std::fprintf(stderr, "usage: gossiplab-bench [--seconds S] [--max-workers M] [--devices LIST] [--workload lenet|cifar]\n"
                                 "                       [--no-memory] [--no-throughput] [--no-recording] [--no-blas]\n"
                                 "                       [--no-algorithms] [--only-algorithms]\n");
            return 2;
        }
    }
    std::printf("GossipLab benchmark: %u hardware threads, devices '%s', LibTorch %s, %s\n", std::thread::hardware_concurrency(),
                o.devices.c_str(), TORCH_VERSION, blasSummary().c_str());
    if (const std::string warning = referenceBlasWarning(); !warning.empty()) std::fprintf(stderr, "gossiplab-bench: %s\n", warning.c_str());
    if (o.blas && o.throughput) blasAndLayout(o);
    if (o.exchange) exchangeCost(o.devices);
    std::map<std::string, RunResult> profiles;
    if (o.throughput)
        for (const auto& w : o.workloads) throughput(o, w, profiles);
    if (o.algorithms) algorithms(o);
    if (o.memory) memory(o);
    profileTable(profiles);
    if (o.recording) recordingCost(o);
    return 0;
}
