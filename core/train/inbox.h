#pragma once
// A GoSGD worker's inbox that merges messages as they arrive.
//
// Draining messages (y_k, b_k) one by one into (x, a) gives
//     x <- (a x + sum_k b_k y_k) / (a + sum_k b_k),   a <- a + sum_k b_k
// whatever their order, so the inbox keeps only S = sum_k b_k y_k and B = sum_k b_k: one
// model-sized buffer however high p or M are, and the same result as a FIFO queue up to rounding.
// Merge and drain are each one pass over memory: S += b y, and x <- (a/(a+B)) x + (1/(a+B)) S.

#include <torch/torch.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace gossiplab {

class MergingInbox {
public:
    // `like`: a tensor with the receiver's shape, dtype and device.
    explicit MergingInbox(const torch::Tensor& like);

    // Adds the message (y, b). y may live on another device: it is copied to the receiver's.
    void merge(const torch::Tensor& y, double b);
    // Mixes everything received into (x, a) and empties the inbox. Returns the number of
    // messages that were merged (0: x and a untouched).
    int64_t drainInto(torch::Tensor& x, double& a);

    // x <- c1 x + c2 s, in place, in one pass over memory (torch's mul_ then add_ take two).
    static void scaleAndAdd(torch::Tensor& x, double c1, const torch::Tensor& s, double c2);

    // The sum weight waiting in the inbox. Callers that need a consistent total across inboxes
    // must exclude concurrent merges and drains themselves (see RunShared::ledger).
    double pendingWeight() const;
    int64_t pendingMessages() const;
    // Returns when a message is merged, or after `at_most` (SGP's wait for a late push).
    void waitForMessage(std::chrono::microseconds at_most);
    // S = sum_k b_k y_k of the pending messages, for invariant checks.
    torch::Tensor pendingWeightedSum() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable merged_;
    torch::Tensor weighted_sum_;  // S
    double weight_ = 0.0;         // B
    int64_t messages_ = 0;
};

}  // namespace gossiplab
