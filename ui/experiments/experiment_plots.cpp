#include "ui/experiments/experiment_plots.h"

#include "ui/export/plot_export.h"
#include "ui/experiments/table_cells.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSvgGenerator>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/experiments/report.h"
#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

using namespace gossiplab::experiments;

namespace {

// One colour per algorithm, from the runs' palette (an algorithm is never a worker): its eight
// colours for the eight algorithms, naive the grey one.
QColor algorithmColor(Algorithm algorithm, int variant = 0) {
    int index = 7;
    switch (algorithm) {
        case Algorithm::GoSgd: index = 0; break;
        case Algorithm::Easgd: index = 1; break;
        case Algorithm::AllReduce: index = 2; break;
        case Algorithm::LocalSgd: index = 3; break;
        case Algorithm::DPsgd: index = 4; break;
        case Algorithm::AdPsgd: index = 5; break;
        case Algorithm::Sgp: index = 6; break;
        case Algorithm::Naive: index = 7; break;
    }
    const QColor base = palette::run(index);
    return variant == 0 ? base : palette::faded(base, std::min(0.6, 0.25 * variant));
}

QCustomPlot* makePlot(QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setMinimumSize(320, 220);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    style::styleAxisRect(plot->axisRect());
    plot->xAxis->setLabelFont(style::labelFont());
    plot->yAxis->setLabelFont(style::labelFont());
    plot->legend->setFont(style::legendFont());
    plot->legend->setBrush(QColor(255, 255, 255, 230));
    plot->legend->setBorderPen(QPen(palette::gridLine()));
    plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, QString(), style::titleFont()));
    return plot;
}

// Numbers sized to their contents; the label columns share what is left of the table's width
// (elided in the middle when short), so the table never needs to scroll sideways.
void fitColumns(QTableWidget* table, std::initializer_list<int> label_columns) {
    QHeaderView* header = table->horizontalHeader();
    for (int c = 0; c < table->columnCount(); ++c) {
        const bool label = std::find(label_columns.begin(), label_columns.end(), c) != label_columns.end();
        header->setSectionResizeMode(c, label ? QHeaderView::Stretch : QHeaderView::ResizeToContents);
    }
}

QCPTextElement* titleOf(QCustomPlot* plot) {
    return qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0));
}

void setPlaceholder(QCustomPlot* plot, const QString& text) {
    auto* item = new QCPItemText(plot);
    item->setClipToAxisRect(false);
    item->position->setType(QCPItemPosition::ptAxisRectRatio);
    item->position->setCoords(0.5, 0.5);
    item->setPositionAlignment(Qt::AlignCenter);
    item->setColor(QColor(0x8A8A8A));
    item->setFont(style::placeholderFont());
    item->setText(text);
}

QString axisLabel(SweepParameter parameter) {
    switch (parameter) {
        case SweepParameter::P: return QObject::tr("p (EAMSGD: 1/\u03C4, naive: 0)");
        case SweepParameter::Workers: return QObject::tr("workers M");
        case SweepParameter::LearningRate: return QObject::tr("learning rate");
    }
    return {};
}

QString parameterName(SweepParameter parameter) {
    switch (parameter) {
        case SweepParameter::P: return QObject::tr("p");
        case SweepParameter::Workers: return QObject::tr("workers M");
        case SweepParameter::LearningRate: return QObject::tr("learning rate");
    }
    return {};
}

}  // namespace

bool saveCustomPlot(QCustomPlot* plot, const QString& path, int width, int height, QString* error) {
    ImageFormat format;
    QString why;
    if (!imageFormatFromPath(path, &format)) {
        why = QObject::tr("%1: the file name must end in .png, .pdf or .svg").arg(path);
    } else {
        ImageOptions options;
        options.width = width > 0 ? width : plot->width();
        options.height = height > 0 ? height : plot->height();
        const QByteArray bytes = renderCustomPlot(plot, format, options, QFileInfo(path).completeBaseName(), &why);
        why = bytes.isEmpty() ? QObject::tr("%1: %2").arg(path, why) : writeFileSafely(path, bytes);
    }
    if (error) *error = why;
    return why.isEmpty();
}

// ---------------------------------------------------------------------------------------------
// TimeToLossWidget

