#include "ui/experiments/experiments_view.h"

#include "ui/experiments/table_cells.h"
#include "ui/export/image_export_dialog.h"

#include <algorithm>
#include <cmath>

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/experiments/analysis.h"
#include "core/experiments/experiment_export.h"
#include "core/experiments/report.h"
#include "core/store/history.h"
#include "ui/compare/compare_view.h"
#include "ui/export/plot_export.h"
#include "ui/experiments/experiment_plots.h"
#include "ui/experiments/experiment_queue_controller.h"
#include "ui/experiments/new_experiment_dialog.h"
#include "ui/log.h"

namespace gossiplab::ui {

using namespace gossiplab::experiments;
using store::ExperimentState;
using store::QueueItemStatus;

namespace {

constexpr int kPollMs = 1000;
const QStringList kPlotFormats = {"png", "pdf", "svg"};
constexpr int kPlotWidth = 1000, kPlotHeight = 620;

QTableWidget* makeSingleSelectionTable(const QStringList& headers, QWidget* parent) {
    QTableWidget* table = makeReadOnlyTable(headers, parent);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    return table;
}

QColor statusColor(QueueItemStatus status) {
    switch (status) {
        case QueueItemStatus::Running: return QColor(0x1F5FAD);
        case QueueItemStatus::Done: return QColor(0x2E7D32);
        case QueueItemStatus::Interrupted: return QColor(0xC25E00);
        case QueueItemStatus::Skipped:
        case QueueItemStatus::Cancelled: return QColor(0x8A8F96);
        case QueueItemStatus::Queued: break;
    }
    return QColor(0x303030);
}

QString kindText(const std::string& kind) {
    if (kind == "paper-fig1") return QObject::tr("GoSGD paper, Fig. 1");
    if (kind == "consensus-vs-p") return QObject::tr("consensus vs p");
    return QObject::tr("grid");
}

QString duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("?");
    const int s = int(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

bool resumable(const store::ExperimentRecord& r) {
    return (r.state == ExperimentState::Queued || r.state == ExperimentState::Paused ||
            r.state == ExperimentState::Interrupted) &&
           r.counts.queued + r.counts.interrupted + r.counts.running > 0;
}

}  // namespace

ExperimentsView::ExperimentsView(const QString& history_path, std::function<RunConfig()> base_config,
                                 RunObserver* live_observer, QWidget* parent)
    : QWidget(parent), history_path_(history_path), base_config_(std::move(base_config)) {
    setObjectName("experimentsView");
    controller_ = new ExperimentQueueController(history_path, live_observer, this);

    // ---- left: the experiments ----
    auto* left = new QWidget(this);
    auto* left_layout = new QVBoxLayout(left);
    left_layout->setContentsMargins(6, 6, 0, 6);
    auto* heading = new QLabel(tr("<b>Experiments</b>"), left);
    left_layout->addWidget(heading);
    list_ = makeSingleSelectionTable({tr("name"), tr("state"), tr("runs")}, left);
    list_->setObjectName("experimentList");
    list_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    list_->horizontalHeader()->setStretchLastSection(false);
    left_layout->addWidget(list_, 1);
    auto* left_buttons = new QHBoxLayout;
    new_ = new QPushButton(tr("New experiment"), left);
    auto* new_menu = new QMenu(new_);
    new_menu->addAction(tr("GoSGD paper, Fig. 1..."), this, [this] { newExperimentDialog(1); });
    new_menu->addAction(tr("Consensus vs p..."), this, [this] { newExperimentDialog(2); });
    new_menu->addAction(tr("Grid over the current run settings..."), this, [this] { newExperimentDialog(0); });
    new_->setMenu(new_menu);
    delete_ = new QPushButton(tr("Delete..."), left);
    left_buttons->addWidget(new_);
    left_buttons->addWidget(delete_);
    left_layout->addLayout(left_buttons);

    // ---- right: the selected experiment ----
    auto* right = new QWidget(this);
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 6, 6, 6);
    title_ = new QLabel(tr("No experiment selected"), right);
    title_->setStyleSheet("font-size: 13pt; font-weight: 600;");
    right_layout->addWidget(title_);
    status_ = new QLabel(right);
    status_->setObjectName("experimentStatus");
    status_->setWordWrap(true);
    right_layout->addWidget(status_);

