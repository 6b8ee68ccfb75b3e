#pragma once
// The History tab, for now a plain list of the recorded runs (the history browser with its plots,
// filters and compare selection builds on RunData + the plot panels next).

#include <QString>
#include <QWidget>

class QLabel;
class QTableWidget;

namespace gossiplab::ui {

class HistoryView final : public QWidget {
    Q_OBJECT
public:
    explicit HistoryView(QWidget* parent = nullptr);

    void setHistoryPath(const QString& path);
    // Reads the run list again (read-only; the file may be written by a recorder meanwhile).
    void refresh();
    int runCount() const;
    QTableWidget* table() const { return table_; }

private:
    QString path_;
    QLabel* info_ = nullptr;
    QTableWidget* table_ = nullptr;
};

}  // namespace gossiplab::ui
