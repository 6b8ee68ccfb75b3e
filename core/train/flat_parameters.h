#pragma once
// One contiguous buffer for all of a network's parameters (and one for their gradients): the
// module's parameters become views into it, so an exchange is one copy and one fused mix, a
// distance is one norm, and an SGD step is one fused update.

#include <torch/torch.h>

namespace gossiplab {

struct FlatParameters {
    torch::Tensor weights;  // float [P] on the worker's device
    torch::Tensor grads;    // float [P]; backward accumulates into it in place
    int64_t count = 0;
};

// Moves `module` to `device` and rebinds every parameter (and its gradient) to a slice of the
// flat buffers. The values are kept.
FlatParameters flattenParameters(torch::nn::Module& module, torch::Device device);

}  // namespace gossiplab
