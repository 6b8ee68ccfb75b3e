// EASGD's elastic exchange conserves the sum of the workers and the center, and pulls the workers
// to the center when there are no gradients.
#include <QtTest>

#include <cmath>

#include "core/train/run.h"
#include "event_log.h"

using namespace gossiplab;

class TestEasgdInvariants : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sumOfWorkersAndCenterIsConserved() {
        RunConfig c = test::fastConfig();
        c.algorithm = Algorithm::Easgd;
        c.workers = 4;
        c.easgd_tau = 2;
        c.easgd_alpha = 0.3;
        c.learning_rate = 0.0;
        c.allow_zero_learning_rate = true;
        c.init_noise = 0.1;
        c.budget = 16 * 200;
        test::EventLog log;
        Run run(c, &log);
        run.start();
        const RunResult result = run.wait();
        QCOMPARE_NAMES(result.status, RunStatus::Finished);
        QCOMPARE(result.messages, int64_t(4 * 100));  // one elastic step every tau = 2 iterations
        const FinalState s = run.finalState();
        QCOMPARE(s.center.size(), s.initial_weights.size());
        double max_error = 0.0, max_to_center = 0.0;
        for (size_t k = 0; k < s.center.size(); ++k) {
            // Before: M * mean of the workers' initial weights + the center (the shared init).
            const double before = 4.0 * s.initial_mean[k] + s.initial_weights[k];
            double after = s.center[k];
            for (const auto& w : s.weights) {
                after += w[k];
                max_to_center = std::max(max_to_center, std::abs(double(w[k]) - s.center[k]));
            }
            max_error = std::max(max_error, std::abs(after - before));
        }
        QVERIFY2(max_error < 1e-4, qPrintable(QString::number(max_error)));
        // 100 elastic steps with alpha = 0.3: the workers sit on the center.
        QVERIFY2(max_to_center < 1e-4, qPrintable(QString::number(max_to_center)));
        // The per-worker distance to the center is reported and falls.
        double first = -1, last = -1;
        for (const auto& w : log.worker_samples)
            if (w.worker == 0 && std::isfinite(w.center_distance)) {
                if (first < 0) first = w.center_distance;
                last = w.center_distance;
            }
        QVERIFY(first > 0 && last < 0.01 * first);
        QVERIFY(std::isnan(log.worker_samples.front().alpha));
    }

    void eamsgdLearns() {
        RunConfig c = test::fastConfig();
        c.algorithm = Algorithm::Easgd;
        c.workers = 3;
        c.momentum = 0.9;  // Nesterov delta
        c.easgd_tau = 4;
        c.learning_rate = 0.01;
        c.test_model = TestModel::Center;
        c.budget = 16 * 300;
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        // Against the known start (an untrained 10-class classifier's loss is about ln 10 = 2.30),
        // not the first run sample, which on a fast machine comes when training is half done.
        const double initial_loss = std::log(10.0);
        QVERIFY2(r.final_mean_loss < 0.7 * initial_loss, qPrintable(QString("%1 -> %2").arg(initial_loss).arg(r.final_mean_loss)));
        QVERIFY2(r.final_test_accuracy > 0.5, qPrintable(QString::number(r.final_test_accuracy)));
        QCOMPARE_NAMES(log.evaluations.back().model, TestModel::Center);
    }
};

QTEST_APPLESS_MAIN(TestEasgdInvariants)
#include "test_easgd_invariants.moc"
