#include "ui/settings/run_settings_panel.h"

#include <cmath>
#include <limits>

#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "core/train/run.h"
#include "core/train/run_settings.h"
#include "ui/log.h"

namespace gossiplab::ui {

namespace {

constexpr int kPSliderSteps = 300;  // p = 10^(-3 + 3 k / steps); k = 0 is p = 0

QString fmt(double v) { return QString::number(v, 'g', 10); }

std::optional<double> parseNumber(const QString& text) {
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    if (!ok) return std::nullopt;
    return v;
}

// validate() names the budget's error after its kind; the form shows it at the budget field.
QString formKeyOf(const std::string& field) {
    if (field == "epochs" || field == "images" || field == "seconds") return QStringLiteral("budget");
    return QString::fromStdString(field);
}

QString budgetFlag(BudgetKind kind) { return QString::fromStdString(toString(kind)); }

}  // namespace

struct RunSettingsPanel::Field {
    QString key;
    QLabel* label = nullptr;
    QWidget* editor = nullptr;  // QLineEdit or QComboBox
    QWidget* row = nullptr;     // the editor, or the widget that holds it with its companions
    QWidget* cell = nullptr;    // the field column: the row above its error message
    QLabel* error = nullptr;
    bool applies = true;        // the field applies to the chosen algorithm / dataset
    bool advanced = false;      // in the collapsible section
};

RunSettingsPanel::RunSettingsPanel(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->setSpacing(6);

    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* body = new QWidget(scroll);
    scroll->setWidget(body);
    outer->addWidget(scroll, 1);

    // A grid, not a QFormLayout: hiding rows with QFormLayout::setRowVisible (Qt 6.4) hid other
    // rows than the ones asked for whenever an error row was shown (issue #20). Here a field's
    // error message lives in the field's own cell and only ever hides or shows itself; a field that
    // does not apply hides its label and its cell, which the grid skips like an empty row.
    auto* form = new QGridLayout(body);
    form->setContentsMargins(10, 8, 10, 8);
    form->setHorizontalSpacing(10);
    form->setVerticalSpacing(5);
    form->setColumnStretch(1, 1);
    auto fullRow = [form](QWidget* w) { form->addWidget(w, form->rowCount(), 0, 1, 2); };

    auto heading = [&](const QString& text) {
        auto* label = new QLabel(text.toUpper(), body);
        label->setObjectName("sectionHeading");
        QFont f = label->font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 0.85);
        f.setLetterSpacing(QFont::PercentageSpacing, 108);
        label->setFont(f);
        label->setStyleSheet("color: #5A6270; padding-top: 8px;");
        fullRow(label);
        return label;
    };

    // ---- preset ----
    preset_ = new QComboBox(body);
    preset_->setObjectName("preset");
    // Short names that fit the panel (a cut "Quick demo (Fashion-MNIST, 4 worl" helps no one);
    // each item's tooltip says the rest.
    const struct {
        QString name, key, detail;
    } presets[] = {
        {tr("Custom"), QString(), tr("The settings as you set them")},
        {tr("Quick demo"), "quick", tr("Fashion-MNIST, LeNet, 4 workers, 45 s, tested every 10,000 images per worker")},
        {tr("Paper: GoSGD p = 0.02"), "paper", tr("CIFAR-10, the EASGD network, 8 workers, batch 128, lr 0.01 (Blot et al. 2016)")},
        {tr("Paper: EAMSGD \u03C4 = 50"), "paper-eamsgd", tr("CIFAR-10, 8 workers, Nesterov 0.99, the center tested")},
        {tr("Paper: naive"), "paper-naive", tr("CIFAR-10, 8 workers, no communication")},
        {tr("Defaults"), "default", tr("GossipLab's defaults")},
    };
    for (const auto& preset : presets) {
        preset_->addItem(preset.name, preset.key);
        preset_->setItemData(preset_->count() - 1, preset.detail, Qt::ToolTipRole);
    }
    preset_->setToolTip(tr("Fill the form with a preset. The paper's presets follow Blot et al. (2016): 8 workers, "
                           "batch 128, lr 0.01, weight decay 1e-4, the EASGD CIFAR network."));
    {
        auto* label = new QLabel(tr("Preset"), body);
        label->setBuddy(preset_);
        const int row = form->rowCount();
        form->addWidget(label, row, 0);
        form->addWidget(preset_, row, 1);
    }
    connect(preset_, qOverload<int>(&QComboBox::activated), this, [this](int index) {
        const QString name = preset_->itemData(index).toString();
        if (!name.isEmpty()) applyPreset(name);
    });

