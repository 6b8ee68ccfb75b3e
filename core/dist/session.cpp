#include "core/dist/session.h"

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
#include "core/dist/rendezvous_records.h"
#include "core/dist/wire.h"
#include "core/train/devices.h"
#include "core/train/run_shared.h"

namespace gossiplab::dist {

namespace {

using Clock = std::chrono::steady_clock;
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

// A Gloo wait without a timeout uses its context's timeout, and a wait that times out closes
// every connection of the context for good. So the context's timeout is a year, and a blocked
// send or receive is aborted (Work::abort), never timed out.
constexpr std::chrono::milliseconds kGlooTimeout{365LL * 24 * 3600 * 1000};
constexpr auto kHeartbeatPeriod = std::chrono::milliseconds(250);
// Snapshots for rank 0's distance matrix, per worker: the newest one, at most one in flight, at
// most every 50 ms and at most 20 MB/s (a 10M-parameter model: one every 2 s); sooner when rank 0
// asks for them to evaluate the test model.
constexpr double kSnapshotMinPeriodS = 0.05;
constexpr double kSnapshotBytesPerSecond = 20e6;

std::string errorText(const std::exception& e) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
    return e.what();
}

std::string fmt(double v, int precision = 3) {
    std::ostringstream out;
    out.precision(precision);
    out << v;
    return out.str();
}

std::string workerRange(const ProcessInfo& p) {
    if (p.workers == 1) return "worker " + std::to_string(p.first_worker);
    return "workers " + std::to_string(p.first_worker) + "-" + std::to_string(p.first_worker + p.workers - 1);
}

std::string describe(const ProcessInfo& p) {
    std::string out = "rank " + std::to_string(p.rank);
    if (!p.host.empty()) out += " (" + p.host + (p.workers > 0 ? ", " + workerRange(p) : "") + ")";
    return out;
}

WireHeader readHeader(const uint8_t* data) {
    WireHeader h;
    std::memcpy(&h, data, sizeof h);
    return h;
}

// One outgoing message: exactly the bytes to send, and what to do once it is sent or given up.
struct Out {
    torch::Tensor bytes;  // uint8, CPU
    int tag = kTagMessage;
    std::function<void(bool sent)> done;
};

}  // namespace

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
    // What is wrong with an exchange's sender (a = its worker) and step tag (b), or "".
    std::string badExchangeTag(const WireHeader& h, int src) const;
    void handleEvents(const WireHeader& h, const uint8_t* payload, int src);
    void handleElasticRequest(const WireHeader& h, const uint8_t* payload, int src);
    // What an elastic request asks to move: the EASGD center (rank 0) or a passive AD-PSGD worker.
    static constexpr int kCenter = -1;
    std::string badElasticRequest(const WireHeader& h, int src) const;
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
    WorkPtr current_;
    std::thread thread_;  // last: starts once the members above exist
};

void Session::Impl::send(int q, Out out, bool last) {
    Link* link = nullptr;
    {
        std::lock_guard l(mutex);
        link = peers[static_cast<size_t>(q)]->link.get();
    }
    if (!link) {
        if (out.done) out.done(false);
        return;
    }
    link->enqueue(std::move(out), last);
}

void Session::Impl::declareLost(int q, const std::string& reason) {
    std::string message;
    Link* link = nullptr;
    {
        std::lock_guard l(mutex);
        auto& p = *peers[static_cast<size_t>(q)];
        if (q == rank() || p.lost || p.got_last || closed) return;
        link = p.link.get();
        p.lost = true;
        lost_order.push_back(q);
        message = describe(p.status.process) + " was lost " + fmt(shared ? shared->elapsedSeconds() : now_s(), 3) + " s into the run: " + reason;
        setStatus(q, ProcessState::Lost, reason);
        p.status.state = ProcessState::Lost;
        // Its receive may be held by a half-read message (a link that went down mid-message
        // closes nothing): aborted; the other peers' receivers are not concerned.
        if (auto it = receives.find(q); it != receives.end()) it->second->abort();
        for (auto& w : reply_waits)
            if (w.owner == q) w.work->abort();
    }
    cv.notify_all();
    slot_cv.notify_all();
    if (link) link->fail();
    if (!shared) return;
    for (auto& w : shared->workers)
        if (!w->local && w->rank == q) w->done.store(true);
    shared->postMessage(message);
    shared->endWith(RunStatus::Failed, message);
}

// --- receiving -------------------------------------------------------------------------------

// One receiver thread per peer process, with one receive posted from that peer only: a peer
// whose link fails mid-message, or that is lost, never holds up or swallows another's messages.
// (A receive-from-any could not give that: Gloo keeps an aborted receive registered, and it
// took the next message of a surviving peer, e.g. its final report, which was then never read.)
// Messages from one peer are handled in the order sent; different peers' in parallel.
void Session::Impl::receiverLoop(int q) {
    const size_t size = sizeof(WireHeader) + max_payload;
    torch::Tensor buffer = hostBytes(size);
    for (;;) {
        {
            std::lock_guard l(mutex);
            if (receiver_stop || !expecting(q)) break;
        }
        WorkPtr work;
        try {
            std::vector<at::Tensor> tensors{buffer};
            work = pg->recv(tensors, q, kTagMessage);
        } catch (const std::exception& e) {
            declareLost(q, "a receive from it failed: " + errorText(e));
            break;
        }
        {
            std::lock_guard l(mutex);
            receives[q] = work;
            if (receiver_stop || !expecting(q)) work->abort();
        }
        bool ok = false;
        try {
            ok = work->wait();
        } catch (const std::exception& e) {
            declareLost(q, "a receive from it failed: " + errorText(e));
        }
        {
            std::lock_guard l(mutex);
            receives.erase(q);
        }
        if (!ok) {
            // Aborted (lost, or nothing more expected) or failed. It may still be registered with
            // Gloo, so no other receive from q is posted after it.
            keep(work);
            break;
        }
        try {
            handle(buffer, q);
        } catch (const std::exception& e) {
            declareLost(q, "its message could not be read: " + errorText(e));
        }
    }
}

std::string Session::Impl::badExchangeTag(const WireHeader& h, int src) const {
    // The sender speaks for its own workers only.
    const int m = shared->global_workers;
    if (h.a < 0 || h.a >= static_cast<int64_t>(rank_of_worker.size()) || rank_of_worker[static_cast<size_t>(h.a)] != src)
        return "an exchange from worker " + std::to_string(h.a) + ", which it does not run";
    if (shared->config.algorithm == Algorithm::Sgp) {
        // A push of the sender's step j goes to the worker 2^(j mod L) ahead (worker.cpp).
        if (h.b < 0) return "an SGP exchange without a step (tag " + std::to_string(h.b) + ")";
        int shifts = 0;
        while ((int64_t{1} << shifts) < m) ++shifts;
        const int64_t peer = shifts == 0 ? h.a : (h.a + (int64_t{1} << (h.b % shifts))) % m;
        if (peer != h.worker)
            return "an SGP exchange of step " + std::to_string(h.b) + " from worker " + std::to_string(h.a) + " to worker " +
                   std::to_string(h.worker) + " (that step pushes to worker " + std::to_string(peer) + ")";
    } else if (h.b != MergingInbox::kNow) {
        return "a GoSGD exchange tagged with step " + std::to_string(h.b) + " (GoSGD's are untagged)";
    } else if (h.a == h.worker) {
        return "an exchange from worker " + std::to_string(h.a) + " to itself";
    }
    return {};
}

