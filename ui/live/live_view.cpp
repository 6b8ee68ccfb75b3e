#include "ui/live/live_view.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>

#include "ui/live/message_banner.h"
#include "ui/live/process_list_view.h"
#include "ui/live/run_controller.h"
#include "ui/live/run_status_header.h"
#include "ui/log.h"
#include "ui/model/run_data.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/panel_specs.h"
#include "ui/plots/worker_series_panel.h"

namespace gossiplab::ui {

LiveView::LiveView(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(4);

    header_ = new RunStatusHeader(this);
    outer->addWidget(header_);
    banner_ = new MessageBanner(this);
    auto* banner_holder = new QHBoxLayout;
    banner_holder->setContentsMargins(8, 0, 8, 0);
    banner_holder->addWidget(banner_);
    outer->addLayout(banner_holder);
    processes_ = new ProcessListView(this);
    outer->addWidget(processes_);

    loss_ = new WorkerSeriesPanel(specs::loss(), this);
    loss_->setObjectName("lossPanel");
    exchange_ = new WorkerSeriesPanel(specs::alpha(), this);
    exchange_->setObjectName("exchangePanel");
    wait_ = new WorkerSeriesPanel(specs::waitPerIteration(), this);
    wait_->setObjectName("waitPanel");
    distances_ = new DistancePanel(this);
    distances_->setObjectName("distancePanel");
    eval_ = new EvalPanel(this);
    eval_->setObjectName("evalPanel");
    setRunPlaceholders(nullptr);
    for (PlotPanel* p : panels()) {
        // Hiding a worker in one legend hides it everywhere: a worker is one colour on every panel.
        connect(p, &PlotPanel::workerVisibilityToggled, this, [this](int worker, bool visible) {
            for (PlotPanel* q : panels()) q->setWorkerVisible(worker, visible);
            refreshNow();
        });
        connect(p, &PlotPanel::logYToggled, this, &LiveView::viewStateChanged);
    }

    auto* plots = new QWidget(this);
    grid_ = new QGridLayout(plots);
    grid_->setContentsMargins(6, 0, 6, 0);
    grid_->setSpacing(6);
    outer->addWidget(plots, 1);

    // ---- the view controls ----
    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(10, 2, 10, 6);
    controls->setSpacing(8);
    controls->addWidget(new QLabel(tr("x axis"), this));
    x_axis_ = new QComboBox(this);
    x_axis_->setObjectName("xAxis");
    x_axis_->addItem(tr("images per worker"), int(XAxis::Images));
    x_axis_->addItem(tr("iterations"), int(XAxis::Iterations));
    x_axis_->addItem(tr("wall time"), int(XAxis::WallTime));
    controls->addWidget(x_axis_);
    controls->addSpacing(16);
    controls->addWidget(new QLabel(tr("loss smoothing"), this));
    smoothing_ = new QSlider(Qt::Horizontal, this);
    smoothing_->setObjectName("smoothing");
    smoothing_->setRange(0, 99);
    smoothing_->setFixedWidth(160);
    smoothing_->setToolTip(tr("Debiased exponential moving average of the training loss (0: none)"));
    controls->addWidget(smoothing_);
    smoothing_value_ = new QLabel(this);
    smoothing_value_->setMinimumWidth(32);
    controls->addWidget(smoothing_value_);
    show_raw_ = new QCheckBox(tr("show raw"), this);
    show_raw_->setObjectName("showRaw");
    show_raw_->setChecked(true);
    show_raw_->setToolTip(tr("Draw the raw curve faintly behind the smoothed one"));
    controls->addWidget(show_raw_);
    controls->addStretch(1);
    controls->addWidget(new QLabel(tr("layout"), this));
    layout_ = new QComboBox(this);
    layout_->setObjectName("plotLayout");
    layout_->addItem(tr("grid"), int(PlotLayout::Grid));
    layout_->addItem(tr("one column"), int(PlotLayout::Column));
    layout_->addItem(tr("one row"), int(PlotLayout::Row));
    controls->addWidget(layout_);
    auto* reset = new QPushButton(tr("Reset zoom"), this);
    reset->setToolTip(tr("Every panel back to following the data"));
    controls->addWidget(reset);
    outer->addLayout(controls);

    connect(x_axis_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        for (PlotPanel* p : panels()) p->setXAxis(xAxis());
        refreshNow();
        Q_EMIT viewStateChanged();
    });
    connect(smoothing_, &QSlider::valueChanged, this, [this] {
        applySmoothing();
        Q_EMIT viewStateChanged();
    });
    connect(show_raw_, &QCheckBox::toggled, this, [this] {
        applySmoothing();
        Q_EMIT viewStateChanged();
    });
    connect(layout_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        setPlotLayout(static_cast<PlotLayout>(layout_->currentData().toInt()));
        Q_EMIT viewStateChanged();
    });
    connect(reset, &QPushButton::clicked, this, [this] {
        for (PlotPanel* p : panels()) p->resetView();
    });

    timer_ = new QTimer(this);
    timer_->setInterval(kRefreshIntervalMs);
    timer_->setTimerType(Qt::CoarseTimer);
    connect(timer_, &QTimer::timeout, this, &LiveView::onTimer);

    smoothing_->setValue(60);  // TensorBoard's default; the raw curve stays faintly behind
    applySmoothing();
    relayout();
    attachController(RunController::findFor(parent));
}

