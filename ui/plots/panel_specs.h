#pragma once
// The specs of the per-worker panels (training loss, alphas or push-sum weights, distances to the
// center, the note of the algorithms without either, the time spent waiting), shared by every place that shows a run's panels: a recorded run in the History tab and
// the CLI's offscreen plot export draw exactly what the Live tab draws.

#include "core/train/run_config.h"
#include "ui/plots/worker_series_panel.h"

namespace gossiplab::ui::specs {

WorkerPanelSpec loss();
// GoSGD's alphas; SGP's push-sum weights (divided by M) with their own title.
WorkerPanelSpec alpha(Algorithm algorithm = Algorithm::GoSgd);
WorkerPanelSpec centerDistance();
// The algorithms whose workers carry neither a sum weight nor a center: a plain note instead of
// empty axes (naive, all-reduce, local SGD, D-PSGD, AD-PSGD).
WorkerPanelSpec noAlpha(Algorithm algorithm);
WorkerPanelSpec naiveExchanges();
// The note noAlpha() shows for this algorithm ("" for GoSGD, SGP and EASGD).
QString noAlphaText(Algorithm algorithm);
// The second panel for a run of this algorithm: the sum weights (hasSumWeights: GoSGD, SGP),
// distances to the center (EASGD), a note (every other algorithm).
WorkerPanelSpec exchangeFor(Algorithm algorithm);
// Seconds per iteration each worker spent waiting for the others (barriers, locks, round trips,
// late messages), drawn in milliseconds: where synchronous and asynchronous methods differ.
WorkerPanelSpec waitPerIteration();

}  // namespace gossiplab::ui::specs
