#include "ui/model/smoothing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gossiplab::ui {

void smoothDebiased(const std::vector<double>& values, double smoothing, std::vector<double>& out,
                    const std::vector<double>* weights, const std::vector<double>* xs, double step) {
    out.resize(values.size());
    const double s = std::clamp(smoothing, 0.0, 0.999999);
    const bool by_x = xs && xs->size() == values.size() && step > 0.0;
    double ema = 0.0;   // sum of (1 - s) s^k v_{i-k}
    double norm = 0.0;  // sum of (1 - s) s^k: 1 - s^n, the debiasing factor
    double last_x = 0.0;
    bool started = false;
    for (size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        if (!std::isfinite(v)) {
            out[i] = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        // How many raw points this step stands for.
        double n = weights && weights->size() == values.size() ? std::max(1.0, (*weights)[i]) : 1.0;
        if (by_x) {
            const double x = (*xs)[i];
            if (started) n = std::max(n, (x - last_x) / step);
            last_x = x;
        }
        started = true;
        const double decay = n == 1.0 ? s : std::pow(s, n);
        ema = ema * decay + (1.0 - decay) * v;
        norm = norm * decay + (1.0 - decay);
        out[i] = norm > 0.0 ? ema / norm : v;
    }
}

}  // namespace gossiplab::ui
