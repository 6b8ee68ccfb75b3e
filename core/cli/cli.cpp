#include "core/cli/cli.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/cli/cli_common.h"
#include "core/cli/command_line.h"
#include "core/cli/events_csv.h"
#include "core/cli/history_commands.h"
#include "core/cli/sweep_command.h"
#include "core/cli/progress_printer.h"
#include "core/cli/run_flags.h"
#include "core/store/run_recorder.h"
#include "core/train/run.h"
#include "core/train/run_settings.h"
#include "core/train/selftest.h"
#include "core/common/blas_info.h"

#include <torch/cuda.h>
#include <torch/version.h>

#ifndef GOSSIPLAB_VERSION
#define GOSSIPLAB_VERSION "unknown"
#endif

namespace gossiplab::cli {

namespace {

const char* kUsage =
    "usage: gossiplab-cli COMMAND [ARGS]\n\n"
    "Commands:\n"
    "  run [FLAGS]      train GoSGD / EASGD / naive workers (see gossiplab-cli run --help)\n"
    "  selftest [--devices LIST] [--workers M]\n"
    "                   check the core's invariants on these devices (default cpu), pass/fail per check\n"
    "  runs             list the recorded runs (--status, --algorithm, --search, --tag, --limit)\n"
    "  show RUN         one run: status, config, latest values, setting changes\n"
    "  export RUN... --csv FILE [--runs-csv FILE]\n"
    "                   every recorded point (long format) and/or one row per run\n"
    "  export RUN... --plot loss|alpha|distance|accuracy|wait --png|--pdf|--svg FILE\n"
    "                   a run's plot, or several runs overlaid (--width, --height, --scale, --x-axis)\n"
    "  delete RUN...    delete runs and all their rows\n"
    "  import FILE      copy every run of another history file into this one\n"
    "  sweep ...        run an experiment: a grid of runs, queued (see gossiplab-cli sweep --help)\n"
    "  experiments      list the experiments; experiment show|export ID\n"
    "  (history commands take --db FILE; default: $XDG_DATA_HOME/gossiplab/history.sqlite3)\n"
    "  --version        print the version\n"
    "  --help           this text\n";

// Multi-process runs: one line per process as it joins, starts, finishes or is lost.
class ProcessPrinter final : public RunObserver {
public:
    explicit ProcessPrinter(bool quiet) : quiet_(quiet) {}
    void onProcessStatus(const ProcessStatus& s) override {
        const bool important = s.state == ProcessState::Lost;
        if (quiet_ && !important) return;
        if (s.state == ProcessState::Running || s.state == ProcessState::Finished) return;  // the run's own lines say it
        std::string what = "rank " + std::to_string(s.process.rank) + " " + toString(s.state);
        if (s.state == ProcessState::Joined)
            what += ": " + s.process.host + " (pid " + std::to_string(s.process.pid) + ", " + std::to_string(s.process.workers) +
                    " worker" + (s.process.workers == 1 ? "" : "s") + " on " + s.process.devices + ", Gloo on " + s.process.address + ")";
        if (!s.detail.empty()) what += ": " + s.detail;
        std::printf("  [%6.1f s] %s\n", s.at_s, what.c_str());
        std::fflush(stdout);
    }
    void onRunEnded(const RunResult& r) override {
        if (r.remote_messages > 0)
            std::printf("  sent to other processes: %lld messages, %.1f MB\n", static_cast<long long>(r.remote_messages),
                        static_cast<double>(r.remote_bytes) / 1e6);
        if (!r.lost_ranks.empty() && std::isfinite(r.alpha_lost) && r.alpha_lost != 0.0)
            std::printf("  alpha lost         %.9f\n", r.alpha_lost);
        std::fflush(stdout);
    }

private:
    bool quiet_;
};

int runCommand(const std::vector<std::string>& args) {
    if (args.size() == 1 && args[0] == "--man-section") {  // for the build of the man page; not in --help
        std::fputs(runFlagsManSection().c_str(), stdout);
        return kExitOk;
    }
    auto parsed = parseRunFlags(args);
    if (parsed.flags.help) {
        std::fputs(runFlagsHelp().c_str(), stdout);
        return kExitOk;
    }
    if (!parsed.errors.empty()) {
        std::string listed;
        for (const auto& e : parsed.errors)
            listed += e.field == kArgumentsField ? "  " + e.message + "\n" : "  --" + e.field + ": " + e.message + "\n";
        std::fprintf(stderr, "gossiplab-cli run: invalid arguments:\n%s(see gossiplab-cli run --help)\n", listed.c_str());
        return kExitUsage;
    }
    RunFlags flags = parsed.flags;
    const bool distributed = flags.dist.enabled();
    // Ranks > 0 record nothing unless asked (--db): rank 0 records the whole run.
    const bool records = flags.record && (!distributed || flags.dist.rank == 0 || !flags.db.empty());
    if (distributed && flags.dist.rank > 0) {
        const auto given = flags.given;
        flags.dist.check_settings = [given](const RunConfig& coordinator) { return settingsConflicts(coordinator, given); };
    }
    ObserverFanOut observers;
    ProgressPrinter printer(stdout, isatty(STDOUT_FILENO) != 0, flags.quiet);
    observers.add(&printer);
    ProcessPrinter processes(flags.quiet);
    if (distributed) observers.add(&processes);
    std::unique_ptr<EventsCsvWriter> csv;
    std::unique_ptr<store::RunRecorder> recorder;
    try {
        if (records) {
            const std::string path = flags.db.empty() ? store::defaultHistoryPath() : flags.db;
            store::RecorderOptions options;
            options.create_folders = flags.db.empty();
            auto opened = store::RunRecorder::open(path, options);
            if (!opened) {
                std::fprintf(stderr, "gossiplab-cli run: %s\n  (use --no-record to train without recording)\n",
                             opened.error().message.c_str());
                return kExitFailed;
            }
            recorder = std::move(opened.value());
            observers.add(recorder.get());
        }
        if (!flags.events_csv.empty()) {
            csv = std::make_unique<EventsCsvWriter>(flags.events_csv);
            observers.add(csv.get());
        }
        Run run(flags.config, &observers, flags.dist);
        if (distributed)
            std::printf("GossipLab: rank %d of %d, rendezvous at %s:%d\n", flags.dist.rank, flags.dist.world,
                        flags.dist.master_host.c_str(), flags.dist.master_port);
        if (const std::string warning = openRunWarning(flags.dist); !warning.empty())
            std::fprintf(stderr, "gossiplab-cli run: warning: %s\n", warning.c_str());
        std::fflush(stdout);
        // Ctrl+C asks the run to stop cleanly (it ends `stopped` and is recorded); a second one kills.
        // Installed before the run starts: a Ctrl+C during start() is then a stop too, not a kill.
        installInterruptHandler(kExitInterrupted);
        run.start();
        bool stop_asked = false, fail_asked = false;
        while (run.isRunning()) {
            if (interruptCount() > 0 && !stop_asked) {
                run.requestStop();  // in a run over several processes: a Stop to every rank
                stop_asked = true;
            }
            // An output that failed (the events CSV on a full disk) ends the run failed, naming it.
            if (const std::string failure = observers.failure(); !failure.empty() && !fail_asked) {
                run.fail(failure);
                fail_asked = true;
            }
            usleep(50 * 1000);
        }
        const RunResult result = run.wait();
        if (const std::string failure = observers.failure(); !failure.empty()) {
            std::fprintf(stderr, "gossiplab-cli run: %s\n", failure.c_str());
            return kExitFailed;
        }
        restoreDefaultInterruptHandler();
        if (recorder) {
            if (const auto error = recorder->error()) {
                std::fprintf(stderr, "gossiplab-cli run: recording failed: %s\n", error->message.c_str());
                return kExitFailed;
            }
            if (recorder->runId() > 0)
                std::printf("  recorded as run %lld in %s\n", static_cast<long long>(recorder->runId()), recorder->path().c_str());
        } else if (distributed && flags.dist.rank > 0) {
            std::printf("  rank 0 (%s) records the run\n", flags.dist.master_host.c_str());
        }
        return result.status == RunStatus::Finished || result.status == RunStatus::Stopped ? kExitOk : kExitFailed;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gossiplab-cli run: %s\n", e.what());
        return kExitFailed;
    }
}

int selftestCommand(const std::vector<std::string>& args) {
    const std::string usage = "usage: gossiplab-cli selftest [--devices LIST] [--workers M]\n";
    const auto parsed = parseCommandLine(args, {{"devices", {}, "LIST"}, {"workers", {}, "M"}});
    if (!parsed.error.empty()) return usageError("selftest", parsed.error, usage);
    if (parsed.line.help) {
        std::fputs(usage.c_str(), stdout);
        std::fputs("Checks the core's invariants on these devices (default cpu) and says pass or fail for each.\n", stdout);
        return kExitOk;
    }
    const std::string devices = parsed.line.value("devices").value_or("cpu");
    int workers = 0;
    if (const auto text = parsed.line.value("workers")) {
        RunConfig probe;
        const RunSetting& setting = *findRunSetting("workers");
        if (setting.set(probe, *text) || !setting.bounds->contains(probe.workers))
            return usageError("selftest", "--workers is '" + *text + "'; allowed range: " + setting.range, usage);
        workers = probe.workers;
    }
    RunConfig probe;
    probe.devices = devices;
    for (const auto& e : validate(probe)) {
        std::fprintf(stderr, "gossiplab-cli selftest: --%s: %s\n", e.field.c_str(), e.message.c_str());
        return kExitUsage;
    }
    std::printf("GossipLab %s self-test on devices '%s' (LibTorch %s, %s)\n", GOSSIPLAB_VERSION, devices.c_str(), TORCH_VERSION,
                blasSummary().c_str());
    int failed = 0;
    const auto checks = runSelfTest(devices, workers, [&](const SelfTestCheck& c) {
        std::printf("  [%s] %s (%.1f s)\n         %s\n", c.passed ? "PASS" : "FAIL", c.name.c_str(), c.seconds, c.detail.c_str());
        std::fflush(stdout);
        failed += c.passed ? 0 : 1;
    });
    std::printf("%zu passed, %d failed\n", checks.size() - static_cast<size_t>(failed), failed);
    return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
    const std::string command = args.front();
    args.erase(args.begin());
    if (command == "--version" || command == "version") {
        std::printf("gossiplab-cli %s\nLibTorch %s, %s\n%s\nruns over several processes: %s\n", GOSSIPLAB_VERSION, TORCH_VERSION,
                    torch::cuda::is_available() ? ("CUDA with " + std::to_string(torch::cuda::device_count()) + " device(s)").c_str()
                                                : "no CUDA device",
                    blasSummary().c_str(), multiProcessBuilt() ? "built in (c10d/Gloo)" : "not in this build (no Gloo headers)");
        return kExitOk;
    }
    // Commands that train say once, at start, when LibTorch computes with the slow reference BLAS.
    if (command == "run" || command == "selftest" || command == "sweep" || command == "experiment") {
        if (const std::string warning = referenceBlasWarning(); !warning.empty()) std::fprintf(stderr, "gossiplab-cli: %s\n", warning.c_str());
    }
    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    if (command == "run") return runCommand(args);
    if (command == "selftest") return selftestCommand(args);
    if (command == "runs") return runsCommand(args);
    if (command == "show") return showCommand(args);
    if (command == "export") return exportCommand(args);
    if (command == "delete") return deleteCommand(args);
    if (command == "import") return importCommand(args);
    if (command == "sweep") return sweepCommand(args);
    if (command == "experiments") return experimentsCommand(args);
    if (command == "experiment") return experimentCommand(args);
    std::fprintf(stderr, "gossiplab-cli: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return kExitUsage;
}

}  // namespace gossiplab::cli
