#pragma once
// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for the run token's proofs (rendezvous
// records). Written here because the project has no crypto library among its dependencies;
// checked against the FIPS and RFC 4231 test vectors (tests/dist/test_dist_records.cpp).
// Proof of the token, not secrecy: nothing is encrypted.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gossiplab::dist {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    Digest finish();  // once

private:
    void block(const uint8_t* p);
    std::array<uint32_t, 8> h_;
    std::array<uint8_t, 64> buffer_{};
    size_t buffered_ = 0;
    uint64_t length_ = 0;
};

Digest sha256(const void* data, size_t size);
Digest hmacSha256(const std::string& key, const void* data, size_t size);
// Compares in time that does not depend on where they differ.
bool sameDigest(const uint8_t* a, const uint8_t* b, size_t size);
std::string toHex(const uint8_t* data, size_t size);
// A new random token: 32 hex digits (128 bits) from the system's random source.
std::string generateToken();

}  // namespace gossiplab::dist
