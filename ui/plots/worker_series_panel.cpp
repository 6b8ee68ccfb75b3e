#include "ui/plots/worker_series_panel.h"

#include <algorithm>

#include <QFontMetrics>

#include "ui/model/smoothing.h"
#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2)); }

}  // namespace

WorkerSeriesPanel::WorkerSeriesPanel(WorkerPanelSpec spec, QWidget* parent) : PlotPanel(spec.title, parent) {
    QCPAxisRect* rect = plot_->axisRect();
    styleAxisRect(rect);
    plot_->legend->setVisible(false);
    plot_->legend->setFont(style::legendFont());
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setBrush(Qt::NoBrush);
    plot_->legend->setIconSize(18, 8);
    plot_->legend->setColumnSpacing(6);
    plot_->legend->setRowSpacing(0);
    plot_->legend->setSelectableParts(QCPLegend::spItems);
    connect(plot_, &QCustomPlot::legendClick, this,
            [this](QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent*) { onLegendClick(legend, item); });
    setSpec(std::move(spec));
}

WorkerSeriesPanel::~WorkerSeriesPanel() = default;

void WorkerSeriesPanel::setSpec(WorkerPanelSpec spec) {
    spec_ = std::move(spec);
    setTitleText(spec_.title);
    plot_->yAxis->setLabel(spec_.y_label);
    log_y_ = !spec_.log_y;  // force setLogY to apply
    setLogY(spec_.log_y);

    // The legend sits under the axis rect, in rows of up to six entries.
    QCPLayoutGrid* layout = plot_->plotLayout();
    if (spec_.legend && !legend_installed_) {
        legend_installed_ = true;
        plot_->axisRect()->insetLayout()->take(plot_->legend);
        auto* holder = new QCPLayoutGrid;
        layout->addElement(2, 0, holder);
        layout->setRowStretchFactor(2, 0.001);
        holder->setMargins(QMargins(0, 0, 0, 4));
        holder->addElement(0, 0, plot_->legend);
        plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
        plot_->legend->setWrap(9);
    }
    updateLegendWrap();
    // A panel switched to a spec without a legend (a note instead of alphas) shows none; the graphs
    // and legend entries are made again for the new spec.
    plot_->legend->setVisible(spec_.legend);
    aggregate_raw_ = nullptr;
    ++settings_generation_;
}

void WorkerSeriesPanel::ensureGraphs(int workers) {
    if (static_cast<int>(raw_.size()) == workers && aggregate_raw_ && run_line_graphs_.size() == spec_.run_lines.size()) return;
    plot_->clearGraphs();
    raw_.clear();
    smooth_.clear();
    QCPAxis* x = plot_->xAxis;
    QCPAxis* y = plot_->yAxis;
    for (int w = 0; w < workers; ++w) {
        QCPGraph* g = plot_->addGraph(x, y);
        g->setName(QStringLiteral("w%1").arg(w));
        g->setAdaptiveSampling(true);
        raw_.push_back(g);
    }
    for (int w = 0; w < workers; ++w) {
        QCPGraph* g = plot_->addGraph(x, y);
        g->setName(QStringLiteral("w%1").arg(w));
        g->setPen(QPen(palette::worker(w), 1.0, palette::workerPenStyle(w)));
        smooth_.push_back(g);
    }
    aggregate_raw_ = plot_->addGraph(x, y);
    aggregate_smooth_ = plot_->addGraph(x, y);
    aggregate_raw_->setName(spec_.aggregate_name);
    aggregate_smooth_->setName(spec_.aggregate_name);
    run_line_graphs_.clear();
    for (const RunLineSpec& line : spec_.run_lines) {
        QCPGraph* raw = plot_->addGraph(x, y);
        QCPGraph* smooth = plot_->addGraph(x, y);
        raw->setName(line.name);
        smooth->setName(line.name);
        run_line_graphs_.emplace_back(raw, smooth);
    }
    // The legend lists one entry per worker and one for the aggregate.
    plot_->legend->clearItems();
    if (!spec_.legend) return;
    for (int w = 0; w < workers; ++w) plot_->legend->addItem(new QCPPlottableLegendItem(plot_->legend, smooth_[size_t(w)]));
    if (spec_.aggregate) plot_->legend->addItem(new QCPPlottableLegendItem(plot_->legend, aggregate_smooth_));
    for (const auto& [raw, smooth] : run_line_graphs_) plot_->legend->addItem(new QCPPlottableLegendItem(plot_->legend, smooth));
    updateLegendWrap();
}