    // ---- the settings, from the table (core/train/run_settings.h), section by section ----
    // Most fields are a line edit or a combo of the setting's choices; a few get companions:
    // p its slider, the folder a browse button, the budget its kind, the devices this machine's.
    QLineEdit* p_edit = nullptr;
    auto addSetting = [&](const RunSetting& setting) {
        const QString key = QString::fromStdString(setting.key);
        QString tip = tr(setting.help.c_str());
        if (!setting.range.empty()) tip += " " + tr("Allowed: %1.").arg(QString::fromStdString(setting.range));
        const QString label = tr(setting.label.c_str());
        if (key == "p") {
            auto* p_row = new QWidget(body);
            auto* p_layout = new QHBoxLayout(p_row);
            p_layout->setContentsMargins(0, 0, 0, 0);
            p_layout->setSpacing(6);
            p_edit = addLine(form, key, label, tip + " " + tr("Drag the slider during a run to watch the consensus answer."), p_row);
            p_edit->setMaximumWidth(80);
            p_layout->addWidget(p_edit);
            p_slider_ = new QSlider(Qt::Horizontal, p_row);
            p_slider_->setObjectName("p-slider");
            p_slider_->setRange(0, kPSliderSteps);
            p_slider_->setToolTip(tr("p on a log scale from 0.001 to 1 (far left: 0)"));
            p_layout->addWidget(p_slider_, 1);
        } else if (key == "data-dir") {
            data_dir_row_ = new QWidget(body);
            auto* dir_layout = new QHBoxLayout(data_dir_row_);
            dir_layout->setContentsMargins(0, 0, 0, 0);
            dir_layout->setSpacing(4);
            auto* dir_edit = addLine(form, key, label, tip, data_dir_row_);
            dir_layout->addWidget(dir_edit, 1);
            auto* browse = new QToolButton(data_dir_row_);
            browse->setText(QStringLiteral("\u2026"));
            browse->setToolTip(tr("Choose the dataset folder"));
            dir_layout->addWidget(browse);
            connect(browse, &QToolButton::clicked, this, [this, dir_edit] {
                const QString start = dir_edit->text().isEmpty() ? dir_edit->placeholderText() : dir_edit->text();
                const QString dir = QFileDialog::getExistingDirectory(this, tr("Dataset folder"), start);
                if (!dir.isEmpty()) dir_edit->setText(dir);
            });
        } else if (key == "devices") {
            std::vector<std::pair<QString, QString>> devices;
            for (const std::string& d : availableDeviceChoices()) devices.emplace_back(QString::fromStdString(d), QString::fromStdString(d));
            auto* combo = addCombo(form, key, label, tip, devices);
            combo->setEditable(true);
            connect(combo, &QComboBox::editTextChanged, this, &RunSettingsPanel::onEdited);
        } else if (key == "budget") {
            auto* budget_row = new QWidget(body);
            auto* budget_layout = new QHBoxLayout(budget_row);
            budget_layout->setContentsMargins(0, 0, 0, 0);
            budget_layout->setSpacing(6);
            auto* budget_edit = addLine(form, key, label, tip, budget_row);
            budget_layout->addWidget(budget_edit, 1);
            budget_kind_ = new QComboBox(budget_row);
            budget_kind_->setObjectName("field-budget-kind");
            for (const auto& [value, text] : findRunSetting("budget-kind")->choices)
                budget_kind_->addItem(tr(text.c_str()), QString::fromStdString(value));
            budget_layout->addWidget(budget_kind_);
            connect(budget_kind_, qOverload<int>(&QComboBox::currentIndexChanged), this, &RunSettingsPanel::onEdited);
        } else if (setting.kind == SettingKind::Choice) {
            std::vector<std::pair<QString, QString>> items;
            for (const auto& [value, text] : setting.choices) items.emplace_back(tr(text.c_str()), QString::fromStdString(value));
            addCombo(form, key, label, tip, items);
        } else {
            addLine(form, key, label, tip);
        }
    };
    auto addSection = [&](SettingSection section) {
        for (const RunSetting& setting : runSettings())
            if (setting.section == section) addSetting(setting);
    };
    heading(tr("Algorithm"));
    addSection(SettingSection::Algorithm);
    p_debounce_ = new QTimer(this);
    p_debounce_->setSingleShot(true);
    p_debounce_->setInterval(200);
    connect(p_slider_, &QSlider::valueChanged, this, &RunSettingsPanel::onPSlider);
    connect(p_debounce_, &QTimer::timeout, this, [this] { emitLive("p"); });
    heading(tr("Data and model"));
    addSection(SettingSection::DataAndModel);
    heading(tr("Budget"));
    addSection(SettingSection::Budget);

