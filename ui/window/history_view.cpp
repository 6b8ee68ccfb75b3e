#include "ui/window/history_view.h"

#include <algorithm>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/export/data_export.h"
#include "ui/export/image_export_dialog.h"
#include "ui/history/run_filter_model.h"
#include "ui/history/run_table_model.h"
#include "ui/history/run_viewer.h"
#include "ui/log.h"
#include "ui/model/algorithm_names.h"

namespace gossiplab::ui {

namespace {

std::optional<RunStatus> statusAt(const QComboBox* combo) {
    const QVariant v = combo->currentData();
    if (!v.isValid()) return std::nullopt;
    return RunStatus(v.toInt());
}

}  // namespace

HistoryView::HistoryView(QWidget* parent) : QWidget(parent) {
    setObjectName("historyView");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);

    // ---- filters ----
    auto* filters = new QHBoxLayout;
    text_ = new QLineEdit(this);
    text_->setObjectName("historyFilter");
    text_->setPlaceholderText(tr("Filter runs: name, tag, notes, host, #id (Ctrl+F)"));
    text_->setClearButtonEnabled(true);
    filters->addWidget(text_, 2);
    status_ = new QComboBox(this);
    status_->addItem(tr("Any status"));
    for (RunStatus s : {RunStatus::Running, RunStatus::Finished, RunStatus::Stopped, RunStatus::Diverged,
                        RunStatus::Failed, RunStatus::Interrupted})
        status_->addItem(RunTableModel::statusText(s), int(s));
    filters->addWidget(status_);
    algorithm_ = new QComboBox(this);
    algorithm_->addItem(tr("Any algorithm"));
    // Every algorithm the core knows (kAllAlgorithms), shown by its name in the settings form and
    // matched on the key the history stores ("allreduce", "sgp", ...).
    algorithm_->setObjectName("algorithmFilter");
    for (Algorithm a : kAllAlgorithms) algorithm_->addItem(algorithmLabel(a), algorithmKey(a));
    filters->addWidget(algorithm_);
    tag_ = new QComboBox(this);
    tag_->addItem(tr("Any tag"));
    tag_->setMinimumContentsLength(10);
    filters->addWidget(tag_);
    count_ = new QLabel(this);
    count_->setStyleSheet("color: #5A6270;");
    filters->addWidget(count_);
    layout->addLayout(filters);

    // ---- table over plots ----
    // The table gets the whole width (every column readable at once) and the plots the rest of the
    // height, in a splitter the user can move.
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName("historySplitter");
    split->setChildrenCollapsible(false);
    auto* left = new QWidget(split);
    auto* left_layout = new QVBoxLayout(left);
    left_layout->setContentsMargins(0, 0, 0, 0);
    model_ = new RunTableModel(this);
    filter_ = new RunFilterModel(this);
    filter_->setSourceModel(model_);
    table_ = new QTableView(left);
    table_->setObjectName("historyTable");
    table_->setModel(filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunTableModel::Id, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideMiddle);  // sweep runs differ at the end of their names
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    sizeColumns();
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    left_layout->addWidget(table_, 1);

    auto* buttons = new QHBoxLayout;
    compare_ = new QPushButton(tr("Compare"), left);
    compare_->setToolTip(tr("Compare the selected runs side by side (Ctrl+Shift+C)"));
    rerun_ = new QPushButton(tr("Re-run"), left);
    rerun_->setToolTip(tr("Fill the run settings with this run's configuration"));
    edit_ = new QPushButton(tr("Edit"), left);
    auto* edit_menu = new QMenu(edit_);
    edit_menu->addAction(tr("Rename..."), this, &HistoryView::renameSelected);
    edit_menu->addAction(tr("Tags..."), this, &HistoryView::editTagsSelected);
    edit_menu->addAction(tr("Notes..."), this, &HistoryView::editNotesSelected);
    edit_->setMenu(edit_menu);
    delete_ = new QPushButton(tr("Delete"), left);
    export_ = new QPushButton(tr("Export"), left);
    auto* export_menu = new QMenu(export_);
    export_menu->addAction(tr("Points CSV (every recorded value)..."), this, &HistoryView::exportPointsCsv);
    export_menu->addAction(tr("Runs CSV (configs and final metrics)..."), this, &HistoryView::exportRunsCsv);
    export_menu->addAction(tr("Export all (plots and CSVs) into a folder..."), this, &HistoryView::exportAllShown);
    export_->setMenu(export_menu);
    for (QPushButton* b : {compare_, rerun_, edit_, delete_, export_}) buttons->addWidget(b);
    buttons->addStretch(1);
    left_layout->addLayout(buttons);
    info_ = new QLabel(left);
    info_->setStyleSheet("color: #8A8F96;");
    info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    info_->setWordWrap(true);
    left_layout->addWidget(info_);

