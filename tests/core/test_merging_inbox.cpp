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

    // SGP: pushes tagged with their sender's step are kept apart by step; drainThrough(T) merges
    // the untagged ones and those tagged <= T (as a FIFO of just those would), and leaves the rest,
    // whose weight still counts as pending.
    void taggedPushesWaitForTheirStep() {
        torch::manual_seed(5);
        const int64_t n = 777;
        auto x0 = torch::randn({n});
        const double a0 = 0.125;
        struct Message { torch::Tensor y; double b; int64_t step; };
        std::vector<Message> arrivals;
        for (int64_t step : {3, 0, 2, 5, 1, 2})  // out of order, step 2 twice
            arrivals.push_back({torch::randn({n}), std::ldexp(1.0, -2 - static_cast<int>(step)), step});
        MergingInbox inbox(x0);
        int64_t expected_through[] = {-1, 0, 0, 0, 3, 3};
        for (size_t k = 0; k < arrivals.size(); ++k) {
            inbox.merge(arrivals[k].y, arrivals[k].b, arrivals[k].step);
            QCOMPARE(inbox.arrivedThrough(), expected_through[k]);
        }
        double all_weight = 0.0;
        for (const auto& m : arrivals) all_weight += m.b;
        QCOMPARE(inbox.pendingMessages(), int64_t(arrivals.size()));
        QVERIFY(std::abs(inbox.pendingWeight() - all_weight) < 1e-15);

        auto fifo = [&](torch::Tensor x, double a, int64_t from, int64_t through) {
            x = x.to(torch::kFloat64);
            for (const auto& m : arrivals)
                if (m.step >= from && m.step <= through) {
                    x = (x * a + m.y.to(torch::kFloat64) * m.b) / (a + m.b);
                    a += m.b;
                }
            return std::make_pair(x, a);
        };
        // Before step 3: the pushes of steps 0..2 (four of them), not those of 3 and 5.
        auto x = x0.clone();
        double a = a0;
        QCOMPARE(inbox.drainThrough(x, a, 2), int64_t(4));
        auto [want_x, want_a] = fifo(x0, a0, 0, 2);
        QVERIFY(std::abs(a - want_a) < 1e-15);
        QVERIFY((x.to(torch::kFloat64) - want_x).abs().max().item<double>() < 1e-5);
        QCOMPARE(inbox.pendingMessages(), int64_t(2));
        QVERIFY(std::abs(inbox.pendingWeight() - (arrivals[0].b + arrivals[3].b)) < 1e-15);
        QCOMPARE(inbox.arrivedThrough(), int64_t(3));  // merged pushes still count as arrived
        // Nothing new up to step 2: a second drain changes nothing.
        auto before = x.clone();
        QCOMPARE(inbox.drainThrough(x, a, 2), int64_t(0));
        QVERIFY(torch::equal(before, x));
        // The steps that arrive late close the gap; drainInto (the end of a run) merges every tag.
        inbox.merge(torch::randn({n}), 0.01, 4);
        QCOMPARE(inbox.arrivedThrough(), int64_t(5));
        const double rest = inbox.pendingWeight();
        const double a_before = a;
        QCOMPARE(inbox.drainInto(x, a), int64_t(3));
        QVERIFY(std::abs(a - (a_before + rest)) < 1e-15);
        QCOMPARE(inbox.pendingMessages(), int64_t(0));
        QCOMPARE(inbox.pendingWeight(), 0.0);
    }

    // Halves of 1/M meeting again: a lock-step push-sum weight stays exactly 1/M through a tag.
    void aStepsPushRestoresTheWeightExactly() {
        for (int m : {3, 4, 6, 8}) {
            auto x = torch::randn({64});
            double a = 1.0 / m / 2.0;  // after the worker's own push
            MergingInbox inbox(x);
            inbox.merge(torch::randn({64}), 1.0 / m / 2.0, 0);
            inbox.merge(torch::randn({64}), 1.0 / m / 2.0, 1);  // a fast sender's next push
            QCOMPARE(inbox.drainThrough(x, a, 0), int64_t(1));
            QCOMPARE(a, 1.0 / m);
            QCOMPARE(inbox.pendingWeight(), 1.0 / m / 2.0);
        }
    }

    // Untagged (GoSGD) and tagged messages in one inbox: drainThrough takes every untagged one.
    void untaggedMessagesAreMergedByEveryDrain() {
        auto x = torch::zeros({10});
        double a = 0.5;
        MergingInbox inbox(x);
        inbox.merge(torch::ones({10}), 0.25);
        inbox.merge(torch::ones({10}) * 3, 0.25, 7);
        QCOMPARE(inbox.arrivedThrough(), int64_t(-1));  // step 7 alone: 0..6 are missing
        QCOMPARE(inbox.drainThrough(x, a, 6), int64_t(1));
        QCOMPARE(a, 0.75);
        QVERIFY(torch::allclose(x, torch::full({10}, 1.0 / 3.0)));
        QCOMPARE(inbox.pendingWeightedSum()[0].item<double>(), 0.75);
    }

    // Weights below float's range: at the end of a GoSGD run at p = 1 a worker left training alone
    // halves its alpha every step and receives nothing (2^-180 was seen after 20 epochs). The
    // inbox kept sum b y in float, which underflowed to 0, and mixed with 1/(a+B), which
    // overflowed: x became NaN (a "diverged" run, a test accuracy of 10%). The weighted mean is
    // the same at any scale of the weights.
    void tinyWeightsMixAsWellAsLargeOnes() {
        torch::manual_seed(5);
        const auto x0 = torch::randn({1000}), y1 = torch::randn({1000}), y2 = torch::randn({1000});
        for (double scale : {1.0, 1e-30, 1e-50, 1e-200, std::ldexp(1.0, -1070)}) {
            auto x = x0.clone();
            double a = 2 * scale;
            MergingInbox inbox(x);
            inbox.merge(y1, scale);
            inbox.merge(y2, scale);
            QCOMPARE(inbox.drainInto(x, a), int64_t(2));
            QCOMPARE(a, 4 * scale);
            const auto expected = (2 * x0 + y1 + y2) / 4;
            QVERIFY2(torch::allclose(x, expected, 1e-5, 1e-6), qPrintable(QString("weights of %1: %2 NaN")
                                                                          .arg(scale).arg(x.isnan().sum().item<int64_t>())));
        }
    }

    // Weights of exactly 0 (halved past 2^-1074) carry no mass: they change no model and make no NaN.
    void zeroWeightsMixNothing() {
        const auto x0 = torch::full({10}, 2.0), y = torch::full({10}, 7.0);
        {
            auto x = x0.clone();
            double a = 0.5;
            MergingInbox inbox(x);
            inbox.merge(y, 0.0);
            QCOMPARE(inbox.drainInto(x, a), int64_t(1));
            QCOMPARE(a, 0.5);
            QVERIFY(torch::equal(x, x0));
        }
        {
            auto x = x0.clone();
            double a = 0.0;
            MergingInbox inbox(x);
            inbox.merge(y, 0.0);
            inbox.merge(y * 2, 0.0);
            QCOMPARE(inbox.drainInto(x, a), int64_t(2));
            QCOMPARE(a, 0.0);
            QVERIFY(torch::equal(x, x0));
        }
        {
            // A receiver of weight 0 takes the messages' weighted mean, zero-weight ones left out.
            auto x = x0.clone();
            double a = 0.0;
            MergingInbox inbox(x);
            inbox.merge(y * 100, 0.0);
            inbox.merge(y, 0.25);
            inbox.merge(y * 3, 0.25);
            QCOMPARE(inbox.drainInto(x, a), int64_t(3));
            QCOMPARE(a, 0.5);
            QVERIFY(torch::allclose(x, y * 2));
        }
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
