#pragma once
// The networks GossipLab trains, by name.

#include <torch/torch.h>

#include <memory>
#include <string>

namespace gossiplab {

// A classifier: images [B, C, H, W] -> logits [B, classes].
struct Network : torch::nn::Module {
    virtual torch::Tensor forward(const torch::Tensor& images) = 0;
    virtual std::string description() const = 0;
    // The layout the conv layers compute in (the input is converted on entry; the weights stay
    // contiguous views of the worker's flat buffer).
    torch::MemoryFormat activation_format = torch::MemoryFormat::Contiguous;
};

// How the conv nets lay out their activations. Default: per model, what gossiplab-bench measured
// fastest (see README, "Speed"); the benchmark sets the others to compare them side by side.
enum class ConvLayout { Default, Contiguous, ChannelsLast };
void setConvLayout(ConvLayout layout);  // process-wide; applies to networks made afterwards
const char* toString(ConvLayout layout);

struct InputShape {
    int channels = 1, height = 28, width = 28, classes = 10;
};

// "lenet", "mlp" or "easgd-cifar". Throws std::invalid_argument when the model does not fit the
// input shape (the message names the model, the shape it needs and the shape given).
std::shared_ptr<Network> makeNetwork(const std::string& name, const InputShape& shape);

}  // namespace gossiplab
