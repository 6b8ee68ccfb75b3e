#include "core/train/inbox.h"

namespace gossiplab {

namespace {

// The fused loop, vectorised: -O2 alone does not vectorise a loop that needs an epilogue.
__attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
void scaleAndAddFloats(float* __restrict x, float c1, const float* __restrict s, float c2, int64_t n) {
    for (int64_t k = 0; k < n; ++k) x[k] = c1 * x[k] + c2 * s[k];
}

}  // namespace

MergingInbox::MergingInbox(const torch::Tensor& like) : weighted_sum_(torch::zeros_like(like)) {}

void MergingInbox::scaleAndAdd(torch::Tensor& x, double c1, const torch::Tensor& s, double c2) {
    if (!x.is_cpu() || !s.is_cpu() || !x.is_contiguous() || !s.is_contiguous() || x.scalar_type() != torch::kFloat32 ||
        s.scalar_type() != torch::kFloat32) {
        x.mul_(c1).add_(s, c2);
        return;
    }
    float* xp = x.data_ptr<float>();
    const float* sp = s.data_ptr<float>();
    at::parallel_for(0, x.numel(), 1 << 18, [&](int64_t begin, int64_t end) {
        scaleAndAddFloats(xp + begin, static_cast<float>(c1), sp + begin, static_cast<float>(c2), end - begin);
    });
}

void MergingInbox::merge(const torch::Tensor& y, double b) {
    // Cross-device pushes are copied before taking the lock, so the lock covers one pass.
    const torch::Tensor local = y.device() == weighted_sum_.device() ? y : y.to(weighted_sum_.device());
    std::lock_guard lock(mutex_);
    if (messages_ == 0) at::mul_out(weighted_sum_, local, b);
    else weighted_sum_.add_(local, b);
    weight_ += b;
    ++messages_;
    merged_.notify_all();
}

void MergingInbox::waitForMessage(std::chrono::microseconds at_most) {
    std::unique_lock lock(mutex_);
    const int64_t seen = messages_;
    merged_.wait_for(lock, at_most, [&] { return messages_ != seen; });
}

int64_t MergingInbox::drainInto(torch::Tensor& x, double& a) {
    std::lock_guard lock(mutex_);
    if (messages_ == 0) return 0;
    const double total = a + weight_;
    scaleAndAdd(x, a / total, weighted_sum_, 1.0 / total);
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