TimeToLossWidget::~TimeToLossWidget() {
    // Its level field's editingFinished must not reach this half-destroyed widget when ~QWidget
    // closes a window with the field focused (see RunSettingsPanel's destructor; UBSan found it).
    for (QObject* child : findChildren<QObject*>()) child->blockSignals(true);
}

TimeToLossWidget::TimeToLossWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Training loss L:"), this));
    level_edit_ = new QLineEdit(this);
    level_edit_->setObjectName("lossLevel");
    level_edit_->setMaximumWidth(120);
    level_edit_->setToolTip(tr("Empty: the worst final training loss among the finished (and diverged) runs"));
    top->addWidget(level_edit_);
    auto* reset = new QPushButton(tr("Default"), this);
    reset->setToolTip(level_edit_->toolTip());
    top->addWidget(reset);
    caption_ = new QLabel(this);
    caption_->setWordWrap(true);
    caption_->setStyleSheet("color: #5A6270;");
    top->addWidget(caption_, 1);
    layout->addLayout(top);

    // Two-line headers and the label column taking what is left (elided in the middle): the
    // tables fit their pane without scrolling sideways (issue #20).
    rows_ = makeReadOnlyTable({tr("#"), tr("run"), tr("status"), tr("final\nloss"), tr("images/worker\nto L"),
                       tr("wall time\nto L (s)")},
                      this);
    rows_->setObjectName("timeToLossRows");
    layout->addWidget(rows_, 3);
    ratios_ = makeReadOnlyTable({tr("GoSGD run"), tr("EAMSGD run"), tr("seeds"), tr("images\nGoSGD / EAMSGD"),
                         tr("wall time\nGoSGD / EAMSGD")},
                        this);
    for (QTableWidget* table : {rows_, ratios_}) table->setTextElideMode(Qt::ElideMiddle);
    ratios_->setObjectName("timeToLossRatios");
    layout->addWidget(ratios_, 2);
    layout->addStretch(0);

    connect(level_edit_, &QLineEdit::editingFinished, this, &TimeToLossWidget::onLevelEdited);
    connect(reset, &QPushButton::clicked, this, [this] { setLevel(std::nullopt); });
    recompute();
}

QString TimeToLossWidget::formatNumber(double value, int significant) {
    return QString::fromStdString(formatValue(value, significant));
}

void TimeToLossWidget::setData(const ExperimentData& data) {
    data_ = data;
    recompute();
}

void TimeToLossWidget::setLevel(std::optional<double> level) {
    if (level && !std::isfinite(*level)) level.reset();
    user_level_ = level;
    recompute();
}

void TimeToLossWidget::onLevelEdited() {
    const QString text = level_edit_->text().trimmed();
    if (text.isEmpty()) {
        if (user_level_) setLevel(std::nullopt);
        return;
    }
    bool ok = false;
    const double value = QLocale::c().toDouble(text, &ok);
    if (!ok || !std::isfinite(value)) {
        level_edit_->setStyleSheet("background: #FDECEC;");
        level_edit_->setToolTip(tr("'%1' is not a number").arg(text));
        return;
    }
    if (!user_level_ || *user_level_ != value) setLevel(value);
}