void WorkerSeriesPanel::updateLegendWrap() {
    if (!spec_.legend) return;
    // The widest entry: its icon, the gap to its text, its text, the column spacing, its margins.
    const QFontMetrics metrics(plot_->legend->font());
    int text = metrics.horizontalAdvance(QStringLiteral("w00"));
    for (int i = 0; i < plot_->legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot_->legend->item(i)))
            text = std::max(text, metrics.horizontalAdvance(item->plottable()->name()));
    const int entry = plot_->legend->iconSize().width() + plot_->legend->iconTextPadding() + text +
                      plot_->legend->columnSpacing() + 4;
    const int available = width() - 24;
    const int wrap = std::clamp(available / std::max(1, entry), 2, 9);
    if (plot_->legend->wrap() != wrap) {
        plot_->legend->setWrap(wrap);
        requestReplot();
    }
}

void WorkerSeriesPanel::resizeEvent(QResizeEvent* event) {
    PlotPanel::resizeEvent(event);
    updateLegendWrap();
}

uint64_t WorkerSeriesPanel::signature() const {
    uint64_t h = baseSignature();
    h = mix(h, static_cast<uint64_t>(spec_.series));
    h = mix(h, spec_.aggregate ? static_cast<uint64_t>(*spec_.aggregate) + 1 : 0);
    if (data_) {
        h = mix(h, data_->workerRevision(spec_.series));
        if (spec_.aggregate) h = mix(h, data_->runRevision(*spec_.aggregate));
        if (spec_.subtitle) h = mix(h, data_->runRevision(RunSeries::AlphaSum));
        for (const RunLineSpec& line : spec_.run_lines) h = mix(h, data_->runRevision(line.series));
    }
    return h;
}

void WorkerSeriesPanel::rebuild() {
    const int workers = data_ ? data_->workers() : 0;
    ensureGraphs(workers);
    plot_->xAxis->setLabel(xAxisLabel());

    QString title = spec_.title;
    if (data_ && spec_.subtitle) {
        const QString extra = spec_.subtitle(*data_);
        if (!extra.isEmpty()) title += QStringLiteral("   \u00B7   ") + extra;
    }
    setTitleText(title);

    const QString na = data_ && spec_.not_applicable ? spec_.not_applicable(*data_) : QString();
    if (!na.isEmpty()) {
        if (!note_) {
            note_ = new QCPItemText(plot_);
            note_->setClipToAxisRect(false);
            note_->position->setType(QCPItemPosition::ptViewportRatio);
            note_->position->setCoords(0.5, 0.5);
            note_->setPositionAlignment(Qt::AlignCenter);
            note_->setColor(QColor(0x8A8A8A));
            note_->setFont(style::placeholderFont());
            note_->setSelectable(false);
        }
        note_->setText(na);
    }
    if (note_) note_->setVisible(!na.isEmpty());
    // Nothing to plot for this run: no empty axes either, only the note.
    for (QCPAxis* a : {plot_->xAxis, plot_->yAxis}) {
        a->setVisible(na.isEmpty());
        a->grid()->setVisible(na.isEmpty());
    }

    const bool smoothing = spec_.smoothable && smoothing_ > 0.0;
    const XAxis axis = x_axis_;
    const size_t buckets = drawnBuckets();
    const double scale = spec_.y_scale;
    auto scaled = [scale](std::vector<double>& values) -> std::vector<double>& {
        if (scale != 1.0)
            for (double& v : values) v *= scale;
        return values;
    };
    // Worker lines are 1 px (QPainter's fast cosmetic path) and draw the min/max envelope of a
    // decimated series; a bold line draws its buckets' means (a wide pen over a zigzag of
    // thousands of points is what makes a plot slow).
    auto draw = [&](const SeriesBuffer& buffer, QCPGraph* raw, QCPGraph* smooth, const QColor& color,
                    Qt::PenStyle style, double width, bool visible) {
        raw->setVisible(visible && (!smoothing || show_raw_));
        smooth->setVisible(visible && smoothing);
        if (!visible) return;
        const bool bold = width > 1.0;
        // A decimated envelope is a dense zigzag: antialiasing it costs much and shows nothing.
        raw->setAntialiased(bold || (!buffer.isDecimated() && (buckets == 0 || buffer.bucketCount() <= buckets)));
        if (smoothing) {
            raw->setPen(QPen(palette::faded(color, 0.7), 1.0, style));
            if (bold) buffer.means(axis, xs_, ys_, nullptr, buckets);
            else buffer.envelope(axis, xs_, ys_, buckets);
            setGraphData(raw, xs_, scaled(ys_), log_y_);
            buffer.means(axis, xs_, ys_, &ws_, buckets);
            // The typical x distance between two raw points: the series' span over its points.
            const auto& b = buffer.buckets();
            const double span = b.empty() ? 0.0 : b.back().x_last[int(axis)] - b.front().x_first[int(axis)];
            const double step = buffer.pointsAppended() > 1 ? span / double(buffer.pointsAppended() - 1) : 0.0;
            smoothDebiased(ys_, smoothing_, smoothed_, &ws_, &xs_, step);
            smooth->setPen(QPen(color, width, style));
            setGraphData(smooth, xs_, scaled(smoothed_), log_y_);
        } else {
            raw->setPen(QPen(color, width, style));
            if (bold) buffer.means(axis, xs_, ys_, nullptr, buckets);
            else buffer.envelope(axis, xs_, ys_, buckets);
            setGraphData(raw, xs_, scaled(ys_), log_y_);
            smooth->data()->clear();
        }
    };
    for (int w = 0; w < workers; ++w) {
        const bool visible = isWorkerVisible(w);
        draw(data_->worker(spec_.series, w), raw_[size_t(w)], smooth_[size_t(w)], palette::worker(w),
             palette::workerPenStyle(w), 1.0, visible);
        // The legend shows every worker; a hidden one greyed out.
        if (auto* item = plot_->legend->itemWithPlottable(smooth_[size_t(w)]))
            item->setTextColor(visible ? palette::axisText() : QColor(0xB5B5B5));
        smooth_[size_t(w)]->setPen(QPen(palette::worker(w), 1.0, palette::workerPenStyle(w)));
    }
    if (spec_.aggregate && data_) {
        const bool visible = isWorkerVisible(-1);
        const double width = spec_.aggregate_dashed ? 1.0 : 2.0;
        const Qt::PenStyle style = spec_.aggregate_dashed ? Qt::DashLine : Qt::SolidLine;
        draw(data_->run(*spec_.aggregate), aggregate_raw_, aggregate_smooth_, palette::mean(), style, width, visible);
        if (auto* item = plot_->legend->itemWithPlottable(aggregate_smooth_))
            item->setTextColor(visible ? palette::axisText() : QColor(0xB5B5B5));
        aggregate_smooth_->setPen(QPen(palette::mean(), width, style));
    } else if (aggregate_raw_) {
        aggregate_raw_->setVisible(false);
        aggregate_smooth_->setVisible(false);
    }
    for (size_t k = 0; k < run_line_graphs_.size() && data_; ++k) {
        const RunLineSpec& line = spec_.run_lines[k];
        auto [raw, smooth] = run_line_graphs_[k];
        draw(data_->run(line.series), raw, smooth, line.color, line.style, 1.5, true);
        smooth->setPen(QPen(line.color, 1.5, line.style));
    }
    // The legend shows the line style even where the smoothed graph is not the one drawn.
    bool any = false;
    for (int i = 0; i < plot_->graphCount() && !any; ++i) any = plot_->graph(i)->visible() && !plot_->graph(i)->data()->isEmpty();
    updatePlaceholder(!any && na.isEmpty());
}

