#include "core/train/flat_parameters.h"

namespace gossiplab {

FlatParameters flattenParameters(torch::nn::Module& module, torch::Device device) {
    module.to(device);
    auto parameters = module.parameters();
    int64_t total = 0;
    for (const auto& p : parameters) total += p.numel();
    FlatParameters flat;
    flat.count = total;
    const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    flat.weights = torch::empty({total}, options);
    flat.grads = torch::zeros({total}, options);
    torch::NoGradGuard no_grad;
    int64_t offset = 0;
    for (auto& p : parameters) {
        const int64_t n = p.numel();
        auto weight_view = flat.weights.narrow(0, offset, n);
        weight_view.copy_(p.detach().reshape({n}));
        p.set_data(weight_view.view(p.sizes()));
        // A defined gradient is accumulated in place by autograd (grad mode is off during
        // backward), so the views stay views into flat.grads.
        p.mutable_grad() = flat.grads.narrow(0, offset, n).view(p.sizes());
        offset += n;
    }
    return flat;
}

}  // namespace gossiplab
