#pragma once
// gossiplab-cli's run-history commands: runs, show, export, delete, import.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gossiplab::cli {

int runsCommand(const std::vector<std::string>& args);
int showCommand(const std::vector<std::string>& args);
int exportCommand(const std::vector<std::string>& args);
int deleteCommand(const std::vector<std::string>& args);
int importCommand(const std::vector<std::string>& args);

// `export RUN... --plot loss|alpha|distance|accuracy --png|--pdf|--svg FILE`: drawn by the desktop
// app's own plot code (ui/), which this Qt-free library cannot link. A program built with Qt
// installs the drawing function (app/cli/main.cpp); without one, --plot says so and fails.
struct PlotExportRequest {
    std::string db;                 // the history file
    std::vector<int64_t> run_ids;   // one run: its panel; several: the compare overlay
    std::vector<std::string> labels;  // the legend's text after "#ID", one per run ("": the run's name)
    std::string plot;               // loss, alpha, distance, accuracy
    std::string format;             // png, pdf, svg
    std::string path;
    int width = 1200;
    int height = 720;
    double scale = 1.0;             // PNG only
    std::string x_axis = "images";  // images, iterations, time
    // A fixed view (lower < upper), e.g. the end of convergence; otherwise automatic.
    double x_lower = 0.0, x_upper = 0.0;
    double y_lower = 0.0, y_upper = 0.0;
};
// Returns "" on success, else the reason.
using PlotExporter = std::function<std::string(const PlotExportRequest&)>;
void setPlotExporter(PlotExporter exporter);
bool hasPlotExporter();

}  // namespace gossiplab::cli
