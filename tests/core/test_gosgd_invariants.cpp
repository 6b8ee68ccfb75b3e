// GoSGD's conservation laws and consensus, with gradient steps switched off (learning rate 0) and
// the workers started apart (init-noise), so that only the exchanges move the weights.
#include <QScopeGuard>
#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/data/dataset.h"
#include "core/models/models.h"
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

// Holds the run's monitor thread at its first worker sample until the test's thread has read the
// ledger during the run (open()). Run::isRunning() is true from start() until after the monitor's
// last report, so while the monitor waits here the run cannot end: however fast the machine (a GPU
// does these 150 iterations in a few milliseconds, possibly before the polling thread is scheduled
// again), at least one poll lands while the run runs. The workers do not wait for the monitor:
// they go on pushing meanwhile. A broken poller is waited for once, a hang's time; then the run goes
// on and the test's count of polls during the run says what went wrong.
class PollGate final : public RunObserver {
public:
    void onWorkerSample(const WorkerSample&) override {
        std::unique_lock lock(mutex_);
        opened_.wait_for(lock, std::chrono::seconds(60), [this] { return open_; });
        open_ = true;  // one wait at most, even when it timed out
    }
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

double finalConsensus(test::EventLog& log) { return log.distances.back().consensus_distance; }

// The test loss of `weights` (a flat parameter vector) on the run's test images, computed here
// with LibTorch alone: the run's evaluator is what is checked against it.
double testLoss(const RunConfig& c, const std::vector<float>& weights) {
    const Dataset data = loadDataset(c.dataset, c.effectiveDataDir(), 1234);  // the run's data seed
    auto net = makeNetwork(c.model, {data.channels, data.inputHeight(), data.inputWidth(), data.classes});
    net->eval();
    torch::nn::utils::vector_to_parameters(torch::tensor(weights), net->parameters());
    const torch::Tensor images = preprocessedTestImages(data, c.eval_max_images);
    const torch::Tensor labels = data.test.labels.narrow(0, 0, images.size(0));
    torch::NoGradGuard no_grad;
    return torch::cross_entropy_loss(net->forward(images), labels).item<double>();
}

std::vector<float> weightedAverage(const FinalState& s, bool by_alpha) {
    std::vector<float> model(s.weights[0].size(), 0.0f);
    double total = 0.0;
    for (size_t i = 0; i < s.weights.size(); ++i) total += by_alpha ? s.alphas[i] : 1.0;
    for (size_t i = 0; i < s.weights.size(); ++i) {
        const double share = (by_alpha ? s.alphas[i] : 1.0) / total;
        for (size_t k = 0; k < model.size(); ++k) model[k] += static_cast<float>(share * s.weights[i][k]);
    }
    return model;
}

}  // namespace

class TestGoSgdInvariants : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sumOfAlphasIsOneAtEverySample() {
        test::EventLog log;
        PollGate gate;
        ObserverFanOut observers;
        observers.add(&log);
        observers.add(&gate);
        Run run(consensusConfig(8, 0.5), &observers);
        const auto open_at_exit = qScopeGuard([&gate] { gate.open(); });  // a failed QVERIFY returns early: the run must not wait then
        run.start();
        // The ledger read on its own, as often as this thread gets to, while the workers push: a
        // sample's alpha_sum is one value per monitor tick, and a fast run has only one or two.
        int polls = 0, polls_while_running = 0;
        double worst = 0.0;
        do {
            const bool running_before = run.isRunning();
            const AlphaLedger a = run.alphaLedger();
            // Running before and after the read (it only goes from true to false): read during the run.
            const bool during = running_before && run.isRunning();
            worst = std::max(worst, std::abs(a.held + a.waiting - 1.0));
            QVERIFY(a.held > 0.0 && a.waiting >= -1e-12);
            ++polls;
            if (during) {
                ++polls_while_running;
                gate.open();
            }
            std::this_thread::yield();
        } while (run.isRunning());
        QVERIFY2(worst < 1e-9, qPrintable(QString("worst |held + waiting - 1| = %1 over %2 polls").arg(worst).arg(polls)));
        qInfo("alpha ledger: %d polls (%d while running), worst |held + waiting - 1| = %g", polls, polls_while_running, worst);
        // The gate (above) makes this hold on any machine: without it the loop could have read
        // the ledger only after the run had ended, and checked nothing.
        QVERIFY2(polls_while_running >= 1, qPrintable(QString("none of %1 polls of the ledger was during the run").arg(polls)));
        const RunResult result = run.wait();
        QCOMPARE_NAMES(result.status, RunStatus::Finished);
        QCOMPARE(log.worker_samples.size(), size_t(8 * 150));  // one per worker and iteration (metrics-every 1)
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

    // --test-model alpha-weighted in a run: the final evaluation is of sum_i a_i x_i / sum_i a_i.
    // Without gradients that average is the conserved one, the mean of the start; the uniform
    // average of the same workers (uneven alphas, not yet at consensus) scores differently.
    void alphaWeightedTestModelInARun() {
        RunConfig c = consensusConfig(4, 0.2);
        c.budget = 16 * 20;
        c.init_noise = 0.1;
        c.test_model = TestModel::AlphaWeighted;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        const RunResult r = run.wait();
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QVERIFY(!log.evaluations.empty());
        QCOMPARE_NAMES(log.evaluations.back().model, TestModel::AlphaWeighted);
        const FinalState s = run.finalState();
        const double lowest = *std::min_element(s.alphas.begin(), s.alphas.end());
        const double highest = *std::max_element(s.alphas.begin(), s.alphas.end());
        QVERIFY2(highest > 1.5 * lowest, qPrintable(QString("alphas %1 .. %2: too even to tell the models apart").arg(lowest).arg(highest)));
        const double alpha_weighted = testLoss(c, weightedAverage(s, true));
        const double uniform = testLoss(c, weightedAverage(s, false));
        const double start_mean = testLoss(c, s.initial_mean);
        qInfo("test loss: run %.9f, alpha-weighted %.9f, mean of the start %.9f, uniform %.9f", r.final_test_loss, alpha_weighted,
              start_mean, uniform);
        QVERIFY2(std::abs(r.final_test_loss - alpha_weighted) < 1e-6 * alpha_weighted,
                 qPrintable(QString("run %1, alpha-weighted average %2").arg(r.final_test_loss).arg(alpha_weighted)));
        QVERIFY2(std::abs(alpha_weighted - start_mean) < 1e-6 * start_mean,
                 qPrintable(QString("alpha-weighted %1, mean of the start %2").arg(alpha_weighted).arg(start_mean)));
        // The two averages are different models (about 1e-2 apart here; an evaluation of the uniform one would not pass
        // the bound above: its loss differs by 1e-4 to 3e-3 of it, 100 times the bound and more).
        const std::vector<float> by_alpha = weightedAverage(s, true), uniform_weights = weightedAverage(s, false);
        double apart = 0.0;
        for (size_t k = 0; k < by_alpha.size(); ++k) apart = std::max(apart, double(std::abs(by_alpha[k] - uniform_weights[k])));
        QVERIFY2(apart > 1e-3, qPrintable(QString("the uniform and alpha-weighted averages are only %1 apart").arg(apart)));
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
