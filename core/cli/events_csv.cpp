#include "core/cli/events_csv.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace gossiplab::cli {

EventsCsvWriter::EventsCsvWriter(const std::string& path) : path_(path), out_(path), csv_(out_) {
    if (!out_) throw std::runtime_error(path + ": cannot write the events CSV file");
    for (const char* column : {"event", "worker", "iteration", "images", "wall_time_s", "series", "value"}) csv_.text(column);
    csv_.endRow();
}

// The store's CSV writer: the history's exports and this file quote and format numbers alike
// (RFC 4180; the shortest text that reads back to the same double).
void EventsCsvWriter::row(const char* event, int worker, const SamplePoint& at, const std::string& series, double value) {
    if (std::isnan(value)) return;
    csv_.text(event);
    if (worker >= 0) csv_.integer(worker);
    else csv_.empty();
    csv_.integer(at.iteration).integer(at.images).number(at.wall_s).text(series).number(value).endRow();
    // A write the stream could not pass on (its buffer flushed onto a full disk): the run's
    // fan-out catches this and the CLI ends the run failed, naming the file.
    if (!out_) throw std::runtime_error(path_ + ": writing the events CSV failed (" + std::strerror(errno) + ")");
}

void EventsCsvWriter::onWorkerSample(const WorkerSample& s) {
    row("worker", s.worker, s.at, "loss", s.loss);
    row("worker", s.worker, s.at, "alpha", s.alpha);
    row("worker", s.worker, s.at, "alpha_sum", s.alpha_sum);
    row("worker", s.worker, s.at, "messages_sent", static_cast<double>(s.messages_sent));
    row("worker", s.worker, s.at, "messages_received", static_cast<double>(s.messages_received));
    row("worker", s.worker, s.at, "center_distance", s.center_distance);
    row("worker", s.worker, s.at, "wait_per_iteration_s", s.wait_per_iteration_s);
}

void EventsCsvWriter::onRunSample(const RunSample& s) {
    row("run", -1, s.at, "mean_loss", s.mean_loss);
    row("run", -1, s.at, "alpha_sum", s.alpha_sum);
    row("run", -1, s.at, "alpha_held", s.alpha_held);
    row("run", -1, s.at, "alpha_waiting", s.alpha_waiting);
    row("run", -1, s.at, "messages", static_cast<double>(s.messages));
    row("run", -1, s.at, "images_per_second", s.images_per_second);
}

void EventsCsvWriter::onDistances(const DistanceSnapshot& d) {
    row("distances", -1, d.at, "consensus_distance", d.consensus_distance);
    for (int i = 0; i < d.workers; ++i)
        for (int j = i + 1; j < d.workers; ++j)
            row("distances", -1, d.at, "distance_" + std::to_string(i) + "_" + std::to_string(j),
                d.distances[static_cast<size_t>(i * d.workers + j)]);
}

void EventsCsvWriter::onEvaluation(const EvalSample& e) {
    row("eval", -1, e.at, "test_loss", e.test_loss);
    row("eval", -1, e.at, "test_accuracy", e.test_accuracy);
}

void EventsCsvWriter::onSettingChange(const SettingChange& c) { row("setting", -1, c.at, c.field, c.new_value); }

void EventsCsvWriter::onRunEnded(const RunResult&) {
    out_.flush();
    if (!out_) throw std::runtime_error(path_ + ": writing the events CSV failed (" + std::strerror(errno) + ")");
}

}  // namespace gossiplab::cli
