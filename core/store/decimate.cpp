#include "core/store/decimate.h"

#include <algorithm>
#include <cmath>

namespace gossiplab::store {

MinMaxDecimator::MinMaxDecimator(size_t max_points, int64_t first_x, int64_t last_x)
    : max_points_(std::max<size_t>(max_points, 2)),
      first_x_(std::min(first_x, last_x)),
      x_span_(static_cast<double>(std::max(first_x, last_x) - std::min(first_x, last_x)) + 1.0) {}

void MinMaxDecimator::add(const SeriesPoint& point) {
    if (buckets_.empty()) {
        raw_.push_back(point);
        if (raw_.size() > max_points_) startDecimating();
        return;
    }
    addToBucket(point);
}

void MinMaxDecimator::startDecimating() {
    buckets_.resize(max_points_ / 2);
    for (const SeriesPoint& point : raw_) addToBucket(point);
    raw_.clear();
    raw_.shrink_to_fit();
}

void MinMaxDecimator::addToBucket(const SeriesPoint& point) {
    const double position = static_cast<double>(point.iteration - first_x_) / x_span_;
    const auto index = static_cast<size_t>(
        std::clamp(position * static_cast<double>(buckets_.size()), 0.0, static_cast<double>(buckets_.size() - 1)));
    Bucket& bucket = buckets_[index];
    if (!bucket.any) {
        bucket.any = true;
        bucket.first = point;
    }
    if (std::isnan(point.value)) return;
    if (!bucket.has_value) {
        bucket.has_value = true;
        bucket.min = bucket.max = point;
        return;
    }
    if (point.value < bucket.min.value) bucket.min = point;
    if (point.value > bucket.max.value) bucket.max = point;
}

std::vector<SeriesPoint> MinMaxDecimator::finish() {
    if (buckets_.empty()) return std::move(raw_);
    std::vector<SeriesPoint> out;
    out.reserve(max_points_);
    for (const Bucket& bucket : buckets_) {
        if (!bucket.any) continue;
        if (!bucket.has_value) {
            out.push_back(bucket.first);
        } else if (bucket.min.seq == bucket.max.seq) {
            out.push_back(bucket.min);
        } else if (bucket.min.seq < bucket.max.seq) {
            out.push_back(bucket.min);
            out.push_back(bucket.max);
        } else {
            out.push_back(bucket.max);
            out.push_back(bucket.min);
        }
    }
    return out;
}

std::vector<SeriesPoint> decimateMinMax(std::span<const SeriesPoint> points, size_t max_points) {
    if (points.empty()) return {};
    int64_t first_x = points.front().iteration;
    int64_t last_x = first_x;
    for (const SeriesPoint& point : points) {
        first_x = std::min(first_x, point.iteration);
        last_x = std::max(last_x, point.iteration);
    }
    MinMaxDecimator decimator(max_points, first_x, last_x);
    for (const SeriesPoint& point : points) decimator.add(point);
    return decimator.finish();
}

}  // namespace gossiplab::store
