#pragma once
// Session's private state (struct Session::Impl) and its sender threads (Impl::Link), shared by
// the files that implement Session (session.h), one job each:
//   session.cpp            the facade: rendezvous, connect, start, the end-of-run handshake, close,
//                          GoSGD/SGP pushes, live settings
//   session_transport.cpp  sending through the links, declaring a peer lost, the receivers (one
//                          thread and one posted receive per peer)
//   session_messages.cpp   what an incoming message does, once checked (a message that fails a
//                          check is a protocol error: its sender is declared lost with the reason)
//   session_elastic.cpp    the elastic round trip: EASGD's center on rank 0, AD-PSGD's pairwise
//                          average with a passive worker of another process
//   session_liveness.cpp   heartbeats, a store that stopped answering, wedged links
//   session_telemetry.cpp  ranks > 0: counters, samples and snapshots to rank 0 (events_record.h);
//                          rank 0: the mirrors of the other ranks' workers
// Not a public header: only these files include it.

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include <array>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/dist/events_record.h"
#include "core/dist/message_auth.h"
#include "core/dist/message_checks.h"
#include "core/dist/rendezvous_records.h"
#include "core/dist/session.h"
#include "core/dist/wire.h"
#include "core/train/devices.h"
#include "core/train/run_shared.h"

namespace gossiplab::dist {

namespace session_detail {

using Clock = std::chrono::steady_clock;
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

// A Gloo wait without a timeout uses its context's timeout, and a wait that times out closes
// every connection of the context for good. So the context's timeout is a year, and a blocked
// send or receive is aborted (Work::abort), never timed out.
inline constexpr std::chrono::milliseconds kGlooTimeout{365LL * 24 * 3600 * 1000};
inline constexpr auto kHeartbeatPeriod = std::chrono::milliseconds(250);
// Snapshots for rank 0's distance matrix, per worker: the newest one, at most one in flight, at
// most every 50 ms and at most 20 MB/s (a 10M-parameter model: one every 2 s); sooner when rank 0
// asks for them to evaluate the test model.
inline constexpr double kSnapshotMinPeriodS = 0.05;
inline constexpr double kSnapshotBytesPerSecond = 20e6;

inline std::string errorText(const std::exception& e) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
    return e.what();
}

inline std::string fmt(double v, int precision = 3) {
    std::ostringstream out;
    out.precision(precision);
    out << v;
    return out.str();
}

inline std::string workerRange(const ProcessInfo& p) {
    if (p.workers == 1) return "worker " + std::to_string(p.first_worker);
    return "workers " + std::to_string(p.first_worker) + "-" + std::to_string(p.first_worker + p.workers - 1);
}

inline std::string describe(const ProcessInfo& p) {
    std::string out = "rank " + std::to_string(p.rank);
    if (!p.host.empty()) out += " (" + p.host + (p.workers > 0 ? ", " + workerRange(p) : "") + ")";
    return out;
}

// One outgoing message: exactly the bytes to send, and what to do once it is sent or given up.
struct Out {
    torch::Tensor bytes;  // uint8, CPU
    int tag = kTagMessage;
    std::function<void(bool sent)> done;
};

}  // namespace session_detail
using namespace session_detail;

// ---------------------------------------------------------------------------------------------

struct Session::Impl {
    class Link;

    explicit Impl(const DistributedOptions& o) : options(o), rendezvous(o) {}

    DistributedOptions options;
    Rendezvous rendezvous;
    Plan plan;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
    // The synchronous algorithms' all-reduce (allReduceSum), on a group of its own so that its
    // collectives never mix with the messages' sends and receives. Its timeout is what a round
    // waits at most for a process that failed without closing its connections.
    c10::intrusive_ptr<c10d::ProcessGroupGloo> collectives;
    RunShared* shared = nullptr;
    torch::Tensor initial;  // CPU
    int64_t P = 0;
    size_t max_payload = 0;
    bool pinned = false;  // a local worker is on a GPU: host buffers are pinned
    int first_worker = 0, local_workers = 0;
    std::vector<int> rank_of_worker;
    MessageContext checks;  // what every incoming message is checked against (message_checks.h)
    // The run token's proof on every message (message_auth.h): from the plan on.
    std::unique_ptr<MessageAuth> auth;