    viewer_ = new RunViewer(split);
    split->addWidget(left);
    split->addWidget(viewer_);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    // About ten runs visible; the plots take the rest (they need height more than the table).
    split->setSizes({table_->verticalHeader()->defaultSectionSize() * 11 + 90, 600});
    layout->addWidget(split, 1);

    // ---- wiring ----
    connect(text_, &QLineEdit::textChanged, this, [this](const QString& t) {
        filter_->setText(t);
        updateButtons();
    });
    connect(status_, &QComboBox::currentIndexChanged, this, [this] { filter_->setStatus(statusAt(status_)); updateButtons(); });
    connect(algorithm_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setAlgorithm(algorithm_->currentData().toString());
        updateButtons();
    });
    connect(tag_, &QComboBox::currentIndexChanged, this, [this] {
        filter_->setTag(tag_->currentIndex() > 0 ? tag_->currentText() : QString());
        updateButtons();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateButtons();
        Q_EMIT selectionChanged();
    });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &HistoryView::onCurrentChanged);
    connect(table_, &QTableView::doubleClicked, this, &HistoryView::onCurrentChanged);
    connect(table_, &QWidget::customContextMenuRequested, this, [this, edit_menu, export_menu](const QPoint& pos) {
        QMenu menu(this);
        menu.addAction(tr("Compare"), this, &HistoryView::compareSelected)->setEnabled(selectedRunIds().size() >= 2);
        menu.addAction(tr("Re-run"), this, &HistoryView::rerunSelected)->setEnabled(selectedRunIds().size() == 1);
        menu.addSeparator();
        menu.addActions(edit_menu->actions());
        menu.addAction(tr("Delete..."), this, &HistoryView::deleteSelected);
        menu.addSeparator();
        menu.addActions(export_menu->actions());
        menu.exec(table_->viewport()->mapToGlobal(pos));
    });
    connect(compare_, &QPushButton::clicked, this, &HistoryView::compareSelected);
    connect(rerun_, &QPushButton::clicked, this, &HistoryView::rerunSelected);
    connect(delete_, &QPushButton::clicked, this, &HistoryView::deleteSelected);

    timer_ = new QTimer(this);
    timer_->setInterval(kPollIntervalMs);
    connect(timer_, &QTimer::timeout, this, &HistoryView::poll);
    timer_->start();
    updateButtons();
}

HistoryView::~HistoryView() = default;

void HistoryView::setHistoryPath(const QString& path) {
    path_ = path;
    reader_.reset();
    list_version_ = -1;
    data_version_ = -1;
    p_lr_by_uuid_.clear();
    viewer_->clear();
    model_->setRuns({});
    refresh();
}

int HistoryView::runCount() const { return model_->rowCount(); }
int HistoryView::visibleRunCount() const { return filter_->rowCount(); }

void HistoryView::focusFilter() {
    text_->setFocus(Qt::ShortcutFocusReason);
    text_->selectAll();
}

void HistoryView::refresh() {
    list_version_ = -1;
    poll();
}

