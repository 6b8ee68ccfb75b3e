#pragma once
// The experiment view's analysis widgets. Every number comes from core/experiments/analysis.h
// (timeToLossTable, metricVsParameter); these widgets only show it.
//
//   TimeToLossWidget  "images per worker and wall time to reach training loss L" per run, L
//                     editable (empty: the default, the worst final loss among the finished and
//                     diverged runs), and the GoSGD / EAMSGD ratios
//   SweepPlot         a final metric (chooser) against the swept parameter (chooser), one line per
//                     algorithm (and other varying setting), the seeds' min/max as error bars;
//                     naive, which ignores p, as a dashed level line
//   LossCurvesPlot    every run's mean training loss against images per worker or wall time, with
//                     L as a dashed horizontal line: where the table's crossings come from

#include <optional>
#include <utility>
#include <vector>

#include <QString>
#include <QWidget>

#include "core/experiments/analysis.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace gossiplab::ui {

// Saves a QCustomPlot as .png, .pdf or .svg (by suffix) through ui/export's safe write (a
// temporary file renamed into place: a failed write leaves no half-written file); width/height 0:
// its size on screen. On failure `error` names the file and the reason.
bool saveCustomPlot(QCustomPlot* plot, const QString& path, int width = 0, int height = 0, QString* error = nullptr);

class TimeToLossWidget final : public QWidget {
    Q_OBJECT
public:
    explicit TimeToLossWidget(QWidget* parent = nullptr);
    ~TimeToLossWidget() override;

    void setData(const experiments::ExperimentData& data);
    // nullopt: the default level.
    void setLevel(std::optional<double> level);
    std::optional<double> userLevel() const { return user_level_; }
    const experiments::TimeToLossTable& table() const { return table_; }

    QTableWidget* rowsTable() const { return rows_; }
    QTableWidget* ratiosTable() const { return ratios_; }
    QLineEdit* levelEdit() const { return level_edit_; }

    // Cell texts, as shown ("-" for unknown, "not reached").
    static QString formatNumber(double value, int significant = 4);

Q_SIGNALS:
    // The level in use changed (NaN when there is none).
    void levelChanged(double level);

private:
    void recompute();
    void onLevelEdited();

    experiments::ExperimentData data_;
    experiments::TimeToLossTable table_;
    std::optional<double> user_level_;
    QLineEdit* level_edit_ = nullptr;
    QLabel* caption_ = nullptr;
    QTableWidget* rows_ = nullptr;
    QTableWidget* ratios_ = nullptr;
};

class SweepPlot final : public QWidget {
    Q_OBJECT
public:
    explicit SweepPlot(QWidget* parent = nullptr);

    void setData(const experiments::ExperimentData& data);
    void setMetric(experiments::Metric metric);
    // nullopt: the default (the parameter with the most values among the finished runs).
    void setParameter(std::optional<experiments::SweepParameter> parameter);
    void setLogX(bool on);

    experiments::Metric metric() const { return metric_; }
    std::optional<experiments::SweepParameter> parameter() const { return parameter_; }
    const experiments::MetricVsParameter& shown() const { return shown_; }
    // One graph per line of shown() (the error bars are not graphs).
    int graphCount() const;
    // For tests: graph i's name and drawn points (x, y), and how many graphs carry error bars.
    QString graphName(int i) const;
    std::vector<std::pair<double, double>> graphPoints(int i) const;
    int errorBarCount() const;
    bool hasPlot() const { return !shown_.lines.empty(); }
    QCustomPlot* customPlot() const { return plot_; }
    QComboBox* metricChooser() const { return metric_box_; }
    bool saveImage(const QString& path, int width = 0, int height = 0, QString* error = nullptr);

private:
    void rebuild();
    void fillParameterChooser();

    experiments::ExperimentData data_;
    experiments::Metric metric_ = experiments::Metric::FinalLoss;
    std::optional<experiments::SweepParameter> parameter_;
    bool parameter_chosen_ = false;
    bool log_x_ = false;
    bool log_x_chosen_ = false;
    experiments::MetricVsParameter shown_;
    QComboBox* metric_box_ = nullptr;
    QComboBox* parameter_box_ = nullptr;
    QCheckBox* log_x_box_ = nullptr;
    QCustomPlot* plot_ = nullptr;
};

class LossCurvesPlot final : public QWidget {
    Q_OBJECT
public:
    explicit LossCurvesPlot(QWidget* parent = nullptr);

    void setData(const experiments::ExperimentData& data);
    void setLevel(double level);  // NaN: no line
    void setWallTime(bool on);
    int graphCount() const;
    QCustomPlot* customPlot() const { return plot_; }
    bool saveImage(const QString& path, int width = 0, int height = 0, QString* error = nullptr);

private:
    void rebuild();

    experiments::ExperimentData data_;
    double level_ = experiments::kNaN;
    bool wall_time_ = false;
    QComboBox* x_box_ = nullptr;
    QCheckBox* log_y_box_ = nullptr;
    QCustomPlot* plot_ = nullptr;
};

}  // namespace gossiplab::ui
