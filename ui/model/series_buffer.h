#pragma once
// One plotted series held in bounded memory: the data layer of the plots (it knows nothing about
// widgets or QCustomPlot, see PlotJuggler's split).
//
// Points are kept one per bucket until `capacity` buckets exist; then neighbouring buckets are
// merged pairwise and every bucket holds twice as many points. A bucket keeps its first and last
// x, the minimum, the maximum (and which came first), the sum and count of its values, so that a
// decimated series still draws its min/max envelope (no spike disappears) and its mean line, and
// a debiased EMA can weigh each bucket by the number of points it stands for. Memory stays
// O(capacity) for any run length; appends are amortised O(1). The full data stays in the store.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/train/run_events.h"

namespace gossiplab::ui {

// The three x axes every sample carries.
enum class XAxis { Images = 0, Iterations = 1, WallTime = 2 };

struct Bucket {
    double x_first[3] = {0, 0, 0};  // indexed by XAxis
    double x_last[3] = {0, 0, 0};
    double min = 0.0;               // over the finite values; NaN if there are none
    double max = 0.0;
    double sum = 0.0;               // of the finite values
    uint32_t count = 0;             // finite values
    uint32_t points = 0;            // all points (NaN included)
    bool min_first = true;          // the minimum came before the maximum

    double mean() const;            // NaN when the bucket holds no finite value
    double xMid(XAxis axis) const { return 0.5 * (x_first[int(axis)] + x_last[int(axis)]); }
};

class SeriesBuffer {
public:
    static constexpr size_t kDefaultCapacity = 2048;  // >= 1 bucket per pixel of a full-HD-wide panel

    explicit SeriesBuffer(size_t capacity = kDefaultCapacity);

    void append(const SamplePoint& at, double value);
    void clear();

    bool empty() const { return buckets_.empty(); }
    size_t bucketCount() const { return buckets_.size(); }
    size_t capacity() const { return capacity_; }
    uint32_t pointsPerBucket() const { return width_; }
    bool isDecimated() const { return width_ > 1; }
    int64_t pointsAppended() const { return appended_; }
    const std::vector<Bucket>& buckets() const { return buckets_; }
    double lastValue() const { return last_value_; }
    SamplePoint lastPoint() const { return last_point_; }
    // Goes up with every append (and clear): plots redraw only what changed.
    uint64_t revision() const { return revision_; }

    // What to draw, appended to xs/ys (cleared first). The envelope is the series itself while it
    // is not decimated, else two points per bucket (its min and max, in the order they came): a
    // zigzag that fills the band the raw data spans. Means are one point per bucket.
    // `max_buckets` > 0 draws at most that many buckets, neighbours merged for the frame (about one
    // per pixel: a live panel redraws every few hundred ms, and what it draws beyond its pixels
    // costs time and shows nothing); the series itself keeps its resolution for a zoom.
    void envelope(XAxis axis, std::vector<double>& xs, std::vector<double>& ys, size_t max_buckets = 0) const;
    void means(XAxis axis, std::vector<double>& xs, std::vector<double>& ys, std::vector<double>* weights = nullptr,
               size_t max_buckets = 0) const;

private:
    void compact();
    // The buckets to draw: the series' own, or groups of neighbours merged into `scratch`.
    const std::vector<Bucket>& drawn(size_t max_buckets, std::vector<Bucket>& scratch) const;

    size_t capacity_;
    uint32_t width_ = 1;  // points per full bucket, a power of two
    std::vector<Bucket> buckets_;
    int64_t appended_ = 0;
    double last_value_;
    SamplePoint last_point_;
    uint64_t revision_ = 0;
};

}  // namespace gossiplab::ui
