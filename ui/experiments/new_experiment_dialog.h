#pragma once
// "New experiment": start from a built-in preset (GoSGD paper Fig. 1, Consensus vs p) or from the
// run-settings panel's current config, then edit the grid (algorithm x p x M x lr x seed), the
// name and, optionally, the budget. The planned runs (or every problem, from core's expand(),
// which validates each run with RunConfig's validate()) show as you type; OK stays disabled while
// there is a problem.

#include <functional>
#include <iterator>
#include <optional>

#include <QDialog>

#include "core/experiments/experiment_spec.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace gossiplab::ui {

class NewExperimentDialog final : public QDialog {
    Q_OBJECT
public:
    enum class Start { CurrentSettings = 0, PaperFig1 = 1, ConsensusVsP = 2, PaperFig1Long = 3, Algorithms = 4 };

    // `base_config`: the settings panel's current config (may be empty: RunConfig's defaults).
    explicit NewExperimentDialog(std::function<RunConfig()> base_config, QWidget* parent = nullptr);

    void setStart(Start start);
    // The experiment as the form describes it (nullopt while it has problems).
    std::optional<experiments::ExperimentSpec> spec() const { return valid_ ? std::optional(spec_) : std::nullopt; }
    int plannedRuns() const { return planned_; }
    QString problems() const;

    QLineEdit* axisEdit(const QString& axis) const;  // "p", "workers", "learning-rate", "seed"
    QCheckBox* algorithmBox(Algorithm algorithm) const;
    QLineEdit* nameEdit() const { return name_; }
    QComboBox* budgetKind() const { return budget_kind_; }
    QLineEdit* budgetValue() const { return budget_value_; }
    QString fixedSettingsText() const;  // the "Fixed settings" line, as the runs will use them

private:
    void loadStart();
    void update();

    std::function<RunConfig()> base_config_;
    experiments::ExperimentSpec start_spec_;  // the preset (or the current settings) before edits
    experiments::ExperimentSpec spec_;
    bool valid_ = false;
    int planned_ = 0;
    QComboBox* start_ = nullptr;
    QLineEdit* name_ = nullptr;
    static constexpr size_t kAlgorithmCount = std::size(kAllAlgorithms);
    QCheckBox* algorithms_[kAlgorithmCount] = {};  // in kAllAlgorithms' order
    QLineEdit* p_ = nullptr;
    QLineEdit* workers_ = nullptr;
    QLineEdit* lr_ = nullptr;
    QLineEdit* seed_ = nullptr;
    QComboBox* budget_kind_ = nullptr;
    QLineEdit* budget_value_ = nullptr;
    QLabel* base_summary_ = nullptr;
    QPlainTextEdit* plan_ = nullptr;
    QPushButton* ok_ = nullptr;
};

}  // namespace gossiplab::ui