void HistoryView::poll() {
    if (path_.isEmpty()) return;
    if (!reader_) {
        if (!QFileInfo::exists(path_)) {
            info_->setText(tr("%1: no runs yet").arg(path_));
            count_->clear();
            return;
        }
        store::OpenOptions options;
        options.mode = store::OpenMode::ReadOnly;
        auto history = store::RunHistory::open(path_.toStdString(), options);
        if (!history) {
            info_->setText(QString::fromStdString(history.error().message));
            return;
        }
        reader_ = std::make_unique<store::RunHistory>(std::move(history.value()));
    }
    try {
        const int64_t version = reader_->runListVersion();
        if (version != list_version_) {
            list_version_ = version;
            reloadList();
        }
        // A run being recorded: its plots follow (every poll that saw new rows).
        const int64_t data_version = reader_->dataVersion();
        if (data_version != data_version_) {
            data_version_ = data_version;
            const RunRow* shown = model_->rowOf(viewer_->runId());
            if (shown && shown->record.status == RunStatus::Running) viewer_behind_ = true;
        }
        followRecordingRun();
    } catch (const std::exception& e) {
        info_->setText(QString::fromUtf8(e.what()));
        reader_.reset();  // reopen on the next tick (the file may have been replaced)
    }
}

void HistoryView::followRecordingRun() {
    // Hidden (the Live tab shows the run), it waits for showEvent: re-reading a long run every
    // second made the GUI thread stall longer and longer (130 to 440 ms over a 20-minute soak).
    if (!viewer_behind_ || !isVisible()) return;
    if (since_viewer_read_.isValid() && since_viewer_read_.elapsed() < 10.0 * viewer_read_ms_) return;
    viewer_behind_ = false;
    QElapsedTimer clock;
    clock.start();
    viewer_->reload();
    viewer_read_ms_ = double(clock.nsecsElapsed()) / 1e6;
    since_viewer_read_.start();
}

void HistoryView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    followRecordingRun();
}

void HistoryView::reloadList() {
    std::vector<store::RunRecord> records = reader_->listRuns();
    std::vector<RunRow> rows;
    rows.reserve(records.size());
    for (auto& r : records) {
        RunRow row;
        auto cached = p_lr_by_uuid_.find(r.uuid);
        if (cached == p_lr_by_uuid_.end()) {
            std::vector<ConfigError> ignored;
            const auto config = reader_->config(r.id, &ignored);
            cached = p_lr_by_uuid_
                         .emplace(r.uuid, config ? std::pair(config->p, config->learning_rate)
                                                 : std::pair(store::kNoValue, store::kNoValue))
                         .first;
        }
        row.p = cached->second.first;
        row.learning_rate = cached->second.second;
        row.record = std::move(r);
        rows.push_back(std::move(row));
    }
    // A reset (runs came or went) loses the selection: keep it by run id.
    const std::vector<int64_t> selected = selectedRunIds();
    const int64_t current = viewer_->runId();
    model_->setRuns(std::move(rows));
    if (!selected.empty() && selectedRunIds() != selected) {
        selectRuns(selected);
        const int row = model_->rowIndex(current);
        if (row >= 0) {
            const QModelIndex index = filter_->mapFromSource(model_->index(row, 0));
            table_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::NoUpdate);
        }
    }
    if (current > 0 && model_->rowIndex(current) < 0) viewer_->clear();  // deleted elsewhere
    rebuildTagChoices();
    info_->setText(tr("%1").arg(path_));
    if (table_->horizontalHeader()->sectionSize(RunTableModel::Name) < 60 && runCount() > 0) table_->resizeColumnsToContents();
    updateButtons();
}

void HistoryView::rebuildTagChoices() {
    QStringList tags;
    for (const RunRow& r : model_->runs())
        for (const auto& t : r.record.tags) tags << QString::fromStdString(t);
    tags.removeDuplicates();
    tags.sort();
    QStringList existing;
    for (int i = 1; i < tag_->count(); ++i) existing << tag_->itemText(i);
    if (existing == tags) return;
    const QString chosen = tag_->currentIndex() > 0 ? tag_->currentText() : QString();
    tag_->blockSignals(true);
    while (tag_->count() > 1) tag_->removeItem(1);
    tag_->addItems(tags);
    tag_->setCurrentIndex(std::max(0, tag_->findText(chosen)));
    tag_->blockSignals(false);
    if (chosen.isEmpty() != (tag_->currentIndex() == 0)) filter_->setTag(tag_->currentIndex() > 0 ? tag_->currentText() : QString());
}

