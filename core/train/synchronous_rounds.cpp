#include "core/train/synchronous_rounds.h"

#include <set>
#include <stdexcept>

#include "core/train/run_shared.h"

namespace gossiplab {

SynchronousRounds::SynchronousRounds(RunShared& shared, int local_workers) : shared_(shared), barrier_(local_workers) {}

bool SynchronousRounds::reduceAcrossProcesses(torch::Tensor& buffer, bool wants_stop) {
    buffer[buffer.numel() - 1] = wants_stop ? 1.0f : 0.0f;
    if (Exchange* e = shared_.exchange.load()) e->allReduceSum(buffer);
    rounds_.fetch_add(1, std::memory_order_relaxed);
    snapshot_request_.store(shared_.snapshot_request.load());
    return buffer[buffer.numel() - 1].item<float>() == 0.0f;
}

WorkerState& SynchronousRounds::firstLocal() const {
    for (const auto& w : shared_.workers)
        if (w->local) return *w;
    throw std::logic_error("a synchronous round in a process without workers");
}

RoundBarrier::Outcome SynchronousRounds::averageGradients(bool wants_stop) {
    return replaceByTheMean(wants_stop, [](WorkerState& w) -> torch::Tensor& { return w.flat.grads; });
}

RoundBarrier::Outcome SynchronousRounds::averageModels(bool wants_stop) {
    return replaceByTheMean(wants_stop, [](WorkerState& w) -> torch::Tensor& { return w.flat.weights; });
}

RoundBarrier::Outcome SynchronousRounds::replaceByTheMean(bool wants_stop, torch::Tensor& (*pick)(WorkerState&)) {
    return barrier_.arrive(wants_stop, [this, pick](bool any_wants_stop) {
        torch::NoGradGuard no_grad;
        const int64_t n = pick(firstLocal()).numel();
        if (!buffer_.defined()) buffer_ = torch::empty({n + 1}, torch::kFloat32);
        auto sum = buffer_.narrow(0, 0, n);
        sum.zero_();
        for (const auto& w : shared_.workers)
            if (w->local) sum.add_(pick(*w).to(torch::kCPU));
        const bool go_on = reduceAcrossProcesses(buffer_, any_wants_stop);
        sum.div_(static_cast<double>(shared_.global_workers));
        for (const auto& w : shared_.workers)
            if (w->local) pick(*w).copy_(sum);
        return go_on;
    });
}

RoundBarrier::Outcome SynchronousRounds::mixWithRingNeighbours(bool wants_stop) {
    return barrier_.arrive(wants_stop, [this](bool any_wants_stop) {
        torch::NoGradGuard no_grad;
        const int m = shared_.global_workers;
        const int64_t n = firstLocal().flat.weights.numel();
        // Every model, row i = worker i: this process fills its rows, the sum over processes
        // (zeros elsewhere) gathers the rest.
        if (!buffer_.defined()) buffer_ = torch::empty({m * n + 1}, torch::kFloat32);
        auto all = buffer_.narrow(0, 0, m * n).view({m, n});
        all.zero_();
        for (const auto& w : shared_.workers)
            if (w->local) all[w->index].copy_(w->flat.weights);
        const bool go_on = reduceAcrossProcesses(buffer_, any_wants_stop);
        for (const auto& w : shared_.workers) {
            if (!w->local) continue;
            const int i = w->index;
            const std::set<int> neighbourhood = {(i + m - 1) % m, i, (i + 1) % m};  // M <= 2: fewer
            auto mixed = torch::zeros({n}, torch::kFloat32);
            for (int j : neighbourhood) mixed.add_(all[j]);
            mixed.div_(static_cast<double>(neighbourhood.size()));
            w->flat.weights.copy_(mixed);
        }
        return go_on;
    });
}

}  // namespace gossiplab
