#pragma once
// Image classification datasets held in memory as uint8 tensors, and the per-worker sampler that
// turns them into normalised (and, for CIFAR-10, augmented) mini-batches.

#include <torch/torch.h>

#include <random>
#include <stdexcept>
#include <string>

namespace gossiplab {

// Thrown for unusable data (missing folder or file, wrong magic number, truncated file, counts
// that disagree): the message names the file and what is wrong.
class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ImageSet {
    torch::Tensor images;  // uint8 [N, C, H, W]
    torch::Tensor labels;  // int64 [N]
    int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

struct Dataset {
    std::string name;
    std::string description;
    ImageSet train, test;
    int channels = 1, height = 28, width = 28, classes = 10;
    // Per-channel statistics of the training set, for normalisation.
    torch::Tensor mean, std;  // float [C, 1, 1]
    // EASGD's CIFAR-10 augmentation: random crops (and flips) of this size for training, centre
    // crops for testing. 0: no cropping.
    int crop = 0;
    int inputHeight() const { return crop ? crop : height; }
    int inputWidth() const { return crop ? crop : width; }
};

// Loads a dataset by name ("fashion-mnist", "mnist", "cifar10", "synthetic", "synthetic-cifar")
// from `folder` (ignored for synthetic data). Throws DataError.
Dataset loadDataset(const std::string& name, const std::string& folder, uint64_t seed);

// The whole (or the first `max_images` of the) test set, preprocessed, as float [N, C, h, w].
torch::Tensor preprocessedTestImages(const Dataset& data, int64_t max_images);

// The training set on one device, uploaded once (as uint8) and shared by every worker there; on
// the CPU it is the dataset's own tensors, not a copy.
struct TrainingSetOnDevice {
    torch::Device device{torch::kCPU};
    torch::Tensor images;     // uint8 [N, C, H, W]
    torch::Tensor labels;     // int64 [N]
    torch::Tensor mean, std;  // float [C, 1, 1]
};
TrainingSetOnDevice uploadTrainingSet(const Dataset& data, torch::Device device);

// Draws mini-batches for one worker from its own seeded stream: a fresh random permutation of the
// training set per pass, so every image is seen once per pass of that worker. Selection,
// cropping, flipping and normalisation are tensor operations on the training set's device: no
// per-image loop, no image copied from host memory per batch (the permutation is uploaded once
// per pass; a batch's crop offsets, 3 numbers per image, are its only upload).
class BatchSampler {
public:
    BatchSampler(const Dataset& data, const TrainingSetOnDevice& on_device, uint64_t seed);
    // Float [B, C, h, w] and int64 labels [B], on the training set's device.
    std::pair<torch::Tensor, torch::Tensor> next(int batch_size);

private:
    void reshuffle();
    torch::Tensor nextIndices(int64_t batch_size);
    torch::Tensor cropAndFlip(const torch::Tensor& images);

    const Dataset& data_;
    const TrainingSetOnDevice& set_;
    std::mt19937_64 rng_;
    std::vector<int64_t> order_;
    torch::Tensor order_on_device_;  // order_ on the device (on the CPU: a view of order_)
    int64_t cursor_ = 0;
    torch::Tensor offsets_;  // reused int64 [3, B] host buffer: crop rows, crop columns, flips
};

}  // namespace gossiplab