    // ---- monitoring and advanced (collapsible) ----
    advanced_toggle_ = new QToolButton(body);
    advanced_toggle_->setText(tr("Monitoring and advanced"));
    advanced_toggle_->setCheckable(true);
    advanced_toggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    advanced_toggle_->setArrowType(Qt::RightArrow);
    advanced_toggle_->setAutoRaise(true);
    advanced_toggle_->setStyleSheet("QToolButton { font-weight: bold; color: #5A6270; padding-top: 8px; }");
    fullRow(advanced_toggle_);
    const size_t first_advanced = fields_.size();
    addSection(SettingSection::Advanced);
    for (size_t i = first_advanced; i < fields_.size(); ++i) fields_[i]->advanced = true;
    connect(advanced_toggle_, &QToolButton::toggled, this, [this](bool open) {
        advanced_toggle_->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
        updateVisibility();
    });

    // ---- summary and buttons (always visible, under the scroll area) ----
    summary_ = new QLabel(this);
    summary_->setObjectName("validationSummary");
    summary_->setWordWrap(true);
    summary_->setStyleSheet("color: #B3261E; padding: 0 10px;");
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outer->addWidget(summary_);
    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(10, 0, 10, 10);
    start_ = new QPushButton(tr("Start   Ctrl+R"), this);
    start_->setObjectName("startButton");
    start_->setToolTip(tr("Start a run with these settings (Ctrl+R)"));
    start_->setMinimumHeight(30);
    start_->setStyleSheet("QPushButton:enabled { background: #2E7D32; color: white; font-weight: bold; border-radius: 4px; }"
                          "QPushButton:disabled { background: #D5D8DC; color: #7A7F87; border-radius: 4px; }");
    stop_ = new QPushButton(tr("Stop   Esc"), this);
    stop_->setObjectName("stopButton");
    stop_->setToolTip(tr("Stop the run after each worker's current step; it is recorded as stopped (Esc)"));
    stop_->setMinimumHeight(30);
    stop_->setStyleSheet("QPushButton:enabled { background: #B3261E; color: white; font-weight: bold; border-radius: 4px; }"
                         "QPushButton:disabled { background: #D5D8DC; color: #7A7F87; border-radius: 4px; }");
    buttons->addWidget(start_, 1);
    buttons->addWidget(stop_, 1);
    outer->addLayout(buttons);
    connect(start_, &QPushButton::clicked, this, &RunSettingsPanel::startRequested);
    connect(stop_, &QPushButton::clicked, this, &RunSettingsPanel::stopRequested);

    // Live edits: the learning rate on Enter / leaving the field, p also from the slider.
    // A typed learning rate waits for Enter or for the field to lose focus (clicking a plot does
    // not take it): until then the field says it is pending.
    if (auto* lr = qobject_cast<QLineEdit*>(editor("learning-rate"))) {
        connect(lr, &QLineEdit::editingFinished, this, [this] {
            emitLive("learning-rate");
            updateLearningRatePending();
        });
        connect(lr, &QLineEdit::textEdited, this, [this] { updateLearningRatePending(); });
    }
    connect(p_edit, &QLineEdit::editingFinished, this, [this] { emitLive("p"); });

    // Long item texts must not widen the dock: combos size to a short minimum and elide.
    for (QComboBox* combo : findChildren<QComboBox*>()) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
    }
    setStyleSheet("QLineEdit { border: 1px solid #C3C7CD; border-radius: 3px; padding: 3px 5px; background: white; }"
                  "QLineEdit:focus { border-color: #4E79A7; }"
                  "QLineEdit:disabled { background: #F2F3F5; color: #8A8F96; }"
                  "QLineEdit[invalid=\"true\"] { border-color: #B3261E; background: #FDF1F0; }"
                  "QLineEdit[pending=\"true\"] { border-color: #C98A00; background: #FFF8E1; }");
    setMinimumWidth(320);
    setConfig(quickDemoPreset());
    preset_->setCurrentIndex(preset_->findData("quick"));
}

