#include "ui/compare/config_table.h"

#include <cmath>
#include <functional>

#include <QHeaderView>

#include "ui/history/run_table_model.h"
#include "ui/live/run_status_header.h"

namespace gossiplab::ui {

namespace {

const QColor kEqualText(0x9AA0A6);
const QColor kDifferBackground(0xFFF4D6);

QTableWidgetItem* cellItem(const QString& text) {
    auto* it = new QTableWidgetItem(text);
    it->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return it;
}

QString num(double v, int digits = 4) { return std::isfinite(v) ? QString::number(v, 'g', digits) : QStringLiteral("-"); }

}  // namespace

ConfigTable::ConfigTable(QWidget* parent) : QTableWidget(parent) {
    setObjectName("compareConfigTable");
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    horizontalHeader()->setStretchLastSection(false);
    setSelectionMode(QAbstractItemView::ContiguousSelection);
    setWordWrap(false);
    setAlternatingRowColors(false);
}

void ConfigTable::setRuns(const std::vector<store::RunRecord>& runs, const std::vector<std::map<std::string, std::string>>& configs,
                          const std::vector<QColor>& colors) {
    clear();
    rows_ = diffConfigs(configs, {"algorithm", "workers", "p", "learning-rate", "momentum", "batch-size", "weight-decay",
                                  "easgd-alpha", "easgd-tau", "dataset", "model", "seed"});
    // What the comparison is about, as metrics of each run's outcome.
    struct Metric {
        QString label;
        std::function<QString(const store::RunRecord&)> value;
    };
    const std::vector<Metric> metrics = {
        {tr("status"), [](const store::RunRecord& r) { return RunTableModel::statusText(r.status); }},
        {tr("final mean loss"), [](const store::RunRecord& r) { return num(r.mean_loss); }},
        {tr("final test accuracy"), [](const store::RunRecord& r) {
             return std::isfinite(r.test_accuracy) ? QString::number(100 * r.test_accuracy, 'f', 2) + " %" : QStringLiteral("-");
         }},
        {tr("final test loss"), [](const store::RunRecord& r) { return num(r.test_loss); }},
        {tr("consensus distance"), [](const store::RunRecord& r) { return num(r.consensus_distance, 3); }},
        {tr("sum of alphas"), [](const store::RunRecord& r) { return num(r.alpha_sum, 7); }},
        {tr("duration"), [](const store::RunRecord& r) { return RunStatusHeader::formatDuration(r.duration_s); }},
        {tr("images / s"), [](const store::RunRecord& r) { return RunStatusHeader::formatCount(r.images_per_second); }},
        {tr("messages"), [](const store::RunRecord& r) { return QString::number(r.messages); }},
        {tr("images (all workers)"), [](const store::RunRecord& r) { return RunStatusHeader::formatCount(double(r.images_done)); }},
    };
    metric_rows_ = int(metrics.size());
    setColumnCount(int(runs.size()));
    setRowCount(int(rows_.size()) + 1 + metric_rows_);
    QStringList row_labels;
    for (size_t c = 0; c < runs.size(); ++c) {
        auto* head = new QTableWidgetItem(QStringLiteral("#%1 %2").arg(runs[c].id).arg(QString::fromStdString(runs[c].name)));
        head->setForeground(c < colors.size() ? colors[c] : QColor(Qt::black));
        QFont f = head->font();
        f.setBold(true);
        head->setFont(f);
        setHorizontalHeaderItem(int(c), head);
    }
    int r = 0;
    for (const ConfigRow& row : rows_) {
        row_labels << QString::fromStdString(row.key);
        for (size_t c = 0; c < row.values.size(); ++c) {
            auto* it = cellItem(QString::fromStdString(row.values[c]));
            if (row.differs) {
                QFont f = it->font();
                f.setBold(true);
                it->setFont(f);
                it->setBackground(kDifferBackground);
            } else {
                it->setForeground(kEqualText);
            }
            setItem(r, int(c), it);
        }
        ++r;
    }
    metrics_heading_row_ = r;
    row_labels << tr("FINAL METRICS");
    for (int c = 0; c < columnCount(); ++c) {
        auto* it = cellItem(QString());
        it->setBackground(QColor(0xEEF1F5));
        setItem(r, c, it);
    }
    ++r;
    for (const Metric& m : metrics) {
        row_labels << m.label;
        for (size_t c = 0; c < runs.size(); ++c) setItem(r, int(c), cellItem(m.value(runs[c])));
        ++r;
    }
    setVerticalHeaderLabels(row_labels);
    for (int i = 0; i < int(rows_.size()); ++i) {
        auto* head = verticalHeaderItem(i);
        if (!head) continue;
        if (rows_[size_t(i)].differs) {
            QFont f = head->font();
            f.setBold(true);
            head->setFont(f);
        } else {
            head->setForeground(kEqualText);
        }
    }
    resizeColumnsToContents();
    applyHiding();
}

void ConfigTable::setHideEqual(bool hide) {
    hide_equal_ = hide;
    applyHiding();
}

void ConfigTable::applyHiding() {
    for (int i = 0; i < int(rows_.size()); ++i) setRowHidden(i, hide_equal_ && !rows_[size_t(i)].differs);
}

QStringList ConfigTable::differingKeys() const {
    QStringList out;
    for (const ConfigRow& r : rows_)
        if (r.differs) out << QString::fromStdString(r.key);
    return out;
}

QStringList ConfigTable::configKeys() const {
    QStringList out;
    for (const ConfigRow& r : rows_) out << QString::fromStdString(r.key);
    return out;
}

int ConfigTable::rowOf(const QString& key) const {
    for (int i = 0; i < rowCount(); ++i)
        if (auto* h = verticalHeaderItem(i); h && h->text() == key) return i;
    return -1;
}

}  // namespace gossiplab::ui
