#include "ui/compare/compare_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QScrollBar>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/compare/config_table.h"
#include "ui/export/image_export_dialog.h"
#include "ui/model/run_data_store.h"
#include "ui/plots/compare_plot.h"
#include "ui/plots/palette.h"
#include "ui/plots/qcp.h"

namespace gossiplab::ui {

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    setObjectName("compareView");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    auto* bar = new QHBoxLayout;
    legend_ = new QLabel(this);
    legend_->setTextFormat(Qt::RichText);
    legend_->setWordWrap(true);
    bar->addWidget(legend_, 1);
    bar->addWidget(new QLabel(tr("x axis"), this));
    x_axis_ = new QComboBox(this);
    x_axis_->setObjectName("compareXAxis");
    x_axis_->addItem(tr("images per worker"), int(XAxis::Images));
    x_axis_->addItem(tr("iterations"), int(XAxis::Iterations));
    x_axis_->addItem(tr("wall time"), int(XAxis::WallTime));
    bar->addWidget(x_axis_);
    show_workers_ = new QCheckBox(tr("every worker"), this);
    show_workers_->setToolTip(tr("One thin line per worker instead of the min/max band"));
    bar->addWidget(show_workers_);
    hide_equal_ = new QCheckBox(tr("only differences"), this);
    hide_equal_->setToolTip(tr("Hide the configuration rows whose values are the same for every run"));
    bar->addWidget(hide_equal_);
    auto* export_all = new QPushButton(tr("Export all..."), this);
    export_all->setToolTip(tr("Every plot (PNG, PDF, SVG) and both CSVs into a folder"));
    bar->addWidget(export_all);
    layout->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, this);
    split_ = split;
    split->setChildrenCollapsible(false);
    auto* plots = new QWidget(split);
    auto* grid = new QGridLayout(plots);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(6);
    loss_ = new ComparePlot(CompareMetric::Loss, plots);
    accuracy_ = new ComparePlot(CompareMetric::TestAccuracy, plots);
    consensus_ = new ComparePlot(CompareMetric::ConsensusDistance, plots);
    alpha_ = new ComparePlot(CompareMetric::Alpha, plots);
    wait_ = new ComparePlot(CompareMetric::WaitPerIteration, plots);
    // The training loss wide on top beside the test accuracy; under them the consensus, the alphas
    // (GoSGD, SGP) and the time spent waiting (where synchronous and asynchronous runs differ).
    grid->addWidget(loss_, 0, 0, 1, 2);
    grid->addWidget(accuracy_, 0, 2);
    grid->addWidget(consensus_, 1, 0);
    grid->addWidget(alpha_, 1, 1);
    grid->addWidget(wait_, 1, 2);
    for (int c = 0; c < 3; ++c) grid->setColumnStretch(c, 1);
    for (int r = 0; r < 2; ++r) grid->setRowStretch(r, 1);
    table_ = new ConfigTable(split);
    split->addWidget(plots);
    split->addWidget(table_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    connect(x_axis_, &QComboBox::currentIndexChanged, this, [this] { setXAxis(XAxis(x_axis_->currentData().toInt())); });
    connect(show_workers_, &QCheckBox::toggled, this, &CompareView::setShowWorkers);
    connect(hide_equal_, &QCheckBox::toggled, this, &CompareView::setHideEqual);
    // What differs first: the settings all runs share are one click away, and the final metrics
    // fit under the differing rows without scrolling (issue #20).
    setHideEqual(true);
    connect(export_all, &QPushButton::clicked, this, &CompareView::exportAllDialog);
    linkXRanges();
    clear();
}

CompareView::~CompareView() = default;

std::vector<ComparePlot*> CompareView::plots() const { return {loss_, accuracy_, consensus_, alpha_, wait_}; }

std::vector<std::pair<QString, PlotPanel*>> CompareView::namedPlots() const {
    return {{QStringLiteral("compare-loss"), loss_},
            {QStringLiteral("compare-accuracy"), accuracy_},
            {QStringLiteral("compare-distance"), consensus_},
            {QStringLiteral("compare-alpha"), alpha_},
            {QStringLiteral("compare-wait"), wait_}};
}

// Linked zoom: a change of one plot's x range (wheel, drag, reset) is applied to the others.
void CompareView::linkXRanges() {
    for (ComparePlot* source : plots()) {
        connect(source->customPlot()->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
                [this, source](const QCPRange& range) {
                    if (linking_) return;
                    linking_ = true;
                    for (ComparePlot* other : plots()) {
                        if (other == source || other->customPlot()->xAxis->range() == range) continue;
                        other->customPlot()->xAxis->setRange(range);
                        other->customPlot()->replot(QCustomPlot::rpQueuedReplot);
                    }
                    linking_ = false;
                });
    }
}

void CompareView::clear() {
    ids_.clear();
    for (ComparePlot* p : plots()) p->setRuns({});
    data_.clear();
    table_->setRuns({}, {}, {});
    legend_->setText(tr("<span style='color:#8A8F96'>Select two or more runs in History and press Compare "
                        "(Ctrl+Shift+C).</span>"));
    for (ComparePlot* p : plots()) p->refresh(true);
}

