#include "ui/plots/plot_panel.h"

#include <chrono>
#include <cmath>

#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QFontMetrics>
#include <QMenu>
#include <QPainter>
#include <QRegularExpression>
#include <QTimer>
#include <QVBoxLayout>
#include <QWindow>

#include "ui/export/image_export_dialog.h"
#include "ui/log.h"
#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
}

QString formatValue(double v) {
    if (v == 0.0) return "0";
    const double a = std::fabs(v);
    if (a >= 0.01 && a < 1000) return QString::number(v, 'g', 3);
    return QString::number(v, 'g', 2);
}

}  // namespace

PlotPanel::PlotPanel(const QString& title, QWidget* parent) : QWidget(parent), title_text_(title), full_title_(title) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    layout->addWidget(plot_);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->setPlottingHint(QCP::phCacheLabels, true);
    plot_->setPlottingHint(QCP::phFastPolylines, true);  // segment by segment: no huge stroked paths
    plot_->setContextMenuPolicy(Qt::CustomContextMenu);
    plot_->setMinimumSize(260, 180);
    plot_->setToolTip(tr("Wheel: zoom \u00B7 drag: pan \u00B7 double-click: back to the data \u00B7 "
                         "right-click: log y, save or copy the image"));
    setMinimumSize(260, 180);

    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, title, style::titleFont());
    title_->setTextColor(palette::axisText());
    title_->setTextFlags(Qt::AlignLeft | Qt::AlignVCenter);
    title_->setMargins(QMargins(12, 6, 8, 0));
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->plotLayout()->setRowSpacing(0);

    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { takeUserView(); });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (e->buttons() & Qt::LeftButton) takeUserView();
    });
    connect(plot_, &QWidget::customContextMenuRequested, this, &PlotPanel::showContextMenu);
}

PlotPanel::~PlotPanel() = default;

void PlotPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    // HiDPI: the plot's buffer follows the window to a screen with another pixel ratio.
    QWindow* handle = window()->windowHandle();
    if (!handle || watching_screen_) return;
    watching_screen_ = true;
    connect(handle, &QWindow::screenChanged, this, [this] {
        plot_->setBufferDevicePixelRatio(devicePixelRatioF());
        requestReplot();
    });
}

void PlotPanel::setRunData(const RunData* data) {
    data_ = data;
    ++settings_generation_;
    user_view_ = false;
}

void PlotPanel::setXAxis(XAxis axis) {
    if (axis == x_axis_) return;
    x_axis_ = axis;
    ++settings_generation_;
    user_view_ = false;  // a new x axis: the old range means nothing
}

void PlotPanel::setLogY(bool on) {
    if (on == log_y_) return;
    log_y_ = on;
    for (QCPAxis* axis : logAxes()) style::setLogScale(axis, on);
    ++settings_generation_;
    Q_EMIT logYToggled(on);
}

void PlotPanel::setSmoothing(double smoothing, bool show_raw) {
    if (smoothing == smoothing_ && show_raw == show_raw_) return;
    smoothing_ = smoothing;
    show_raw_ = show_raw;
    ++settings_generation_;
}

void PlotPanel::setWorkerVisible(int worker, bool visible) {
    if (visible == isWorkerVisible(worker)) return;
    if (visible) hidden_workers_.erase(worker);
    else hidden_workers_.insert(worker);
    ++settings_generation_;
}

void PlotPanel::setPlaceholder(const QString& text) {
    placeholder_text_ = text;
    ++settings_generation_;
}

uint64_t PlotPanel::baseSignature() const {
    uint64_t h = mix(0, settings_generation_);
    h = mix(h, static_cast<uint64_t>(x_axis_));
    h = mix(h, reinterpret_cast<uintptr_t>(data_));
    if (data_) {
        h = mix(h, data_->resetCount());
        h = mix(h, data_->markersRevision());
    }
    return h;
}

bool PlotPanel::refresh(bool force, bool immediate) {
    const uint64_t sig = signature();
    if (!force && sig == drawn_signature_) return false;
    const auto t0 = std::chrono::steady_clock::now();
    refreshing_ = true;
    rebuild();
    syncMarkers();
    if (!user_view_) rescaleToData();
    refreshing_ = false;
    drawn_signature_ = sig;
    last_rebuild_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    plot_->replot(immediate ? QCustomPlot::rpRefreshHint : QCustomPlot::rpQueuedReplot);
    return true;
}

void PlotPanel::resetView() {
    if (user_view_) {
        user_view_ = false;
        ++settings_generation_;
        refresh(true);  // back to a bucket per two pixels, and to the data's ranges
        return;
    }
    rescaleToData();
    requestReplot();
}

void PlotPanel::takeUserView() {
    if (user_view_) return;
    user_view_ = true;
    ++settings_generation_;
    // After the event that zoomed: the ranges it set stay (a user view is never rescaled).
    QTimer::singleShot(0, this, [this] { refresh(); });
}

