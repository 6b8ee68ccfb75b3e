#include "core/cli/progress_printer.h"

#include <cmath>
#include <string>

namespace gossiplab::cli {

namespace {
std::string withThousands(int64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t k = 0; k < digits.size(); ++k) {
        if (k && (digits.size() - k) % 3 == 0 && digits[k - 1] != '-') out += ',';
        out += digits[k];
    }
    return out;
}
}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, bool is_terminal, bool quiet)
    : out_(out), terminal_(is_terminal), quiet_(quiet) {}

std::string ProgressPrinter::formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "--:--";
    const auto s = static_cast<int64_t>(std::llround(seconds));
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
    else std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    return buf;
}

void ProgressPrinter::clearBar() {
    if (bar_shown_) {
        std::fprintf(out_, "\r\033[K");
        bar_shown_ = false;
    }
}

void ProgressPrinter::onRunStarted(const RunInfo& info) {
    info_ = info;
    const auto& c = info.config;
    std::fprintf(out_, "GossipLab run '%s': %s, M = %d", c.name.c_str(), toString(c.algorithm).c_str(), c.workers);
    if (c.algorithm == Algorithm::GoSgd) std::fprintf(out_, ", p = %g", c.p);
    if (c.algorithm == Algorithm::Easgd)
        std::fprintf(out_, ", tau = %d, alpha = %g, delta = %g", c.easgd_tau, c.easgd_alpha, c.momentum);
    if (c.algorithm == Algorithm::LocalSgd) std::fprintf(out_, ", H = %d", c.effectiveLocalSteps());
    if (c.algorithm == Algorithm::Sgp) std::fprintf(out_, ", delay = %d", c.sgp_delay);
    std::fprintf(out_, ", lr = %g, batch %d\n", c.learning_rate, c.batch_size);
    std::fprintf(out_, "  data:    %s\n  model:   %s\n", info.dataset_description.c_str(), info.model_description.c_str());
    std::fprintf(out_, "  devices: %s", info.worker_devices.empty() ? "?" : info.worker_devices[0].c_str());
    std::fprintf(out_, " (%d intra-op thread%s per worker)\n", info.intra_op_threads, info.intra_op_threads == 1 ? "" : "s");
    if (info.images_per_worker_budget > 0)
        std::fprintf(out_, "  budget:  %s images per worker\n", withThousands(info.images_per_worker_budget).c_str());
    else
        std::fprintf(out_, "  budget:  %s of wall time\n", formatDuration(c.budget).c_str());
    std::fflush(out_);
}

void ProgressPrinter::onRunSample(const RunSample& sample) {
    mean_loss_ = sample.mean_loss;
    if (std::isfinite(sample.alpha_held) && std::isfinite(sample.alpha_waiting)) {
        held_sum_ += sample.alpha_held;
        waiting_sum_ += sample.alpha_waiting;
        ++ledger_samples_;
    }
}

void ProgressPrinter::onEvaluation(const EvalSample& eval) {
    last_accuracy_ = eval.test_accuracy;
    if (quiet_) return;
    clearBar();
    std::fprintf(out_, "  test model (%s) at %s images/worker: loss %.4f, accuracy %.2f%%\n", toString(eval.model).c_str(),
                 withThousands(eval.at.images).c_str(), eval.test_loss, 100.0 * eval.test_accuracy);
    std::fflush(out_);
}

