#include "ui/export/cli_plot_export.h"

#include <memory>
#include <vector>

#include <QApplication>

#include "core/store/history.h"
#include "ui/export/plot_export.h"
#include "ui/model/run_data_store.h"
#include "ui/plots/compare_plot.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/palette.h"
#include "ui/plots/panel_specs.h"
#include "ui/plots/worker_series_panel.h"

namespace gossiplab::ui {

namespace {

std::unique_ptr<PlotPanel> singleRunPanel(const std::string& plot, const RunData& data) {
    std::unique_ptr<PlotPanel> panel;
    if (plot == "loss") panel = std::make_unique<WorkerSeriesPanel>(specs::loss());
    else if (plot == "alpha") panel = std::make_unique<WorkerSeriesPanel>(specs::exchangeFor(data.algorithm()));
    else if (plot == "wait") panel = std::make_unique<WorkerSeriesPanel>(specs::waitPerIteration());
    else if (plot == "distance") panel = std::make_unique<DistancePanel>();
    else panel = std::make_unique<EvalPanel>();
    panel->setRunData(&data);
    return panel;
}

CompareMetric metricOf(const std::string& plot) {
    if (plot == "loss") return CompareMetric::Loss;
    if (plot == "alpha") return CompareMetric::Alpha;
    if (plot == "wait") return CompareMetric::WaitPerIteration;
    if (plot == "distance") return CompareMetric::ConsensusDistance;
    return CompareMetric::TestAccuracy;
}

}  // namespace

std::string exportPlotForCli(const cli::PlotExportRequest& request) {
    std::unique_ptr<QApplication> app;
    if (!QCoreApplication::instance()) {
        // A plot file needs no window: draw offscreen unless the caller chose a platform.
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
        static int argc = 1;
        static char name[] = "gossiplab-cli";
        static char* argv[] = {name, nullptr};
        app = std::make_unique<QApplication>(argc, argv);
    }
    ImageFormat format = ImageFormat::Png;
    if (request.format == "pdf") format = ImageFormat::Pdf;
    else if (request.format == "svg") format = ImageFormat::Svg;
    const XAxis axis = request.x_axis == "iterations" ? XAxis::Iterations : request.x_axis == "time" ? XAxis::WallTime : XAxis::Images;

    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(request.db, options);
    if (!history) return history.error().message;
    std::vector<std::unique_ptr<RunData>> data;
    std::vector<CompareRun> runs;
    try {
        for (size_t i = 0; i < request.run_ids.size(); ++i) {
            const int64_t id = request.run_ids[i];
            auto d = std::make_unique<RunData>();
            std::string error;
            if (!loadRunData(*history, id, *d, &error)) return error;
            const auto record = history->run(id);
            const std::string label = i < request.labels.size() && !request.labels[i].empty() ? request.labels[i]
                                      : record                                                ? record->name
                                                                                              : std::string();
            runs.push_back({d.get(), QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(label)), palette::run(int(runs.size()))});
            data.push_back(std::move(d));
        }
    } catch (const std::exception& e) {
        return e.what();
    }
    std::unique_ptr<PlotPanel> panel;
    if (data.size() == 1) {
        panel = singleRunPanel(request.plot, *data.front());
    } else {
        auto compare = std::make_unique<ComparePlot>(metricOf(request.plot));
        compare->setRuns(runs);
        panel = std::move(compare);
    }
    panel->setXAxis(axis);
    panel->resize(request.width, request.height);
    if (request.x_lower < request.x_upper || request.y_lower < request.y_upper)
        panel->setView(request.x_lower, request.x_upper, request.y_lower, request.y_upper);
    ImageOptions image;
    image.width = request.width;
    image.height = request.height;
    image.scale = request.scale;
    QString error;
    const QByteArray bytes = renderPlot(*panel, format, image, &error);
    if (bytes.isEmpty()) return error.toStdString();
    return writeFileSafely(QString::fromStdString(request.path), bytes).toStdString();
}

}  // namespace gossiplab::ui
