#include "core/train/exchange.h"

#include "core/train/run_shared.h"

namespace gossiplab {

void pushInProcess(RunShared& shared, WorkerState& from, WorkerState& to, int64_t step) {
    std::shared_lock ledger(shared.ledger);
    const double half = from.alpha.load(std::memory_order_relaxed) / 2.0;
    from.alpha.store(half);
    to.inbox->merge(from.flat.weights, half, step);
}

void elasticInProcess(RunShared& shared, WorkerState& self, torch::Tensor& scratch, double rate) {
    torch::NoGradGuard no_grad;
    auto& x = self.flat.weights;
    std::lock_guard lock(shared.center_mutex);
    auto& center = shared.center;
    // d = alpha (x - c) from the weights before the local step; x -= d; c += d.
    if (center.device() == x.device()) scratch.copy_(x).sub_(center);
    else scratch.copy_(x).sub_(center.to(x.device()));
    self.center_distance.store(scratch.norm().item<double>(), std::memory_order_relaxed);
    scratch.mul_(rate);
    x.sub_(scratch);
    if (center.device() == x.device()) center.add_(scratch);
    else center.add_(scratch.to(center.device()));
    shared.elastic_steps.fetch_add(1, std::memory_order_relaxed);
}

void averageInProcess(WorkerState& self, WorkerState& peer) {
    torch::NoGradGuard no_grad;
    auto& x = self.public_weights;
    std::lock_guard lock(peer.model_mutex);
    x.add_(peer.public_weights.to(x.device())).mul_(0.5);
    peer.public_weights.copy_(x);
    self.sent.fetch_add(1, std::memory_order_relaxed);
    peer.received.fetch_add(1, std::memory_order_relaxed);
}

bool InProcessExchange::push(WorkerState& from, int peer, int64_t step) {
    pushInProcess(shared_, from, *shared_.by_index[static_cast<size_t>(peer)], step);
    return true;
}

void InProcessExchange::elasticStep(WorkerState& self, torch::Tensor& scratch, double rate) {
    elasticInProcess(shared_, self, scratch, rate);
}

void InProcessExchange::averageWithPeer(WorkerState& self, int peer) {
    averageInProcess(self, *shared_.by_index[static_cast<size_t>(peer)]);
}

}  // namespace gossiplab
