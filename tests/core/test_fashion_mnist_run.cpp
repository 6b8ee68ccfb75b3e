// A short real run on Fashion-MNIST (the Debian package's files) learns.
#include <QtTest>

#include <cmath>

#include "core/train/run.h"
#include "event_log.h"
#include "final_state_checks.h"

using namespace gossiplab;

class TestFashionMnistRun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void goSgdLearnsFashionMnist() {
        RunConfig c;  // the CLI's default: LeNet, GoSGD
        c.workers = 2;
        c.p = 0.1;
        c.learning_rate = 0.1;
        c.batch_size = 32;
        c.budget_kind = BudgetKind::ImagesPerWorker;
        c.budget = 12000;
        c.eval_max_images = 5000;
        test::EventLog log;
        const RunResult r = runToCompletion(c, &log);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QVERIFY(log.info.train_size == 60000 && log.info.test_size == 10000);
        // Against the known start (an untrained 10-class classifier's loss is about ln 10 = 2.30),
        // not the first run sample, which on a fast machine comes late.
        const double first = std::log(10.0);
        QVERIFY2(r.final_mean_loss < 0.5 * first, qPrintable(QString("%1 -> %2").arg(first).arg(r.final_mean_loss)));
        QVERIFY2(r.final_test_accuracy >= 0.70, qPrintable(QString::number(r.final_test_accuracy)));
        qInfo("Fashion-MNIST: loss %.3f -> %.3f, test accuracy %.1f%%, %.0f images/s", first, r.final_mean_loss,
              100 * r.final_test_accuracy, r.images_per_second);
    }

    // The algorithms beside GoSGD and EASGD learn too (LeNet, 2 workers, 6,000 images each).
    void everyOtherAlgorithmLearnsFashionMnist_data() {
        QTest::addColumn<int>("algorithm");
        for (Algorithm a : {Algorithm::AllReduce, Algorithm::LocalSgd, Algorithm::DPsgd, Algorithm::AdPsgd, Algorithm::Sgp})
            QTest::newRow(toString(a).c_str()) << int(a);
    }
    void everyOtherAlgorithmLearnsFashionMnist() {
        QFETCH(int, algorithm);
        const RunConfig c = test::learningConfig(Algorithm(algorithm), 2);
        const RunResult r = runToCompletion(c);
        QCOMPARE_NAMES(r.status, RunStatus::Finished);
        QVERIFY2(r.final_test_accuracy >= 0.60, qPrintable(QString::number(r.final_test_accuracy)));  // chance: 0.10
        qInfo("%s: loss %.3f, test accuracy %.1f%%, %.0f images/s", toString(c.algorithm).c_str(), r.final_mean_loss,
              100 * r.final_test_accuracy, r.images_per_second);
    }
};

QTEST_APPLESS_MAIN(TestFashionMnistRun)
#include "test_fashion_mnist_run.moc"
