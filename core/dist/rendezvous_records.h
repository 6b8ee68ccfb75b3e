#pragma once
// The rendezvous' records (join, plan) as bytes, and the bounds every record must meet before
// a process uses it. Torch-free and Gloo-free, so that tests (and a fuzzer) feed them any bytes.
// A record arrives from anyone who reaches rank 0's store: nothing in it is trusted until read
// here. Every reader returns "" when the record is whole and in bounds, or the sentence to show.

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/run_config.h"
#include "core/train/run_events.h"

namespace gossiplab::dist {

inline constexpr int kMaxWorkersPerProcess = 64;
inline constexpr size_t kMaxNameBytes = 1024;  // host, address and devices in a join record

// The run token's proof: every record ends with HMAC-SHA-256(token, label || record), where the
// label names the record's key (so that a record cannot be replayed under another key). It proves
// that the writer knows the token; it hides nothing (no encryption). The empty token is a token
// too: a run without one refuses every process that was given one, and the other way round.
inline constexpr size_t kProofBytes = 32;
std::vector<uint8_t> seal(std::vector<uint8_t> body, const std::string& token, const std::string& label);
// The body, or false when the record is shorter than a proof or its proof is not the token's.
bool unseal(const std::vector<uint8_t>& record, const std::string& token, const std::string& label, std::vector<uint8_t>* body);

// Join record: magic, protocol version, byte-order mark, then the process; sealed.
std::vector<uint8_t> encodeJoin(const ProcessInfo& process, const std::string& token = {});
// Rank 0 reads rank `key_rank`'s record: the protocol version is checked before anything else is
// parsed; then the token's proof (`*refused` true when that fails: the record is not the run's,
// and the run may go on waiting for the right one); then the whole record, exactly; its rank
// must be `key_rank`, its workers 1 to 64.
std::string decodeJoin(const std::vector<uint8_t>& bytes, int key_rank, ProcessInfo* out, const std::string& token = {},
                       bool* refused = nullptr);

struct PlanRecord {
    std::string config_json;  // rank 0's settings, workers = M
    int64_t parameter_count = 0;
    std::string run_nonce;    // fresh for every run: its messages' key (message_auth.h); 32 hex digits
    std::vector<ProcessInfo> processes;  // by rank
};
std::vector<uint8_t> encodePlan(const PlanRecord& plan, const std::string& token = {});
// "ok" + plan, or an error message (rank 0's failure, which every rank then shows); sealed with
// `label` (the key it is written under: "plan", "go").
std::vector<uint8_t> encodeError(const std::string& message, const std::string& token = {}, const std::string& label = "plan");
// Ranks > 0: a plan record of a run of `world` processes. `*error_from_rank0` is set when the
// record carries rank 0's error (the return value is that error). Checks, in this order: the whole
// record read exactly; a run nonce of 32 hex digits; `world` processes; process r has rank r, 1 to 64 workers, and its first
// worker is the previous one's first + workers (the first is 0); parameter count above 0.
// The token's proof is checked first: a plan sealed with another token is refused (this process
// was given another token than rank 0's).
std::string decodePlan(const std::vector<uint8_t>& bytes, int world, PlanRecord* out, bool* error_from_rank0,
                       const std::string& token = {});
// The plan's settings must say M = the sum of the processes' workers.
std::string checkPlanWorkers(const PlanRecord& plan, const RunConfig& config);

}  // namespace gossiplab::dist
