#pragma once
// A GoSGD or SGP worker's inbox that merges messages as they arrive.
//
// Draining messages (y_k, b_k) one by one into (x, a) gives
//     x <- (a x + sum_k b_k y_k) / (a + sum_k b_k),   a <- a + sum_k b_k
// whatever their order, so the inbox keeps only their weighted mean m = sum_k b_k y_k / B and
// B = sum_k b_k: one model-sized buffer however high p or M are, and the same result as a FIFO
// queue up to rounding. Merge and drain are each one pass over memory: m <- m + (b/(B+b)) (y - m),
// and x <- (a/(a+B)) x + (B/(a+B)) m.
//
// Every coefficient is in [0, 1], whatever the scale of the weights. (The inbox kept S = sum b y
// and mixed with 1/(a+B) before: with weights below float's range, S underflowed to 0 and
// 1/(a+B) overflowed to infinity, and x became NaN. That happens at the end of a GoSGD run at
// p = 1: a worker left training after the others finished halves its alpha every step and
// receives nothing, 2^-126 after 126 steps.) Weights of exactly 0 (2^-1075 and below) mix
// nothing: a message of weight 0 changes no model, and a receiver whose a + B is 0 keeps x.
//
// SGP tags each push with its sender's step j: the inbox keeps one (m, B) per step tag, so that a
// worker can merge exactly the pushes of the steps before its own (drainThrough) and leave a fast
// sender's later pushes for later. A message without a tag (kNow: GoSGD) goes to the untagged
// sums, as before, at the same cost.

#include <torch/torch.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace gossiplab {

class MergingInbox {
public:
    // The tag of a message to merge at the next drain, whatever the step (GoSGD).
    static constexpr int64_t kNow = -1;

    // `like`: a tensor with the receiver's shape, dtype and device.
    explicit MergingInbox(const torch::Tensor& like);

    // Adds the message (y, b), sent at the sender's step `step` (kNow: untagged). y may live on
    // another device: it is copied to the receiver's. A tag must be kNow or >= 0.
    void merge(const torch::Tensor& y, double b, int64_t step = kNow);
    // Mixes everything received (untagged and every tag) into (x, a) and empties the inbox.
    // Returns the number of messages that were merged (0: x and a untouched).
    int64_t drainInto(torch::Tensor& x, double& a);
    // Mixes the untagged messages and those tagged <= last_step into (x, a); later tags stay.
    int64_t drainThrough(torch::Tensor& x, double& a, int64_t last_step);

    // x <- c1 x + c2 s, in place, in one pass over memory (torch's mul_ then add_ take two).
    static void scaleAndAdd(torch::Tensor& x, double c1, const torch::Tensor& s, double c2);

    // The sum weight waiting in the inbox (untagged and every tag). Callers that need a
    // consistent total across inboxes must exclude concurrent merges and drains themselves (see
    // RunShared::ledger).
    double pendingWeight() const;
    int64_t pendingMessages() const;
    // SGP, where exactly one tagged message per step reaches each worker: the largest T such that
    // a message tagged t has arrived (merged since, or waiting) for every t in 0..T; -1 if none.
    int64_t arrivedThrough() const;
    // Returns when a message is merged, or after `at_most` (SGP's wait for a late push).
    void waitForMessage(std::chrono::microseconds at_most);
    // sum_k b_k y_k of the pending messages (every tag), for invariant checks.
    torch::Tensor pendingWeightedSum() const;

private:
    struct Sums {
        torch::Tensor mean;   // m
        double weight = 0.0;  // B
        int64_t messages = 0;
    };
    static void addTo(Sums& sums, const torch::Tensor& y, double b);
    int64_t drainLocked(torch::Tensor& x, double& a, int64_t last_step);  // last_step: every tag up to it

    mutable std::mutex mutex_;
    std::condition_variable merged_;
    Sums untagged_;               // GoSGD's messages (its mean: allocated once, reused)
    int64_t arrivals_ = 0;        // every message ever merged in (wakes waitForMessage)
    std::map<int64_t, Sums> tagged_;    // SGP: the means by step tag, waiting
    std::vector<torch::Tensor> spare_;  // drained tags' buffers, for the next tags
    int64_t arrived_through_ = -1;      // see arrivedThrough()
    std::set<int64_t> arrived_ahead_;   // tags above arrived_through_ + 1 that have arrived
};

}  // namespace gossiplab
