#include "core/dist/events_record.h"

#include <cmath>
#include <stdexcept>

#include "core/dist/wire.h"

namespace gossiplab::dist {

namespace {

constexpr double kRounding = 1e-9;

void writeReport(ByteWriter& w, const WorkerReport& r) {
    w.put<int32_t>(r.index);
    w.put<int64_t>(r.iteration);
    w.put<int64_t>(r.images);
    w.put<int64_t>(r.sent);
    w.put<int64_t>(r.received);
    w.put<double>(r.loss);
    w.put<double>(r.alpha);
    w.put<double>(r.center_distance);
    w.put<uint8_t>(r.done ? 1 : 0);
    for (int64_t ns : r.phase_ns) w.put<int64_t>(ns);
    w.put<int64_t>(r.wait_ns);
}

WorkerReport readReport(ByteReader& r) {
    WorkerReport report;
    report.index = r.get<int32_t>();
    report.iteration = r.get<int64_t>();
    report.images = r.get<int64_t>();
    report.sent = r.get<int64_t>();
    report.received = r.get<int64_t>();
    report.loss = r.get<double>();
    report.alpha = r.get<double>();
    report.center_distance = r.get<double>();
    const uint8_t done = r.get<uint8_t>();
    if (done > 1) throw std::runtime_error("a worker's done flag of " + std::to_string(done));
    report.done = done == 1;
    for (auto& ns : report.phase_ns) ns = r.get<int64_t>();
    report.wait_ns = r.get<int64_t>();
    return report;
}

void writeSample(ByteWriter& w, const WorkerSample& s) {
    w.put<int32_t>(s.worker);
    w.put<int64_t>(s.at.iteration);
    w.put<int64_t>(s.at.images);
    w.put<double>(s.at.wall_s);
    w.put<double>(s.loss);
    w.put<double>(s.alpha);
    w.put<int64_t>(s.messages_sent);
    w.put<int64_t>(s.messages_received);
    w.put<double>(s.center_distance);
    w.put<double>(s.wait_per_iteration_s);
}

WorkerSample readSample(ByteReader& r) {
    WorkerSample s;
    s.worker = r.get<int32_t>();
    s.at.iteration = r.get<int64_t>();
    s.at.images = r.get<int64_t>();
    s.at.wall_s = r.get<double>();
    s.loss = r.get<double>();
    s.alpha = r.get<double>();
    s.messages_sent = r.get<int64_t>();
    s.messages_received = r.get<int64_t>();
    s.center_distance = r.get<double>();
    s.wait_per_iteration_s = r.get<double>();
    s.alpha_sum = std::nan("");
    return s;
}

// A count read from the record, within [0, most].
size_t readCount(ByteReader& r, size_t most, const char* what) {
    const int32_t n = r.get<int32_t>();
    if (n < 0 || static_cast<size_t>(n) > most)
        throw std::runtime_error(std::to_string(n) + " " + what + " (allowed: 0 to " + std::to_string(most) + ")");
    return static_cast<size_t>(n);
}

bool isWeight(double a) { return std::isnan(a) || (a >= -kRounding && a <= 1.0 + kRounding); }
bool isNonNegativeOrNan(double x) { return std::isnan(x) || x >= 0.0; }

std::string badReport(const WorkerReport& w) {
    const std::string who = "worker " + std::to_string(w.index);
    if (w.iteration < 0 || w.images < 0 || w.sent < 0 || w.received < 0 || w.wait_ns < 0)
        return who + " reported a negative counter";
    for (int64_t ns : w.phase_ns)
        if (ns < 0) return who + " reported a negative phase time";
    if (!isWeight(w.alpha)) return who + " reported alpha " + std::to_string(w.alpha) + " (allowed: 0 to 1)";
    if (!isNonNegativeOrNan(w.center_distance)) return who + " reported a negative distance";
    return {};
}

std::string badSample(const WorkerSample& s) {
    const std::string who = "a sample of worker " + std::to_string(s.worker);
    if (s.at.iteration < 0 || s.at.images < 0 || s.messages_sent < 0 || s.messages_received < 0)
        return who + " has a negative counter";
    if (!std::isfinite(s.at.wall_s) || s.at.wall_s < 0.0) return who + " has the time " + std::to_string(s.at.wall_s);
    if (!isWeight(s.alpha)) return who + " has alpha " + std::to_string(s.alpha) + " (allowed: 0 to 1)";
    if (!isNonNegativeOrNan(s.center_distance) || !isNonNegativeOrNan(s.wait_per_iteration_s))
        return who + " has a negative distance or waiting time";
    return {};
}

}  // namespace

std::vector<uint8_t> encodeEvents(const EventsRecord& record) {
    ByteWriter w;
    w.put<double>(record.q);
    w.put<double>(record.held);
    w.put<int32_t>(static_cast<int32_t>(record.workers.size()));
    for (const auto& report : record.workers) writeReport(w, report);
    w.put<int32_t>(static_cast<int32_t>(record.samples.size()));
    for (const auto& sample : record.samples) writeSample(w, sample);
    w.put<int32_t>(static_cast<int32_t>(record.messages.size()));
    for (const auto& text : record.messages) w.putString(text);
    return w.bytes();
}

std::string decodeEvents(const uint8_t* data, size_t size, EventsRecord* out) {
    EventsRecord record;
    try {
        ByteReader r(data, size);
        record.q = r.get<double>();
        record.held = r.get<double>();
        for (double a : {record.q, record.held})
            if (!std::isfinite(a) || a < -kRounding || a > 1.0 + kRounding)
                return "a report of alpha " + std::to_string(a) + " (allowed: 0 to 1)";
        const size_t workers = readCount(r, kMaxReportedWorkers, "workers");
        for (size_t k = 0; k < workers; ++k) {
            record.workers.push_back(readReport(r));
            if (auto bad = badReport(record.workers.back()); !bad.empty()) return bad;
        }
        const size_t samples = readCount(r, kSamplesPerRecord, "samples");
        for (size_t k = 0; k < samples; ++k) {
            record.samples.push_back(readSample(r));
            if (auto bad = badSample(record.samples.back()); !bad.empty()) return bad;
        }
        const size_t messages = readCount(r, kMessagesPerRecord, "messages");
        for (size_t k = 0; k < messages; ++k) {
            record.messages.push_back(r.getString());
            if (record.messages.back().size() > kMaxMessageBytes)
                return "a message of " + std::to_string(record.messages.back().size()) + " bytes (allowed: up to " +
                       std::to_string(kMaxMessageBytes) + ")";
        }
        if (!r.atEnd()) return "a report of " + std::to_string(size) + " bytes, more than it holds";
    } catch (const std::runtime_error& e) {
        return std::string("a report that is not whole: ") + e.what();
    }
    if (out) *out = std::move(record);
    return {};
}

}  // namespace gossiplab::dist
