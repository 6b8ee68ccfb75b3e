#include "ui/history/run_viewer.h"

#include <cmath>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/history/run_table_model.h"
#include "ui/live/run_status_header.h"
#include "ui/model/run_data_store.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/panel_specs.h"
#include "ui/plots/worker_series_panel.h"

namespace gossiplab::ui {

RunViewer::RunViewer(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    summary_ = new QLabel(this);
    summary_->setObjectName("runSummary");
    summary_->setTextFormat(Qt::RichText);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setWordWrap(true);
    top->addWidget(summary_, 1);
    top->addWidget(new QLabel(tr("x axis"), this));
    x_axis_ = new QComboBox(this);
    x_axis_->addItem(tr("images per worker"), int(XAxis::Images));
    x_axis_->addItem(tr("iterations"), int(XAxis::Iterations));
    x_axis_->addItem(tr("wall time"), int(XAxis::WallTime));
    top->addWidget(x_axis_);
    layout->addLayout(top);

    loss_ = new WorkerSeriesPanel(specs::loss(), this);
    exchange_ = new WorkerSeriesPanel(specs::alpha(), this);
    wait_ = new WorkerSeriesPanel(specs::waitPerIteration(), this);
    wait_->setObjectName("waitPanel");
    distances_ = new DistancePanel(this);
    eval_ = new EvalPanel(this);
    auto* grid = new QGridLayout;
    grid->setSpacing(6);
    grid->addWidget(loss_, 0, 0);
    grid->addWidget(exchange_, 0, 1);
    grid->addWidget(wait_, 0, 2);
    auto* distance_box = new QVBoxLayout;
    distance_box->setSpacing(2);
    distance_box->addWidget(distances_, 1);
    auto* slider_row = new QHBoxLayout;
    slider_row->addWidget(new QLabel(tr("snapshot"), this));
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName("distanceSnapshotSlider");
    slider_->setToolTip(tr("Move through the run's distance matrices (arrow keys step one snapshot)"));
    slider_row->addWidget(slider_, 1);
    slider_label_ = new QLabel(this);
    slider_label_->setMinimumWidth(150);
    slider_row->addWidget(slider_label_);
    distance_box->addLayout(slider_row);
    // As in the Live tab: three panels over two, the distances (heat map, consensus line) wide.
    grid->addLayout(distance_box, 1, 0, 1, 2);
    grid->addWidget(eval_, 1, 2);
    // Equal rows and columns, whatever the panels' minimum sizes or the slider under the heat map.
    for (int i = 0; i < 3; ++i) grid->setColumnStretch(i, 1);
    for (int i = 0; i < 2; ++i) grid->setRowStretch(i, 1);
    layout->addLayout(grid, 1);

    for (PlotPanel* p : {static_cast<PlotPanel*>(loss_), static_cast<PlotPanel*>(exchange_), static_cast<PlotPanel*>(wait_),
                         static_cast<PlotPanel*>(distances_), static_cast<PlotPanel*>(eval_)}) {
        p->setRunData(&data_);
        p->setPlaceholder(tr("Select a run in the table"));
    }
    connect(slider_, &QSlider::valueChanged, this, &RunViewer::showSnapshot);
    connect(x_axis_, &QComboBox::currentIndexChanged, this, [this] {
        setXAxis(XAxis(x_axis_->currentData().toInt()));
    });
    clear();
}

RunViewer::~RunViewer() = default;

std::vector<std::pair<QString, PlotPanel*>> RunViewer::namedPanels() const {
    return {{QStringLiteral("loss"), loss_},
            {data_.algorithm() == Algorithm::Easgd ? QStringLiteral("center-distance") : QStringLiteral("alpha"), exchange_},
            {QStringLiteral("wait"), wait_},
            {QStringLiteral("distance"), distances_},
            {QStringLiteral("accuracy"), eval_}};
}

void RunViewer::setXAxis(XAxis axis) {
    const int i = x_axis_->findData(int(axis));
    if (i >= 0 && x_axis_->currentIndex() != i) x_axis_->setCurrentIndex(i);
    for (const auto& [name, p] : namedPanels()) p->setXAxis(axis);
    refreshPanels();
}

void RunViewer::clear() {
    path_.clear();
    run_id_ = 0;
    data_.clear();
    snapshots_.clear();
    summary_->setText(tr("<span style='color:#8A8F96'>Select a run to see its plots; select several and press "
                         "Compare (Ctrl+Shift+C).</span>"));
    slider_->setEnabled(false);
    slider_->setRange(0, 0);
    slider_label_->clear();
    refreshPanels();
}

bool RunViewer::showRun(const QString& history_path, int64_t run_id, QString* error) {
    path_ = history_path;
    run_id_ = run_id;
    // Another run: its heat map starts at its last snapshot.
    slider_->blockSignals(true);
    slider_->setRange(0, 0);
    slider_->setValue(0);
    slider_->blockSignals(false);
    if (!reload()) {
        const QString reason = summary_->text();
        if (error) *error = reason;
        return false;
    }
    for (const auto& [name, p] : namedPanels()) p->resetView();
    return true;
}

bool RunViewer::reload() {
    if (path_.isEmpty() || run_id_ <= 0) return false;
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(path_.toStdString(), options);
    auto fail = [&](const QString& why) {
        data_.clear();
        snapshots_.clear();
        summary_->setText(why.toHtmlEscaped());
        refreshPanels();
        return false;
    };
    if (!history) return fail(QString::fromStdString(history.error().message));
    std::optional<store::RunRecord> record;
    try {
        record = history->run(run_id_);
        std::string why;
        if (!record || !loadRunData(*history, run_id_, data_, &why))
            return fail(why.empty() ? tr("Run %1 is no longer in %2").arg(run_id_).arg(path_) : QString::fromStdString(why));
    } catch (const std::exception& e) {
        return fail(QString::fromUtf8(e.what()));
    }
    exchange_->setSpec(specs::exchangeFor(data_.algorithm()));

    const bool at_end = slider_->value() >= slider_->maximum();
    std::string why;
    snapshots_.load(path_.toStdString(), run_id_, &why);
    slider_->blockSignals(true);
    slider_->setRange(0, std::max(0, snapshots_.count() - 1));
    slider_->setEnabled(snapshots_.count() > 1);
    if (at_end) slider_->setValue(slider_->maximum());
    slider_->blockSignals(false);
    showSnapshot(slider_->value());

    const store::RunRecord& r = *record;
    QStringList facts;
    facts << QStringLiteral("<b>#%1 %2</b>").arg(r.id).arg(QString::fromStdString(r.name).toHtmlEscaped());
    facts << QStringLiteral("<span style='color:%1'><b>%2</b></span>")
                 .arg(RunTableModel::statusColor(r.status).name(), RunTableModel::statusText(r.status));
    facts << tr("%1, M = %2").arg(QString::fromStdString(r.algorithm)).arg(r.workers);
    if (std::isfinite(r.duration_s)) facts << RunStatusHeader::formatDuration(r.duration_s);
    if (std::isfinite(r.mean_loss)) facts << tr("mean loss %1").arg(r.mean_loss, 0, 'g', 4);
    if (std::isfinite(r.test_accuracy)) facts << tr("test accuracy %1 %").arg(100 * r.test_accuracy, 0, 'f', 2);
    QString text = facts.join(QStringLiteral(" &nbsp;\u00B7&nbsp; "));
    if (!r.message.empty())
        text += QStringLiteral("<br><span style='color:#8A5A00'>%1</span>").arg(QString::fromStdString(r.message).toHtmlEscaped());
    summary_->setText(text);
    refreshPanels();
    return true;
}

double RunViewer::consensusAt(const SamplePoint& at) const {
    const auto& buckets = data_.run(RunSeries::ConsensusDistance).buckets();
    double best = std::nan(""), distance = 1e300;
    for (const Bucket& b : buckets) {
        const double d = std::fabs(b.xMid(XAxis::Iterations) - double(at.iteration));
        if (d < distance && b.count > 0) {
            distance = d;
            best = b.mean();
        }
    }
    return best;
}

int RunViewer::shownSnapshot() const { return snapshots_.count() > 0 ? slider_->value() : -1; }

void RunViewer::showSnapshot(int index) {
    if (snapshots_.count() == 0) {
        slider_label_->setText(data_.hasDistances() ? tr("latest") : tr("no snapshots"));
        return;
    }
    index = std::clamp(index, 0, snapshots_.count() - 1);
    if (slider_->value() != index) {
        slider_->setValue(index);  // comes back here through valueChanged
        return;
    }
    if (auto grid = snapshots_.grid(index)) {
        const double consensus = consensusAt(grid->at);
        grid->consensus_distance = std::isfinite(consensus) ? consensus : 0.0;
        slider_label_->setText(tr("%1 / %2 \u00B7 %3 img/worker")
                                   .arg(index + 1)
                                   .arg(snapshots_.count())
                                   .arg(RunStatusHeader::formatCount(double(grid->at.images))));
        data_.setDistances(std::move(*grid));
        distances_->refresh();
    }
}

void RunViewer::refreshPanels() {
    for (const auto& [name, p] : namedPanels()) p->refresh(true);
}

}  // namespace gossiplab::ui