void Session::Impl::handle(const torch::Tensor& buffer, int src) {
    const uint8_t* data = buffer.data_ptr<uint8_t>();
    const WireHeader h = readHeader(data);
    if (h.magic != kMagic || h.version != kProtocolVersion || h.payload_bytes > max_payload) {
        declareLost(src, "it sent a message this GossipLab does not understand");
        return;
    }
    const uint8_t* payload = data + sizeof(WireHeader);
    const auto type = static_cast<MessageType>(h.type);
    // A mirror of a worker that the sender runs (a rank never speaks for another's workers).
    auto mirror = [&](int w) -> WorkerState* {
        if (w < 0 || w >= static_cast<int>(shared->by_index.size())) return nullptr;
        WorkerState* state = shared->by_index[static_cast<size_t>(w)];
        return state && !state->local && state->rank == src ? state : nullptr;
    };
    // What a model-carrying message must satisfy before a byte of it is used: exactly one model
    // of payload and an alpha that a worker can hold. A message that fails is a protocol error.
    const size_t model_bytes = static_cast<size_t>(P) * sizeof(float);
    auto badModelMessage = [&](const char* what) -> bool {
        std::string problem;
        if (h.payload_bytes != model_bytes)
            problem = std::string(what) + " of " + std::to_string(h.payload_bytes) + " bytes (a model is " + std::to_string(model_bytes) + ")";
        else if (!std::isfinite(h.value) || h.value <= 0.0 || h.value > 1.0 + 1e-9)
            problem = std::string(what) + " with alpha " + fmt(h.value, 6) + " (allowed: above 0, at most 1)";
        if (problem.empty()) return false;
        declareLost(src, "it sent " + problem);
        return true;
    };
    auto validStatus = [](int64_t status) {
        return status >= static_cast<int64_t>(RunStatus::Running) && status <= static_cast<int64_t>(RunStatus::Interrupted);
    };
    switch (type) {
        case MessageType::Gossip: {
            if (badModelMessage("an exchange")) return;
            if (auto problem = badExchangeTag(h, src); !problem.empty()) {
                declareLost(src, "it sent " + problem);
                return;
            }
            WorkerState* target = h.worker >= 0 && h.worker < static_cast<int>(shared->by_index.size())
                                      ? shared->by_index[static_cast<size_t>(h.worker)]
                                      : nullptr;
            if (!target || !target->local || !target->inbox) {
                shared->postMessage("an exchange for worker " + std::to_string(h.worker) + " reached rank " +
                                    std::to_string(rank()) + ", which does not run it: its alpha " + fmt(h.value, 6) + " is lost");
                return;
            }
            const auto y = torch::from_blob(const_cast<uint8_t*>(payload), {P}, torch::kFloat32);
            {
                std::shared_lock ledger(shared->ledger);
                target->inbox->merge(y, h.value, h.b);
                shared->alpha_in.fetch_add(h.value);
            }
            std::lock_guard l(mutex);
            ++peers[static_cast<size_t>(src)]->gossip_in;
            peers[static_cast<size_t>(src)]->alpha_in += h.value;
            return;
        }
        case MessageType::ElasticRequest:
            handleElasticRequest(h, payload, src);
            return;
        case MessageType::Events:
            handleEvents(h, payload, src);
            return;
        case MessageType::Final:
            handleEvents(h, payload, src);
            for (auto& w : shared->workers)
                if (!w->local && w->rank == src) w->done.store(true);
            {
                std::lock_guard l(mutex);
                peers[static_cast<size_t>(src)]->got_last = true;
                setStatus(src, ProcessState::Finished, "");
            }
            cv.notify_all();
            return;
        case MessageType::Snapshot:
        case MessageType::FinalWorker: {
            WorkerState* m = mirror(h.worker);
            if (!m) {
                declareLost(src, "it sent the weights of worker " + std::to_string(h.worker) + ", which it does not run");
                return;
            }
            if (h.payload_bytes != model_bytes) {
                declareLost(src, "it sent weights of " + std::to_string(h.payload_bytes) + " bytes (a model is " + std::to_string(model_bytes) + ")");
                return;
            }
            const auto x = torch::from_blob(const_cast<uint8_t*>(payload), {P}, torch::kFloat32);
            {
                std::lock_guard l(m->snapshot_mutex);
                if (!m->snapshot.defined()) m->snapshot = torch::empty({P}, torch::kFloat32);
                m->snapshot.copy_(x);
                m->snapshot_alpha = h.value;
                if (type == MessageType::Snapshot && h.a > m->served_snapshot_request.load())
                    m->served_snapshot_request.store(h.a);
                m->snapshot_seq.fetch_add(1);
            }
            if (type == MessageType::FinalWorker) {
                std::unique_lock ledger(shared->ledger);
                m->flat.weights = x.clone();
                m->alpha.store(h.value);
                m->window_loss.store(h.value2);
                m->iteration.store(h.a);
                m->images.store(h.b);
                m->done.store(true);
            }
            return;
        }
        case MessageType::SnapshotRequest: {
            int64_t current = shared->snapshot_request.load();
            while (current < h.seq && !shared->snapshot_request.compare_exchange_weak(current, h.seq)) {
            }
            return;
        }
        case MessageType::Setting: {
            // Only rank 0 changes the run's live settings, and only to values a run accepts.
            const bool is_p = h.a == 0;
            if (src != 0 || (h.a != 0 && h.a != 1)) {
                declareLost(src, "it sent a setting change, which only rank 0 may send");
                return;
            }
            if (auto error = validateLiveSetting(is_p ? "p" : "learning-rate", h.value, shared->config)) {
                declareLost(src, "it sent " + std::string(is_p ? "p" : "learning-rate") + " = " + fmt(h.value, 6) + ": " + error->message);
                return;
            }
            auto& target = is_p ? shared->p : shared->learning_rate;
            const double old_value = target.exchange(h.value);
            if (old_value != h.value) {
                std::lock_guard l(shared->events_mutex);
                shared->pending_changes.push_back({shared->meanPoint(), is_p ? "p" : "learning-rate", old_value, h.value, "rank 0"});
            }
            return;
        }
        case MessageType::Stop: {
            if (!validStatus(h.a) || h.a == static_cast<int64_t>(RunStatus::Running)) {
                declareLost(src, "it sent a stop with an unknown run status " + std::to_string(h.a));
                return;
            }
            ByteReader r(payload, h.payload_bytes);
            const std::string reason = r.getString();
            if (!r.atEnd()) throw std::runtime_error("a stop of " + std::to_string(h.payload_bytes) + " bytes, more than it holds");
            shared->endWith(static_cast<RunStatus>(h.a), reason, false);
            return;
        }
        case MessageType::Bye: {
            int64_t received = 0;
            double alpha_received = 0.0;
            {
                std::lock_guard l(mutex);
                auto& p = *peers[static_cast<size_t>(src)];
                p.got_bye = true;
                received = p.gossip_in;
                alpha_received = p.alpha_in;
                if (rank() != 0 && src != 0) {
                    p.got_last = true;
                    setStatus(src, ProcessState::Finished, "");
                }
            }
            // The audit of this link: exchanges and alpha sent (the Bye's count and value) against
            // what arrived. The sums may be added in another order on each side when several
            // workers push over one link: rounding of at most a few ulps per exchange is allowed.
            const double tolerance = 4.0 * std::numeric_limits<double>::epsilon() * static_cast<double>(std::max<int64_t>(h.a, 1)) *
                                     std::max(1.0, std::abs(h.value));
            if (!std::isfinite(h.value) || h.value < 0.0) {
                declareLost(src, "it sent a Bye with alpha " + fmt(h.value, 6));
                return;
            }
            if (received != h.a || std::abs(alpha_received - h.value) > tolerance) {
                std::ostringstream out;
                out.precision(17);
                out << "alpha audit: rank " << src << " sent " << h.a << " exchanges carrying alpha " << h.value << " to rank " << rank()
                    << ", " << received << " carrying " << alpha_received << " arrived";
                shared->postMessage(out.str());
                shared->endWith(RunStatus::Failed, out.str());
            }
            if (rank() == 0)
                for (auto& w : shared->workers)
                    if (!w->local && w->rank == src) w->done.store(true);
            cv.notify_all();
            return;
        }
        case MessageType::End: {
            if (src != 0) {
                declareLost(src, "it sent the run's end, which only rank 0 may send");
                return;
            }
            ByteReader r(payload, h.payload_bytes);
            RunResult result;
            const int32_t status = r.get<int32_t>();
            if (!validStatus(status)) {
                declareLost(src, "it sent an end with an unknown run status " + std::to_string(status));
                return;
            }
            result.status = static_cast<RunStatus>(status);
            result.message = r.getString();
            result.alpha_sum = r.get<double>();
            result.alpha_lost = r.get<double>();
            result.final_test_loss = r.get<double>();
            result.final_test_accuracy = r.get<double>();
            result.consensus_distance = r.get<double>();
            result.final_mean_loss = r.get<double>();
            result.images_per_second = r.get<double>();
            result.images_done = r.get<int64_t>();
            result.messages = r.get<int64_t>();
            const int lost = r.get<int32_t>();
            if (lost < 0 || lost > world()) throw std::runtime_error("an end naming " + std::to_string(lost) + " lost ranks");
            for (int k = 0; k < lost; ++k) result.lost_ranks.push_back(r.get<int32_t>());
            if (!r.atEnd()) throw std::runtime_error("an end of " + std::to_string(h.payload_bytes) + " bytes, more than it holds");
            {
                std::lock_guard l(mutex);
                end_result = result;
                got_end = true;
                peers[0]->got_last = true;
                setStatus(0, ProcessState::Finished, "");
            }
            cv.notify_all();
            return;
        }
        case MessageType::ElasticReply:
            return;  // replies go to the asking worker's own tag, never here
    }
    declareLost(src, "it sent a message of unknown type " + std::to_string(h.type));
}

