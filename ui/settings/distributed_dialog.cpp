#include "ui/settings/distributed_dialog.h"

#include "core/dist/hmac.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace gossiplab::ui {

namespace {

std::optional<int> wholeNumber(const QString& text) {
    bool ok = false;
    const int v = QLocale::c().toInt(text.trimmed(), &ok);
    return ok ? std::optional<int>(v) : std::nullopt;
}

std::optional<double> number(const QString& text) {
    bool ok = false;
    const double v = QLocale::c().toDouble(text.trimmed(), &ok);
    return ok ? std::optional<double>(v) : std::nullopt;
}

QString shortNumber(double v) { return QString::number(v, 'g', 12); }

}  // namespace

DistributedDialog::DistributedDialog(const DistributedSetup& initial, RunConfig config, QWidget* parent)
    : QDialog(parent), config_(std::move(config)), setup_(initial) {
    // A run token of its own unless one was set before: the commands for the other machines carry it.
    token_ = initial.token.empty() ? dist::generateToken() : initial.token;
    setWindowTitle(tr("Run over several processes"));
    setObjectName("distributedDialog");
    auto* outer = new QVBoxLayout(this);
    enabled_ = new QCheckBox(tr("Run over several processes (this app is rank 0)"), this);
    enabled_->setToolTip(tr("One run over several processes, on this machine or others, exchanging over LibTorch's "
                            "c10d/Gloo. This app hosts the rendezvous, records the run and runs the Workers M of the "
                            "settings; every other process runs as many."));
    outer->addWidget(enabled_);

    grid_ = new QGridLayout;
    grid_->setColumnStretch(1, 1);
    outer->addLayout(grid_);
    auto* mode_label = new QLabel(tr("Other ranks"), this);
    mode_ = new QComboBox(this);
    mode_->addItem(tr("N processes on this machine"), "local");
    mode_->addItem(tr("join from other machines"), "host");
    grid_->addWidget(mode_label, next_row_, 0);
    grid_->addWidget(mode_, next_row_++, 1);
    addLine("world", tr("Processes N"), tr("Processes in the run, this one included: 2 to 64."));
    addLine("master", tr("Rendezvous address"),
            tr("The address the other machines reach this one at. Empty: this machine's first network address."));
    addLine("port", tr("Rendezvous port"), tr("TCP port of the rendezvous, 1 to 65535. Empty: 29500, or a free port "
                                              "for processes on this machine."));
    addLine("bind", tr("Bind address"), tr("The address Gloo listens on here. Empty: automatic."));
    addLine("iface", tr("Interface"), tr("The network interface Gloo listens on here, e.g. eth0. Empty: automatic."));
    addLine("join-timeout", tr("Join timeout (s)"), tr("Every rank must join within this time, 1 to 86400 s."));
    addLine("peer-timeout", tr("Peer timeout (s)"), tr("A rank silent this long is lost, 0.5 to 3600 s."));

    note_ = new QLabel(this);
    note_->setWordWrap(true);
    outer->addWidget(note_);
    commands_ = new QPlainTextEdit(this);
    commands_->setObjectName("distributedCommands");
    commands_->setReadOnly(true);
    commands_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    commands_->setMinimumHeight(90);
    outer->addWidget(commands_, 1);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    copy_ = buttons_->addButton(tr("Copy commands"), QDialogButtonBox::ActionRole);
    outer->addWidget(buttons_);
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(copy_, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(commandsText()); });

    // The initial values, then the checks on every edit.
    enabled_->setChecked(initial.enabled);
    mode_->setCurrentIndex(initial.mode == DistributedSetup::Mode::Host ? 1 : 0);
    editors_["world"]->setText(QString::number(initial.world));
    editors_["master"]->setText(QString::fromStdString(initial.master_host));
    const bool default_port = initial.master_port == 0 ||
                              (initial.mode == DistributedSetup::Mode::Host && initial.master_port == 29500);
    editors_["port"]->setText(default_port ? QString() : QString::number(initial.master_port));
    editors_["bind"]->setText(QString::fromStdString(initial.bind));
    editors_["iface"]->setText(QString::fromStdString(initial.iface));
    editors_["join-timeout"]->setText(shortNumber(initial.join_timeout_s));
    editors_["peer-timeout"]->setText(shortNumber(initial.peer_timeout_s));
    for (auto& [field, edit] : editors_) connect(edit, &QLineEdit::textChanged, this, &DistributedDialog::revalidate);
    connect(enabled_, &QCheckBox::toggled, this, &DistributedDialog::revalidate);
    connect(mode_, &QComboBox::currentIndexChanged, this, &DistributedDialog::revalidate);
    resize(640, 560);
    revalidate();
}

QLineEdit* DistributedDialog::addLine(const QString& field, const QString& label, const QString& tip) {
    auto* l = new QLabel(label, this);
    auto* edit = new QLineEdit(this);
    edit->setObjectName("field-" + field);
    edit->setToolTip(tip);
    l->setBuddy(edit);
    auto* error = new QLabel(this);
    error->setObjectName("error-" + field);
    error->setWordWrap(true);
    error->setStyleSheet("color: #B3261E;");
    error->hide();
    grid_->addWidget(l, next_row_, 0);
    grid_->addWidget(edit, next_row_++, 1);
    grid_->addWidget(error, next_row_++, 1);
    editors_[field] = edit;
    error_labels_[field] = error;
    labels_[field] = l;
    return edit;
}

