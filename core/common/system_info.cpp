#include "core/common/system_info.h"

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <random>

namespace gossiplab {

double unixTimeNow() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string newUuid() {
    std::random_device entropy;
    std::mt19937_64 generator((static_cast<uint64_t>(entropy()) << 32) ^ entropy() ^
                              static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    static const char* hex = "0123456789abcdef";
    std::string uuid;
    for (int half = 0; half < 2; ++half) {
        uint64_t bits = generator();
        for (int i = 0; i < 16; ++i, bits >>= 4) uuid += hex[bits & 15];
    }
    return uuid;
}

std::string hostName() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return {};
    return buffer;
}

}  // namespace gossiplab
