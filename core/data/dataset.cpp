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

TrainingSetOnDevice uploadTrainingSet(const Dataset& data, torch::Device device) {
    TrainingSetOnDevice t;
    t.device = device;
    const bool copy = !device.is_cpu();
    t.images = copy ? data.train.images.to(device) : data.train.images.contiguous();
    t.labels = copy ? data.train.labels.to(device) : data.train.labels;
    t.mean = data.mean.to(device);
    t.std = data.std.to(device);
    return t;
}

BatchSampler::BatchSampler(const Dataset& data, const TrainingSetOnDevice& on_device, uint64_t seed)
    : data_(data), set_(on_device), rng_(seed), order_(static_cast<size_t>(data.train.size())) {
    for (size_t k = 0; k < order_.size(); ++k) order_[k] = static_cast<int64_t>(k);
    reshuffle();
}

void BatchSampler::reshuffle() {
    std::shuffle(order_.begin(), order_.end(), rng_);
    cursor_ = 0;
    auto host = torch::from_blob(order_.data(), {static_cast<int64_t>(order_.size())}, torch::kInt64);
    order_on_device_ = set_.device.is_cpu() ? host : host.to(set_.device);
}

torch::Tensor BatchSampler::nextIndices(int64_t batch_size) {
    const int64_t n = static_cast<int64_t>(order_.size());
    std::vector<torch::Tensor> parts;
    int64_t wanted = batch_size;
    while (wanted > 0) {
        if (cursor_ == n) reshuffle();
        const int64_t take = std::min(wanted, n - cursor_);
        // A copy on the CPU: the next reshuffle rewrites order_ in place under the view.
        parts.push_back(order_on_device_.narrow(0, cursor_, take));
        cursor_ += take;
        wanted -= take;
        if (wanted > 0 && set_.device.is_cpu()) parts.back() = parts.back().clone();
    }
    return parts.size() == 1 ? parts.front() : torch::cat(parts);
}

// EASGD's augmentation: a random crop and a random horizontal flip per image, as two gathers
// (rows, then columns) with per-image index grids.
torch::Tensor BatchSampler::cropAndFlip(const torch::Tensor& images) {
    const int64_t b = images.size(0), ch = images.size(1), c = data_.crop;
    if (!offsets_.defined() || offsets_.size(1) != b) offsets_ = torch::empty({3, b}, torch::kInt64);
    auto o = offsets_.accessor<int64_t, 2>();
    std::uniform_int_distribution<int> oy(0, data_.height - data_.crop), ox(0, data_.width - data_.crop), flip(0, 1);
    for (int64_t k = 0; k < b; ++k) {  // the draws in the order of the earlier per-image loop
        o[0][k] = oy(rng_);
        o[1][k] = ox(rng_);
        o[2][k] = flip(rng_);
    }
    const auto offsets = set_.device.is_cpu() ? offsets_ : offsets_.to(set_.device);
    const auto ramp = torch::arange(c, torch::TensorOptions().dtype(torch::kInt64).device(set_.device));
    const auto rows = (offsets[0].view({b, 1}) + ramp.view({1, c}));  // [B, c]
    // Flipped images read their columns right to left.
    const auto flipped = offsets[2].view({b, 1}).to(torch::kBool);
    const auto cols = offsets[1].view({b, 1}) + torch::where(flipped, (c - 1) - ramp.view({1, c}), ramp.view({1, c}));
    auto out = images.gather(2, rows.view({b, 1, c, 1}).expand({b, ch, c, images.size(3)}));
    return out.gather(3, cols.view({b, 1, 1, c}).expand({b, ch, c, c}));
}

std::pair<torch::Tensor, torch::Tensor> BatchSampler::next(int batch_size) {
    const auto index = nextIndices(batch_size);
    auto images = set_.images.index_select(0, index);
    auto labels = set_.labels.index_select(0, index);
    if (data_.crop) images = cropAndFlip(images);
    auto input = images.to(torch::kFloat32).sub_(set_.mean).div_(set_.std);
    return {input, labels};
}

}  // namespace gossiplab
