// The workers' optimizer against LibTorch's own torch::optim::SGD: one worker of a real run, and the
// same batches replayed through torch::optim::SGD on a network with the same start, must end at the
// same weights (heavy ball with weight decay; plain SGD; EAMSGD's Nesterov momentum with weight
// decay; a learning-rate schedule that changes the step size at its image count).
#include <QtTest>

#include <sstream>
#include <type_traits>

#include <cmath>

#include "core/data/dataset.h"
#include "core/models/models.h"
#include "core/train/run.h"
#include "core/train/run_shared.h"
#include "event_log.h"

using namespace gossiplab;

namespace {

// The key of an optimizer's per-parameter state: LibTorch 1.13 keys it by the TensorImpl's address
// printed as text, LibTorch 2.x by the address itself.
template <typename StateMap>
auto stateKey(const torch::Tensor& p) {
    using Key = typename std::decay_t<StateMap>::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream text;
        text << p.unsafeGetTensorImpl();
        return text.str();
    } else {
        return static_cast<Key>(p.unsafeGetTensorImpl());
    }
}

// One worker alone: no exchange moves its weights (naive; EASGD with one worker whose only
// elastic step, at step 0, finds it on the center).
RunConfig oneWorker(Algorithm algorithm, int steps) {
    RunConfig c = test::fastConfig();
    c.algorithm = algorithm;
    c.workers = 1;
    c.learning_rate = 0.05;
    c.batch_size = 16;
    c.budget = 16.0 * steps;
    c.seed = 7;
    if (algorithm == Algorithm::Easgd) c.easgd_tau = 1000;
    return c;
}

struct Replay {
    torch::Tensor start, weights, momentum_buffer;
};

// The run's batches for worker 0 through torch::optim::SGD. `lr_at(step)` is the learning rate of
// step k (1-based).
Replay replay(const RunConfig& c, int steps, const std::function<double(int)>& lr_at, bool nesterov) {
    at::set_num_threads(1);
    const Dataset data = loadDataset(c.dataset, c.effectiveDataDir(), 1234);  // the run's data seed
    const TrainingSetOnDevice on_cpu = uploadTrainingSet(data, torch::kCPU);
    BatchSampler sampler(data, on_cpu, samplerSeed(c.seed, 0));
    torch::manual_seed(c.seed);  // the run's initialisation
    auto net = makeNetwork(c.model, {data.channels, data.inputHeight(), data.inputWidth(), data.classes});
    net->train();
    Replay r;
    r.start = torch::nn::utils::parameters_to_vector(net->parameters()).detach().clone();
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(lr_at(1))
                                                 .momentum(c.momentum)
                                                 .weight_decay(c.weight_decay)
                                                 .nesterov(nesterov));
    for (int step = 1; step <= steps; ++step) {
        static_cast<torch::optim::SGDOptions&>(sgd.param_groups()[0].options()).lr(lr_at(step));
        auto [input, labels] = sampler.next(c.batch_size);
        sgd.zero_grad();
        torch::cross_entropy_loss(net->forward(input), labels).backward();
        sgd.step();
    }
    r.weights = torch::nn::utils::parameters_to_vector(net->parameters()).detach().clone();
    if (c.momentum > 0.0) {
        std::vector<torch::Tensor> buffers;
        for (const auto& p : net->parameters()) {
            const auto& state = sgd.state().at(stateKey<decltype(sgd.state())>(p));
            buffers.push_back(static_cast<torch::optim::SGDParamState&>(*state).momentum_buffer().flatten());
        }
        r.momentum_buffer = torch::cat(buffers);
    }
    return r;
}

torch::Tensor toTensor(const std::vector<float>& v) { return torch::tensor(v); }

// The run's weights against torch's: the difference must be float rounding, far below how far the
// steps moved the weights (so a wrong term, however small its share of a step, shows).
void compareWeights(const torch::Tensor& run, const torch::Tensor& torch_weights, const torch::Tensor& start, const char* what) {
    const double moved = (torch_weights - start).abs().max().item<double>();
    const double error = (run - torch_weights).abs().max().item<double>();
    qInfo("%s: weights moved up to %.3g; the run differs from torch::optim::SGD by up to %.3g", what, moved, error);
    QVERIFY2(moved > 1e-3, qPrintable(QString("%1: the steps hardly moved the weights (%2)").arg(what).arg(moved)));
    QVERIFY2(error < 1e-5 * moved, qPrintable(QString("%1: run vs torch::optim::SGD: max difference %2, the steps moved up to %3")
                                                 .arg(what)
                                                 .arg(error)
                                                 .arg(moved)));
}

}  // namespace

