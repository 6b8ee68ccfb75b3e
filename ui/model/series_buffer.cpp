#include "ui/model/series_buffer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gossiplab::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Bucket merged(const Bucket& a, const Bucket& b) {
    Bucket out = a;
    std::copy(std::begin(b.x_last), std::end(b.x_last), std::begin(out.x_last));
    out.points = a.points + b.points;
    out.count = a.count + b.count;
    out.sum = a.sum + b.sum;
    if (a.count == 0) {
        out.min = b.min;
        out.max = b.max;
        out.min_first = b.min_first;
    } else if (b.count > 0) {
        // Where each extreme comes from decides their order.
        const bool min_from_a = a.min <= b.min;
        const bool max_from_a = a.max >= b.max;
        out.min = min_from_a ? a.min : b.min;
        out.max = max_from_a ? a.max : b.max;
        if (min_from_a == max_from_a) out.min_first = min_from_a ? a.min_first : b.min_first;
        else out.min_first = min_from_a;
    }
    return out;
}

}  // namespace

double Bucket::mean() const { return count ? sum / count : kNaN; }

SeriesBuffer::SeriesBuffer(size_t capacity) : capacity_(std::max<size_t>(capacity, 4) & ~size_t(1)), last_value_(kNaN) {
    buckets_.reserve(std::min<size_t>(capacity_, 1024));
}

void SeriesBuffer::append(const SamplePoint& at, double value) {
    const double x[3] = {static_cast<double>(at.images), static_cast<double>(at.iteration), at.wall_s};
    const bool finite = std::isfinite(value);
    ++appended_;
    ++revision_;
    last_value_ = value;
    last_point_ = at;

    if (!buckets_.empty() && buckets_.back().points < width_) {
        Bucket& b = buckets_.back();
        std::copy(x, x + 3, b.x_last);
        ++b.points;
        if (finite) {
            if (b.count == 0) {
                b.min = b.max = value;
                b.min_first = true;
            } else if (value < b.min) {
                b.min = value;
                b.min_first = false;  // the new minimum comes after the maximum
            } else if (value > b.max) {
                b.max = value;
                b.min_first = true;
            }
            b.sum += value;
            ++b.count;
        }
        return;
    }
    if (buckets_.size() >= capacity_) compact();
    Bucket b;
    std::copy(x, x + 3, b.x_first);
    std::copy(x, x + 3, b.x_last);
    b.points = 1;
    if (finite) {
        b.min = b.max = b.sum = value;
        b.count = 1;
    } else {
        b.min = b.max = kNaN;
    }
    buckets_.push_back(b);
}

void SeriesBuffer::compact() {
    const size_t n = buckets_.size();
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2) buckets_[out++] = merged(buckets_[i], buckets_[i + 1]);
    if (n % 2) buckets_[out++] = buckets_[n - 1];
    buckets_.resize(out);
    width_ *= 2;
}

void SeriesBuffer::clear() {
    buckets_.clear();
    width_ = 1;
    appended_ = 0;
    last_value_ = kNaN;
    last_point_ = {};
    ++revision_;
}

const std::vector<Bucket>& SeriesBuffer::drawn(size_t max_buckets, std::vector<Bucket>& scratch) const {
    if (max_buckets == 0 || buckets_.size() <= max_buckets) return buckets_;
    const size_t group = (buckets_.size() + max_buckets - 1) / max_buckets;
    scratch.clear();
    scratch.reserve(max_buckets);
    for (size_t i = 0; i < buckets_.size(); i += group) {
        Bucket b = buckets_[i];
        for (size_t j = i + 1; j < std::min(i + group, buckets_.size()); ++j) b = merged(b, buckets_[j]);
        scratch.push_back(b);
    }
    return scratch;
}

void SeriesBuffer::envelope(XAxis axis, std::vector<double>& xs, std::vector<double>& ys, size_t max_buckets) const {
    const int a = static_cast<int>(axis);
    std::vector<Bucket> scratch;
    const std::vector<Bucket>& buckets = drawn(max_buckets, scratch);
    const bool decimated = width_ > 1 || &buckets == &scratch;
    xs.clear();
    ys.clear();
    xs.reserve(buckets.size() * (decimated ? 2 : 1));
    ys.reserve(xs.capacity());
    for (const Bucket& b : buckets) {
        if (b.count == 0) {  // a gap (a diverged loss, say)
            xs.push_back(b.x_first[a]);
            ys.push_back(kNaN);
        } else if (b.points == 1 || b.min == b.max) {
            xs.push_back(b.points == 1 ? b.x_first[a] : b.xMid(axis));
            ys.push_back(b.min);
        } else {
            xs.push_back(b.x_first[a]);
            ys.push_back(b.min_first ? b.min : b.max);
            xs.push_back(b.x_last[a]);
            ys.push_back(b.min_first ? b.max : b.min);
        }
    }
}

void SeriesBuffer::means(XAxis axis, std::vector<double>& xs, std::vector<double>& ys, std::vector<double>* weights,
                         size_t max_buckets) const {
    std::vector<Bucket> scratch;
    const std::vector<Bucket>& buckets = drawn(max_buckets, scratch);
    xs.clear();
    ys.clear();
    xs.reserve(buckets.size());
    ys.reserve(buckets.size());
    if (weights) {
        weights->clear();
        weights->reserve(buckets.size());
    }
    for (const Bucket& b : buckets) {
        xs.push_back(b.points == 1 ? b.x_first[int(axis)] : b.xMid(axis));
        ys.push_back(b.mean());
        if (weights) weights->push_back(static_cast<double>(std::max<uint32_t>(1, b.count)));
    }
}

}  // namespace gossiplab::ui
