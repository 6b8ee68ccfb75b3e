#pragma once
// The base of every plot panel: one QCustomPlot (kept out of this header) showing a RunData, which
// may be fed live (through the bridge) or loaded from the store. A panel redraws only when what it
// shows changed (refresh() compares revisions); the caller decides how often (the live view's
// ~30 Hz timer).
//
// Every panel: wheel zoom, drag pan, double-click resets the view, right-click menu with log y,
// reset, save image (PNG, PDF, SVG) and copy image; the live-setting changes as vertical markers
// on every time axis; the x axis is selectable (images per worker, iterations, wall time).

#include <cstdint>
#include <set>
#include <vector>

#include <QImage>
#include <QString>
#include <QWidget>

#include "ui/model/run_data.h"

class QCustomPlot;
class QCPAxisRect;
class QCPAxis;
class QCPGraph;
class QCPAbstractItem;
class QCPTextElement;
class QCPItemText;
class QMenu;

namespace gossiplab::ui {

class PlotPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlotPanel(const QString& title, QWidget* parent = nullptr);
    ~PlotPanel() override;

    void setRunData(const RunData* data);  // not owned; may be null (an empty panel)
    const RunData* runData() const { return data_; }

    void setXAxis(XAxis axis);
    XAxis xAxis() const { return x_axis_; }
    void setLogY(bool on);
    bool logY() const { return log_y_; }
    // Smoothing of the panels that smooth (the training loss): debiased EMA factor in [0, 1).
    void setSmoothing(double smoothing, bool show_raw);
    void setWorkerVisible(int worker, bool visible);
    bool isWorkerVisible(int worker) const { return hidden_workers_.count(worker) == 0; }
    // Text shown in the middle of an empty panel ("Press Start ...").
    void setPlaceholder(const QString& text);

    // Redraws if the data (or a setting) changed since the last redraw, or if `force`.
    // Returns whether it redrew. The replot itself is queued (coalesced by QCustomPlot), or done
    // at once with `immediate` (the live view's timer, which coalesces already and times frames).
    bool refresh(bool force = false, bool immediate = false);
    // Back to the automatic view (as a double-click does).
    void resetView();
    // A fixed view, as if the user had zoomed (e.g. on the end of convergence, as the GoSGD paper
    // shows it): the x range of every data-following rect and/or the range of its value axis.
    // An empty range (lower >= upper) leaves that direction automatic.
    void setView(double x_lower, double x_upper, double y_lower, double y_upper);
    // The user zoomed or panned: the view no longer follows the data.
    bool followsData() const { return !user_view_; }
    // Every bucket of every series drawn (an export), instead of one per two pixels.
    void setFullDetail(bool on);

    QString title() const;  // with its live details, on one line (the panel may wrap it)
    // For tests and benchmarks: data points held by the visible graphs, and whether any is drawn.
    int64_t plottedPointCount() const;
    bool hasData() const { return plottedPointCount() > 0; }
    // Setting-change markers drawn (one per change and time axis).
    int markerCount() const { return static_cast<int>(marker_items_.size() / 2); }
    double lastRebuildMs() const { return last_rebuild_ms_; }
    // Replots at once (not queued) and returns how long it took, in milliseconds.
    double replotNow();
    QImage toImage(int width = 0, int height = 0);
    bool saveImage(const QString& path, int width = 0, int height = 0);  // .png, .pdf or .svg

    QCustomPlot* customPlot() const { return plot_; }

Q_SIGNALS:
    void workerVisibilityToggled(int worker, bool visible);
    void logYToggled(bool on);

protected:
    // A value that changes whenever what the panel draws changes (data revisions, settings).
    virtual uint64_t signature() const = 0;
    // Refills the plottables from runData() (which may be null).
    virtual void rebuild() = 0;
    // The value axes log-y applies to.
    virtual std::vector<QCPAxis*> logAxes() const = 0;
    // Axis rects whose ranges follow the data, and which show the setting markers.
    virtual std::vector<QCPAxisRect*> timeRects() const = 0;
    virtual void addMenuActions(QMenu&) {}
    // After the automatic ranges are set: a panel may correct them (e.g. a single point).
    virtual void adjustRanges() {}
    void showEvent(QShowEvent* event) override;
    // A title too wide for the panel puts its details ("   ·   ...") on a second line.
    void resizeEvent(QResizeEvent* event) override;

    uint64_t baseSignature() const;  // settings every panel shares (x axis, smoothing, ...)
    // How many buckets a series draws (SeriesBuffer::envelope): one per two pixels of the plot's
    // width while the view follows the data, so that a redraw costs the same at any run length;
    // 0 (all) once the user zoomed or panned, and for exports.
    size_t drawnBuckets() const;
    void setTitleText(const QString& text);
    // A redraw for a change made outside the data (a new title's line break, the legend's wrap, a
    // resize): queued, and skipped while refresh() rebuilds, whose own replot draws it. (QCustomPlot
    // cannot take a queued replot back: one queued during an immediate refresh drew the same frame
    // a second time, a third of the GUI thread's time in the soak.)
    void requestReplot();
    QString xAxisLabel() const;
    void styleAxisRect(QCPAxisRect* rect);
    void syncMarkers();
    void rescaleToData();
    void updatePlaceholder(bool empty);

    // Copies (xs, ys) into a graph; with `positive_only` (log axes) values <= 0 become gaps.
    static void setGraphData(QCPGraph* graph, const std::vector<double>& xs, const std::vector<double>& ys,
                             bool positive_only);

    QCustomPlot* plot_ = nullptr;
    QCPTextElement* title_ = nullptr;
    const RunData* data_ = nullptr;
    XAxis x_axis_ = XAxis::Images;
    bool log_y_ = false;
    double smoothing_ = 0.0;
    bool show_raw_ = true;
    std::set<int> hidden_workers_;
    uint64_t settings_generation_ = 0;  // bumped by every setter

private:
    void showContextMenu(const QPoint& pos);
    void saveImageDialog();
    void applyTitle();
    // The user took the view over (wheel, drag): redrawn at full resolution for the zoom.
    void takeUserView();

    QString title_text_;
    QString full_title_;  // as set; title_ may show it on two lines (applyTitle)
    QString placeholder_text_;
    QCPItemText* placeholder_ = nullptr;
    std::vector<QCPAbstractItem*> marker_items_;
    bool refreshing_ = false;  // in refresh()/setView(): requestReplot() waits for their replot
    uint64_t drawn_signature_ = ~uint64_t(0);
    uint64_t markers_signature_ = ~uint64_t(0);
    bool user_view_ = false;
    bool full_detail_ = false;
    bool watching_screen_ = false;
    double last_rebuild_ms_ = 0.0;
};

}  // namespace gossiplab::ui