void Session::Impl::handleEvents(const WireHeader& h, const uint8_t* payload, int src) {
    static_assert(kReportPhases == static_cast<size_t>(WorkerState::PhaseCount), "a report carries every phase");
    EventsRecord record;
    if (const std::string bad = decodeEvents(payload, h.payload_bytes, &record); !bad.empty()) throw std::runtime_error(bad);
    // Only the rank that runs a worker reports it (a rank never speaks for another's workers).
    auto mirrorOf = [&](int index) -> WorkerState* {
        if (index < 0 || index >= static_cast<int>(shared->by_index.size())) return nullptr;
        WorkerState* m = shared->by_index[static_cast<size_t>(index)];
        return m && !m->local && m->rank == src ? m : nullptr;
    };
    for (const auto& report : record.workers)
        if (!mirrorOf(report.index)) throw std::runtime_error("a report about worker " + std::to_string(report.index) + ", which it does not run");
    for (const auto& sample : record.samples)
        if (!mirrorOf(sample.worker)) throw std::runtime_error("a sample of worker " + std::to_string(sample.worker) + ", which it does not run");
    {
        std::unique_lock ledger(shared->ledger);  // alphaLedger() reads Q under the exclusive lock
        peers[static_cast<size_t>(src)]->q = record.q;
        peers[static_cast<size_t>(src)]->held = record.held;
    }
    for (const auto& report : record.workers) {
        WorkerState* m = mirrorOf(report.index);
        m->iteration.store(report.iteration);
        m->images.store(report.images);
        m->sent.store(report.sent);
        m->received.store(report.received);
        m->window_loss.store(report.loss);
        if (h.type != static_cast<uint16_t>(MessageType::Final)) m->alpha.store(report.alpha);
        m->center_distance.store(report.center_distance);
        for (size_t p = 0; p < report.phase_ns.size(); ++p) m->phase_ns[p].store(report.phase_ns[p]);
        m->wait_ns.store(report.wait_ns);
        if (report.done) m->done.store(true);
    }
    std::vector<std::string> texts;
    for (const auto& text : record.messages) texts.push_back("rank " + std::to_string(src) + ": " + text);
    std::lock_guard l(shared->events_mutex);
    shared->pending_samples.insert(shared->pending_samples.end(), record.samples.begin(), record.samples.end());
    shared->pending_messages.insert(shared->pending_messages.end(), texts.begin(), texts.end());
}

// What is wrong with an elastic request from `src` (h.a is what it moves), or "".
std::string Session::Impl::badElasticRequest(const WireHeader& h, int src) const {
    const int asker = h.worker, target = static_cast<int>(h.a);
    const int total = static_cast<int>(rank_of_worker.size());
    if (asker < 0 || asker >= total || rank_of_worker[static_cast<size_t>(asker)] != src || src == rank())
        return "it asked for an elastic step of worker " + std::to_string(asker) + ", which it does not run";
    if (target == kCenter) {
        if (rank() != 0 || !shared->center.defined()) return "it asked this rank for an EASGD center it does not hold";
    } else if (shared->config.algorithm != Algorithm::AdPsgd || target < 0 || target >= total ||
               rank_of_worker[static_cast<size_t>(target)] != rank() || target % 2 != 1 || asker % 2 != 0) {
        return "it asked worker " + std::to_string(asker) + " to average with worker " + std::to_string(target) +
               " (AD-PSGD pairs an even worker with an odd one of the rank asked)";
    }
    if (h.payload_bytes != static_cast<uint64_t>(P) * 4)
        return "it sent an elastic request of " + std::to_string(h.payload_bytes) + " bytes (a model is " + std::to_string(P * 4) + ")";
    return {};
}

void Session::Impl::handleElasticRequest(const WireHeader& h, const uint8_t* payload, int src) {
    if (const std::string bad = badElasticRequest(h, src); !bad.empty()) {
        declareLost(src, bad);
        return;
    }
    const int target = static_cast<int>(h.a);
    const auto x = torch::from_blob(const_cast<uint8_t*>(payload), {P}, torch::kFloat32);
    Slot& reply = replies[static_cast<size_t>(h.worker)];
    bool too_many = false;
    {
        std::lock_guard l(slot_mutex);
        if (reply.busy) {
            auto& pending = elastic_pending[static_cast<size_t>(h.worker)];
            if (pending.size() < kMaxPendingElastic)
                pending.push_back({src, h.seq, target, x.clone()});  // the receive buffer is reused at once
            else
                too_many = true;
            if (!too_many) return;
        } else {
            reply.busy = true;
            if (!reply.bytes.defined()) reply.bytes = hostBytes(sizeof(WireHeader) + static_cast<size_t>(P) * 4);
        }
    }
    if (too_many) {
        declareLost(src, "it sent more than " + std::to_string(kMaxPendingElastic + 1) + " elastic requests for worker " +
                             std::to_string(h.worker) + " without waiting for the replies");
        return;
    }
    serveElastic(h.worker, h.seq, target, x, src);
}

