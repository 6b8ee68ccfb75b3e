#include "ui/live/run_status_header.h"

#include <cmath>

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QVBoxLayout>

namespace gossiplab::ui {

namespace {

const char* kStatusStyle = "QLabel { color: white; background: %1; border-radius: 3px; padding: 2px 8px; font-weight: bold; }";

QString statusColor(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return "#2E7D32";
        case RunStatus::Finished: return "#1F5F99";
        case RunStatus::Stopped: return "#8A6D1D";
        case RunStatus::Diverged: return "#B3261E";
        case RunStatus::Failed: return "#B3261E";
        case RunStatus::Interrupted: return "#6B6B6B";
    }
    return "#6B6B6B";
}

}  // namespace

QString RunStatusHeader::formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("\u2013");
    const auto total = static_cast<long long>(std::llround(seconds));
    const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
    if (h > 0) return QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QChar('0')).arg(s, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QChar('0'));
}

QString RunStatusHeader::formatCount(double value) {
    if (!std::isfinite(value)) return QStringLiteral("\u2013");
    const double a = std::fabs(value);
    if (a >= 1e9) return QString::number(value / 1e9, 'f', 2) + "G";
    if (a >= 1e6) return QString::number(value / 1e6, 'f', 2) + "M";
    if (a >= 1e5) return QString::number(value / 1e3, 'f', 0) + "k";
    return QLocale(QLocale::English).toString(static_cast<qlonglong>(std::llround(value)));
}

RunStatusHeader::RunStatusHeader(QWidget* parent) : QWidget(parent) {
    setObjectName("runStatusHeader");
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(10, 6, 10, 4);
    outer->setSpacing(3);
    auto* top = new QHBoxLayout;
    top->setSpacing(10);
    name_ = new QLabel(this);
    name_->setObjectName("runName");
    QFont big = name_->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    name_->setFont(big);
    name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_ = new QLabel(this);
    status_->setObjectName("runStatus");
    status_->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    progress_ = new QProgressBar(this);
    progress_->setObjectName("runProgress");
    progress_->setRange(0, 1000);
    progress_->setTextVisible(true);
    progress_->setMinimumWidth(220);
    progress_->setFixedHeight(20);
    progress_->setStyleSheet("QProgressBar { border: 1px solid #C3C7CD; border-radius: 3px; background: #F2F3F5; text-align: center; color: #1A1A1A; }"
                             "QProgressBar::chunk { background: #8FB8DE; border-radius: 2px; }");
    rate_ = new QLabel(this);
    rate_->setObjectName("runRate");
    eta_ = new QLabel(this);
    eta_->setObjectName("runEta");
    rate_->setMinimumWidth(90);
    rate_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    eta_->setMinimumWidth(80);
    top->addWidget(name_);
    top->addWidget(status_);
    top->addWidget(progress_, 1);
    top->addWidget(rate_);
    top->addWidget(eta_);
    outer->addLayout(top);
    details_ = new QLabel(this);
    details_->setObjectName("runDetails");
    details_->setStyleSheet("color: #4A4F57;");
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    outer->addWidget(details_);
    showIdle();
}

void RunStatusHeader::setStatus(const QString& text, const QString& background) {
    status_->setText(text);
    status_->setStyleSheet(QString::fromLatin1(kStatusStyle).arg(background));
}

void RunStatusHeader::showIdle() {
    name_->setText(tr("No run yet"));
    setStatus(tr("IDLE"), "#8A8F96");
    progress_->setValue(0);
    progress_->setFormat(tr("set the run on the left, then Start (Ctrl+R)"));
    rate_->clear();
    eta_->clear();
    details_->setText(tr("Runs are recorded in the history file shown in the title bar."));
}

void RunStatusHeader::showStarting(const QString& name) {
    name_->setText(name);
    setStatus(tr("STARTING"), "#5A6270");
    progress_->setValue(0);
    progress_->setFormat(tr("loading the data and building the workers' models ..."));
    rate_->clear();
    eta_->clear();
    details_->clear();
}

