#pragma once
// An experiment's tables as text: aligned plain text for the terminal, or Markdown (for a README
// or a lab notebook). gossiplab-cli's `experiment show` prints these.

#include <string>

#include "core/experiments/analysis.h"
#include "core/experiments/experiment_data.h"

namespace gossiplab::experiments {

enum class TextStyle { Plain, Markdown };

// The queue: position, label, status, run id, attempts, the run's status and message.
std::string queueText(const LoadedExperiment& experiment, TextStyle style);
// "images per worker and wall time to reach training loss L", then the GoSGD/EAMSGD ratios.
std::string timeToLossText(const TimeToLossTable& table, TextStyle style);
// Time to L per setting over its seeds: mean [min..max] of images per worker and wall time, the
// ratio to naive's images, the final loss.
std::string timeToLossBySettingText(const TimeToLossTable& table, TextStyle style);
// One row per line and parameter value: every final metric (mean over seeds, with min..max when
// there are several).
std::string metricsText(const ExperimentData& data, SweepParameter parameter, TextStyle style);

// One row per setting (its runs over the seeds, by label without the seed): the final test
// accuracy, consensus distance, training loss, throughput and wall time, mean [min..max].
std::string finalMetricsBySettingText(const ExperimentData& data, TextStyle style);

// Numbers as the tables print them ("-" for NaN).
std::string formatValue(double value, int significant = 4);

}  // namespace gossiplab::experiments
