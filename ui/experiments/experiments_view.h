#pragma once
// The Experiments tab: the experiments in the history (name, state, runs done/total), new ones
// from the presets or a grid form, the selected experiment's queue with its controls (Run /
// Resume, Pause after current, Stop now, Skip, Cancel), its analysis (time-to-loss table with
// the GoSGD/EAMSGD ratios, the runs' loss curves, a final metric against the swept parameter)
// and its export (plots as PNG/PDF/SVG, the tables and the runs' raw CSV, into one folder).
//
// The queue runs on a background thread (ExperimentQueueController); this view only reads the
// history (its own connection, polled once a second) and shows it. Resume: the queue lives in the
// history, so reopening the app shows it as it was; Resume goes on with the runs still queued,
// and a run that was interrupted (the app closed or killed during it) runs again from the start.
//
// Wiring into the main window (a few lines):
//   auto* experiments = new ExperimentsView(history_path, [settings] { return settings->config(); },
//                                           controller->feed(), tabs);
//   tabs->addTab(experiments, tr("Experiments"));
// and, before the RunController goes away (the window's destructor / close), experiments->shutdown().

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <QString>
#include <QStringList>
#include <QWidget>

#include "core/experiments/experiment_data.h"
#include "core/experiments/experiment_spec.h"
#include "core/train/run_events.h"

class QLabel;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTableWidget;
class QTimer;
class QToolButton;

namespace gossiplab::store {
class RunHistory;
}

namespace gossiplab::ui {

class CompareView;
class ExperimentQueueController;
class LossCurvesPlot;
class SweepPlot;
class TimeToLossWidget;

class ExperimentsView final : public QWidget {
    Q_OBJECT
public:
    // `base_config`: the run settings panel's current config, the base of a new grid (may be
    // empty). `live_observer`: gets every queued run's events (the Live tab's RunController::feed());
    // may be null. It must stay alive until shutdown() (or this view's destruction).
    ExperimentsView(const QString& history_path, std::function<RunConfig()> base_config,
                    RunObserver* live_observer, QWidget* parent = nullptr);
    ~ExperimentsView() override;  // shutdown()

    // Another history file (refused, false, while a queue runs).
    bool setHistoryPath(const QString& path);
    QString historyPath() const { return history_path_; }

    // Stops the queue now (the current run is recorded `stopped` and queued again, the rest stays
    // queued, the experiment `paused`) and waits for the runner thread. Call before the live
    // observer goes away.
    void shutdown();

    // Creates an experiment (every run queued) and selects it. Its id, or nullopt with `error`.
    std::optional<int64_t> createExperiment(const experiments::ExperimentSpec& spec, QString* error = nullptr);
    // The "New experiment" dialog, starting from a preset (0: current settings, 1: paper Fig. 1,
    // 2: consensus vs p).
    void newExperimentDialog(int start = 0);
    bool selectExperiment(int64_t id);
    int64_t selectedExperiment() const { return selected_id_; }
    // Run / Resume the selected experiment's queue. False if it cannot run now.
    bool runSelected();
    void pauseAfterCurrent();
    void stopNow();
    void skipCurrent();
    void cancelCurrent();     // the current run cancelled (recorded stopped); the rest stays queued
    void cancelExperiment();  // the current run and every queued one cancelled
    // Rereads the history now (the view also polls it once a second).
    void refreshNow();

    struct ExportResult {
        bool ok = false;
        bool cancelled = false;  // files were there and the user kept them
        QStringList files;       // written
        QString error;
    };
    // Writes the experiment into `folder`: the plots (loss curves, the metric against the swept
    // parameter for every metric, the Compare view's overlaid runs as compare-*) as PNG, PDF and SVG, and core's export (experiment.json,
    // queue.csv, time_to_loss*.csv, metrics_vs_*.csv, runs.csv, series.csv). Files already there
    // are replaced only if `overwrite_question` (default: a message box) says yes.
    ExportResult exportTo(int64_t experiment_id, const QString& folder);
    void setOverwriteQuestion(std::function<bool(const QStringList& existing)> ask) { overwrite_question_ = std::move(ask); }
    // The file names exportTo() writes for the experiment (relative to the folder).
    QStringList exportFileNames(const experiments::LoadedExperiment& experiment) const;

    ExperimentQueueController* controller() const { return controller_; }
    QTableWidget* experimentList() const { return list_; }
    QTableWidget* queueTable() const { return queue_; }
    TimeToLossWidget* timeToLoss() const { return time_to_loss_; }
    SweepPlot* sweepPlot() const { return sweep_; }
    LossCurvesPlot* lossCurves() const { return curves_; }
    QTabWidget* analysisTabs() const { return analysis_tabs_; }
    // The experiment's runs overlaid (ui/compare's CompareView), in the "Run curves" tab.
    CompareView* compareView() const { return compare_; }
    QPushButton* runButton() const { return run_; }
    QLabel* statusLabel() const { return status_; }
    // The loaded experiment shown (nullopt when none is selected).
    const std::optional<experiments::LoadedExperiment>& shown() const { return shown_; }

Q_SIGNALS:
    // A queued run started: its experiment and label (the window may switch to the Live tab).
    void queuedRunStarted(qint64 experiment_id, const QString& label);
    void experimentFinished(qint64 experiment_id, const QString& state, const QString& message);

private:
    bool openHistory();
    void reloadList();
    void reloadSelected(bool analysis);
    void fillQueue();
    void updateControls();
    void updateProgress();
    void onSelectionChanged();
    void deleteSelected();
    void exportDialog();
    void showMessage(const QString& text, bool error = false);

    QString history_path_;
    std::function<RunConfig()> base_config_;
    std::unique_ptr<store::RunHistory> history_;
    QString history_error_;
    ExperimentQueueController* controller_ = nullptr;
    int64_t selected_id_ = 0;
    int64_t list_version_ = -1;
    int64_t data_version_ = -1;
    std::optional<experiments::LoadedExperiment> shown_;
    std::optional<store::ExperimentRecord> record_;  // the selected experiment, as last read
    std::vector<store::QueueItem> items_;            // its queue
    QString analysis_key_;                           // the queue's statuses and runs when shown_ was loaded
    std::function<bool(const QStringList&)> overwrite_question_;

    QTableWidget* list_ = nullptr;
    QPushButton* new_ = nullptr;
    QPushButton* delete_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* message_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* pause_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* skip_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QPushButton* export_ = nullptr;
    QTableWidget* queue_ = nullptr;
    QTabWidget* analysis_tabs_ = nullptr;
    TimeToLossWidget* time_to_loss_ = nullptr;
    LossCurvesPlot* curves_ = nullptr;
    SweepPlot* sweep_ = nullptr;
    CompareView* compare_ = nullptr;
    QTimer* poll_ = nullptr;
};

}  // namespace gossiplab::ui