void Session::Impl::serveElastic(int worker, int64_t seq, int target, const torch::Tensor& x, int src) {
    Slot& reply = replies[static_cast<size_t>(worker)];
    torch::NoGradGuard no_grad;
    auto d = floats(reply.bytes, P);
    // d = rate (x - c), c += d, under c's lock; the asker applies x -= d with the same floats.
    auto moveToward = [&](torch::Tensor& c, double rate) {
        double distance = 0.0;
        if (c.is_cpu()) {
            d.copy_(x).sub_(c);
            distance = d.norm().item<double>();
            d.mul_(rate);
            c.add_(d);
        } else {
            auto diff = x.to(c.device()).sub_(c);
            distance = diff.norm().item<double>();
            diff.mul_(rate);
            c.add_(diff);
            d.copy_(diff);
        }
        return distance;
    };
    double distance = 0.0;
    if (target == kCenter) {
        std::lock_guard lock(shared->center_mutex);
        distance = moveToward(shared->center, shared->config.effectiveEasgdAlpha());
        shared->elastic_steps.fetch_add(1, std::memory_order_relaxed);
        if (WorkerState* m = shared->by_index[static_cast<size_t>(worker)]) m->center_distance.store(distance);
    } else {
        WorkerState& passive = *shared->by_index[static_cast<size_t>(target)];
        std::lock_guard lock(passive.model_mutex);
        distance = moveToward(passive.public_weights, 0.5);  // both end at the mean
        passive.received.fetch_add(1, std::memory_order_relaxed);
    }
    WireHeader r;
    r.type = static_cast<uint16_t>(MessageType::ElasticReply);
    r.sender = rank();
    r.worker = worker;
    r.seq = seq;
    r.a = target;
    r.value = distance;
    r.payload_bytes = static_cast<uint64_t>(P) * 4;
    std::memcpy(reply.bytes.data_ptr<uint8_t>(), &r, sizeof r);
    // Once the reply is out, the slot serves the next request that waited for it (on the link's
    // thread), or is free again.
    send(src, Out{reply.bytes, kTagReplyBase + worker, [this, worker, &reply](bool sent) {
                      PendingElastic next;
                      {
                          std::lock_guard l(slot_mutex);
                          auto& pending = elastic_pending[static_cast<size_t>(worker)];
                          if (!sent) pending.clear();  // its asker is lost
                          if (pending.empty()) {
                              reply.busy = false;
                              slot_cv.notify_all();
                              return;
                          }
                          next = std::move(pending.front());
                          pending.pop_front();
                      }
                      serveElastic(worker, next.seq, next.target, next.x, next.src);
                  }});
}

// --- liveness ----------------------------------------------------------------------------------

void Session::Impl::heartbeatLoop() {
    const auto store = rendezvous.store();
    const auto timeout = std::chrono::duration<double>(options.peer_timeout_s);
    std::vector<int64_t> last(static_cast<size_t>(world()), -1);
    std::vector<Clock::time_point> changed(static_cast<size_t>(world()), Clock::now());
    const std::string prefix = "gossiplab/hb/", phase_prefix = "gossiplab/phase/";
    int published = Running;
    for (;;) {
        bool stopping = false;
        {
            std::lock_guard l(hb_mutex);
            stopping = hb_stop;
        }
        try {
            // The end-of-run step this process reached (its last one too, on the way out).
            if (const int now_phase = phase.load(); now_phase != published) {
                store->add(phase_prefix + std::to_string(rank()), now_phase - published);
                published = now_phase;
            }
            if (stopping) break;
            store->add(prefix + std::to_string(rank()), 1);
            for (int q = 0; q < world(); ++q) {
                {
                    std::lock_guard l(mutex);
                    if (!expecting(q)) continue;
                }
                const int64_t beat = store->add(prefix + std::to_string(q), 0);
                const int64_t their_phase = store->add(phase_prefix + std::to_string(q), 0);
                const auto now = Clock::now();
                {
                    std::lock_guard l(mutex);
                    auto& p = *peers[static_cast<size_t>(q)];
                    if (their_phase != p.phase) {
                        p.phase = their_phase;
                        p.phase_seen = now;
                    }
                }
                if (beat != last[static_cast<size_t>(q)]) {
                    last[static_cast<size_t>(q)] = beat;
                    changed[static_cast<size_t>(q)] = now;
                } else if (now - changed[static_cast<size_t>(q)] > timeout) {
                    declareLost(q, "no heartbeat for " + fmt(std::chrono::duration<double>(now - changed[static_cast<size_t>(q)]).count(), 2) + " s");
                }
            }
            hb_round_ns.store(Clock::now().time_since_epoch().count());
        } catch (const std::exception& e) {
            if (rank() != 0 && !stopping) declareLost(0, "its rendezvous (the TCPStore) stopped answering: " + errorText(e));
            break;
        }
        std::unique_lock l(hb_mutex);
        hb_cv.wait_for(l, kHeartbeatPeriod, [&] { return hb_stop; });
    }
}

void Session::Impl::checkStoreStall() {
    if (rank() == 0 || !heartbeat.joinable()) return;
    const auto last = Clock::time_point(Clock::duration(hb_round_ns.load()));
    const double silent = std::chrono::duration<double>(Clock::now() - last).count();
    if (silent > options.peer_timeout_s + 1.0)
        declareLost(0, "its rendezvous (the TCPStore) has not answered for " + fmt(silent, 2) + " s");
}

// A live but wedged peer (its heartbeat moves, its connection takes nothing: a half-broken link,
// a firewall that lets the store through but not Gloo, a receiver that stopped) is never found by
// the heartbeat: a send to it that has not completed within twice the peer timeout plus its size
// at 1 MB/s declares it lost. Twice: a frozen peer is found by its heartbeat first.
void Session::Impl::checkLinks() {
    std::vector<std::pair<int, std::string>> wedged;
    {
        std::lock_guard l(mutex);
        if (closed) return;
        for (int q = 0; q < world(); ++q) {
            const auto& p = *peers[static_cast<size_t>(q)];
            if (q == rank() || p.lost || !p.link) continue;
            int64_t bytes = 0;
            const double for_s = p.link->sendingFor(&bytes);
            const double limit = 2.0 * options.peer_timeout_s + static_cast<double>(bytes) / 1e6;
            if (for_s > limit)
                wedged.emplace_back(q, "a send of " + fmt(static_cast<double>(bytes) / 1e6, 3) + " MB to it has not completed in " + fmt(for_s, 3) +
                                           " s (its heartbeat goes on: its connection takes nothing)");
        }
    }
    for (const auto& [q, reason] : wedged) declareLost(q, reason);
}

template <typename Pred, typename Awaited>
void Session::Impl::waitUntil(Pred pred, RunObserver* observer, Awaited awaited, Phase sent_at, const std::string& what) {
    for (;;) {
        {
            std::unique_lock l(mutex);
            if (cv.wait_for(l, std::chrono::milliseconds(200), pred)) break;
        }
        deliverStatuses(observer);
        checkStoreStall();
        checkLinks();
        // The deadline: a peer whose heartbeat says it finished sending what this process waits
        // for, and from which it has not arrived within the peer timeout (plus a heartbeat round
        // on each side), is lost. A peer still training is waited for: its heartbeat shows it lives.
        std::vector<std::pair<int, double>> overdue;
        {
            std::lock_guard l(mutex);
            const auto now = Clock::now();
            for (int q = 0; q < world(); ++q) {
                const auto& p = *peers[static_cast<size_t>(q)];
                if (q == rank() || p.lost || !awaited(q) || p.phase < sent_at) continue;
                const double late = std::chrono::duration<double>(now - p.phase_seen).count();
                if (late > options.peer_timeout_s + 2.0 * std::chrono::duration<double>(kHeartbeatPeriod).count())
                    overdue.emplace_back(q, late);
            }
        }
        for (const auto& [q, late] : overdue)
            declareLost(q, "its " + what + " has not arrived " + fmt(late, 2) + " s after it was sent (by its heartbeat)");
    }
    deliverStatuses(observer);
}

// --- ranks > 0: metrics to rank 0 --------------------------------------------------------------

