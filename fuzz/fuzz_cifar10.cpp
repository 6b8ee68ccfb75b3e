// The CIFAR-10 binary reader: readCifarBatches on one or two files cut from the input (the first
// byte says where: bits 0-1 whole records, bits 2-7 bytes more; 0: one file). Expected failures
// are DataError naming the file; a set that comes back has as many labels as images, each 0 to 9.

#include "core/data/readers.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const size_t rest = size - 1;
    const size_t cut = std::min(rest, size_t(data[0] % 4) * 3073 + (data[0] >> 2));
    // cut 0: the whole rest is one file; otherwise two files (the cut may fall inside a record).
    std::vector<std::string> paths = {fuzz::writeScratch("batch1.bin", data + 1, cut == 0 ? rest : cut)};
    if (cut > 0 && cut < rest) paths.push_back(fuzz::writeScratch("batch2.bin", data + 1 + cut, rest - cut));
    try {
        const ImageSet set = readCifarBatches(paths);
        fuzz::check(set.images.size(0) == set.labels.size(0), "images and labels differ in number");
        fuzz::check(set.images.size(0) == int64_t(rest / 3073), "not every record was read");
        if (set.labels.numel() > 0)
            fuzz::check(set.labels.min().item<int64_t>() >= 0 && set.labels.max().item<int64_t>() <= 9, "a label out of 0..9");
    } catch (const DataError& e) {
        const std::string what = e.what();
        fuzz::check(what.find("batch1.bin") != std::string::npos || what.find("batch2.bin") != std::string::npos,
                    "a DataError without the file name: " + what);
    }
    return 0;
}