void LiveView::attachController(RunController* controller) {
    if (controller_ == controller) return;
    if (controller_) disconnect(controller_, nullptr, this, nullptr);
    controller_ = controller;
    if (controller_) {
        connect(controller_, &RunController::processesChanged, this, &LiveView::updateProcesses);
        connect(controller_, &RunController::stateChanged, this, &LiveView::updateProcesses);
        connect(controller_, &QObject::destroyed, this, [this] { controller_ = nullptr; });
    }
    updateProcesses();
}

void LiveView::updateProcesses() {
    if (!controller_) {
        processes_->setRows({}, {});
        return;
    }
    const auto& rows = controller_->processes();
    QString title;
    if (!rows.empty()) {
        const DistributedSetup& d = controller_->runDistributed();
        title = tr("rendezvous at %1:%2").arg(QString::fromStdString(d.masterHost())).arg(controller_->runPort());
        if (d.local())
            title += d.world == 2 ? tr(" · rank 1 started by this app") : tr(" · ranks 1–%1 started by this app").arg(d.world - 1);
    }
    processes_->setRows(rows, title);
    if (controller_->waitingForProcesses()) {
        int joined = 0;
        QStringList missing;
        for (const ProcessRow& r : rows) {
            if (r.everJoined()) ++joined;
            else missing << QString::number(r.status.process.rank);
        }
        const QString text = missing.isEmpty()
                                 ? tr("Every process joined; the workers start in a moment.")
                                 : tr("Waiting for the other processes: %1 of %2 joined (missing: rank %3).\n"
                                      "The plots show every worker of every process once all have joined.")
                                       .arg(joined)
                                       .arg(rows.size())
                                       .arg(missing.join(", "));
        loss_->setPlaceholder(text);
    }
}

LiveView::~LiveView() = default;

std::vector<PlotPanel*> LiveView::panels() const { return {loss_, exchange_, wait_, distances_, eval_}; }

void LiveView::setRunData(const RunData* data) {
    data_ = data;
    for (PlotPanel* p : panels()) p->setRunData(data);
    refreshNow(true);
}

void LiveView::configureFor(Algorithm algorithm) {
    algorithm_ = algorithm;
    const bool log_y = exchange_->logY();
    WorkerPanelSpec spec = specs::exchangeFor(algorithm);
    spec.log_y = log_y;
    exchange_->setSpec(std::move(spec));
    exchange_->refresh(true);
}

void LiveView::setRunPlaceholders(const RunConfig* running) {
    if (!running) {
        for (PlotPanel* p : panels()) p->setPlaceholder(tr("Press Start to train; the plots fill in as the workers learn."));
        return;
    }
    loss_->setPlaceholder(tr("Loading the data; the first samples come after %n iteration(s) per worker.", nullptr,
                             running->metrics_every));
    exchange_->setPlaceholder(tr("Waiting for the first samples ..."));
    wait_->setPlaceholder(tr("How long each worker waits for the others comes with the first samples."));
    distances_->setPlaceholder(tr("The first distance matrix comes after %n iteration(s) per worker.", nullptr,
                                  running->distance_every));
    eval_->setPlaceholder(running->eval_every_images > 0
                              ? tr("The test model is evaluated every %1 images per worker.").arg(running->eval_every_images)
                              : tr("The test model is evaluated at the end of the run."));
}

void LiveView::setLive(bool live) {
    frame_ms_average_ = 0.0;
    timer_->setInterval(kRefreshIntervalMs);
    if (live) timer_->start();
    else timer_->stop();
    refreshNow();
}

bool LiveView::isLive() const { return timer_->isActive(); }

int LiveView::refreshNow(bool force) {
    int redrawn = 0;
    for (PlotPanel* p : panels()) redrawn += p->refresh(force) ? 1 : 0;
    return redrawn;
}

void LiveView::onTimer() {
    // The next panel in turn whose data changed, and only that one.
    const auto ps = panels();
    QElapsedTimer clock;
    PlotPanel* redrawn = nullptr;
    for (size_t k = 0; k < ps.size() && !redrawn; ++k) {
        PlotPanel* p = ps[(next_panel_ + k) % ps.size()];
        clock.start();
        if (p->refresh(false, true)) {
            redrawn = p;
            next_panel_ = (next_panel_ + k + 1) % ps.size();
        }
    }
    if (!redrawn) return;
    last_frame_ms_ = double(clock.nsecsElapsed()) / 1e6;
    // A frame that holds the GUI thread this long is a stall the user sees: which panel, and how
    // much of it was the rebuild (the rest is QCustomPlot's drawing).
    if (last_frame_ms_ > 50.0)
        qCDebug(lcUiPlot) << "slow frame:" << redrawn->objectName() << last_frame_ms_ << "ms, rebuild"
                         << redrawn->lastRebuildMs() << "ms";
    frame_ms_average_ = frame_ms_average_ == 0.0 ? last_frame_ms_ : 0.8 * frame_ms_average_ + 0.2 * last_frame_ms_;
    const int interval = refreshIntervalMs();
    if (interval != timer_->interval()) {
        qCDebug(lcUiPlot) << "redraw interval" << interval << "ms (a panel redraw takes" << frame_ms_average_ << "ms)";
        timer_->setInterval(interval);
    }
}

