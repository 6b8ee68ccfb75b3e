#pragma once
// The plain values the run history hands out about experiments (schema version 3): an experiment
// is a named set of runs, queued and run one after another; core/experiments defines what goes in
// (the spec, the grid) and runs the queue, the store keeps it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/history_types.h"

namespace gossiplab::store {

// The experiment as a whole.
//   queued       created (or re-queued); no runner at work, runs waiting
//   running      a runner works through the queue (it holds the experiment's lock)
//   paused       a runner stopped on request (pause, Ctrl+C); the runs not done stay queued
//   done         no run left queued
//   cancelled    cancelled by the user: the run going on was stopped, the rest cancelled
//   interrupted  its runner died (killed, crashed): found `running` with nobody holding its lock
enum class ExperimentState { Queued, Running, Paused, Done, Cancelled, Interrupted };

// One queued run of an experiment.
//   queued       waiting to run
//   running      being run (its run_id is set once the run row exists)
//   done         ran to its end (its run says how: finished, diverged, failed)
//   skipped      not run or not finished on purpose: it could not start (its message says why),
//                the user skipped it, or it was interrupted and the resume policy is "skip"
//   cancelled    cancelled with the experiment (a run going on then is recorded `stopped`)
//   interrupted  its runner died during it; a resume runs it again from the start (or skips it)
enum class QueueItemStatus { Queued, Running, Done, Skipped, Cancelled, Interrupted };

std::string toString(ExperimentState state);
std::string toString(QueueItemStatus status);
bool parseExperimentState(const std::string& text, ExperimentState* state);
bool parseQueueItemStatus(const std::string& text, QueueItemStatus* status);

struct QueueCounts {
    int total = 0;
    int queued = 0;
    int running = 0;
    int done = 0;
    int skipped = 0;
    int cancelled = 0;
    int interrupted = 0;
};

struct ExperimentRecord {
    int64_t id = 0;
    std::string uuid;
    std::string name;
    std::string kind;       // "grid", "paper-fig1", "consensus-vs-p"
    std::string spec_json;  // core/experiments' spec, as JSON
    ExperimentState state = ExperimentState::Queued;
    double created_at = kNoValue;  // Unix seconds
    double updated_at = kNoValue;
    std::string host;
    std::string notes;
    std::string message;
    QueueCounts counts;
    bool live = false;  // a runner (this or another process) holds its lock now
};

struct QueueItem {
    int64_t experiment_id = 0;
    int position = 0;  // 0-based queue order
    std::string label;
    std::string config_json;  // the validated RunConfig (RunConfig's toJson)
    QueueItemStatus status = QueueItemStatus::Queued;
    int64_t run_id = 0;  // 0: no run (yet, or it was deleted)
    int attempts = 0;    // how often it was started
    std::string message;
    double started_at = kNoValue;  // of the latest attempt
    double ended_at = kNoValue;
};

struct NewQueueItem {
    std::string label;
    std::string config_json;
};

struct NewExperiment {
    std::string name;
    std::string kind;
    std::string spec_json;
    std::vector<NewQueueItem> items;  // in queue order
    std::string notes;
};

// What a runner finds when it claims an experiment (see RunHistory::claimExperiment).
struct ExperimentClaim {
    ExperimentRecord experiment;
    std::vector<int> requeued;  // positions interrupted (or left running) and queued again
    std::vector<int> skipped;   // positions interrupted and skipped (policy "skip")
};

}  // namespace gossiplab::store