void PlotPanel::setFullDetail(bool on) {
    if (on == full_detail_) return;
    full_detail_ = on;
    ++settings_generation_;
}

size_t PlotPanel::drawnBuckets() const {
    if (user_view_ || full_detail_) return 0;
    // One bucket per two pixels: a bucket's envelope is two points (its min and max), so this is
    // still a point per pixel, and a redraw costs about half of one bucket per pixel.
    const double pixels = std::max(256, plot_->width()) * devicePixelRatioF();
    return static_cast<size_t>(pixels / 2);
}

void PlotPanel::setView(double x_lower, double x_upper, double y_lower, double y_upper) {
    refresh(true, true);  // the data first, so that an automatic direction fits it
    for (QCPAxisRect* rect : timeRects()) {
        if (x_lower < x_upper) rect->axis(QCPAxis::atBottom)->setRange(x_lower, x_upper);
        if (y_lower < y_upper) rect->axis(QCPAxis::atLeft)->setRange(y_lower, y_upper);
    }
    if (!user_view_) {
        // A zoom: every bucket, not one per pixel of the whole run's width.
        user_view_ = true;
        ++settings_generation_;
        refreshing_ = true;
        rebuild();
        refreshing_ = false;
        drawn_signature_ = signature();
    }
    plot_->replot(QCustomPlot::rpRefreshHint);
}

void PlotPanel::rescaleToData() {
    for (QCPAxisRect* rect : timeRects()) {
        for (QCPAxis* axis : rect->axes()) {
            if (!axis->visible() && axis->axisType() != QCPAxis::atBottom) continue;
            if (axis->graphs().isEmpty() && axis->plottables().isEmpty()) continue;
            axis->rescale(true);
            const QCPRange r = axis->range();
            if (axis->scaleType() == QCPAxis::stLogarithmic) {
                if (r.lower > 0 && r.upper > 0) axis->setRange(r.lower / 1.15, r.upper * 1.15);
            } else if (axis->orientation() == Qt::Vertical) {
                const double pad = r.size() > 0 ? r.size() * 0.05 : std::max(std::fabs(r.upper) * 0.05, 1e-9);
                axis->setRange(r.lower - pad, r.upper + pad);
            } else {
                // Time axes start where the run starts, so the panels line up.
                const double upper = r.upper > 0 ? r.upper * 1.02 : 1.0;
                axis->setRange(std::min(0.0, r.lower), upper);
            }
        }
    }
    adjustRanges();
}

QString PlotPanel::title() const { return full_title_; }

void PlotPanel::setTitleText(const QString& text) {
    full_title_ = text;
    applyTitle();
}

void PlotPanel::applyTitle() {
    // The details after the first "   ·   " go to a second line when the whole does not fit: a
    // narrow panel (three in a row) keeps every figure readable instead of cutting it off.
    static const QString separator = QStringLiteral("   \u00B7   ");
    QString shown = full_title_;
    const QMargins margins = title_->margins();
    const int available = width() - margins.left() - margins.right();  // the plot fills the panel
    const int split = shown.indexOf(separator);
    if (split > 0 && available > 0 && QFontMetrics(title_->font()).horizontalAdvance(shown) > available)
        shown = shown.left(split) + QLatin1Char('\n') + shown.mid(split + separator.size());
    if (title_->text() != shown) {
        title_->setText(shown);
        requestReplot();
    }
}

void PlotPanel::requestReplot() {
    if (!refreshing_) plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    applyTitle();
}

QString PlotPanel::xAxisLabel() const {
    switch (x_axis_) {
        case XAxis::Images: return tr("images per worker");
        case XAxis::Iterations: return tr("iterations per worker");
        case XAxis::WallTime: return tr("wall time (s)");
    }
    return {};
}

void PlotPanel::styleAxisRect(QCPAxisRect* rect) { style::styleAxisRect(rect); }

void PlotPanel::setGraphData(QCPGraph* graph, const std::vector<double>& xs, const std::vector<double>& ys,
                             bool positive_only) {
    QVector<QCPGraphData> points(static_cast<qsizetype>(xs.size()));
    for (size_t i = 0; i < xs.size(); ++i) {
        double y = ys[i];
        if (positive_only && !(y > 0.0)) y = std::numeric_limits<double>::quiet_NaN();
        points[static_cast<qsizetype>(i)] = QCPGraphData(xs[i], y);
    }
    graph->data()->set(points, true);
}

