#pragma once
// Proof of the run token on every message between the processes of a run (wire.h): that a
// message comes from a process that holds the token, to this process, unchanged, once and in
// order. Each message carries a GMAC (AES-256-GCM with the whole message as associated data:
// nothing is encrypted) under a key derived from the token and the run's nonce (a fresh random
// value rank 0 puts in the sealed plan, so a message of another run with the same token does
// not verify), with a GCM nonce made of sender, receiver, channel and the link's message counter,
// which never repeats within a run. The receiver wants the counter of the next message on the
// link (a replayed, dropped or reordered message fails), except for elastic replies, which the
// asker matches to its request by sequence number (their own channel and counter keep them
// apart from messages). OpenSSL's libcrypto: a LeNet message (245 kB) takes about 50 us.
//
// What it does not do: hide anything (no encryption); protect the synchronous algorithms'
// all-reduce, which Gloo runs on its own connections; keep a peer that can inject bytes into a
// link from failing the run (a message that does not verify ends its sender's part: lost).

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/dist/hmac.h"

namespace gossiplab::dist {

enum class Channel : uint32_t {
    Messages = 0,  // kTagMessage: every message but the replies, counted per link
    Replies = 1,   // EASGD / AD-PSGD replies on the asker's tag
};

class MessageAuth {
public:
    static constexpr uint64_t kAnyCounter = ~uint64_t(0);

    // The data key: HMAC-SHA-256(token, "gossiplab data key" || run_nonce).
    MessageAuth(const std::string& token, const std::string& run_nonce);

    // Fills the header's proof fields (receiver, channel, counter, mac) of the message at `bytes`:
    // a WireHeader, then header.payload_bytes bytes.
    void seal(uint8_t* bytes, int receiver, Channel channel, uint64_t counter) const;
    // "" when the message in `bytes` (`size` bytes were received) is whole, was sealed for
    // `receiver` on `channel` with `counter` (kAnyCounter: any) by a holder of the key; else
    // what is wrong, as "it sent ..." completes it. The header's sender is checkMessage's.
    std::string check(const uint8_t* bytes, size_t size, int receiver, Channel channel, uint64_t counter) const;

private:
    Digest key_{};
};

}  // namespace gossiplab::dist
