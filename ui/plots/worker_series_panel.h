#pragma once
// One line per worker (one colour per worker, the same on every panel) and, optionally, a bold
// run-level line: the training loss with the paper's all-worker mean, the GoSGD alphas with
// their sum, the EASGD distances to the center. Decimated series draw their min/max envelope;
// with smoothing, a debiased EMA on top and the raw curve faint behind.

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <QColor>

#include "ui/plots/plot_panel.h"

class QCPLegend;
class QCPAbstractLegendItem;

namespace gossiplab::ui {

// A run-level line drawn beside the aggregate, in its own colour and style (e.g. the alpha held by
// the workers next to the sum of alphas).
struct RunLineSpec {
    RunSeries series = RunSeries::AlphaHeld;
    QString name;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
};

struct WorkerPanelSpec {
    QString title;
    QString y_label;
    WorkerSeries series = WorkerSeries::Loss;
    std::optional<RunSeries> aggregate;  // drawn bold (or dashed, see aggregate_dashed)
    QString aggregate_name = QStringLiteral("mean");
    bool aggregate_dashed = false;
    std::vector<RunLineSpec> run_lines;  // drawn 1.5 px, listed in the legend, not hideable
    bool smoothable = false;  // follows the smoothing control
    bool log_y = false;       // the default
    double y_scale = 1.0;     // shown values = stored values x y_scale (e.g. 1000: seconds drawn as ms)
    // Linear y only: start the axis at 0 when no value is below it, and show at least this span
    // (a flat line of zeros, e.g. a run that never waits, gets [0, y_min_span] and not +-1e9).
    bool y_from_zero = false;
    double y_min_span = 0.0;
    bool legend = false;      // a clickable legend (hides and shows workers)
    // Extra text after the title (e.g. the sum of the alphas); empty: none.
    std::function<QString(const RunData&)> subtitle;
    // Text shown instead of the plot when the run has no such series (naive workers).
    std::function<QString(const RunData&)> not_applicable;
};

class WorkerSeriesPanel final : public PlotPanel {
    Q_OBJECT
public:
    explicit WorkerSeriesPanel(WorkerPanelSpec spec, QWidget* parent = nullptr);
    ~WorkerSeriesPanel() override;

    void setSpec(WorkerPanelSpec spec);
    const WorkerPanelSpec& spec() const { return spec_; }
    // The note shown instead of the plot (spec().not_applicable) as last drawn; "" when none.
    QString noteText() const;

protected:
    uint64_t signature() const override;
    void rebuild() override;
    std::vector<QCPAxis*> logAxes() const override;
    std::vector<QCPAxisRect*> timeRects() const override;
    void adjustRanges() override;
    void resizeEvent(QResizeEvent* event) override;

private:
    // Legend entries per row: as many as fit the panel's width (9 workers and a mean do not fit
    // a third of the window).
    void updateLegendWrap();
    void ensureGraphs(int workers);
    void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item);

    WorkerPanelSpec spec_;
    std::vector<QCPGraph*> raw_;       // per worker: the series (or its faint raw curve)
    std::vector<QCPGraph*> smooth_;    // per worker: the smoothed curve
    QCPGraph* aggregate_raw_ = nullptr;
    QCPGraph* aggregate_smooth_ = nullptr;
    std::vector<std::pair<QCPGraph*, QCPGraph*>> run_line_graphs_;  // per run line: raw, smooth
    QCPItemText* note_ = nullptr;
    bool legend_installed_ = false;  // moved under the axis rect (once, by the first spec with a legend)
    std::vector<double> xs_, ys_, ws_, smoothed_;
};

}  // namespace gossiplab::ui