    auto* controls = new QHBoxLayout;
    run_ = new QPushButton(tr("Run"), right);
    run_->setObjectName("runExperiment");
    pause_ = new QPushButton(tr("Pause after current"), right);
    pause_->setToolTip(tr("The current run finishes; the rest stays queued"));
    stop_ = new QPushButton(tr("Stop now"), right);
    stop_->setToolTip(tr("The current run is stopped now (recorded stopped) and queued again: Resume runs it again "
                         "from the start"));
    skip_ = new QPushButton(tr("Skip"), right);
    skip_->setToolTip(tr("The current run is stopped (recorded stopped) and skipped; the queue goes on"));
    cancel_ = new QToolButton(right);
    cancel_->setText(tr("Cancel run"));
    cancel_->setToolTip(tr("The current run is stopped (recorded stopped) and cancelled; the rest stays queued"));
    cancel_->setPopupMode(QToolButton::MenuButtonPopup);
    auto* cancel_menu = new QMenu(cancel_);
    cancel_menu->addAction(tr("Cancel the current run (the rest stays queued)"), this, &ExperimentsView::cancelCurrent);
    cancel_menu->addAction(tr("Cancel the whole experiment"), this, &ExperimentsView::cancelExperiment);
    cancel_->setMenu(cancel_menu);
    export_ = new QPushButton(tr("Export..."), right);
    export_->setToolTip(tr("Plots (PNG, PDF, SVG), the tables and the runs' raw data (CSV) into one folder"));
    for (QWidget* w : {static_cast<QWidget*>(run_), static_cast<QWidget*>(pause_), static_cast<QWidget*>(stop_),
                       static_cast<QWidget*>(skip_), static_cast<QWidget*>(cancel_)})
        controls->addWidget(w);
    controls->addStretch(1);
    controls->addWidget(export_);
    right_layout->addLayout(controls);
    auto* policy = new QLabel(tr("Resume goes on with the queued runs. A run interrupted by closing or killing the app "
                                 "runs again from the start (runs have no checkpoints)."),
                              right);
    policy->setObjectName("resumePolicy");
    policy->setWordWrap(true);
    policy->setStyleSheet("color: #5A6270;");
    right_layout->addWidget(policy);

