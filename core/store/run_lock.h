#pragma once
// Tells a live run from a dead one. Internal to core/store.
//
// The process that records a run holds an open-file-description lock (F_OFD_SETLK) on byte `run id`
// of a side file, "<history>-runlock". The kernel drops the lock when the process dies however it
// dies (kill -9, crash, power loss), so on the next open a `running` run whose byte nobody holds
// was left by a dead process and is marked `interrupted`. No heartbeat, no pid reuse problem.
// OFD locks (unlike classic POSIX locks) also conflict within one process, so a RunHistory in the
// process that records sees that run as live. Local file systems only, like SQLite's WAL mode.

#include <cstdint>
#include <string>

namespace gossiplab::store {

class RunLockFile {
public:
    // The runner of experiment N holds byte kExperimentLockBase + N (experiments table, schema v3);
    // run ids stay far below it.
    static constexpr int64_t kExperimentLockBase = int64_t{1} << 40;

    static std::string lockPathFor(const std::string& history_path) { return history_path + "-runlock"; }

    RunLockFile() = default;  // not open: every run looks dead, nothing can be locked
    // Opens (creating it if `create`) the lock file of a history. Returns a closed object if the
    // file cannot be opened; callers treat that as "cannot tell" (see isOpen()).
    static RunLockFile open(const std::string& history_path, bool create);

    ~RunLockFile();
    RunLockFile(RunLockFile&& other) noexcept;
    RunLockFile& operator=(RunLockFile&& other) noexcept;
    RunLockFile(const RunLockFile&) = delete;
    RunLockFile& operator=(const RunLockFile&) = delete;

    bool isOpen() const { return fd_ >= 0; }
    // Marks `run_id` live for as long as this object holds the lock. False if someone else holds it.
    bool lock(int64_t run_id);
    void unlock(int64_t run_id);
    // True if another open file description (any process, this one included) holds the run's lock.
    bool heldByOther(int64_t run_id) const;

private:
    explicit RunLockFile(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace gossiplab::store
