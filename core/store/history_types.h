#pragma once
// The plain values the run history hands out: run records, points, filters.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/train/run_events.h"

namespace gossiplab::store {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// One run as the run list shows it. Times are Unix seconds (UTC); NaN when unknown.
struct RunRecord {
    int64_t id = 0;
    std::string uuid;  // identity across files
    std::string name;
    std::string algorithm;  // "gosgd", "easgd", "naive"
    RunStatus status = RunStatus::Running;
    double created_at = kNoValue;
    double started_at = kNoValue;
    double ended_at = kNoValue;
    std::string host;
    uint64_t seed = 0;
    int workers = 0;
    std::vector<std::string> tags;  // sorted
    std::string notes;
    std::string message;  // why it ended (the error for failed, diverged or interrupted runs)
    std::string config_json;  // the whole RunConfig (see RunHistory::config for the parsed form)

    // What RunInfo said when the run started.
    int64_t parameter_count = 0;
    std::string model_description;
    std::string dataset_description;
    int64_t train_size = 0;
    int64_t test_size = 0;
    int64_t images_budget = 0;  // per worker; 0 for a time budget
    std::string worker_devices;  // comma-separated
    int intra_op_threads = 0;

    // Progress (live while running) and the outcome.
    double progress = kNoValue;  // [0, 1]
    int64_t images_done = 0;     // all workers together
    double duration_s = kNoValue;  // the run's own wall time; elapsed so far while running
    int64_t messages = 0;
    // Final values from the RunResult; for a run without one (running, interrupted) the latest
    // recorded value of the matching series. NaN when there is none.
    double mean_loss = kNoValue;
    double test_loss = kNoValue;
    double test_accuracy = kNoValue;
    double consensus_distance = kNoValue;
    double alpha_sum = kNoValue;
    double images_per_second = kNoValue;
    std::vector<double> worker_final_loss;  // empty unless the run ended with a result
};

enum class RunSort { Id, Created, Name, Status, Algorithm, Duration, MeanLoss, TestAccuracy };

struct RunFilter {
    std::vector<RunStatus> statuses;      // empty: any
    std::vector<std::string> algorithms;  // empty: any
    std::string text;                     // case-insensitive (ASCII) substring of name, notes, tags or host
    std::string tag;                      // exact tag; empty: any
    RunSort sort = RunSort::Created;
    bool descending = true;
    int64_t limit = 0;  // 0: no limit
    int64_t offset = 0;
};

// One recorded point. `seq` numbers the rows of a run in recording order (starts at 1); a live
// reader keeps the last seq it saw and asks only for newer rows.
struct SeriesPoint {
    int64_t seq = 0;
    int64_t iteration = 0;
    int64_t images = 0;
    double wall_s = 0.0;
    double value = kNoValue;  // NaN where the store holds NULL (a non-finite value, e.g. a diverged loss)
};

struct ReadOptions {
    int64_t after_seq = 0;   // only rows with seq > after_seq
    size_t max_points = 0;   // 0: every row; otherwise at most this many, keeping min and max per bucket
};

struct SeriesKey {
    std::string series;
    int worker = -1;  // kRunLevel for run-level series
    bool operator==(const SeriesKey&) const = default;
};

struct LatestValue {
    SeriesKey key;
    SeriesPoint point;
};

struct DistanceMatrix {
    int64_t seq = 0;
    int64_t iteration = 0;
    int64_t images = 0;
    double wall_s = 0.0;
    int workers = 0;
    std::vector<double> distances;  // workers x workers, row-major
};

struct SettingChangeRecord {
    SamplePoint at;
    std::string field;
    double old_value = kNoValue;
    double new_value = kNoValue;
    std::string source;
};

struct RunMessage {
    double created_at = kNoValue;  // Unix seconds
    double wall_s = kNoValue;      // seconds since the run started
    std::string text;
};

struct ImportSummary {
    std::vector<int64_t> new_ids;      // ids in this history of the runs imported, in source order
    int skipped_duplicates = 0;        // already here (same uuid), e.g. a file imported twice
    int skipped_live = 0;              // still being recorded in the other file
};

}  // namespace gossiplab::store
