// The elastic round trip: EASGD's center on rank 0, AD-PSGD's pairwise average across processes
// (session_impl.h).
#include "core/dist/session_impl.h"

namespace gossiplab::dist {

void Session::Impl::handleElasticRequest(const WireHeader& h, const uint8_t* payload, int src) {
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
    // The reply carries the run's proof, is this request's, from the rank asked, one model long,
    // with a finite distance.
    const std::string bad = [&]() -> std::string {
        if (auto proof = auth->check(e.reply.data_ptr<uint8_t>(), static_cast<size_t>(e.reply.numel()), rank(), Channel::Replies,
                                     MessageAuth::kAnyCounter);
            !proof.empty())
            return proof;
        if (r.type != static_cast<uint16_t>(MessageType::ElasticReply) || r.sender != owner)
            return "an elastic reply this GossipLab does not understand";
        if (r.worker != self.index || r.seq != h.seq || r.a != target)
            return "an elastic reply for worker " + std::to_string(r.worker) + " request " + std::to_string(r.seq) + " to worker " +
                   std::to_string(self.index) + " request " + std::to_string(h.seq);
        if (r.payload_bytes != static_cast<uint64_t>(P) * 4)
            return "an elastic reply of " + std::to_string(r.payload_bytes) + " bytes (a model is " + std::to_string(P * 4) + ")";
        if (!std::isfinite(r.value) || r.value < 0.0) return "an elastic reply with distance " + fmt(r.value, 6);
        return {};
    }();
    if (!bad.empty()) {
        declareLost(owner, "it sent " + bad);
        throw std::runtime_error(lost_message);
    }
    const auto d = floats(e.reply, P);
    x.sub_(x.device() == d.device() ? d : d.to(x.device()));
    if (target == kCenter) self.center_distance.store(r.value, std::memory_order_relaxed);
}

}  // namespace gossiplab::dist
