#pragma once
// The telemetry record a rank > 0 sends rank 0 about every 100 ms (MessageType::Events; the last
// one is Final): what rank 0's monitor and history need of that rank's workers. Torch-free, so
// that tests and a fuzzer feed the decoder any bytes: a record comes from the network, and
// nothing in it is used until decodeEvents has read it whole and in bounds.
//
// Layout (little-endian, ByteWriter): q, held (float64); worker count (int32), per worker a
// WorkerReport; sample count (int32), per sample a WorkerSample; message count (int32), per
// message a length-prefixed string.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/train/run_events.h"

namespace gossiplab::dist {

inline constexpr size_t kSamplesPerRecord = 400;      // a sender splits more over several records
inline constexpr size_t kMessagesPerRecord = 10;
inline constexpr size_t kMaxMessageBytes = 1000;
inline constexpr int kMaxReportedWorkers = 64;        // kMaxWorkersPerProcess
inline constexpr size_t kReportPhases = 8;            // WorkerState::PhaseCount (checked in session.cpp)

// A worker's counters as its process sees them now.
struct WorkerReport {
    int32_t index = 0;  // global worker number
    int64_t iteration = 0, images = 0, sent = 0, received = 0;
    double loss = 0.0;             // last-50 mean (NaN after a divergence)
    double alpha = 0.0;            // GoSGD / SGP weight, 0 otherwise
    double center_distance = 0.0;  // EASGD, NaN otherwise
    bool done = false;
    std::array<int64_t, kReportPhases> phase_ns{};
    int64_t wait_ns = 0;  // time spent waiting for others, in all
};

struct EventsRecord {
    double q = 0.0;     // the alpha this process accounts for (workers + inboxes + sent - received)
    double held = 0.0;  // the part of it its workers hold
    std::vector<WorkerReport> workers;
    std::vector<WorkerSample> samples;  // alpha_sum is not carried (rank 0 computes it)
    std::vector<std::string> messages;
};

std::vector<uint8_t> encodeEvents(const EventsRecord& record);

// "" when `data` is one whole record within the bounds, else what is wrong with it. Bounds: the
// record read exactly (nothing short, nothing left over); q and held finite in [0, 1] (to
// rounding); at most kMaxReportedWorkers workers and kSamplesPerRecord samples, each with
// non-negative counters, an alpha in [0, 1] or NaN, and a non-negative (or NaN) distance and
// waiting time; at most kMessagesPerRecord messages of at most kMaxMessageBytes. Worker numbers
// are the caller's to check (they depend on the run's plan). NaN losses are allowed (a diverged
// worker reports one).
std::string decodeEvents(const uint8_t* data, size_t size, EventsRecord* out);

}  // namespace gossiplab::dist
