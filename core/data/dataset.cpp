#include "core/data/dataset.h"

#include <algorithm>

#include "core/data/readers.h"

namespace gossiplab {

namespace {

void computeChannelStatistics(Dataset& d) {
    // Statistics over (up to) the first 10,000 training images are as good as over all of them.
    auto sample = d.train.images.narrow(0, 0, std::min<int64_t>(d.train.size(), 10000)).to(torch::kFloat32);
    d.mean = sample.mean({0, 2, 3}).view({d.channels, 1, 1});
    d.std = sample.std({0, 2, 3}).clamp_min(1e-3).view({d.channels, 1, 1});
}

torch::Tensor normalise(const Dataset& d, const torch::Tensor& images_uint8) {
    return (images_uint8.to(torch::kFloat32) - d.mean) / d.std;
}

}  // namespace

Dataset loadDataset(const std::string& name, const std::string& folder, uint64_t seed) {
    Dataset d;
    if (name == "fashion-mnist" || name == "mnist") {
        d = loadIdxDataset(name, folder);
    } else if (name == "cifar10") {
        d = loadCifar10(folder);
    } else if (name == "synthetic") {
        d = makeSyntheticDataset(1, 28, 28, 8192, 2048, seed);
        d.description = "synthetic (seeded noisy prototypes, 8192 training, 2048 test images, 1x28x28)";
    } else if (name == "synthetic-cifar") {
        d = makeSyntheticDataset(3, 32, 32, 8192, 2048, seed);
        d.crop = 28;
        d.description = "synthetic CIFAR-shaped (seeded, 8192 training, 2048 test images, 3x32x32, 28x28 crops)";
    } else {
        throw DataError("dataset '" + name + "' is unknown (fashion-mnist, mnist, cifar10, synthetic, synthetic-cifar)");
    }
    d.name = name;
    if (d.train.size() == 0) throw DataError(folder + ": the training set is empty");
    if (d.test.size() == 0) throw DataError(folder + ": the test set is empty");
    computeChannelStatistics(d);
    return d;
}

torch::Tensor preprocessedTestImages(const Dataset& d, int64_t max_images) {
    const int64_t n = max_images > 0 ? std::min(max_images, d.test.size()) : d.test.size();
    auto images = d.test.images.narrow(0, 0, n);
    if (d.crop) {
        const int64_t oy = (d.height - d.crop) / 2, ox = (d.width - d.crop) / 2;
        images = images.narrow(2, oy, d.crop).narrow(3, ox, d.crop);
    }
    return normalise(d, images).contiguous();
}

BatchSampler::BatchSampler(const Dataset& data, uint64_t seed)
    : data_(data), rng_(seed), order_(static_cast<size_t>(data.train.size())) {
    for (size_t k = 0; k < order_.size(); ++k) order_[k] = static_cast<int64_t>(k);
    std::shuffle(order_.begin(), order_.end(), rng_);
}

std::pair<torch::Tensor, torch::Tensor> BatchSampler::next(int batch_size, torch::Device device) {
    if (!index_.defined() || index_.size(0) != batch_size) index_ = torch::empty({batch_size}, torch::kInt64);
    auto* idx = index_.data_ptr<int64_t>();
    for (int b = 0; b < batch_size; ++b) {
        if (cursor_ == order_.size()) {
            std::shuffle(order_.begin(), order_.end(), rng_);
            cursor_ = 0;
        }
        idx[b] = order_[cursor_++];
    }
    auto images = data_.train.images.index_select(0, index_);
    auto labels = data_.train.labels.index_select(0, index_);
    if (data_.crop) {
        // EASGD's augmentation: a random crop and a random horizontal flip per image.
        const int c = data_.crop;
        auto cropped = torch::empty({batch_size, data_.channels, c, c}, torch::kUInt8);
        std::uniform_int_distribution<int> oy(0, data_.height - c), ox(0, data_.width - c), flip(0, 1);
        for (int b = 0; b < batch_size; ++b) {
            auto patch = images[b].narrow(1, oy(rng_), c).narrow(2, ox(rng_), c);
            cropped[b].copy_(flip(rng_) ? patch.flip({2}) : patch);
        }
        images = cropped;
    }
    auto input = normalise(data_, images);
    if (device.is_cpu()) return {input, labels};
    return {input.to(device, /*non_blocking=*/true), labels.to(device, true)};
}

}  // namespace gossiplab
