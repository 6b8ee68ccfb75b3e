// The IDX reader (Fashion-MNIST/MNIST files, gzipped or not): readIdxImages and readIdxLabels on
// a file holding the input. The first byte chooses: bit 0 images or labels, bit 1 whether the
// rest is written gzip-compressed (so that the gz path reads meaningful headers, not only what a
// mutated gzip stream decodes to; seeds that are gzip streams themselves cover that path too).
// Expected failures are DataError (naming the file); anything else thrown is a finding, and a
// tensor that comes back must have the shape its header gave. Headers may claim any size: the
// reader grows its buffer with what the file holds (a 16-byte file claiming terabytes once stopped
// every run with an allocator error).

#include "core/data/zlib_api.h"

#include "core/data/readers.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;

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
