// The invariants of the algorithms beside GoSGD and EASGD (docs/algorithms.md), from real runs in
// one process (real threads, the real barrier and locks): all-reduce SGD, local SGD, D-PSGD,
// AD-PSGD and SGP. With the learning rate at 0 and the workers started apart (init-noise), only
// the communication moves the weights.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/train/run.h"
#include "event_log.h"
#include "final_state_checks.h"

using namespace gossiplab;

namespace {

constexpr int kSteps = 150;

RunConfig config(Algorithm algorithm, int workers, double learning_rate) {
    RunConfig c = test::fastConfig();
    c.algorithm = algorithm;
    c.workers = workers;
    c.learning_rate = learning_rate;
    c.allow_zero_learning_rate = learning_rate == 0.0;
    c.init_noise = learning_rate == 0.0 ? 0.1 : 0.0;
    c.metrics_every = 1;
    c.distance_every = 5;
    c.budget = 16 * kSteps;
    return c;
}



// The start's spread: each of the n weights of each copy got N(0, 0.1^2), so a copy's distance to
// the average is about 0.1 sqrt(n (M-1)/M).
double initialSpread(const test::EventLog& log, int workers) {
    return 0.1 * std::sqrt(double(log.info.parameter_count) * (workers - 1.0) / workers);
}

RunResult runIt(const RunConfig& c, test::EventLog* log, FinalState* state) {
    Run run(c, log);
    run.start();
    const RunResult result = run.wait();
    *state = run.finalState();
    return result;
}

}  // namespace