std::vector<Out> Session::Impl::eventsRecords(bool final) {
    std::vector<WorkerSample> samples;
    std::vector<std::string> texts;
    {
        std::lock_guard l(forward_mutex);
        samples.swap(forward_samples);
        texts.swap(forward_messages);
    }
    // This process's exact Q_r and the part of it its workers hold, read together (alphaElsewhere
    // is empty here).
    const AlphaLedger mine = shared->alphaLedger();
    std::vector<Out> out;
    size_t next = 0, next_text = 0;
    do {
        EventsRecord record;
        record.q = mine.held + mine.waiting;
        record.held = mine.held;
        for (auto& state : shared->workers) {
            if (!state->local) continue;
            const WorkerState& s = *state;
            WorkerReport& r = record.workers.emplace_back();
            r.index = s.index;
            r.iteration = s.iteration.load();
            r.images = s.images.load();
            r.sent = s.sent.load();
            r.received = s.received.load();
            r.loss = s.window_loss.load();
            r.alpha = s.alpha.load();
            r.center_distance = s.center_distance.load();
            r.done = s.done.load();
            for (size_t p = 0; p < r.phase_ns.size(); ++p) r.phase_ns[p] = s.phase_ns[p].load();
            r.wait_ns = s.wait_ns.load();
        }
        const size_t count = std::min(kSamplesPerRecord, samples.size() - next);
        record.samples.assign(samples.begin() + static_cast<std::ptrdiff_t>(next), samples.begin() + static_cast<std::ptrdiff_t>(next + count));
        next += count;
        const size_t message_count = std::min(texts.size() - next_text, kMessagesPerRecord);
        for (size_t k = 0; k < message_count; ++k) record.messages.push_back(texts[next_text + k].substr(0, kMaxMessageBytes));
        next_text += message_count;
        const bool last_record = next >= samples.size() && next_text >= texts.size();
        WireHeader h;
        h.type = static_cast<uint16_t>(final && last_record ? MessageType::Final : MessageType::Events);
        const std::vector<uint8_t> bytes = encodeEvents(record);
        out.push_back(Out{message(h, bytes.data(), bytes.size()), kTagMessage, {}});
    } while (next < samples.size() || next_text < texts.size());
    return out;
}

void Session::Impl::forwardSnapshots() {
    const auto now = Clock::now();
    for (auto& state : shared->workers) {
        if (!state->local) continue;
        WorkerState& w = *state;
        const size_t i = static_cast<size_t>(w.index - first_worker);
        const int64_t seq = w.snapshot_seq.load();
        const int64_t served = w.served_snapshot_request.load();
        if (seq == forwarded_seq[i]) continue;
        const bool asked = served > forwarded_served[i];
        const double period = std::max(kSnapshotMinPeriodS, 4.0 * static_cast<double>(P) / kSnapshotBytesPerSecond);
        if (!asked && std::chrono::duration<double>(now - forwarded_at[i]).count() < period) continue;
        Slot& slot = snapshot_slots[i];
        {
            std::lock_guard l(slot_mutex);
            if (slot.busy) continue;
            slot.busy = true;
            if (!slot.bytes.defined()) slot.bytes = hostBytes(sizeof(WireHeader) + static_cast<size_t>(P) * 4);
        }
        WireHeader h;
        h.type = static_cast<uint16_t>(MessageType::Snapshot);
        h.sender = rank();
        h.worker = w.index;
        h.payload_bytes = static_cast<uint64_t>(P) * 4;
        {
            std::lock_guard l(w.snapshot_mutex);
            floats(slot.bytes, P).copy_(w.snapshot);
            h.value = w.snapshot_alpha;
            h.seq = w.snapshot_seq.load();
            h.a = w.served_snapshot_request.load();
        }
        std::memcpy(slot.bytes.data_ptr<uint8_t>(), &h, sizeof h);
        forwarded_seq[i] = h.seq;
        forwarded_served[i] = h.a;
        forwarded_at[i] = now;
        send(0, Out{slot.bytes, kTagMessage, [this, &slot](bool) {
                        std::lock_guard l(slot_mutex);
                        slot.busy = false;
                        slot_cv.notify_all();
                    }});
    }
}

void Session::Impl::finalizeMirrors() {
    // Which ranks are lost, read under the mutex (a heartbeat or a link may declare one now).
    std::vector<bool> lost_rank(static_cast<size_t>(world()), false);
    {
        std::lock_guard l(mutex);
        for (int q = 0; q < world(); ++q) lost_rank[static_cast<size_t>(q)] = peers[static_cast<size_t>(q)]->lost;
    }
    std::unique_lock ledger(shared->ledger);
    for (auto& state : shared->workers) {
        if (state->local) continue;
        WorkerState& m = *state;
        const bool lost = lost_rank[static_cast<size_t>(m.rank)];
        if (lost || !m.flat.weights.defined()) {
            std::lock_guard l(m.snapshot_mutex);
            m.flat.weights = m.snapshot.defined() ? m.snapshot.clone() : initial.clone();
        }
        if (lost) m.alpha.store(0.0);  // lost with its process
        m.done.store(true);
    }
}

// ---------------------------------------------------------------------------------------------

Session::Session(const DistributedOptions& options) : impl_(std::make_shared<Impl>(options)) {}

Session::~Session() { close(); }

int Session::rank() const { return impl_->rank(); }
int Session::world() const { return impl_->world(); }

Plan Session::rendezvous(const RunConfig& local_config, const LocalProcess& local, const RendezvousCallbacks& callbacks) {
    auto& s = *impl_;
    {
        std::lock_guard l(s.mutex);
        s.peers.clear();
        for (int r = 0; r < s.world(); ++r) {
            auto p = std::make_unique<Impl::Peer>();
            p->status.process.rank = r;
            s.peers.push_back(std::move(p));
        }
    }
    RendezvousCallbacks wrapped = callbacks;
    wrapped.on_status = [&s, callbacks](const ProcessStatus& status) {
        {
            std::lock_guard l(s.mutex);
            s.peers[static_cast<size_t>(status.process.rank)]->status = status;
        }
        if (callbacks.on_status) callbacks.on_status(status);
    };
    s.plan = s.rendezvous.run(local_config, local, wrapped);
    std::lock_guard l(s.mutex);
    for (const auto& p : s.plan.processes) s.peers[static_cast<size_t>(p.rank)]->status.process = p;
    return s.plan;
}

