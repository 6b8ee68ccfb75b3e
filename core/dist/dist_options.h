#pragma once
// How one process takes part in a multi-process run: its rank among `world` processes, where
// rank 0's rendezvous (a c10d TCPStore) listens, and where its own Gloo transport binds.
// Torch-free: the CLI flags, the UI and the run history include it cheaply.

#include <functional>
#include <string>
#include <vector>

#include "core/train/run_config.h"

namespace gossiplab {

struct DistributedOptions {
    int world = 1;                  // processes in the run; 1: an ordinary run in this process
    int rank = 0;                   // 0 .. world-1; rank 0 hosts the rendezvous, the EASGD center and the history
    std::string master_host;        // rank 0's host or address, as every process reaches it
    int master_port = 29500;        // the TCPStore's port on rank 0
    std::string bind;               // address or host name Gloo listens on; empty: automatic (see README)
    std::string iface;              // network interface Gloo listens on (wins over `bind`)
    double join_timeout_s = 60.0;   // every rank must join (and connect) within this time
    double peer_timeout_s = 5.0;    // a rank silent this long is lost (see README: failures)
    // The run token (--token): every rendezvous record carries an HMAC of it, and a process with
    // another token is refused. Empty: GOSSIPLAB_RUN_TOKEN, else the empty token (the run is
    // open to anyone who reaches rank 0's port: a trusted network only). Proof, not secrecy.
    std::string token;
    // Non-zero ranks: given rank 0's settings, returns why they conflict with this process's own
    // (e.g. a --lr given here that differs), or "" when they agree. Null: no check. The CLI sets it.
    std::function<std::string(const RunConfig& coordinator)> check_settings;

    bool enabled() const { return world > 1; }
};

// Whether this build has runs over several processes (they need Gloo's headers at build time),
// and, when not, the sentence that says so and how to get them.
bool multiProcessBuilt();
std::string multiProcessUnavailableReason();

// The token this process uses: `options.token`, else the environment's GOSSIPLAB_RUN_TOKEN, else "".
std::string runToken(const DistributedOptions& options);

// What a process of a run over several processes says when it has no run token: "" when it has
// one, when the run is not over several processes, or when rank 0's address is a loopback one
// (every rank on this machine); otherwise that the run is open to anyone who reaches rank 0's
// port, and how to close it.
std::string openRunWarning(const DistributedOptions& options);

// All violations at once, with flag names as field names (world, rank, master, ...).
std::vector<ConfigError> validate(const DistributedOptions& options);
// "HOST:PORT" or "[IPV6]:PORT" -> host and port (1..65535); false with a message otherwise.
bool parseHostPort(const std::string& text, std::string* host, int* port, std::string* error);

}  // namespace gossiplab