    // Peer state, under `mutex`.
    struct Peer {
        ProcessStatus status;
        bool lost = false;
        bool got_bye = false;
        bool got_last = false;  // its last message to this process (see finishExchanges)
        int64_t gossip_in = 0;
        std::atomic<int64_t> gossip_out{0};
        // The alpha audit: alpha sent to it and received from it in exchanges; its Bye carries
        // what it sent here, which must be what arrived.
        double alpha_in = 0.0;
        std::atomic<double> alpha_out{0.0};
        double q = 0.0;     // rank 0: its latest exact alpha total Q_r
        double held = 0.0;  // rank 0: the part of Q_r its workers held (the rest waited in its inboxes or in transit)
        // Its end-of-run step as its heartbeat last published it (see Impl::phase), and when this
        // process first saw it: a message the peer finished sending must arrive within the peer
        // timeout of that moment.
        int64_t phase = 0;
        Clock::time_point phase_seen{};
        uint64_t next_counter = 0;  // the number of its next message (its receiver thread's alone)
        std::unique_ptr<Link> link;
    };
    mutable std::mutex mutex;
    std::condition_variable cv;
    std::vector<std::unique_ptr<Peer>> peers;
    std::vector<ProcessStatus> pending_statuses;
    std::vector<int> lost_order;
    bool got_end = false;
    RunResult end_result;
    std::map<int, WorkPtr> receives;      // the receive posted by each peer's receiver thread
    struct ReplyWait {
        int owner;  // the rank that answers
        WorkPtr work;
    };
    std::vector<ReplyWait> reply_waits;   // workers waiting for another rank's elastic or averaging reply
    bool receiver_stop = false;
    bool closed = false;

    // This process's end-of-run step, once every send of it completed: 1 its Byes, 2 its Final
    // (ranks > 0), 3 its End (rank 0). The heartbeat publishes it in the store beside the beat,
    // so that a peer waiting for one of these messages knows how long it has been on its way.
    enum Phase : int { Running = 0, ByesSent = 1, FinalSent = 2, EndSent = 3 };
    std::atomic<int> phase{Running};
    // The sends of one step: one() is the done callback of each (sent or given up), queued()
    // gives back the caller's own share once all are queued; the last to finish moves the phase on.
    struct Step {
        std::shared_ptr<std::atomic<int>> left = std::make_shared<std::atomic<int>>(1);
        std::function<void(bool)> done;
        std::function<void(bool)> one() {
            left->fetch_add(1);
            return done;
        }
        void queued() { done(true); }
    };
    Step step(Phase target) {
        Step st;
        st.done = [this, left = st.left, target](bool) {
            if (left->fetch_sub(1) != 1) return;
            int current = phase.load();
            while (current < target && !phase.compare_exchange_weak(current, target)) {
            }
        };
        return st;
    }

    // Works given up (aborted) stay alive until the process group is gone: Gloo may still hold
    // their buffers.
    std::mutex graveyard_mutex;
    std::vector<WorkPtr> graveyard;
    void keep(const WorkPtr& w) {
        std::lock_guard l(graveyard_mutex);
        graveyard.push_back(w);
    }

    // Buffers of the workers (per local worker) and of the replies this process serves (per
    // asking worker: rank 0's EASGD center, and every rank's passive AD-PSGD workers).
    struct Slot {
        torch::Tensor bytes;
        bool busy = false;
    };
    std::mutex slot_mutex;
    std::condition_variable slot_cv;
    std::vector<std::array<Slot, 2>> push_slots;
    struct Elastic {
        torch::Tensor request, reply;
        bool request_busy = false;
        int64_t seq = 0;
    };
    std::vector<Elastic> elastic;
    std::vector<Slot> replies;
    // Requests that arrived while their worker's reply was still being sent (the worker got the
    // reply before this process saw the send complete). They wait here, under slot_mutex, and
    // are served when the reply goes out; the receiver thread never waits.
    // A worker has one request in flight, so more than kMaxPendingElastic is a protocol error.
    static constexpr size_t kMaxPendingElastic = 2;
    struct PendingElastic {
        int src = -1;
        int64_t seq = 0;
        int target = kCenter;
        torch::Tensor x;
    };
    std::vector<std::deque<PendingElastic>> elastic_pending;

