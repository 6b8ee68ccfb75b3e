#include "core/store/run_writer.h"
#include "core/common/system_info.h"

#include <unistd.h>

#include <cmath>
#include <random>
#include <type_traits>

#include "core/store/double_blob.h"
#include "core/store/series_names.h"

namespace gossiplab::store {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return out;
}

}  // namespace

RunWriter::RunWriter(sql::Database db, RunLockFile locks) : db_(std::move(db)), locks_(std::move(locks)) {
    insert_run_ = db_.prepare(R"sql(
        INSERT INTO runs (uuid, name, algorithm, status, created_at, started_at, host, config_json, seed, workers,
                          parameter_count, model_description, dataset_description, train_size, test_size,
                          images_budget, worker_devices, intra_op_threads, progress, images_done, elapsed_s)
        VALUES (?1, ?2, ?3, 'running', ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 0, 0, 0))sql");
    insert_worker_point_ = db_.prepare(
        "INSERT INTO worker_points (run_id, series_id, worker, seq, iteration, images, wall_s, value) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert_run_point_ = db_.prepare(
        "INSERT INTO run_points (run_id, series_id, seq, iteration, images, wall_s, value) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert_distances_ = db_.prepare(
        "INSERT INTO distance_snapshots (run_id, seq, iteration, images, wall_s, workers, distances) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    upsert_latest_ = db_.prepare(R"sql(
        INSERT INTO latest_values (run_id, series_id, worker, seq, iteration, images, wall_s, value)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
        ON CONFLICT (run_id, series_id, worker) DO UPDATE SET seq = excluded.seq, iteration = excluded.iteration,
            images = excluded.images, wall_s = excluded.wall_s, value = excluded.value)sql");
    update_progress_ = db_.prepare("UPDATE runs SET progress = ?2, images_done = ?3, elapsed_s = ?4 WHERE id = ?1");
    insert_setting_change_ = db_.prepare(
        "INSERT INTO setting_changes (run_id, iteration, images, wall_s, field, old_value, new_value, source) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert_message_ = db_.prepare("INSERT INTO run_messages (run_id, created_at, wall_s, text) VALUES (?1, ?2, ?3, ?4)");
    end_run_ = db_.prepare(R"sql(
        UPDATE runs SET status = ?2, message = ?3, ended_at = ?4,
            wall_s = ?5, images_done = COALESCE(?6, images_done), messages = ?7, final_mean_loss = ?8,
            alpha_sum = ?9, final_test_loss = ?10, final_test_accuracy = ?11, consensus_distance = ?12,
            images_per_second = ?13, worker_final_loss = ?14,
            progress = CASE WHEN ?2 = 'finished' THEN 1.0 ELSE progress END,
            elapsed_s = COALESCE(?5, elapsed_s)
        WHERE id = ?1)sql");
}

void RunWriter::write(const std::vector<RecordEvent>& events) {
    const State saved = state_;
    const int64_t saved_last_started = last_started_run_;
    const uint64_t saved_without_run = events_without_run_;
    locked_in_batch_.clear();
    unlock_after_commit_.clear();
    rows_in_batch_ = 0;
    try {
        sql::Transaction transaction(db_);
        for (const RecordEvent& event : events) {
            std::visit([this](const auto& e) { apply(e); }, event);
        }
        writeSummaries();
        transaction.commit();
    } catch (...) {
        // A run whose row was rolled back must not stay locked; a run that was ending stays locked
        // (it is still running as far as the file knows).
        for (int64_t run_id : locked_in_batch_) locks_.unlock(run_id);
        state_ = saved;
        last_started_run_ = saved_last_started;
        events_without_run_ = saved_without_run;
        throw;
    }
    // Only now is the outcome in the file: a reader can never see a dead lock on a running row.
    for (int64_t run_id : unlock_after_commit_) locks_.unlock(run_id);
    rows_written_ += rows_in_batch_;
}

void RunWriter::abandonAfterFailure(const std::string& message) {
    const int64_t run_id = state_.run_id;
    if (run_id == 0) return;
    state_ = State{};
    try {
        sql::Transaction transaction(db_);
        auto mark = db_.prepare("UPDATE runs SET status = 'failed', message = ?2, ended_at = ?3 WHERE id = ?1 AND status = 'running'");
        mark.bind(1, run_id).bind(2, message).bind(3, unixTimeNow());
        mark.run();
        transaction.commit();
    } catch (const sql::SqliteFailure&) {
        // The run stays `running` in the file; without its lock, the next open marks it interrupted.
    }
    locks_.unlock(run_id);
}

bool RunWriter::runIsOpen() {
    if (state_.run_id != 0) return true;
    ++events_without_run_;  // an event before onRunStarted or after onRunEnded: nothing to attach it to
    return false;
}

void RunWriter::apply(const StartEvent& event) {
    if (state_.run_id != 0) finishRun(RunStatus::Interrupted, "a new run started before this one ended", nullptr);
    const RunInfo& info = event.info;
    const RunConfig& config = info.config;
    insert_run_.bind(1, newUuid())
        .bind(2, config.effectiveName())
        .bind(3, toString(config.algorithm))
        .bind(4, unixTimeNow())
        .bind(5, info.host.empty() ? hostName() : info.host)
        .bind(6, toJson(config))
        .bind(7, static_cast<int64_t>(config.seed))
        .bind(8, config.workers)
        .bind(9, info.parameter_count)
        .bind(10, info.model_description)
        .bind(11, info.dataset_description)
        .bind(12, info.train_size)
        .bind(13, info.test_size)
        .bind(14, info.images_per_worker_budget)
        .bind(15, joined(info.worker_devices))
        .bind(16, info.intra_op_threads);
    insert_run_.run();
    state_.run_id = db_.lastInsertRowId();
    state_.seq = 0;
    // Locked before the row is committed, so no reader ever sees this run `running` and unlocked.
    locks_.lock(state_.run_id);
    locked_in_batch_.push_back(state_.run_id);
    last_started_run_ = state_.run_id;
}

void RunWriter::addPoint(std::string_view series_name, int worker, const SamplePoint& at, double value) {
    const int series_id = series::idOf(series_name);
    const int64_t seq = ++state_.seq;
    // A non-finite value binds as NULL.
    if (worker == kRunLevel) {
        insert_run_point_.bind(1, state_.run_id).bind(2, series_id).bind(3, seq);
        insert_run_point_.bind(4, at.iteration).bind(5, at.images).bind(6, at.wall_s).bind(7, value);
        insert_run_point_.run();
    } else {
        insert_worker_point_.bind(1, state_.run_id).bind(2, series_id).bind(3, worker).bind(4, seq);
        insert_worker_point_.bind(5, at.iteration).bind(6, at.images).bind(7, at.wall_s).bind(8, value);
        insert_worker_point_.run();
    }
    state_.dirty_latest[{series_id, worker}] = SeriesPoint{seq, at.iteration, at.images, at.wall_s, value};
    ++rows_in_batch_;
}

void RunWriter::apply(const WorkerSample& sample) {
    if (!runIsOpen()) return;
    addPoint(series::kLoss, sample.worker, sample.at, sample.loss);
    if (!std::isnan(sample.alpha)) addPoint(series::kAlpha, sample.worker, sample.at, sample.alpha);
    addPoint(series::kMessagesSent, sample.worker, sample.at, static_cast<double>(sample.messages_sent));
    addPoint(series::kMessagesReceived, sample.worker, sample.at, static_cast<double>(sample.messages_received));
    if (!std::isnan(sample.center_distance)) {
        addPoint(series::kCenterDistance, sample.worker, sample.at, sample.center_distance);
    }
    if (!std::isnan(sample.wait_per_iteration_s)) {
        addPoint(series::kWaitPerIteration, sample.worker, sample.at, sample.wait_per_iteration_s);
    }
}

void RunWriter::apply(const RunSample& sample) {
    if (!runIsOpen()) return;
    addPoint(series::kMeanLoss, kRunLevel, sample.at, sample.mean_loss);
    if (!std::isnan(sample.alpha_sum)) addPoint(series::kAlphaSum, kRunLevel, sample.at, sample.alpha_sum);
    if (!std::isnan(sample.alpha_held)) addPoint(series::kAlphaHeld, kRunLevel, sample.at, sample.alpha_held);
    if (!std::isnan(sample.alpha_waiting)) addPoint(series::kAlphaWaiting, kRunLevel, sample.at, sample.alpha_waiting);
    addPoint(series::kMessages, kRunLevel, sample.at, static_cast<double>(sample.messages));
    addPoint(series::kImagesPerSecond, kRunLevel, sample.at, sample.images_per_second);
}

void RunWriter::apply(const DistanceSnapshot& snapshot) {
    if (!runIsOpen()) return;
    addPoint(series::kConsensusDistance, kRunLevel, snapshot.at, snapshot.consensus_distance);
    const std::vector<unsigned char> blob = encodeDoubles(snapshot.distances);
    insert_distances_.bind(1, state_.run_id)
        .bind(2, ++state_.seq)
        .bind(3, snapshot.at.iteration)
        .bind(4, snapshot.at.images)
        .bind(5, snapshot.at.wall_s)
        .bind(6, snapshot.workers)
        .bindBlob(7, blob);
    insert_distances_.run();
}

void RunWriter::apply(const EvalSample& sample) {
    if (!runIsOpen()) return;
    addPoint(series::kTestLoss, kRunLevel, sample.at, sample.test_loss);
    addPoint(series::kTestAccuracy, kRunLevel, sample.at, sample.test_accuracy);
}

void RunWriter::apply(const ProgressUpdate& update) {
    if (!runIsOpen()) return;
    state_.progress = update;  // only the last of a batch matters
}

void RunWriter::apply(const SettingChange& change) {
    if (!runIsOpen()) return;
    insert_setting_change_.bind(1, state_.run_id)
        .bind(2, change.at.iteration)
        .bind(3, change.at.images)
        .bind(4, change.at.wall_s)
        .bind(5, change.field)
        .bind(6, change.old_value)
        .bind(7, change.new_value)
        .bind(8, change.source);
    insert_setting_change_.run();
}

void RunWriter::apply(const MessageEvent& message) {
    if (!runIsOpen()) return;
    insert_message_.bind(1, state_.run_id).bind(2, message.created_at).bind(3, message.wall_s).bind(4, message.text);
    insert_message_.run();
}

void RunWriter::apply(const EndEvent& event) {
    if (!runIsOpen()) return;
    // A result that still says `running` would leave a run no one can tell from a live one.
    const RunStatus status = event.result.status == RunStatus::Running ? RunStatus::Interrupted : event.result.status;
    finishRun(status, event.result.message, &event.result);
}

void RunWriter::apply(const AbandonEvent& event) {
    if (state_.run_id == 0) return;
    finishRun(RunStatus::Interrupted, event.reason, nullptr);
}

void RunWriter::writeSummaries() {
    if (state_.run_id == 0) return;
    for (const auto& [key, point] : state_.dirty_latest) {
        upsert_latest_.bind(1, state_.run_id)
            .bind(2, key.first)
            .bind(3, key.second)
            .bind(4, point.seq)
            .bind(5, point.iteration)
            .bind(6, point.images)
            .bind(7, point.wall_s)
            .bind(8, point.value);
        upsert_latest_.run();
    }
    state_.dirty_latest.clear();
    if (state_.progress) {
        update_progress_.bind(1, state_.run_id)
            .bind(2, state_.progress->fraction)
            .bind(3, state_.progress->images_done)
            .bind(4, state_.progress->elapsed_s);
        update_progress_.run();
        state_.progress.reset();
    }
}

void RunWriter::finishRun(RunStatus status, const std::string& message, const RunResult* result) {
    writeSummaries();
    end_run_.bind(1, state_.run_id).bind(2, toString(status)).bind(3, message).bind(4, unixTimeNow());
    if (result) {
        const std::vector<unsigned char> losses = encodeDoubles(result->worker_final_loss);
        end_run_.bind(5, result->wall_s)
            .bind(6, result->images_done)
            .bind(7, result->messages)
            .bind(8, result->final_mean_loss)
            .bind(9, result->alpha_sum)
            .bind(10, result->final_test_loss)
            .bind(11, result->final_test_accuracy)
            .bind(12, result->consensus_distance)
            .bind(13, result->images_per_second)
            .bindBlob(14, losses);
    }  // without a result the outcome columns stay NULL: the run list falls back to the latest values
    end_run_.run();
    unlock_after_commit_.push_back(state_.run_id);
    state_.run_id = 0;
}

}  // namespace gossiplab::store
