#pragma once
// Prints a run's progress on the terminal: a redrawn progress bar on a TTY, plain lines every few
// seconds otherwise, and a one-screen summary at the end.

#include <cstdio>
#include <mutex>

#include "core/train/run_events.h"

namespace gossiplab::cli {

class ProgressPrinter final : public RunObserver {
public:
    ProgressPrinter(std::FILE* out, bool is_terminal, bool quiet);
    void onRunStarted(const RunInfo& info) override;
    void onRunSample(const RunSample& sample) override;
    void onEvaluation(const EvalSample& eval) override;
    void onProgress(const ProgressUpdate& progress) override;
    void onSettingChange(const SettingChange& change) override;
    void onMessage(const std::string& text) override;
    void onRunEnded(const RunResult& result) override;

    static std::string formatDuration(double seconds);

private:
    void clearBar();

    std::FILE* out_;
    bool terminal_;
    bool quiet_;
    bool bar_shown_ = false;
    double last_line_time_ = -1e9;
    double mean_loss_ = 0.0;
    // The alpha ledger over the run (GoSGD): its means go into the summary.
    double held_sum_ = 0.0;
    double waiting_sum_ = 0.0;
    int64_t ledger_samples_ = 0;
    double last_accuracy_ = -1.0;
    RunInfo info_;
};

}  // namespace gossiplab::cli