void TimeToLossWidget::recompute() {
    table_ = timeToLossTable(data_, user_level_);
    level_edit_->setStyleSheet(QString());
    level_edit_->setToolTip(tr("Empty: the worst final training loss among the finished (and diverged) runs"));
    if (user_level_) {
        if (level_edit_->text().trimmed().isEmpty() || QLocale::c().toDouble(level_edit_->text()) != *user_level_)
            level_edit_->setText(QString::number(*user_level_, 'g', 6));
    } else {
        level_edit_->clear();
    }
    level_edit_->setPlaceholderText(std::isfinite(table_.level) ? tr("%1 (default)").arg(formatNumber(table_.level))
                                                                : tr("no finished run yet"));
    caption_->setText(
        std::isfinite(table_.level)
            ? tr("Images per worker and wall time until the runs' mean training loss first reaches L = %1%2; "
                 "interpolated linearly between the recorded samples.")
                  .arg(formatNumber(table_.level),
                       table_.level_is_default ? tr(" (the worst final loss among the finished runs)") : QString())
            : tr("No level yet: L defaults to the worst final training loss among the finished runs."));

    rows_->setRowCount(int(table_.rows.size()));
    for (int r = 0; r < int(table_.rows.size()); ++r) {
        const TimeToLossRow& row = table_.rows[size_t(r)];
        rows_->setItem(r, 0, tableCell(QString::number(row.position + 1), true));
        rows_->setItem(r, 1, tableCell(QString::fromStdString(row.label)));
        rows_->setItem(r, 2, tableCell(QString::fromStdString(toString(row.status))));
        rows_->setItem(r, 3, tableCell(formatNumber(row.final_loss), true));
        if (row.crossing.reached) {
            rows_->setItem(r, 4, tableCell(formatNumber(row.crossing.images, 5), true));
            rows_->setItem(r, 5, tableCell(formatNumber(row.crossing.wall_s, 4), true));
        } else {
            rows_->setItem(r, 4, tableCell(std::isfinite(table_.level) ? tr("not reached") : QStringLiteral("-"), true));
            rows_->setItem(r, 5, tableCell(std::isfinite(table_.level) ? tr("not reached") : QStringLiteral("-"), true));
        }
    }
    fitColumns(rows_, {1});

    ratios_->setRowCount(int(table_.ratios.size()));
    for (int r = 0; r < int(table_.ratios.size()); ++r) {
        const TimeToLossRatio& ratio = table_.ratios[size_t(r)];
        ratios_->setItem(r, 0, tableCell(QString::fromStdString(ratio.gosgd_label)));
        ratios_->setItem(r, 1, tableCell(QString::fromStdString(ratio.easgd_label)));
        ratios_->setItem(r, 2, tableCell(ratio.seed_count > 1 ? tr("mean of %1").arg(ratio.seed_count)
                                                         : QString::number(ratio.seed),
                                    true));
        ratios_->setItem(r, 3, tableCell(formatNumber(ratio.images_ratio, 3), true));
        ratios_->setItem(r, 4, tableCell(formatNumber(ratio.wall_ratio, 3), true));
    }
    fitColumns(ratios_, {0, 1});
    ratios_->setVisible(!table_.ratios.empty());
    // Each table as tall as its rows (up to a limit, then it scrolls): no empty grid under them.
    const auto fit = [](QTableWidget* table, int max_rows) {
        const int rows = std::min(table->rowCount(), max_rows);
        table->setMaximumHeight(table->horizontalHeader()->sizeHint().height() + rows * table->verticalHeader()->defaultSectionSize() +
                                2 * table->frameWidth() + (table->rowCount() > max_rows ? 0 : 2) + 16);
    };
    fit(rows_, 24);
    fit(ratios_, 12);
    Q_EMIT levelChanged(table_.level);
}

// ---------------------------------------------------------------------------------------------
// SweepPlot

SweepPlot::SweepPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Final metric:"), this));
    metric_box_ = new QComboBox(this);
    metric_box_->setObjectName("sweepMetric");
    for (Metric m : allMetrics())
        metric_box_->addItem(QString::fromStdString(describe(m)), QString::fromStdString(toString(m)));
    top->addWidget(metric_box_);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("against:"), this));
    parameter_box_ = new QComboBox(this);
    parameter_box_->setObjectName("sweepParameter");
    top->addWidget(parameter_box_);
    log_x_box_ = new QCheckBox(tr("log x"), this);
    top->addWidget(log_x_box_);
    top->addStretch(1);
    layout->addLayout(top);
    plot_ = makePlot(this);
    // The legend under the axes, never over a point (issue #20): one row of entries.
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    auto* legend_row = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(2, 0, legend_row);
    plot_->plotLayout()->setRowStretchFactor(2, 0.001);
    legend_row->setMargins(QMargins(0, 0, 0, 4));
    legend_row->addElement(0, 0, plot_->legend);
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot_->legend->setWrap(6);
    layout->addWidget(plot_, 1);

    connect(metric_box_, &QComboBox::activated, this, [this](int index) {
        if (auto m = parseMetric(metric_box_->itemData(index).toString().toStdString())) setMetric(*m);
    });
    connect(parameter_box_, &QComboBox::activated, this, [this](int index) {
        parameter_chosen_ = true;
        setParameter(parseSweepParameter(parameter_box_->itemData(index).toString().toStdString()));
    });
    connect(log_x_box_, &QCheckBox::toggled, this, [this](bool on) {
        log_x_chosen_ = true;
        setLogX(on);
    });
    rebuild();
}

