#pragma once
// One metric of several runs overlaid, for the compare view and the CLI's plot export of a
// comparison: one colour per run (the run palette, never a worker's colour), a bold mean line per
// run and, for per-worker metrics, the min/max band of its workers around it, or (switch) every
// worker as a thin line in the run's colour. Everything else (zoom, pan, log y, save, the x axis)
// is PlotPanel's.

#include <vector>

#include <QStringList>

#include <QColor>
#include <QString>

#include "ui/plots/plot_panel.h"

namespace gossiplab::ui {

// WaitPerIteration: the time the workers waited for each other per iteration (ms), where
// synchronous and asynchronous algorithms differ most.
enum class CompareMetric { Loss, TestAccuracy, ConsensusDistance, Alpha, WaitPerIteration };

struct CompareRun {
    const RunData* data = nullptr;  // not owned
    QString name;
    QColor color;
};

class ComparePlot final : public PlotPanel {
    Q_OBJECT
public:
    explicit ComparePlot(CompareMetric metric, QWidget* parent = nullptr);
    ~ComparePlot() override;

    CompareMetric metric() const { return metric_; }
    static QString metricTitle(CompareMetric metric);
    // Whether the metric has a band over the workers (the losses, the alphas and the waits do).
    static bool hasBand(CompareMetric metric);

    void setRuns(std::vector<CompareRun> runs);
    const std::vector<CompareRun>& runs() const { return runs_; }
    void setShowWorkers(bool on);
    bool showWorkers() const { return show_workers_; }

    // For tests: graphs drawn with data (mean lines: one per run that has the series; bands: one
    // per run whose workers have it; worker lines while showWorkers()).
    int meanGraphCount() const;
    int bandCount() const;
    int workerGraphCount() const;
    // Names in the plot's legend (drawn in exports only: on screen the view's colour key says it).
    QStringList legendNames() const;

    // The largest x of this plot's data (0 when none); the view shares the largest over its plots,
    // so that linked plots all show every final point (a fitted plot never cuts another's).
    double dataXUpper() const;
    void setSharedXUpper(double upper) { shared_x_upper_ = upper; }

protected:
    uint64_t signature() const override;
    void rebuild() override;
    std::vector<QCPAxis*> logAxes() const override;
    std::vector<QCPAxisRect*> timeRects() const override;
    void adjustRanges() override;

private:
    CompareMetric metric_;
    std::vector<CompareRun> runs_;
    bool show_workers_ = false;
    uint64_t generation_ = 0;
    double shared_x_upper_ = 0.0;
    std::vector<QCPGraph*> means_, bands_, workers_;
    std::vector<double> xs_, ys_;
};

}  // namespace gossiplab::ui
