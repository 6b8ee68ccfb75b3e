#include "ui/plots/distance_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2)); }

QCPColorGradient viridis() {
    QCPColorGradient g;
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(QColor(0xEDEFF2));
    g.clearColorStops();
    g.setColorStopAt(0.00, QColor(0x440154));
    g.setColorStopAt(0.25, QColor(0x3B528B));
    g.setColorStopAt(0.50, QColor(0x21918C));
    g.setColorStopAt(0.75, QColor(0x5EC962));
    g.setColorStopAt(1.00, QColor(0xFDE725));
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    return g;
}

QString shortCount(double v) {
    if (v >= 1e6) return QString::number(v / 1e6, 'f', 2) + "M";
    if (v >= 1e4) return QString::number(v / 1e3, 'f', 1) + "k";
    return QString::number(v, 'f', 0);
}

}  // namespace

DistancePanel::DistancePanel(QWidget* parent) : PlotPanel(tr("Pairwise distances"), parent) {
    QCPLayoutGrid* layout = plot_->plotLayout();
    heat_rect_ = plot_->axisRect(0);
    layout->take(heat_rect_);
    layout->simplify();
    auto* row = new QCPLayoutGrid;
    layout->addElement(1, 0, row);
    row->setColumnSpacing(4);

    scale_ = new QCPColorScale(plot_);
    line_rect_ = new QCPAxisRect(plot_);
    row->addElement(0, 0, heat_rect_);
    row->addElement(0, 1, scale_);
    row->addElement(0, 2, line_rect_);
    row->setColumnStretchFactors({1.0, 0.001, 1.25});

    auto* group = new QCPMarginGroup(plot_);
    heat_rect_->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    scale_->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    line_rect_->setMarginGroup(QCP::msTop | QCP::msBottom, group);

    styleAxisRect(heat_rect_);
    styleAxisRect(line_rect_);
    heat_rect_->setRangeDrag(Qt::Orientations());
    heat_rect_->setRangeZoom(Qt::Orientations());
    QCPAxis* hx = heat_rect_->axis(QCPAxis::atBottom);
    QCPAxis* hy = heat_rect_->axis(QCPAxis::atLeft);
    hx->setLabel(tr("worker j"));
    hy->setLabel(tr("worker i"));
    hy->setRangeReversed(true);
    for (QCPAxis* a : {hx, hy}) {
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        a->setTicker(ticker);
        a->grid()->setVisible(false);
    }
    map_ = new QCPColorMap(hx, hy);
    map_->setInterpolate(false);
    map_->setTightBoundary(true);
    map_->setColorScale(scale_);
    map_->setGradient(viridis());
    map_->data()->setSize(1, 1);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(10);
    scale_->setRangeDrag(false);
    scale_->setRangeZoom(false);
    style::styleAxis(scale_->axis());
    scale_->axis()->setLabel(QStringLiteral("\u2016x\u1D62 \u2212 x\u2C7C\u2016\u2082"));
    scale_->setVisible(false);  // until the first matrix

    QCPAxis* lx = line_rect_->axis(QCPAxis::atBottom);
    QCPAxis* ly = line_rect_->axis(QCPAxis::atLeft);
    lx->ticker()->setTickCount(3);  // half a panel wide: fewer, readable labels
    ly->setLabel(tr("consensus distance"));
    consensus_ = plot_->addGraph(lx, ly);
    consensus_->setName(tr("consensus distance"));
    consensus_->setPen(QPen(palette::mean(), 1.6));
    consensus_->setAdaptiveSampling(true);
    line_rect_->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    line_rect_->setRangeZoom(Qt::Horizontal | Qt::Vertical);

    log_y_ = false;
    setLogY(true);  // distances shrink by orders of magnitude as the workers agree
}

DistancePanel::~DistancePanel() = default;

uint64_t DistancePanel::signature() const {
    uint64_t h = baseSignature();
    if (data_) {
        h = mix(h, data_->distancesRevision());
        h = mix(h, data_->runRevision(RunSeries::ConsensusDistance));
    }
    return h;
}