void RunStatusHeader::showStartFailed(const QString& name) {
    name_->setText(name);
    setStatus(tr("NOT STARTED"), statusColor(RunStatus::Failed));
    progress_->setValue(0);
    progress_->setFormat(tr("the run could not start: see the message below"));
    rate_->clear();
    eta_->clear();
    details_->setText(tr("Nothing was recorded. Fix the settings and press Start again."));
}

void RunStatusHeader::showStarted(const RunInfo& info) {
    info_ = info;
    sum_weights_ = hasSumWeights(info.config.algorithm);  // GoSGD, SGP: the sum of the weights is shown
    name_->setText(QString::fromStdString(info.config.name));
    name_->setToolTip(QString::fromStdString(info.model_description + "\n" + info.dataset_description));
    setStatus(tr("RUNNING"), statusColor(RunStatus::Running));
    progress_->setFormat(tr("started"));
}

void RunStatusHeader::showStopping() { setStatus(tr("STOPPING"), "#8A6D1D"); }

void RunStatusHeader::showProgress(const ProgressUpdate& p) {
    progress_->setValue(static_cast<int>(std::lround(std::clamp(p.fraction, 0.0, 1.0) * 1000)));
    const QString percent = QString::number(p.fraction * 100.0, 'f', 0) + "%";
    if (p.images_budget > 0)
        progress_->setFormat(tr("%1   \u00B7   %2 / %3 images").arg(percent, formatCount(double(p.images_done)),
                                                                    formatCount(double(p.images_budget))));
    else
        progress_->setFormat(tr("%1   \u00B7   %2 images   \u00B7   %3 of %4")
                                 .arg(percent, formatCount(double(p.images_done)), formatDuration(p.elapsed_s),
                                      formatDuration(p.budget_s)));
    rate_->setText(tr("%1 img/s").arg(formatCount(p.images_per_second)));
    eta_->setText(tr("ETA %1").arg(formatDuration(p.eta_s)));
    QStringList parts;
    parts << tr("elapsed %1").arg(formatDuration(p.elapsed_s));
    parts << tr("messages %1").arg(formatCount(double(p.messages)));
    if (sum_weights_ && std::isfinite(p.alpha_sum)) parts << tr("\u03A3\u03B1 %1").arg(p.alpha_sum, 0, 'f', 6);
    parts << tr("%n worker(s)", nullptr, info_.config.workers);
    if (!info_.worker_devices.empty()) {
        QString devices = QString::fromStdString(info_.config.devices);
        parts << devices;
    }
    parts << QString::fromStdString(info_.config.dataset) + " / " + QString::fromStdString(info_.config.model);
    details_->setText(parts.join(QStringLiteral("   \u00B7   ")));
}

void RunStatusHeader::showEnded(const RunResult& r) {
    setStatus(QString::fromStdString(toString(r.status)).toUpper(), statusColor(r.status));
    if (r.status == RunStatus::Finished) progress_->setValue(1000);
    eta_->clear();
    rate_->setText(tr("%1 img/s").arg(formatCount(r.images_per_second)));
    QStringList parts;
    parts << tr("took %1").arg(formatDuration(r.wall_s));
    parts << tr("%1 images").arg(formatCount(double(r.images_done)));
    parts << tr("messages %1").arg(formatCount(double(r.messages)));
    if (std::isfinite(r.final_mean_loss)) parts << tr("final loss %1").arg(r.final_mean_loss, 0, 'g', 4);
    if (std::isfinite(r.final_test_accuracy)) parts << tr("test accuracy %1%").arg(r.final_test_accuracy * 100, 0, 'f', 2);
    if (sum_weights_ && std::isfinite(r.alpha_sum)) parts << tr("\u03A3\u03B1 %1").arg(r.alpha_sum, 0, 'f', 6);
    details_->setText(parts.join(QStringLiteral("   \u00B7   ")));
}

QString RunStatusHeader::statusText() const { return status_->text(); }
int RunStatusHeader::progressPermille() const { return progress_->value(); }
QString RunStatusHeader::progressText() const { return progress_->text(); }
QString RunStatusHeader::detailsText() const { return details_->text(); }

}  // namespace gossiplab::ui
