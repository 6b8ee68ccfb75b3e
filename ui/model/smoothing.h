#pragma once
// Smoothing for the live plots: the debiased exponential moving average (TensorBoard's fix of the
// plain EMA, which starts biased toward its first value), aware of uneven x spacing and of
// decimated input.

#include <vector>

namespace gossiplab::ui {

// out[i] = the debiased EMA of values[0..i] with factor `smoothing` in [0, 1) (0: no smoothing).
//
// `weights` (optional): how many raw points each value stands for (a decimated bucket's mean): it
// counts as that many points of that value, so smoothing looks the same before and after
// decimation. With `xs` and a positive `step` (the typical x distance between two raw points), a
// gap of dx counts as at least dx / step points: after a pause in the samples the average
// catches up at once instead of dragging a stale value along. Non-finite values pass through as
// NaN and do not disturb the average.
void smoothDebiased(const std::vector<double>& values, double smoothing, std::vector<double>& out,
                    const std::vector<double>* weights = nullptr, const std::vector<double>* xs = nullptr,
                    double step = 0.0);

}  // namespace gossiplab::ui