    auto* split = new QSplitter(Qt::Vertical, right);
    queue_ = makeSingleSelectionTable({tr("#"), tr("run"), tr("status"), tr("run id"), tr("attempts"), tr("message")}, split);
    queue_->setObjectName("experimentQueue");
    split->addWidget(queue_);
    analysis_tabs_ = new QTabWidget(split);
    analysis_tabs_->setDocumentMode(true);
    auto* ttl_page = new QSplitter(Qt::Horizontal, analysis_tabs_);
    time_to_loss_ = new TimeToLossWidget(ttl_page);
    curves_ = new LossCurvesPlot(ttl_page);
    ttl_page->addWidget(time_to_loss_);
    ttl_page->addWidget(curves_);
    ttl_page->setStretchFactor(0, 1);
    ttl_page->setStretchFactor(1, 1);
    ttl_page->setSizes({640, 560});
    analysis_tabs_->addTab(ttl_page, tr("Time to loss"));
    sweep_ = new SweepPlot(analysis_tabs_);
    analysis_tabs_->addTab(sweep_, tr("Metric vs parameter"));
    // The experiment's runs overlaid: ui/compare's view (per-run mean and worker band, linked x).
    compare_ = new CompareView(analysis_tabs_);
    compare_->setObjectName("experimentCompare");
    analysis_tabs_->addTab(compare_, tr("Run curves"));
    split->addWidget(analysis_tabs_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({240, 620});
    right_layout->addWidget(split, 1);
    message_ = new QLabel(right);
    message_->setObjectName("experimentMessage");
    message_->setWordWrap(true);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    right_layout->addWidget(message_);

    auto* outer = new QSplitter(Qt::Horizontal, this);
    outer->addWidget(left);
    outer->addWidget(right);
    outer->setStretchFactor(0, 1);
    outer->setStretchFactor(1, 4);
    outer->setSizes({330, 1100});
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(outer);

    // ---- wiring ----
    connect(list_, &QTableWidget::itemSelectionChanged, this, &ExperimentsView::onSelectionChanged);
    connect(delete_, &QPushButton::clicked, this, &ExperimentsView::deleteSelected);
    connect(run_, &QPushButton::clicked, this, &ExperimentsView::runSelected);
    connect(pause_, &QPushButton::clicked, this, &ExperimentsView::pauseAfterCurrent);
    connect(stop_, &QPushButton::clicked, this, &ExperimentsView::stopNow);
    connect(skip_, &QPushButton::clicked, this, &ExperimentsView::skipCurrent);
    connect(cancel_, &QToolButton::clicked, this, &ExperimentsView::cancelCurrent);
    connect(export_, &QPushButton::clicked, this, &ExperimentsView::exportDialog);
    connect(time_to_loss_, &TimeToLossWidget::levelChanged, curves_, &LossCurvesPlot::setLevel);
    connect(controller_, &ExperimentQueueController::queueChanged, this, [this] { refreshNow(); });
    connect(controller_, &ExperimentQueueController::activeChanged, this, [this] { updateControls(); });
    connect(controller_, &ExperimentQueueController::itemStarting, this,
            [this](qint64 id, int position, const QString& label) {
                showMessage(tr("Run %1 of the queue started: %2").arg(position + 1).arg(label));
                Q_EMIT queuedRunStarted(id, label);
            });
    connect(controller_, &ExperimentQueueController::finished, this,
            [this](qint64 id, const QString& state, const QString& message) {
                refreshNow();
                showMessage(message.isEmpty() ? tr("The queue is %1.").arg(state)
                                              : tr("The queue is %1: %2").arg(state, message),
                            state != "done" && state != "paused" && state != "cancelled");
                Q_EMIT experimentFinished(id, state, message);
            });
    poll_ = new QTimer(this);
    poll_->setInterval(kPollMs);
    connect(poll_, &QTimer::timeout, this, [this] {
        if (!history_) return;
        try {
            if (history_->experimentListVersion() != list_version_) refreshNow();
        } catch (const std::exception& e) {
            showMessage(QString::fromUtf8(e.what()), true);
        }
        updateProgress();
    });
    poll_->start();

    openHistory();
    refreshNow();
}

ExperimentsView::~ExperimentsView() { shutdown(); }

void ExperimentsView::shutdown() {
    if (controller_) controller_->shutdown();
}

bool ExperimentsView::openHistory() {
    history_.reset();
    history_error_.clear();
    store::OpenOptions options;
    options.create_folders = true;
    auto history = store::RunHistory::open(history_path_.toStdString(), options);
    if (!history) {
        history_error_ = QString::fromStdString(history.error().message);
        qCWarning(lcUi) << "experiments: cannot open" << history_path_ << history_error_;
        return false;
    }
    history_ = std::make_unique<store::RunHistory>(std::move(history.value()));
    return true;
}

bool ExperimentsView::setHistoryPath(const QString& path) {
    if (controller_->isActive() || !controller_->setHistoryPath(path)) return false;
    history_path_ = path;
    selected_id_ = 0;
    shown_.reset();
    record_.reset();
    items_.clear();
    analysis_key_.clear();
    list_version_ = -1;
    openHistory();
    refreshNow();
    return true;
}

void ExperimentsView::showMessage(const QString& text, bool error) {
    message_->setText(text);
    message_->setStyleSheet(error ? "color: #B3261E;" : "color: #5A6270;");
}

void ExperimentsView::refreshNow() {
    if (!history_) {
        list_->setRowCount(0);
        showMessage(tr("The history cannot be used: %1").arg(history_error_), true);
        updateControls();
        return;
    }
    try {
        list_version_ = history_->experimentListVersion();
        reloadList();
        reloadSelected(false);
    } catch (const std::exception& e) {
        showMessage(QString::fromUtf8(e.what()), true);
    }
    updateControls();
    updateProgress();
}

void ExperimentsView::reloadList() {
    const auto records = history_->listExperiments();
    const QSignalBlocker block(list_);
    list_->setRowCount(int(records.size()));
    int selected_row = -1;
    for (int r = 0; r < int(records.size()); ++r) {
        const auto& e = records[size_t(r)];
        auto* name = tableCell(QString::fromStdString(e.name));
        name->setData(Qt::UserRole, qlonglong(e.id));
        name->setToolTip(tr("#%1 %2, created on %3").arg(e.id).arg(kindText(e.kind), QString::fromStdString(e.host)));
        list_->setItem(r, 0, name);
        QString state = QString::fromStdString(store::toString(e.state));
        if (e.live && controller_->activeExperiment() != e.id) state += tr(" (elsewhere)");
        list_->setItem(r, 1, tableCell(state));
        const int finished = e.counts.done + e.counts.skipped + e.counts.cancelled;
        list_->setItem(r, 2, tableCell(QStringLiteral("%1 / %2").arg(finished).arg(e.counts.total), true));
        if (e.id == selected_id_) selected_row = r;
    }
    list_->resizeColumnToContents(1);
    list_->resizeColumnToContents(2);
    if (selected_row < 0 && !records.empty()) {
        selected_row = 0;
        selected_id_ = records.front().id;
    }
    if (records.empty()) selected_id_ = 0;
    if (selected_row >= 0) list_->selectRow(selected_row);
}

void ExperimentsView::onSelectionChanged() {
    const auto rows = list_->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    const int64_t id = list_->item(rows.front().row(), 0)->data(Qt::UserRole).toLongLong();
    if (id == selected_id_) return;
    selected_id_ = id;
    analysis_key_.clear();
    try {
        reloadSelected(true);
    } catch (const std::exception& e) {
        showMessage(QString::fromUtf8(e.what()), true);
    }
    updateControls();
}

bool ExperimentsView::selectExperiment(int64_t id) {
    for (int r = 0; r < list_->rowCount(); ++r)
        if (list_->item(r, 0)->data(Qt::UserRole).toLongLong() == id) {
            list_->selectRow(r);
            return selected_id_ == id;
        }
    return false;
}

void ExperimentsView::reloadSelected(bool force_analysis) {
    record_.reset();
    items_.clear();
    if (selected_id_ != 0 && history_) {
        record_ = history_->experiment(selected_id_);
        if (record_) items_ = history_->queueOf(selected_id_);
    }
    fillQueue();
    // The analysis is reloaded (with every run's loss curve) only when an item started or ended.
    QString key;
    for (const auto& item : items_)
        key += QStringLiteral("%1:%2:%3;").arg(int(item.status)).arg(item.run_id).arg(item.attempts);
    if (!record_) {
        shown_.reset();
        analysis_key_.clear();
        const ExperimentData empty;
        time_to_loss_->setData(empty);
        curves_->setData(empty);
        sweep_->setData(empty);
        return;
    }
    if (!force_analysis && key == analysis_key_ && shown_ && shown_->record.id == selected_id_) return;
    analysis_key_ = key;
    shown_ = loadExperiment(*history_, selected_id_, true);
    const ExperimentData data = shown_ ? shown_->data : ExperimentData{};
    time_to_loss_->setData(data);
    curves_->setData(data);
    sweep_->setData(data);
    const std::vector<int64_t> ids = shown_ ? runIdsOf(*shown_) : std::vector<int64_t>{};
    if (ids != compare_->runIds()) {
        if (ids.empty()) {
            compare_->clear();
        } else if (const QString why = compare_->setRuns(history_path_, ids); !why.isEmpty()) {
            qCWarning(lcUi) << "experiments: compare view:" << why;
        }
    }
}

void ExperimentsView::fillQueue() {
    if (!record_) {
        title_->setText(tr("No experiment selected"));
        status_->setText(history_ && list_->rowCount() == 0
                             ? tr("No experiment yet: New experiment starts from the GoSGD paper's Fig. 1, a sweep of p, "
                                  "or a grid over the current run settings.")
                             : QString());
        queue_->setRowCount(0);
        return;
    }
    const auto& e = *record_;
    title_->setText(QStringLiteral("%1  <span style='color:#8A8F96; font-weight:400;'>#%2 \u00B7 %3</span>")
                        .arg(QString::fromStdString(e.name).toHtmlEscaped())
                        .arg(e.id)
                        .arg(kindText(e.kind)));
    const int finished = e.counts.done + e.counts.skipped + e.counts.cancelled;
    QString text = tr("<b>%1</b> \u00B7 %2 of %3 runs done, %4 queued")
                       .arg(QString::fromStdString(store::toString(e.state)))
                       .arg(finished)
                       .arg(e.counts.total)
                       .arg(e.counts.queued + e.counts.interrupted);
    if (e.counts.skipped) text += tr(", %1 skipped").arg(e.counts.skipped);
    if (e.counts.cancelled) text += tr(", %1 cancelled").arg(e.counts.cancelled);
    if (!e.message.empty()) text += QStringLiteral(" \u00B7 ") + QString::fromStdString(e.message).toHtmlEscaped();
    if (e.live && controller_->activeExperiment() != e.id) text += tr(" \u00B7 another process is running its queue");
    status_->setText(text);

    const QSignalBlocker block(queue_);
    queue_->setRowCount(int(items_.size()));
    for (int r = 0; r < int(items_.size()); ++r) {
        const auto& item = items_[size_t(r)];
        queue_->setItem(r, 0, tableCell(QString::number(item.position + 1), true));
        queue_->setItem(r, 1, tableCell(QString::fromStdString(item.label)));
        auto* status = tableCell(QString::fromStdString(store::toString(item.status)));
        status->setForeground(statusColor(item.status));
        if (item.status == QueueItemStatus::Running) {
            QFont f = status->font();
            f.setBold(true);
            status->setFont(f);
        }
        queue_->setItem(r, 2, status);
        queue_->setItem(r, 3, tableCell(item.run_id ? QString::number(item.run_id) : QStringLiteral("-"), true));
        queue_->setItem(r, 4, tableCell(QString::number(item.attempts), true));
        queue_->setItem(r, 5, tableCell(QString::fromStdString(item.message)));
    }
    queue_->resizeColumnsToContents();
}

void ExperimentsView::updateProgress() {
    if (!controller_->isActive() || controller_->activeExperiment() != selected_id_) return;
    const auto status = controller_->runnerStatus();
    const auto progress = controller_->currentProgress();
    if (status.position < 0 || !progress) return;
    for (int r = 0; r < queue_->rowCount(); ++r) {
        if (queue_->item(r, 0)->text().toInt() != status.position + 1) continue;
        QString text = tr("%1% \u00B7 %2 images/s").arg(int(progress->fraction * 100)).arg(qRound(progress->images_per_second));
        if (std::isfinite(progress->eta_s)) text += tr(" \u00B7 ETA %1").arg(duration(progress->eta_s));
        queue_->item(r, 5)->setText(text);
    }
}

void ExperimentsView::updateControls() {
    const bool active = controller_->isActive();
    const bool here = active && record_ && controller_->activeExperiment() == record_->id;
    const bool can_run = !active && history_ && record_ && !record_->live && resumable(*record_);
    bool started = false;
    for (const auto& item : items_) started = started || item.attempts > 0;
    run_->setText(record_ && (started || record_->state != ExperimentState::Queued) ? tr("Resume") : tr("Run"));
    run_->setEnabled(can_run);
    run_->setToolTip(active && !here ? tr("Another experiment's queue is running (one queue at a time)")
                                     : tr("Run the queued runs one after another"));
    for (QWidget* w : {static_cast<QWidget*>(pause_), static_cast<QWidget*>(stop_), static_cast<QWidget*>(skip_),
                       static_cast<QWidget*>(cancel_)})
        w->setEnabled(here);
    export_->setEnabled(record_.has_value());
    delete_->setEnabled(record_ && !here && !record_->live);
}

std::optional<int64_t> ExperimentsView::createExperiment(const ExperimentSpec& spec, QString* error) {
    QString why;
    const auto id = controller_->createExperiment(spec, &why);
    if (!id) {
        if (error) *error = why;
        showMessage(tr("The experiment could not be created: %1").arg(why), true);
        return std::nullopt;
    }
    refreshNow();
    selectExperiment(*id);
    showMessage(tr("Experiment #%1 queued: press Run to start it.").arg(*id));
    return id;
}

void ExperimentsView::newExperimentDialog(int start) {
    NewExperimentDialog dialog(base_config_, this);
    dialog.setStart(NewExperimentDialog::Start(std::clamp(start, 0, 2)));
    if (dialog.exec() != QDialog::Accepted) return;
    if (const auto spec = dialog.spec()) createExperiment(*spec);
}

bool ExperimentsView::runSelected() {
    refreshNow();
    if (!record_ || controller_->isActive() || !resumable(*record_) || record_->live) return false;
    if (!controller_->start(record_->id)) return false;
    showMessage(tr("Running the queue of '%1'; each run's live plots are in the Live tab.")
                    .arg(QString::fromStdString(record_->name)));
    updateControls();
    return true;
}

void ExperimentsView::pauseAfterCurrent() {
    controller_->pauseAfterCurrent();
    showMessage(tr("Pausing: the current run finishes, the rest stays queued."));
}

void ExperimentsView::stopNow() {
    controller_->stopNow();
    showMessage(tr("Stopping: the current run is recorded stopped and queued again."));
}

void ExperimentsView::skipCurrent() {
    controller_->skipCurrent();
    showMessage(tr("Skipping the current run."));
}

void ExperimentsView::cancelCurrent() {
    controller_->cancel(false);
    showMessage(tr("Cancelling the current run; the rest stays queued."));
}

void ExperimentsView::cancelExperiment() {
    controller_->cancel(true);
    showMessage(tr("Cancelling the experiment."));
}

void ExperimentsView::deleteSelected() {
    if (!record_ || !history_) return;
    QMessageBox box(QMessageBox::Question, tr("Delete the experiment"),
                    tr("Delete the experiment '%1' and its queue?").arg(QString::fromStdString(record_->name)),
                    QMessageBox::NoButton, this);
    QPushButton* keep_runs = box.addButton(tr("Delete, keep its runs"), QMessageBox::AcceptRole);
    QPushButton* with_runs = box.addButton(tr("Delete with its runs"), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != keep_runs && box.clickedButton() != with_runs) return;
    const auto r = history_->deleteExperiment(record_->id, box.clickedButton() == with_runs);
    if (!r) {
        showMessage(tr("Not deleted: %1").arg(QString::fromStdString(r.error().message)), true);
        return;
    }
    selected_id_ = 0;
    refreshNow();
}

QStringList ExperimentsView::exportFileNames(const LoadedExperiment& experiment) const {
    QStringList names = {"experiment.json", "queue.csv", "time_to_loss.csv", "time_to_loss_ratios.csv",
                         "time_to_loss.md", "runs.csv", "series.csv"};
    const auto parameter = defaultSweepParameter(experiment.data);
    if (parameter) names << QString::fromStdString("metrics_vs_" + toString(*parameter) + ".csv");
    for (const QString& format : kPlotFormats) {
        names << QStringLiteral("loss_curves_images.%1").arg(format) << QStringLiteral("loss_curves_wall_time.%1").arg(format);
        if (parameter)
            for (Metric m : allMetrics())
                names << QString::fromStdString(toString(m) + "_vs_" + toString(*parameter) + ".") + format;
    }
    return names;
}

ExperimentsView::ExportResult ExperimentsView::exportTo(int64_t experiment_id, const QString& folder) {
    ExportResult result;
    if (!history_) {
        result.error = tr("The history cannot be used: %1").arg(history_error_);
        return result;
    }
    try {
        const auto loaded = loadExperiment(*history_, experiment_id, true);
        if (!loaded) {
            result.error = tr("There is no experiment #%1 in this history.").arg(experiment_id);
            return result;
        }
        const QDir dir(folder);
        // The runs overlaid, as the Compare view draws them (off screen, its own instance).
        CompareView compare;
        compare.resize(kPlotWidth, kPlotHeight + 300);
        const std::vector<int64_t> run_ids = runIdsOf(*loaded);
        if (!run_ids.empty()) compare.setRuns(history_path_, run_ids);
        const auto compare_plots = run_ids.empty() ? std::vector<std::pair<QString, PlotPanel*>>{} : compare.namedPlots();
        QStringList names = exportFileNames(*loaded);
        for (const auto& [base, panel] : compare_plots)
            for (const QString& format : kPlotFormats) names << QStringLiteral("%1.%2").arg(base, format);
        // One question for the whole export (ui/export's, as every export asks), before anything is written.
        QStringList paths;
        for (const QString& name : names) paths << dir.filePath(name);
        if (!mayWrite(paths, overwrite_question_ ? overwrite_question_ : askWithDialog(this))) {
            result.cancelled = true;
            result.error = tr("Nothing written: the files already there were kept.");
            return result;
        }
        // The tables and raw data (core's export; it creates the folder).
        ExportOptions options;
        if (selected_id_ == experiment_id) options.loss_level = time_to_loss_->userLevel();
        const auto summary = exportExperiment(*history_, experiment_id, folder.toStdString(), options);
        if (!summary) {
            result.error = QString::fromStdString(summary.error().message);
            return result;
        }
        for (const auto& f : summary.value().files) result.files << QString::fromStdString(f);

        // The time-to-loss table as Markdown (for a README or a notebook).
        {
            const TimeToLossTable table = timeToLossTable(loaded->data, options.loss_level);
            const QString path = dir.filePath("time_to_loss.md");
            result.error = writeFileSafely(path, QByteArray::fromStdString(timeToLossText(table, TextStyle::Markdown)));
            if (!result.error.isEmpty()) return result;
            result.files << path;
        }

        // The plots, drawn off screen at a fixed size in the light theme.
        LossCurvesPlot curves;
        curves.resize(kPlotWidth, kPlotHeight);
        curves.setData(loaded->data);
        curves.setLevel(timeToLossTable(loaded->data, options.loss_level).level);
        SweepPlot sweep;
        sweep.resize(kPlotWidth, kPlotHeight);
        sweep.setData(loaded->data);
        const auto parameter = defaultSweepParameter(loaded->data);
        const auto save = [&](auto& plot, const QString& name) {
            const QString path = dir.filePath(name);
            if (!plot.saveImage(path, kPlotWidth, kPlotHeight, &result.error)) return false;
            result.files << path;
            return true;
        };
        for (const QString& format : kPlotFormats) {
            curves.setWallTime(false);
            if (!save(curves, "loss_curves_images." + format)) return result;
            curves.setWallTime(true);
            if (!save(curves, "loss_curves_wall_time." + format)) return result;
            if (!parameter) continue;
            for (Metric m : allMetrics()) {
                sweep.setMetric(m);
                if (!save(sweep, QString::fromStdString(toString(m) + "_vs_" + toString(*parameter) + ".") + format))
                    return result;
            }
        }
        for (const auto& [base, panel] : compare_plots) {
            for (ImageFormat format : {ImageFormat::Png, ImageFormat::Pdf, ImageFormat::Svg}) {
                ImageOptions image;
                image.width = kPlotWidth;
                image.height = kPlotHeight;
                const QString path = dir.filePath(QStringLiteral("%1.%2").arg(base, suffixOf(format)));
                result.error = exportPlot(*panel, path, image, alwaysOverwrite());  // asked above, for all files at once
                if (!result.error.isEmpty()) return result;
                result.files << path;
            }
        }
        result.ok = true;
    } catch (const std::exception& e) {
        result.error = QString::fromUtf8(e.what());
    }
    return result;
}

void ExperimentsView::exportDialog() {
    if (!record_) return;
    const QString folder = chooseExportFolder(this, tr("Export the experiment into a folder"));
    if (folder.isEmpty()) return;
    const ExportResult r = exportTo(record_->id, folder);
    if (r.ok) {
        showMessage(tr("Exported %n file(s) into %1", nullptr, int(r.files.size())).arg(QDir::toNativeSeparators(folder)));
        QStringList written;
        for (const QString& f : r.files) written << QDir(folder).absoluteFilePath(f);
        ExportNotifier::instance()->report(written);
    } else if (r.cancelled) {
        showMessage(r.error);
    } else {
        showMessage(tr("Export failed: %1").arg(r.error), true);
        QMessageBox::warning(this, tr("Export failed"), r.error);
    }
}

}  // namespace gossiplab::ui