class TestAlgorithms : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // ---- all-reduce SGD ----
    void allReduceKeepsTheReplicasIdentical() {
        test::EventLog log;
        FinalState s;
        const RunResult r = runIt(config(Algorithm::AllReduce, 4, 0.05), &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        // Same start, the same mean gradient and the same optimizer state at every step: bitwise
        // equal replicas (a worker that once stepped on its own gradient would stay apart: no
        // step averages models).
        for (size_t i = 1; i < s.weights.size(); ++i) QCOMPARE(test::maxDifference(s.weights[i], s.weights[0]), 0.0);
        QVERIFY(test::maxDifference(s.weights[0], s.initial_weights) > 1e-4);  // they trained
        QCOMPARE(r.iterations, int64_t(4 * kSteps));
        QCOMPARE(r.messages, int64_t(4 * kSteps));  // one round per step and worker
        QCOMPARE(r.consensus_distance, 0.0);
        QVERIFY(std::isnan(r.alpha_sum));  // no sum weights
    }

    void allReduceWithLearningRateZeroMovesNothing() {
        test::EventLog log;
        FinalState s;
        RunConfig c = config(Algorithm::AllReduce, 3, 0.0);
        c.init_noise = 0.0;
        QCOMPARE_NAMES(runIt(c, &log, &s).status, RunStatus::Finished);
        for (const auto& w : s.weights) QCOMPARE(test::maxDifference(w, s.initial_weights), 0.0);
    }

    // ---- local SGD ----
    void localSgdAveragingPreservesTheAverage() {
        test::EventLog log;
        FinalState s;
        RunConfig c = config(Algorithm::LocalSgd, 4, 0.0);
        c.local_steps = 7;  // 150 steps: rounds at 7, 14, ..., 147 and the last step
        const RunResult r = runIt(c, &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        for (size_t i = 1; i < s.weights.size(); ++i) QCOMPARE(test::maxDifference(s.weights[i], s.weights[0]), 0.0);
        QVERIFY2(test::driftOfTheMean(s) < 1e-6, qPrintable(QString::number(test::driftOfTheMean(s))));
        QCOMPARE(r.messages, int64_t(4 * (kSteps / 7 + 1)));
    }

    void localSgdIsIdenticalAfterTheLastRound() {
        test::EventLog log;
        FinalState s;
        RunConfig c = config(Algorithm::LocalSgd, 4, 0.05);
        c.local_steps = 10;
        const RunResult r = runIt(c, &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        for (size_t i = 1; i < s.weights.size(); ++i) QCOMPARE(test::maxDifference(s.weights[i], s.weights[0]), 0.0);
        QVERIFY(test::maxDifference(s.weights[0], s.initial_weights) > 1e-4);
        // Between rounds the workers drift apart on their own batches: the distances the monitor
        // saw were not all 0.
        double widest = 0.0;
        for (const auto& d : log.distances) widest = std::max(widest, d.consensus_distance);
        QVERIFY(widest > 0.0);
    }

    // ---- D-PSGD and AD-PSGD: the sum kept, consensus reached ----
    void gossipAveragingConservesTheSumAndReachesConsensus_data() {
        QTest::addColumn<int>("algorithm");
        QTest::addColumn<int>("workers");
        QTest::newRow("dpsgd M=8") << int(Algorithm::DPsgd) << 8;
        QTest::newRow("dpsgd M=2") << int(Algorithm::DPsgd) << 2;
        QTest::newRow("adpsgd M=8") << int(Algorithm::AdPsgd) << 8;
        QTest::newRow("adpsgd M=5") << int(Algorithm::AdPsgd) << 5;
    }
    void gossipAveragingConservesTheSumAndReachesConsensus() {
        QFETCH(int, algorithm);
        QFETCH(int, workers);
        test::EventLog log;
        FinalState s;
        const RunResult r = runIt(config(Algorithm(algorithm), workers, 0.0), &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        const double drift = test::driftOfTheMean(s);
        QVERIFY2(drift < 1e-5, qPrintable(QString("the mean moved by %1").arg(drift)));
        const double spread = initialSpread(log, workers);
        QVERIFY2(r.consensus_distance < 1e-3 * spread,
                 qPrintable(QString("consensus distance %1 from %2").arg(r.consensus_distance).arg(spread)));
        QVERIFY(r.messages > 0);
    }

    void adPsgdPairsAreEvenWithOdd() {
        // Only even workers start an averaging, only odd ones are averaged with: the counters say so.
        test::EventLog log;
        FinalState s;
        QCOMPARE_NAMES(runIt(config(Algorithm::AdPsgd, 6, 0.0), &log, &s).status, RunStatus::Finished);
        std::vector<int64_t> sent(6, 0), received(6, 0);
        for (const auto& w : log.worker_samples) {
            sent[size_t(w.worker)] = std::max(sent[size_t(w.worker)], w.messages_sent);
            received[size_t(w.worker)] = std::max(received[size_t(w.worker)], w.messages_received);
        }
        int64_t total_sent = 0, total_received = 0;
        for (int i = 0; i < 6; ++i) {
            if (i % 2 == 0) {
                QVERIFY(sent[size_t(i)] > 0);
                QCOMPARE(received[size_t(i)], int64_t(0));
            } else {
                QCOMPARE(sent[size_t(i)], int64_t(0));
                QVERIFY2(received[size_t(i)] > 0, qPrintable(QString("odd worker %1 was never averaged with").arg(i)));
            }
            total_sent += sent[size_t(i)];
            total_received += received[size_t(i)];
        }
        QCOMPARE(total_sent, int64_t(3 * kSteps));  // every step of every active worker
        // A passive worker's last sample is taken when it stops, and active ones may average with
        // it after that (on a loaded machine, for many steps): its count only bounds it from below.
        QVERIFY(total_received <= total_sent);
    }

    // ---- SGP ----
    void sgpPushSumWeightsSumToOneAndModelsReachTheAverage_data() {
        QTest::addColumn<int>("delay");
        QTest::newRow("synchronous") << 0;
        QTest::newRow("overlap, delay 3") << 3;
    }
    void sgpPushSumWeightsSumToOneAndModelsReachTheAverage() {
        QFETCH(int, delay);
        test::EventLog log;
        RunConfig c = config(Algorithm::Sgp, 8, 0.0);
        c.sgp_delay = delay;
        Run run(c, &log);
        run.start();
        // The ledger (weights held, and waiting in inboxes) read while the workers push.
        double worst = 0.0;
        do {
            const AlphaLedger a = run.alphaLedger();
            worst = std::max(worst, std::abs(a.held + a.waiting - 1.0));
            std::this_thread::yield();
        } while (run.isRunning());
        QVERIFY2(worst < 1e-9, qPrintable(QString::number(worst)));
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(log.worker_samples.size(), size_t(8 * kSteps));
        for (const auto& s : log.worker_samples) {
            QVERIFY2(std::abs(s.alpha_sum - 1.0) < 1e-9, qPrintable(QString::number(s.alpha_sum, 'g', 17)));
            QVERIFY(s.alpha > 0.0 && s.alpha < 1.0);
            // The delay's bound: before step k a worker had merged the pushes of k - delay steps
            // (one per step reaches each worker).
            QVERIFY2(s.messages_received >= s.at.iteration - 1 - delay,
                     qPrintable(QString("worker %1 merged %2 pushes by step %3").arg(s.worker).arg(s.messages_received).arg(s.at.iteration)));
        }
        const FinalState s = run.finalState();
        double sum = 0.0;
        for (double a : s.alphas) sum += a;
        QVERIFY(std::abs(sum - 1.0) < 1e-9);
        QCOMPARE(r.messages, int64_t(8 * kSteps));  // one push per step and worker
        // Push-sum conserves sum_i w_i z_i: its de-biased models all reach the initial average.
        QVERIFY2(test::driftOfTheMean(s, s.alphas) < 1e-5, qPrintable(QString::number(test::driftOfTheMean(s, s.alphas))));
        for (const auto& w : s.weights) {
            const double off = test::maxDifference(w, s.initial_mean);
            QVERIFY2(off < 1e-4, qPrintable(QString("a model is %1 from the average").arg(off)));
        }
    }

    // Synchronous SGP (delay 0) is the lock-step algorithm: before its step k a worker merges
    // exactly the pushes of step k - 1 (a fast sender's later ones wait in the inbox), and the graph
    // is a permutation at every step, so every push-sum weight stays 1 (alpha = 1/M) at every step,
    // with or without gradients, and after the final drain.
    void sgpSynchronousKeepsEveryWeightAtOne_data() {
        QTest::addColumn<int>("workers");
        QTest::addColumn<double>("lr");
        QTest::newRow("M = 4, lr 0") << 4 << 0.0;
        QTest::newRow("M = 4, lr 0.05") << 4 << 0.05;
        QTest::newRow("M = 8, lr 0") << 8 << 0.0;
        QTest::newRow("M = 8, lr 0.05") << 8 << 0.05;
    }
    void sgpSynchronousKeepsEveryWeightAtOne() {
        QFETCH(int, workers);
        QFETCH(double, lr);
        RunConfig c = config(Algorithm::Sgp, workers, lr);
        c.sgp_delay = 0;
        test::EventLog log;
        FinalState s;
        const RunResult r = runIt(c, &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(log.worker_samples.size(), size_t(workers * kSteps));
        const double expected = 1.0 / workers;
        double lowest = 1.0, highest = 0.0;
        for (const auto& sample : log.worker_samples) {
            lowest = std::min(lowest, sample.alpha);
            highest = std::max(highest, sample.alpha);
        }
        QVERIFY2(std::abs(lowest - expected) < 1e-12 && std::abs(highest - expected) < 1e-12,
                 qPrintable(QString("the samples' alphas range over [%1, %2], not 1/%3").arg(lowest, 0, 'g', 17).arg(highest, 0, 'g', 17).arg(workers)));
        QCOMPARE(s.alphas.size(), size_t(workers));
        for (size_t i = 0; i < s.alphas.size(); ++i)
            QVERIFY2(std::abs(s.alphas[i] - expected) < 1e-12,
                     qPrintable(QString("worker %1 ends with alpha %2").arg(i).arg(s.alphas[i], 0, 'g', 17)));
        QCOMPARE(r.messages, int64_t(workers * kSteps));
    }

    // ---- every algorithm ----
    void everyAlgorithmStopsWhenAsked_data() {
        QTest::addColumn<int>("algorithm");
        for (Algorithm a : kAllAlgorithms) QTest::newRow(toString(a).c_str()) << int(a);
    }
    void everyAlgorithmStopsWhenAsked() {
        // A long budget and a stop: no worker may be left at a barrier, a lock or a late push.
        QFETCH(int, algorithm);
        RunConfig c = config(Algorithm(algorithm), 4, 0.01);
        c.budget = 1e9;
        c.local_steps = 5;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        while (run.isRunning()) {
            {
                std::lock_guard l(log.mutex);
                if (log.worker_samples.size() >= 40) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        run.requestStop();
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Stopped);
        // The synchronous ones stop after the same round: all-reduce and D-PSGD (a round every
        // step) after the same steps, local SGD (which goes to its round at once) with one model.
        const Algorithm a = Algorithm(algorithm);
        if (a == Algorithm::AllReduce || a == Algorithm::DPsgd) QVERIFY2(r.iterations % 4 == 0, qPrintable(QString::number(r.iterations)));
        if (a == Algorithm::AllReduce || a == Algorithm::LocalSgd) {
            const FinalState s = run.finalState();
            for (size_t i = 1; i < s.weights.size(); ++i) QCOMPARE(test::maxDifference(s.weights[i], s.weights[0]), 0.0);
        }
        for (const auto& w : log.worker_samples) QVERIFY(w.wait_per_iteration_s >= 0.0 && std::isfinite(w.wait_per_iteration_s));
    }

    void aFailedWorkerReleasesTheOthersFromTheBarrier() {
        // A worker that diverges (a learning rate far too large) ends the run; the workers waiting
        // for it at a round are released (the run would hang otherwise).
        RunConfig c = config(Algorithm::AllReduce, 4, 10.0);
        c.budget = 1e9;
        const RunResult r = runToCompletion(c);
        QCOMPARE_NAMES(r.status, RunStatus::Diverged);
    }

    void aTimeBudgetEndsEverySynchronousWorkerAtTheSameRound_data() {
        QTest::addColumn<int>("algorithm");
        QTest::newRow("allreduce") << int(Algorithm::AllReduce);
        QTest::newRow("local-sgd") << int(Algorithm::LocalSgd);
        QTest::newRow("dpsgd") << int(Algorithm::DPsgd);
    }
    void aTimeBudgetEndsEverySynchronousWorkerAtTheSameRound() {
        QFETCH(int, algorithm);
        RunConfig c = config(Algorithm(algorithm), 3, 0.01);
        c.budget_kind = BudgetKind::Seconds;
        c.budget = 0.5;
        c.local_steps = 4;
        test::EventLog log;
        FinalState s;
        const RunResult r = runIt(c, &log, &s);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        // A round every step: the same steps; local SGD goes to its round when the time is up.
        if (Algorithm(algorithm) != Algorithm::LocalSgd) QVERIFY(r.iterations % 3 == 0);
        if (Algorithm(algorithm) != Algorithm::DPsgd)
            for (size_t i = 1; i < s.weights.size(); ++i) QCOMPARE(test::maxDifference(s.weights[i], s.weights[0]), 0.0);
    }
};

QTEST_APPLESS_MAIN(TestAlgorithms)
#include "test_algorithms.moc"
