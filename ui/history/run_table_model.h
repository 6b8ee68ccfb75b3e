#pragma once
// The runs of a history as a table model: one row per run, the columns of the History tab. Sort
// keys come back under Qt::UserRole (numbers as numbers, so 10 sorts after 9); text under
// DisplayRole. setRuns() keeps the model (and so the view's selection) when only values changed,
// and resets it when runs came or went (the view restores its selection by run id).

#include <cstdint>
#include <vector>

#include <QAbstractTableModel>

#include "core/store/history_types.h"

namespace gossiplab::ui {

struct RunRow {
    store::RunRecord record;
    double p = store::kNoValue;             // from the stored config; NaN when it does not parse
    double learning_rate = store::kNoValue;
};

class RunTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Name, Algorithm, Workers, P, LearningRate, Status, Started, Duration, MeanLoss, TestAccuracy, Tags, ColumnCount };
    static constexpr int kSortRole = Qt::UserRole;
    static constexpr int kIdRole = Qt::UserRole + 1;

    explicit RunTableModel(QObject* parent = nullptr);

    void setRuns(std::vector<RunRow> runs);
    const std::vector<RunRow>& runs() const { return runs_; }
    const RunRow* rowOf(int64_t run_id) const;
    int rowIndex(int64_t run_id) const;  // -1 when absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    static QString statusText(RunStatus status);
    static QColor statusColor(RunStatus status);

private:
    std::vector<RunRow> runs_;
};

}  // namespace gossiplab::ui
