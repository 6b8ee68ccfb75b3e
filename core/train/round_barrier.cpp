#include "core/train/round_barrier.h"

namespace gossiplab {

RoundBarrier::RoundBarrier(int parties) : parties_(parties) {}

RoundBarrier::Outcome RoundBarrier::arrive(bool wants_stop, const std::function<bool(bool)>& complete) {
    std::unique_lock lock(mutex_);
    if (aborted_) return Outcome::Aborted;
    wants_stop_ = wants_stop_ || wants_stop;
    if (++arrived_ < parties_) {
        const int64_t generation = generation_;
        released_.wait(lock, [&] { return generation_ != generation || aborted_; });
        if (generation_ == generation) return Outcome::Aborted;
        return go_on_ ? Outcome::GoOn : Outcome::Stop;
    }
    // The last one: the others wait on the mutex-free condition while the round's work runs.
    const bool any_wants_stop = wants_stop_;
    lock.unlock();
    bool go_on = false;
    try {
        go_on = complete(any_wants_stop);
    } catch (...) {
        abort();
        throw;
    }
    lock.lock();
    if (aborted_) return Outcome::Aborted;
    go_on_ = go_on;
    arrived_ = 0;
    wants_stop_ = false;
    ++generation_;
    released_.notify_all();
    return go_on ? Outcome::GoOn : Outcome::Stop;
}

void RoundBarrier::abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    released_.notify_all();
}

}  // namespace gossiplab