void SweepPlot::setData(const ExperimentData& data) {
    data_ = data;
    if (!parameter_chosen_) parameter_ = defaultSweepParameter(data_);
    fillParameterChooser();
    rebuild();
}

void SweepPlot::fillParameterChooser() {
    const QSignalBlocker block(parameter_box_);
    parameter_box_->clear();
    for (SweepParameter p : {SweepParameter::P, SweepParameter::Workers, SweepParameter::LearningRate})
        parameter_box_->addItem(parameterName(p), QString::fromStdString(toString(p)));
    if (parameter_) parameter_box_->setCurrentIndex(parameter_box_->findData(QString::fromStdString(toString(*parameter_))));
}

void SweepPlot::setMetric(Metric metric) {
    metric_ = metric;
    const QSignalBlocker block(metric_box_);
    metric_box_->setCurrentIndex(metric_box_->findData(QString::fromStdString(toString(metric))));
    rebuild();
}

void SweepPlot::setParameter(std::optional<SweepParameter> parameter) {
    parameter_ = parameter ? parameter : defaultSweepParameter(data_);
    fillParameterChooser();
    rebuild();
}

void SweepPlot::setLogX(bool on) {
    log_x_ = on;
    const QSignalBlocker block(log_x_box_);
    log_x_box_->setChecked(on);
    rebuild();
}

int SweepPlot::graphCount() const { return plot_->graphCount(); }

QString SweepPlot::graphName(int i) const { return i >= 0 && i < plot_->graphCount() ? plot_->graph(i)->name() : QString(); }

std::vector<std::pair<double, double>> SweepPlot::graphPoints(int i) const {
    std::vector<std::pair<double, double>> out;
    if (i < 0 || i >= plot_->graphCount()) return out;
    for (const QCPGraphData& d : *plot_->graph(i)->data()) out.emplace_back(d.key, d.value);
    return out;
}

int SweepPlot::errorBarCount() const {
    int n = 0;
    for (int i = 0; i < plot_->plottableCount(); ++i) n += qobject_cast<QCPErrorBars*>(plot_->plottable(i)) ? 1 : 0;
    return n;
}

bool SweepPlot::saveImage(const QString& path, int width, int height, QString* error) {
    return saveCustomPlot(plot_, path, width, height, error);
}

