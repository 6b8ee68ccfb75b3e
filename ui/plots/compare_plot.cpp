#include "ui/plots/compare_plot.h"

#include <algorithm>

#include "ui/model/worker_band.h"
#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2)); }

int countWithData(const std::vector<QCPGraph*>& graphs) {
    int n = 0;
    for (QCPGraph* g : graphs)
        if (g->visible() && !g->data()->isEmpty()) ++n;
    return n;
}

}  // namespace

QString ComparePlot::metricTitle(CompareMetric metric) {
    switch (metric) {
        case CompareMetric::Loss: return tr("Training loss: mean over the workers, band = min/max over the workers");
        case CompareMetric::TestAccuracy: return tr("Test accuracy of the test model");
        case CompareMetric::ConsensusDistance: return tr("Consensus distance (mean distance of the workers to their average)");
        case CompareMetric::Alpha: return tr("Alpha per worker: mean, band = min/max over the workers");
        case CompareMetric::WaitPerIteration:
            return tr("Waiting for the other workers per iteration: mean, band = min/max over the workers");
    }
    return {};
}

bool ComparePlot::hasBand(CompareMetric metric) {
    return metric == CompareMetric::Loss || metric == CompareMetric::Alpha || metric == CompareMetric::WaitPerIteration;
}

namespace {

WorkerSeries workerSeriesOf(CompareMetric metric) {
    switch (metric) {
        case CompareMetric::Alpha: return WorkerSeries::Alpha;
        case CompareMetric::WaitPerIteration: return WorkerSeries::WaitPerIteration;
        default: return WorkerSeries::Loss;
    }
}

// Shown values = stored values x this (the waits are recorded in seconds and drawn in ms).
double yScaleOf(CompareMetric metric) { return metric == CompareMetric::WaitPerIteration ? 1000.0 : 1.0; }

void scale(std::vector<double>& values, double factor) {
    if (factor == 1.0) return;
    for (double& v : values) v *= factor;
}

}  // namespace

ComparePlot::ComparePlot(CompareMetric metric, QWidget* parent) : PlotPanel(metricTitle(metric), parent), metric_(metric) {
    styleAxisRect(plot_->axisRect());
    switch (metric_) {
        case CompareMetric::Loss: plot_->yAxis->setLabel(tr("cross-entropy loss")); break;
        case CompareMetric::TestAccuracy: plot_->yAxis->setLabel(tr("test accuracy (%)")); break;
        case CompareMetric::ConsensusDistance: plot_->yAxis->setLabel(tr("consensus distance")); break;
        case CompareMetric::Alpha: plot_->yAxis->setLabel(tr("\u03B1 (sum weight)")); break;
        case CompareMetric::WaitPerIteration: plot_->yAxis->setLabel(tr("ms waiting / iteration")); break;
    }
    // The colour key above the plots names the runs: no legend over the data on screen. Exports
    // (a file on its own) draw it: plot_export shows a legend marked "legendInExports".
    plot_->legend->setVisible(false);
    plot_->setProperty("legendInExports", true);
    plot_->legend->setFont(style::legendFont());
    plot_->legend->setBrush(QBrush(QColor(255, 255, 255, 230)));
    plot_->legend->setBorderPen(QPen(palette::gridLine()));
    plot_->axisRect()->insetLayout()->setInsetAlignment(
        0, metric_ == CompareMetric::TestAccuracy ? (Qt::AlignRight | Qt::AlignBottom) : (Qt::AlignRight | Qt::AlignTop));
    const bool log_y = metric_ == CompareMetric::ConsensusDistance || metric_ == CompareMetric::Alpha;
    log_y_ = !log_y;  // force setLogY to apply the scale
    setLogY(log_y);
    setPlaceholder(tr("Select two or more runs in History and press Compare (Ctrl+Shift+C)"));
}

ComparePlot::~ComparePlot() = default;

void ComparePlot::setRuns(std::vector<CompareRun> runs) {
    runs_ = std::move(runs);
    ++generation_;
    ++settings_generation_;
    setPlaceholder(runs_.empty() ? tr("Select two or more runs in History and press Compare (Ctrl+Shift+C)")
                                 : tr("None of these runs recorded this series"));
    resetView();
}

void ComparePlot::setShowWorkers(bool on) {
    if (on == show_workers_) return;
    show_workers_ = on;
    ++settings_generation_;
}

uint64_t ComparePlot::signature() const {
    uint64_t h = mix(baseSignature(), generation_);
    h = mix(h, show_workers_ ? 1 : 0);
    for (const CompareRun& r : runs_) {
        if (!r.data) continue;
        h = mix(h, r.data->resetCount());
        h = mix(h, r.data->runRevision(RunSeries::MeanLoss));
        h = mix(h, r.data->runRevision(RunSeries::TestAccuracy));
        h = mix(h, r.data->runRevision(RunSeries::ConsensusDistance));
        h = mix(h, r.data->workerRevision(WorkerSeries::Loss));
        h = mix(h, r.data->workerRevision(WorkerSeries::Alpha));
        h = mix(h, r.data->workerRevision(WorkerSeries::WaitPerIteration));
    }
    return h;
}

