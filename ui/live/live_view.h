#pragma once
// The Live tab: the run's status header, a banner for what went wrong, five plot panels (training
// loss, alphas or distances to the center, the time spent waiting for other workers, pairwise
// distances, test model) and the view controls
// (x axis, smoothing, raw curve, layout). A ~30 Hz timer redraws what changed while a run goes,
// so redraws are coalesced however fast the events come.

#include <vector>

#include <QVariantMap>
#include <QWidget>

#include "core/train/run_config.h"
#include "ui/model/series_buffer.h"

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QTimer;

namespace gossiplab::ui {

class DistancePanel;
class EvalPanel;
class MessageBanner;
class PlotPanel;
class ProcessListView;
class RunController;
class RunData;
class RunStatusHeader;
class WorkerSeriesPanel;

class LiveView final : public QWidget {
    Q_OBJECT
public:
    enum class PlotLayout { Grid = 0, Column = 1, Row = 2 };
    static constexpr int kRefreshIntervalMs = 20;  // one panel per tick: each redraws at most every ~100 ms

    explicit LiveView(QWidget* parent = nullptr);
    ~LiveView() override;

    void setRunData(const RunData* data);
    // Alphas (GoSGD), push-sum weights (SGP), distances to the center (EASGD) or a note saying
    // that the algorithm has neither (naive, all-reduce, local SGD, D-PSGD, AD-PSGD) in the
    // second panel.
    void configureFor(Algorithm algorithm);
    // What empty panels say: how to start (null), or what they wait for in this run.
    void setRunPlaceholders(const RunConfig* running);
    // While live, the refresh timer redraws what changed, one panel per tick in turn.
    void setLive(bool live);
    bool isLive() const;
    // Redraws every panel whose data changed (all with `force`); returns how many redrew.
    int refreshNow(bool force = false);
    // The live redraw tick: ~20 ms, longer while a panel's redraw is expensive (a slow or busy
    // machine, huge series), so that redrawing never takes more than about a third of the GUI
    // thread. One panel redraws per tick, so the GUI thread is never held for more than one
    // panel's redraw (all five at once held it 4-5 times as long).
    int refreshIntervalMs() const;
    double lastFrameMs() const { return last_frame_ms_; }  // the last panel redraw of a tick

    // The window's run controller, for the process list of runs over several processes. Found
    // by itself when the view is created inside the window (RunController::findFor); this sets
    // it explicitly (null detaches).
    void attachController(RunController* controller);
    RunController* controller() const { return controller_; }
    ProcessListView* processList() const { return processes_; }

    RunStatusHeader* header() const { return header_; }
    MessageBanner* banner() const { return banner_; }
    WorkerSeriesPanel* lossPanel() const { return loss_; }
    WorkerSeriesPanel* exchangePanel() const { return exchange_; }
    WorkerSeriesPanel* waitPanel() const { return wait_; }
    DistancePanel* distancePanel() const { return distances_; }
    EvalPanel* evalPanel() const { return eval_; }
    std::vector<PlotPanel*> panels() const;

    void setPlotLayout(PlotLayout layout);
    PlotLayout plotLayout() const { return layout_mode_; }
    void setXAxis(XAxis axis);
    XAxis xAxis() const;
    void setSmoothing(double smoothing);
    double smoothing() const;
    void setShowRaw(bool show);
    bool showRaw() const;

    // x axis, smoothing, raw curve, layout, log-y per panel: remembered between sessions.
    QVariantMap viewState() const;
    void restoreViewState(const QVariantMap& state);

Q_SIGNALS:
    void viewStateChanged();

private:
    void relayout();
    void applySmoothing();
    void onTimer();
    void updateProcesses();

    RunStatusHeader* header_ = nullptr;
    MessageBanner* banner_ = nullptr;
    ProcessListView* processes_ = nullptr;
    RunController* controller_ = nullptr;
    WorkerSeriesPanel* loss_ = nullptr;
    WorkerSeriesPanel* exchange_ = nullptr;
    WorkerSeriesPanel* wait_ = nullptr;
    DistancePanel* distances_ = nullptr;
    EvalPanel* eval_ = nullptr;
    QGridLayout* grid_ = nullptr;
    QComboBox* x_axis_ = nullptr;
    QSlider* smoothing_ = nullptr;
    QLabel* smoothing_value_ = nullptr;
    QCheckBox* show_raw_ = nullptr;
    QComboBox* layout_ = nullptr;
    QTimer* timer_ = nullptr;
    PlotLayout layout_mode_ = PlotLayout::Grid;
    Algorithm algorithm_ = Algorithm::GoSgd;
    const RunData* data_ = nullptr;
    double last_frame_ms_ = 0.0;
    double frame_ms_average_ = 0.0;
    size_t next_panel_ = 0;  // the panel the next tick looks at first
};

}  // namespace gossiplab::ui
