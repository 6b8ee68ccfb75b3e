#pragma once
// One process's part in a multi-process run: the c10d transport behind the Exchange interface.
//
// Transport. One ProcessGroupGloo (TCP), rendezvous through rank 0's TCPStore (rendezvous.h).
// Every message is one Gloo send of a byte tensor (wire.h) on one tag. Per process:
//   - one receiver thread per peer process keeps one receive from that peer posted (never a
//     receive-from-any: Gloo keeps an aborted one registered, and it swallowed a survivor's next
//     message after a peer was lost); it merges exchanges into the addressed worker's inbox (under
//     the ledger, like an in-process push), answers elastic requests (EASGD's center on rank 0,
//     AD-PSGD's passive workers), and files metrics, snapshots and control messages;
//   - one sender thread per peer process (a "link") sends its queue in order and waits for each
//     send to complete, so the worker that queued a message goes on training at once;
//   - a heartbeat thread counts up a key in the TCPStore every 250 ms and watches the others'.
// Workers push to a peer in their own process through the in-process path (no copy, no thread).
//
// GoSGD across processes. A push to a remote worker halves the sender's alpha and copies
// (x, alpha) into one of the sender's two snapshot buffers (alpha in float64 in the header),
// under the ledger; the link sends it; the receiving process merges it into the inbox. The
// sender waits only when both of its buffers are still in flight. Each process counts the alpha
// it sent out and received, so that its own total Q_r = workers' alphas + inboxes + sent -
// received is exact and constant; rank 0's live sum of alphas is the sum of every process's
// latest Q_r (1 up to rounding), and after the run the workers' final alphas sum to 1.
//
// EASGD across processes. The center lives on rank 0. A worker elsewhere posts a receive for
// its reply (tag kTagReplyBase + its number), sends ElasticRequest(x) and waits; rank 0's
// receiver computes d = rate (x - c) under the center's mutex, applies c += d, and sends d back;
// the worker applies x -= d. The same float32 d on both sides: x + c is conserved to rounding.
//
// AD-PSGD across processes. The pairwise average is the same round trip at rate 1/2 with the
// passive (odd) worker's public model as c: the active (even) worker, holding its own model's
// lock, sends its x to the passive worker's process, whose receiver takes that worker's lock,
// moves it to (x + c) / 2 and answers d; the active worker applies x -= d: both hold the mean.
//
// Synchronous algorithms (all-reduce SGD, local SGD, D-PSGD). Each round, the last local worker
// to arrive sums this process's part and calls allReduceSum: one c10d all-reduce over a second
// Gloo group (never mixed with the messages above), in the same order on every process.
//
// Metrics. Ranks other than 0 send rank 0 their workers' samples, counters, waiting times and
// messages every ~100 ms (Events; events_record.h reads each whole and in bounds before any of it
// is used), weight snapshots for the distance matrix (Snapshot: the newest, at most every
// 50 ms and 20 MB/s per worker; at once when rank 0 asks for them to evaluate the test model),
// and their final weights (FinalWorker, Final). Rank 0 keeps a mirror of every remote worker, so
// its monitor and its history see all M workers, numbered globally.
//
// End of a run. A process whose workers stopped sends Bye to every peer (after all its
// exchanges, in order). Once a process has every peer's Bye, everything sent to it is merged and
// it drains its inboxes. Then ranks r > 0 send their Final to rank 0, and rank 0 answers with End
// (the run's outcome). A stop (any rank, e.g. Ctrl+C), a failure or a divergence on any rank is
// sent to every peer as Stop, and every process winds down the same way.
//
// Failures. A rank is lost when its heartbeat has not moved for peer_timeout_s, or at once when
// a Gloo send or receive to it fails (its connection closed: a killed process). Policy: the run
// ends as failed, on every surviving process; survivors still exchange Bye and Final so that rank
// 0 can report exactly how much alpha was lost (1 - what the survivors hold after the drain) and
// record the run. If rank 0 is lost, the others stop and exit (nothing can be recorded).
// Gloo waits are never given a timeout (a timed-out Gloo wait closes every connection):
// blocked sends and receives are aborted instead.

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "core/dist/dist_options.h"
#include "core/dist/rendezvous.h"
#include "core/train/exchange.h"

namespace gossiplab {
struct RunShared;
}

namespace gossiplab::dist {

class Session final : public Exchange {
public:
    explicit Session(const DistributedOptions& options);
    ~Session() override;  // close()
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    int rank() const;
    int world() const;

    // 1. Rendezvous (see rendezvous.h); throws std::runtime_error with the message to show.
    Plan rendezvous(const RunConfig& local_config, const LocalProcess& local, const RendezvousCallbacks& callbacks);
    // 2. Connects the process group (within the join timeout) and makes `initial_weights` (CPU
    // float32) rank 0's on every rank. Throws std::runtime_error.
    void connect(torch::Tensor& initial_weights);
    // 3. Starts the receiver and the links over the run's shared state (workers built).
    void start(RunShared& shared);

    // The run's thread, every monitor tick and once more after the workers stopped: sends metrics
    // and snapshots to rank 0 (ranks > 0), delivers status changes to `observer`.
    void tick(RunObserver* observer);
    bool wantsQuickTicks() const;  // a snapshot for rank 0's evaluation is on its way
    // A RunObserver for the monitor of ranks > 0: the samples and messages to send to rank 0.
    RunObserver* forwarder();

    // 4. After this process's workers joined: Bye to every peer, then wait for every peer's Bye.
    // When it returns, every exchange sent to this process is in its inboxes.
    void finishExchanges(RunObserver* observer);
    // Ranks > 0, after the final drain: the final weights and counters to rank 0 (last message).
    void sendFinal(RunObserver* observer);
    // Ranks > 0: waits for rank 0's End; fills the run's outcome. False if rank 0 was lost.
    bool waitEnd(RunResult& result, RunObserver* observer);
    // Rank 0: waits for every rank's Final; mirrors then hold every worker's final state
    // (a lost rank's workers: their last snapshot and alpha 0).
    void collectFinals(RunObserver* observer);
    // Rank 0: the outcome to every rank (last message).
    void sendEnd(const RunResult& result);
    // Ranks lost, and what the run lost with them (rank 0, after collectFinals).
    std::vector<int> lostRanks() const;
    std::string lostSummary() const;  // e.g. "rank 2 (host, workers 4-5): no heartbeat for 5.0 s"
    // Exit handshake (rank 0 keeps the rendezvous up until the others are done with it), then
    // stops every thread and closes the process group. Safe to call twice.
    void close();

    std::vector<ProcessStatus> processes() const;
    int64_t messagesSent() const;
    int64_t bytesSent() const;

    // Exchange.
    bool push(WorkerState& from, int peer, int64_t step) override;
    void elasticStep(WorkerState& self, torch::Tensor& scratch, double rate) override;
    void averageWithPeer(WorkerState& self, int peer) override;
    void snapshotRequested(int64_t request) override;
    void settingChanged(const std::string& field, double value) override;
    AlphaLedger alphaElsewhere() override;
    void allReduceSum(torch::Tensor& buffer) override;
    void runEnding(RunStatus status, const std::string& message) override;

    struct Impl;

private:
    // Shared with the heartbeat thread: a heartbeat stuck in a store that stopped answering is
    // left behind by close() (never joined), and keeps the state it uses alive until it returns.
    std::shared_ptr<Impl> impl_;
};

}  // namespace gossiplab::dist
