// gossiplab-store-bench: figures for the run history, printed (this is not a timed test).
//   1. ingest rate of per-worker scalar rows through RunRecorder (queue + writer thread + batched
//      transactions), next to the same rows inserted by a plain SQLite loop in one transaction;
//   2. reading one 1,000,000-point series decimated to 2,000 points (and read whole, for scale).
//
// usage: gossiplab-store-bench [--samples N] [--workers M] [--points P] [--batch ROWS] [--dir FOLDER]

#include "core/store/sqlite3_api.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "core/store/series_names.h"

using namespace gossiplab;
using namespace gossiplab::store;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

RunInfo benchInfo(int workers) {
    RunInfo info;
    info.config.name = "store bench";
    info.config.workers = workers;
    info.worker_devices.assign(static_cast<size_t>(workers), "cpu");
    info.host = "bench";
    return info;
}

// GoSGD-shaped samples: loss, alpha, messages sent and received per worker (no center distance).
WorkerSample sampleFor(int worker, int64_t iteration) {
    WorkerSample sample;
    sample.worker = worker;
    sample.at = {iteration, iteration * 64, static_cast<double>(iteration) * 0.01};
    sample.loss = 2.0 / (1.0 + 0.001 * static_cast<double>(iteration)) + 0.01 * worker;
    sample.alpha = 0.125;
    sample.alpha_sum = 1.0;
    sample.messages_sent = iteration / 10;
    sample.messages_received = iteration / 11;
    sample.center_distance = std::numeric_limits<double>::quiet_NaN();
    return sample;
}
constexpr int kRowsPerSample = 4;

void check(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        std::exit(1);
    }
}

