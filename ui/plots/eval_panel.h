#pragma once
// The test model (the workers' average, or the EASGD center): test accuracy on the left axis and
// test loss on the right axis, over the same x axis as the other panels.

#include "ui/plots/plot_panel.h"

namespace gossiplab::ui {

class EvalPanel final : public PlotPanel {
    Q_OBJECT
public:
    explicit EvalPanel(QWidget* parent = nullptr);
    ~EvalPanel() override;

protected:
    uint64_t signature() const override;
    void rebuild() override;
    std::vector<QCPAxis*> logAxes() const override;
    std::vector<QCPAxisRect*> timeRects() const override;
    void adjustRanges() override;

private:
    QCPGraph* accuracy_ = nullptr;
    QCPGraph* loss_ = nullptr;
    std::vector<double> xs_, ys_;
};

}  // namespace gossiplab::ui
