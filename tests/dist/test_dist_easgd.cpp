// EASGD across two processes: the center lives on rank 0 (this test), the workers of rank 1 (a
// gossiplab-cli process) ask it for every elastic step. At learning rate 0 the sum of the
// workers and the center is conserved, and the workers are pulled onto the center.
#include <cmath>

#include "dist_support.h"

using namespace gossiplab;

class TestDistEasgd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sumOfWorkersAndCenterIsConservedAcrossProcesses() {
        const int port = freeLocalPort();
        QVERIFY(port > 0);
        QTemporaryDir home;
        RunConfig c;
        c.algorithm = Algorithm::Easgd;
        c.workers = 2;  // rank 0's; rank 1 brings 2 more
        c.easgd_tau = 2;
        c.easgd_alpha = 0.3;
        c.learning_rate = 0.0;
        c.allow_zero_learning_rate = true;
        c.init_noise = 0.1;
        c.dataset = "synthetic";
        c.model = "mlp";
        c.batch_size = 16;
        c.budget_kind = BudgetKind::ImagesPerWorker;
        c.budget = 16 * 200;
        c.metrics_every = 5;
        c.eval_max_images = 512;
        c.intra_op_threads = 1;
        c.test_model = TestModel::Center;
        test::DistLog log;
        Run run(c, &log, test::rankZero(2, port));
        run.start();
        test::CliProcess other(QStringList{"run", "--quiet", "--threads", "1"} + test::distFlags(2, 1, port, 2), home.path());
        const RunResult r = run.wait();
        QVERIFY2(other.finish(30000) == 0, qPrintable(other.output()));
        QVERIFY2(r.status == RunStatus::Finished, r.message.c_str());
        QCOMPARE(log.info.config.workers, 4);
        QCOMPARE(r.messages, int64_t(4 * 100));  // every worker: one elastic step every tau = 2 of its 200 iterations

        const FinalState s = run.finalState();
        QCOMPARE(s.weights.size(), size_t(4));
        QCOMPARE(s.center.size(), s.initial_weights.size());
        double max_error = 0.0, max_to_center = 0.0;
        for (size_t k = 0; k < s.center.size(); ++k) {
            // Before: M times the mean of the workers' initial weights, plus the center (the shared init).
            const double before = 4.0 * s.initial_mean[k] + s.initial_weights[k];
            double after = s.center[k];
            for (const auto& w : s.weights) {
                after += w[k];
                max_to_center = std::max(max_to_center, std::abs(double(w[k]) - s.center[k]));
            }
            max_error = std::max(max_error, std::abs(after - before));
        }
        QVERIFY2(max_error < 1e-4, qPrintable(QString::number(max_error)));
        // How close the copies end to the center is not an invariant across processes: a process
        // that runs its last elastic steps after the other's are done moves the center away from
        // the finished workers (seen on a loaded machine: 1.4e-4 and 3.6e-3 against a start spread
        // of 0.1 per weight). The conservation above is exact; closeness is a figure.
        qInfo("largest distance of a copy to the center at the end: %g (start: N(0, 0.1^2) per weight)", max_to_center);
        // The remote workers' distance to the center is reported too, and falls.
        double first = -1, last = -1;
        for (const auto& w : log.worker_samples)
            if (w.worker == 3 && std::isfinite(w.center_distance)) {
                if (first < 0) first = w.center_distance;
                last = w.center_distance;
            }
        QVERIFY2(first > 0 && last < 0.01 * first, qPrintable(QString("%1 -> %2").arg(first).arg(last)));
        QCOMPARE_NAMES(log.evaluations.back().model, TestModel::Center);
    }
};

QTEST_GUILESS_MAIN(TestDistEasgd)
#include "test_dist_easgd.moc"
