#pragma once
// The drawing behind `gossiplab-cli export RUN... --plot NAME --png FILE`: the same panels as the
// desktop app (one run: its Live/History panel; several: the Compare overlay), rendered
// offscreen. A QApplication is created on demand (offscreen platform unless QT_QPA_PLATFORM says
// otherwise), so a server without a display can draw plots.

#include <string>

#include "core/cli/history_commands.h"

namespace gossiplab::ui {

// "" on success, else the reason. Matches cli::PlotExporter.
std::string exportPlotForCli(const cli::PlotExportRequest& request);

}  // namespace gossiplab::ui
