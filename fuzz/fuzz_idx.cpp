// The IDX reader (Fashion-MNIST/MNIST files, gzipped or not): readIdxImages and readIdxLabels on
// a file holding the input. The first byte chooses: bit 0 images or labels, bit 1 whether the
// rest is written gzip-compressed (so that the gz path reads meaningful headers, not only what a
// mutated gzip stream decodes to; seeds that are gzip streams themselves cover that path too).
// Expected failures are DataError (naming the file); anything else thrown is a finding, and a
// tensor that comes back must have the shape its header gave.

#include "core/data/zlib_api.h"

#include "core/data/readers.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;

namespace {

// The size the header asks for, read the way the reader reads it; 0 when it cannot be read.
// Inputs asking for more than kMaxBytes are skipped: the reader allocates the whole tensor before
// reading it (see fuzz/README.md: a 16-byte file can ask for terabytes), which would stop every
// run at the first such header instead of exploring the rest.
constexpr uint64_t kMaxBytes = 64ull << 20;

uint64_t declaredBytes(const std::string& path, bool images) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return 0;
    unsigned char h[16] = {};
    const int got = gzread(f, h, images ? 16 : 8);
    gzclose(f);
    if (got < (images ? 16 : 8)) return 0;
    auto be32 = [&](int at) { return (uint64_t(h[at]) << 24) | (uint64_t(h[at + 1]) << 16) | (uint64_t(h[at + 2]) << 8) | h[at + 3]; };
    return images ? be32(4) * be32(8) * be32(12) : be32(4);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const bool images = (data[0] & 1) == 0;
    const bool compress = (data[0] & 2) != 0;
    std::string path;
    if (compress) {
        path = (fuzz::scratchFolder() / "input.gz").string();
        gzFile out = gzopen(path.c_str(), "wb");
        if (!out) fuzz::fail("cannot write " + path);
        if (size > 1) gzwrite(out, data + 1, static_cast<unsigned>(size - 1));
        gzclose(out);
    } else {
        path = fuzz::writeScratch("input", data + 1, size - 1);
    }
    if (declaredBytes(path, images) > kMaxBytes) return 0;
    try {
        if (images) {
            const torch::Tensor t = readIdxImages(path);
            fuzz::check(t.dim() == 4 && t.size(1) == 1 && t.scalar_type() == torch::kUInt8, "images of the wrong shape or type");
        } else {
            const torch::Tensor t = readIdxLabels(path);
            fuzz::check(t.dim() == 1 && t.scalar_type() == torch::kInt64, "labels of the wrong shape or type");
        }
    } catch (const DataError& e) {
        fuzz::check(std::string(e.what()).find(path) != std::string::npos, std::string("a DataError without the file name: ") + e.what());
    }
    return 0;
}