QString CompareView::setRuns(const QString& history_path, const std::vector<int64_t>& run_ids) {
    path_ = history_path;
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(history_path.toStdString(), options);
    if (!history) return QString::fromStdString(history.error().message);
    for (ComparePlot* p : plots()) p->setRuns({});
    ids_.clear();
    data_.clear();
    std::vector<store::RunRecord> records;
    std::vector<std::map<std::string, std::string>> configs;
    std::vector<QColor> colors;
    std::vector<CompareRun> runs;
    QStringList problems;
    QStringList legend;
    try {
        for (int64_t id : run_ids) {
            auto record = history->run(id);
            auto data = std::make_unique<RunData>();
            std::string why;
            if (!record || !loadRunData(*history, id, *data, &why)) {
                problems << (why.empty() ? tr("no run %1").arg(id) : QString::fromStdString(why));
                continue;
            }
            std::vector<ConfigError> ignored;
            const auto config = history->config(id, &ignored);
            configs.push_back(config ? toKeyValues(*config) : std::map<std::string, std::string>{});
            const QColor color = palette::run(int(ids_.size()));
            const QString name = QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(record->name));
            runs.push_back({data.get(), name, color});
            colors.push_back(color);
            legend << QStringLiteral("<span style='color:%1; font-size:16px'>\u25A0</span>&nbsp;%2")
                          .arg(color.name(), name.toHtmlEscaped());
            records.push_back(std::move(*record));
            ids_.push_back(id);
            data_.push_back(std::move(data));
        }
    } catch (const std::exception& e) {
        problems << QString::fromUtf8(e.what());
    }
    for (ComparePlot* p : plots()) {
        p->setRuns(runs);
        p->refresh(true);
    }
    shareXRange();
    table_->setRuns(records, configs, colors);
    legend_->setText(legend.join(QStringLiteral(" &nbsp;&nbsp; ")));
    fitTable();
    return problems.join('\n');
}

void CompareView::setXAxis(XAxis axis) {
    const int i = x_axis_->findData(int(axis));
    if (i >= 0 && x_axis_->currentIndex() != i) x_axis_->setCurrentIndex(i);
    for (ComparePlot* p : plots()) {
        p->setXAxis(axis);
        p->refresh(true);
    }
    shareXRange();
}

void CompareView::shareXRange() {
    double upper = 0.0;
    for (ComparePlot* p : plots()) upper = std::max(upper, p->dataXUpper());
    for (ComparePlot* p : plots()) {
        p->setSharedXUpper(upper);
        p->resetView();
    }
}

int CompareView::tableHeightNeeded() const {
    int h = table_->horizontalHeader()->height() + 2 * table_->frameWidth() + 2;
    for (int r = 0; r < table_->rowCount(); ++r)
        if (!table_->isRowHidden(r)) h += table_->rowHeight(r);
    if (table_->horizontalScrollBar()->isVisible() || table_->horizontalHeader()->length() > table_->viewport()->width())
        h += table_->horizontalScrollBar()->sizeHint().height();
    return h;
}

void CompareView::fitTable() {
    // Every row of the table (config and final metrics) without scrolling, as long as the plots
    // keep at least 60 % of the height; the splitter moves it.
    const int total = split_->height() > 0 ? split_->height() : height();
    const int table = std::min(tableHeightNeeded(), int(total * 0.4));
    split_->setSizes({std::max(1, total - table - split_->handleWidth()), table});
}

void CompareView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitTable();
}

XAxis CompareView::xAxis() const { return XAxis(x_axis_->currentData().toInt()); }

void CompareView::setShowWorkers(bool on) {
    if (show_workers_->isChecked() != on) show_workers_->setChecked(on);
    for (ComparePlot* p : plots()) {
        p->setShowWorkers(on);
        p->refresh(true);
    }
}

bool CompareView::hideEqualChecked() const { return hide_equal_->isChecked(); }

void CompareView::setHideEqual(bool on) {
    if (hide_equal_->isChecked() != on) hide_equal_->setChecked(on);
    table_->setHideEqual(on);
    fitTable();
}

ExportAllResult CompareView::exportAllTo(const QString& folder) {
    ExportAllRequest request;
    request.history_path = path_;
    request.run_ids = ids_;
    request.plots = namedPlots();
    request.folder = folder;
    return exportAll(request, overwrite_ ? overwrite_ : askWithDialog(this));
}

void CompareView::exportAllDialog() {
    if (ids_.empty()) {
        Q_EMIT statusMessage(tr("Nothing to export: compare two or more runs first"));
        return;
    }
    const QString folder = chooseExportFolder(this, tr("Export the comparison (plots and CSVs) into"));
    if (folder.isEmpty()) return;
    const ExportAllResult result = exportAllTo(folder);
    if (!result.errors.isEmpty()) QMessageBox::warning(this, tr("Export all"), result.errors.join('\n'));
    else if (!result.cancelled) Q_EMIT statusMessage(tr("Wrote %n file(s) into %1", nullptr, int(result.written.size())).arg(folder));
}

void CompareView::exportPointsCsvDialog() {
    if (ids_.empty()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export every recorded point"),
                                                      QDir(lastExportFolder()).filePath("points.csv"), tr("CSV (*.csv)"),
                                                      nullptr, QFileDialog::DontConfirmOverwrite);
    if (path.isEmpty()) return;
    bool skipped = false;
    const QString e = exportCsv(path_, ids_, CsvKind::Points, path, overwrite_ ? overwrite_ : askWithDialog(this), &skipped);
    if (!e.isEmpty()) QMessageBox::warning(this, tr("Export CSV"), e);
    else if (!skipped) Q_EMIT statusMessage(tr("Wrote every point of %n run(s) to %1", nullptr, int(ids_.size())).arg(path));
}

}  // namespace gossiplab::ui