RunSettingsPanel::~RunSettingsPanel() {
    // ~QWidget closes the window before it deletes the children: a focused line edit then emits
    // editingFinished, and our slots would run on this half-destroyed panel (ASan: use after free
    // in emitLive; the heap corruption of issue 18, ui/README.md). Nothing of ours runs from here.
    for (QObject* child : findChildren<QObject*>()) child->blockSignals(true);
}

void RunSettingsPanel::addField(QGridLayout* form, const QString& key, QLabel* label, QWidget* editor, QWidget* row_widget) {
    auto f = std::make_unique<Field>();
    f->key = key;
    f->label = label;
    f->editor = editor;
    f->row = row_widget ? row_widget : editor;
    editor->setObjectName("field-" + key);
    label->setObjectName("label-" + key);
    label->setBuddy(editor);
    f->cell = new QWidget(form->parentWidget());
    f->cell->setObjectName("cell-" + key);
    auto* cell_layout = new QVBoxLayout(f->cell);
    cell_layout->setContentsMargins(0, 0, 0, 0);
    cell_layout->setSpacing(1);
    f->row->setParent(f->cell);
    cell_layout->addWidget(f->row);
    f->error = new QLabel(f->cell);
    f->error->setObjectName("error-" + key);
    f->error->setWordWrap(true);
    f->error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    f->error->setStyleSheet("color: #B3261E; font-size: 8pt; padding: 0 0 2px 2px;");
    f->error->hide();
    cell_layout->addWidget(f->error);
    // The label sits beside the editor, not beside the middle of editor + message.
    label->setMinimumHeight(f->row->sizeHint().height());
    label->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    const int row = form->rowCount();
    form->addWidget(label, row, 0, Qt::AlignTop);
    form->addWidget(f->cell, row, 1);
    by_key_[key] = f.get();
    fields_.push_back(std::move(f));
}

QLineEdit* RunSettingsPanel::addLine(QGridLayout* form, const QString& key, const QString& label, const QString& tip,
                                     QWidget* row_widget) {
    auto* edit = new QLineEdit(row_widget ? row_widget : form->parentWidget());
    edit->setToolTip(tip);
    edit->setClearButtonEnabled(false);
    auto* l = new QLabel(label, form->parentWidget());
    l->setToolTip(tip);
    addField(form, key, l, edit, row_widget);
    connect(edit, &QLineEdit::textChanged, this, &RunSettingsPanel::onEdited);
    return edit;
}

QComboBox* RunSettingsPanel::addCombo(QGridLayout* form, const QString& key, const QString& label, const QString& tip,
                                      const std::vector<std::pair<QString, QString>>& items, QWidget* row_widget) {
    auto* combo = new QComboBox(row_widget ? row_widget : form->parentWidget());
    combo->setToolTip(tip);
    for (const auto& [text, data] : items) combo->addItem(text, data);
    auto* l = new QLabel(label, form->parentWidget());
    l->setToolTip(tip);
    addField(form, key, l, combo, row_widget);
    connect(combo, qOverload<int>(&QComboBox::currentIndexChanged), this, &RunSettingsPanel::onEdited);
    return combo;
}

RunSettingsPanel::Field* RunSettingsPanel::field(const QString& key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : it->second;
}

QWidget* RunSettingsPanel::editor(const QString& key) const {
    if (Field* f = field(formKeyOf(key.toStdString()))) return f->editor;
    return nullptr;
}

QString RunSettingsPanel::text(const QString& key) const {
    Field* f = field(key);
    if (!f) return {};
    if (auto* e = qobject_cast<QLineEdit*>(f->editor)) return e->text();
    if (auto* c = qobject_cast<QComboBox*>(f->editor)) {
        if (c->isEditable()) {
            const int i = c->findText(c->currentText());
            return i >= 0 && c->itemData(i).isValid() ? c->itemData(i).toString() : c->currentText().trimmed();
        }
        return c->currentData().toString();
    }
    return {};
}

