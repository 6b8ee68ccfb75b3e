// Ranks > 0: counters, samples and snapshots to rank 0; rank 0: the mirrors (session_impl.h).
#include "core/dist/session_impl.h"

namespace gossiplab::dist {

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

}  // namespace gossiplab::dist