    // Ranks > 0: what goes to rank 0 with the next Events record.
    struct Forwarder final : RunObserver {
        explicit Forwarder(Impl& s) : impl(s) {}
        void onWorkerSample(const WorkerSample& s) override {
            std::lock_guard l(impl.forward_mutex);
            impl.forward_samples.push_back(s);
        }
        void onMessage(const std::string& text) override {
            std::lock_guard l(impl.forward_mutex);
            impl.forward_messages.push_back(text);
        }
        Impl& impl;
    };
    Forwarder forwarder{*this};
    std::mutex forward_mutex;
    std::vector<WorkerSample> forward_samples;
    std::vector<std::string> forward_messages;
    std::vector<Slot> snapshot_slots;
    std::vector<int64_t> forwarded_seq, forwarded_served;
    std::vector<Clock::time_point> forwarded_at;

    // Threads.
    std::vector<std::thread> receivers;  // one per peer process
    std::thread heartbeat;
    std::future<void> heartbeat_done;
    std::mutex hb_mutex;
    std::condition_variable hb_cv;
    bool hb_stop = false;
    std::atomic<int64_t> hb_round_ns{0};

    std::atomic<int64_t> messages_sent{0}, bytes_sent{0};

    int rank() const { return options.rank; }
    int world() const { return options.world; }
    double now_s() const { return rendezvous.elapsedSeconds(); }

    torch::Tensor hostBytes(size_t n) const {
        auto options_ = torch::TensorOptions().dtype(torch::kUInt8);
        if (pinned) options_ = options_.pinned_memory(true);
        return torch::empty({static_cast<int64_t>(n)}, options_);
    }
    torch::Tensor message(const WireHeader& header, const void* payload, size_t n) const {
        auto bytes = torch::empty({static_cast<int64_t>(sizeof(WireHeader) + n)}, torch::kUInt8);
        WireHeader h = header;
        h.sender = rank();
        h.payload_bytes = n;
        std::memcpy(bytes.data_ptr<uint8_t>(), &h, sizeof h);
        if (n > 0) std::memcpy(bytes.data_ptr<uint8_t>() + sizeof h, payload, n);
        return bytes;
    }
    static torch::Tensor floats(const torch::Tensor& bytes, int64_t count) {
        return torch::from_blob(bytes.data_ptr<uint8_t>() + sizeof(WireHeader), {count}, torch::kFloat32);
    }

    void setStatus(int r, ProcessState state, const std::string& detail) {  // under mutex
        auto& s = peers[static_cast<size_t>(r)]->status;
        if (s.state == state && s.detail == detail) return;
        if (s.state == ProcessState::Lost) return;
        s.state = state;
        s.detail = detail;
        s.at_s = now_s();
        pending_statuses.push_back(s);
    }
    void deliverStatuses(RunObserver* observer) {
        std::vector<ProcessStatus> out;
        {
            std::lock_guard l(mutex);
            out.swap(pending_statuses);
        }
        if (observer)
            for (const auto& s : out) observer->onProcessStatus(s);
    }
    bool expecting(int q) const {  // under mutex
        const auto& p = *peers[static_cast<size_t>(q)];
        return q != rank() && !p.lost && !p.got_last;
    }
    bool anyExpecting() const {
        for (int q = 0; q < world(); ++q)
            if (expecting(q)) return true;
        return false;
    }
    bool isLost(int q) const {
        std::lock_guard l(mutex);
        return peers[static_cast<size_t>(q)]->lost;
    }

    void declareLost(int q, const std::string& reason);
    void send(int q, Out out, bool last = false);
    void receiverLoop(int q);
    void handle(const torch::Tensor& buffer, int src);
    void handleEvents(const WireHeader& h, const uint8_t* payload, int src);
    void handleElasticRequest(const WireHeader& h, const uint8_t* payload, int src);
    // What an elastic request asks to move: the EASGD center (rank 0) or a passive AD-PSGD worker.
    static constexpr int kCenter = -1;
    void serveElastic(int worker, int64_t seq, int target, const torch::Tensor& x, int src);  // the reply slot is taken
    // The asking side: sends x to `owner`, waits for d and applies x -= d (EASGD: the center at
    // rate alpha; AD-PSGD: the passive worker `target` at rate 1/2, so both end at the mean).
    void elasticRoundTrip(WorkerState& self, torch::Tensor& x, int owner, int target, const std::string& lost_message);
    void heartbeatLoop();
    void checkStoreStall();
    void checkLinks();
    std::vector<Out> eventsRecords(bool final);
    void forwardSnapshots();
    // Waits until `pred` (under the mutex); a peer that `awaited` (under the mutex) names and whose
    // heartbeat reached `sent_at` more than the peer timeout ago is declared lost.
    template <typename Pred, typename Awaited>
    void waitUntil(Pred pred, RunObserver* observer, Awaited awaited, Phase sent_at, const std::string& what);
    void finalizeMirrors();
};

