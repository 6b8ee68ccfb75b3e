#include "core/common/system_info.h"

#include <netinet/in.h>
#include <sys/socket.h>
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

int freeLocalPort() {
    thread_local std::mt19937 random(static_cast<unsigned>(getpid()) * 7919u +
                               static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    for (int attempt = 0; attempt < 200; ++attempt) {
        const int port = std::uniform_int_distribution<int>(20000, 32000)(random);
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return 0;
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_ANY);
        address.sin_port = htons(static_cast<uint16_t>(port));
        const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        if (free) return port;
    }
    return 0;
}

}  // namespace gossiplab