void PlotPanel::syncMarkers() {
    uint64_t sig = mix(reinterpret_cast<uintptr_t>(data_), static_cast<uint64_t>(x_axis_));
    if (data_) sig = mix(mix(sig, data_->markersRevision()), data_->resetCount());
    if (sig == markers_signature_) return;
    markers_signature_ = sig;
    for (QCPAbstractItem* item : marker_items_) plot_->removeItem(item);
    marker_items_.clear();
    if (!data_) return;
    const int a = static_cast<int>(x_axis_);
    for (QCPAxisRect* rect : timeRects()) {
        int row = 0;
        for (const SettingMarker& m : data_->markers()) {
            const double x = a == 0 ? double(m.at.images) : a == 1 ? double(m.at.iteration) : m.at.wall_s;
            auto* line = new QCPItemStraightLine(plot_);
            line->setClipAxisRect(rect);
            line->point1->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            line->point2->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            line->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->point1->setAxisRect(rect);
            line->point2->setAxisRect(rect);
            line->point1->setCoords(x, 0.0);
            line->point2->setCoords(x, 1.0);
            line->setPen(QPen(palette::marker(), 1.0, Qt::DashLine));
            line->setSelectable(false);
            marker_items_.push_back(line);

            auto* label = new QCPItemText(plot_);
            label->setClipAxisRect(rect);
            label->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            label->position->setAxisRect(rect);
            label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            label->position->setCoords(x, 0.02 + 0.075 * (row++ % 3));
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
            label->setPadding(QMargins(3, 0, 3, 0));
            label->setFont(style::markerFont());
            label->setColor(palette::marker());
            label->setBrush(QBrush(QColor(255, 255, 255, 220)));
            const QString name = m.field == "learning-rate" ? QStringLiteral("lr") : QString::fromStdString(m.field);
            label->setText(QStringLiteral("%1 %2 \u2192 %3").arg(name, formatValue(m.old_value), formatValue(m.new_value)));
            label->setSelectable(false);
            marker_items_.push_back(label);
        }
    }
}

void PlotPanel::updatePlaceholder(bool empty) {
    const bool show = empty && !placeholder_text_.isEmpty();
    if (!show) {
        if (placeholder_) placeholder_->setVisible(false);
        return;
    }
    if (!placeholder_) {
        placeholder_ = new QCPItemText(plot_);
        placeholder_->setClipToAxisRect(false);
        placeholder_->position->setType(QCPItemPosition::ptViewportRatio);
        placeholder_->position->setCoords(0.5, 0.5);
        placeholder_->setPositionAlignment(Qt::AlignCenter);
        placeholder_->setColor(QColor(0x8A8A8A));
        placeholder_->setFont(style::placeholderFont());
        placeholder_->setSelectable(false);
    }
    placeholder_->setText(placeholder_text_);
    placeholder_->setVisible(true);
}

int64_t PlotPanel::plottedPointCount() const {
    int64_t total = 0;
    for (int i = 0; i < plot_->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot_->plottable(i);
        if (!p->visible()) continue;
        if (auto* g = qobject_cast<QCPGraph*>(p)) {
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                if (!std::isnan(it->value)) ++total;
        } else if (auto* map = qobject_cast<QCPColorMap*>(p)) {
            if (map->data()->keySize() > 1 || map->data()->valueSize() > 1) total += map->data()->keySize() * map->data()->valueSize();
        }
    }
    return total;
}

double PlotPanel::replotNow() {
    const auto t0 = std::chrono::steady_clock::now();
    plot_->replot(QCustomPlot::rpImmediateRefresh);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

QImage PlotPanel::toImage(int width, int height) {
    return plot_->toPixmap(width, height).toImage();
}

bool PlotPanel::saveImage(const QString& path, int width, int height) {
    ImageOptions options;
    options.width = width > 0 ? width : plot_->width();
    options.height = height > 0 ? height : plot_->height();
    const QString error = exportPlot(*this, path, options, alwaysOverwrite());
    if (!error.isEmpty()) qCWarning(lcUiPlot) << error;
    return error.isEmpty();
}

void PlotPanel::showContextMenu(const QPoint& pos) {
    QMenu menu(this);
    if (!logAxes().empty()) {
        QAction* log = menu.addAction(tr("Logarithmic y axis"));
        log->setCheckable(true);
        log->setChecked(log_y_);
        connect(log, &QAction::toggled, this, [this](bool on) {
            setLogY(on);
            refresh(true);
        });
    }
    menu.addAction(tr("Reset view"), this, &PlotPanel::resetView);
    addMenuActions(menu);
    menu.addSeparator();
    menu.addAction(tr("Save image..."), this, &PlotPanel::saveImageDialog);
    menu.addAction(tr("Copy image"), this, [this] { QApplication::clipboard()->setPixmap(plot_->toPixmap()); });
    menu.exec(plot_->mapToGlobal(pos));
}

void PlotPanel::saveImageDialog() {
    QString name = title_text_.section(QChar(0x00B7), 0, 0).section(':', 0, 0).section('(', 0, 0).trimmed().toLower();
    name.replace(QRegularExpression("[^a-z0-9]+"), "-");
    if (name.endsWith('-')) name.chop(1);
    // Size, scale, overwrite question and failure message: the export module's dialog.
    exportPlotInteractively(*this, name.isEmpty() ? QStringLiteral("plot") : name, this);
}

}  // namespace gossiplab::ui
