#pragma once
// Do the workers agree? The latest pairwise distance matrix as a heat map with its colour scale,
// and beside it the consensus distance (mean distance of the workers to their average) over time.

#include "ui/plots/plot_panel.h"

class QCPColorMap;
class QCPColorScale;
class QCPItemText;

namespace gossiplab::ui {

class DistancePanel final : public PlotPanel {
    Q_OBJECT
public:
    explicit DistancePanel(QWidget* parent = nullptr);
    ~DistancePanel() override;

    // For tests: the matrix size drawn (0 before the first snapshot).
    int matrixSize() const { return matrix_size_; }

protected:
    uint64_t signature() const override;
    void rebuild() override;
    std::vector<QCPAxis*> logAxes() const override;
    std::vector<QCPAxisRect*> timeRects() const override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void keepHeatMapSquare();

    QCPAxisRect* heat_rect_ = nullptr;
    QCPAxisRect* line_rect_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPGraph* consensus_ = nullptr;
    QCPItemText* zero_note_ = nullptr;  // over the consensus line when every value is 0 (log y draws none)
    int matrix_size_ = 0;
    std::vector<double> xs_, ys_;
};

}  // namespace gossiplab::ui
