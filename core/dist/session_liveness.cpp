// Heartbeats, a store that stopped answering, wedged links (session_impl.h).
#include "core/dist/session_impl.h"

namespace gossiplab::dist {

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

}  // namespace gossiplab::dist
