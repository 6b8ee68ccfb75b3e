// The distributed run's records that arrive from other processes, through the public decoders
// of core/dist/rendezvous_records.h: decodeJoin (rank 0 reads a rank's join record) and
// decodePlan (a rank reads rank 0's plan), and ByteReader (core/dist/wire.h), which every
// message body is read with. Records are sealed with the run token's proof (HMAC-SHA-256): the
// input is the record's body, which the target seals with the empty token, so that mutations
// reach the parser behind the proof; selector 3 hands the raw bytes over unsealed, and those
// must be refused. The first byte picks the decoder and the rank/world. Checks:
//   - a record either decodes or comes back with a sentence; it never throws or crashes;
//   - what decodes is in the documented bounds, and re-encoding it gives the same record.

#include <vector>

#include "core/dist/rendezvous_records.h"
#include "core/dist/wire.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;
using namespace gossiplab::dist;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const int selector = data[0];
    const std::vector<uint8_t> body(data + 1, data + size);
    switch (selector % 4) {
    case 0: {
        const int key_rank = (selector / 4) % 8;
        const std::vector<uint8_t> bytes = seal(body, "", "join/" + std::to_string(key_rank));
        ProcessInfo p;
        const std::string problem = decodeJoin(bytes, key_rank, &p);
        if (problem.empty()) {
            fuzz::check(p.rank == key_rank, "decodeJoin accepted another rank's record");
            fuzz::check(p.workers >= 1 && p.workers <= kMaxWorkersPerProcess, "decodeJoin accepted a worker count out of range");
            fuzz::check(p.host.size() <= kMaxNameBytes && p.address.size() <= kMaxNameBytes && p.devices.size() <= kMaxNameBytes,
                        "decodeJoin accepted a name over the bound");
            fuzz::check(encodeJoin(p) == bytes, "encodeJoin(decodeJoin(x)) != x");
        }
        break;
    }
    case 1: {
        const int world = 1 + (selector / 4) % 8;
        const std::vector<uint8_t> bytes = seal(body, "", "plan");
        PlanRecord plan;
        bool from_rank0 = false;
        const std::string problem = decodePlan(bytes, world, &plan, &from_rank0);
        if (problem.empty()) {
            fuzz::check(!from_rank0, "an accepted plan marked as rank 0's error");
            fuzz::check(plan.processes.size() == size_t(world), "decodePlan accepted another world size");
            int64_t next = 0;
            for (size_t k = 0; k < plan.processes.size(); ++k) {
                const auto& p = plan.processes[k];
                fuzz::check(p.rank == int(k) && p.first_worker == next && p.workers >= 1 && p.workers <= kMaxWorkersPerProcess,
                            "decodePlan accepted a process out of order or bounds");
                next += p.workers;
            }
            fuzz::check(plan.parameter_count > 0, "decodePlan accepted a model without parameters");
            fuzz::check(encodePlan(plan) == bytes, "encodePlan(decodePlan(x)) != x");
        }
        break;
    }
    case 3: {
        // Unsealed (or sealed with another token): refused, whatever the bytes say.
        fuzz::check(!decodeJoin(body, (selector / 4) % 8, nullptr, "a token").empty(), "decodeJoin accepted a record without its proof");
        fuzz::check(!decodePlan(body, 1 + (selector / 4) % 8, nullptr, nullptr, "a token").empty(),
                    "decodePlan accepted a record without its proof");
        break;
    }
    default: {
        // A message body read as ByteReader's callers do: values and strings until the end; a
        // short record must throw std::runtime_error, never read past the end (ASan checks).
        ByteReader r(body.data(), body.size());
        try {
            for (size_t k = 1; !r.atEnd(); ++k) {
                switch (body[k % body.size()] % 4) {
                case 0: (void)r.get<uint8_t>(); break;
                case 1: (void)r.get<int32_t>(); break;
                case 2: (void)r.get<double>(); break;
                default: (void)r.getString(); break;
                }
            }
        } catch (const std::runtime_error&) {
        }
        break;
    }
    }
    return 0;
}
