#include "core/store/run_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace gossiplab::store {

namespace {

struct flock byteLock(short type, int64_t run_id) {
    struct flock lock {};
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = static_cast<off_t>(run_id);
    lock.l_len = 1;
    lock.l_pid = 0;  // required for OFD locks
    return lock;
}

}  // namespace

RunLockFile RunLockFile::open(const std::string& history_path, bool create) {
    const std::string lock_path = lockPathFor(history_path);
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    // Asking whether a lock is held (F_OFD_GETLK) needs no write access: a read-only reader of
    // another user's history can still tell live runs from dead ones.
    if (fd < 0 && !create) fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    return RunLockFile(fd);
}

RunLockFile::~RunLockFile() {
    if (fd_ >= 0) ::close(fd_);
}

RunLockFile::RunLockFile(RunLockFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

RunLockFile& RunLockFile::operator=(RunLockFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

bool RunLockFile::lock(int64_t run_id) {
    if (fd_ < 0) return false;
    struct flock lock = byteLock(F_WRLCK, run_id);
    return ::fcntl(fd_, F_OFD_SETLK, &lock) == 0;
}

void RunLockFile::unlock(int64_t run_id) {
    if (fd_ < 0) return;
    struct flock lock = byteLock(F_UNLCK, run_id);
    ::fcntl(fd_, F_OFD_SETLK, &lock);
}

bool RunLockFile::heldByOther(int64_t run_id) const {
    if (fd_ < 0) return false;
    struct flock lock = byteLock(F_WRLCK, run_id);
    if (::fcntl(fd_, F_OFD_GETLK, &lock) != 0) return false;
    return lock.l_type != F_UNLCK;
}

}  // namespace gossiplab::store
