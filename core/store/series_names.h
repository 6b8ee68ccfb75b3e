#pragma once
// The names of the recorded series, as stored in the history's `series` table and written in CSV.
// The ids are fixed by the schema (version 1 inserts them), so the writer needs no lookup.

#include <array>
#include <optional>
#include <string_view>

namespace gossiplab::store {

// The worker number of run-level rows (in the API and in the CSV's `worker` column).
inline constexpr int kRunLevel = -1;

namespace series {

// Per worker, from WorkerSample.
inline constexpr std::string_view kLoss = "loss";                          // non-finite: stored as NULL
inline constexpr std::string_view kAlpha = "alpha";                        // NaN (not GoSGD): no row
inline constexpr std::string_view kMessagesSent = "messages_sent";
inline constexpr std::string_view kMessagesReceived = "messages_received";
inline constexpr std::string_view kCenterDistance = "center_distance";    // NaN (not EASGD): no row
// Seconds per iteration the worker spent waiting for other workers since its previous sample
// (barriers, locks, round trips, late messages); NaN: no row.
inline constexpr std::string_view kWaitPerIteration = "wait_per_iteration_s";
// Run level, from RunSample.
inline constexpr std::string_view kMeanLoss = "mean_loss";                 // non-finite: stored as NULL
inline constexpr std::string_view kAlphaSum = "alpha_sum";                 // NaN (not GoSGD): no row
inline constexpr std::string_view kMessages = "messages";
inline constexpr std::string_view kImagesPerSecond = "images_per_second";
// Where the sum of alphas is (GoSGD; NaN otherwise: no row): held by the workers, and waiting in
// inboxes or in transit between processes. alpha_held + alpha_waiting = alpha_sum.
inline constexpr std::string_view kAlphaHeld = "alpha_held";
inline constexpr std::string_view kAlphaWaiting = "alpha_waiting";
// Run level, from EvalSample.
inline constexpr std::string_view kTestLoss = "test_loss";                 // non-finite: stored as NULL
inline constexpr std::string_view kTestAccuracy = "test_accuracy";
// Run level, from DistanceSnapshot (the matrix itself goes to distance_snapshots).
inline constexpr std::string_view kConsensusDistance = "consensus_distance";

struct Definition {
    int id;
    std::string_view name;
    bool per_worker;
    int since_version = 1;  // the schema version that inserts it
};

inline constexpr std::array<Definition, 15> kDefinitions = {{
    {1, kLoss, true},
    {2, kAlpha, true},
    {3, kMessagesSent, true},
    {4, kMessagesReceived, true},
    {5, kCenterDistance, true},
    {6, kMeanLoss, false},
    {7, kAlphaSum, false},
    {8, kMessages, false},
    {9, kImagesPerSecond, false},
    {10, kTestLoss, false},
    {11, kTestAccuracy, false},
    {12, kConsensusDistance, false},
    {13, kAlphaHeld, false, 4},
    {14, kAlphaWaiting, false, 4},
    {15, kWaitPerIteration, true, 5},
}};

constexpr std::optional<Definition> find(std::string_view name) {
    for (const Definition& definition : kDefinitions) {
        if (definition.name == name) return definition;
    }
    return std::nullopt;
}

constexpr int idOf(std::string_view name) { return find(name)->id; }

}  // namespace series
}  // namespace gossiplab::store