class TestOptimizer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void heavyBallWithWeightDecayIsTorchSgd() {
        constexpr int kSteps = 8;
        RunConfig c = oneWorker(Algorithm::Naive, kSteps);
        c.momentum = 0.9;
        c.weight_decay = 0.05;
        Run run(c, nullptr);
        run.start();
        QCOMPARE_NAMES(run.wait().status, RunStatus::Finished);
        const FinalState s = run.finalState();
        const Replay r = replay(c, kSteps, [&](int) { return c.learning_rate; }, false);
        QVERIFY(torch::equal(toTensor(s.initial_weights), r.start));  // the same start
        compareWeights(toTensor(s.weights[0]), r.weights, r.start, "heavy ball, weight decay");
    }

    void plainSgdIsTorchSgd() {
        constexpr int kSteps = 8;
        const RunConfig c = oneWorker(Algorithm::Naive, kSteps);
        Run run(c, nullptr);
        run.start();
        QCOMPARE_NAMES(run.wait().status, RunStatus::Finished);
        const Replay r = replay(c, kSteps, [&](int) { return c.learning_rate; }, false);
        compareWeights(toTensor(run.finalState().weights[0]), r.weights, r.start, "plain SGD");
    }

    // EAMSGD's momentum (the EASGD paper, after Sutskever et al.): v <- d v - lr g(x + d v); x <- x + v.
    // torch's Nesterov SGD keeps the look-ahead point p = x + d v and b = -v / lr instead; the two
    // take their gradients at the same points, so the worker's x is torch's p + d lr b.
    void eamsgdMomentumIsTorchNesterov() {
        constexpr int kSteps = 8;
        RunConfig c = oneWorker(Algorithm::Easgd, kSteps);
        c.momentum = 0.9;
        c.weight_decay = 0.05;
        Run run(c, nullptr);
        run.start();
        QCOMPARE_NAMES(run.wait().status, RunStatus::Finished);
        const Replay r = replay(c, kSteps, [&](int) { return c.learning_rate; }, true);
        const torch::Tensor x = r.weights + r.momentum_buffer * (c.momentum * c.learning_rate);
        compareWeights(toTensor(run.finalState().weights[0]), x, r.start, "EAMSGD Nesterov, weight decay");
    }

    // --lr-schedule: each step lands after the worker's step that reaches its image count, and the
    // steps that follow use it (heavy ball: torch scales the buffer by the step's own rate too).
    void learningRateScheduleChangesTheStepAtItsImageCount() {
        constexpr int kSteps = 8;
        RunConfig c = oneWorker(Algorithm::Naive, kSteps);
        c.momentum = 0.9;
        c.lr_schedule = {{48, 0.01}, {80, 0.002}};  // after steps 3 and 5 (16 images a step)
        test::EventLog log;
        Run run(c, &log);
        run.start();
        QCOMPARE_NAMES(run.wait().status, RunStatus::Finished);
        QCOMPARE(log.changes.size(), size_t(2));
        QCOMPARE(log.changes[0].at.images, int64_t(48));
        QCOMPARE(log.changes[0].new_value, 0.01);
        QCOMPARE(log.changes[1].at.images, int64_t(80));
        QCOMPARE(log.changes[1].new_value, 0.002);
        QCOMPARE(run.learningRate(), 0.002);
        auto lr_at = [&](int step) { return step <= 3 ? 0.05 : step <= 5 ? 0.01 : 0.002; };
        const Replay r = replay(c, kSteps, lr_at, false);
        compareWeights(toTensor(run.finalState().weights[0]), r.weights, r.start, "learning-rate schedule");
        // And the schedule mattered: a run at the first rate throughout ends elsewhere.
        const Replay constant = replay(c, kSteps, [&](int) { return 0.05; }, false);
        QVERIFY((constant.weights - r.weights).abs().max().item<double>() > 100 * 1e-5 * (r.weights - r.start).abs().max().item<double>());
    }
};

QTEST_APPLESS_MAIN(TestOptimizer)
#include "test_optimizer.moc"