void RunSettingsPanel::setText(const QString& key, const QString& value) {
    if (auto* e = qobject_cast<QLineEdit*>(editor(key))) e->setText(value);
}

void RunSettingsPanel::setComboData(const QString& key, const QString& data) {
    auto* c = qobject_cast<QComboBox*>(editor(key));
    if (!c) return;
    const int i = c->findData(data);
    if (i >= 0) c->setCurrentIndex(i);
    else if (c->isEditable()) c->setEditText(data);
}

QString RunSettingsPanel::errorText(const QString& key) const {
    Field* f = field(formKeyOf(key.toStdString()));
    return f ? f->error->text() : QString();
}

void RunSettingsPanel::setConfig(const RunConfig& c) {
    filling_ = true;
    for (const auto& f : fields_) {
        const RunSetting* setting = findRunSetting(f->key.toStdString());
        if (!setting) continue;
        QString value = QString::fromStdString(setting->get(c));
        if (setting->zero_shows_empty && setting->number && setting->number(c) == 0.0) value.clear();
        if (qobject_cast<QComboBox*>(f->editor)) setComboData(f->key, value);
        else setText(f->key, value);
    }
    budget_kind_->setCurrentIndex(budget_kind_->findData(budgetFlag(c.budget_kind)));
    filling_ = false;
    {
        QSignalBlocker block(preset_);
        preset_->setCurrentIndex(0);  // "Custom" until applyPreset() says which
    }
    revalidate();
    updatePSlider();
}

bool RunSettingsPanel::applyPreset(const QString& name) {
    const auto preset = presetByName(name.toStdString());
    if (!preset) return false;
    setConfig(*preset);
    QSignalBlocker block(preset_);
    preset_->setCurrentIndex(std::max(0, preset_->findData(name)));
    qCInfo(lcUi) << "preset" << name;
    return true;
}

void RunSettingsPanel::onEdited() {
    if (filling_) return;
    {
        QSignalBlocker block(preset_);
        preset_->setCurrentIndex(0);  // "Custom"
    }
    revalidate();
    if (sender() == editor("p")) updatePSlider();
}

void RunSettingsPanel::revalidate() {
    if (filling_) return;
    RunConfig c;
    std::vector<ConfigError> parse_errors;
    c.budget_kind = parseBudgetKind(budget_kind_->currentData().toString().toStdString()).value_or(BudgetKind::Epochs);
    for (const auto& f : fields_) {
        const RunSetting* setting = findRunSetting(f->key.toStdString());
        if (!setting) continue;
        QString value = text(f->key).trimmed();
        if (value.isEmpty() && setting->zero_shows_empty) value = "0";
        if (auto expected = setting->set(c, value.toStdString())) {
            // The budget's message names its kind, as validate()'s do ("epochs is ...").
            const std::string field = f->key == "budget" ? toString(c.budget_kind) : setting->key;
            parse_errors.push_back({field, notParsedMessage(field == setting->key ? *setting : *findRunSetting(field),
                                                            value.toStdString(), *expected)});
        }
    }

    // A field that did not parse keeps its default above, so validate() says nothing about it.
    std::vector<ConfigError> errors = parse_errors;
    for (const ConfigError& e : validate(c)) {
        bool parse_failed = false;
        for (const ConfigError& p : parse_errors) parse_failed |= formKeyOf(p.field) == formKeyOf(e.field);
        if (!parse_failed) errors.push_back(e);
    }
    config_ = c;
    errors_ = errors;

    // Show each message at its field (the first per field; validate() gives one per field).
    std::map<QString, QString> shown;
    for (const ConfigError& e : errors) {
        const QString key = formKeyOf(e.field);
        if (!shown.count(key)) shown[key] = QString::fromStdString(e.message);
    }
    for (auto& f : fields_) {
        const auto it = shown.find(f->key);
        const QString message = it == shown.end() ? QString() : it->second;
        f->error->setText(message);
        const bool invalid = !message.isEmpty();
        if (f->editor->property("invalid").toBool() != invalid) {
            f->editor->setProperty("invalid", invalid);
            f->editor->style()->unpolish(f->editor);
            f->editor->style()->polish(f->editor);
        }
    }
    // An error in the collapsed section opens it.
    for (auto& f : fields_)
        if (f->advanced && !f->error->text().isEmpty() && !advanced_toggle_->isChecked()) advanced_toggle_->setChecked(true);

    // The running run keeps the name it started with: a live p or lr change does not rename it.
    if (auto* name = qobject_cast<QLineEdit*>(editor("name")); name && !run_active_)
        name->setPlaceholderText(tr("auto: %1").arg(QString::fromStdString(c.effectiveName())));
    if (auto* dir = qobject_cast<QLineEdit*>(editor("data-dir"))) {
        RunConfig d;
        d.dataset = c.dataset;
        dir->setPlaceholderText(QString::fromStdString(d.effectiveDataDir()));
    }
    if (auto* alpha = qobject_cast<QLineEdit*>(editor("easgd-alpha")))
        alpha->setPlaceholderText(tr("auto: 0.9 / M = %1").arg(0.9 / std::max(1, c.workers), 0, 'g', 4));
    if (auto* tau = qobject_cast<QLineEdit*>(editor("easgd-tau")))
        tau->setPlaceholderText(c.p > 0 ? tr("auto: round(1/p) = %1").arg(c.effectiveEasgdTau()) : tr("required when p is 0"));
    if (auto* h = qobject_cast<QLineEdit*>(editor("local-steps")))
        h->setPlaceholderText(c.p > 0 ? tr("auto: round(1/p) = %1").arg(c.effectiveLocalSteps()) : tr("required when p is 0"));
    if (Field* m = field("momentum")) m->label->setText(c.algorithm == Algorithm::Easgd ? tr("Momentum \u03B4") : tr("Momentum"));

    updateVisibility();
    const bool valid = errors_.empty();
    if (valid != valid_) {
        valid_ = valid;
        Q_EMIT validityChanged(valid);
    }
    updateButtons();
    Q_EMIT configChanged();
}

