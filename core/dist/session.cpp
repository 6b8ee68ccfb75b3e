// Session, the facade (session.h): rendezvous, connect, start, the end-of-run handshake, close,
// GoSGD/SGP pushes, live settings. The other jobs are in session_*.cpp (session_impl.h lists them).
#include "core/dist/session_impl.h"

#include <csignal>

namespace gossiplab::dist {

namespace {

// Gloo writes to its peers' sockets with writev, which raises SIGPIPE when the peer is gone (a
// killed rank). Its default action ends this process too, before the session can declare the
// peer lost and end the run `failed` with the lost alpha. Python, where most users meet Gloo,
// ignores SIGPIPE from its start; a C++ process has to do it itself. The write then fails with
// EPIPE, which Gloo reports as an error that the session handles. (Seen on Debian 13's LibTorch
// 2.6: test_dist_failures died of SIGPIPE once in many runs.)
void ignoreBrokenPipes() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

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


// ---------------------------------------------------------------------------------------------

Session::Session(const DistributedOptions& options) : impl_(std::make_shared<Impl>(options)) { ignoreBrokenPipes(); }

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
    s.auth = std::make_unique<MessageAuth>(runToken(s.options), s.plan.run_nonce);
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
    s.checks.rank = s.rank();
    s.checks.model_floats = s.P;
    s.checks.max_payload = s.max_payload;
    s.checks.rank_of_worker = s.rank_of_worker;
    s.checks.config = shared.config;
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
