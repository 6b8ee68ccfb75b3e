#pragma once
// The rounds of the synchronous algorithms (docs/algorithms.md), over this process's workers and,
// in a multi-process run, every process's (Exchange::allReduceSum, a c10d all-reduce over Gloo):
//   - all-reduce SGD: every worker's gradient becomes the mean gradient of all M workers;
//   - local SGD: every model becomes the mean of all M models;
//   - D-PSGD: every model becomes the mean of itself and its two neighbours on the ring of workers
//     (the doubly stochastic W of Lian et al. 2017 with weights 1/3; M = 2: both become the mean).
// Each round also decides whether training goes on (RoundBarrier): every worker of every process
// stops after the same round. Internal to core/train (torch).

#include <torch/torch.h>

#include <memory>

#include "core/train/round_barrier.h"

namespace gossiplab {

struct RunShared;
struct WorkerState;

class SynchronousRounds {
public:
    // `local_workers`: the workers this process runs (the barrier's parties).
    SynchronousRounds(RunShared& shared, int local_workers);

    RoundBarrier::Outcome averageGradients(bool wants_stop);
    RoundBarrier::Outcome averageModels(bool wants_stop);
    RoundBarrier::Outcome mixWithRingNeighbours(bool wants_stop);
    // A worker failed or diverged: the others stop waiting.
    void abort() { barrier_.abort(); }
    int64_t rounds() const { return rounds_.load(); }
    // The monitor's snapshot request as the last round read it (see Worker::snapshotRequest).
    int64_t snapshotRequestAtLastRound() const { return snapshot_request_.load(); }

private:
    // Sums `sum` (the local workers' part, with one extra element for this process's wish to
    // stop) over every process; true to go on.
    bool reduceAcrossProcesses(torch::Tensor& buffer, bool wants_stop);
    // Every local worker's tensor `pick(worker)` (its gradient or its model) becomes the mean
    // over all M workers.
    RoundBarrier::Outcome replaceByTheMean(bool wants_stop, torch::Tensor& (*pick)(WorkerState&));
    // This process's first worker (on rank 0 the mirrors of other processes come after its own).
    WorkerState& firstLocal() const;

    RunShared& shared_;
    RoundBarrier barrier_;
    torch::Tensor buffer_;  // CPU float32: the sum (or every model, for D-PSGD) and the stop flag
    std::atomic<int64_t> rounds_{0};
    std::atomic<int64_t> snapshot_request_{0};
};

}  // namespace gossiplab
