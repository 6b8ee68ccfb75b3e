#include "ui/live/process_list_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/live/run_controller.h"
#include "ui/plots/palette.h"

namespace gossiplab::ui {

namespace {

QString stateText(ProcessState s) {
    switch (s) {
        case ProcessState::Waiting: return QObject::tr("waiting");
        case ProcessState::Joined: return QObject::tr("joined");
        case ProcessState::Running: return QObject::tr("running");
        case ProcessState::Finished: return QObject::tr("finished");
        case ProcessState::Lost: return QObject::tr("lost");
    }
    return {};
}

QColor stateColor(ProcessState s) {
    switch (s) {
        case ProcessState::Waiting: return QColor("#8A6D1D");
        case ProcessState::Joined: return QColor("#1F5F99");
        case ProcessState::Running: return QColor("#2E7D32");
        case ProcessState::Finished: return QColor("#5A6270");
        case ProcessState::Lost: return QColor("#B3261E");
    }
    return Qt::black;
}

QString seconds(double s) { return QString::number(s, 'f', 1) + QStringLiteral(" s"); }

}  // namespace

ProcessListView::ProcessListView(QWidget* parent) : QWidget(parent) {
    setObjectName("processList");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 0, 8, 2);
    layout->setSpacing(2);
    summary_ = new QLabel(this);
    summary_->setObjectName("processSummary");
    summary_->setStyleSheet("color: #5A6270; font-weight: bold;");
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(summary_);
    table_ = new QTreeWidget(this);
    table_->setObjectName("processTable");
    table_->setRootIsDecorated(false);
    table_->setUniformRowHeights(true);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->setFocusPolicy(Qt::NoFocus);
    table_->setColumnCount(ColumnCount);
    table_->setHeaderLabels({tr("Rank"), tr("Host"), tr("State"), tr("Workers"), tr("Joined / lost"), tr("Details")});
    table_->header()->setStretchLastSection(true);
    table_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->header()->setSectionResizeMode(Detail, QHeaderView::Stretch);
    table_->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    table_->setStyleSheet("QTreeWidget { border: 1px solid #D5D8DC; background: white; }");
    layout->addWidget(table_);
    setVisible(false);
}

void ProcessListView::setRows(const std::vector<ProcessRow>& rows, const QString& title) {
    setVisible(!rows.empty());
    joined_ = 0;
    int lost = 0, workers = 0;
    while (table_->topLevelItemCount() > int(rows.size())) delete table_->takeTopLevelItem(table_->topLevelItemCount() - 1);
    for (size_t i = 0; i < rows.size(); ++i) {
        const ProcessRow& row = rows[i];
        const ProcessStatus& s = row.status;
        QTreeWidgetItem* item = table_->topLevelItem(int(i));
        if (!item) {
            item = new QTreeWidgetItem(table_);
            item->setTextAlignment(Rank, Qt::AlignCenter);
        }
        joined_ += row.everJoined() ? 1 : 0;
        lost += s.state == ProcessState::Lost ? 1 : 0;
        workers += s.process.workers;
        item->setText(Rank, QString::number(s.process.rank) + (s.process.rank == 0 ? tr(" (host)") : QString()));
        QString host = QString::fromStdString(s.process.host);
        if (!s.process.address.empty() && s.process.address != s.process.host)
            host += QStringLiteral(" (%1)").arg(QString::fromStdString(s.process.address));
        item->setText(Host, host.isEmpty() ? QStringLiteral("\u2013") : host);
        item->setText(State, stateText(s.state));
        item->setForeground(State, stateColor(s.state));
        QFont bold = item->font(State);
        bold.setBold(true);
        item->setFont(State, bold);
        if (s.process.workers > 0) {
            const int first = s.process.first_worker, last = first + s.process.workers - 1;
            // The workers' colours, as on the plots.
            QString swatches;
            for (int w = first; w <= last && w < first + 12; ++w)
                swatches += QStringLiteral("<span style='color:%1'>\u25A0</span>").arg(palette::worker(w).name());
            item->setText(Workers, first == last ? tr("worker %1").arg(first) : tr("workers %1\u2013%2").arg(first).arg(last));
            item->setToolTip(Workers, QStringLiteral("<html>%1 %2 &middot; %3</html>")
                                          .arg(swatches, item->text(Workers).toHtmlEscaped(),
                                               QString::fromStdString(s.process.devices).toHtmlEscaped()));
            item->setForeground(Workers, palette::worker(first));
        } else {
            item->setText(Workers, QStringLiteral("\u2013"));
        }
        QString when;
        if (row.everJoined()) when = tr("joined at %1").arg(seconds(row.joined_s));
        if (row.lost_s >= 0) when += (when.isEmpty() ? QString() : QStringLiteral(", ")) + tr("lost at %1").arg(seconds(row.lost_s));
        item->setText(Joined, when.isEmpty() ? QStringLiteral("\u2013") : when);
        QStringList detail;
        if (!row.note.isEmpty()) detail << row.note;
        if (!s.detail.empty()) detail << QString::fromStdString(s.detail).replace('\n', QStringLiteral(" \u00B7 "));
        item->setText(Detail, detail.join(QStringLiteral(" \u00B7 ")));
        item->setToolTip(Detail, detail.join('\n'));
    }
    QString summary = tr("PROCESSES  %1 of %2 joined").arg(joined_).arg(rows.size());
    if (workers > 0) summary += tr(" \u00B7 %n worker(s)", nullptr, workers);
    if (lost > 0) summary += tr(" \u00B7 %n lost", nullptr, lost);
    if (!title.isEmpty()) summary += QStringLiteral(" \u00B7 ") + title;
    summary_->setText(summary);
    // Every row visible without scrolling, up to 6; then a scroll bar.
    const int row_height = table_->sizeHintForRow(0) > 0 ? table_->sizeHintForRow(0) : fontMetrics().height() + 6;
    const int shown = std::min<int>(int(rows.size()), 6);
    table_->setFixedHeight(table_->header()->sizeHint().height() + shown * row_height + 4);
}

int ProcessListView::rowCount() const { return table_->topLevelItemCount(); }

QString ProcessListView::cellText(int row, int column) const {
    const QTreeWidgetItem* item = table_->topLevelItem(row);
    return item ? item->text(column) : QString();
}

QString ProcessListView::summaryText() const { return summary_->text(); }

}  // namespace gossiplab::ui
