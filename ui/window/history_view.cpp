#include "ui/window/history_view.h"

#include <cmath>

#include <QDateTime>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/live/run_status_header.h"
#include "ui/log.h"

namespace gossiplab::ui {

namespace {

QTableWidgetItem* cell(const QString& text, bool numeric = false) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    if (numeric) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString number(double v, int digits = 4) { return std::isfinite(v) ? QString::number(v, 'g', digits) : QString(); }

}  // namespace

HistoryView::HistoryView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    auto* top = new QHBoxLayout;
    info_ = new QLabel(this);
    info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(info_, 1);
    auto* refresh_button = new QPushButton(tr("Refresh"), this);
    top->addWidget(refresh_button);
    layout->addLayout(top);
    table_ = new QTableWidget(this);
    table_->setObjectName("historyTable");
    const QStringList headers = {tr("Id"),        tr("Name"),      tr("Status"),    tr("Algorithm"), tr("M"),
                                 tr("Started"),   tr("Duration"),  tr("Images/s"),  tr("Mean loss"), tr("Test acc. %"),
                                 tr("Consensus"), tr("Message")};
    table_->setColumnCount(int(headers.size()));
    table_->setHorizontalHeaderLabels(headers);
    table_->verticalHeader()->setVisible(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setAlternatingRowColors(true);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSortingEnabled(false);
    layout->addWidget(table_, 1);
    auto* note = new QLabel(tr("The history browser (plots of a recorded run, filters, tags) and the Compare view come next; "
                               "every run started here is already recorded with all its series."),
                            this);
    note->setWordWrap(true);
    note->setStyleSheet("color: #8A8F96;");
    layout->addWidget(note);
    connect(refresh_button, &QPushButton::clicked, this, &HistoryView::refresh);
}

void HistoryView::setHistoryPath(const QString& path) {
    path_ = path;
    refresh();
}

int HistoryView::runCount() const { return table_->rowCount(); }

void HistoryView::refresh() {
    table_->setRowCount(0);
    if (path_.isEmpty()) return;
    if (!QFileInfo::exists(path_)) {
        info_->setText(tr("%1: no runs yet").arg(path_));
        return;
    }
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(path_.toStdString(), options);
    if (!history) {
        info_->setText(QString::fromStdString(history.error().message));
        return;
    }
    std::vector<store::RunRecord> runs;
    try {
        runs = history->listRuns();
    } catch (const std::exception& e) {
        info_->setText(QString::fromUtf8(e.what()));
        return;
    }
    info_->setText(tr("%1: %n run(s)", nullptr, int(runs.size())).arg(path_));
    table_->setRowCount(int(runs.size()));
    for (int row = 0; row < int(runs.size()); ++row) {
        const store::RunRecord& r = runs[size_t(row)];
        int c = 0;
        table_->setItem(row, c++, cell(QString::number(r.id), true));
        table_->setItem(row, c++, cell(QString::fromStdString(r.name)));
        table_->setItem(row, c++, cell(QString::fromStdString(toString(r.status))));
        table_->setItem(row, c++, cell(QString::fromStdString(r.algorithm)));
        table_->setItem(row, c++, cell(QString::number(r.workers), true));
        table_->setItem(row, c++, cell(std::isfinite(r.started_at)
                                           ? QDateTime::fromSecsSinceEpoch(static_cast<qint64>(r.started_at)).toString("yyyy-MM-dd hh:mm")
                                           : QString()));
        table_->setItem(row, c++, cell(RunStatusHeader::formatDuration(r.duration_s), true));
        table_->setItem(row, c++, cell(RunStatusHeader::formatCount(r.images_per_second), true));
        table_->setItem(row, c++, cell(number(r.mean_loss), true));
        table_->setItem(row, c++, cell(std::isfinite(r.test_accuracy) ? QString::number(r.test_accuracy * 100, 'f', 2) : QString(), true));
        table_->setItem(row, c++, cell(number(r.consensus_distance, 3), true));
        table_->setItem(row, c++, cell(QString::fromStdString(r.message)));
    }
    table_->resizeColumnsToContents();
}

}  // namespace gossiplab::ui
