// The checks every message between processes passes before any of it is used
// (core/dist/message_checks.h), on any header. The first byte picks the receiving rank (0-2) and
// the run's algorithm, the second the sending rank; the next 96 bytes are the header. Checks:
//   - no crash, whatever the bytes;
//   - what passes is of a known type, signed by its sender, within the payload bound, and of the
//     protocol version;
//   - the run token's proof (core/dist/message_auth.h): the bytes as they came never crash the
//     check; sealed with the run's key they verify, and with any one byte changed (the input
//     picks which) or under another run's key they do not.

#include <cstring>
#include <iterator>
#include <vector>

#include "core/dist/message_auth.h"
#include "core/dist/message_checks.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;
using namespace gossiplab::dist;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2 + sizeof(WireHeader)) return 0;
    MessageContext c;
    c.rank = data[0] % 3;
    c.model_floats = 100;
    c.max_payload = 64 * 1024;
    c.rank_of_worker = {0, 0, 1, 1, 2};
    c.config.workers = 5;
    c.config.algorithm = kAllAlgorithms[(data[0] / 3) % std::size(kAllAlgorithms)];
    const int src = data[1] % 3;
    WireHeader h;
    std::memcpy(&h, data + 2, sizeof h);

    static const MessageAuth auth("fuzz token", std::string(32, 'a'));
    static const MessageAuth other_run("fuzz token", std::string(32, 'b'));
    (void)auth.check(data + 2, size - 2, c.rank, Channel::Messages, MessageAuth::kAnyCounter);
    {
        std::vector<uint8_t> message(data + 2, data + size);
        WireHeader sealed = h;
        sealed.magic = kMagic;
        sealed.version = kProtocolVersion;
        sealed.payload_bytes = message.size() - sizeof sealed;
        std::memcpy(message.data(), &sealed, sizeof sealed);
        auth.seal(message.data(), c.rank, Channel::Messages, 7);
        fuzz::check(auth.check(message.data(), message.size(), c.rank, Channel::Messages, 7).empty(), "a sealed message did not verify");
        fuzz::check(!other_run.check(message.data(), message.size(), c.rank, Channel::Messages, 7).empty(),
                    "a message verified under another run's key");
        message[static_cast<uint64_t>(h.a) % message.size()] ^= static_cast<uint8_t>(1 + data[1] % 255);
        fuzz::check(!auth.check(message.data(), message.size(), c.rank, Channel::Messages, 7).empty(),
                    "a message with a changed byte verified");
    }
    if (!checkMessage(h, src, c).empty()) return 0;
    fuzz::check(h.magic == kMagic && h.version == kProtocolVersion, "a message of another protocol passed");
    fuzz::check(h.sender == src, "a message signed by another rank passed");
    fuzz::check(h.payload_bytes <= c.max_payload, "a payload over the bound passed");
    fuzz::check(h.type >= static_cast<uint16_t>(MessageType::Gossip) && h.type <= static_cast<uint16_t>(MessageType::End) &&
                    h.type != static_cast<uint16_t>(MessageType::ElasticReply),
                "a message of no known type passed");
    return 0;
}
