#pragma once
// Fewer points for drawing, without hiding spikes: the x range (iteration) is cut into
// max_points / 2 equal buckets and each bucket keeps its smallest and its largest value, in
// recording order. A series that already fits is returned whole. Streaming, so a million-row
// series is reduced while it is read, never held in memory.

#include <cstdint>
#include <span>
#include <vector>

#include "core/store/history_types.h"

namespace gossiplab::store {

class MinMaxDecimator {
public:
    // [first_x, last_x]: the iteration range of the points to come (points outside are clamped).
    // max_points below 2 reads as 2.
    MinMaxDecimator(size_t max_points, int64_t first_x, int64_t last_x);

    void add(const SeriesPoint& point);
    std::vector<SeriesPoint> finish();

private:
    struct Bucket {
        bool any = false;        // any point at all
        bool has_value = false;  // any point with a value (not NULL/NaN)
        SeriesPoint first;       // kept when every point of the bucket is NaN, so the gap shows
        SeriesPoint min;
        SeriesPoint max;
    };
    void startDecimating();
    void addToBucket(const SeriesPoint& point);

    size_t max_points_;
    int64_t first_x_;
    double x_span_;
    std::vector<SeriesPoint> raw_;  // until more than max_points arrive
    std::vector<Bucket> buckets_;   // from then on
};

std::vector<SeriesPoint> decimateMinMax(std::span<const SeriesPoint> points, size_t max_points);

}  // namespace gossiplab::store
