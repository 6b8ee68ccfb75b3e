#pragma once
// A small RAII layer over the SQLite C API: a connection, a prepared statement, a transaction.
// Internal to core/store. Failures throw SqliteFailure; the public API turns them into StoreError
// values (or HistoryError) that name the history file.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/store/store_error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gossiplab::store::sql {

class SqliteFailure : public std::runtime_error {
public:
    SqliteFailure(int code, int system_errno, const std::string& message)
        : std::runtime_error(message), code_(code), system_errno_(system_errno) {}
    int code() const { return code_; }  // the extended result code
    int primaryCode() const { return code_ & 0xff; }
    int systemErrno() const { return system_errno_; }  // errno of the failing OS call, 0 if none

private:
    int code_;
    int system_errno_;
};

// Classifies a failure for the user: "database is locked" and "disk is full" need different advice.
ErrorKind classify(const SqliteFailure& failure);
// "<path>: cannot <doing>: <sqlite's words>"; adds a hint for the common cases.
StoreError describe(const SqliteFailure& failure, const std::string& path, std::string_view doing);

// A user's path as an SQLite file name that is never mistaken for a URI ("file:x" is a legal name).
std::string plainFileName(const std::string& path);
// "file:<path>?mode=ro[&immutable=1]" with the path percent-encoded.
std::string readOnlyUri(const std::string& path, bool immutable);

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite. A non-finite double is bound as NULL (NaN is not a value).
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bindNull(int index);
    Statement& bindBlob(int index, std::span<const unsigned char> bytes);

    // True while a row is available. Throws SqliteFailure on an error.
    bool step();
    // Runs a statement that returns no rows (or ignores them), then resets it for reuse.
    void run();
    // Resets to run again; the bindings are cleared.
    void reset();

    bool isNull(int column) const;
    int64_t int64(int column) const;
    double real(int column) const;  // NaN for NULL
    std::string text(int column) const;
    std::vector<unsigned char> blob(int column) const;

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
public:
    enum class Access { ReadWriteCreate, ReadWrite, ReadOnly };

    // Opens (and, for ReadWriteCreate, creates) the file. URI file names are enabled (ATTACH
    // needs them), so pass a user's path through plainFileName() and build URIs with readOnlyUri().
    // Throws SqliteFailure.
    static Database open(const std::string& name, Access access, int busy_timeout_ms);

    Database() = default;
    ~Database();
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    bool isOpen() const { return db_ != nullptr; }
    sqlite3* handle() const { return db_; }

    // One or more statements without results.
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) const { return Statement(db_, sql); }
    // The first column of the first row as an integer (0 when there is no row or it is NULL).
    int64_t queryInt(std::string_view sql);

    int64_t lastInsertRowId() const;
    int64_t changes() const;
    // True when the connection cannot write (the file or its folder is read-only).
    bool isReadOnly() const;
    bool inTransaction() const;
    void setBusyTimeout(int ms);

private:
    explicit Database(sqlite3* db) : db_(db) {}
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (takes the write lock now, so a busy database fails here rather
// than halfway through); ROLLBACK in the destructor unless commit() was called.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool open_ = false;
};

}  // namespace gossiplab::store::sql