void ProgressPrinter::onProgress(const ProgressUpdate& p) {
    if (quiet_) return;
    char alpha[64] = "";
    if (std::isfinite(p.alpha_sum)) std::snprintf(alpha, sizeof alpha, "  sum(alpha) %.6f held %.3f", p.alpha_sum, p.alpha_held);
    const std::string done = p.images_budget > 0
                                  ? withThousands(p.images_done) + "/" + withThousands(p.images_budget) + " img"
                                  : formatDuration(p.elapsed_s) + "/" + formatDuration(p.budget_s);
    if (terminal_) {
        const int width = 28;
        const int filled = static_cast<int>(p.fraction * width);
        std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
        std::fprintf(out_, "\r\033[K[%s] %3d%% %s  %s img/s  ETA %s  loss %.4f  msgs %s%s", bar.c_str(),
                     static_cast<int>(p.fraction * 100), done.c_str(), withThousands(std::llround(p.images_per_second)).c_str(),
                     formatDuration(p.eta_s).c_str(), mean_loss_, withThousands(p.messages).c_str(), alpha);
        bar_shown_ = true;
        std::fflush(out_);
    } else if (p.elapsed_s - last_line_time_ >= 5.0) {
        last_line_time_ = p.elapsed_s;
        std::fprintf(out_, "  %5.1f%%  %s  %s img/s  elapsed %s  ETA %s  loss %.4f  msgs %s%s\n", 100.0 * p.fraction, done.c_str(),
                     withThousands(std::llround(p.images_per_second)).c_str(), formatDuration(p.elapsed_s).c_str(),
                     formatDuration(p.eta_s).c_str(), mean_loss_, withThousands(p.messages).c_str(), alpha);
        std::fflush(out_);
    }
}

void ProgressPrinter::onSettingChange(const SettingChange& change) {
    if (quiet_) return;
    clearBar();
    std::fprintf(out_, "  %s changed from %g to %g at %s images/worker (%s)\n", change.field.c_str(), change.old_value,
                 change.new_value, withThousands(change.at.images).c_str(), change.source.c_str());
}

void ProgressPrinter::onMessage(const std::string& text) {
    clearBar();
    std::fprintf(out_, "  note: %s\n", text.c_str());
}

void ProgressPrinter::onRunEnded(const RunResult& r) {
    clearBar();
    std::fprintf(out_, "\nRun %s: %s\n", toString(r.status).c_str(), r.message.c_str());
    std::fprintf(out_, "  time              %s (%.1f s)\n", formatDuration(r.wall_s).c_str(), r.wall_s);
    std::fprintf(out_, "  images            %s (%s img/s, all workers)\n", withThousands(r.images_done).c_str(),
                 withThousands(std::llround(r.images_per_second)).c_str());
    std::fprintf(out_, "  mean train loss   %.4f (the workers' last 50 mini-batches)\n", r.final_mean_loss);
    if (!r.worker_final_loss.empty()) {
        std::fprintf(out_, "  per worker        ");
        for (size_t i = 0; i < r.worker_final_loss.size(); ++i)
            std::fprintf(out_, "%s%.4f", i ? " " : "", r.worker_final_loss[i]);
        std::fprintf(out_, "\n");
    }
    if (std::isfinite(r.final_test_accuracy))
        std::fprintf(out_, "  test model        loss %.4f, accuracy %.2f%%\n", r.final_test_loss, 100.0 * r.final_test_accuracy);
    std::fprintf(out_, "  consensus dist.   %.6g (mean distance of the workers to their average)\n", r.consensus_distance);
    std::fprintf(out_, "  messages          %s\n", withThousands(r.messages).c_str());
    if (r.iterations > 0 && r.wait_s > 0.0)
        std::fprintf(out_, "  waiting           %.3f ms per iteration and worker (barriers, locks, round trips, late pushes)\n",
                     1e3 * r.wait_s / static_cast<double>(r.iterations));
    if (std::isfinite(r.alpha_sum))
        std::fprintf(out_, "  sum of alphas     %.9f%s\n", r.alpha_sum, info_.config.algorithm == Algorithm::Sgp ? " (push-sum weights / M)" : "");
    if (ledger_samples_ > 0)
        std::fprintf(out_, "  alpha held        %.4f by the workers, %.4f waiting in inboxes or in transit (means over %lld samples)\n",
                     held_sum_ / ledger_samples_, waiting_sum_ / ledger_samples_, static_cast<long long>(ledger_samples_));
    std::fflush(out_);
}

}  // namespace gossiplab::cli
