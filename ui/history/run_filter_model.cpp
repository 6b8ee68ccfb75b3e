#include "ui/history/run_filter_model.h"

#include "ui/history/run_table_model.h"

namespace gossiplab::ui {

RunFilterModel::RunFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(RunTableModel::kSortRole);
    setDynamicSortFilter(true);
}

// beginFilterChange()/endFilterChange() arrived in Qt 6.10; invalidateFilter() works on every 6.x.
void RunFilterModel::setText(const QString& text) {
    text_ = text.trimmed();
    invalidateFilter();
}

void RunFilterModel::setStatus(std::optional<RunStatus> status) {
    status_ = status;
    invalidateFilter();
}

void RunFilterModel::setAlgorithm(const QString& algorithm) {
    algorithm_ = algorithm;
    invalidateFilter();
}

void RunFilterModel::setTag(const QString& tag) {
    tag_ = tag;
    invalidateFilter();
}

bool RunFilterModel::filterAcceptsRow(int source_row, const QModelIndex&) const {
    const auto* model = qobject_cast<const RunTableModel*>(sourceModel());
    if (!model || source_row >= int(model->runs().size())) return true;
    const store::RunRecord& r = model->runs()[size_t(source_row)].record;
    if (status_ && r.status != *status_) return false;
    if (!algorithm_.isEmpty() && QString::fromStdString(r.algorithm) != algorithm_) return false;
    if (!tag_.isEmpty()) {
        bool found = false;
        for (const auto& t : r.tags) found = found || QString::fromStdString(t) == tag_;
        if (!found) return false;
    }
    if (text_.isEmpty()) return true;
    // Every word must match somewhere (name, notes, tags, host, algorithm, status, #id).
    QString haystack = QString::fromStdString(r.name + "\n" + r.notes + "\n" + r.host + "\n" + r.algorithm + "\n" +
                                              toString(r.status)) +
                       QStringLiteral("\n#%1").arg(r.id);
    for (const auto& t : r.tags) haystack += "\n" + QString::fromStdString(t);
    for (const QString& word : text_.split(' ', Qt::SkipEmptyParts))
        if (!haystack.contains(word, Qt::CaseInsensitive)) return false;
    return true;
}

}  // namespace gossiplab::ui
