#include <filesystem>
#include <cstring>
#include <fstream>

#include "core/data/readers.h"

namespace gossiplab {

namespace {
constexpr int64_t kRecordBytes = 1 + 3 * 32 * 32;
}

ImageSet readCifarBatches(const std::vector<std::string>& paths) {
    namespace fs = std::filesystem;
    int64_t total = 0;
    for (const auto& path : paths) {
        if (!fs::is_regular_file(path)) throw DataError(path + ": file is missing");
        const auto bytes = static_cast<int64_t>(fs::file_size(path));
        if (bytes == 0 || bytes % kRecordBytes != 0)
            throw DataError(path + ": file is truncated or not CIFAR-10 binary: " + std::to_string(bytes) +
                            " bytes is not a whole number of 3073-byte records");
        total += bytes / kRecordBytes;
    }
    ImageSet set;
    set.images = torch::empty({total, 3, 32, 32}, torch::kUInt8);
    set.labels = torch::empty({total}, torch::kInt64);
    auto* images = set.images.data_ptr<uint8_t>();
    auto* labels = set.labels.data_ptr<int64_t>();
    std::vector<char> record(kRecordBytes);
    int64_t n = 0;
    for (const auto& path : paths) {
        std::ifstream in(path, std::ios::binary);
        while (in.read(record.data(), kRecordBytes)) {
            const auto label = static_cast<unsigned char>(record[0]);
            if (label > 9)
                throw DataError(path + ": record " + std::to_string(n) + " has label " + std::to_string(label) +
                                " (CIFAR-10 labels are 0 to 9)");
            labels[n] = label;
            std::memcpy(images + n * (kRecordBytes - 1), record.data() + 1, kRecordBytes - 1);
            ++n;
        }
    }
    if (n != total) throw DataError(paths.back() + ": could not read every record");
    return set;
}

Dataset loadCifar10(const std::string& folder) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(folder))
        throw DataError(folder + ": CIFAR-10 folder does not exist. CIFAR-10 cannot be downloaded by GossipLab: put the "
                                 "binary version's files (data_batch_1.bin ... data_batch_5.bin and test_batch.bin, from "
                                 "cifar-10-binary.tar.gz) in that folder, or give another one with --data-dir");
    std::vector<std::string> train_files;
    for (int k = 1; k <= 5; ++k) train_files.push_back((fs::path(folder) / ("data_batch_" + std::to_string(k) + ".bin")).string());
    Dataset d;
    d.name = "cifar10";
    d.test = readCifarBatches({(fs::path(folder) / "test_batch.bin").string()});
    d.train = readCifarBatches(train_files);
    d.channels = 3;
    d.height = d.width = 32;
    d.crop = 28;
    d.description = "CIFAR-10 (" + std::to_string(d.train.size()) + " training, " + std::to_string(d.test.size()) +
                    " test images, 32x32 RGB, random 28x28 crops and flips, from " + folder + ")";
    return d;
}

}  // namespace gossiplab
