#include "core/train/inbox.h"

#include <algorithm>
#include <limits>

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

void MergingInbox::addTo(torch::Tensor& sum, const torch::Tensor& y, double b, bool first) {
    if (first) at::mul_out(sum, y, b);
    else sum.add_(y, b);
}

void MergingInbox::merge(const torch::Tensor& y, double b, int64_t step) {
    // Cross-device pushes are copied before taking the lock, so the lock covers one pass.
    const torch::Tensor local = y.device() == weighted_sum_.device() ? y : y.to(weighted_sum_.device());
    std::lock_guard lock(mutex_);
    if (step < 0) {
        addTo(weighted_sum_, local, b, messages_ == 0);
        weight_ += b;
        ++messages_;
    } else {
        Sums& sums = tagged_[step];
        if (!sums.weighted_sum.defined()) {
            if (spare_.empty()) {
                sums.weighted_sum = torch::empty_like(weighted_sum_);
            } else {
                sums.weighted_sum = std::move(spare_.back());
                spare_.pop_back();
            }
        }
        addTo(sums.weighted_sum, local, b, sums.messages == 0);
        sums.weight += b;
        ++sums.messages;
        // One message per step: advance the run of tags that have all arrived.
        if (step == arrived_through_ + 1) {
            ++arrived_through_;
            while (!arrived_ahead_.empty() && *arrived_ahead_.begin() <= arrived_through_ + 1) {
                arrived_through_ = std::max(arrived_through_, *arrived_ahead_.begin());
                arrived_ahead_.erase(arrived_ahead_.begin());
            }
        } else if (step > arrived_through_ + 1) {
            arrived_ahead_.insert(step);
        }
    }
    ++arrivals_;
    merged_.notify_all();
}

void MergingInbox::waitForMessage(std::chrono::microseconds at_most) {
    std::unique_lock lock(mutex_);
    const int64_t seen = arrivals_;
    merged_.wait_for(lock, at_most, [&] { return arrivals_ != seen; });
}

int64_t MergingInbox::drainLocked(torch::Tensor& x, double& a, int64_t last_step) {
    const auto end = tagged_.upper_bound(last_step);
    double incoming = weight_;
    int64_t merged = messages_;
    for (auto it = tagged_.begin(); it != end; ++it) {
        incoming += it->second.weight;
        merged += it->second.messages;
    }
    if (merged == 0) return 0;
    const double total = a + incoming;
    // The first sum mixes x in the same pass; each further one (SGP with a delay) adds its own.
    bool first = true;
    if (messages_ > 0) {
        scaleAndAdd(x, a / total, weighted_sum_, 1.0 / total);
        first = false;
    }
    for (auto it = tagged_.begin(); it != end; ++it) {
        scaleAndAdd(x, first ? a / total : 1.0, it->second.weighted_sum, 1.0 / total);
        first = false;
        if (spare_.size() < 4) spare_.push_back(std::move(it->second.weighted_sum));
    }
    tagged_.erase(tagged_.begin(), end);
    a = total;
    weight_ = 0.0;
    messages_ = 0;
    return merged;
}

int64_t MergingInbox::drainInto(torch::Tensor& x, double& a) {
    std::lock_guard lock(mutex_);
    if (tagged_.empty()) {  // GoSGD: the untagged sums only
        if (messages_ == 0) return 0;
        const double total = a + weight_;
        scaleAndAdd(x, a / total, weighted_sum_, 1.0 / total);
        a = total;
        const int64_t merged = messages_;
        weight_ = 0.0;
        messages_ = 0;
        return merged;
    }
    return drainLocked(x, a, std::numeric_limits<int64_t>::max());
}

int64_t MergingInbox::drainThrough(torch::Tensor& x, double& a, int64_t last_step) {
    std::lock_guard lock(mutex_);
    return drainLocked(x, a, last_step);
}

double MergingInbox::pendingWeight() const {
    std::lock_guard lock(mutex_);
    double weight = weight_;
    for (const auto& [step, sums] : tagged_) weight += sums.weight;
    return weight;
}

int64_t MergingInbox::pendingMessages() const {
    std::lock_guard lock(mutex_);
    int64_t messages = messages_;
    for (const auto& [step, sums] : tagged_) messages += sums.messages;
    return messages;
}

int64_t MergingInbox::arrivedThrough() const {
    std::lock_guard lock(mutex_);
    return arrived_through_;
}

torch::Tensor MergingInbox::pendingWeightedSum() const {
    std::lock_guard lock(mutex_);
    torch::Tensor sum = messages_ == 0 ? torch::zeros_like(weighted_sum_) : weighted_sum_.clone();
    for (const auto& [step, sums] : tagged_) sum.add_(sums.weighted_sum);
    return sum;
}

}  // namespace gossiplab
