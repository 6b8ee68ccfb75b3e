#include "ui/live/local_ranks.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <signal.h>
#include <sys/prctl.h>
#endif

#include "ui/log.h"

namespace gossiplab::ui {

struct LocalRanks::Child {
    QProcess process;
    QByteArray partial;   // an unfinished last line
    QStringList tail;
    QString ended;        // how it ended ("" while it runs)
};

LocalRanks::LocalRanks(QObject* parent) : QObject(parent), grace_(new QTimer(this)) {
    grace_->setSingleShot(true);
    connect(grace_, &QTimer::timeout, this, &LocalRanks::escalate);
}

LocalRanks::~LocalRanks() { stopAndWait(2000); }

bool LocalRanks::start(const QString& program, const std::map<int, QStringList>& arguments_by_rank, QString* error) {
    const QFileInfo info(program);
    if (!info.exists() || !info.isFile() || !info.isExecutable()) {
        if (error)
            *error = tr("gossiplab-cli was not found at %1: the local processes are started with it. Build or install it "
                        "next to the app (the gossiplab-cli target), or start the other ranks yourself (Distributed: "
                        "host on this machine).")
                         .arg(program);
        return false;
    }
    stopAndWait(2000);
    children_.clear();
    log_.clear();
    finishing_ = false;
    escalation_ = 0;
    for (const auto& [rank, args] : arguments_by_rank) {
        auto child = std::make_unique<Child>();
        QProcess& p = child->process;
        p.setProgram(program);
        p.setArguments(args);
        p.setProcessChannelMode(QProcess::MergedChannels);
#ifdef Q_OS_LINUX
        // The child gets SIGTERM if the app dies without stopping it (a crash, kill -9).
        p.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
        const int r = rank;
        connect(&p, &QProcess::readyRead, this, [this, r] { readFrom(r); });
        connect(&p, &QProcess::finished, this, [this, r](int code, QProcess::ExitStatus status) {
            readFrom(r);
            Child* c = children_.at(r).get();
            if (!c->partial.isEmpty()) {
                const QString line = QString::fromUtf8(c->partial).trimmed();
                c->partial.clear();
                if (!line.isEmpty()) {
                    c->tail << line;
                    log_ << QStringLiteral("rank %1: %2").arg(r).arg(line);
                    Q_EMIT outputLine(r, line);
                }
            }
            const bool crashed = status == QProcess::CrashExit;
            c->ended = crashed ? tr("was killed") : tr("exited with code %1").arg(code);
            qCInfo(lcUiRun) << "local rank" << r << c->ended;
            Q_EMIT childEnded(r, code, crashed, finishing_);
            if (finishing_ && !anyRunning()) grace_->stop();
        });
        connect(&p, &QProcess::errorOccurred, this, [this, r](QProcess::ProcessError e) {
            if (e != QProcess::FailedToStart) return;
            Child* c = children_.at(r).get();
            c->ended = tr("could not start: %1").arg(c->process.errorString());
            qCWarning(lcUiRun) << "local rank" << r << c->ended;
            Q_EMIT childEnded(r, -1, true, finishing_);
        });
        qCInfo(lcUiRun).noquote() << "starting local rank" << rank << ":" << program << args.join(' ');
        children_[rank] = std::move(child);
        children_.at(rank)->process.start();
    }
    return true;
}

void LocalRanks::readFrom(int rank) {
    Child* c = children_.at(rank).get();
    c->partial += c->process.readAll();
    int newline;
    while ((newline = c->partial.indexOf('\n')) >= 0) {
        QByteArray raw = c->partial.left(newline);
        c->partial.remove(0, newline + 1);
        // A progress bar redraws with \r: keep the last state of the line.
        if (const int cr = raw.lastIndexOf('\r'); cr >= 0) raw = raw.mid(cr + 1);
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty()) continue;
        c->tail << line;
        while (c->tail.size() > 20) c->tail.removeFirst();
        log_ << QStringLiteral("rank %1: %2").arg(rank).arg(line);
        while (log_.size() > 2000) log_.removeFirst();
        qCInfo(lcUiRun).noquote() << QStringLiteral("rank %1:").arg(rank) << line;
        Q_EMIT outputLine(rank, line);
    }
}

void LocalRanks::finish(int grace_ms) {
    finishing_ = true;
    escalation_ = 0;
    if (!anyRunning()) return;
    grace_->start(grace_ms);
}

void LocalRanks::escalate() {
    if (!anyRunning()) return;
    if (escalation_++ == 0) {
        qCWarning(lcUiRun) << "local ranks still running after the run ended: terminating them";
        for (auto& [rank, c] : children_)
            if (c->process.state() != QProcess::NotRunning) c->process.terminate();
        grace_->start(3000);
    } else {
        qCWarning(lcUiRun) << "local ranks still running: killing them";
        for (auto& [rank, c] : children_)
            if (c->process.state() != QProcess::NotRunning) c->process.kill();
    }
}

void LocalRanks::stopAndWait(int ms) {
    finishing_ = true;
    grace_->stop();
    if (!anyRunning()) return;
    // Half the time to exit by themselves (rank 0 may just have told them the outcome), then SIGTERM
    // (gossiplab-cli stops cleanly), then SIGKILL.
    const QDeadlineTimer natural(ms / 2);
    for (auto& [rank, c] : children_)
        if (c->process.state() != QProcess::NotRunning) c->process.waitForFinished(int(std::max<qint64>(1, natural.remainingTime())));
    for (auto& [rank, c] : children_)
        if (c->process.state() != QProcess::NotRunning) c->process.terminate();
    const QDeadlineTimer deadline(ms - ms / 2);
    for (auto& [rank, c] : children_)
        if (c->process.state() != QProcess::NotRunning) c->process.waitForFinished(int(std::max<qint64>(1, deadline.remainingTime())));
    for (auto& [rank, c] : children_) {
        if (c->process.state() == QProcess::NotRunning) continue;
        c->process.kill();
        c->process.waitForFinished(2000);
    }
}

bool LocalRanks::anyRunning() const { return running() > 0; }

int LocalRanks::running() const {
    int n = 0;
    for (const auto& [rank, c] : children_) n += c->process.state() != QProcess::NotRunning ? 1 : 0;
    return n;
}

qint64 LocalRanks::pid(int rank) const {
    const auto it = children_.find(rank);
    return it == children_.end() ? 0 : it->second->process.processId();
}

QString LocalRanks::tail(int rank) const {
    const auto it = children_.find(rank);
    return it == children_.end() ? QString() : it->second->tail.join('\n');
}

QString LocalRanks::exitDescription(int rank) const {
    const auto it = children_.find(rank);
    return it == children_.end() ? QString() : it->second->ended;
}

}  // namespace gossiplab::ui
