#pragma once
// The meeting point of a synchronous algorithm's workers in one process (all-reduce SGD, local
// SGD, D-PSGD): every local worker arrives once per round; the last to arrive runs the round's
// work (the reduction over every worker's buffers, and across processes the collective) while the
// others wait, so that work sees every worker stopped at the same point of its iteration.
//
// The round also decides, once for everybody, whether training goes on: any worker (or any
// process) that wants to stop ends the run for all at that round, so every worker has done the
// same number of rounds and no one waits at a barrier that will never fill. A failure aborts the
// barrier: the waiting workers return at once (the run is ending as failed anyway).

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace gossiplab {

class RoundBarrier {
public:
    enum class Outcome { GoOn, Stop, Aborted };

    explicit RoundBarrier(int parties);

    // `complete(any_wants_stop)` runs on the last worker to arrive, with the others waiting; it
    // returns true to go on. If it throws, the barrier is aborted and the exception goes to the
    // caller that ran it.
    Outcome arrive(bool wants_stop, const std::function<bool(bool any_wants_stop)>& complete);
    // Releases every waiting worker with Aborted, now and at every later arrival.
    void abort();

private:
    std::mutex mutex_;
    std::condition_variable released_;
    const int parties_;
    int arrived_ = 0;
    bool wants_stop_ = false;
    int64_t generation_ = 0;
    bool go_on_ = true;
    bool aborted_ = false;
};

}  // namespace gossiplab
