#pragma once
// How the run history reports failure.
//
// Expected failures (a file that is not a history, a read-only file, a locked database, a full disk,
// an unknown run id) come back as values: Result<T> holding a StoreError. Faults nobody can plan for
// in a query (an I/O error or corruption found while reading) throw HistoryError. Every message names
// the file, because the user may have several histories and the CLI prints the message as it is.

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace gossiplab::store {

enum class ErrorKind {
    NotAHistory,     // not an SQLite file, or an SQLite file without our schema
    NewerSchema,     // written by a newer GossipLab; refused and left untouched
    OlderSchema,     // needs an upgrade, which a read-only open cannot do
    ReadOnly,        // the file or its folder cannot be written
    CannotOpen,      // missing file or folder, permissions, ...
    Locked,          // another process holds the write lock for longer than the busy timeout
    DiskFull,        // no space left, or the file-size limit was reached
    NotFound,        // no run with that id
    RunIsLive,       // the run is being recorded by a live process (e.g. delete refused)
    InvalidArgument, // a value the store cannot accept
    Io,              // any other SQLite or file-system failure
};

struct StoreError {
    ErrorKind kind = ErrorKind::Io;
    std::string path;     // the history file (or the file being read or written)
    std::string message;  // complete sentence; already names the path

    const std::string& what() const { return message; }
};

// Thrown by queries only for faults (I/O errors, corruption); never for expected situations.
class HistoryError : public std::runtime_error {
public:
    explicit HistoryError(StoreError error) : std::runtime_error(error.message), error_(std::move(error)) {}
    const StoreError& error() const { return error_; }

private:
    StoreError error_;
};

// A value or a StoreError (std::expected is C++23; this is the part of it we need).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}                 // NOLINT: implicit on purpose
    Result(StoreError error) : state_(std::move(error)) {}        // NOLINT: implicit on purpose

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }

    const StoreError& error() const { return std::get<1>(state_); }

private:
    std::variant<T, StoreError> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(StoreError error) : error_(std::move(error)) {}  // NOLINT: implicit on purpose

    bool ok() const { return !error_.has_value(); }
    explicit operator bool() const { return ok(); }
    const StoreError& error() const { return *error_; }

private:
    std::optional<StoreError> error_;
};

}  // namespace gossiplab::store
