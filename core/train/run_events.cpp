#include "core/train/run_events.h"

namespace gossiplab {

std::string toString(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return "running";
        case RunStatus::Finished: return "finished";
        case RunStatus::Stopped: return "stopped";
        case RunStatus::Diverged: return "diverged";
        case RunStatus::Failed: return "failed";
        case RunStatus::Interrupted: return "interrupted";
    }
    return "?";
}

std::string toString(ProcessState state) {
    switch (state) {
        case ProcessState::Waiting: return "waiting";
        case ProcessState::Joined: return "joined";
        case ProcessState::Running: return "running";
        case ProcessState::Finished: return "finished";
        case ProcessState::Lost: return "lost";
    }
    return "?";
}

bool parseRunStatus(const std::string& text, RunStatus* status) {
    for (RunStatus s : {RunStatus::Running, RunStatus::Finished, RunStatus::Stopped, RunStatus::Diverged,
                        RunStatus::Failed, RunStatus::Interrupted}) {
        if (toString(s) == text) {
            *status = s;
            return true;
        }
    }
    return false;
}

}  // namespace gossiplab