void Session::connect(torch::Tensor& initial_weights) {
    auto& s = *impl_;
    s.initial = initial_weights;
    s.hb_round_ns.store(Clock::now().time_since_epoch().count());
    std::promise<void> done;
    s.heartbeat_done = done.get_future();
    // The thread owns a share of the state: close() may leave it behind in a store call that does
    // not return (a frozen rank 0), and when that call finally fails, after the Session is gone,
    // the thread still reads `closed` (set by close: no loss is declared) from live memory.
    s.heartbeat = std::thread([self = impl_, done = std::move(done)]() mutable {
        self->heartbeatLoop();
        done.set_value();
    });

    // The process group comes up on a helper thread: Gloo waits for every connection with the
    // context's (year-long) timeout, and a rank that dies now must not hang this one.
    struct State {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::string error;
        c10::intrusive_ptr<c10d::ProcessGroupGloo> pg, collectives;
    };
    auto state = std::make_shared<State>();
    const bool synchronous = isSynchronous(s.plan.config.algorithm);
    const auto collective_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(1000.0 * std::max(60.0, 4.0 * s.options.peer_timeout_s)));
    std::thread([state, store = s.rendezvous.store(), bind = s.rendezvous.bindAddress(), iface = s.rendezvous.bindIsInterface(),
                 rank = s.rank(), world = s.world(), weights = initial_weights, synchronous, collective_timeout]() mutable {
        std::string error;
        c10::intrusive_ptr<c10d::ProcessGroupGloo> pg, collectives;
        try {
            auto group = [&](const char* name, std::chrono::milliseconds timeout) {
                auto options = c10d::ProcessGroupGloo::Options::create(timeout);
                options->devices.push_back(iface ? c10d::ProcessGroupGloo::createDeviceForInterface(bind)
                                                 : c10d::ProcessGroupGloo::createDeviceForHostname(bind));
                options->threads = 1;
                auto prefix = c10::make_intrusive<c10d::PrefixStore>(name, store);
                return c10::make_intrusive<c10d::ProcessGroupGloo>(prefix, rank, world, options);
            };
            pg = group("gossiplab/pg", kGlooTimeout);
            if (synchronous) collectives = group("gossiplab/collectives", collective_timeout);
            std::vector<at::Tensor> tensors{weights};
            c10d::BroadcastOptions broadcast;
            broadcast.rootRank = 0;
            pg->broadcast(tensors, broadcast)->wait();
        } catch (const std::exception& e) {
            error = errorText(e);
        }
        std::lock_guard l(state->m);
        state->pg = pg;
        state->collectives = collectives;
        state->error = error;
        state->done = true;
        state->cv.notify_all();
    }).detach();

    const auto deadline = Clock::now() + std::chrono::duration<double>(s.options.join_timeout_s);
    std::unique_lock l(state->m);
    while (!state->cv.wait_for(l, std::chrono::milliseconds(100), [&] { return state->done; })) {
        std::string lost;
        {
            std::lock_guard pl(s.mutex);
            for (const auto& p : s.peers)
                if (p->lost) lost = describe(p->status.process) + " was lost while connecting: " + p->status.detail;
        }
        if (!lost.empty()) throw std::runtime_error(lost);
        if (Clock::now() > deadline)
            throw std::runtime_error("the Gloo connections between the " + std::to_string(s.world()) + " processes did not come up within " +
                                     fmt(s.options.join_timeout_s) + " s (can every host reach the others' addresses? see --bind)");
    }
    if (!state->error.empty())
        throw std::runtime_error("the Gloo process group failed (Gloo on " + s.rendezvous.bindAddress() + "): " + state->error);
    s.pg = state->pg;
    s.collectives = state->collectives;
}

void Session::allReduceSum(torch::Tensor& buffer) {
    auto& s = *impl_;
    if (!s.collectives) throw std::runtime_error("internal: a synchronous round without the collectives' process group");
    std::vector<at::Tensor> tensors{buffer};
    try {
        s.collectives->allreduce(tensors)->wait();
    } catch (const std::exception& e) {
        throw std::runtime_error("the all-reduce of a synchronous round failed (a process was lost?): " + errorText(e));
    }
}

void Session::start(RunShared& shared) {
    auto& s = *impl_;
    s.shared = &shared;
    s.P = s.initial.numel();
    s.max_payload = std::max(static_cast<size_t>(s.P) * 4, kMinPayloadBytes);
    const ProcessInfo& me = s.plan.processes[static_cast<size_t>(s.rank())];
    s.first_worker = me.first_worker;
    s.local_workers = me.workers;
    for (const auto& w : shared.workers)
        if (w->local && w->device.is_cuda()) s.pinned = true;
    s.rank_of_worker.assign(static_cast<size_t>(s.plan.total_workers), 0);
    for (const auto& p : s.plan.processes)
        for (int k = 0; k < p.workers; ++k) s.rank_of_worker[static_cast<size_t>(p.first_worker + k)] = p.rank;
    s.push_slots.resize(static_cast<size_t>(s.local_workers));
    s.elastic.resize(static_cast<size_t>(s.local_workers));
    s.snapshot_slots.resize(static_cast<size_t>(s.local_workers));
    s.forwarded_seq.assign(static_cast<size_t>(s.local_workers), 0);
    s.forwarded_served.assign(static_cast<size_t>(s.local_workers), 0);
    s.forwarded_at.assign(static_cast<size_t>(s.local_workers), Clock::now() - std::chrono::hours(1));
    s.replies.resize(static_cast<size_t>(s.plan.total_workers));
    s.elastic_pending.resize(static_cast<size_t>(s.plan.total_workers));
    {
        std::unique_lock ledger(shared.ledger);
        for (const auto& p : s.plan.processes) {
            auto& peer = *s.peers[static_cast<size_t>(p.rank)];
            peer.q = peer.held = static_cast<double>(p.workers) / s.plan.total_workers;  // each worker starts with 1/M
        }
    }
    {
        std::lock_guard l(s.mutex);
        for (int r = 0; r < s.world(); ++r) s.setStatus(r, ProcessState::Running, "");
    }
    for (int q = 0; q < s.world(); ++q)
        if (q != s.rank()) {
            auto link = std::make_unique<Impl::Link>(s, q);
            std::lock_guard l(s.mutex);
            s.peers[static_cast<size_t>(q)]->link = std::move(link);
        }
    for (int q = 0; q < s.world(); ++q)
        if (q != s.rank())
            s.receivers.emplace_back([&s, q] {
                serialIntraOpOnThisThread();
                s.receiverLoop(q);
            });
}

void Session::tick(RunObserver* observer) {
    auto& s = *impl_;
    s.deliverStatuses(observer);
    {
        std::lock_guard l(s.mutex);
        if (s.closed) return;
    }
    if (!s.shared) return;
    s.checkLinks();
    if (s.rank() == 0) return;
    s.checkStoreStall();
    s.forwardSnapshots();
    for (auto& out : s.eventsRecords(false)) s.send(0, std::move(out));
}

bool Session::wantsQuickTicks() const {
    auto& s = *impl_;
    if (s.rank() == 0 || !s.shared) return false;
    const int64_t request = s.shared->snapshot_request.load();
    for (auto& w : s.shared->workers)
        if (w->local && !w->done.load() && s.forwarded_served[static_cast<size_t>(w->index - s.first_worker)] < request) return true;
    return false;
}

RunObserver* Session::forwarder() { return &impl_->forwarder; }

void Session::finishExchanges(RunObserver* observer) {
    auto& s = *impl_;
    auto step = s.step(Impl::ByesSent);
    for (int q = 0; q < s.world(); ++q) {
        if (q == s.rank() || s.isLost(q)) continue;
        WireHeader h;
        h.type = static_cast<uint16_t>(MessageType::Bye);
        h.a = s.peers[static_cast<size_t>(q)]->gossip_out.load();
        h.value = s.peers[static_cast<size_t>(q)]->alpha_out.load();
        s.send(q, Out{s.message(h, nullptr, 0), kTagMessage, step.one()}, s.rank() != 0 && q != 0);
    }
    step.queued();
    s.waitUntil(
        [&] {
            for (int q = 0; q < s.world(); ++q) {
                const auto& p = *s.peers[static_cast<size_t>(q)];
                if (q != s.rank() && !p.lost && !p.got_bye) return false;
            }
            return true;
        },
        observer, [&](int q) { return !s.peers[static_cast<size_t>(q)]->got_bye; }, Impl::ByesSent, "last exchange (Bye)");
}

void Session::sendFinal(RunObserver* observer) {
    auto& s = *impl_;
    s.deliverStatuses(observer);
    if (s.isLost(0)) return;
    for (auto& state : s.shared->workers) {
        if (!state->local) continue;
        const WorkerState& w = *state;
        WireHeader h;
        h.type = static_cast<uint16_t>(MessageType::FinalWorker);
        h.worker = w.index;
        h.value = w.alpha.load();
        h.value2 = w.window_loss.load();
        h.a = w.iteration.load();
        h.b = w.images.load();
        const auto x = w.flat.weights.to(torch::kCPU).contiguous();
        s.send(0, Out{s.message(h, x.data_ptr<float>(), static_cast<size_t>(s.P) * 4), kTagMessage, {}});
    }
    auto records = s.eventsRecords(true);
    auto step = s.step(Impl::FinalSent);
    for (size_t k = 0; k < records.size(); ++k) {
        if (k + 1 == records.size()) records[k].done = step.one();
        s.send(0, std::move(records[k]), k + 1 == records.size());
    }
    step.queued();
}

