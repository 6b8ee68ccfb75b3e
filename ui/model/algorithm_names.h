#pragma once
// The algorithms as the UI names them: the label of the settings table's algorithm choice
// (core/train/run_settings.cpp: "GoSGD", "All-reduce SGD", "SGP (push-sum)", ...), so every list
// (history filter, new experiment, settings form) says the same, in kAllAlgorithms' order.

#include <QString>

#include "core/train/run_config.h"

namespace gossiplab::ui {

// The label of the settings table's choice; toString(algorithm) when the table has none.
QString algorithmLabel(Algorithm algorithm);
// What the history stores and filters on: toString(algorithm) ("gosgd", "allreduce", ...).
QString algorithmKey(Algorithm algorithm);

}  // namespace gossiplab::ui
