// What an incoming message does, once checked (session_impl.h).
#include "core/dist/session_impl.h"

namespace gossiplab::dist {

void Session::Impl::handle(const torch::Tensor& buffer, int src) {
    const uint8_t* data = buffer.data_ptr<uint8_t>();
    const WireHeader h = readHeader(data);
    if (const std::string bad = checkMessage(h, src, checks); !bad.empty()) {
        declareLost(src, "it sent " + bad);
        return;
    }
    const uint8_t* payload = data + sizeof(WireHeader);
    const auto type = static_cast<MessageType>(h.type);
    switch (type) {
        case MessageType::Gossip: {
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
            WorkerState* m = shared->by_index[static_cast<size_t>(h.worker)];  // a mirror: checkMessage saw src run it
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
            const bool is_p = h.a == 0;  // checked: from rank 0, a setting a run accepts
            auto& target = is_p ? shared->p : shared->learning_rate;
            const double old_value = target.exchange(h.value);
            if (old_value != h.value) {
                std::lock_guard l(shared->events_mutex);
                shared->pending_changes.push_back({shared->meanPoint(), is_p ? "p" : "learning-rate", old_value, h.value, "rank 0"});
            }
            return;
        }
        case MessageType::Stop: {
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
            ByteReader r(payload, h.payload_bytes);
            RunResult result;
            const int32_t status = r.get<int32_t>();
            if (status < static_cast<int32_t>(RunStatus::Running) || status > static_cast<int32_t>(RunStatus::Interrupted)) {
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
            return;  // refused by checkMessage: replies go to the asking worker's own tag
    }
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

}  // namespace gossiplab::dist
