#pragma once
// The start of a multi-process run, over a c10d TCPStore hosted by rank 0:
//   1. every rank writes its join record (host, Gloo address, pid, workers, devices);
//   2. rank 0 waits for all of them (reporting each as it joins) within the join timeout, then
//      writes the plan: its settings with M = the sum of the workers, and the global numbering
//      (rank r runs workers first_r .. first_r + workers_r - 1, in rank order);
//   3. every other rank checks the plan against its own flags, loads the data and the model, and
//      acknowledges (or says why it cannot take part);
//   4. rank 0 writes "go" (or the first error, which every rank then reports).
// A rank that never joins, or a rank 0 that never answers, fails the run within the join
// timeout with a message that names the missing ranks. The store is polled (check), never
// waited on with a short timeout.

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/dist/dist_options.h"
#include "core/train/run_events.h"

namespace gossiplab::dist {

struct Plan {
    RunConfig config;                    // rank 0's settings, workers = M
    std::vector<ProcessInfo> processes;  // by rank
    int total_workers = 0;
    int64_t parameter_count = 0;
    std::string run_nonce;  // rank 0's, fresh for every run (message_auth.h)
};

struct LocalProcess {
    int workers = 1;        // this process's workers
    std::string devices;
    int64_t parameter_count = 0;  // rank 0: its model's (the others report theirs in the acknowledgement)
};

struct RendezvousCallbacks {
    std::function<void(const ProcessStatus&)> on_status;  // called from the rendezvous' thread
    std::function<bool()> cancelled;                       // e.g. a stop asked while waiting
    // Ranks other than 0: prepare for the plan's settings (check them against this process's
    // flags, load the data, build the model); returns "" or why this process cannot take part.
    std::function<std::string(const RunConfig& plan_config, int64_t* parameter_count)> prepare;
};

class Rendezvous {
public:
    explicit Rendezvous(const DistributedOptions& options);
    // Throws std::runtime_error with the message to show (every rank shows the same one for a
    // failure that rank 0 found).
    Plan run(const RunConfig& local_config, const LocalProcess& local, const RendezvousCallbacks& callbacks);

    const c10::intrusive_ptr<c10d::TCPStore>& store() const { return store_; }
    // What Gloo binds here: an address or host name, or an interface when bindIsInterface().
    const std::string& bindAddress() const { return bind_; }
    bool bindIsInterface() const { return bind_is_interface_; }
    // Rank 0: where the store listens: the master address (LibTorch 2.4 and later) or "every
    // interface" (LibTorch 1.13 cannot listen on one address); "" on other ranks.
    const std::string& storeListensOn() const { return store_listens_on_; }
    double elapsedSeconds() const;

private:
    void openStore();
    ProcessInfo self(const LocalProcess& local) const;

    DistributedOptions options_;
    c10::intrusive_ptr<c10d::TCPStore> store_;
    std::string bind_;
    bool bind_is_interface_ = false;
    std::string store_listens_on_;
    std::chrono::steady_clock::time_point start_;
};

// This machine's host name.
std::string localHostName();

}  // namespace gossiplab::dist
