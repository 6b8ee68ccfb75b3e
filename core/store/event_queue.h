#pragma once
// The bounded queue between the recording thread and the writer thread. Internal to core/store.
//
// Capacity is counted in rows that are not yet committed (waiting in the queue or in the writer's
// open batch), so memory stays bounded even while the writer waits for a locked file.
// Policy when full: the producer blocks until the writer commits (back-pressure); nothing is
// dropped. Every wait is counted. Only the run's monitor thread produces; training workers never
// call the observer, so they never wait on the disk.
// After a fatal write error (fail()) producers never block again and their events are discarded,
// counted, and the run is marked failed: nothing the history shows as recorded was lost.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "core/store/record_events.h"

namespace gossiplab::store {

class EventQueue {
public:
    using Clock = std::chrono::steady_clock;

    struct Stats {
        uint64_t producer_waits = 0;       // pushes that had to wait for room
        double producer_wait_s = 0.0;      // total time spent waiting
        uint64_t discarded_events = 0;     // after fail()
        size_t peak_rows = 0;              // most uncommitted rows at once
    };

    explicit EventQueue(size_t capacity_rows);

    // ---- producer side ----
    // Queues the event, first waiting while the queue is full. False if discarded (after fail()).
    bool push(RecordEvent event);
    // Returns once every event pushed before the call is committed or discarded.
    void waitUntilSettled();

    // ---- writer side ----
    // Waits until `batch_rows` rows wait, `deadline` passes, a flush is asked for, or the queue is
    // closed; then moves waiting events to `out`, until `out_rows` (their rows added) reaches
    // `batch_rows`. Events left waiting are taken by the next call without waiting.
    // Returns false once the queue is closed and empty (the writer may exit).
    bool take(std::vector<RecordEvent>& out, size_t& out_rows, size_t batch_rows, Clock::time_point deadline);
    // The writer committed (or, after a failure, dropped) `events` events holding `rows` rows.
    void settle(size_t events, size_t rows, bool committed);
    // A fatal write error: wake everyone; from now on pushes are discarded.
    void fail();
    // No more pushes are coming (the recorder is being destroyed).
    void close();

    Stats stats() const;

private:
    const size_t capacity_rows_;
    mutable std::mutex mutex_;
    std::condition_variable room_or_settled_;  // producers and flushers wait here
    std::condition_variable work_;             // the writer waits here
    std::deque<RecordEvent> waiting_;
    size_t waiting_rows_ = 0;
    size_t uncommitted_rows_ = 0;  // waiting + in the writer's hands
    uint64_t pushed_events_ = 0;
    uint64_t settled_events_ = 0;
    int producers_waiting_ = 0;  // blocked on a full queue: the writer should not wait for its timer
    bool flush_requested_ = false;
    bool failed_ = false;
    bool closed_ = false;
    Stats stats_;
};

}  // namespace gossiplab::store
