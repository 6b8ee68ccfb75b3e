#include "core/dist/message_checks.h"

#include <cmath>
#include <sstream>

namespace gossiplab::dist {

namespace {

constexpr int64_t kUntagged = -1;  // MergingInbox::kNow: a GoSGD exchange carries no step

std::string number(double v) {
    std::ostringstream out;
    out.precision(6);
    out << v;
    return out.str();
}

bool isWeight(double a) { return std::isnan(a) || (a >= 0.0 && a <= 1.0 + 1e-9); }

}  // namespace

int64_t sgpPeer(int64_t from, int64_t step, int64_t workers) {
    int shifts = 0;
    while ((int64_t{1} << shifts) < workers) ++shifts;
    return shifts == 0 ? from : (from + (int64_t{1} << (step % shifts))) % workers;
}

std::string checkMessage(const WireHeader& h, int src, const MessageContext& c) {
    if (h.magic != kMagic || h.version != kProtocolVersion)
        return "a message this GossipLab does not understand (protocol version " + std::to_string(h.version) + "; this is " +
               std::to_string(kProtocolVersion) + ")";
    if (h.sender != src) return "a message signed by rank " + std::to_string(h.sender);
    if (h.payload_bytes > c.max_payload)
        return "a message of " + std::to_string(h.payload_bytes) + " bytes (at most " + std::to_string(c.max_payload) + ")";
    const int64_t workers = static_cast<int64_t>(c.rank_of_worker.size());
    auto runs = [&](int64_t worker, int process) {
        return worker >= 0 && worker < workers && c.rank_of_worker[static_cast<size_t>(worker)] == process;
    };
    const uint64_t model_bytes = static_cast<uint64_t>(c.model_floats) * sizeof(float);
    auto modelSize = [&](const char* what) -> std::string {
        if (h.payload_bytes == model_bytes) return {};
        return std::string(what) + " of " + std::to_string(h.payload_bytes) + " bytes (a model is " + std::to_string(model_bytes) + ")";
    };
    const char* to_rank0_only = "which only ranks above 0 send, to rank 0";
    switch (static_cast<MessageType>(h.type)) {
        case MessageType::Gossip: {
            if (auto bad = modelSize("an exchange"); !bad.empty()) return bad;
            if (!std::isfinite(h.value) || h.value <= 0.0 || h.value > 1.0 + 1e-9)
                return "an exchange with alpha " + number(h.value) + " (allowed: above 0, at most 1)";
            // The sender speaks for its own workers only.
            if (!runs(h.a, src)) return "an exchange from worker " + std::to_string(h.a) + ", which it does not run";
            if (c.config.algorithm == Algorithm::Sgp) {
                if (h.b < 0) return "an SGP exchange without a step (tag " + std::to_string(h.b) + ")";
                const int64_t peer = sgpPeer(h.a, h.b, workers);
                if (peer != h.worker)
                    return "an SGP exchange of step " + std::to_string(h.b) + " from worker " + std::to_string(h.a) + " to worker " +
                           std::to_string(h.worker) + " (that step pushes to worker " + std::to_string(peer) + ")";
            } else if (c.config.algorithm != Algorithm::GoSgd) {
                return "an exchange, which " + toString(c.config.algorithm) + " does not make";
            } else if (h.b != kUntagged) {
                return "a GoSGD exchange tagged with step " + std::to_string(h.b) + " (GoSGD's are untagged)";
            } else if (h.a == h.worker) {
                return "an exchange from worker " + std::to_string(h.a) + " to itself";
            }
            return {};
        }
        case MessageType::ElasticRequest: {
            const int64_t asker = h.worker, target = h.a;
            if (!runs(asker, src) || src == c.rank)
                return "an elastic request of worker " + std::to_string(asker) + ", which it does not run";
            if (target == -1) {
                if (c.rank != 0 || c.config.algorithm != Algorithm::Easgd)
                    return "an elastic request for an EASGD center that rank " + std::to_string(c.rank) + " does not hold";
            } else if (c.config.algorithm != Algorithm::AdPsgd || !runs(target, c.rank) || target % 2 != 1 || asker % 2 != 0) {
                return "a request that worker " + std::to_string(asker) + " average with worker " + std::to_string(target) +
                       " (AD-PSGD pairs an even worker with an odd one of the rank asked)";
            }
            if (auto bad = modelSize("an elastic request"); !bad.empty()) return bad;
            return {};
        }
        case MessageType::ElasticReply:
            return "an elastic reply outside a round trip (replies go to the asking worker's own tag)";
        case MessageType::Events:
        case MessageType::Final:
            if (c.rank != 0 || src == 0) return std::string("a report, ") + to_rank0_only;
            return {};
        case MessageType::Snapshot:
        case MessageType::FinalWorker: {
            if (c.rank != 0 || src == 0) return std::string("weights, ") + to_rank0_only;
            if (!runs(h.worker, src)) return "the weights of worker " + std::to_string(h.worker) + ", which it does not run";
            if (auto bad = modelSize("weights"); !bad.empty()) return bad;
            if (!isWeight(h.value)) return "weights with alpha " + number(h.value) + " (allowed: 0 to 1)";
            if (static_cast<MessageType>(h.type) == MessageType::FinalWorker && (h.a < 0 || h.b < 0))
                return "a final state with " + std::to_string(h.a) + " iterations and " + std::to_string(h.b) + " images";
            return {};
        }
        case MessageType::SnapshotRequest:
            if (src != 0 || c.rank == 0) return "a snapshot request, which only rank 0 sends";
            if (h.seq < 0) return "snapshot request number " + std::to_string(h.seq);
            return {};
        case MessageType::Setting: {
            // Only rank 0 changes the run's live settings, and only to values a run accepts.
            if (src != 0 || c.rank == 0 || (h.a != 0 && h.a != 1)) return "a setting change, which only rank 0 may send";
            const char* field = h.a == 0 ? "p" : "learning-rate";
            if (auto error = validateLiveSetting(field, h.value, c.config))
                return std::string(field) + " = " + number(h.value) + ": " + error->message;
            return {};
        }
        case MessageType::Stop:
            if (h.a <= static_cast<int64_t>(RunStatus::Running) || h.a > static_cast<int64_t>(RunStatus::Interrupted))
                return "a stop with an unknown run status " + std::to_string(h.a);
            return {};
        case MessageType::Bye:
            if (h.a < 0 || !std::isfinite(h.value) || h.value < 0.0)
                return "a Bye with " + std::to_string(h.a) + " exchanges and alpha " + number(h.value);
            return {};
        case MessageType::End:
            if (src != 0 || c.rank == 0) return "the run's end, which only rank 0 may send";
            return {};
    }
    return "a message of unknown type " + std::to_string(h.type);
}

}  // namespace gossiplab::dist