QLineEdit* DistributedDialog::editor(const QString& field) const {
    const auto it = editors_.find(field);
    return it == editors_.end() ? nullptr : it->second;
}

QPushButton* DistributedDialog::okButton() const { return buttons_->button(QDialogButtonBox::Ok); }

QString DistributedDialog::errorText(const QString& field) const {
    const auto it = error_labels_.find(field);
    return it == error_labels_.end() ? QString() : it->second->text();
}

QString DistributedDialog::commandsText() const { return commands_->toPlainText(); }

void DistributedDialog::revalidate() {
    DistributedSetup d;
    std::vector<ConfigError> errors;
    auto bad = [&](const char* field, const QString& value, const char* allowed) {
        errors.push_back({field, std::string(field) + " is '" + value.trimmed().toStdString() + "'; allowed: " + allowed});
    };
    d.enabled = enabled_->isChecked();
    d.token = token_;
    d.mode = mode_->currentData().toString() == "host" ? DistributedSetup::Mode::Host : DistributedSetup::Mode::Local;
    const QString world = editors_["world"]->text();
    if (auto v = wholeNumber(world)) d.world = *v;
    else bad("world", world, "a whole number from 2 to 64");
    d.master_host = editors_["master"]->text().trimmed().toStdString();
    // The address an empty field stands for is shown in it, so the commands below use nothing
    // the form does not show.
    const std::string guessed = d.mode == DistributedSetup::Mode::Host ? guessLocalAddress() : std::string();
    editors_["master"]->setPlaceholderText(guessed.empty() ? QString() : tr("auto: %1").arg(QString::fromStdString(guessed)));
    editors_["port"]->setPlaceholderText(d.mode == DistributedSetup::Mode::Host ? tr("auto: 29500") : tr("auto: a free port, chosen at Start"));
    if (d.mode == DistributedSetup::Mode::Host && d.master_host.empty()) d.master_host = guessed;
    const QString port = editors_["port"]->text().trimmed();
    if (port.isEmpty()) d.master_port = d.mode == DistributedSetup::Mode::Local ? 0 : 29500;
    else if (auto v = wholeNumber(port); v && *v >= 1 && *v <= 65535) d.master_port = *v;
    else bad("port", port, "a port number from 1 to 65535 (empty: automatic)");
    d.bind = editors_["bind"]->text().trimmed().toStdString();
    d.iface = editors_["iface"]->text().trimmed().toStdString();
    const QString join = editors_["join-timeout"]->text();
    if (auto v = number(join)) d.join_timeout_s = *v;
    else bad("join-timeout", join, "a number of seconds from 1 to 86400");
    const QString peer = editors_["peer-timeout"]->text();
    if (auto v = number(peer)) d.peer_timeout_s = *v;
    else bad("peer-timeout", peer, "a number of seconds from 0.5 to 3600");
    if (d.enabled)
        for (const ConfigError& e : validate(d, config_)) {
            bool already = false;
            for (const ConfigError& p : errors) already |= p.field == e.field;
            if (!already) errors.push_back(e);
        }
    setup_ = d;
    errors_ = d.enabled ? errors : std::vector<ConfigError>{};

    // Each message under its field (the master's port problems under the port).
    for (auto& [field, label] : error_labels_) {
        QString message;
        for (const ConfigError& e : errors_) {
            const QString f = QString::fromStdString(e.field);
            if (f == field || (field == "port" && f == "master" && QString::fromStdString(e.message).contains("port"))) {
                message = QString::fromStdString(e.message);
                break;
            }
        }
        label->setText(message);
        label->setVisible(!message.isEmpty());
    }
    const bool host = d.mode == DistributedSetup::Mode::Host;
    for (auto& [field, edit] : editors_) {
        const bool applies = d.enabled && (host || (field != "master" && field != "port" && field != "bind" && field != "iface"));
        edit->setEnabled(applies);
        labels_[field]->setEnabled(applies);
    }
    mode_->setEnabled(d.enabled);
    okButton()->setEnabled(errors_.empty());

    QString text;
    if (d.enabled && errors_.empty()) {
        QStringList lines;
        for (int rank = 1; rank < d.world; ++rank) {
            QString line = otherRankCommand(config_, d, rank);
            if (!host) line.replace(QStringLiteral("127.0.0.1:0"), QStringLiteral("127.0.0.1:PORT"));
            lines << line;
        }
        text = lines.join('\n');
    }
    commands_->setPlainText(text);
    copy_->setEnabled(!text.isEmpty());
    note_->setText(!d.enabled ? tr("Off: runs use this process only.")
                   : host     ? tr("Start each other rank on its machine with its command below, in any order; this app "
                                   "waits for them when you press Start.")
                              : tr("The app starts these ranks itself on 127.0.0.1 when you press Start (the port is "
                                   "chosen then); shown for reference."));
}

}  // namespace gossiplab::ui
