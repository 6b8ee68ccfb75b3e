#pragma once
// How a worker reaches its peers and the EASGD center: the seam between the algorithms
// (worker.cpp) and the transport. A run in one process uses InProcessExchange (shared memory:
// one merge into the peer's inbox, one update of the center under its mutex). A run over several
// processes uses dist::Session (c10d / Gloo), which takes the same in-process path for peers in
// its own process and sends to the others. Internal to core (torch).

#include <torch/torch.h>

#include <string>

#include "core/train/run_events.h"

namespace gossiplab {

struct RunShared;
struct WorkerState;

class Exchange {
public:
    virtual ~Exchange() = default;

    // GoSGD and SGP push: halves from.alpha and delivers (x_from, alpha / 2) into the inbox of the
    // worker with global number `peer`, tagged with the sender's step (SGP; the receiver merges it
    // before its own step + 1) or MergingInbox::kNow (GoSGD: merged at the next drain). The sender
    // does not wait for the receiver. Returns false when the push was skipped (its peer's process
    // is gone or the run is ending): nothing changed then.
    virtual bool push(WorkerState& from, int peer, int64_t step) = 0;
    // EASGD elastic step of `self`: d = rate (x - c) from the weights before the local step,
    // x <- x - d, c <- c + d (atomic with respect to other workers). `scratch` is like x.
    virtual void elasticStep(WorkerState& self, torch::Tensor& scratch, double rate) = 0;
    // AD-PSGD pairwise averaging: the public models of `self` and of worker `peer` both become
    // their mean, atomically for the peer. The caller holds self.model_mutex; this takes the
    // peer's (in this process, or by a round trip to the peer's process, whose receiver takes it).
    virtual void averageWithPeer(WorkerState& self, int peer) = 0;

    // The synchronous algorithms' rounds (synchronous_rounds.h): sums `buffer` (CPU float32)
    // over every process, in place. In one process there is nothing to add.
    virtual void allReduceSum(torch::Tensor& /*buffer*/) {}

    // Hooks for the monitor and the run; no-ops in one process.
    virtual void snapshotRequested(int64_t /*request*/) {}
    virtual void settingChanged(const std::string& /*field*/, double /*value*/) {}
    // The alpha that this process's workers and inboxes do not hold but the run does, as this
    // process knows it: held by other processes' workers, and waiting in their inboxes or sent by
    // them and not yet merged. Called under the exclusive ledger lock.
    virtual AlphaLedger alphaElsewhere() { return {}; }
    // The run is ending early (stop, failure, divergence) for a reason found in this process.
    virtual void runEnding(RunStatus /*status*/, const std::string& /*message*/) {}
};

// The shared-memory exchange between two workers of this process, and the elastic step against
// a center held in this process: what InProcessExchange does, for dist::Session to reuse.
void pushInProcess(RunShared& shared, WorkerState& from, WorkerState& to, int64_t step);
void elasticInProcess(RunShared& shared, WorkerState& self, torch::Tensor& scratch, double rate);
void averageInProcess(WorkerState& self, WorkerState& peer);

class InProcessExchange final : public Exchange {
public:
    explicit InProcessExchange(RunShared& shared) : shared_(shared) {}
    bool push(WorkerState& from, int peer, int64_t step) override;
    void elasticStep(WorkerState& self, torch::Tensor& scratch, double rate) override;
    void averageWithPeer(WorkerState& self, int peer) override;

private:
    RunShared& shared_;
};

}  // namespace gossiplab
