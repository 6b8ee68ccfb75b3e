#pragma once
// What the algorithm tests check on a run's final state (Run::finalState), in one process
// (tests/core/test_algorithms) and over several (tests/dist/test_dist_algorithms), and the short
// Fashion-MNIST run both use to see an algorithm learn.

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/train/run.h"

namespace gossiplab::test {

// The largest difference between two flat models.
inline double maxDifference(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0.0;
    for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::abs(double(a[k]) - double(b[k])));
    return worst;
}

// The largest difference between the mean of the final models (weighted by `weights` when given,
// e.g. the alphas) and the mean of the initial ones: what an averaging that conserves the sum keeps.
inline double driftOfTheMean(const FinalState& s, const std::vector<double>& weights = {}) {
    double worst = 0.0;
    for (size_t k = 0; k < s.initial_mean.size(); ++k) {
        double mean = 0.0;
        for (size_t i = 0; i < s.weights.size(); ++i)
            mean += (weights.empty() ? 1.0 / double(s.weights.size()) : weights[i]) * s.weights[i][k];
        worst = std::max(worst, std::abs(mean - s.initial_mean[k]));
    }
    return worst;
}

// LeNet on Fashion-MNIST, 6,000 images per worker at lr 0.1: every algorithm reaches about 70-75%
// test accuracy (chance: 10%).
inline RunConfig learningConfig(Algorithm algorithm, int workers) {
    RunConfig c;
    c.algorithm = algorithm;
    c.workers = workers;
    c.local_steps = 10;
    c.learning_rate = 0.1;
    c.batch_size = 32;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 6000;
    c.eval_max_images = 2000;
    c.intra_op_threads = 1;
    return c;
}

}  // namespace gossiplab::test
