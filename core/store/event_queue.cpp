#include "core/store/event_queue.h"

#include <algorithm>

namespace gossiplab::store {

EventQueue::EventQueue(size_t capacity_rows) : capacity_rows_(std::max<size_t>(capacity_rows, 1)) {}

bool EventQueue::push(RecordEvent event) {
    const size_t rows = rowCount(event);
    std::unique_lock lock(mutex_);
    // An event larger than the whole capacity still goes through once the queue is empty.
    auto has_room = [&] { return failed_ || uncommitted_rows_ == 0 || uncommitted_rows_ + rows <= capacity_rows_; };
    if (!has_room()) {
        ++stats_.producer_waits;
        ++producers_waiting_;
        const auto start = Clock::now();
        work_.notify_one();  // a full queue is worth writing now, whatever the batch timer says
        room_or_settled_.wait(lock, has_room);
        --producers_waiting_;
        stats_.producer_wait_s += std::chrono::duration<double>(Clock::now() - start).count();
    }
    if (failed_) {
        ++stats_.discarded_events;
        return false;
    }
    waiting_.push_back(std::move(event));
    waiting_rows_ += rows;
    uncommitted_rows_ += rows;
    ++pushed_events_;
    stats_.peak_rows = std::max(stats_.peak_rows, uncommitted_rows_);
    return true;
}

void EventQueue::waitUntilSettled() {
    std::unique_lock lock(mutex_);
    const uint64_t target = pushed_events_;
    if (settled_events_ >= target) return;
    flush_requested_ = true;
    work_.notify_one();
    room_or_settled_.wait(lock, [&] { return settled_events_ >= target; });
}

bool EventQueue::take(std::vector<RecordEvent>& out, size_t& out_rows, size_t batch_rows, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    work_.wait_until(lock, deadline, [&] {
        return closed_ || flush_requested_ || waiting_rows_ >= batch_rows || (producers_waiting_ > 0 && waiting_rows_ > 0);
    });
    if (waiting_.empty()) {
        flush_requested_ = false;
        return !closed_;
    }
    // At most about batch_rows per transaction, so that a crash loses little and readers see
    // rows arrive steadily; what is left stays for the next call, which then does not wait.
    while (!waiting_.empty() && out_rows < batch_rows) {
        const size_t rows = rowCount(waiting_.front());
        out.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
        waiting_rows_ -= rows;
        out_rows += rows;
    }
    if (waiting_.empty()) flush_requested_ = false;
    return true;
}

void EventQueue::settle(size_t events, size_t rows, bool committed) {
    {
        std::lock_guard lock(mutex_);
        settled_events_ += events;
        uncommitted_rows_ -= std::min(rows, uncommitted_rows_);
        if (!committed) stats_.discarded_events += events;
    }
    room_or_settled_.notify_all();
}

void EventQueue::fail() {
    {
        std::lock_guard lock(mutex_);
        failed_ = true;
        // What still waits will never be written.
        stats_.discarded_events += waiting_.size();
        settled_events_ += waiting_.size();
        uncommitted_rows_ -= std::min(waiting_rows_, uncommitted_rows_);
        waiting_.clear();
        waiting_rows_ = 0;
    }
    room_or_settled_.notify_all();
    work_.notify_all();
}

void EventQueue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    work_.notify_all();
}

EventQueue::Stats EventQueue::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

}  // namespace gossiplab::store
