#pragma once
// The RunLauncher that trains: gossiplab::Run on this machine's devices. The only part of
// core/experiments that links LibTorch (library gossiplab_experiments_train); its header is
// torch-free.

#include <memory>

#include "core/experiments/experiment_runner.h"

namespace gossiplab::experiments {

class TrainingLauncher final : public RunLauncher {
public:
    // Throws like Run's constructor and Run::start (invalid settings, missing data files, ...).
    std::unique_ptr<LaunchedRun> launch(const RunConfig& config, RunObserver* observer) override;
};

}  // namespace gossiplab::experiments
