#pragma once
// "N processes on this machine": ranks 1..N-1 of a run hosted by this app, started as
// gossiplab-cli child processes. Their output (stdout and stderr, merged) goes to the log line by
// line (category gossiplab.ui.run, "rank R: ..."), the last lines are kept for error messages, and
// a child that ends is reported with its exit code. When the run is over they are given a grace
// period to exit on their own (rank 0 tells them the outcome), then terminated, then killed. On
// Linux a child also gets SIGTERM when the app dies (PR_SET_PDEATHSIG): no orphans are left.
// GUI thread only.

#include <map>
#include <memory>

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

class QTimer;

namespace gossiplab::ui {

class LocalRanks final : public QObject {
    Q_OBJECT
public:
    explicit LocalRanks(QObject* parent = nullptr);
    ~LocalRanks() override;  // stopAndWait(2000)

    // Starts one child per rank with its arguments. False (nothing started) with `error` set when
    // the program is missing or not executable.
    bool start(const QString& program, const std::map<int, QStringList>& arguments_by_rank, QString* error);
    // The run is over: each child has `grace_ms` to exit by itself, then SIGTERM, then SIGKILL.
    void finish(int grace_ms);
    // Blocking: half of `ms` for the children to exit by themselves, then SIGTERM, then SIGKILL.
    void stopAndWait(int ms);

    bool anyRunning() const;
    int running() const;
    qint64 pid(int rank) const;
    // The last lines a child wrote (at most ~20), for messages.
    QString tail(int rank) const;
    // How a child ended: "" while it runs, else e.g. "exited with code 2" / "was killed (signal)".
    QString exitDescription(int rank) const;
    // Every line the children wrote, "rank R: ...", in order (bounded to the last 2000 lines).
    const QStringList& log() const { return log_; }

Q_SIGNALS:
    void outputLine(int rank, const QString& line);
    // A child ended. `expected`: after finish() or stopAndWait(), i.e. not a surprise.
    void childEnded(int rank, int exit_code, bool crashed, bool expected);

private:
    struct Child;
    void readFrom(int rank);
    void escalate();

    std::map<int, std::unique_ptr<Child>> children_;
    QStringList log_;
    QTimer* grace_ = nullptr;
    bool finishing_ = false;
    int escalation_ = 0;
};

}  // namespace gossiplab::ui
