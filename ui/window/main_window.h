#pragma once
// GossipLab's main window: the run-settings dock on the left, tabs [Live] [History] [Compare], a
// status line. Window geometry, dock state, the last settings, the tab and the plot view (x axis,
// smoothing, layout, log scales) are remembered in QSettings.

#include <cstdint>
#include <functional>
#include <vector>

#include <QMainWindow>
#include <QString>
#include <QStringList>

#include "core/train/run_events.h"
#include "ui/live/run_controller.h"

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QPushButton;
class QTabWidget;

namespace gossiplab::ui {

class CompareView;
class DistributedDialog;
class ExperimentsView;
class HistoryView;
class LiveView;
class RunSettingsPanel;

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const QString& history_path, QWidget* parent = nullptr);
    ~MainWindow() override;

    QString historyPath() const { return history_path_; }
    RunController* controller() const { return controller_; }
    RunSettingsPanel* settingsPanel() const { return settings_; }
    LiveView* liveView() const { return live_; }
    HistoryView* historyView() const { return history_; }
    ExperimentsView* experimentsView() const { return experiments_; }
    CompareView* compareView() const { return compare_; }
    QTabWidget* tabs() const { return tabs_; }

    // Asked when the window closes while a run goes; true: stop the run, then close. The default
    // asks with a message box; tests replace it.
    void setStopQuestion(std::function<bool()> ask) { stop_question_ = std::move(ask); }

    // What Start and Stop do. startRun() is false when the settings are invalid or a run is active.
    bool startRun();
    // Run > Distributed...: edits the run-over-several-processes setup (a dialog); false when
    // cancelled or a run is going. Tests replace the dialog's exec() with their own answer.
    bool editDistributed();
    void applyDistributed(const DistributedSetup& setup);
    void setDistributedQuestion(std::function<bool(DistributedDialog&)> answer) { distributed_question_ = std::move(answer); }
    void stopRun();
    void openHistory(const QString& path);
    // Copies every run of another history file into this one (new ids, each run whole).
    // "" on success, else the reason; `summary` says what came in.
    QString importRuns(const QString& other_path, QString* summary = nullptr);
    void compareRuns(const std::vector<int64_t>& ids);
    QStringList recentHistories() const;
    // The folder the last export wrote into, as the status bar's "Open folder" button opens it;
    // "" when the button is hidden.
    QString shownExportFolder() const;
    // Help menu: every menu shortcut (as a table), the short introduction, the README's path.
    QString shortcutsText() const;
    static QString gettingStartedText();
    static QString readmePath();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void restoreSettings();
    void saveSettings() const;
    void checkHistoryFile();
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void exportAllCurrent();
    void onStateChanged(RunController::State state);
    void onRunEnded(const RunResult& result);
    void onStartFailed(const QString& message);
    void onSettingChanged(const SettingChange& change);
    bool askToStop();
    void showHistoryPath();
    void showExported(const QStringList& files, const QString& folder);

    static constexpr int kHistoryLabelMaxWidth = 460;  // px; longer paths are elided in the middle

    QString history_path_;
    RunController* controller_ = nullptr;
    RunSettingsPanel* settings_ = nullptr;
    LiveView* live_ = nullptr;
    HistoryView* history_ = nullptr;
    ExperimentsView* experiments_ = nullptr;
    CompareView* compare_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    QMenu* recent_menu_ = nullptr;
    QDockWidget* dock_ = nullptr;
    QLabel* history_label_ = nullptr;
    QLabel* distributed_label_ = nullptr;
    QPushButton* open_export_folder_ = nullptr;  // "Open folder" beside the message of the last export
    QString export_message_;
    QString export_folder_;
    QAction* distributed_action_ = nullptr;
    std::function<bool(DistributedDialog&)> distributed_question_;
    QAction* start_action_ = nullptr;
    QAction* stop_action_ = nullptr;
    QAction* open_action_ = nullptr;
    std::function<bool()> stop_question_;
    bool close_after_stop_ = false;
    bool showing_queued_run_ = false;  // the Live tab shows an experiment's queued run
    QString shown_run_name_;           // the name of the run the Live tab shows
};

}  // namespace gossiplab::ui
