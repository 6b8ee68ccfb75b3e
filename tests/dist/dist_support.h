#pragma once
// Helpers for the multi-process tests: a free port per test, gossiplab-cli processes for the
// other ranks, and an observer that keeps what rank 0 saw. Every wait is bounded.

#include <QtTest>

#include <QProcess>
#include <QTemporaryDir>

#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/common/system_info.h"
#include "core/train/run.h"

#define QCOMPARE_NAMES(actual, expected) \
    QCOMPARE(QString::fromStdString(gossiplab::toString(actual)), QString::fromStdString(gossiplab::toString(expected)))

namespace gossiplab::test {

struct DistLog final : RunObserver {
    std::mutex mutex;
    RunInfo info;
    int started = 0;
    std::vector<WorkerSample> worker_samples;
    std::vector<RunSample> run_samples;
    std::vector<DistanceSnapshot> distances;
    std::vector<EvalSample> evaluations;
    std::vector<std::string> messages;
    std::vector<ProcessStatus> statuses;
    std::vector<RunResult> ended;

    void onRunStarted(const RunInfo& i) override { std::lock_guard l(mutex); info = i; ++started; }
    void onWorkerSample(const WorkerSample& s) override { std::lock_guard l(mutex); worker_samples.push_back(s); }
    void onRunSample(const RunSample& s) override { std::lock_guard l(mutex); run_samples.push_back(s); }
    void onDistances(const DistanceSnapshot& d) override { std::lock_guard l(mutex); distances.push_back(d); }
    void onEvaluation(const EvalSample& e) override { std::lock_guard l(mutex); evaluations.push_back(e); }
    void onMessage(const std::string& m) override { std::lock_guard l(mutex); messages.push_back(m); }
    void onProcessStatus(const ProcessStatus& s) override { std::lock_guard l(mutex); statuses.push_back(s); }
    void onRunEnded(const RunResult& r) override { std::lock_guard l(mutex); ended.push_back(r); }

    bool sawState(int rank, ProcessState state) {
        std::lock_guard l(mutex);
        for (const auto& s : statuses)
            if (s.process.rank == rank && s.state == state) return true;
        return false;
    }
    QString allMessages() {
        std::lock_guard l(mutex);
        QString out;
        for (const auto& m : messages) out += QString::fromStdString(m) + "\n";
        return out;
    }
};

// A gossiplab-cli process (another rank), with its own history folder.
class CliProcess {
public:
    CliProcess(const QStringList& args, const QString& home) {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", home);
        process_.setProcessEnvironment(env);
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(GOSSIPLAB_CLI_PATH, args);
    }
    ~CliProcess() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }
    // Exit code, or -1 when it did not end normally within `ms`.
    int finish(int ms) {
        if (!process_.waitForFinished(ms)) return -1;
        output_ += QString::fromUtf8(process_.readAll());
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    QString output() {
        if (process_.state() != QProcess::NotRunning) process_.waitForReadyRead(0);
        output_ += QString::fromUtf8(process_.readAll());
        return output_;
    }
    bool waitForOutput(const QString& text, int ms) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < end) {
            if (output().contains(text)) return true;
            process_.waitForReadyRead(100);
        }
        return output().contains(text);
    }
    qint64 pid() const { return process_.processId(); }
    QProcess& process() { return process_; }

private:
    QProcess process_;
    QString output_;
};

// gossiplab-cli run with the given flags.
inline int runCli(const QStringList& args, const QString& home, QString* output, int ms = 60000) {
    CliProcess p(QStringList{"run"} + args, home);
    const int code = p.finish(ms);
    if (output) *output = p.output();
    return code;
}

// The peer timeout: short where a test measures the detection of a lost rank, generous elsewhere
// (a busy CI machine must not make a healthy rank look lost).
inline QStringList distFlags(int world, int rank, int port, int workers, double peer_timeout_s = 10.0) {
    return {"--world", QString::number(world), "--rank", QString::number(rank), "--master", "127.0.0.1:" + QString::number(port),
            "--workers", QString::number(workers), "--join-timeout", "30", "--peer-timeout", QString::number(peer_timeout_s)};
}

inline DistributedOptions rankZero(int world, int port, double peer_timeout_s = 10.0) {
    DistributedOptions d;
    d.world = world;
    d.rank = 0;
    d.master_host = "127.0.0.1";
    d.master_port = port;
    d.join_timeout_s = 30;
    d.peer_timeout_s = peer_timeout_s;
    return d;
}

inline double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A run that would go on for a minute: every lifecycle case ends it earlier.
inline RunConfig longConfig(int workers) {
    RunConfig c;
    c.algorithm = Algorithm::GoSgd;
    c.workers = workers;
    c.p = 0.3;
    c.learning_rate = 0.05;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.batch_size = 16;
    c.budget_kind = BudgetKind::Seconds;
    c.budget = 60;  // never reached: every case ends it earlier
    c.metrics_every = 5;
    c.eval_max_images = 256;
    c.intra_op_threads = 1;
    return c;
}

inline const QStringList kLongFlags = {"--dataset", "synthetic", "--model", "mlp", "--batch-size", "16", "--seconds", "60",
                                "--p", "0.3", "--lr", "0.05", "--metrics-every", "5", "--eval-max-images", "256", "--threads", "1"};

// Waits until rank 0 has samples from worker `worker` (its process trains); false (with why in
// `why`) when the run ended first or the time is up.
inline bool waitForSamples(DistLog& log, int worker, int ms, QString* why = nullptr) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < end) {
        {
            std::lock_guard l(log.mutex);
            int count = 0;
            for (const auto& s : log.worker_samples) count += s.worker == worker ? 1 : 0;
            if (count >= 3) return true;
            if (!log.ended.empty()) {
                if (why) *why = "the run ended: " + QString::fromStdString(log.ended.back().message);
                return false;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (why) *why = "no samples from worker " + QString::number(worker) + " within " + QString::number(ms) + " ms";
    return false;
}

inline QString cliOutput(const QStringList& args, const QString& home) {
    CliProcess p(args, home);
    p.finish(30000);
    return p.output();
}

}  // namespace gossiplab::test
