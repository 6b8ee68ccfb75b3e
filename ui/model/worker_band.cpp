#include "ui/model/worker_band.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gossiplab::ui {

WorkerBand workerBand(const RunData& data, WorkerSeries series, XAxis axis, int bins) {
    WorkerBand band;
    bins = std::max(bins, 2);
    double x_min = std::numeric_limits<double>::infinity();
    double x_max = -x_min;
    for (int w = 0; w < data.workers(); ++w) {
        for (const Bucket& b : data.worker(series, w).buckets()) {
            if (b.count == 0) continue;
            x_min = std::min(x_min, b.xMid(axis));
            x_max = std::max(x_max, b.xMid(axis));
        }
    }
    if (!(x_max >= x_min)) return band;
    const double span = x_max > x_min ? x_max - x_min : 1.0;
    const auto n = static_cast<size_t>(bins);
    std::vector<double> lo(n, std::numeric_limits<double>::infinity()), hi(n, -std::numeric_limits<double>::infinity());
    std::vector<double> sum(n, 0.0), count(n, 0.0), xsum(n, 0.0), xcount(n, 0.0);
    for (int w = 0; w < data.workers(); ++w) {
        for (const Bucket& b : data.worker(series, w).buckets()) {
            if (b.count == 0) continue;
            const double x = b.xMid(axis);
            auto i = static_cast<size_t>(std::floor((x - x_min) / span * double(n - 1) + 0.5));
            i = std::min(i, n - 1);
            lo[i] = std::min(lo[i], b.min);
            hi[i] = std::max(hi[i], b.max);
            sum[i] += b.sum;
            count[i] += b.count;
            xsum[i] += x;
            xcount[i] += 1.0;
        }
    }
    for (size_t i = 0; i < n; ++i) {
        if (count[i] <= 0) continue;
        band.xs.push_back(xsum[i] / xcount[i]);
        band.lo.push_back(lo[i]);
        band.hi.push_back(hi[i]);
        band.mean.push_back(sum[i] / count[i]);
    }
    return band;
}

}  // namespace gossiplab::ui