bool Session::waitEnd(RunResult& result, RunObserver* observer) {
    auto& s = *impl_;
    s.waitUntil([&] { return s.got_end || s.peers[0]->lost; }, observer, [&](int q) { return q == 0 && !s.got_end; }, Impl::EndSent,
                "end of the run (End)");
    std::lock_guard l(s.mutex);
    if (!s.got_end) return false;
    const RunResult& e = s.end_result;
    result.status = e.status;
    result.message = e.message;
    result.alpha_sum = e.alpha_sum;
    result.alpha_lost = e.alpha_lost;
    result.final_test_loss = e.final_test_loss;
    result.final_test_accuracy = e.final_test_accuracy;
    result.consensus_distance = e.consensus_distance;
    result.final_mean_loss = e.final_mean_loss;
    result.images_per_second = e.images_per_second;
    result.images_done = e.images_done;
    result.messages = e.messages;
    result.lost_ranks = e.lost_ranks;
    return true;
}

void Session::collectFinals(RunObserver* observer) {
    auto& s = *impl_;
    s.waitUntil(
        [&] {
            for (int q = 1; q < s.world(); ++q) {
                const auto& p = *s.peers[static_cast<size_t>(q)];
                if (!p.lost && !p.got_last) return false;
            }
            return true;
        },
        observer, [&](int q) { return q != 0 && !s.peers[static_cast<size_t>(q)]->got_last; }, Impl::FinalSent, "final report (Final)");
    s.finalizeMirrors();
}

void Session::sendEnd(const RunResult& result) {
    auto& s = *impl_;
    ByteWriter w;
    w.put<int32_t>(static_cast<int32_t>(result.status));
    w.putString(result.message.substr(0, 8000));
    w.put<double>(result.alpha_sum);
    w.put<double>(result.alpha_lost);
    w.put<double>(result.final_test_loss);
    w.put<double>(result.final_test_accuracy);
    w.put<double>(result.consensus_distance);
    w.put<double>(result.final_mean_loss);
    w.put<double>(result.images_per_second);
    w.put<int64_t>(result.images_done);
    w.put<int64_t>(result.messages);
    w.put<int32_t>(static_cast<int32_t>(result.lost_ranks.size()));
    for (int r : result.lost_ranks) w.put<int32_t>(r);
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::End);
    auto step = s.step(Impl::EndSent);
    for (int q = 1; q < s.world(); ++q)
        if (!s.isLost(q)) s.send(q, Out{s.message(h, w.bytes().data(), w.size()), kTagMessage, step.one()}, true);
    step.queued();
}

std::vector<int> Session::lostRanks() const {
    std::lock_guard l(impl_->mutex);
    return impl_->lost_order;
}

std::string Session::lostSummary() const {
    std::lock_guard l(impl_->mutex);
    std::string out;
    for (int q : impl_->lost_order) {
        const auto& p = *impl_->peers[static_cast<size_t>(q)];
        out += (out.empty() ? "" : "; ") + describe(p.status.process) + ": " + p.status.detail;
    }
    return out;
}

void Session::close() {
    auto& s = *impl_;
    {
        std::lock_guard l(s.mutex);
        if (s.closed) return;
    }
    // 1. Heartbeats off: from here on a quiet peer is one that is done.
    if (s.heartbeat.joinable()) {
        {
            std::lock_guard l(s.hb_mutex);
            s.hb_stop = true;
        }
        s.hb_cv.notify_all();
        // A heartbeat stuck in a store that no longer answers (a frozen rank 0) is left behind.
        if (s.heartbeat_done.wait_for(std::chrono::duration<double>(s.options.peer_timeout_s + 1.0)) == std::future_status::ready)
            s.heartbeat.join();
        else
            s.heartbeat.detach();
    }
    {
        std::lock_guard l(s.mutex);
        s.closed = true;  // no more losses: what is still quiet now is finishing
    }
    // 2. Exit handshake: rank 0 keeps the rendezvous up until every rank that joined is done with it.
    if (const auto store = s.rendezvous.store()) {
        try {
            if (s.rank() != 0) {
                // Nobody waits for it when rank 0 is lost, and a frozen rank 0's store would hold
                // this call (and the run's end) until the store's own timeout.
                if (!s.isLost(0)) store->set("gossiplab/exit/" + std::to_string(s.rank()), std::vector<uint8_t>{1});
            } else {
                const auto deadline = Clock::now() + std::chrono::duration<double>(std::min(s.options.peer_timeout_s, 5.0));
                for (int q = 1; q < s.world(); ++q) {
                    {
                        std::lock_guard l(s.mutex);
                        const auto& p = *s.peers[static_cast<size_t>(q)];
                        if (p.lost || p.status.process.host.empty()) continue;  // never joined
                    }
                    while (!store->check({"gossiplab/exit/" + std::to_string(q)}) && Clock::now() < deadline)
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
            }
        } catch (const std::exception&) {
        }
    }
    // 3. Links: what is queued goes out (bounded), then they stop.
    for (auto& p : s.peers)
        if (p->link) p->link->close(s.options.peer_timeout_s);
    // 4. The receivers: done when nothing more is expected; otherwise their receives are aborted.
    {
        std::lock_guard l(s.mutex);
        s.receiver_stop = true;
        for (auto& [q, w] : s.receives) w->abort();
    }
    for (auto& t : s.receivers)
        if (t.joinable()) t.join();
    for (auto& p : s.peers) {
        std::unique_ptr<Impl::Link> link;
        {
            std::lock_guard l(s.mutex);
            link.swap(p->link);
        }
    }
    s.pg.reset();
    s.collectives.reset();
    {
        std::lock_guard l(s.graveyard_mutex);
        s.graveyard.clear();
    }
}

std::vector<ProcessStatus> Session::processes() const {
    std::lock_guard l(impl_->mutex);
    std::vector<ProcessStatus> out;
    for (const auto& p : impl_->peers) out.push_back(p->status);
    return out;
}

int64_t Session::messagesSent() const { return impl_->messages_sent.load(); }
int64_t Session::bytesSent() const { return impl_->bytes_sent.load(); }

// --- Exchange ----------------------------------------------------------------------------------

bool Session::push(WorkerState& from, int peer, int64_t step) {
    auto& s = *impl_;
    RunShared& shared = *s.shared;
    if (WorkerState* to = shared.by_index[static_cast<size_t>(peer)]; to && to->local) {
        pushInProcess(shared, from, *to, step);
        return true;
    }
    const int r = s.rank_of_worker[static_cast<size_t>(peer)];
    auto& slots = s.push_slots[static_cast<size_t>(from.index - s.first_worker)];
    Impl::Slot* slot = nullptr;
    {
        // Both snapshot buffers in flight: the link is slower than this worker; wait for one.
        std::unique_lock l(s.slot_mutex);
        for (;;) {
            if (shared.stop.load() || s.isLost(r)) break;  // skipped: nothing changes
            for (auto& candidate : slots)
                if (!candidate.busy) {
                    slot = &candidate;
                    break;
                }
            if (slot) break;
            s.slot_cv.wait_for(l, std::chrono::milliseconds(100));
        }
        if (!slot) return false;
        slot->busy = true;
        if (!slot->bytes.defined()) slot->bytes = s.hostBytes(sizeof(WireHeader) + static_cast<size_t>(s.P) * 4);
    }
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::Gossip);
    h.sender = s.rank();
    h.worker = peer;
    h.a = from.index;
    h.b = step;  // SGP: the receiver merges it before its step + 1; GoSGD: MergingInbox::kNow
    h.payload_bytes = static_cast<uint64_t>(s.P) * 4;
    {
        std::shared_lock ledger(shared.ledger);
        const double half = from.alpha.load(std::memory_order_relaxed) / 2.0;
        from.alpha.store(half);
        Impl::floats(slot->bytes, s.P).copy_(from.flat.weights);
        h.value = half;
        shared.alpha_out.fetch_add(half);
    }
    std::memcpy(slot->bytes.data_ptr<uint8_t>(), &h, sizeof h);
    s.peers[static_cast<size_t>(r)]->gossip_out.fetch_add(1);
    s.peers[static_cast<size_t>(r)]->alpha_out.fetch_add(h.value);
    s.send(r, Out{slot->bytes, kTagMessage, [&s, slot](bool) {
                      std::lock_guard l(s.slot_mutex);
                      slot->busy = false;
                      s.slot_cv.notify_all();
                  }});
    return true;
}

