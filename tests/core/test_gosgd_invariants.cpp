// GoSGD's conservation laws and consensus, with gradient steps switched off (learning rate 0) and
// the workers started apart (init-noise), so that only the exchanges move the weights.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/train/run.h"
#include "event_log.h"

using namespace gossiplab;

namespace {

RunConfig consensusConfig(int workers, double p) {
    RunConfig c = test::fastConfig();
    c.algorithm = Algorithm::GoSgd;
    c.workers = workers;
    c.p = p;
    c.learning_rate = 0.0;
    c.allow_zero_learning_rate = true;
    c.init_noise = 0.1;
    c.metrics_every = 1;
    c.distance_every = 5;
    c.budget = 16 * 150;  // 150 iterations per worker
    return c;
}

double finalConsensus(test::EventLog& log) { return log.distances.back().consensus_distance; }

}  // namespace

class TestGoSgdInvariants : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sumOfAlphasIsOneAtEverySample() {
        test::EventLog log;
        Run run(consensusConfig(8, 0.5), &log);
        run.start();
        // The ledger read on its own, as often as this thread gets to, while the workers push: a
        // sample's alpha_sum is one value per monitor tick, and a fast run has only one or two.
        int polls = 0, polls_while_running = 0;
        double worst = 0.0;
        do {
            const bool running = run.isRunning();
            const AlphaLedger a = run.alphaLedger();
            worst = std::max(worst, std::abs(a.held + a.waiting - 1.0));
            QVERIFY(a.held > 0.0 && a.waiting >= -1e-12);
            ++polls;
            polls_while_running += running ? 1 : 0;
            std::this_thread::yield();
        } while (run.isRunning());
        QVERIFY2(worst < 1e-9, qPrintable(QString("worst |held + waiting - 1| = %1 over %2 polls").arg(worst).arg(polls)));
        qInfo("alpha ledger: %d polls (%d while running), worst |held + waiting - 1| = %g", polls, polls_while_running, worst);
        const RunResult result = run.wait();
        QCOMPARE_NAMES(result.status, RunStatus::Finished);
        QVERIFY(log.worker_samples.size() > 100);
        for (const auto& s : log.worker_samples) {
            QVERIFY2(std::abs(s.alpha_sum - 1.0) < 1e-6, qPrintable(QString::number(s.alpha_sum, 'g', 17)));
            QVERIFY(s.alpha > 0.0 && s.alpha <= 1.0);
        }
        // Each run sample splits the sum, read at one moment, into what the workers hold and what
        // waits in their inboxes: the two add up to 1.
        QVERIFY(!log.run_samples.empty());
        for (const auto& s : log.run_samples) {
            QVERIFY(std::abs(s.alpha_sum - 1.0) < 1e-9);
            QVERIFY2(std::abs(s.alpha_held + s.alpha_waiting - 1.0) < 1e-9,
                     qPrintable(QString("held %1 + waiting %2").arg(s.alpha_held, 0, 'g', 17).arg(s.alpha_waiting, 0, 'g', 17)));
            QVERIFY(s.alpha_held > 0.0 && s.alpha_held <= 1.0 + 1e-12 && s.alpha_waiting >= -1e-12);
        }
        // After the final drain nothing waits: the last sample's workers hold it all.
        QVERIFY2(std::abs(log.run_samples.back().alpha_held - 1.0) < 1e-9,
                 qPrintable(QString::number(log.run_samples.back().alpha_held, 'g', 17)));
        // Once the inboxes are drained, the workers alone carry all of it.
        const FinalState state = run.finalState();
        double sum = 0.0;
        for (double a : state.alphas) sum += a;
        QVERIFY2(std::abs(sum - 1.0) < 1e-9, qPrintable(QString::number(sum, 'g', 17)));
        QVERIFY(std::abs(result.alpha_sum - 1.0) < 1e-9);
        QVERIFY(result.messages > 100);
    }

    void weightedMeanIsConservedByExchanges() {
        Run run(consensusConfig(6, 0.7), nullptr);
        run.start();
        QCOMPARE_NAMES(run.wait().status, RunStatus::Finished);
        const FinalState state = run.finalState();
        // Every worker starts with alpha = 1/M, so the conserved sum_i a_i x_i is the mean of the
        // initial weights.
        const size_t n = state.initial_mean.size();
        QVERIFY(n > 1000);
        double max_error = 0.0, scale = 0.0;
        for (size_t k = 0; k < n; ++k) {
            double weighted = 0.0;
            for (size_t i = 0; i < state.weights.size(); ++i) weighted += state.alphas[i] * state.weights[i][k];
            max_error = std::max(max_error, std::abs(weighted - state.initial_mean[k]));
            scale = std::max(scale, std::abs(double(state.initial_mean[k])));
        }
        QVERIFY2(max_error < 1e-5 * std::max(1.0, scale), qPrintable(QString::number(max_error)));
    }

    void distancesShrinkFasterForLargerP() {
        test::EventLog slow_log, fast_log;
        QCOMPARE_NAMES(runToCompletion(consensusConfig(4, 0.1), &slow_log).status, RunStatus::Finished);
        QCOMPARE_NAMES(runToCompletion(consensusConfig(4, 0.8), &fast_log).status, RunStatus::Finished);
        // The start's spread, known from the noise (each of the n weights of each copy gets
        // N(0, 0.1^2); a copy's distance to the average is then 0.1 sqrt(n (M-1)/M)). Not the first
        // snapshot: on a fast machine it comes when p = 0.8 has already mixed.
        const double n = double(fast_log.info.parameter_count), m = 4.0;
        QVERIFY(n > 1000);
        const double initial_spread = 0.1 * std::sqrt(n * (m - 1.0) / m);
        for (auto* log : {&slow_log, &fast_log}) {
            QVERIFY(!log->distances.empty());  // the final snapshot at least; a fast run may have no other
            QVERIFY2(finalConsensus(*log) < 0.5 * initial_spread,
                     qPrintable(QString("%1 -> %2").arg(initial_spread).arg(finalConsensus(*log))));
            // The matrix is symmetric with a zero diagonal.
            const auto& d = log->distances.back();
            for (int i = 0; i < d.workers; ++i) {
                QCOMPARE(d.distances[size_t(i * d.workers + i)], 0.0);
                for (int j = 0; j < d.workers; ++j)
                    QCOMPARE(d.distances[size_t(i * d.workers + j)], d.distances[size_t(j * d.workers + i)]);
            }
        }
        QVERIFY2(finalConsensus(fast_log) < 0.1 * finalConsensus(slow_log),
                 qPrintable(QString("p=0.8: %1, p=0.1: %2").arg(finalConsensus(fast_log)).arg(finalConsensus(slow_log))));
        QVERIFY2(finalConsensus(fast_log) < 1e-3 * initial_spread,
                 qPrintable(QString("p=0.8: %1 at the end, %2 at the start (%3 snapshots)")
                                .arg(finalConsensus(fast_log))
                                .arg(initial_spread)
                                .arg(fast_log.distances.size())));
    }

    void noExchangeWithPZero() {
        test::EventLog log;
        Run run(consensusConfig(3, 0.0), &log);
        run.start();
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QCOMPARE(r.messages, int64_t(0));
        // Without exchanges and gradients nothing moves: every copy is still the shared start plus
        // its own noise (against what is known of the start, not against a first snapshot, which
        // a fast run may not have before its last).
        const FinalState state = run.finalState();
        const size_t n = state.initial_weights.size();
        QVERIFY(n > 1000);
        const double expected_offset = 0.1 * std::sqrt(double(n));  // |N(0, 0.1^2 I_n)|
        double mean_error = 0.0;
        for (size_t k = 0; k < n; ++k) {
            double mean = 0.0;
            for (const auto& w : state.weights) mean += w[k];
            mean_error = std::max(mean_error, std::abs(mean / 3.0 - state.initial_mean[k]));
        }
        QVERIFY2(mean_error < 1e-6, qPrintable(QString::number(mean_error)));
        for (const auto& w : state.weights) {
            double offset = 0.0;
            for (size_t k = 0; k < n; ++k) offset += (double(w[k]) - state.initial_weights[k]) * (double(w[k]) - state.initial_weights[k]);
            offset = std::sqrt(offset);
            QVERIFY2(std::abs(offset - expected_offset) < 0.05 * expected_offset,
                     qPrintable(QString("offset from the start %1, expected %2").arg(offset).arg(expected_offset)));
        }
        const double expected_spread = 0.1 * std::sqrt(n * 2.0 / 3.0);
        QVERIFY2(std::abs(finalConsensus(log) - expected_spread) < 0.05 * expected_spread,
                 qPrintable(QString("final consensus %1, expected %2").arg(finalConsensus(log)).arg(expected_spread)));
    }
};

QTEST_APPLESS_MAIN(TestGoSgdInvariants)
#include "test_gosgd_invariants.moc"