// One sender thread per peer process: sends its queue in order, waiting for each send to
// complete (the receiver has taken it) before the next, so messages to a peer keep their order.
class Session::Impl::Link {
public:
    Link(Impl& impl, int peer) : impl_(impl), peer_(peer), thread_([this] {
        serialIntraOpOnThisThread();
        run();
    }) {}
    ~Link() { close(0.0); }

    // False (and `done(false)`) once the link failed or its last message was queued.
    bool enqueue(Out out, bool last) {
        {
            std::lock_guard l(m_);
            if (!failed_ && !sealed_) {
                queue_.push_back(std::move(out));
                sealed_ = last;
                cv_.notify_all();
                return true;
            }
        }
        if (out.done) out.done(false);
        return false;
    }
    // The peer is lost: abort the send in flight, give up the queue.
    void fail() {
        std::lock_guard l(m_);
        if (failed_) return;
        failed_ = true;
        if (current_) current_->abort();
        cv_.notify_all();
    }
    // How long the send in flight has been going (0: none), and its size.
    double sendingFor(int64_t* bytes) {
        std::lock_guard l(m_);
        if (!busy_) return 0.0;
        *bytes = busy_bytes_;
        return std::chrono::duration<double>(Clock::now() - busy_since_).count();
    }
    // Lets the queue drain for at most `timeout_s`, then gives up what is left; joins.
    void close(double timeout_s) {
        {
            std::unique_lock l(m_);
            stopping_ = true;
            cv_.notify_all();
            cv_.wait_for(l, std::chrono::duration<double>(timeout_s), [&] { return failed_ || (queue_.empty() && !busy_); });
        }
        fail();
        if (thread_.joinable()) thread_.join();
    }

private:
    void run() {
        for (;;) {
            Out out;
            {
                std::unique_lock l(m_);
                cv_.wait(l, [&] { return failed_ || stopping_ || !queue_.empty(); });
                if (failed_ || queue_.empty()) break;
                out = std::move(queue_.front());
                queue_.pop_front();
                busy_ = true;
                busy_since_ = Clock::now();
                busy_bytes_ = out.bytes.numel();
            }
            bool sent = false;
            WorkPtr work;
            try {
                // The proof, with this link's next number on the message's channel.
                const Channel channel = out.tag == kTagMessage ? Channel::Messages : Channel::Replies;
                uint64_t& counter = channel == Channel::Messages ? messages_sealed_ : replies_sealed_;
                impl_.auth->seal(out.bytes.data_ptr<uint8_t>(), peer_, channel, counter++);
                std::vector<at::Tensor> tensors{out.bytes};
                work = impl_.pg->send(tensors, peer_, out.tag);
                {
                    std::lock_guard l(m_);
                    current_ = work;
                    if (failed_) work->abort();
                }
                sent = work->wait();
            } catch (const std::exception& e) {
                impl_.declareLost(peer_, "a send to it failed: " + errorText(e));
            }
            {
                std::lock_guard l(m_);
                current_.reset();
                busy_ = false;
                cv_.notify_all();
            }
            if (sent) {
                impl_.messages_sent.fetch_add(1, std::memory_order_relaxed);
                impl_.bytes_sent.fetch_add(out.bytes.numel(), std::memory_order_relaxed);
            } else if (work) {
                impl_.keep(work);
            }
            if (out.done) out.done(sent);
        }
        std::deque<Out> rest;
        {
            std::lock_guard l(m_);
            failed_ = true;
            rest.swap(queue_);
            cv_.notify_all();
        }
        for (auto& out : rest)
            if (out.done) out.done(false);
    }

    Impl& impl_;
    const int peer_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Out> queue_;
    bool sealed_ = false, failed_ = false, stopping_ = false, busy_ = false;
    Clock::time_point busy_since_{};
    int64_t busy_bytes_ = 0;
    uint64_t messages_sealed_ = 0, replies_sealed_ = 0;  // the sender thread's alone
    WorkPtr current_;
    std::thread thread_;  // last: starts once the members above exist
};

}  // namespace gossiplab::dist