void Session::elasticStep(WorkerState& self, torch::Tensor& scratch, double rate) {
    auto& s = *impl_;
    RunShared& shared = *s.shared;
    if (s.rank() == 0) {
        elasticInProcess(shared, self, scratch, rate);
        return;
    }
    s.elasticRoundTrip(self, self.flat.weights, 0, Impl::kCenter,
                       "rank 0, which holds the EASGD center, was lost during an elastic step");
    shared.elastic_steps.fetch_add(1, std::memory_order_relaxed);
}

void Session::averageWithPeer(WorkerState& self, int peer) {
    auto& s = *impl_;
    const int owner = s.rank_of_worker[static_cast<size_t>(peer)];
    if (owner == s.rank()) {
        averageInProcess(self, *s.shared->by_index[static_cast<size_t>(peer)]);
        return;
    }
    s.elasticRoundTrip(self, self.public_weights, owner, peer,
                       "rank " + std::to_string(owner) + ", which runs worker " + std::to_string(peer) +
                           ", was lost while worker " + std::to_string(self.index) + " averaged with it");
    self.sent.fetch_add(1, std::memory_order_relaxed);
}

void Session::Impl::elasticRoundTrip(WorkerState& self, torch::Tensor& x, int owner, int target, const std::string& lost_message) {
    auto& e = elastic[static_cast<size_t>(self.index - first_worker)];
    {
        std::unique_lock l(slot_mutex);
        slot_cv.wait(l, [&] { return !e.request_busy || isLost(owner); });
        if (e.request_busy) throw std::runtime_error(lost_message);
        e.request_busy = true;
        if (!e.request.defined()) {
            e.request = hostBytes(sizeof(WireHeader) + static_cast<size_t>(P) * 4);
            e.reply = hostBytes(sizeof(WireHeader) + static_cast<size_t>(P) * 4);
        }
    }
    // The reply's receive is posted before the request leaves.
    WorkPtr reply;
    try {
        std::vector<at::Tensor> tensors{e.reply};
        reply = pg->recv(tensors, owner, kTagReplyBase + self.index);
    } catch (const std::exception& ex) {
        {
            std::lock_guard l(slot_mutex);
            e.request_busy = false;
        }
        declareLost(owner, "a receive from it failed: " + errorText(ex));
        throw std::runtime_error(lost_message);
    }
    {
        std::lock_guard l(mutex);
        reply_waits.push_back({owner, reply});
        if (peers[static_cast<size_t>(owner)]->lost) reply->abort();
    }
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::ElasticRequest);
    h.sender = rank();
    h.worker = self.index;
    h.seq = ++e.seq;
    h.a = target;
    h.payload_bytes = static_cast<uint64_t>(P) * 4;
    floats(e.request, P).copy_(x);
    std::memcpy(e.request.data_ptr<uint8_t>(), &h, sizeof h);
    send(owner, Out{e.request, kTagMessage, [this, &e](bool) {
                        std::lock_guard l(slot_mutex);
                        e.request_busy = false;
                        slot_cv.notify_all();
                    }});
    bool ok = false;
    std::string why;
    try {
        ok = reply->wait();
    } catch (const std::exception& ex) {
        why = errorText(ex);
    }
    {
        std::lock_guard l(mutex);
        std::erase_if(reply_waits, [&](const ReplyWait& w) { return w.work == reply; });
    }
    if (!ok) {
        keep(reply);
        if (!why.empty()) declareLost(owner, "a receive from it failed: " + why);
        throw std::runtime_error(lost_message);
    }
    torch::NoGradGuard no_grad;
    const WireHeader r = readHeader(e.reply.data_ptr<uint8_t>());
    // The reply is this request's, from the rank asked, one model long, with a finite distance.
    std::string bad;
    if (r.magic != kMagic || r.version != kProtocolVersion || r.type != static_cast<uint16_t>(MessageType::ElasticReply) ||
        r.sender != owner)
        bad = "an elastic reply this GossipLab does not understand";
    else if (r.worker != self.index || r.seq != h.seq || r.a != target)
        bad = "an elastic reply for worker " + std::to_string(r.worker) + " request " + std::to_string(r.seq) + " to worker " +
              std::to_string(self.index) + " request " + std::to_string(h.seq);
    else if (r.payload_bytes != static_cast<uint64_t>(P) * 4)
        bad = "an elastic reply of " + std::to_string(r.payload_bytes) + " bytes (a model is " + std::to_string(P * 4) + ")";
    else if (!std::isfinite(r.value) || r.value < 0.0)
        bad = "an elastic reply with distance " + fmt(r.value, 6);
    if (!bad.empty()) {
        declareLost(owner, "it sent " + bad);
        throw std::runtime_error(lost_message);
    }
    const auto d = floats(e.reply, P);
    x.sub_(x.device() == d.device() ? d : d.to(x.device()));
    if (target == kCenter) self.center_distance.store(r.value, std::memory_order_relaxed);
}

void Session::snapshotRequested(int64_t request) {
    auto& s = *impl_;
    if (s.rank() != 0) return;
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::SnapshotRequest);
    h.seq = request;
    for (int q = 1; q < s.world(); ++q)
        if (!s.isLost(q)) s.send(q, Out{s.message(h, nullptr, 0), kTagMessage, {}});
}

void Session::settingChanged(const std::string& field, double value) {
    auto& s = *impl_;
    if (s.rank() != 0) return;
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::Setting);
    h.a = field == "p" ? 0 : 1;
    h.value = value;
    for (int q = 1; q < s.world(); ++q)
        if (!s.isLost(q)) s.send(q, Out{s.message(h, nullptr, 0), kTagMessage, {}});
}

AlphaLedger Session::alphaElsewhere() {
    auto& s = *impl_;
    if (s.rank() != 0) return {};
    std::lock_guard l(s.mutex);  // order: ledger, then this mutex (never the other way round)
    AlphaLedger sum;
    for (int q = 1; q < s.world(); ++q) {
        const auto& p = *s.peers[static_cast<size_t>(q)];
        if (p.lost) continue;
        sum.held += p.held;
        sum.waiting += p.q - p.held;
    }
    return sum;
}

void Session::runEnding(RunStatus status, const std::string& message) {
    auto& s = *impl_;
    ByteWriter w;
    w.putString(message.substr(0, 4000));
    WireHeader h;
    h.type = static_cast<uint16_t>(MessageType::Stop);
    h.a = static_cast<int64_t>(status);
    for (int q = 0; q < s.world(); ++q)
        if (q != s.rank() && !s.isLost(q)) s.send(q, Out{s.message(h, w.bytes().data(), w.size()), kTagMessage, {}});
}

}  // namespace gossiplab::dist
