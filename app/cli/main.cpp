// gossiplab-cli: the headless twin of the desktop app. All logic lives in core/cli; a build with
// Qt also lends it the desktop app's plot code for `export --plot` (drawn offscreen).
#include "core/cli/cli.h"

#ifdef GOSSIPLAB_CLI_WITH_PLOTS
#include "core/cli/history_commands.h"
#include "ui/export/cli_plot_export.h"
#endif

int main(int argc, char** argv) {
#ifdef GOSSIPLAB_CLI_WITH_PLOTS
    gossiplab::cli::setPlotExporter(&gossiplab::ui::exportPlotForCli);
#endif
    return gossiplab::cli::main(argc, argv);
}
