// The telemetry record a rank > 0 sends rank 0 every ~100 ms (core/dist/events_record.h), read
// by decodeEvents from any bytes. Checks:
//   - a record either decodes or comes back with a sentence; it never throws or crashes;
//   - what decodes is in the documented bounds, and re-encoding it gives the same bytes.

#include <cmath>
#include <vector>

#include "core/dist/events_record.h"
#include "fuzz/fuzz_support.h"

using namespace gossiplab;
using namespace gossiplab::dist;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    EventsRecord record;
    const std::string problem = decodeEvents(data, size, &record);
    if (!problem.empty()) return 0;
    fuzz::check(std::isfinite(record.q) && record.q >= -1e-9 && record.q <= 1 + 1e-9, "decodeEvents accepted q out of [0, 1]");
    fuzz::check(std::isfinite(record.held) && record.held >= -1e-9 && record.held <= 1 + 1e-9, "decodeEvents accepted held out of [0, 1]");
    fuzz::check(record.workers.size() <= size_t(kMaxReportedWorkers), "decodeEvents accepted too many workers");
    fuzz::check(record.samples.size() <= kSamplesPerRecord, "decodeEvents accepted too many samples");
    fuzz::check(record.messages.size() <= kMessagesPerRecord, "decodeEvents accepted too many messages");
    for (const auto& w : record.workers)
        fuzz::check(w.iteration >= 0 && w.images >= 0 && w.sent >= 0 && w.received >= 0 && w.wait_ns >= 0 &&
                        (std::isnan(w.alpha) || (w.alpha >= -1e-9 && w.alpha <= 1 + 1e-9)),
                    "decodeEvents accepted a worker report out of bounds");
    for (const auto& s : record.samples)
        fuzz::check(std::isfinite(s.at.wall_s) && s.at.wall_s >= 0 && s.at.iteration >= 0 && s.at.images >= 0,
                    "decodeEvents accepted a sample out of bounds");
    for (const auto& m : record.messages) fuzz::check(m.size() <= kMaxMessageBytes, "decodeEvents accepted a long message");
    fuzz::check(encodeEvents(record) == std::vector<uint8_t>(data, data + size), "encodeEvents(decodeEvents(x)) != x");
    return 0;
}
