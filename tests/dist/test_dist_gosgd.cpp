// GoSGD across processes on loopback: rank 0 runs in this test (a Run with DistributedOptions,
// as the dashboard would host it), the other ranks are gossiplab-cli processes. With gradient
// steps off (learning rate 0) and the workers started apart (init-noise), only the exchanges
// move the weights: the alphas must still sum to 1 once drained, the alpha-weighted mean must be
// unchanged, and the workers of different processes must reach consensus.
#include <algorithm>
#include <cmath>
#include <thread>

#include "dist_support.h"

using namespace gossiplab;

namespace {

RunConfig consensusConfig(int workers, double p) {
    RunConfig c;
    c.algorithm = Algorithm::GoSgd;
    c.workers = workers;
    c.p = p;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.batch_size = 16;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 16 * 150;  // 150 iterations per worker
    c.learning_rate = 0.0;
    c.allow_zero_learning_rate = true;
    c.init_noise = 0.1;
    c.metrics_every = 1;
    c.distance_every = 5;
    c.eval_max_images = 512;
    c.intra_op_threads = 1;
    return c;
}

// The same training flags as consensusConfig, as the other ranks are given them (equal values
// are accepted; different ones would be refused).
QStringList consensusFlags(double p) {
    return {"--dataset", "synthetic", "--model", "mlp", "--batch-size", "16", "--images", "2400", "--lr", "0", "--allow-zero-lr",
            "--init-noise", "0.1", "--p", QString::number(p), "--metrics-every", "1", "--distance-every", "5", "--threads", "1",
            "--quiet"};
}

void checkConservation(const FinalState& s, int workers) {
    QCOMPARE(s.weights.size(), size_t(workers));
    double sum = 0.0;
    for (double a : s.alphas) sum += a;
    QVERIFY2(std::abs(sum - 1.0) < 1e-9, qPrintable(QString::number(sum, 'g', 17)));
    // Every worker starts with alpha 1/M: the conserved sum_i a_i x_i is the mean of the initial weights.
    const size_t n = s.initial_mean.size();
    QVERIFY(n > 1000);
    double max_error = 0.0, scale = 0.0;
    for (size_t k = 0; k < n; ++k) {
        double weighted = 0.0;
        for (size_t i = 0; i < s.weights.size(); ++i) weighted += s.alphas[i] * s.weights[i][k];
        max_error = std::max(max_error, std::abs(weighted - s.initial_mean[k]));
        scale = std::max(scale, std::abs(double(s.initial_mean[k])));
    }
    QVERIFY2(max_error < 1e-5 * std::max(1.0, scale), qPrintable(QString::number(max_error)));
}

// `processes` ranks with `per_process` workers each; rank 0 here.
void consensusAcrossProcesses(int processes, int per_process) {
    const int port = freeLocalPort();
    QVERIFY(port > 0);
    QTemporaryDir home;
    const int m = processes * per_process;
    test::DistLog log;
    Run run(consensusConfig(per_process, 0.5), &log, test::rankZero(processes, port));
    const auto t0 = std::chrono::steady_clock::now();
    run.start();
    std::vector<std::unique_ptr<test::CliProcess>> others;
    for (int r = 1; r < processes; ++r)
        others.push_back(std::make_unique<test::CliProcess>(
            QStringList{"run"} + consensusFlags(0.5) + test::distFlags(processes, r, port, per_process), home.path()));
    // The ledger polled on its own during the run (not the value stamped on the monitor's samples,
    // which is one read per tick): from the start of training to the end, every read sums to 1.
    int polls = 0;
    double worst = 0.0;
    for (;;) {
        bool started = false, ended = false;
        {
            std::lock_guard l(log.mutex);
            started = log.started > 0;
            ended = !log.ended.empty();
        }
        if (ended || !run.isRunning()) break;
        if (started) {
            const AlphaLedger a = run.alphaLedger();
            worst = std::max(worst, std::abs(a.held + a.waiting - 1.0));
            ++polls;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const RunResult result = run.wait();
    qInfo("the ledger polled %d times during the run: sum of alphas at most %.3g from 1", polls, worst);
    QVERIFY2(polls > 0, "the run ended before the ledger could be read once");
    QVERIFY2(worst < 1e-9, qPrintable(QString::number(worst, 'g', 17)));
    for (auto& p : others) {
        const int code = p->finish(30000);
        QVERIFY2(code == 0, qPrintable(p->output()));
    }
    qInfo("%d processes x %d workers: %.1f s, %lld messages to other processes (%.1f MB) from rank 0", processes, per_process,
          test::seconds(t0), static_cast<long long>(result.remote_messages), result.remote_bytes / 1e6);
    QVERIFY2(result.status == RunStatus::Finished, result.message.c_str());
    QCOMPARE(log.started, 1);
    QCOMPARE(log.info.world_size, processes);
    QCOMPARE(log.info.processes.size(), size_t(processes));
    QCOMPARE(log.info.config.workers, m);
    QCOMPARE(log.info.worker_devices.size(), size_t(m));
    QCOMPARE(log.info.processes.back().first_worker, m - per_process);
    for (int r = 1; r < processes; ++r) QVERIFY(log.sawState(r, ProcessState::Joined));
    QVERIFY(!log.allMessages().contains("arrived"));  // every exchange sent was received
    QVERIFY2(!log.allMessages().contains("lost"), qPrintable(log.allMessages()));
    QVERIFY(result.remote_messages > 0);

    // Samples of every worker, each with a sum of alphas of 1 (the exact per-process totals).
    std::vector<int> per_worker(static_cast<size_t>(m), 0);
    for (const auto& s : log.worker_samples) {
        QVERIFY(s.worker >= 0 && s.worker < m);
        ++per_worker[static_cast<size_t>(s.worker)];
        QVERIFY2(std::abs(s.alpha_sum - 1.0) < 1e-6, qPrintable(QString::number(s.alpha_sum, 'g', 17)));
    }
    // metrics every iteration, 150 iterations: every sample of every worker reaches rank 0.
    for (int w = 0; w < m; ++w)
        QVERIFY2(per_worker[static_cast<size_t>(w)] == 150,
                 qPrintable(QString("worker %1: %2 samples of 150").arg(w).arg(per_worker[static_cast<size_t>(w)])));
    QVERIFY(std::abs(result.alpha_sum - 1.0) < 1e-9);
    // Rank 0's ledger over the whole run: its own workers and inboxes, plus each other process's
    // held and waiting parts as it last reported them (one consistent read there). The parts
    // add up to 1 at every sample. Reports are taken at different moments, so a push that left
    // its sender after the sender's report and was merged here is counted on both sides for an
    // instant: held may exceed 1 (and waiting go below 0) by at most the alpha of such pushes.
    QVERIFY(!log.run_samples.empty());
    double most_held = 0.0;
    for (const auto& s : log.run_samples) {
        QVERIFY2(std::abs(s.alpha_held + s.alpha_waiting - 1.0) < 1e-9,
                 qPrintable(QString("held %1 + waiting %2").arg(s.alpha_held, 0, 'g', 17).arg(s.alpha_waiting, 0, 'g', 17)));
        QVERIFY(s.alpha_held > 0.0);
        most_held = std::max(most_held, s.alpha_held);
    }
    qInfo("alpha held across processes: at most %.9f; last sample %.12f", most_held, log.run_samples.back().alpha_held);
    // Once every process has drained its inboxes and sent its final report, the workers hold it all.
    QVERIFY2(std::abs(log.run_samples.back().alpha_held - 1.0) < 1e-9, qPrintable(QString::number(log.run_samples.back().alpha_held, 'g', 17)));

    checkConservation(run.finalState(), m);

    // Consensus, also between workers of different processes.
    QVERIFY(!log.distances.empty());  // the final one at least; a fast run may have no other
    const auto& last = log.distances.back();
    QCOMPARE(last.workers, m);
    // Against the start's spread, known from the noise (each of the n weights of each copy gets
    // N(0, 0.1^2): a copy's distance to the average is 0.1 sqrt(n (M-1)/M), two copies' distance
    // 0.1 sqrt(2n)), not against the first snapshot, which may come late on a fast machine.
    const double n = double(log.info.parameter_count);
    QVERIFY(n > 1000);
    const double spread = 0.1 * std::sqrt(n * (m - 1.0) / m), pair_spread = 0.1 * std::sqrt(2.0 * n);
    QVERIFY2(last.consensus_distance < 1e-3 * spread,
             qPrintable(QString("%1 -> %2").arg(spread).arg(last.consensus_distance)));
    const size_t cross = static_cast<size_t>(0 * m + (m - 1));  // worker 0 (rank 0) and worker M-1 (last rank)
    QVERIFY2(last.distances[cross] < 1e-3 * pair_spread,
             qPrintable(QString("%1 -> %2").arg(pair_spread).arg(last.distances[cross])));
}

}  // namespace

class TestDistGoSgd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void twoProcessesConserveAndConverge() { consensusAcrossProcesses(2, 2); }
    void fourProcessesConserveAndConverge() { consensusAcrossProcesses(4, 1); }
};

QTEST_GUILESS_MAIN(TestDistGoSgd)
#include "test_dist_gosgd.moc"
