// Sending through the links, declaring a peer lost, and the receivers (session_impl.h).
#include "core/dist/session_impl.h"

namespace gossiplab::dist {

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
        const uint8_t* bytes = buffer.data_ptr<uint8_t>();
        if (const std::string bad = auth->check(bytes, size, rank(), Channel::Messages, peers[static_cast<size_t>(q)]->next_counter);
            !bad.empty()) {
            declareLost(q, "it sent " + bad);
            break;
        }
        ++peers[static_cast<size_t>(q)]->next_counter;
        try {
            handle(buffer, q);
        } catch (const std::exception& e) {
            declareLost(q, "its message could not be read: " + errorText(e));
        }
    }
}

}  // namespace gossiplab::dist
