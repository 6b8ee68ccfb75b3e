#pragma once
// Vectors of doubles as BLOBs (distance matrices, final losses): little-endian IEEE 754 float64,
// whatever the machine, so a history file moves between machines unchanged. Internal to core/store.

#include <span>
#include <vector>

namespace gossiplab::store {

std::vector<unsigned char> encodeDoubles(std::span<const double> values);
// A blob whose size is not a multiple of 8 decodes its whole values only.
std::vector<double> decodeDoubles(std::span<const unsigned char> bytes);

}  // namespace gossiplab::store