std::vector<int64_t> HistoryView::selectedRunIds() const {
    std::vector<std::pair<int, int64_t>> rows;
    for (const QModelIndex& index : table_->selectionModel()->selectedRows())
        rows.emplace_back(index.row(), index.data(RunTableModel::kIdRole).toLongLong());
    std::sort(rows.begin(), rows.end());
    std::vector<int64_t> ids;
    for (const auto& [row, id] : rows) ids.push_back(id);
    return ids;
}

void HistoryView::selectRuns(const std::vector<int64_t>& ids) {
    QItemSelection selection;
    for (int64_t id : ids) {
        const int row = model_->rowIndex(id);
        if (row < 0) continue;
        const QModelIndex index = filter_->mapFromSource(model_->index(row, 0));
        if (index.isValid()) selection.select(index, index);
    }
    table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (!selection.isEmpty() && ids.size() == 1)
        table_->selectionModel()->setCurrentIndex(selection.indexes().first(), QItemSelectionModel::NoUpdate);
    if (ids.size() == 1 && !selection.isEmpty()) onCurrentChanged();
}

int64_t HistoryView::shownRunId() const { return viewer_->runId(); }

void HistoryView::onCurrentChanged() {
    const QModelIndex current = table_->selectionModel()->currentIndex();
    if (!current.isValid()) return;
    const int64_t id = current.data(RunTableModel::kIdRole).toLongLong();
    if (id == viewer_->runId()) return;
    QString error;
    if (!viewer_->showRun(path_, id, &error)) Q_EMIT statusMessage(error);
}

void HistoryView::updateButtons() {
    const auto ids = selectedRunIds();
    compare_->setEnabled(ids.size() >= 2);
    rerun_->setEnabled(ids.size() == 1);
    edit_->setEnabled(ids.size() == 1);
    delete_->setEnabled(!ids.empty());
    export_->setEnabled(!ids.empty());
    count_->setText(visibleRunCount() == runCount() ? tr("%n run(s)", nullptr, runCount())
                                                    : tr("%1 of %2 runs").arg(visibleRunCount()).arg(runCount()));
}

void HistoryView::reportError(const QString& title, const QString& text) {
    qCWarning(lcUi) << title << text;
    Q_EMIT statusMessage(text);
    if (!confirm_) QMessageBox::warning(this, title, text);
}

bool HistoryView::confirm(const QString& question) {
    if (confirm_) return confirm_(question);
    return QMessageBox::question(this, tr("GossipLab"), question, QMessageBox::Yes | QMessageBox::Cancel,
                                 QMessageBox::Cancel) == QMessageBox::Yes;
}

std::unique_ptr<store::RunHistory> HistoryView::openForWriting(QString* error) const {
    auto history = store::RunHistory::open(path_.toStdString());
    if (!history) {
        *error = QString::fromStdString(history.error().message);
        return nullptr;
    }
    return std::make_unique<store::RunHistory>(std::move(history.value()));
}

QString HistoryView::renameRun(int64_t id, const QString& name) {
    if (name.trimmed().isEmpty()) return tr("Name: a run needs a name (not empty)");
    QString error;
    auto history = openForWriting(&error);
    if (!history) return error;
    if (auto r = history->rename(id, name.trimmed().toStdString()); !r) return QString::fromStdString(r.error().message);
    refresh();
    if (viewer_->runId() == id) viewer_->reload();
    return {};
}

QString HistoryView::setRunTags(int64_t id, const QStringList& tags) {
    std::vector<std::string> values;
    for (const QString& t : tags)
        if (!t.trimmed().isEmpty()) values.push_back(t.trimmed().toStdString());
    QString error;
    auto history = openForWriting(&error);
    if (!history) return error;
    if (auto r = history->setTags(id, values); !r) return QString::fromStdString(r.error().message);
    refresh();
    return {};
}

QString HistoryView::setRunNotes(int64_t id, const QString& notes) {
    QString error;
    auto history = openForWriting(&error);
    if (!history) return error;
    if (auto r = history->setNotes(id, notes.toStdString()); !r) return QString::fromStdString(r.error().message);
    refresh();
    return {};
}