int LiveView::refreshIntervalMs() const {
    return std::clamp(static_cast<int>(3.0 * frame_ms_average_), kRefreshIntervalMs, 500);
}

void LiveView::relayout() {
    for (PlotPanel* p : panels()) grid_->removeWidget(p);
    for (int i = 0; i < 5; ++i) {
        grid_->setRowStretch(i, 0);
        grid_->setColumnStretch(i, 0);
    }
    const auto ps = panels();
    switch (layout_mode_) {
        case PlotLayout::Grid:
            // Three over two: the training loss, the exchanges and the waiting on top; the
            // pairwise distances (heat map and consensus line, which like width) and the test
            // model under them.
            grid_->addWidget(loss_, 0, 0);
            grid_->addWidget(exchange_, 0, 1);
            grid_->addWidget(wait_, 0, 2);
            grid_->addWidget(distances_, 1, 0, 1, 2);
            grid_->addWidget(eval_, 1, 2);
            break;
        case PlotLayout::Column:
            for (int i = 0; i < int(ps.size()); ++i) grid_->addWidget(ps[size_t(i)], i, 0);
            break;
        case PlotLayout::Row:
            for (int i = 0; i < int(ps.size()); ++i) grid_->addWidget(ps[size_t(i)], 0, i);
            break;
    }
    const int n = int(ps.size());
    const int rows = layout_mode_ == PlotLayout::Grid ? 2 : layout_mode_ == PlotLayout::Column ? n : 1;
    const int cols = layout_mode_ == PlotLayout::Grid ? 3 : layout_mode_ == PlotLayout::Column ? 1 : n;
    for (int r = 0; r < rows; ++r) grid_->setRowStretch(r, 1);
    for (int c = 0; c < cols; ++c) grid_->setColumnStretch(c, 1);
}

void LiveView::setPlotLayout(PlotLayout layout) {
    if (layout_->currentData().toInt() != int(layout)) layout_->setCurrentIndex(layout_->findData(int(layout)));
    if (layout == layout_mode_) return;
    layout_mode_ = layout;
    relayout();
}

void LiveView::setXAxis(XAxis axis) { x_axis_->setCurrentIndex(x_axis_->findData(int(axis))); }

XAxis LiveView::xAxis() const { return static_cast<XAxis>(x_axis_->currentData().toInt()); }

void LiveView::setSmoothing(double smoothing) { smoothing_->setValue(static_cast<int>(std::lround(smoothing * 100))); }

double LiveView::smoothing() const { return smoothing_->value() / 100.0; }

void LiveView::setShowRaw(bool show) { show_raw_->setChecked(show); }

bool LiveView::showRaw() const { return show_raw_->isChecked(); }

void LiveView::applySmoothing() {
    smoothing_value_->setText(QString::number(smoothing(), 'f', 2));
    show_raw_->setEnabled(smoothing() > 0);
    for (PlotPanel* p : panels()) p->setSmoothing(smoothing(), showRaw());
    refreshNow();
}

QVariantMap LiveView::viewState() const {
    QVariantMap s;
    s["x-axis"] = int(xAxis());
    s["smoothing"] = smoothing();
    s["show-raw"] = showRaw();
    s["layout"] = int(layout_mode_);
    s["log-y/loss"] = loss_->logY();
    s["log-y/exchange"] = exchange_->logY();
    s["log-y/wait"] = wait_->logY();
    s["log-y/distances"] = distances_->logY();
    s["log-y/eval"] = eval_->logY();
    return s;
}

void LiveView::restoreViewState(const QVariantMap& s) {
    if (s.contains("x-axis")) setXAxis(static_cast<XAxis>(std::clamp(s["x-axis"].toInt(), 0, 2)));
    if (s.contains("smoothing")) setSmoothing(std::clamp(s["smoothing"].toDouble(), 0.0, 0.99));
    if (s.contains("show-raw")) setShowRaw(s["show-raw"].toBool());
    if (s.contains("layout")) setPlotLayout(static_cast<PlotLayout>(std::clamp(s["layout"].toInt(), 0, 2)));
    if (s.contains("log-y/loss")) loss_->setLogY(s["log-y/loss"].toBool());
    if (s.contains("log-y/exchange")) exchange_->setLogY(s["log-y/exchange"].toBool());
    if (s.contains("log-y/wait")) wait_->setLogY(s["log-y/wait"].toBool());
    if (s.contains("log-y/distances")) distances_->setLogY(s["log-y/distances"].toBool());
    if (s.contains("log-y/eval")) eval_->setLogY(s["log-y/eval"].toBool());
    refreshNow(true);
}

}  // namespace gossiplab::ui