void SweepPlot::rebuild() {
    plot_->clearGraphs();
    plot_->clearPlottables();
    plot_->clearItems();
    shown_ = {};
    shown_.metric = metric_;
    auto* title = titleOf(plot_);
    const QString metric_text = QString::fromStdString(describe(metric_));
    if (!parameter_) {
        title->setText(metric_text);
        plot_->legend->setVisible(false);
        setPlaceholder(plot_, tr("No swept parameter: p, M and the learning rate each take one value\n"
                                 "among the finished runs."));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    shown_ = metricVsParameter(data_, metric_, *parameter_);
    title->setText(tr("%1 against %2").arg(metric_text, parameterName(*parameter_)));
    plot_->xAxis->setLabel(axisLabel(*parameter_));
    plot_->yAxis->setLabel(metric_text);

    // A log axis by default when the positive values span a decade or more.
    double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, pos_min = x_min;
    double y_min = x_min, y_max = -x_min;
    bool has_zero = false;
    for (const MetricLine& line : shown_.lines)
        for (const MetricPoint& p : line.points) {
            if (!std::isfinite(p.x)) continue;
            if (line.ignores_parameter) continue;
            x_min = std::min(x_min, p.x);
            x_max = std::max(x_max, p.x);
            if (p.x > 0) pos_min = std::min(pos_min, p.x);
            if (p.x <= 0) has_zero = true;
        }
    if (!log_x_chosen_) {
        log_x_ = std::isfinite(pos_min) && x_max / pos_min >= 10.0;
        const QSignalBlocker block(log_x_box_);
        log_x_box_->setChecked(log_x_);
    }
    style::setLogScale(plot_->xAxis, log_x_);
    if (!std::isfinite(x_min)) x_min = 0, x_max = 1;
    // On a log axis, points at x <= 0 (p = 0) are drawn at a third of the smallest positive x.
    const double zero_x = std::isfinite(pos_min) ? pos_min / 3.0 : 1e-3;
    const auto mapX = [&](double x) { return log_x_ && x <= 0 ? zero_x : x; };

    std::map<Algorithm, int> variants;
    for (const MetricLine& line : shown_.lines) {
        const int variant = variants[line.algorithm]++;
        const QColor color = algorithmColor(line.algorithm, variant);
        QCPGraph* graph = plot_->addGraph();
        graph->setName(QString::fromStdString(line.label));
        QVector<double> xs, ys, minus, plus;
        bool spread = false;
        for (const MetricPoint& p : line.points) {
            if (!std::isfinite(p.mean)) continue;
            xs << mapX(p.x);
            ys << p.mean;
            minus << (std::isfinite(p.min) ? p.mean - p.min : 0.0);
            plus << (std::isfinite(p.max) ? p.max - p.mean : 0.0);
            spread = spread || p.count > 1;
            y_min = std::min(y_min, std::isfinite(p.min) ? p.min : p.mean);
            y_max = std::max(y_max, std::isfinite(p.max) ? p.max : p.mean);
        }
        if (line.ignores_parameter && !ys.isEmpty()) {
            // naive: one value whatever p; a dashed level across the plot.
            const double lo = log_x_ ? std::min(zero_x, pos_min) : x_min, hi = x_max;
            const double y = ys.front();
            graph->setData({mapX(lo), hi}, {y, y}, true);
            graph->setPen(QPen(color, 2.0, Qt::DashLine));
            graph->setName(graph->name() + tr(" (ignores p)"));
            if (spread) {
                auto* bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
                bars->removeFromLegend();
                bars->setDataPlottable(graph);
                bars->setData({minus.front(), 0.0}, {plus.front(), 0.0});
                bars->setPen(QPen(color, 1.0));
            }
            continue;
        }
        graph->setData(xs, ys, true);
        graph->setPen(QPen(color, 2.0));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 7));
        if (spread) {
            auto* bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
            bars->removeFromLegend();
            bars->setDataPlottable(graph);
            bars->setData(minus, plus);
            bars->setPen(QPen(color, 1.2));
            bars->setWhiskerWidth(8);
        }
    }
    if (shown_.lines.empty()) {
        setPlaceholder(plot_, tr("No finished run yet"));
        plot_->legend->setVisible(false);
    } else {
        plot_->legend->setVisible(true);
    }
    // Ranges: a margin around the points.
    if (std::isfinite(y_min)) {
        const double pad = y_max > y_min ? 0.08 * (y_max - y_min) : std::max(1e-9, 0.05 * std::abs(y_max));
        plot_->yAxis->setRange(y_min - pad, y_max + pad);
    }
    if (log_x_) {
        const double lo = has_zero ? zero_x : pos_min;
        plot_->xAxis->setRange(lo / 1.6, x_max * 1.6);
    } else {
        const double pad = x_max > x_min ? 0.05 * (x_max - x_min) : 0.5;
        plot_->xAxis->setRange(x_min - pad, x_max + pad);
    }
    if (log_x_ && has_zero) {
        auto* note = new QCPItemText(plot_);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(0.01, 0.99);
        note->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        note->setColor(palette::axisText());
        note->setFont(style::markerFont());
        note->setText(tr("p = 0 drawn at %1").arg(zero_x, 0, 'g', 2));
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

// ---------------------------------------------------------------------------------------------
// LossCurvesPlot

LossCurvesPlot::LossCurvesPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("x:"), this));
    x_box_ = new QComboBox(this);
    x_box_->addItem(tr("images per worker"));
    x_box_->addItem(tr("wall time (s)"));
    top->addWidget(x_box_);
    log_y_box_ = new QCheckBox(tr("log y"), this);
    top->addWidget(log_y_box_);
    top->addStretch(1);
    layout->addLayout(top);
    plot_ = makePlot(this);
    // The losses fall from the top left: the bottom left is where the legend hides nothing.
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignLeft);
    layout->addWidget(plot_, 1);
    connect(x_box_, &QComboBox::activated, this, [this](int index) { setWallTime(index == 1); });
    connect(log_y_box_, &QCheckBox::toggled, this, [this] { rebuild(); });
    rebuild();
}