QString HistoryView::deleteRuns(const std::vector<int64_t>& ids) {
    QString error;
    auto history = openForWriting(&error);
    if (!history) return error;
    QStringList failures;
    for (int64_t id : ids)
        if (auto r = history->deleteRun(id); !r) failures << QString::fromStdString(r.error().message);
    if (std::find(ids.begin(), ids.end(), viewer_->runId()) != ids.end()) viewer_->clear();
    refresh();
    return failures.join('\n');
}

std::optional<RunConfig> HistoryView::storedConfig(int64_t id, QString* error) const {
    if (!reader_) {
        *error = tr("No history file is open");
        return std::nullopt;
    }
    std::vector<ConfigError> errors;
    auto config = reader_->config(id, &errors);
    if (!config) {
        QStringList lines;
        for (const auto& e : errors) lines << QString::fromStdString(e.field + ": " + e.message);
        *error = tr("The configuration of run %1 cannot be used: %2").arg(id).arg(lines.join("; "));
    }
    return config;
}

void HistoryView::compareSelected() {
    const auto ids = selectedRunIds();
    if (ids.size() < 2) {
        Q_EMIT statusMessage(tr("Select two or more runs to compare (Ctrl+click, Shift+click)"));
        return;
    }
    Q_EMIT compareRequested(ids);
}

void HistoryView::rerunSelected() {
    const auto ids = selectedRunIds();
    if (ids.size() != 1) return;
    QString error;
    if (auto config = storedConfig(ids.front(), &error)) Q_EMIT rerunRequested(*config);
    else reportError(tr("Re-run"), error);
}

void HistoryView::renameSelected() {
    const auto ids = selectedRunIds();
    if (ids.size() != 1) return;
    const RunRow* row = model_->rowOf(ids.front());
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Rename run"), tr("Name of run %1:").arg(ids.front()), QLineEdit::Normal,
                                               row ? QString::fromStdString(row->record.name) : QString(), &ok);
    if (!ok) return;
    if (const QString e = renameRun(ids.front(), name); !e.isEmpty()) reportError(tr("Rename run"), e);
}

void HistoryView::editTagsSelected() {
    const auto ids = selectedRunIds();
    if (ids.size() != 1) return;
    const RunRow* row = model_->rowOf(ids.front());
    QStringList current;
    if (row)
        for (const auto& t : row->record.tags) current << QString::fromStdString(t);
    bool ok = false;
    const QString text = QInputDialog::getText(this, tr("Tags"), tr("Tags of run %1, separated by commas:").arg(ids.front()),
                                               QLineEdit::Normal, current.join(", "), &ok);
    if (!ok) return;
    if (const QString e = setRunTags(ids.front(), text.split(',', Qt::SkipEmptyParts)); !e.isEmpty()) reportError(tr("Tags"), e);
}

void HistoryView::editNotesSelected() {
    const auto ids = selectedRunIds();
    if (ids.size() != 1) return;
    const RunRow* row = model_->rowOf(ids.front());
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(this, tr("Notes"), tr("Notes on run %1:").arg(ids.front()),
                                                        row ? QString::fromStdString(row->record.notes) : QString(), &ok);
    if (!ok) return;
    if (const QString e = setRunNotes(ids.front(), text); !e.isEmpty()) reportError(tr("Notes"), e);
}

void HistoryView::deleteSelected() {
    const auto ids = selectedRunIds();
    if (ids.empty()) return;
    QStringList names;
    for (int64_t id : ids)
        if (const RunRow* r = model_->rowOf(id)) names << QStringLiteral("#%1 %2").arg(id).arg(QString::fromStdString(r->record.name));
    if (!confirm(tr("Delete %n run(s) and every recorded point of them? This cannot be undone.\n\n%1", nullptr, int(ids.size()))
                     .arg(names.mid(0, 10).join('\n'))))
        return;
    if (const QString e = deleteRuns(ids); !e.isEmpty()) reportError(tr("Delete runs"), e);
    else Q_EMIT statusMessage(tr("Deleted %n run(s)", nullptr, int(ids.size())));
}

