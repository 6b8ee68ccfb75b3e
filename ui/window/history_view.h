#pragma once
// The History tab: every run of the history file in a sortable table (filter by text, status,
// algorithm, tag) with the selected run's plots beside it (RunViewer). The table follows the file
// while runs are recorded, by this window or by another process (gossiplab-cli writing the same
// file): a 1 s timer asks the store's run-list version (one tiny query) and re-reads the list only
// when it moved, keeping the selection. Rename, tags, notes, delete (confirmed), re-run, compare,
// CSV export and "Export all" act on the selected runs.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <QString>
#include <QElapsedTimer>
#include <QWidget>

#include "core/train/run_config.h"
#include "ui/export/safe_write.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace gossiplab::store {
class RunHistory;
}

namespace gossiplab::ui {

class RunFilterModel;
class RunTableModel;
class RunViewer;

class HistoryView final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kPollIntervalMs = 1000;

    explicit HistoryView(QWidget* parent = nullptr);
    ~HistoryView() override;

    void setHistoryPath(const QString& path);
    QString historyPath() const { return path_; }
    // Reads the run list again now (the timer does this when the file changed).
    void refresh();
    int runCount() const;         // all runs in the file
    int visibleRunCount() const;  // after the filters

    QTableView* table() const { return table_; }
    RunTableModel* tableModel() const { return model_; }
    RunFilterModel* filterModel() const { return filter_; }
    RunViewer* viewer() const { return viewer_; }
    QLineEdit* filterEdit() const { return text_; }
    QComboBox* statusFilter() const { return status_; }
    QComboBox* algorithmFilter() const { return algorithm_; }
    QComboBox* tagFilter() const { return tag_; }

    // Run ids selected in the table, in table order; the run shown on the right.
    std::vector<int64_t> selectedRunIds() const;
    void selectRuns(const std::vector<int64_t>& ids);
    int64_t shownRunId() const;
    void focusFilter();

    // Edits (also what the buttons do after asking): "" on success, else the reason.
    QString renameRun(int64_t id, const QString& name);
    QString setRunTags(int64_t id, const QStringList& tags);
    QString setRunNotes(int64_t id, const QString& notes);
    QString deleteRuns(const std::vector<int64_t>& ids);
    // The stored config of a run (for re-run); nullopt with the reason.
    std::optional<RunConfig> storedConfig(int64_t id, QString* error) const;

    // Tests answer the questions (delete? overwrite?) instead of a dialog.
    void setConfirmation(std::function<bool(const QString&)> confirm) { confirm_ = std::move(confirm); }
    void setOverwriteQuestion(OverwriteQuestion ask) { overwrite_ = std::move(ask); }

    // The menu's actions on the selection.
    void compareSelected();
    void rerunSelected();
    void renameSelected();
    void editTagsSelected();
    void editNotesSelected();
    void deleteSelected();
    void exportPointsCsv();
    void exportRunsCsv();
    void exportAllShown();

Q_SIGNALS:
    void compareRequested(const std::vector<int64_t>& ids);
    void rerunRequested(const RunConfig& config);
    void statusMessage(const QString& text);
    void selectionChanged();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void sizeColumns();
    void poll();
    // The viewer re-reads a run being recorded: the whole run from the file, on the GUI thread,
    // so only while this view is shown, and at most every 10 times what the last read took.
    void followRecordingRun();
    void reloadList();
    void rebuildTagChoices();
    void onCurrentChanged();
    void updateButtons();
    void reportError(const QString& title, const QString& text);
    bool confirm(const QString& question);
    std::unique_ptr<store::RunHistory> openForWriting(QString* error) const;

    QString path_;
    std::unique_ptr<store::RunHistory> reader_;
    int64_t list_version_ = -1;
    int64_t data_version_ = -1;
    bool viewer_behind_ = false;        // new rows of the shown run not read yet
    QElapsedTimer since_viewer_read_;
    double viewer_read_ms_ = 0.0;
    std::map<std::string, std::pair<double, double>> p_lr_by_uuid_;  // configs never change: parse once
    RunTableModel* model_ = nullptr;
    RunFilterModel* filter_ = nullptr;
    QTableView* table_ = nullptr;
    RunViewer* viewer_ = nullptr;
    QLineEdit* text_ = nullptr;
    QComboBox* status_ = nullptr;
    QComboBox* algorithm_ = nullptr;
    QComboBox* tag_ = nullptr;
    QLabel* count_ = nullptr;
    QLabel* info_ = nullptr;
    QPushButton* compare_ = nullptr;
    QPushButton* rerun_ = nullptr;
    QPushButton* edit_ = nullptr;
    QPushButton* delete_ = nullptr;
    QPushButton* export_ = nullptr;
    QTimer* timer_ = nullptr;
    std::function<bool(const QString&)> confirm_;
    OverwriteQuestion overwrite_;
};

}  // namespace gossiplab::ui
