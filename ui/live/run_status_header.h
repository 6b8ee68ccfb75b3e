#pragma once
// The run's state at a glance, above the live plots:
//   gosgd-p0.02-M8  RUNNING  [#######-----  61% · 32.8k / 54k images]  8,240 img/s  ETA 0:42
//   elapsed 1:05 · messages 1,204 · Σα 1.000000 · 8 workers · cpu

#include <QString>
#include <QWidget>

#include "core/train/run_events.h"

class QLabel;
class QProgressBar;

namespace gossiplab::ui {

class RunStatusHeader final : public QWidget {
    Q_OBJECT
public:
    explicit RunStatusHeader(QWidget* parent = nullptr);

    void showIdle();
    void showStarting(const QString& name);
    void showStartFailed(const QString& name);
    void showStarted(const RunInfo& info);
    void showStopping();
    void showProgress(const ProgressUpdate& progress);
    void showEnded(const RunResult& result);

    // For tests: what is shown.
    QString statusText() const;
    int progressPermille() const;
    QString progressText() const;
    QString detailsText() const;

    static QString formatDuration(double seconds);
    static QString formatCount(double value);

private:
    void setStatus(const QString& text, const QString& background);

    QLabel* name_ = nullptr;
    QLabel* status_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* rate_ = nullptr;
    QLabel* eta_ = nullptr;
    QLabel* details_ = nullptr;
    RunInfo info_;
    bool sum_weights_ = false;  // the run's workers carry sum weights (hasSumWeights)
};

}  // namespace gossiplab::ui