void WorkerSeriesPanel::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item) {
    auto* plottable_item = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!plottable_item) return;
    QCPAbstractPlottable* p = plottable_item->plottable();
    int worker = -2;
    for (size_t w = 0; w < smooth_.size(); ++w)
        if (smooth_[w] == p) worker = static_cast<int>(w);
    if (p == aggregate_smooth_) worker = -1;
    if (worker == -2) return;
    const bool visible = !isWorkerVisible(worker);
    setWorkerVisible(worker, visible);
    refresh(true);
    Q_EMIT workerVisibilityToggled(worker, visible);
}

QString WorkerSeriesPanel::noteText() const { return note_ && note_->visible() ? note_->text() : QString(); }

std::vector<QCPAxis*> WorkerSeriesPanel::logAxes() const { return {plot_->yAxis}; }

std::vector<QCPAxisRect*> WorkerSeriesPanel::timeRects() const { return {plot_->axisRect()}; }

void WorkerSeriesPanel::adjustRanges() {
    if (log_y_ || (!spec_.y_from_zero && spec_.y_min_span <= 0.0)) return;
    bool any = false;
    QCPRange values;
    for (int i = 0; i < plot_->graphCount(); ++i) {
        QCPGraph* g = plot_->graph(i);
        if (!g->visible() || g->data()->isEmpty()) continue;
        bool found = false;
        const QCPRange r = g->getValueRange(found);
        if (!found) continue;
        values = any ? QCPRange(std::min(values.lower, r.lower), std::max(values.upper, r.upper)) : r;
        any = true;
    }
    if (!any) return;
    const bool from_zero = spec_.y_from_zero && values.lower >= 0.0;
    double lower = from_zero ? 0.0 : values.lower;
    double upper = values.upper;
    if (upper - lower < spec_.y_min_span) {
        if (from_zero) {
            upper = lower + spec_.y_min_span;
        } else {
            const double center = 0.5 * (lower + upper);
            lower = center - 0.5 * spec_.y_min_span;
            upper = center + 0.5 * spec_.y_min_span;
        }
    }
    // A little room under 0 too: a line of zeros (a run that never waits) is drawn above the
    // axis, not hidden in it.
    const double pad = 0.05 * (upper - lower);
    plot_->yAxis->setRange(lower - (from_zero ? 0.5 * pad : pad), upper + pad);
}

}  // namespace gossiplab::ui
