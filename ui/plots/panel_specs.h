#pragma once
// The specs of the per-worker panels (training loss, alphas, distances to the center, the naive
// note), shared by every place that shows a run's panels: a recorded run in the History tab and
// the CLI's offscreen plot export draw exactly what the Live tab draws.

#include "core/train/run_config.h"
#include "ui/plots/worker_series_panel.h"

namespace gossiplab::ui::specs {

WorkerPanelSpec loss();
WorkerPanelSpec alpha();
WorkerPanelSpec centerDistance();
WorkerPanelSpec naiveExchanges();
// The second panel for a run of this algorithm: alphas (GoSGD), distances to the center (EASGD),
// a note (naive).
WorkerPanelSpec exchangeFor(Algorithm algorithm);

}  // namespace gossiplab::ui::specs
