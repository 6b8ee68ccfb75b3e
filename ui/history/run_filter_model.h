#pragma once
// Filters and sorts the run table: free text (name, notes, tags, host, algorithm, id), status,
// algorithm and tag. Sorting uses the model's sort role (numbers as numbers).

#include <optional>

#include <QSortFilterProxyModel>
#include <QString>

#include "core/train/run_events.h"

namespace gossiplab::ui {

class RunFilterModel final : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunFilterModel(QObject* parent = nullptr);

    void setText(const QString& text);
    void setStatus(std::optional<RunStatus> status);
    void setAlgorithm(const QString& algorithm);  // "" for any
    void setTag(const QString& tag);              // "" for any

    QString text() const { return text_; }

protected:
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

private:
    QString text_;
    std::optional<RunStatus> status_;
    QString algorithm_;
    QString tag_;
};

}  // namespace gossiplab::ui
