#pragma once
// What travels from the recording thread (the run's monitor) to the writer thread: the observer's
// events, copied, plus the start and the end of a run. Internal to core/store.

#include <cstddef>
#include <string>
#include <variant>

#include "core/train/run_events.h"

namespace gossiplab::store {

struct StartEvent {
    RunInfo info;
};

struct EndEvent {
    RunResult result;
};

// The recorder is going away before the run ended (no RunResult will come).
struct AbandonEvent {
    std::string reason;
};

struct MessageEvent {
    double created_at = 0.0;  // Unix seconds
    double wall_s = 0.0;      // since the run started
    std::string text;
};

using RecordEvent = std::variant<StartEvent, WorkerSample, RunSample, DistanceSnapshot, EvalSample, ProgressUpdate,
                                 SettingChange, MessageEvent, EndEvent, AbandonEvent>;

// How many table rows an event becomes at most: the unit of the queue's capacity.
inline size_t rowCount(const RecordEvent& event) {
    if (std::holds_alternative<WorkerSample>(event)) return 5;
    if (std::holds_alternative<RunSample>(event)) return 4;
    if (std::holds_alternative<EvalSample>(event) || std::holds_alternative<DistanceSnapshot>(event)) return 2;
    return 1;
}

}  // namespace gossiplab::store