void HistoryView::exportPointsCsv() {
    const auto ids = selectedRunIds();
    if (ids.empty()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export every recorded point"), lastExportFolder() + "/points.csv", tr("CSV (*.csv)"),
                                                      nullptr, QFileDialog::DontConfirmOverwrite);
    if (path.isEmpty()) return;
    bool skipped = false;
    const QString e = exportCsv(path_, ids, CsvKind::Points, path, overwrite_ ? overwrite_ : askWithDialog(this), &skipped);
    if (!e.isEmpty()) reportError(tr("Export CSV"), e);
    (void)skipped;  // exportCsv() has told ExportNotifier: the status bar says where, with Open folder
}

void HistoryView::exportRunsCsv() {
    const auto ids = selectedRunIds();
    if (ids.empty()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the runs table"), lastExportFolder() + "/runs.csv", tr("CSV (*.csv)"), nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (path.isEmpty()) return;
    bool skipped = false;
    const QString e = exportCsv(path_, ids, CsvKind::Runs, path, overwrite_ ? overwrite_ : askWithDialog(this), &skipped);
    if (!e.isEmpty()) reportError(tr("Export CSV"), e);
    (void)skipped;
}

void HistoryView::sizeColumns() {
    // Numbers get the width of their longest usual text; the name takes what is left (elided in
    // the middle, whole in its tooltip); started and duration come last, after the tags.
    QHeaderView* header = table_->horizontalHeader();
    const QFontMetrics metrics(table_->font());
    const int pad = 18;  // cell margins and the sort arrow's room
    auto fit = [&](RunTableModel::Column column, const QString& widest) {
        const QString title = model_->headerData(column, Qt::Horizontal, Qt::DisplayRole).toString();
        header->resizeSection(column, std::max(metrics.horizontalAdvance(widest), metrics.horizontalAdvance(title)) + pad);
    };
    header->setMinimumSectionSize(24);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(RunTableModel::Name, QHeaderView::Stretch);
    fit(RunTableModel::Id, "9999");
    fit(RunTableModel::Algorithm, "local-sgd");
    fit(RunTableModel::Workers, "64");
    fit(RunTableModel::P, "0.0001");
    fit(RunTableModel::LearningRate, "0.0001");
    fit(RunTableModel::Status, tr("interrupted"));
    fit(RunTableModel::MeanLoss, "0.0001");
    fit(RunTableModel::TestAccuracy, "100.00 %");
    fit(RunTableModel::Tags, "sweep, baseline");
    fit(RunTableModel::Started, "2025-12-31 23:59");
    fit(RunTableModel::Duration, "1 h 59 min");
    // Visual order: what tells runs apart first.
    const std::vector<int> order = {RunTableModel::Id, RunTableModel::Name, RunTableModel::Algorithm, RunTableModel::Workers,
                                    RunTableModel::P, RunTableModel::LearningRate, RunTableModel::Status,
                                    RunTableModel::MeanLoss, RunTableModel::TestAccuracy, RunTableModel::Tags,
                                    RunTableModel::Started, RunTableModel::Duration};
    for (int visual = 0; visual < int(order.size()); ++visual) header->moveSection(header->visualIndex(order[size_t(visual)]), visual);
}

void HistoryView::exportAllShown() {
    if (viewer_->runId() <= 0) {
        Q_EMIT statusMessage(tr("Select a run first"));
        return;
    }
    // The shared export folder dialog: starts in the last export folder, offers to create a new one.
    const QString folder = chooseExportFolder(this, tr("Export all: plots (PNG, PDF, SVG) and CSVs into"));
    if (folder.isEmpty()) return;
    ExportAllRequest request;
    request.history_path = path_;
    request.run_ids = {viewer_->runId()};
    request.plots = viewer_->namedPanels();
    request.folder = folder;
    const ExportAllResult result = exportAll(request, overwrite_ ? overwrite_ : askWithDialog(this));
    if (!result.errors.isEmpty()) reportError(tr("Export all"), result.errors.join('\n'));
    // exportAll() has told ExportNotifier: the status bar says where the files went, with Open folder.
}

}  // namespace gossiplab::ui
