#pragma once
// The Compare tab: two or more recorded runs side by side, the paper's way. Five overlaid plots
// (training loss with each run's min/max band over its workers, test accuracy, consensus
// distance, alphas, time waiting per iteration), one colour per run, one x axis for all (images per worker, iterations or
// wall time) with linked zoom: zooming one plot's x range zooms the others. Under them the
// configuration table (differences stand out, equal rows greyed or hidden) and the final metrics.

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <QString>
#include <QWidget>

#include "ui/export/data_export.h"
#include "ui/model/run_data.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QSplitter;

namespace gossiplab::ui {

class ComparePlot;
class ConfigTable;
class PlotPanel;

class CompareView final : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    ~CompareView() override;

    // Loads the runs from the history file: "" on success, else the reason (unknown runs are
    // named; the others are still shown).
    QString setRuns(const QString& history_path, const std::vector<int64_t>& run_ids);
    void clear();
    const std::vector<int64_t>& runIds() const { return ids_; }
    QString historyPath() const { return path_; }

    void setXAxis(XAxis axis);
    XAxis xAxis() const;
    void setShowWorkers(bool on);
    void setHideEqual(bool on);
    bool hideEqualChecked() const;

    std::vector<ComparePlot*> plots() const;
    ComparePlot* lossPlot() const { return loss_; }
    ComparePlot* accuracyPlot() const { return accuracy_; }
    ComparePlot* consensusPlot() const { return consensus_; }
    ComparePlot* alphaPlot() const { return alpha_; }
    ComparePlot* waitPlot() const { return wait_; }
    ConfigTable* configTable() const { return table_; }
    // File base names and plots, as "Export all" writes them.
    std::vector<std::pair<QString, PlotPanel*>> namedPlots() const;
    // The height the config table needs to show all its (not hidden) rows without scrolling.
    int tableHeightNeeded() const;

    void setOverwriteQuestion(OverwriteQuestion ask) { overwrite_ = std::move(ask); }
    ExportAllResult exportAllTo(const QString& folder);
    void exportAllDialog();
    void exportPointsCsvDialog();

Q_SIGNALS:
    void statusMessage(const QString& text);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void shareXRange();
    void fitTable();
    void linkXRanges();

    QString path_;
    std::vector<int64_t> ids_;
    std::vector<std::unique_ptr<RunData>> data_;
    ComparePlot* loss_ = nullptr;
    ComparePlot* accuracy_ = nullptr;
    ComparePlot* consensus_ = nullptr;
    ComparePlot* alpha_ = nullptr;
    ComparePlot* wait_ = nullptr;
    ConfigTable* table_ = nullptr;
    QLabel* legend_ = nullptr;
    QComboBox* x_axis_ = nullptr;
    QCheckBox* show_workers_ = nullptr;
    QCheckBox* hide_equal_ = nullptr;
    bool linking_ = false;
    QSplitter* split_ = nullptr;
    OverwriteQuestion overwrite_;
};

}  // namespace gossiplab::ui
