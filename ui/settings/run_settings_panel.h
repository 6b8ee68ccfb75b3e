#pragma once
// The run-settings form: every RunConfig field, presets, Start and Stop.
//
// Validation is RunConfig's own validate(): the form turns its texts into a RunConfig, asks
// validate(), and shows each message under its field (exactly that text); Start stays disabled
// while any is there. Text that is not a number at all is flagged by the form itself (validate()
// never sees it). While a run goes every field is locked except p (GoSGD) and the learning rate,
// whose edits are validated the same way and handed out as live changes.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QVariantMap>
#include <QWidget>

#include "core/train/run_config.h"

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QTimer;
class QToolButton;

namespace gossiplab::ui {

class RunSettingsPanel final : public QWidget {
    Q_OBJECT
public:
    explicit RunSettingsPanel(QWidget* parent = nullptr);
    ~RunSettingsPanel() override;

    // The settings the form shows (fields that do not parse keep their defaults).
    RunConfig config() const { return config_; }
    bool isValid() const { return errors_.empty(); }
    // Every problem, as shown: validate()'s errors and the form's own "not a number" ones.
    const std::vector<ConfigError>& errors() const { return errors_; }
    void setConfig(const RunConfig& config);
    // "quick", "paper", ... (presetNames()); false for an unknown name.
    bool applyPreset(const QString& name);

    // The message shown under a field ("" when none). Field names are RunConfig's flag names
    // ("p", "learning-rate", "batch-size", ...); the budget's errors ("epochs", "images",
    // "seconds") show at the budget field.
    QString errorText(const QString& field) const;
    // The editor of a field (a QLineEdit or a QComboBox), for tests and focus.
    QWidget* editor(const QString& field) const;
    QPushButton* startButton() const { return start_; }
    QPushButton* stopButton() const { return stop_; }

    // While a run is active only p (GoSGD) and the learning rate stay editable; their edits are
    // emitted as liveSettingRequested.
    void setRunActive(bool active);
    // False while the run that goes is an experiment's queued run: its p and learning rate are
    // the sweep's, so they are locked like every other field. Applies at the next setRunActive().
    void setLiveEditsAllowed(bool allowed) { live_edits_allowed_ = allowed; }
    bool runActive() const { return run_active_; }
    // During a run: a learning rate typed but not applied yet (Enter or leaving the field applies it).
    bool learningRatePending() const;
    // A live setting changed in the run (by this form, a schedule or an API call): show its value.
    void setLiveValue(const QString& field, double value);
    // A live change refused (or accepted: empty message) by the run.
    void showLiveResult(const QString& field, const QString& message);

    // Raw field texts, for QSettings (invalid texts are remembered as typed).
    QVariantMap fieldTexts() const;
    void setFieldTexts(const QVariantMap& texts);

Q_SIGNALS:
    void validityChanged(bool valid);
    void configChanged();
    void startRequested();
    void stopRequested();
    void liveSettingRequested(const QString& field, double value);

private:
    struct Field;

    QLineEdit* addLine(QGridLayout* form, const QString& key, const QString& label, const QString& tip,
                       QWidget* row_widget = nullptr);
    QComboBox* addCombo(QGridLayout* form, const QString& key, const QString& label, const QString& tip,
                        const std::vector<std::pair<QString, QString>>& items, QWidget* row_widget = nullptr);
    void addField(QGridLayout* form, const QString& key, QLabel* label, QWidget* editor, QWidget* row_widget);
    Field* field(const QString& key) const;
    void setText(const QString& key, const QString& text);
    void setComboData(const QString& key, const QString& data);
    QString text(const QString& key) const;

    void updateLearningRatePending();
    void onEdited();
    void revalidate();
    void updateVisibility();
    void updateButtons();
    void updatePSlider();
    void onPSlider(int position);
    void emitLive(const QString& key);

    std::vector<std::unique_ptr<Field>> fields_;
    std::map<QString, Field*> by_key_;
    RunConfig config_;
    std::vector<ConfigError> errors_;
    bool valid_ = false;
    bool run_active_ = false;
    bool filling_ = false;
    bool live_edits_allowed_ = true;  // setConfig/setFieldTexts in progress: one revalidation at the end
    std::map<QString, double> live_applied_;

    QComboBox* preset_ = nullptr;
    QSlider* p_slider_ = nullptr;
    QTimer* p_debounce_ = nullptr;
    QToolButton* advanced_toggle_ = nullptr;
    QWidget* advanced_ = nullptr;
    QLabel* summary_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
    QComboBox* budget_kind_ = nullptr;
    QWidget* data_dir_row_ = nullptr;
};

}  // namespace gossiplab::ui
