#pragma once
// Run > Distributed...: the settings of a run over several processes, with this app as rank 0
// (see ui/live/distributed_setup.h): on or off, the other ranks started by the app on this
// machine ("N processes on this machine") or by the user on other machines (their exact
// gossiplab-cli commands are shown, with Copy), the rendezvous address and port, Gloo's bind
// address or interface, the join and peer timeouts. Every problem is shown under its field with
// validate(DistributedSetup)'s message, and OK stays disabled while there is one.
//
// A dialog of its own, laid out with a grid: the same section inside the settings form's
// QFormLayout corrupted memory (rows shown and hidden in Qt 6.4; cause not found), see README.

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <QDialog>

#include "core/train/run_config.h"
#include "ui/live/distributed_setup.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace gossiplab::ui {

class DistributedDialog final : public QDialog {
    Q_OBJECT
public:
    // `config`: the run's settings as the form has them now (the other ranks' commands carry them).
    DistributedDialog(const DistributedSetup& initial, RunConfig config, QWidget* parent = nullptr);

    // What the fields say (a field that does not parse keeps its default) and what is wrong.
    DistributedSetup setup() const { return setup_; }
    const std::vector<ConfigError>& errors() const { return errors_; }
    QString errorText(const QString& field) const;
    QString commandsText() const;

    QCheckBox* enabledCheck() const { return enabled_; }
    QComboBox* modeCombo() const { return mode_; }
    QLineEdit* editor(const QString& field) const;  // world, master, port, bind, iface, join-timeout, peer-timeout
    QPushButton* copyButton() const { return copy_; }
    QPushButton* okButton() const;

private:
    void revalidate();
    QLineEdit* addLine(const QString& field, const QString& label, const QString& tip);

    RunConfig config_;
    DistributedSetup setup_;
    std::vector<ConfigError> errors_;
    QCheckBox* enabled_ = nullptr;
    QComboBox* mode_ = nullptr;
    std::map<QString, QLineEdit*> editors_;
    std::string token_;  // the run token the commands carry (kept across edits)
    std::map<QString, QLabel*> error_labels_;
    std::map<QString, QLabel*> labels_;
    QLabel* note_ = nullptr;
    QPlainTextEdit* commands_ = nullptr;
    QPushButton* copy_ = nullptr;
    QDialogButtonBox* buttons_ = nullptr;
    QGridLayout* grid_ = nullptr;
    int next_row_ = 0;
};

}  // namespace gossiplab::ui
