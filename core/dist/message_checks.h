#pragma once
// What every message between the processes of a run must satisfy before any of it is used, by
// type (wire.h lists the types): the header's magic and protocol version, the sender's rank, the
// payload's exact size, who may send it to whom, and its numbers' ranges and finiteness. A message
// that fails is a protocol error: the receiving process declares its sender lost with the reason.
// Torch-free and Gloo-free, so that tests and a fuzzer feed it any header. The payloads' own
// records are read by their decoders (events_record.h; a Stop's reason by ByteReader).

#include <cstdint>
#include <string>
#include <vector>

#include "core/dist/wire.h"
#include "core/train/run_config.h"
#include "core/train/run_events.h"

namespace gossiplab::dist {

// What the receiving process knows about the run.
struct MessageContext {
    int rank = 0;                     // this process
    int64_t model_floats = 0;         // P: a model is P float32
    size_t max_payload = 0;           // the largest payload this process receives
    std::vector<int> rank_of_worker;  // the process of every worker, by global number
    RunConfig config;                 // the run's settings (algorithm, live settings' bounds)
};

// "" when `h`, received from rank `src`, is a message this process may act on; else what is wrong,
// as "it sent ..." completes it ("a message this GossipLab does not understand", ...).
std::string checkMessage(const WireHeader& h, int src, const MessageContext& context);

// The worker that an SGP push of worker `from` at step `step` goes to (the exponential graph:
// 2^(step mod L) ahead, L the number of powers of two below M): what worker.cpp pushes to.
int64_t sgpPeer(int64_t from, int64_t step, int64_t workers);

}  // namespace gossiplab::dist