void RunSettingsPanel::updateVisibility() {
    const Algorithm a = config_.algorithm;
    const bool synthetic = config_.dataset.rfind("synthetic", 0) == 0;
    for (auto& f : fields_) {
        const RunSetting* setting = findRunSetting(f->key.toStdString());
        bool applies = !setting || setting->appliesTo(a);
        if (f->key == "data-dir") applies = !synthetic;
        f->applies = applies;
        const bool visible = applies && (!f->advanced || advanced_toggle_->isChecked());
        f->label->setVisible(visible);
        f->cell->setVisible(visible);
        f->error->setVisible(!f->error->text().isEmpty());
    }
    // Errors the form cannot show at a visible field are listed above Start.
    QStringList hidden;
    for (const ConfigError& e : errors_) {
        Field* f = field(formKeyOf(e.field));
        const bool shown = f && f->applies && (!f->advanced || advanced_toggle_->isChecked());
        if (!shown) hidden << QString::fromStdString(e.message);
    }
    QString summary;
    if (!errors_.empty()) {
        summary = errors_.size() == 1 ? tr("1 setting needs attention before a run can start.")
                                      : tr("%1 settings need attention before a run can start.").arg(errors_.size());
        if (!hidden.isEmpty()) summary += "\n" + hidden.join("\n");
    }
    summary_->setText(summary);
    summary_->setVisible(!summary.isEmpty() && !run_active_);
}

void RunSettingsPanel::updateButtons() {
    start_->setEnabled(!run_active_ && errors_.empty());
    stop_->setEnabled(run_active_);
}

void RunSettingsPanel::updatePSlider() {
    const auto p = parseNumber(text("p"));
    if (!p) return;
    int position = 0;
    if (*p > 0) position = static_cast<int>(std::lround((std::log10(std::clamp(*p, 1e-3, 1.0)) + 3.0) / 3.0 * kPSliderSteps));
    QSignalBlocker block(p_slider_);
    p_slider_->setValue(position);
}

void RunSettingsPanel::onPSlider(int position) {
    const double p = position <= 0 ? 0.0 : std::pow(10.0, -3.0 + 3.0 * position / kPSliderSteps);
    // Three significant digits: what a researcher would type.
    setText("p", QString::number(p, 'g', position <= 0 ? 1 : 3));
    if (run_active_) p_debounce_->start();
}

