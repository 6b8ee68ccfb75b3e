#pragma once
// File-format readers. Each throws DataError naming the file and what is wrong with it.

#include "core/data/dataset.h"

namespace gossiplab {

// MNIST-format IDX files, gzipped or not (images: magic 2051, labels: magic 2049).
torch::Tensor readIdxImages(const std::string& path);  // uint8 [N, 1, H, W]
torch::Tensor readIdxLabels(const std::string& path);  // int64 [N]
// Finds "<folder>/<stem>" or "<folder>/<stem>.gz".
std::string findIdxFile(const std::string& folder, const std::string& stem);
Dataset loadIdxDataset(const std::string& name, const std::string& folder);

// CIFAR-10 binary version: data_batch_1..5.bin and test_batch.bin, records of 1 label byte and
// 3072 pixel bytes (32x32, channel-major).
ImageSet readCifarBatches(const std::vector<std::string>& paths);
Dataset loadCifar10(const std::string& folder);

// A seeded synthetic dataset: noisy class prototypes, learnable in seconds.
Dataset makeSyntheticDataset(int channels, int height, int width, int train_size, int test_size, uint64_t seed);

}  // namespace gossiplab
