// Seeds make runs reproducible where the algorithm allows: the same seed gives the same losses;
// naive workers are independent SGD runs; GoSGD with one worker is plain SGD.
#include <QtTest>

#include <cmath>

#include "core/train/run.h"
#include "event_log.h"

using namespace gossiplab;

namespace {
std::vector<double> losses(RunConfig c, int worker, FinalState* state = nullptr) {
    test::EventLog log;
    Run run(c, &log);
    run.start();
    const RunResult r = run.wait();
    if (r.status != RunStatus::Finished) qWarning("run ended %s: %s", toString(r.status).c_str(), r.message.c_str());
    if (state) *state = run.finalState();
    return log.lossesOf(worker);
}

RunConfig singleWorker(Algorithm algorithm) {
    RunConfig c = test::fastConfig();
    c.algorithm = algorithm;
    c.workers = 1;
    c.metrics_every = 1;
    c.budget = 16 * 120;
    c.learning_rate = 0.1;
    return c;
}
}  // namespace

class TestReproducibility : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameSeedSameLossSequence() {
        const auto a = losses(singleWorker(Algorithm::GoSgd), 0);
        const auto b = losses(singleWorker(Algorithm::GoSgd), 0);
        QCOMPARE(a.size(), size_t(120));
        QCOMPARE(a, b);
        RunConfig other = singleWorker(Algorithm::GoSgd);
        other.seed = 2;
        QVERIFY(losses(other, 0) != a);
    }

    void goSgdWithOneWorkerIsPlainSgd() {
        // Naive with one worker is plain SGD: no exchange of any kind.
        FinalState gosgd, plain;
        RunConfig g = singleWorker(Algorithm::GoSgd);
        g.p = 1.0;  // even at p = 1 there is no peer to push to
        QCOMPARE(losses(g, 0, &gosgd), losses(singleWorker(Algorithm::Naive), 0, &plain));
        QCOMPARE(gosgd.weights, plain.weights);
        QCOMPARE(gosgd.alphas.at(0), 1.0);
    }

    void naiveWorkersAreIndependentSgdRuns() {
        RunConfig many = singleWorker(Algorithm::Naive);
        many.workers = 3;
        FinalState state;
        const auto worker0 = losses(many, 0, &state);
        QCOMPARE(worker0, losses(singleWorker(Algorithm::Naive), 0));
        // The other workers draw other mini-batches from their own streams...
        QVERIFY(losses(many, 1) != worker0);
        // ...and every worker started from the same initial weights.
        QCOMPARE(state.initial_mean.size(), state.initial_weights.size());
        for (size_t k = 0; k < state.initial_mean.size(); ++k)
            QVERIFY(std::abs(state.initial_mean[k] - state.initial_weights[k]) <= 1e-6f * (1 + std::abs(state.initial_weights[k])));
    }
};

QTEST_APPLESS_MAIN(TestReproducibility)
#include "test_reproducibility.moc"
