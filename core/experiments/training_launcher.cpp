#include "core/experiments/training_launcher.h"

#include "core/train/run.h"

namespace gossiplab::experiments {

namespace {

class LaunchedTraining final : public LaunchedRun {
public:
    LaunchedTraining(const RunConfig& config, RunObserver* observer) : run_(config, observer) { run_.start(); }
    void requestStop() override { run_.requestStop(); }
    bool isRunning() const override { return run_.isRunning(); }
    RunResult wait() override { return run_.wait(); }

private:
    Run run_;
};

}  // namespace

std::unique_ptr<LaunchedRun> TrainingLauncher::launch(const RunConfig& config, RunObserver* observer) {
    return std::make_unique<LaunchedTraining>(config, observer);
}

}  // namespace gossiplab::experiments