void ComparePlot::rebuild() {
    plot_->clearGraphs();
    means_.clear();
    bands_.clear();
    workers_.clear();
    plot_->legend->clearItems();
    plot_->xAxis->setLabel(xAxisLabel());
    QCPAxis* x = plot_->xAxis;
    QCPAxis* y = plot_->yAxis;
    const WorkerSeries worker_series = workerSeriesOf(metric_);
    const double y_scale = yScaleOf(metric_);
    const bool positive = log_y_;

    for (const CompareRun& run : runs_) {
        if (!run.data) continue;
        const RunData& d = *run.data;
        WorkerBand band;
        if (hasBand(metric_)) {
            band = workerBand(d, worker_series, x_axis_);
            scale(band.lo, y_scale);
            scale(band.hi, y_scale);
            scale(band.mean, y_scale);
        }

        // Behind: every worker (switch) or the band, faint, in the run's colour.
        if (hasBand(metric_) && show_workers_) {
            for (int w = 0; w < d.workers(); ++w) {
                const SeriesBuffer& buffer = d.worker(worker_series, w);
                if (buffer.empty()) continue;
                QCPGraph* g = plot_->addGraph(x, y);
                g->setPen(QPen(palette::faded(run.color, 0.45), 1.0));
                g->setAdaptiveSampling(true);
                buffer.means(x_axis_, xs_, ys_);
                scale(ys_, y_scale);
                setGraphData(g, xs_, ys_, positive);
                g->removeFromLegend();
                workers_.push_back(g);
            }
        } else if (!band.empty()) {
            QCPGraph* lo = plot_->addGraph(x, y);
            QCPGraph* hi = plot_->addGraph(x, y);
            const QColor edge = palette::faded(run.color, 0.55);
            lo->setPen(QPen(edge, 1.0));
            hi->setPen(QPen(edge, 1.0));
            QColor fill = run.color;
            fill.setAlpha(48);
            hi->setBrush(QBrush(fill));
            hi->setChannelFillGraph(lo);
            setGraphData(lo, band.xs, band.lo, positive);
            setGraphData(hi, band.xs, band.hi, positive);
            lo->removeFromLegend();
            hi->removeFromLegend();
            bands_.push_back(hi);
        }

        // In front: the run's mean line.
        QCPGraph* mean = plot_->addGraph(x, y);
        mean->setName(run.name);
        mean->setPen(QPen(run.color, 2.0));
        mean->setAntialiased(true);
        switch (metric_) {
            case CompareMetric::Loss: d.run(RunSeries::MeanLoss).means(x_axis_, xs_, ys_); break;
            case CompareMetric::TestAccuracy:
                d.run(RunSeries::TestAccuracy).means(x_axis_, xs_, ys_);
                for (double& v : ys_) v *= 100.0;
                mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, run.color, 5));
                break;
            case CompareMetric::ConsensusDistance: d.run(RunSeries::ConsensusDistance).means(x_axis_, xs_, ys_); break;
            case CompareMetric::Alpha:
            case CompareMetric::WaitPerIteration:
                xs_ = band.xs;
                ys_ = band.mean;
                break;
        }
        setGraphData(mean, xs_, ys_, positive);
        if (mean->data()->isEmpty()) mean->removeFromLegend();  // a run without this series is not in its key
        means_.push_back(mean);
    }
    bool any = false;
    for (QCPGraph* g : means_) any = any || !g->data()->isEmpty();
    plot_->legend->setVisible(false);
    updatePlaceholder(!any);
}

int ComparePlot::meanGraphCount() const { return countWithData(means_); }
int ComparePlot::bandCount() const { return countWithData(bands_); }
int ComparePlot::workerGraphCount() const { return countWithData(workers_); }

QStringList ComparePlot::legendNames() const {
    QStringList names;
    for (int i = 0; i < plot_->legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot_->legend->item(i))) names << item->plottable()->name();
    return names;
}

double ComparePlot::dataXUpper() const {
    double upper = 0.0;
    for (const auto* list : {&means_, &bands_, &workers_})
        for (QCPGraph* g : *list) {
            bool found = false;
            const QCPRange r = g->getKeyRange(found);
            if (found) upper = std::max(upper, r.upper);
        }
    return upper;
}

void ComparePlot::adjustRanges() {
    // A margin after the last point (its marker whole), and room for the other plots' last points.
    QCPAxis* x = plot_->xAxis;
    const double upper = std::max(shared_x_upper_, dataXUpper());
    if (upper > 0 && x->range().upper < upper * 1.03) x->setRangeUpper(upper * 1.03);
}

std::vector<QCPAxis*> ComparePlot::logAxes() const { return {plot_->yAxis}; }
std::vector<QCPAxisRect*> ComparePlot::timeRects() const { return {plot_->axisRect()}; }

}  // namespace gossiplab::ui
