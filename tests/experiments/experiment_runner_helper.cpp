// A process that runs an experiment's queue, for the resume tests (which kill it):
//   experiment_runner_helper HISTORY EXPERIMENT_ID [skip]
// Prints one line per event on stdout, flushed: "starting P", "linked P RUN", "ended P STATUS",
// "finished STATE RUNS_DONE".
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/experiments/experiment_runner.h"
#include "core/experiments/training_launcher.h"

using namespace gossiplab;
using namespace gossiplab::experiments;

namespace {

class LinePrinter final : public ExperimentObserver {
public:
    void onItemStarting(const store::QueueItem& item) override { say("starting " + std::to_string(item.position)); }
    void onRunLinked(int position, int64_t run_id) override {
        say("linked " + std::to_string(position) + " " + std::to_string(run_id));
    }
    void onItemEnded(const store::QueueItem& item, store::QueueItemStatus status, const RunResult*, const std::string&) override {
        say("ended " + std::to_string(item.position) + " " + store::toString(status));
    }
    void onFinished(const RunnerOutcome& outcome) override {
        say("finished " + store::toString(outcome.state) + " " + std::to_string(outcome.runs_done) +
            (outcome.message.empty() ? "" : " " + outcome.message));
    }

private:
    static void say(const std::string& line) {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: experiment_runner_helper HISTORY EXPERIMENT_ID [skip]\n");
        return 2;
    }
    TrainingLauncher launcher;
    LinePrinter printer;
    RunnerOptions options;
    options.observer = &printer;
    if (argc > 3 && std::string(argv[3]) == "skip") options.interrupted = InterruptedPolicy::Skip;
    ExperimentRunner runner(argv[1], std::atoll(argv[2]), launcher, options);
    const RunnerOutcome outcome = runner.run();
    return outcome.error ? 1 : 0;
}