void DistancePanel::rebuild() {
    line_rect_->axis(QCPAxis::atBottom)->setLabel(xAxisLabel());
    const bool has = data_ && data_->hasDistances();
    const int m = has ? data_->distances().workers : 0;
    if (has && m > 0 && data_->distances().distances.size() == size_t(m) * size_t(m)) {
        const DistanceGrid& grid = data_->distances();
        if (m != matrix_size_) {
            map_->data()->setSize(m, m);
            map_->data()->setRange(QCPRange(0, m - 1), QCPRange(0, m - 1));
            matrix_size_ = m;
        }
        // The diagonal (a worker to itself, always 0) is drawn neutral, and the colours span the
        // off-diagonal distances only: their spread is what tells which workers agree.
        double low = std::numeric_limits<double>::infinity(), top = 0.0;
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j) {
                double v = grid.distances[size_t(i) * size_t(m) + size_t(j)];
                if (i == j) v = std::numeric_limits<double>::quiet_NaN();
                map_->data()->setCell(j, i, v);
                if (std::isfinite(v)) {
                    low = std::min(low, v);
                    top = std::max(top, v);
                }
            }
        if (!std::isfinite(low)) low = 0.0;
        if (top <= low) top = low > 0 ? low * 1.001 : 1.0;
        map_->setDataRange(QCPRange(low, top));
        map_->setVisible(true);
        scale_->setVisible(true);
        heat_rect_->axis(QCPAxis::atBottom)->setRange(-0.5, m - 0.5);
        heat_rect_->axis(QCPAxis::atLeft)->setRange(-0.5, m - 0.5);
        const double x = x_axis_ == XAxis::Images ? double(grid.at.images)
                         : x_axis_ == XAxis::Iterations ? double(grid.at.iteration) : grid.at.wall_s;
        const QString where = x_axis_ == XAxis::WallTime ? tr("%1 s").arg(x, 0, 'f', 1)
                              : x_axis_ == XAxis::Iterations ? tr("iteration %1").arg(shortCount(x))
                                                              : tr("%1 images/worker").arg(shortCount(x));
        setTitleText(tr("Pairwise distances at %1   \u00B7   consensus %2")
                         .arg(where, QString::number(grid.consensus_distance, 'g', 3)));
    } else {
        map_->setVisible(false);
        scale_->setVisible(false);
        matrix_size_ = 0;
        heat_rect_->axis(QCPAxis::atBottom)->setRange(-0.5, 3.5);
        heat_rect_->axis(QCPAxis::atLeft)->setRange(-0.5, 3.5);
        setTitleText(tr("Pairwise distances"));
    }
    bool all_zero = false;
    if (data_) {
        data_->run(RunSeries::ConsensusDistance).means(x_axis_, xs_, ys_, nullptr, drawnBuckets());  // a bold line: means, no zigzag
        setGraphData(consensus_, xs_, ys_, log_y_);
        all_zero = !ys_.empty() && std::all_of(ys_.begin(), ys_.end(), [](double v) { return v == 0.0; });
    } else {
        consensus_->data()->clear();
    }
    // Identical replicas (all-reduce, right after a local SGD averaging) have a consensus distance
    // of exactly 0, which a log axis cannot draw: say it instead of showing empty axes.
    if (all_zero && log_y_ && !zero_note_) {
        zero_note_ = new QCPItemText(plot_);
        zero_note_->setClipToAxisRect(false);
        zero_note_->position->setType(QCPItemPosition::ptAxisRectRatio);
        zero_note_->position->setAxisRect(line_rect_);
        zero_note_->position->setCoords(0.5, 0.5);
        zero_note_->setPositionAlignment(Qt::AlignCenter);
        zero_note_->setColor(QColor(0x8A8A8A));
        zero_note_->setFont(style::placeholderFont());
        zero_note_->setSelectable(false);
        zero_note_->setText(tr("consensus distance 0 at every snapshot:\nthe workers' models are identical"));
    }
    if (zero_note_) zero_note_->setVisible(all_zero && log_y_);
    updatePlaceholder(!has && consensus_->data()->isEmpty());
    keepHeatMapSquare();
}

void DistancePanel::keepHeatMapSquare() {
    // Square cells read best: the heat map gets as much width as its height allows, the consensus
    // line the rest. (Takes effect at the next layout, which the queued replot does.)
    const QRect inner = heat_rect_->rect();
    const QMargins m = heat_rect_->margins();
    if (inner.height() <= 0) return;
    const int width = std::min(inner.height() + m.left() + m.right(), plot_->width() * 2 / 5);
    if (heat_rect_->maximumSize().width() != width) {
        heat_rect_->setMaximumSize(width, QWIDGETSIZE_MAX);
        heat_rect_->setMinimumSize(width, 0);
    }
}

void DistancePanel::resizeEvent(QResizeEvent* event) {
    PlotPanel::resizeEvent(event);
    heat_rect_->setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX);  // let the layout find the height first
    heat_rect_->setMinimumSize(0, 0);
    requestReplot();
    QMetaObject::invokeMethod(this, [this] {
        keepHeatMapSquare();
        requestReplot();
    }, Qt::QueuedConnection);
}

std::vector<QCPAxis*> DistancePanel::logAxes() const { return {line_rect_->axis(QCPAxis::atLeft)}; }

std::vector<QCPAxisRect*> DistancePanel::timeRects() const { return {line_rect_}; }

}  // namespace gossiplab::ui
