#include "core/store/double_blob.h"

#include <bit>
#include <cstdint>

namespace gossiplab::store {

std::vector<unsigned char> encodeDoubles(std::span<const double> values) {
    std::vector<unsigned char> bytes(values.size() * 8);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto bits = std::bit_cast<uint64_t>(values[i]);
        for (int b = 0; b < 8; ++b) bytes[i * 8 + static_cast<size_t>(b)] = static_cast<unsigned char>(bits >> (8 * b));
    }
    return bytes;
}

std::vector<double> decodeDoubles(std::span<const unsigned char> bytes) {
    std::vector<double> values(bytes.size() / 8);
    for (size_t i = 0; i < values.size(); ++i) {
        uint64_t bits = 0;
        for (int b = 0; b < 8; ++b) bits |= static_cast<uint64_t>(bytes[i * 8 + static_cast<size_t>(b)]) << (8 * b);
        values[i] = std::bit_cast<double>(bits);
    }
    return values;
}

}  // namespace gossiplab::store
