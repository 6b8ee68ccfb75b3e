#pragma once
// Shared by the store tests: synthetic runs (no training core needed), raw SQL peeks, file
// snapshots and forked children (for kill -9, file-size limits and an unprivileged user).

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <QString>

#include "core/store/sqlite_db.h"
#include "core/train/run_events.h"

namespace store_test {

using namespace gossiplab;

// QCOMPARE cannot print a RunStatus (gossiplab::toString returns std::string); compare names.
inline QString name(RunStatus status) { return QString::fromStdString(toString(status)); }

inline RunInfo makeInfo(const std::string& name, int workers = 4, Algorithm algorithm = Algorithm::GoSgd) {
    RunInfo info;
    info.config.name = name;
    info.config.workers = workers;
    info.config.algorithm = algorithm;
    info.config.seed = 42;
    info.config.p = 0.05;
    info.parameter_count = 1234;
    info.model_description = "lenet (test)";
    info.dataset_description = "synthetic (test)";
    info.train_size = 1000;
    info.test_size = 100;
    info.images_per_worker_budget = 5000;
    info.worker_devices.assign(static_cast<size_t>(workers), "cpu");
    info.host = "test-host";
    info.intra_op_threads = 1;
    return info;
}

inline SamplePoint pointAt(int64_t iteration) { return {iteration, iteration * 64, static_cast<double>(iteration) * 0.01}; }

// The loss worker w reports at `iteration` in every synthetic run.
inline double syntheticLoss(int worker, int64_t iteration) { return 2.0 / (1.0 + 0.01 * static_cast<double>(iteration)) + 0.001 * worker; }
// The seconds per iteration worker w waited for the others, as reported at `iteration`.
inline double syntheticWait(int worker, int64_t iteration) { return 1e-3 * (worker + 1) + 1e-5 * static_cast<double>(iteration % 13); }

// Sends `count` sampling rounds starting at `first_iteration`: per worker a WorkerSample, then a
// RunSample; every 10th round also a DistanceSnapshot and a ProgressUpdate.
inline void feedSamples(RunObserver& observer, int workers, int64_t first_iteration, int64_t count, bool gosgd = true) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (int64_t iteration = first_iteration; iteration < first_iteration + count; ++iteration) {
        for (int w = 0; w < workers; ++w) {
            WorkerSample sample;
            sample.worker = w;
            sample.at = pointAt(iteration);
            sample.loss = syntheticLoss(w, iteration);
            sample.alpha = gosgd ? 1.0 / workers : nan;
            sample.alpha_sum = gosgd ? 1.0 : nan;
            sample.messages_sent = iteration / 10;
            sample.messages_received = iteration / 11;
            sample.center_distance = gosgd ? nan : 0.5;
            sample.wait_per_iteration_s = syntheticWait(w, iteration);
            observer.onWorkerSample(sample);
        }
        RunSample run_sample;
        run_sample.at = pointAt(iteration);
        run_sample.mean_loss = syntheticLoss(0, iteration);
        run_sample.alpha_sum = gosgd ? 1.0 : nan;
        run_sample.alpha_held = gosgd ? 0.75 + 0.001 * static_cast<double>(iteration % 7) : nan;
        run_sample.alpha_waiting = gosgd ? 1.0 - run_sample.alpha_held : nan;
        run_sample.messages = iteration;
        run_sample.images_per_second = 1000.0;
        observer.onRunSample(run_sample);
        if (iteration % 10 == 0) {
            DistanceSnapshot snapshot;
            snapshot.at = pointAt(iteration);
            snapshot.workers = workers;
            for (int i = 0; i < workers; ++i)
                for (int j = 0; j < workers; ++j) snapshot.distances.push_back(i == j ? 0.0 : 0.1 * (i + j) + 1e-3 * static_cast<double>(iteration));
            snapshot.consensus_distance = 0.05;
            observer.onDistances(snapshot);
            ProgressUpdate progress;
            progress.elapsed_s = static_cast<double>(iteration) * 0.01;
            progress.images_done = iteration * 64 * workers;
            progress.fraction = 0.5;
            observer.onProgress(progress);
        }
    }
}

inline RunResult makeResult(RunStatus status, int workers = 4) {
    RunResult result;
    result.status = status;
    result.message = status == RunStatus::Finished ? "" : "ended early";
    result.wall_s = 12.5;
    result.images_done = 64000;
    result.messages = 321;
    result.final_mean_loss = 0.25;
    result.alpha_sum = 1.0;
    result.final_test_loss = 0.3;
    result.final_test_accuracy = 0.91;
    result.consensus_distance = 0.01;
    result.images_per_second = 5120.0;
    result.worker_final_loss.assign(static_cast<size_t>(workers), 0.25);
    return result;
}

// ---- raw SQL (the store's own RAII layer, on a separate connection) ----

inline int64_t queryInt(const std::string& path, const std::string& sql) {
    auto db = gossiplab::store::sql::Database::open(path, gossiplab::store::sql::Database::Access::ReadWrite, 5000);
    return db.queryInt(sql);
}

inline std::string integrityCheck(const std::string& path) {
    auto db = gossiplab::store::sql::Database::open(path, gossiplab::store::sql::Database::Access::ReadWrite, 5000);
    auto statement = db.prepare("PRAGMA integrity_check");
    return statement.step() ? statement.text(0) : std::string("no result");
}

inline std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// ---- forked children ----

// Writes one line to the parent (child side).
inline void tell(int fd, const std::string& line) {
    const std::string text = line + "\n";
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

// Running as root bypasses file permissions, so permission tests drop to `nobody` in the child.
inline bool dropToUnprivilegedUser() {
    if (::geteuid() != 0) return true;
    return ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0;
}

class Child {
public:
    // Forks; the child runs `body(fd)` (fd: a pipe to the parent) and exits with its return value.
    explicit Child(const std::function<int(int)>& body) {
        int fds[2];
        if (::pipe(fds) != 0) return;
        std::fflush(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(fds[0]);
            int code = 98;
            try {
                code = body(fds[1]);
            } catch (...) {
                code = 99;
            }
            ::_exit(code);
        }
        ::close(fds[1]);
        fd_ = fds[0];
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            wait();
        }
        if (fd_ >= 0) ::close(fd_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    bool started() const { return pid_ > 0; }
    // One line from the child; empty at EOF.
    std::string readLine() {
        std::string line;
        char c;
        while (::read(fd_, &c, 1) == 1) {
            if (c == '\n') return line;
            line += c;
        }
        return line;
    }
    std::vector<std::string> readAllLines() {
        std::vector<std::string> lines;
        std::string text;
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fd_, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
        std::istringstream in(text);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }
    void kill9() { ::kill(pid_, SIGKILL); }
    // The raw waitpid status.
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        reaped_ = true;
        return status;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
    bool reaped_ = false;
};

}  // namespace store_test
