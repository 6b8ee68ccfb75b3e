#pragma once
// CSV as the history exports it (RFC 4180): fields separated by commas, records ended by "\n";
// a field is quoted when it holds a comma, a quote, CR or LF, or starts or ends with a space, and
// a quote inside is doubled. UTF-8, no byte-order mark. Numbers are written in the shortest form
// that reads back to the same double; a missing value (NULL, NaN) is an empty field.
//
// Long format (RunHistory::exportSeriesCsv), one row per value:
//   run_id,run_name,series,worker,iteration,images,wall_time_s,value
// worker is -1 for run-level series (mean_loss, test_accuracy, ...).
// Runs format (RunHistory::exportRunsCsv), one row per run: see kRunsLeadingColumns; then one
// "config.<key>" column per RunConfig key; tags are one JSON array of strings.

#include <array>
#include <cstdint>
#include <ostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gossiplab::store::csv {

inline constexpr std::array<std::string_view, 8> kSeriesColumns = {
    "run_id", "run_name", "series", "worker", "iteration", "images", "wall_time_s", "value"};

inline constexpr std::array<std::string_view, 27> kRunsLeadingColumns = {
    "run_id", "uuid", "name", "algorithm", "status", "created_at", "started_at", "ended_at", "duration_s",
    "host", "seed", "workers", "tags", "notes", "message", "progress", "images_done", "messages",
    "final_mean_loss", "final_test_loss", "final_test_accuracy", "final_consensus_distance", "final_alpha_sum",
    "final_images_per_second", "parameter_count", "model_description", "dataset_description"};

std::string quoteField(std::string_view field);
std::string formatNumber(double value);          // "" for NaN
std::string formatTimestamp(double unix_seconds);  // ISO 8601 UTC, "2024-05-01T12:00:00.250Z"; "" for NaN

class Writer {
public:
    explicit Writer(std::ostream& out) : out_(out) {}
    Writer& text(std::string_view field);
    Writer& integer(int64_t value);
    Writer& number(double value);
    Writer& empty();
    // A field already passed through quoteField() (a run name repeated on a million rows).
    Writer& quoted(std::string_view quoted_field);
    void endRow();
    bool ok() const { return static_cast<bool>(out_); }

private:
    void separate();
    std::ostream& out_;
    bool row_started_ = false;
};

// Parses CSV text as written above (also accepts CRLF). nullopt on an unterminated quote.
std::optional<std::vector<std::vector<std::string>>> parse(std::string_view text);

}  // namespace gossiplab::store::csv