void RunSettingsPanel::emitLive(const QString& key) {
    if (!run_active_) return;
    Field* f = field(key);
    if (!f || !f->editor->isEnabled() || !f->error->text().isEmpty()) return;
    const double value = key == "p" ? config_.p : config_.learning_rate;
    const auto it = live_applied_.find(key);
    if (it != live_applied_.end() && it->second == value) return;
    live_applied_[key] = value;
    qCInfo(lcUi) << "live change" << key << value;
    Q_EMIT liveSettingRequested(key, value);
}

bool RunSettingsPanel::learningRatePending() const {
    if (!run_active_) return false;
    const auto shown = parseNumber(text("learning-rate"));
    const auto it = live_applied_.find("learning-rate");
    return shown && it != live_applied_.end() && *shown != it->second;
}

void RunSettingsPanel::updateLearningRatePending() {
    auto* lr = qobject_cast<QLineEdit*>(editor("learning-rate"));
    if (!lr) return;
    const bool pending = learningRatePending();
    if (lr->property("pending").toBool() == pending) return;
    lr->setProperty("pending", pending);
    lr->setToolTip(pending ? tr("Not applied yet: press Enter (or leave the field) to apply it to the running run")
                           : field("learning-rate")->label->toolTip());
    lr->style()->unpolish(lr);
    lr->style()->polish(lr);
}

void RunSettingsPanel::setLiveValue(const QString& key, double value) {
    if (key != "p" && key != "learning-rate") return;
    const auto shown = parseNumber(text(key));
    live_applied_[key] = value;
    if (shown && *shown == value) return;
    filling_ = true;
    setText(key, fmt(value));
    filling_ = false;
    revalidate();
    if (key == "p") updatePSlider();
}

void RunSettingsPanel::showLiveResult(const QString& key, const QString& message) {
    Field* f = field(key);
    if (!f) return;
    f->error->setText(message);
    f->error->setVisible(!message.isEmpty());
}

void RunSettingsPanel::setRunActive(bool active) {
    run_active_ = active;
    // p is live only where it is an exchange probability (GoSGD). EASGD's tau and local SGD's H are
    // round(1/p) fixed at the start; the other algorithms have no p.
    const bool p_live = config_.algorithm == Algorithm::GoSgd;
    for (auto& f : fields_) {
        bool enabled = !active;
        if (active && f->key == "learning-rate") enabled = live_edits_allowed_;
        if (active && f->key == "p") enabled = p_live && live_edits_allowed_;
        f->editor->setEnabled(enabled);
        f->label->setEnabled(enabled || !active);
    }
    p_slider_->setEnabled(!active || (p_live && live_edits_allowed_));
    budget_kind_->setEnabled(!active);
    preset_->setEnabled(!active);
    if (Field* d = field("data-dir")) d->row->setEnabled(!active);
    if (active) {
        live_applied_ = {{"p", config_.p}, {"learning-rate", config_.learning_rate}};
    } else {
        p_debounce_->stop();
        live_applied_.clear();
    }
    updateVisibility();
    updateButtons();
}

QVariantMap RunSettingsPanel::fieldTexts() const {
    QVariantMap out;
    for (const auto& f : fields_) {
        if (auto* e = qobject_cast<QLineEdit*>(f->editor)) out[f->key] = e->text();
        else if (qobject_cast<QComboBox*>(f->editor)) out[f->key] = text(f->key);
    }
    out["budget-kind"] = budget_kind_->currentData().toString();
    out["preset"] = preset_->currentData().toString();
    out["advanced-open"] = advanced_toggle_->isChecked();
    return out;
}

void RunSettingsPanel::setFieldTexts(const QVariantMap& texts) {
    if (texts.isEmpty()) return;
    filling_ = true;
    for (auto it = texts.begin(); it != texts.end(); ++it) {
        Field* f = field(it.key());
        if (!f) continue;
        if (qobject_cast<QLineEdit*>(f->editor)) setText(it.key(), it.value().toString());
        else setComboData(it.key(), it.value().toString());
    }
    const int kind = budget_kind_->findData(texts.value("budget-kind").toString());
    if (kind >= 0) budget_kind_->setCurrentIndex(kind);
    {
        QSignalBlocker block(preset_);
        preset_->setCurrentIndex(std::max(0, preset_->findData(texts.value("preset").toString())));
    }
    advanced_toggle_->setChecked(texts.value("advanced-open").toBool());
    filling_ = false;
    revalidate();
    updatePSlider();
}

}  // namespace gossiplab::ui
