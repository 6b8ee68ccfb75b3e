#pragma once
// The processes of a run over several processes, above the live plots: one row per rank with its
// host, state (waiting / joined / running / finished / lost), its workers (global numbers, in
// their plot colours), when it joined or was lost, and what it says (why it was lost, its pid).
// Hidden for a run in one process.

#include <vector>

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace gossiplab::ui {

struct ProcessRow;

class ProcessListView final : public QWidget {
    Q_OBJECT
public:
    enum Column { Rank = 0, Host, State, Workers, Joined, Detail, ColumnCount };

    explicit ProcessListView(QWidget* parent = nullptr);

    // `title`: e.g. "rendezvous at 127.0.0.1:23456"; empty rows hide the view.
    void setRows(const std::vector<ProcessRow>& rows, const QString& title);

    // For tests: what is shown.
    int rowCount() const;
    QString cellText(int row, int column) const;
    QString summaryText() const;
    int joinedCount() const { return joined_; }

private:
    QLabel* summary_ = nullptr;
    QTreeWidget* table_ = nullptr;
    int joined_ = 0;
};

}  // namespace gossiplab::ui
