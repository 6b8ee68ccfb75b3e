#include "ui/experiments/new_experiment_dialog.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "core/experiments/report.h"
#include "ui/model/algorithm_names.h"

namespace gossiplab::ui {

using namespace gossiplab::experiments;

namespace {


QString budgetText(const RunConfig& c) {
    const QString value = QString::fromStdString(formatValue(c.budget, 8));
    switch (c.budget_kind) {
        case BudgetKind::Epochs: return QObject::tr("%1 epoch(s) of the team").arg(value);
        case BudgetKind::ImagesPerWorker: return QObject::tr("%1 images per worker").arg(value);
        case BudgetKind::Seconds: return QObject::tr("%1 s").arg(value);
    }
    return value;
}

QString baseText(const RunConfig& c) {
    return QObject::tr("%1 on %2 with %3, M = %4, batch %5, lr %6, momentum %7, weight decay %8, p %9, seed %10; %11")
        .arg(QString::fromStdString(toString(c.algorithm)), QString::fromStdString(c.dataset),
             QString::fromStdString(c.model))
        .arg(c.workers)
        .arg(c.batch_size)
        .arg(c.learning_rate)
        .arg(c.momentum)
        .arg(c.weight_decay)
        .arg(c.p)
        .arg(qulonglong(c.seed))
        .arg(budgetText(c));
}

}  // namespace

NewExperimentDialog::NewExperimentDialog(std::function<RunConfig()> base_config, QWidget* parent)
    : QDialog(parent), base_config_(std::move(base_config)) {
    setWindowTitle(tr("New experiment"));
    setObjectName("newExperimentDialog");
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    start_ = new QComboBox(this);
    start_->addItem(tr("A grid over the run settings panel's current settings"));
    start_->addItem(tr("Preset: GoSGD paper, Fig. 1 (GoSGD vs EAMSGD vs naive)"));
    start_->addItem(tr("Preset: Consensus vs p (GoSGD, p from 0 to 1)"));
    start_->addItem(tr("Preset: GoSGD paper, Fig. 1 late in training (20 epochs per worker)"));
    start_->setItemData(3, tr("M = 8, batch 128, lr 0.01, 600,000 images per worker, seeds 1 and 2; GoSGD p = 1 and 0.02, naive, "
                              "EAMSGD \u03C4 = 1 and 50 with \u03B1 = 0.887 and with \u03B2 = 0.9, and GoSGD p = 1 at lr 0.0125 "
                              "(the waiting-alpha control). Hours on a laptop's CPU: see README, Experiments."),
                        Qt::ToolTipRole);
    start_->addItem(tr("Preset: every algorithm at the same budget"));
    start_->setItemData(4, tr("GoSGD (p = 1 and 0.02), EAMSGD (τ = 1 and 50), naive, all-reduce, local SGD (H = 8), D-PSGD, "
                              "AD-PSGD and SGP; M = 4, batch 32, lr 0.05, 15,000 images per worker, seeds 1 and 2."),
                        Qt::ToolTipRole);
    form->addRow(tr("Start from"), start_);
    base_summary_ = new QLabel(this);
    base_summary_->setWordWrap(true);
    base_summary_->setStyleSheet("color: #5A6270;");
    form->addRow(tr("Fixed settings"), base_summary_);
    name_ = new QLineEdit(this);
    form->addRow(tr("Name"), name_);

    auto* algorithms = new QWidget(this);
    // Every algorithm (kAllAlgorithms), four to a row, named as in the settings form.
    auto* algorithms_grid = new QGridLayout(algorithms);
    algorithms_grid->setContentsMargins(0, 0, 0, 0);
    algorithms_grid->setHorizontalSpacing(12);
    for (size_t i = 0; i < kAlgorithmCount; ++i) {
        algorithms_[i] = new QCheckBox(algorithmLabel(kAllAlgorithms[i]), algorithms);
        algorithms_[i]->setObjectName(QStringLiteral("algorithm-") + algorithmKey(kAllAlgorithms[i]));
        algorithms_grid->addWidget(algorithms_[i], int(i / 4), int(i % 4));
        connect(algorithms_[i], &QCheckBox::toggled, this, &NewExperimentDialog::update);
    }
    algorithms_grid->setColumnStretch(4, 1);
    form->addRow(tr("Algorithms"), algorithms);
    const auto axis_edit = [&](const QString& label, const QString& tip) {
        auto* edit = new QLineEdit(this);
        edit->setToolTip(tip);
        form->addRow(label, edit);
        connect(edit, &QLineEdit::textChanged, this, &NewExperimentDialog::update);
        return edit;
    };
    p_ = axis_edit(tr("p"), tr("GoSGD's exchange probability; EASGD uses \u03C4 = round(1/p), local SGD H = round(1/p); the others ignore it. Comma-separated."));
    workers_ = axis_edit(tr("Workers M"), tr("Comma-separated, e.g. 2,4,8"));
    lr_ = axis_edit(tr("Learning rate"), tr("Comma-separated, e.g. 0.01,0.05"));
    seed_ = axis_edit(tr("Seeds"), tr("Comma-separated; several seeds give the spread in the sweep plot"));

    auto* budget = new QWidget(this);
    auto* budget_row = new QHBoxLayout(budget);
    budget_row->setContentsMargins(0, 0, 0, 0);
    budget_kind_ = new QComboBox(budget);
    budget_kind_->addItem(tr("as in the fixed settings"), QString());
    budget_kind_->addItem(tr("images per worker"), QStringLiteral("images"));
    budget_kind_->addItem(tr("epochs of the team"), QStringLiteral("epochs"));
    budget_kind_->addItem(tr("seconds"), QStringLiteral("seconds"));
    budget_value_ = new QLineEdit(budget);
    budget_value_->setEnabled(false);
    budget_row->addWidget(budget_kind_);
    budget_row->addWidget(budget_value_, 1);
    form->addRow(tr("Budget per run"), budget);
    layout->addLayout(form);

    auto* note = new QLabel(tr("An empty axis takes the fixed settings' value. Runs that would be identical are queued "
                               "once (naive ignores p). The runs go one after another, in this order."),
                            this);
    note->setWordWrap(true);
    note->setStyleSheet("color: #5A6270;");
    layout->addWidget(note);
    plan_ = new QPlainTextEdit(this);
    plan_->setReadOnly(true);
    plan_->setObjectName("experimentPlan");
    plan_->setMinimumHeight(160);
    layout->addWidget(plan_, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    ok_ = buttons->button(QDialogButtonBox::Ok);
    ok_->setText(tr("Queue the runs"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(start_, &QComboBox::currentIndexChanged, this, &NewExperimentDialog::loadStart);
    connect(name_, &QLineEdit::textChanged, this, &NewExperimentDialog::update);
    connect(budget_kind_, &QComboBox::currentIndexChanged, this, [this] {
        budget_value_->setEnabled(!budget_kind_->currentData().toString().isEmpty());
        update();
    });
    connect(budget_value_, &QLineEdit::textChanged, this, &NewExperimentDialog::update);
    resize(640, 640);
    loadStart();
}

QString NewExperimentDialog::fixedSettingsText() const { return base_summary_->text(); }

void NewExperimentDialog::setStart(Start start) {
    if (start_->currentIndex() == int(start)) loadStart();
    else start_->setCurrentIndex(int(start));
}

QLineEdit* NewExperimentDialog::axisEdit(const QString& axis) const {
    if (axis == "p") return p_;
    if (axis == "workers") return workers_;
    if (axis == "learning-rate") return lr_;
    if (axis == "seed") return seed_;
    return nullptr;
}

QCheckBox* NewExperimentDialog::algorithmBox(Algorithm algorithm) const {
    for (size_t i = 0; i < kAlgorithmCount; ++i)
        if (kAllAlgorithms[i] == algorithm) return algorithms_[i];
    return nullptr;
}

QString NewExperimentDialog::problems() const { return valid_ ? QString() : plan_->toPlainText(); }

void NewExperimentDialog::loadStart() {
    switch (Start(start_->currentIndex())) {
        case Start::CurrentSettings: {
            start_spec_ = ExperimentSpec{};
            start_spec_.kind = ExperimentKind::Grid;
            start_spec_.base = base_config_ ? base_config_() : RunConfig{};
            start_spec_.base.name.clear();
            break;
        }
        case Start::PaperFig1: start_spec_ = paperFig1Spec(); break;
        case Start::ConsensusVsP: start_spec_ = consensusVsPSpec(); break;
        case Start::PaperFig1Long: start_spec_ = paperFig1LongSpec(); break;
        case Start::Algorithms: start_spec_ = algorithmsSpec(); break;
    }
    const QSignalBlocker b1(name_), b2(p_), b3(workers_), b4(lr_), b5(seed_), b6(budget_kind_), b7(budget_value_);
    name_->setText(QString::fromStdString(start_spec_.name));
    name_->setPlaceholderText(tr("automatic"));
    for (size_t i = 0; i < kAlgorithmCount; ++i) {
        const QSignalBlocker block(algorithms_[i]);
        const auto& axis = start_spec_.grid.algorithm;
        algorithms_[i]->setChecked(std::find(axis.begin(), axis.end(), kAllAlgorithms[i]) != axis.end());
    }
    p_->setText(QString::fromStdString(axisText(start_spec_.grid, "p")));
    workers_->setText(QString::fromStdString(axisText(start_spec_.grid, "workers")));
    lr_->setText(QString::fromStdString(axisText(start_spec_.grid, "learning-rate")));
    seed_->setText(QString::fromStdString(axisText(start_spec_.grid, "seed")));
    const RunConfig& base = start_spec_.base;
    p_->setPlaceholderText(QString::number(base.p));
    workers_->setPlaceholderText(QString::number(base.workers));
    lr_->setPlaceholderText(QString::number(base.learning_rate));
    seed_->setPlaceholderText(QString::number(qulonglong(base.seed)));
    budget_kind_->setCurrentIndex(0);
    budget_value_->clear();
    budget_value_->setEnabled(false);
    base_summary_->setText(baseText(base));
    update();
}

void NewExperimentDialog::update() {
    ExperimentSpec spec = start_spec_;
    spec.name = name_->text().trimmed().toStdString();
    std::vector<GridError> errors;
    spec.grid.algorithm.clear();
    for (size_t i = 0; i < kAlgorithmCount; ++i)
        if (algorithms_[i]->isChecked()) spec.grid.algorithm.push_back(kAllAlgorithms[i]);
    const std::pair<const char*, QLineEdit*> axes[] = {{"p", p_}, {"workers", workers_}, {"learning-rate", lr_}, {"seed", seed_}};
    for (const auto& [axis, edit] : axes) {
        auto more = setAxis(spec.grid, axis, edit->text().trimmed().toStdString());
        errors.insert(errors.end(), more.begin(), more.end());
    }
    const QString budget_key = budget_kind_->currentData().toString();
    if (!budget_key.isEmpty()) {
        const QString value = budget_value_->text().trimmed();
        if (value.isEmpty()) {
            errors.push_back({"budget", "", "give the budget's value"});
        } else if (auto error = applySetting(spec.base, budget_key.toStdString(), value.toStdString())) {
            errors.push_back({"budget", value.toStdString(), *error});
        }
    }
    QString text;
    planned_ = 0;
    if (errors.empty()) {
        const Expansion expansion = expand(spec);
        errors = expansion.errors;
        if (errors.empty()) {
            planned_ = int(expansion.runs.size());
            text = tr("%n run(s), each: %1", nullptr, planned_).arg(budgetText(expansion.runs.front().config)) + "\n";
            for (const auto& run : expansion.runs)
                text += QStringLiteral("%1  %2\n").arg(run.position + 1, 3).arg(QString::fromStdString(run.label));
        }
    }
    valid_ = errors.empty();
    if (!valid_) text = tr("Not valid:\n") + QString::fromStdString(formatGridErrors(errors));
    spec_ = spec;
    // The fixed settings as they will run: a budget typed here replaces the start's.
    base_summary_->setText(baseText(spec.base));
    plan_->setPlainText(text);
    plan_->setStyleSheet(valid_ ? QString() : QStringLiteral("color: #B3261E;"));
    ok_->setEnabled(valid_);
}

}  // namespace gossiplab::ui
