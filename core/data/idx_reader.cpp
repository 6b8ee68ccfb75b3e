#include "core/data/zlib_api.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/data/readers.h"

namespace gossiplab {

namespace {

constexpr uint32_t kImageMagic = 2051;
constexpr uint32_t kLabelMagic = 2049;

// gzread reads gzipped and plain files alike, so one reader serves both.
class GzFile {
public:
    explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
        if (!file_) throw DataError(path + ": cannot open the file");
        gzbuffer(file_, 1 << 20);
    }
    ~GzFile() { if (file_) gzclose(file_); }
    GzFile(const GzFile&) = delete;
    GzFile& operator=(const GzFile&) = delete;

    // Reads exactly n bytes or throws a "truncated" error that says what was expected.
    void read(void* out, size_t n, const std::string& what) {
        char* dst = static_cast<char*>(out);
        size_t done = 0;
        while (done < n) {
            const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
            const int got = gzread(file_, dst + done, chunk);
            if (got < 0) {
                int code = 0;
                throw DataError(path_ + ": cannot read " + what + " (" + gzerror(file_, &code) + ")");
            }
            if (got == 0)
                throw DataError(path_ + ": file is truncated: expected " + std::to_string(n) + " bytes of " + what +
                                ", found " + std::to_string(done));
            done += static_cast<size_t>(got);
        }
    }
    // Reads exactly n bytes into a buffer that grows with what the file actually holds: each step
    // reads as much as it holds already (64 KiB first, 16 MiB at most), so a header that claims
    // terabytes costs a "truncated" error and at most twice the bytes the file holds, not an
    // allocation of the claimed size.
    std::vector<uint8_t> readGrowing(size_t n, const std::string& what) {
        std::vector<uint8_t> out;
        constexpr size_t kFirstStep = size_t(1) << 16, kLargestStep = size_t(1) << 24;
        while (out.size() < n) {
            const size_t done = out.size(), take = std::min(n - done, std::clamp(done, kFirstStep, kLargestStep));
            out.resize(done + take);
            const int got = gzread(file_, out.data() + done, static_cast<unsigned>(take));
            if (got < 0) {
                int code = 0;
                throw DataError(path_ + ": cannot read " + what + " (" + gzerror(file_, &code) + ")");
            }
            out.resize(done + static_cast<size_t>(got));
            if (got == 0)
                throw DataError(path_ + ": file is truncated: expected " + std::to_string(n) + " bytes of " + what +
                                ", found " + std::to_string(done));
        }
        return out;
    }
    uint32_t readBigEndian32(const std::string& what) {
        unsigned char b[4];
        read(b, 4, what);
        return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
    }

private:
    std::string path_;
    gzFile file_;
};

}  // namespace

std::string findIdxFile(const std::string& folder, const std::string& stem) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(folder))
        throw DataError(folder + ": dataset folder does not exist (install the Debian package dataset-fashion-mnist, "
                                 "or give a folder holding the IDX files with --data-dir)");
    for (const std::string& name : {stem, stem + ".gz"}) {
        const fs::path path = fs::path(folder) / name;
        if (fs::is_regular_file(path)) return path.string();
    }
    throw DataError((fs::path(folder) / stem).string() + "[.gz]: file is missing");
}

torch::Tensor readIdxImages(const std::string& path) {
    GzFile file(path);
    const uint32_t magic = file.readBigEndian32("the header");
    if (magic != kImageMagic)
        throw DataError(path + ": wrong magic number " + std::to_string(magic) + " (an IDX image file starts with " +
                        std::to_string(kImageMagic) + ")");
    const uint32_t count = file.readBigEndian32("the header");
    const uint32_t rows = file.readBigEndian32("the header");
    const uint32_t cols = file.readBigEndian32("the header");
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || count > 100000000)
        throw DataError(path + ": implausible shape " + std::to_string(count) + " x " + std::to_string(rows) + " x " +
                        std::to_string(cols));
    std::vector<uint8_t> bytes = file.readGrowing(size_t(count) * rows * cols, std::to_string(count) + " images");
    return torch::from_blob(bytes.data(), {int64_t(count), 1, int64_t(rows), int64_t(cols)}, torch::kUInt8).clone();
}

torch::Tensor readIdxLabels(const std::string& path) {
    GzFile file(path);
    const uint32_t magic = file.readBigEndian32("the header");
    if (magic != kLabelMagic)
        throw DataError(path + ": wrong magic number " + std::to_string(magic) + " (an IDX label file starts with " +
                        std::to_string(kLabelMagic) + ")");
    const uint32_t count = file.readBigEndian32("the header");
    if (count > 100000000) throw DataError(path + ": implausible label count " + std::to_string(count));
    std::vector<uint8_t> bytes = file.readGrowing(count, std::to_string(count) + " labels");
    return torch::from_blob(bytes.data(), {int64_t(count)}, torch::kUInt8).to(torch::kInt64);
}

Dataset loadIdxDataset(const std::string& name, const std::string& folder) {
    Dataset d;
    d.name = name;
    auto load = [&](const std::string& prefix, ImageSet& set) {
        const std::string images_path = findIdxFile(folder, prefix + "-images-idx3-ubyte");
        const std::string labels_path = findIdxFile(folder, prefix + "-labels-idx1-ubyte");
        set.images = readIdxImages(images_path);
        set.labels = readIdxLabels(labels_path);
        if (set.images.size(0) != set.labels.size(0))
            throw DataError(images_path + " holds " + std::to_string(set.images.size(0)) + " images but " + labels_path +
                            " holds " + std::to_string(set.labels.size(0)) + " labels");
        if (set.labels.numel() > 0 && set.labels.max().item<int64_t>() >= 10)
            throw DataError(labels_path + ": label " + std::to_string(set.labels.max().item<int64_t>()) +
                            " is out of range (0 to 9)");
    };
    // Load the test set first: it is the smaller one, so a bad folder fails fast.
    load("t10k", d.test);
    load("train", d.train);
    if (d.train.images.sizes().slice(1) != d.test.images.sizes().slice(1))
        throw DataError(folder + ": training and test images have different shapes");
    d.channels = 1;
    d.height = static_cast<int>(d.train.images.size(2));
    d.width = static_cast<int>(d.train.images.size(3));
    d.classes = 10;
    d.description = name + " (" + std::to_string(d.train.size()) + " training, " + std::to_string(d.test.size()) +
                    " test images, " + std::to_string(d.height) + "x" + std::to_string(d.width) + ", from " + folder + ")";
    return d;
}

}  // namespace gossiplab
