#include "core/dist/message_auth.h"

#include <openssl/evp.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "core/dist/wire.h"

namespace gossiplab::dist {

namespace {

constexpr size_t kMacOffset = offsetof(WireHeader, mac);
constexpr int kMacBytes = static_cast<int>(sizeof(WireHeader::mac));

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// The GCM nonce: 12 bytes that never repeat under one key (one run): sender and receiver (16
// bits each; ranks are below 65,536) and the channel in the counter's top bit.
std::array<uint8_t, 12> nonce(int sender, int receiver, Channel channel, uint64_t counter) {
    std::array<uint8_t, 12> iv{};
    const uint64_t word = (counter & ~(uint64_t(1) << 63)) | (channel == Channel::Replies ? uint64_t(1) << 63 : 0);
    iv[0] = static_cast<uint8_t>(sender);
    iv[1] = static_cast<uint8_t>(sender >> 8);
    iv[2] = static_cast<uint8_t>(receiver);
    iv[3] = static_cast<uint8_t>(receiver >> 8);
    for (int k = 0; k < 8; ++k) iv[static_cast<size_t>(4 + k)] = static_cast<uint8_t>(word >> (8 * k));
    return iv;
}

// The GMAC of the header up to its mac field and of the payload.
std::array<uint8_t, kMacBytes> gmac(const Digest& key, const uint8_t* bytes, const WireHeader& h) {
    CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    const auto iv = nonce(h.sender, h.receiver, static_cast<Channel>(h.channel), h.counter);
    std::array<uint8_t, kMacBytes> tag{};
    int length = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &length, bytes, static_cast<int>(kMacOffset)) == 1;
    // Associated data in pieces below 2 GB (an int each).
    const uint8_t* payload = bytes + sizeof(WireHeader);
    for (uint64_t done = 0; ok && done < h.payload_bytes;) {
        const uint64_t piece = std::min<uint64_t>(h.payload_bytes - done, uint64_t(1) << 30);
        ok = EVP_EncryptUpdate(ctx.get(), nullptr, &length, payload + done, static_cast<int>(piece)) == 1;
        done += piece;
    }
    ok = ok && EVP_EncryptFinal_ex(ctx.get(), nullptr, &length) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kMacBytes, tag.data()) == 1;
    if (!ok) throw std::runtime_error("OpenSSL could not compute a message's GMAC");
    return tag;
}

}  // namespace

MessageAuth::MessageAuth(const std::string& token, const std::string& run_nonce) {
    const std::string label = std::string("gossiplab data key", 18) + '\0' + run_nonce;
    key_ = hmacSha256(token, label.data(), label.size());
}

void MessageAuth::seal(uint8_t* bytes, int receiver, Channel channel, uint64_t counter) const {
    WireHeader h;
    std::memcpy(&h, bytes, sizeof h);
    h.receiver = receiver;
    h.channel = static_cast<uint32_t>(channel);
    h.counter = counter;
    std::memcpy(bytes, &h, sizeof h);
    const auto tag = gmac(key_, bytes, h);
    std::memcpy(bytes + kMacOffset, tag.data(), tag.size());
}

std::string MessageAuth::check(const uint8_t* bytes, size_t size, int receiver, Channel channel, uint64_t counter) const {
    if (size < sizeof(WireHeader)) return "a message of " + std::to_string(size) + " bytes, shorter than a header";
    WireHeader h;
    std::memcpy(&h, bytes, sizeof h);
    if (h.magic != kMagic || h.version != kProtocolVersion) return "a message this GossipLab does not understand";
    if (h.payload_bytes > size - sizeof(WireHeader))
        return "a message that says it has " + std::to_string(h.payload_bytes) + " bytes after its header, more than arrived";
    if (h.receiver != receiver || h.channel != static_cast<uint32_t>(channel))
        return "a message sealed for rank " + std::to_string(h.receiver) + " on channel " + std::to_string(h.channel) +
               " (not this rank's " + std::to_string(static_cast<uint32_t>(channel)) + ")";
    if (counter != kAnyCounter && h.counter != counter)
        return "message number " + std::to_string(h.counter) + " where number " + std::to_string(counter) +
               " was next (a replayed, lost or reordered message)";
    const auto tag = gmac(key_, bytes, h);
    if (!sameDigest(tag.data(), bytes + kMacOffset, tag.size()))
        return "a message without this run's proof (another token or run, or bytes changed on the way)";
    return {};
}

}  // namespace gossiplab::dist
