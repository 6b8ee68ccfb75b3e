#pragma once
// The messages between the processes of a multi-process run. Every message is one Gloo
// point-to-point send of a byte tensor: a 96-byte WireHeader, then `payload_bytes` bytes
// (float32 weights for exchanges and snapshots, a ByteWriter record for metrics and control).
// Every message carries the run token's proof (message_auth.h).
// All of them travel on one tag (kTagMessage): the receive posted for each peer takes them in the
// order that peer sent them; EASGD's replies go to the asking worker on its own tag.
// Both ends are GossipLab of the same protocol version on little-endian hosts (checked at join).

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace gossiplab::dist {

inline constexpr uint32_t kMagic = 0x42414c47;  // "GLAB"
// 2: telemetry carries the alpha a process holds; 3: Bye carries the alpha sent, records sealed
// with the run token; 4: Gossip carries SGP's step tag, ElasticRequest what it moves (AD-PSGD);
// 5: every message carries the run token's proof (message_auth.h), the header is 96 bytes
inline constexpr uint16_t kProtocolVersion = 5;
inline constexpr int kTagMessage = 7;
inline constexpr int kTagReplyBase = 1000;  // + the asking worker's global number
inline constexpr size_t kMinPayloadBytes = 64 * 1024;  // metrics records are split to fit

enum class MessageType : uint16_t {
    Gossip = 1,       // any -> any: worker = receiver, a = the sending worker, b = its step (SGP) or -1 (GoSGD),
                      // value = alpha (float64), payload = x (float32[P])
    ElasticRequest,   // any -> the owner of c: worker = asker, a = -1 (EASGD center, rank 0) or the passive
                      // AD-PSGD worker, payload = x
    ElasticReply,     // owner -> asker's rank on the asker's tag: a as asked, value = |x - c|, payload = d = rate (x - c)
    Events,           // rank r -> 0: counters, worker samples, messages (ByteWriter)
    Snapshot,         // rank r -> 0: worker, value = alpha, a = served snapshot request, payload = x
    FinalWorker,      // rank r -> 0: worker, value = alpha, value2 = loss, a = iteration, b = images, payload = x
    Final,            // rank r -> 0: last Events record; rank r's last message to rank 0
    SnapshotRequest,  // 0 -> rank r: seq = request number
    Setting,          // 0 -> rank r: a = 0 (p) or 1 (learning rate), value
    Stop,             // any -> any: a = RunStatus, payload = the reason
    Bye,              // any -> any: no more exchanges from the sender; a = exchanges it sent to you, value = their alpha
    End,              // 0 -> rank r: the run's outcome; rank 0's last message to rank r
};

struct WireHeader {
    uint32_t magic = kMagic;
    uint16_t version = kProtocolVersion;
    uint16_t type = 0;
    int32_t sender = -1;          // rank
    int32_t worker = -1;          // global worker number, -1: none
    uint64_t payload_bytes = 0;   // after the header
    double value = 0.0;
    double value2 = 0.0;
    int64_t seq = 0;
    int64_t a = 0;
    int64_t b = 0;
    // The run token's proof, filled by the link that sends it (message_auth.h).
    int32_t receiver = -1;        // rank
    uint32_t channel = 0;         // Channel
    uint64_t counter = 0;         // the link's message number on that channel
    uint8_t mac[16] = {};         // GMAC of the header before it and of the payload
};
static_assert(sizeof(WireHeader) == 96, "the header is 96 bytes on every host");

inline WireHeader readHeader(const uint8_t* data) {
    WireHeader h;
    std::memcpy(&h, data, sizeof h);
    return h;
}

// Appends plain values and length-prefixed strings.
class ByteWriter {
public:
    template <typename T>
    void put(const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        const auto* p = reinterpret_cast<const uint8_t*>(&value);
        bytes_.insert(bytes_.end(), p, p + sizeof(T));
    }
    void putString(const std::string& text) {
        put<uint32_t>(static_cast<uint32_t>(text.size()));
        bytes_.insert(bytes_.end(), text.begin(), text.end());
    }
    const std::vector<uint8_t>& bytes() const { return bytes_; }
    size_t size() const { return bytes_.size(); }

private:
    std::vector<uint8_t> bytes_;
};

// Reads what ByteWriter wrote; throws std::runtime_error on a short or malformed record.
class ByteReader {
public:
    ByteReader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
    template <typename T>
    T get() {
        static_assert(std::is_trivially_copyable_v<T>);
        if (static_cast<size_t>(end_ - p_) < sizeof(T)) throw std::runtime_error("a truncated message");
        T value;
        std::memcpy(&value, p_, sizeof(T));
        p_ += sizeof(T);
        return value;
    }
    std::string getString() {
        const auto n = get<uint32_t>();
        if (static_cast<size_t>(end_ - p_) < n) throw std::runtime_error("a truncated message");
        std::string text(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return text;
    }
    bool atEnd() const { return p_ == end_; }

private:
    const uint8_t* p_;
    const uint8_t* end_;
};

}  // namespace gossiplab::dist