// The baseline: the same rows, one prepared INSERT per row, one transaction, on a plain connection
// (WAL, synchronous=NORMAL, like the recorder). Returns seconds.
double plainLoop(const std::string& path, int64_t run_id, int workers, int64_t samples) {
    sqlite3* db = nullptr;
    check(sqlite3_open(path.c_str(), &db), db, "open");
    check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr), db, "pragma");
    sqlite3_stmt* insert = nullptr;
    check(sqlite3_prepare_v2(db,
                             "INSERT INTO worker_points (run_id, series_id, worker, seq, iteration, images, wall_s, value) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                             -1, &insert, nullptr),
          db, "prepare");
    const int series_ids[kRowsPerSample] = {series::idOf(series::kLoss), series::idOf(series::kAlpha),
                                            series::idOf(series::kMessagesSent), series::idOf(series::kMessagesReceived)};
    const auto start = Clock::now();
    check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    int64_t seq = 0;
    for (int64_t iteration = 1; iteration <= samples; ++iteration) {
        for (int w = 0; w < workers; ++w) {
            const WorkerSample s = sampleFor(w, iteration);
            const double values[kRowsPerSample] = {s.loss, s.alpha, static_cast<double>(s.messages_sent),
                                                   static_cast<double>(s.messages_received)};
            for (int k = 0; k < kRowsPerSample; ++k) {
                sqlite3_bind_int64(insert, 1, run_id);
                sqlite3_bind_int(insert, 2, series_ids[k]);
                sqlite3_bind_int(insert, 3, w);
                sqlite3_bind_int64(insert, 4, ++seq);
                sqlite3_bind_int64(insert, 5, s.at.iteration);
                sqlite3_bind_int64(insert, 6, s.at.images);
                sqlite3_bind_double(insert, 7, s.at.wall_s);
                sqlite3_bind_double(insert, 8, values[k]);
                check(sqlite3_step(insert), db, "insert");
                sqlite3_reset(insert);
            }
        }
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    const double seconds = secondsSince(start);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return seconds;
}

// One series of `points` rows (loss of worker 0), written directly; returns the run id.
int64_t makeLongSeries(const std::string& path, int64_t points) {
    auto recorder = RunRecorder::open(path);
    if (!recorder) {
        std::fprintf(stderr, "%s\n", recorder.error().message.c_str());
        std::exit(1);
    }
    const int64_t run_id = (*recorder)->startRun(benchInfo(1)).value();
    (*recorder)->endRun(RunResult{}).ok();
    recorder = StoreError{};
    sqlite3* db = nullptr;
    check(sqlite3_open(path.c_str(), &db), db, "open");
    sqlite3_stmt* insert = nullptr;
    check(sqlite3_prepare_v2(db, "INSERT INTO worker_points VALUES (?1, 1, 0, ?2, ?2, ?3, ?4, ?5)", -1, &insert, nullptr),
          db, "prepare");
    check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    for (int64_t i = 1; i <= points; ++i) {
        sqlite3_bind_int64(insert, 1, run_id);
        sqlite3_bind_int64(insert, 2, i);
        sqlite3_bind_int64(insert, 3, i * 64);
        sqlite3_bind_double(insert, 4, static_cast<double>(i) * 0.01);
        sqlite3_bind_double(insert, 5, std::sin(static_cast<double>(i) * 1e-3) + 1e-4 * static_cast<double>(i % 97));
        check(sqlite3_step(insert), db, "insert");
        sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return run_id;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int64_t samples = 50'000;  // per worker
    int workers = 8;
    int64_t points = 1'000'000;
    RecorderOptions recorder_options;
    std::string folder = (fs::temp_directory_path() / "gossiplab-store-bench").string();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--samples") samples = std::atoll(argv[i + 1]);
        else if (flag == "--workers") workers = std::atoi(argv[i + 1]);
        else if (flag == "--points") points = std::atoll(argv[i + 1]);
        else if (flag == "--dir") folder = argv[i + 1];
        else if (flag == "--batch") recorder_options.batch_rows = static_cast<size_t>(std::atoll(argv[i + 1]));
        else {
            std::fprintf(stderr, "usage: %s [--samples N] [--workers M] [--points P] [--batch ROWS] [--dir FOLDER]\n", argv[0]);
            return 2;
        }
    }
    fs::remove_all(folder);
    fs::create_directories(folder);
    const int64_t rows = samples * workers * kRowsPerSample;
    std::printf("gossiplab-store-bench: SQLite %s, %d workers x %lld samples = %lld per-worker rows, in %s\n",
                sqlite3_libversion(), workers, static_cast<long long>(samples), static_cast<long long>(rows),
                folder.c_str());

    // 1a. Through the recorder: the producer is the caller (the run's monitor thread in real use).
    const std::string recorder_path = folder + "/recorder.sqlite3";
    RecorderStats stats;
    double producer_s = 0.0;
    double total_s = 0.0;
    {
        auto recorder = RunRecorder::open(recorder_path, recorder_options);
        if (!recorder) {
            std::fprintf(stderr, "%s\n", recorder.error().message.c_str());
            return 1;
        }
        if (!(*recorder)->startRun(benchInfo(workers)).ok()) return 1;
        const auto start = Clock::now();
        for (int64_t iteration = 1; iteration <= samples; ++iteration) {
            for (int w = 0; w < workers; ++w) (*recorder)->onWorkerSample(sampleFor(w, iteration));
        }
        producer_s = secondsSince(start);
        if (auto flushed = (*recorder)->flush(); !flushed.ok()) {
            std::fprintf(stderr, "%s\n", flushed.error().message.c_str());
            return 1;
        }
        total_s = secondsSince(start);
        stats = (*recorder)->stats();
        (*recorder)->endRun(RunResult{}).ok();
    }
    std::printf("\n[ingest] per-worker scalar rows\n");
    std::printf("  RunRecorder (queue + writer thread, transactions of ~%zu rows or %lld ms):\n",
                recorder_options.batch_rows, static_cast<long long>(recorder_options.batch_interval.count()));
    std::printf("    %10.0f rows/s  (%lld rows committed in %.3f s, %llu transactions)\n",
                static_cast<double>(stats.rows_written) / total_s, static_cast<long long>(stats.rows_written), total_s,
                static_cast<unsigned long long>(stats.batches_committed));
    std::printf("    producer side: %.3f s in the observer calls, of which %.3f s in %llu waits on a full queue\n"
                "    (this loop produces far faster than any run samples); %.2f us per sample without the waits;"
                " peak %zu queued rows\n",
                producer_s, stats.producer_wait_s, static_cast<unsigned long long>(stats.producer_waits),
                1e6 * (producer_s - stats.producer_wait_s) / static_cast<double>(samples * workers),
                stats.peak_queued_rows);

    // 1b. The same rows through a plain loop in one transaction, into a fresh history.
    const std::string plain_path = folder + "/plain.sqlite3";
    int64_t plain_run = 0;
    {
        auto recorder = RunRecorder::open(plain_path);
        plain_run = (*recorder)->startRun(benchInfo(workers)).value();
        (*recorder)->endRun(RunResult{}).ok();
    }
    const double plain_s = plainLoop(plain_path, plain_run, workers, samples);
    std::printf("  plain SQLite loop, one prepared INSERT per row, one transaction:\n");
    std::printf("    %10.0f rows/s  (%lld rows in %.3f s)\n", static_cast<double>(rows) / plain_s,
                static_cast<long long>(rows), plain_s);
    std::printf("  recorder / plain: %.2f\n", plain_s / total_s);

    // 2. Reading one long series, decimated for a plot.
    const std::string long_path = folder + "/long.sqlite3";
    const int64_t long_run = makeLongSeries(long_path, points);
    auto history = RunHistory::open(long_path);
    if (!history) {
        std::fprintf(stderr, "%s\n", history.error().message.c_str());
        return 1;
    }
    std::vector<double> decimated_ms;
    std::vector<double> whole_ms;
    size_t decimated_points = 0;
    size_t whole_points = 0;
    for (int repeat = 0; repeat < 5; ++repeat) {
        auto start = Clock::now();
        decimated_points = history->readSeries(long_run, series::kLoss, 0, {0, 2000}).size();
        decimated_ms.push_back(1e3 * secondsSince(start));
        start = Clock::now();
        whole_points = history->readSeries(long_run, series::kLoss, 0).size();
        whole_ms.push_back(1e3 * secondsSince(start));
    }
    std::printf("\n[read] one series of %lld points (median of 5)\n", static_cast<long long>(points));
    std::printf("  decimated to 2000 points (min/max per bucket): %8.1f ms -> %zu points\n", median(decimated_ms),
                decimated_points);
    std::printf("  read whole, for scale:                         %8.1f ms -> %zu points\n", median(whole_ms),
                whole_points);
    fs::remove_all(folder);
    return 0;
}
