// The merging inbox gives the FIFO queue's result, whatever the messages and their order.
#include <QtTest>

#include <torch/torch.h>

#include <random>

#include "core/train/inbox.h"

using namespace gossiplab;

class TestMergingInbox : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesFifoOnRandomInputs() {
        std::mt19937_64 rng(7);
        for (int trial = 0; trial < 50; ++trial) {
            const int64_t n = 1 + static_cast<int64_t>(rng() % 5000);
            const int messages = 1 + static_cast<int>(rng() % 20);
            torch::manual_seed(trial);
            auto x0 = torch::randn({n});
            double a0 = std::uniform_real_distribution<double>(0.01, 1.0)(rng);
            std::vector<std::pair<torch::Tensor, double>> queue;
            for (int k = 0; k < messages; ++k)
                queue.emplace_back(torch::randn({n}) * 3, std::ldexp(1.0, -1 - static_cast<int>(rng() % 12)));

            // FIFO: one message at a time, in arrival order, as the spec states it.
            auto fifo_x = x0.to(torch::kFloat64);
            double fifo_a = a0;
            for (auto& [y, b] : queue) {
                fifo_x = (fifo_x * fifo_a + y.to(torch::kFloat64) * b) / (fifo_a + b);
                fifo_a += b;
            }

            MergingInbox inbox(x0);
            for (auto& [y, b] : queue) inbox.merge(y, b);
            QCOMPARE(inbox.pendingMessages(), int64_t(messages));
            auto x = x0.clone();
            double a = a0;
            QCOMPARE(inbox.drainInto(x, a), int64_t(messages));
            QVERIFY(std::abs(a - fifo_a) < 1e-12);
            const double err = (x.to(torch::kFloat64) - fifo_x).abs().max().item<double>();
            QVERIFY2(err < 1e-5, qPrintable(QString("trial %1: %2").arg(trial).arg(err)));
            // Drained: nothing left, and a second drain changes nothing.
            QCOMPARE(inbox.pendingMessages(), int64_t(0));
            QCOMPARE(inbox.pendingWeight(), 0.0);
            auto before = x.clone();
            QCOMPARE(inbox.drainInto(x, a), int64_t(0));
            QVERIFY(torch::equal(before, x));
        }
    }

    void conservesTheWeightedSum() {
        torch::manual_seed(3);
        auto x = torch::randn({1000});
        double a = 0.25;
        auto y = torch::randn({1000});
        const double b = 0.125;
        auto before = x.to(torch::kFloat64) * a + y.to(torch::kFloat64) * b;
        MergingInbox inbox(x);
        inbox.merge(y, b);
        inbox.drainInto(x, a);
        QCOMPARE(a, 0.375);
        QVERIFY((x.to(torch::kFloat64) * a - before).abs().max().item<double>() < 1e-6);
    }

    void memoryStaysOneBufferUnderManyMessages() {
        auto x = torch::zeros({100000});
        MergingInbox inbox(x);
        auto y = torch::ones({100000});
        for (int k = 0; k < 10000; ++k) inbox.merge(y, 1e-4);
        // Still one model-sized sum: S = sum b y = 1.0 everywhere.
        QVERIFY(torch::allclose(inbox.pendingWeightedSum(), torch::ones({100000}), 1e-4));
        QCOMPARE(inbox.pendingWeightedSum().numel(), int64_t(100000));
    }
};

QTEST_APPLESS_MAIN(TestMergingInbox)
#include "test_merging_inbox.moc"
