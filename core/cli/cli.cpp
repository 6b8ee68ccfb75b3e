#include "core/cli/cli.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/cli/events_csv.h"
#include "core/cli/progress_printer.h"
#include "core/cli/run_flags.h"
#include "core/train/run.h"

#ifndef GOSSIPLAB_VERSION
#define GOSSIPLAB_VERSION "unknown"
#endif

namespace gossiplab::cli {

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Ctrl+C asks the run to stop cleanly (it ends `stopped` and is recorded); a second one kills.
volatile std::sig_atomic_t g_interrupts = 0;
extern "C" void onInterrupt(int) {
    g_interrupts = g_interrupts + 1;
    if (g_interrupts > 1) std::_Exit(130);
}

const char* kUsage =
    "usage: gossiplab-cli COMMAND [ARGS]\n\n"
    "Commands:\n"
    "  run [FLAGS]      train GoSGD / EASGD / naive workers (see gossiplab-cli run --help)\n"
    "  --version        print the version\n"
    "  --help           this text\n";

int runCommand(const std::vector<std::string>& args) {
    auto parsed = parseRunFlags(args);
    if (parsed.flags.help) {
        std::fputs(runFlagsHelp().c_str(), stdout);
        return kExitOk;
    }
    if (!parsed.errors.empty()) {
        std::fprintf(stderr, "gossiplab-cli run: invalid arguments:\n%s", formatErrors(parsed.errors).c_str());
        return kExitUsage;
    }
    const RunFlags& flags = parsed.flags;
    ObserverFanOut observers;
    ProgressPrinter printer(stdout, isatty(STDOUT_FILENO) != 0, flags.quiet);
    observers.add(&printer);
    std::unique_ptr<EventsCsvWriter> csv;
    try {
        if (!flags.events_csv.empty()) {
            csv = std::make_unique<EventsCsvWriter>(flags.events_csv);
            observers.add(csv.get());
        }
        Run run(flags.config, &observers);
        run.start();
        std::signal(SIGINT, onInterrupt);
        std::signal(SIGTERM, onInterrupt);
        while (run.isRunning()) {
            if (g_interrupts > 0) run.requestStop();
            usleep(50 * 1000);
        }
        const RunResult result = run.wait();
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        return result.status == RunStatus::Finished || result.status == RunStatus::Stopped ? kExitOk : kExitFailed;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gossiplab-cli run: %s\n", e.what());
        return kExitFailed;
    }
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
        std::printf("gossiplab-cli %s\n", GOSSIPLAB_VERSION);
        return kExitOk;
    }
    if (command == "--help" || command == "-h" || command == "help") {
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    if (command == "run") return runCommand(args);
    std::fprintf(stderr, "gossiplab-cli: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return kExitUsage;
}

}  // namespace gossiplab::cli
