// The networks' shapes and parameter counts, the messages for inputs they do not fit, and the
// conv layout: channels-last computes the same function as contiguous, to float rounding.
#include <QtTest>

#include "core/models/models.h"
#include "core/train/flat_parameters.h"

using namespace gossiplab;

namespace {

int64_t parameterCount(Network& net) {
    int64_t n = 0;
    for (const auto& p : net.parameters()) n += p.numel();
    return n;
}

}  // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { setConvLayout(ConvLayout::Default); }

    void shapesAndParameterCounts() {
        struct Case { const char* name; InputShape shape; int64_t parameters; };
        // LeNet: 6*25+6 + 16*6*25+16 + 400*120+120 + 120*84+84 + 84*10+10.
        // MLP: 784*128+128 + 128*10+10. EASGD CIFAR: 64*75+64 + 128*1600+128 + 64*1152+64 + 256*10+10.
        for (const Case& c : {Case{"lenet", {1, 28, 28, 10}, 61706}, Case{"mlp", {1, 28, 28, 10}, 101770},
                              Case{"easgd-cifar", {3, 28, 28, 10}, 4864 + 204928 + 73792 + 2570}}) {
            auto net = makeNetwork(c.name, c.shape);
            QCOMPARE(parameterCount(*net), c.parameters);
            torch::NoGradGuard no_grad;
            net->eval();
            const auto out = net->forward(torch::randn({5, c.shape.channels, c.shape.height, c.shape.width}));
            QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{5, 10}));
            QVERIFY(torch::isfinite(out).all().item<bool>());
        }
    }

    void inputsAModelDoesNotFitAreRefusedByName() {
        try {
            makeNetwork("lenet", {1, 32, 32, 10});
            QFAIL("lenet accepted 32x32 images");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString(e.what()).contains("lenet") && QString(e.what()).contains("1x32x32"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeNetwork("easgd-cifar", {1, 28, 28, 10}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeNetwork("resnet", {1, 28, 28, 10}));
    }

    // The same weights (one worker's flat buffer) and input give the same logits and gradients
    // in both layouts.
    void channelsLastComputesTheSameFunction() {
        for (const auto& [name, shape] : {std::pair<const char*, InputShape>{"lenet", {1, 28, 28, 10}},
                                          std::pair<const char*, InputShape>{"easgd-cifar", {3, 28, 28, 10}}}) {
            torch::manual_seed(3);
            setConvLayout(ConvLayout::Contiguous);
            auto a = makeNetwork(name, shape);
            setConvLayout(ConvLayout::ChannelsLast);
            auto b = makeNetwork(name, shape);
            QVERIFY(a->activation_format == torch::MemoryFormat::Contiguous);
            QVERIFY(b->activation_format == torch::MemoryFormat::ChannelsLast);
            FlatParameters fa = flattenParameters(*a, torch::kCPU), fb = flattenParameters(*b, torch::kCPU);
            {
                torch::NoGradGuard no_grad;
                fb.weights.copy_(fa.weights);
            }
            a->eval();  // no dropout: both compute the same deterministic function
            b->eval();
            const auto x = torch::randn({8, shape.channels, shape.height, shape.width});
            const auto labels = torch::randint(0, 10, {8});
            torch::cross_entropy_loss(a->forward(x), labels).backward();
            torch::cross_entropy_loss(b->forward(x), labels).backward();
            QVERIFY2(torch::allclose(a->forward(x), b->forward(x), 1e-4, 1e-5), name);
            QVERIFY2(torch::allclose(fa.grads, fb.grads, 1e-3, 1e-5),
                     qPrintable(QString("%1: max gradient difference %2").arg(name).arg((fa.grads - fb.grads).abs().max().item<double>())));
            QVERIFY(fa.grads.abs().sum().item<double>() > 0.0);
        }
    }
};

QTEST_APPLESS_MAIN(TestModels)
#include "test_models.moc"
