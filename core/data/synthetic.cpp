#include "core/data/readers.h"

namespace gossiplab {

Dataset makeSyntheticDataset(int channels, int height, int width, int train_size, int test_size, uint64_t seed) {
    // Ten smooth random prototypes; each image is its class's prototype plus pixel noise, so a
    // small network separates the classes in a few hundred steps.
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const int classes = 10;
    auto low = torch::rand({classes, channels, height / 4 + 1, width / 4 + 1}, gen);
    auto prototypes = torch::upsample_bilinear2d(low, {height, width}, false);
    auto make = [&](int n) {
        ImageSet set;
        set.labels = torch::randint(0, classes, {n}, gen, torch::kInt64);
        auto noisy = prototypes.index_select(0, set.labels) + 0.35 * torch::randn({n, channels, height, width}, gen);
        set.images = (noisy.clamp(0.0, 1.0) * 255.0).round().to(torch::kUInt8);
        return set;
    };
    Dataset d;
    d.train = make(train_size);
    d.test = make(test_size);
    d.channels = channels;
    d.height = height;
    d.width = width;
    d.classes = classes;
    return d;
}

}  // namespace gossiplab
