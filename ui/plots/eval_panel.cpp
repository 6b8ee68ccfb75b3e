#include "ui/plots/eval_panel.h"

#include <cmath>

#include "ui/plots/palette.h"
#include "ui/plots/plot_style.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return h ^ (v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2)); }

const char* testModelName(TestModel m) {
    switch (m) {
        case TestModel::Uniform: return "the workers' average";
        case TestModel::AlphaWeighted: return "the alpha-weighted average";
        case TestModel::Center: return "the EASGD center";
    }
    return "";
}

}  // namespace

EvalPanel::EvalPanel(QWidget* parent) : PlotPanel(tr("Test model"), parent) {
    QCPAxisRect* rect = plot_->axisRect();
    plot_->yAxis2->setVisible(true);
    styleAxisRect(rect);
    plot_->yAxis->setLabel(tr("test accuracy (%)"));
    plot_->yAxis2->setLabel(tr("test loss (cross-entropy)"));
    plot_->yAxis2->setTickLabels(true);

    accuracy_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    accuracy_->setName(tr("accuracy"));
    accuracy_->setPen(QPen(palette::mean(), 1.8));
    accuracy_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, palette::mean(), palette::mean(), 5));
    loss_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    loss_->setName(tr("loss"));
    const QColor loss_color(0xC0392B);
    loss_->setPen(QPen(loss_color, 1.4, Qt::DashLine));
    loss_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, loss_color, Qt::white, 5));

    plot_->legend->setVisible(true);
    plot_->legend->setFont(style::legendFont());
    plot_->legend->setBorderPen(QPen(QColor(0xD0D0D0)));
    plot_->legend->setBrush(QBrush(QColor(255, 255, 255, 230)));
    plot_->legend->setIconSize(18, 8);
    plot_->legend->setRowSpacing(0);
    rect->insetLayout()->setInsetAlignment(0, Qt::AlignRight | Qt::AlignVCenter);
    rect->setRangeZoomAxes({plot_->xAxis, plot_->yAxis, plot_->yAxis2});
    rect->setRangeDragAxes({plot_->xAxis, plot_->yAxis, plot_->yAxis2});
}

EvalPanel::~EvalPanel() = default;

uint64_t EvalPanel::signature() const {
    uint64_t h = baseSignature();
    if (data_) {
        h = mix(h, data_->runRevision(RunSeries::TestAccuracy));
        h = mix(h, data_->runRevision(RunSeries::TestLoss));
    }
    return h;
}

void EvalPanel::rebuild() {
    plot_->xAxis->setLabel(xAxisLabel());
    if (!data_) {
        accuracy_->data()->clear();
        loss_->data()->clear();
        plot_->legend->setVisible(false);
        updatePlaceholder(true);
        return;
    }
    data_->run(RunSeries::TestAccuracy).means(x_axis_, xs_, ys_);
    for (double& y : ys_) y *= 100.0;
    setGraphData(accuracy_, xs_, ys_, false);
    data_->run(RunSeries::TestLoss).means(x_axis_, xs_, ys_);
    setGraphData(loss_, xs_, ys_, log_y_);

    QString title = tr("Test model");
    if (data_->hasInfo()) title += tr(" (%1)").arg(QString::fromLatin1(testModelName(data_->info().config.test_model)));
    const auto& acc = data_->run(RunSeries::TestAccuracy);
    if (!acc.empty() && std::isfinite(acc.lastValue()))
        title += tr("   \u00B7   accuracy %1%").arg(acc.lastValue() * 100.0, 0, 'f', 2);
    setTitleText(title);
    const bool empty = accuracy_->data()->isEmpty() && loss_->data()->isEmpty();
    plot_->legend->setVisible(!empty);
    updatePlaceholder(empty);
}

void EvalPanel::adjustRanges() {
    // Accuracy reads best on a fixed scale until the curve has a shape of its own.
    const QCPRange acc = plot_->yAxis->range();
    if (accuracy_->data()->size() < 2) plot_->yAxis->setRange(0, 100);
    else {
        // At least one percentage point: a flat curve (100 % on an easy set) gets readable ticks
        // instead of "100 100 100".
        double lower = std::max(0.0, acc.lower), upper = std::min(100.0, acc.upper);
        if (upper - lower < 1.0) {
            upper = std::min(100.0, std::max(upper, lower + 1.0));
            lower = std::max(0.0, upper - 1.0);
        }
        plot_->yAxis->setRange(lower, upper);
    }
    if (loss_->data()->size() == 1 && plot_->yAxis2->scaleType() == QCPAxis::stLinear) {
        const double v = loss_->data()->constBegin()->value;
        if (std::isfinite(v)) plot_->yAxis2->setRange(0, std::max(v * 1.5, 1e-6));
    }
}

std::vector<QCPAxis*> EvalPanel::logAxes() const { return {plot_->yAxis2}; }

std::vector<QCPAxisRect*> EvalPanel::timeRects() const { return {plot_->axisRect()}; }

}  // namespace gossiplab::ui
