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

MergingInbox::MergingInbox(const torch::Tensor& like) { untagged_.mean = torch::zeros_like(like); }

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

void MergingInbox::addTo(Sums& sums, const torch::Tensor& y, double b) {
    const double weight = sums.weight + b;
    if (sums.messages == 0) sums.mean.copy_(y);
    // The new mean: b / (B + b) of the way to y (0 when both weights are 0: nothing to mix).
    else if (weight > 0.0) scaleAndAdd(sums.mean, sums.weight / weight, y, b / weight);
    sums.weight = weight;
    ++sums.messages;
}

void MergingInbox::merge(const torch::Tensor& y, double b, int64_t step) {
    // Cross-device pushes are copied before taking the lock, so the lock covers one pass.
    const torch::Tensor local = y.device() == untagged_.mean.device() ? y : y.to(untagged_.mean.device());
    std::lock_guard lock(mutex_);
    if (step < 0) {
        addTo(untagged_, local, b);
    } else {
        Sums& sums = tagged_[step];
        if (!sums.mean.defined()) {
            if (spare_.empty()) {
                sums.mean = torch::empty_like(untagged_.mean);
            } else {
                sums.mean = std::move(spare_.back());
                spare_.pop_back();
            }
        }
        addTo(sums, local, b);
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
    double incoming = untagged_.weight;
    int64_t merged = untagged_.messages;
    for (auto it = tagged_.begin(); it != end; ++it) {
        incoming += it->second.weight;
        merged += it->second.messages;
    }
    if (merged == 0) return 0;
    const double total = a + incoming;
    // x <- (a/total) x + sum_k (B_k/total) m_k: the first mean mixes x in the same pass; each
    // further one (SGP with a delay) adds its own. A total of 0 (every weight 0) keeps x.
    bool first = true;
    auto mix = [&](const Sums& sums) {
        if (!(total > 0.0)) return;
        scaleAndAdd(x, first ? a / total : 1.0, sums.mean, sums.weight / total);
        first = false;
    };
    if (untagged_.messages > 0) mix(untagged_);
    for (auto it = tagged_.begin(); it != end; ++it) {
        mix(it->second);
        if (spare_.size() < 4) spare_.push_back(std::move(it->second.mean));
    }
    tagged_.erase(tagged_.begin(), end);
    a = total;
    untagged_.weight = 0.0;
    untagged_.messages = 0;
    return merged;
}

int64_t MergingInbox::drainInto(torch::Tensor& x, double& a) {
    std::lock_guard lock(mutex_);
    return drainLocked(x, a, std::numeric_limits<int64_t>::max());
}

int64_t MergingInbox::drainThrough(torch::Tensor& x, double& a, int64_t last_step) {
    std::lock_guard lock(mutex_);
    return drainLocked(x, a, last_step);
}

double MergingInbox::pendingWeight() const {
    std::lock_guard lock(mutex_);
    double weight = untagged_.weight;
    for (const auto& [step, sums] : tagged_) weight += sums.weight;
    return weight;
}

int64_t MergingInbox::pendingMessages() const {
    std::lock_guard lock(mutex_);
    int64_t messages = untagged_.messages;
    for (const auto& [step, sums] : tagged_) messages += sums.messages;
    return messages;
}

int64_t MergingInbox::arrivedThrough() const {
    std::lock_guard lock(mutex_);
    return arrived_through_;
}

torch::Tensor MergingInbox::pendingWeightedSum() const {
    std::lock_guard lock(mutex_);
    torch::Tensor sum = torch::zeros_like(untagged_.mean, torch::kFloat64);
    if (untagged_.messages > 0) sum.add_(untagged_.mean.to(torch::kFloat64), untagged_.weight);
    for (const auto& [step, sums] : tagged_) sum.add_(sums.mean.to(torch::kFloat64), sums.weight);
    return sum.to(untagged_.mean.scalar_type());
}

}  // namespace gossiplab
