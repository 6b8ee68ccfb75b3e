#pragma once
// A recorded run, shown with the Live tab's five panels (read from the store through
// loadRunData), a one-line summary, the x-axis choice and a slider over the run's distance-matrix
// snapshots under the heat map. A run still being recorded is re-read when asked (reload()).

#include <cstdint>
#include <vector>

#include <QString>
#include <QWidget>

#include "ui/model/distance_snapshots.h"
#include "ui/model/run_data.h"

class QComboBox;
class QLabel;
class QSlider;

namespace gossiplab::ui {

class DistancePanel;
class EvalPanel;
class PlotPanel;
class WorkerSeriesPanel;

class RunViewer final : public QWidget {
    Q_OBJECT
public:
    explicit RunViewer(QWidget* parent = nullptr);
    ~RunViewer() override;

    // Loads the run (decimated to what the panels draw); false with the reason on failure.
    bool showRun(const QString& history_path, int64_t run_id, QString* error = nullptr);
    void clear();
    // Reads the run again (a run being recorded); keeps the slider at the end if it was there.
    bool reload();
    int64_t runId() const { return run_id_; }
    const RunData& data() const { return data_; }

    // Snapshots of the distance matrix, and which one the heat map shows.
    int snapshotCount() const { return snapshots_.count(); }
    void showSnapshot(int index);
    int shownSnapshot() const;
    QSlider* snapshotSlider() const { return slider_; }

    WorkerSeriesPanel* lossPanel() const { return loss_; }
    WorkerSeriesPanel* exchangePanel() const { return exchange_; }
    WorkerSeriesPanel* waitPanel() const { return wait_; }
    DistancePanel* distancePanel() const { return distances_; }
    EvalPanel* evalPanel() const { return eval_; }
    // File base names and panels, as "Export all" writes them.
    std::vector<std::pair<QString, PlotPanel*>> namedPanels() const;
    void setXAxis(XAxis axis);

private:
    void refreshPanels();
    double consensusAt(const SamplePoint& at) const;

    QString path_;
    int64_t run_id_ = 0;
    RunData data_;
    DistanceSnapshots snapshots_;
    QLabel* summary_ = nullptr;
    QComboBox* x_axis_ = nullptr;
    WorkerSeriesPanel* loss_ = nullptr;
    WorkerSeriesPanel* exchange_ = nullptr;
    WorkerSeriesPanel* wait_ = nullptr;
    DistancePanel* distances_ = nullptr;
    EvalPanel* eval_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* slider_label_ = nullptr;
};

}  // namespace gossiplab::ui
