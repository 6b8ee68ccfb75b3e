#include "core/train/inbox.h"

namespace gossiplab {

MergingInbox::MergingInbox(const torch::Tensor& like) : weighted_sum_(torch::zeros_like(like)) {}

void MergingInbox::merge(const torch::Tensor& y, double b) {
    // Cross-device pushes are copied before taking the lock, so the lock covers one fused axpy.
    const torch::Tensor local = y.device() == weighted_sum_.device() ? y : y.to(weighted_sum_.device());
    std::lock_guard lock(mutex_);
    if (messages_ == 0) weighted_sum_.copy_(local).mul_(b);
    else weighted_sum_.add_(local, b);
    weight_ += b;
    ++messages_;
}

int64_t MergingInbox::drainInto(torch::Tensor& x, double& a) {
    std::lock_guard lock(mutex_);
    if (messages_ == 0) return 0;
    const double total = a + weight_;
    // x <- (a x + S) / (a + B), as one in-place update.
    x.mul_(a / total).add_(weighted_sum_, 1.0 / total);
    a = total;
    const int64_t merged = messages_;
    weight_ = 0.0;
    messages_ = 0;
    return merged;
}

double MergingInbox::pendingWeight() const {
    std::lock_guard lock(mutex_);
    return weight_;
}

int64_t MergingInbox::pendingMessages() const {
    std::lock_guard lock(mutex_);
    return messages_;
}

torch::Tensor MergingInbox::pendingWeightedSum() const {
    std::lock_guard lock(mutex_);
    return messages_ == 0 ? torch::zeros_like(weighted_sum_) : weighted_sum_.clone();
}

}  // namespace gossiplab
