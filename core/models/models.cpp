#include "core/models/models.h"

#include <atomic>
#include <stdexcept>

namespace gossiplab {

namespace {

// The layouts gossiplab-bench measured fastest for each conv net on CPU (section 0, README
// "gossiplab-bench"): LeNet 0.95x in channels-last, the EASGD CIFAR net 1.21x.
constexpr ConvLayout kLeNetLayout = ConvLayout::Contiguous;
constexpr ConvLayout kEasgdCifarLayout = ConvLayout::ChannelsLast;

std::string shapeText(const InputShape& s) {
    return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" + std::to_string(s.width);
}

// LeNet-5 style, for 28x28 images with any number of channels.
struct LeNet final : Network {
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};

    explicit LeNet(const InputShape& s) {
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(s.channels, 6, 5).padding(2)));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 16, 5)));
        fc1 = register_module("fc1", torch::nn::Linear(16 * 5 * 5, 120));
        fc2 = register_module("fc2", torch::nn::Linear(120, 84));
        fc3 = register_module("fc3", torch::nn::Linear(84, s.classes));
    }
    torch::Tensor forward(const torch::Tensor& x) override {
        auto h = torch::max_pool2d(torch::relu(conv1(x.contiguous(activation_format))), 2);
        h = torch::max_pool2d(torch::relu(conv2(h)), 2);
        h = torch::relu(fc1(h.flatten(1)));
        h = torch::relu(fc2(h));
        return fc3(h);
    }
    std::string description() const override {
        return "LeNet-style: conv5x5(6)-pool-conv5x5(16)-pool-fc120-fc84-fc10, ReLU";
    }
};

struct Mlp final : Network {
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
    explicit Mlp(const InputShape& s) {
        fc1 = register_module("fc1", torch::nn::Linear(s.channels * s.height * s.width, 128));
        fc2 = register_module("fc2", torch::nn::Linear(128, s.classes));
    }
    torch::Tensor forward(const torch::Tensor& x) override { return fc2(torch::relu(fc1(x.flatten(1)))); }
    std::string description() const override { return "MLP: fc128-fc10, ReLU"; }
};

// The EASGD paper's CIFAR-10 network (3,28)C(64,24)P(64,12)C(128,8)P(128,4)C(64,2)D(256,1)S(10,1).
// D(256,1) is read literally: dropout 0.5 on the 256 values of the last conv layer, then the
// 256->10 softmax layer (about 0.29 M parameters; no hidden 256->256 layer).
struct EasgdCifarNet final : Network {
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::Dropout dropout{nullptr};
    torch::nn::Linear fc{nullptr};
    explicit EasgdCifarNet(const InputShape& s) {
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 64, 5)));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 128, 5)));
        conv3 = register_module("conv3", torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 64, 3)));
        dropout = register_module("dropout", torch::nn::Dropout(0.5));
        fc = register_module("fc", torch::nn::Linear(256, s.classes));
    }
    torch::Tensor forward(const torch::Tensor& x) override {
        auto h = torch::max_pool2d(torch::relu(conv1(x.contiguous(activation_format))), 2);
        h = torch::max_pool2d(torch::relu(conv2(h)), 2);
        h = torch::relu(conv3(h));
        return fc(dropout(h.flatten(1)));
    }
    std::string description() const override {
        return "EASGD CIFAR-10 net: conv5x5(64)-pool-conv5x5(128)-pool-conv3x3(64)-dropout0.5-fc10, ReLU";
    }
};

std::atomic<ConvLayout> conv_layout{ConvLayout::Default};

torch::MemoryFormat formatFor(ConvLayout measured_best) {
    const ConvLayout layout = conv_layout.load() == ConvLayout::Default ? measured_best : conv_layout.load();
    return layout == ConvLayout::ChannelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
}

}  // namespace

void setConvLayout(ConvLayout layout) { conv_layout.store(layout); }

const char* toString(ConvLayout layout) {
    switch (layout) {
        case ConvLayout::Contiguous: return "contiguous (NCHW)";
        case ConvLayout::ChannelsLast: return "channels-last (NHWC)";
        case ConvLayout::Default: break;
    }
    return "per model";
}

std::shared_ptr<Network> makeNetwork(const std::string& name, const InputShape& s) {
    if (name == "lenet") {
        if (s.height != 28 || s.width != 28)
            throw std::invalid_argument("model 'lenet' needs 28x28 images; the dataset gives " + shapeText(s));
        auto net = std::make_shared<LeNet>(s);
        net->activation_format = formatFor(kLeNetLayout);
        return net;
    }
    if (name == "mlp") return std::make_shared<Mlp>(s);
    if (name == "easgd-cifar") {
        if (s.channels != 3 || s.height != 28 || s.width != 28)
            throw std::invalid_argument("model 'easgd-cifar' needs 3x28x28 inputs (CIFAR-10 crops); the dataset gives " +
                                        shapeText(s));
        auto net = std::make_shared<EasgdCifarNet>(s);
        net->activation_format = formatFor(kEasgdCifarLayout);
        return net;
    }
    throw std::invalid_argument("model '" + name + "' is unknown (lenet, mlp, easgd-cifar)");
}

}  // namespace gossiplab