void LossCurvesPlot::setData(const ExperimentData& data) {
    data_ = data;
    rebuild();
}

void LossCurvesPlot::setLevel(double level) {
    level_ = level;
    rebuild();
}

void LossCurvesPlot::setWallTime(bool on) {
    wall_time_ = on;
    const QSignalBlocker block(x_box_);
    x_box_->setCurrentIndex(on ? 1 : 0);
    rebuild();
}

int LossCurvesPlot::graphCount() const { return plot_->graphCount(); }

bool LossCurvesPlot::saveImage(const QString& path, int width, int height, QString* error) {
    return saveCustomPlot(plot_, path, width, height, error);
}

void LossCurvesPlot::rebuild() {
    plot_->clearGraphs();
    plot_->clearItems();
    titleOf(plot_)->setText(tr("Mean training loss of each run"));
    plot_->xAxis->setLabel(wall_time_ ? tr("wall time (s)") : tr("images per worker"));
    plot_->yAxis->setLabel(tr("training loss (mean of the workers)"));
    style::setLogScale(plot_->yAxis, log_y_box_->isChecked());
    // Colours: one per algorithm when each algorithm is one setting (the paper's comparison);
    // otherwise one per setting (a p-sweep of one algorithm must not be one colour), the seeds
    // of a setting in one colour with their own dash.
    std::vector<std::string> settings;
    std::set<Algorithm> algorithms;
    for (const RunData& run : data_.runs) {
        if (run.loss_curve.empty()) continue;
        algorithms.insert(run.config.algorithm);
        const std::string setting = labelWithoutSeed(run.label);
        if (std::find(settings.begin(), settings.end(), setting) == settings.end()) settings.push_back(setting);
    }
    const bool by_setting = settings.size() > algorithms.size();
    std::map<Algorithm, int> variants;
    std::map<std::string, int> seeds_drawn;
    for (const RunData& run : data_.runs) {
        if (run.loss_curve.empty()) continue;
        QVector<double> xs, ys;
        xs.reserve(qsizetype(run.loss_curve.size()));
        ys.reserve(qsizetype(run.loss_curve.size()));
        for (const CurvePoint& p : run.loss_curve) {
            if (!std::isfinite(p.value)) continue;
            xs << (wall_time_ ? p.wall_s : p.images);
            ys << p.value;
        }
        QCPGraph* graph = plot_->addGraph();
        graph->setName(QString::fromStdString(run.label));
        static const Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
        QPen pen(algorithmColor(run.config.algorithm, 0), 1.6);
        if (by_setting) {
            const std::string setting = labelWithoutSeed(run.label);
            const int index = int(std::find(settings.begin(), settings.end(), setting) - settings.begin());
            pen.setColor(palette::run(index));
            pen.setStyle(kStyles[seeds_drawn[setting]++ % 4]);
        } else {
            // Runs of one algorithm: solid, dashed, dotted, ... so that they stay apart.
            const int variant = variants[run.config.algorithm]++;
            pen.setStyle(kStyles[variant % 4]);
            if (variant >= 4) pen.setColor(algorithmColor(run.config.algorithm, 1 + variant / 4));
        }
        graph->setPen(pen);
        graph->setData(xs, ys, true);
    }
    if (std::isfinite(level_)) {
        auto* line = new QCPItemStraightLine(plot_);
        line->point1->setCoords(0, level_);
        line->point2->setCoords(1, level_);
        line->setPen(QPen(palette::marker(), 1.0, Qt::DashLine));
        auto* label = new QCPItemText(plot_);
        label->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        label->position->setTypeY(QCPItemPosition::ptPlotCoords);
        label->position->setCoords(0.005, level_);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setColor(palette::marker());
        label->setFont(style::markerFont());
        label->setText(tr("L = %1").arg(TimeToLossWidget::formatNumber(level_)));
    }
    plot_->legend->setVisible(plot_->graphCount() > 0);
    if (plot_->graphCount() == 0) setPlaceholder(plot_, tr("No recorded run yet"));
    plot_->rescaleAxes();
    if (std::isfinite(level_) && plot_->graphCount() > 0) {
        QCPRange y = plot_->yAxis->range();
        y.expand(level_);
        plot_->yAxis->setRange(y);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace gossiplab::ui
