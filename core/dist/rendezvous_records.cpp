#include "core/dist/rendezvous_records.h"

#include <stdexcept>

#include "core/dist/hmac.h"
#include "core/dist/wire.h"

namespace gossiplab::dist {

namespace {

constexpr uint16_t kByteOrderMark = 0x0102;

void writeProcess(ByteWriter& w, const ProcessInfo& p) {
    w.put<int32_t>(p.rank);
    w.putString(p.host);
    w.putString(p.address);
    w.put<int32_t>(p.first_worker);
    w.put<int32_t>(p.workers);
    w.putString(p.devices);
    w.put<int64_t>(p.pid);
}

std::string boundedString(ByteReader& r, const char* field) {
    std::string text = r.getString();
    if (text.size() > kMaxNameBytes)
        throw std::runtime_error(std::string(field) + " of " + std::to_string(text.size()) + " bytes (at most " +
                                 std::to_string(kMaxNameBytes) + ")");
    return text;
}

ProcessInfo readProcess(ByteReader& r) {
    ProcessInfo p;
    p.rank = r.get<int32_t>();
    p.host = boundedString(r, "a host name");
    p.address = boundedString(r, "an address");
    p.first_worker = r.get<int32_t>();
    p.workers = r.get<int32_t>();
    p.devices = boundedString(r, "a device list");
    p.pid = r.get<int64_t>();
    return p;
}

std::string workersProblem(int rank, int workers) {
    if (workers >= 1 && workers <= kMaxWorkersPerProcess) return {};
    return "rank " + std::to_string(rank) + " has " + std::to_string(workers) + " workers; allowed range: 1 to " +
           std::to_string(kMaxWorkersPerProcess) + " per process";
}

Digest proof(const uint8_t* body, size_t size, const std::string& token, const std::string& label) {
    std::vector<uint8_t> text(label.begin(), label.end());
    text.push_back(0);
    text.insert(text.end(), body, body + size);
    return hmacSha256(token, text.data(), text.size());
}

}  // namespace

std::vector<uint8_t> seal(std::vector<uint8_t> body, const std::string& token, const std::string& label) {
    const Digest d = proof(body.data(), body.size(), token, label);
    body.insert(body.end(), d.begin(), d.end());
    return body;
}

bool unseal(const std::vector<uint8_t>& record, const std::string& token, const std::string& label, std::vector<uint8_t>* body) {
    if (record.size() < kProofBytes) return false;
    const size_t n = record.size() - kProofBytes;
    const Digest d = proof(record.data(), n, token, label);
    if (!sameDigest(d.data(), record.data() + n, kProofBytes)) return false;
    if (body) body->assign(record.begin(), record.begin() + static_cast<long>(n));
    return true;
}

std::vector<uint8_t> encodeJoin(const ProcessInfo& process, const std::string& token) {
    ByteWriter w;
    w.put<uint32_t>(kMagic);
    w.put<uint16_t>(kProtocolVersion);
    w.put<uint16_t>(kByteOrderMark);
    writeProcess(w, process);
    return seal(w.bytes(), token, "join/" + std::to_string(process.rank));
}

std::string decodeJoin(const std::vector<uint8_t>& record, int key_rank, ProcessInfo* out, const std::string& token, bool* refused) {
    if (refused) *refused = false;
    const std::string who = "rank " + std::to_string(key_rank);
    try {
        ByteReader head(record.data(), record.size());
        const auto magic = head.get<uint32_t>();
        const auto version = head.get<uint16_t>();
        if (magic != kMagic) return who + "'s join record is not GossipLab's (something else wrote its key in the rendezvous)";
        if (version != kProtocolVersion)
            return who + " speaks protocol version " + std::to_string(version) + ", rank 0 speaks " + std::to_string(kProtocolVersion) +
                   " (use the same GossipLab everywhere)";
    } catch (const std::exception& e) {
        return who + "'s join record could not be read: " + e.what();
    }
    std::vector<uint8_t> bytes;
    if (!unseal(record, token, "join/" + std::to_string(key_rank), &bytes)) {
        if (refused) *refused = true;
        return "refused a process joining as " + who + ": it does not know this run's token (start it with the token rank 0 printed: "
               "--token or GOSSIPLAB_RUN_TOKEN)";
    }
    ByteReader r(bytes.data(), bytes.size());
    try {
        // The version first: a record of another version is not parsed any further.
        const auto magic = r.get<uint32_t>();
        const auto version = r.get<uint16_t>();
        if (magic != kMagic) return who + "'s join record is not GossipLab's (something else wrote its key in the rendezvous)";
        if (version != kProtocolVersion)
            return who + " speaks protocol version " + std::to_string(version) + ", rank 0 speaks " + std::to_string(kProtocolVersion) +
                   " (use the same GossipLab everywhere)";
        if (r.get<uint16_t>() != kByteOrderMark) return who + " has another byte order (all hosts must be little-endian)";
        ProcessInfo p = readProcess(r);
        if (!r.atEnd()) return who + "'s join record has " + std::to_string(bytes.size()) + " bytes, more than it holds";
        if (p.rank != key_rank) return who + "'s join record says rank " + std::to_string(p.rank);
        if (auto problem = workersProblem(key_rank, p.workers); !problem.empty()) return problem;
        if (out) *out = p;
        return {};
    } catch (const std::exception& e) {
        return who + "'s join record could not be read: " + e.what();
    }
}

std::vector<uint8_t> encodePlan(const PlanRecord& plan, const std::string& token) {
    ByteWriter w;
    w.put<uint8_t>(1);
    w.putString(plan.config_json);
    w.put<int64_t>(plan.parameter_count);
    w.putString(plan.run_nonce);
    w.put<int32_t>(static_cast<int32_t>(plan.processes.size()));
    for (const auto& p : plan.processes) writeProcess(w, p);
    return seal(w.bytes(), token, "plan");
}

std::vector<uint8_t> encodeError(const std::string& message, const std::string& token, const std::string& label) {
    ByteWriter w;
    w.put<uint8_t>(0);
    w.putString(message);
    return seal(w.bytes(), token, label);
}

std::string decodePlan(const std::vector<uint8_t>& record, int world, PlanRecord* out, bool* error_from_rank0, const std::string& token) {
    if (error_from_rank0) *error_from_rank0 = false;
    std::vector<uint8_t> bytes;
    if (!unseal(record, token, "plan", &bytes))
        return "rank 0's plan does not carry this process's token: this process was started with another token than rank 0's "
               "(--token or GOSSIPLAB_RUN_TOKEN; rank 0 prints its own)";
    ByteReader r(bytes.data(), bytes.size());
    try {
        const auto ok = r.get<uint8_t>();
        if (ok == 0) {
            std::string message = r.getString();
            if (error_from_rank0) *error_from_rank0 = true;
            return message.empty() ? "rank 0 failed without saying why" : message;
        }
        if (ok != 1) return "rank 0's plan is not GossipLab's (its first byte is " + std::to_string(ok) + ")";
        PlanRecord plan;
        plan.config_json = r.getString();
        plan.parameter_count = r.get<int64_t>();
        plan.run_nonce = r.getString();
        if (plan.run_nonce.size() != 32 || plan.run_nonce.find_first_not_of("0123456789abcdef") != std::string::npos)
            return "rank 0's plan has no run nonce of 32 hex digits";
        const int plan_world = r.get<int32_t>();
        if (plan_world != world)
            return "rank 0 runs with --world " + std::to_string(plan_world) + ", this process with --world " + std::to_string(world);
        for (int k = 0; k < plan_world; ++k) plan.processes.push_back(readProcess(r));
        if (!r.atEnd()) return "rank 0's plan has " + std::to_string(bytes.size()) + " bytes, more than it holds";
        int64_t next = 0;
        for (int k = 0; k < plan_world; ++k) {
            const ProcessInfo& p = plan.processes[static_cast<size_t>(k)];
            if (p.rank != k) return "rank 0's plan lists rank " + std::to_string(p.rank) + " in place " + std::to_string(k);
            if (auto problem = workersProblem(k, p.workers); !problem.empty()) return "rank 0's plan: " + problem;
            if (p.first_worker != next)
                return "rank 0's plan starts rank " + std::to_string(k) + "'s workers at " + std::to_string(p.first_worker) +
                       " (they follow the previous rank's: " + std::to_string(next) + ")";
            next += p.workers;
        }
        if (plan.parameter_count <= 0)
            return "rank 0's plan gives its model " + std::to_string(plan.parameter_count) + " parameters";
        if (out) *out = std::move(plan);
        return {};
    } catch (const std::exception& e) {
        return std::string("rank 0's plan could not be read: ") + e.what();
    }
}

std::string checkPlanWorkers(const PlanRecord& plan, const RunConfig& config) {
    int64_t total = 0;
    for (const auto& p : plan.processes) total += p.workers;
    if (total == config.workers) return {};
    return "rank 0's plan runs M = " + std::to_string(config.workers) + " workers, its processes add up to " + std::to_string(total);
}

}  // namespace gossiplab::dist
