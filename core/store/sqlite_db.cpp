#include "core/store/sqlite_db.h"

#include "core/store/sqlite3_api.h"
#include <sys/resource.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <utility>

namespace gossiplab::store::sql {

namespace {

SqliteFailure failure(sqlite3* db, int code) {
    const int extended = db ? sqlite3_extended_errcode(db) : code;
    const int system_errno = db ? sqlite3_system_errno(db) : 0;
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    return SqliteFailure(extended ? extended : code, system_errno, message);
}

[[noreturn]] void fail(sqlite3* db, int code) { throw failure(db, code); }

bool isDiskFullErrno(int error) { return error == ENOSPC || error == EFBIG || error == EDQUOT; }

// SQLite reports a write past RLIMIT_FSIZE as a plain I/O error and does not always keep the
// errno (EFBIG), so look at the situation itself: little space left in the folder, or the file or
// its write-ahead log at the file-size limit.
bool diskLooksFull(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path folder = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path(".");
    const fs::space_info space = fs::space(folder, ec);
    if (!ec && space.available < (1u << 20)) return true;
    rlimit limit{};
    if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
    for (const char* suffix : {"", "-wal", "-journal"}) {
        const auto size = fs::file_size(path + suffix, ec);
        if (!ec && size + 65536 >= limit.rlim_cur) return true;
    }
    return false;
}

}  // namespace

ErrorKind classify(const SqliteFailure& failure) {
    switch (failure.primaryCode()) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED: return ErrorKind::Locked;
        case SQLITE_FULL: return ErrorKind::DiskFull;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH: return ErrorKind::ReadOnly;
        case SQLITE_CANTOPEN: return ErrorKind::CannotOpen;
        case SQLITE_NOTADB: return ErrorKind::NotAHistory;
        case SQLITE_IOERR:
            // A write past RLIMIT_FSIZE fails with EFBIG, which SQLite reports as an I/O error.
            return isDiskFullErrno(failure.systemErrno()) ? ErrorKind::DiskFull : ErrorKind::Io;
        default: return ErrorKind::Io;
    }
}

StoreError describe(const SqliteFailure& failure, const std::string& path, std::string_view doing) {
    ErrorKind kind = classify(failure);
    if (kind == ErrorKind::Io && failure.primaryCode() == SQLITE_IOERR && diskLooksFull(path)) kind = ErrorKind::DiskFull;
    std::string why;
    switch (kind) {
        case ErrorKind::Locked:
            why = "the database is locked: another process kept writing to it for longer than the busy timeout";
            break;
        case ErrorKind::DiskFull: why = "the disk is full (or the file-size limit was reached)"; break;
        case ErrorKind::ReadOnly: why = "the file or its folder is read-only"; break;
        case ErrorKind::CannotOpen: why = "the file cannot be opened or created (missing folder or no permission)"; break;
        case ErrorKind::NotAHistory: why = "the file is not an SQLite database"; break;
        default: break;
    }
    std::string message = path + ": cannot " + std::string(doing) + ": ";
    message += why.empty() ? std::string(failure.what()) : why + " (" + failure.what() + ")";
    if (kind == ErrorKind::Io) {
        // Unclassified: give what a bug report needs.
        message += " [SQLite code " + std::to_string(failure.code());
        if (failure.systemErrno() != 0) message += ", " + std::string(std::strerror(failure.systemErrno()));
        message += "]";
    }
    return StoreError{kind, path, message};
}

// ---- Statement ----

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        fail(db, rc);
    }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        db_ = std::exchange(other.db_, nullptr);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (!std::isfinite(value)) return bindNull(index);
    const int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc);
    return *this;
}

Statement& Statement::bindNull(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) fail(db_, rc);
    return *this;
}

Statement& Statement::bindBlob(int index, std::span<const unsigned char> bytes) {
    const int rc = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Read the error first (the OS errno tells a full disk from other I/O errors), then reset so
    // that the statement can be reused and releases its locks.
    SqliteFailure error = failure(db_, rc);
    sqlite3_reset(stmt_);
    throw error;
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const {
    if (isNull(column)) return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(stmt_, column);
}

std::string Statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(data, static_cast<size_t>(size)) : std::string();
}

std::vector<unsigned char> Statement::blob(int column) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::vector<unsigned char>(data, data + size) : std::vector<unsigned char>();
}

// ---- Database ----

std::string plainFileName(const std::string& path) {
    return path.rfind("file:", 0) == 0 ? "./" + path : path;
}

std::string readOnlyUri(const std::string& path, bool immutable) {
    static const char* hex = "0123456789ABCDEF";
    // An absolute path gets an empty authority ("file:///a"), so "//x" is never read as a host.
    std::string uri = (!path.empty() && path[0] == '/') ? "file://" : "file:";
    for (unsigned char c : path) {
        const bool safe = std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
        if (safe) {
            uri += static_cast<char>(c);
        } else {
            uri += '%';
            uri += hex[c >> 4];
            uri += hex[c & 15];
        }
    }
    uri += "?mode=ro";
    if (immutable) uri += "&immutable=1";
    return uri;
}

Database Database::open(const std::string& path, Access access, int busy_timeout_ms) {
    int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread at a time, as the store uses them
    switch (access) {
        case Access::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
        case Access::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
        case Access::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    }
    flags |= SQLITE_OPEN_URI;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Database db(raw);  // closes `raw` on every path out of here
    if (rc != SQLITE_OK) fail(raw, rc);
    sqlite3_extended_result_codes(raw, 1);
    db.setBusyTimeout(busy_timeout_ms);
    return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
    }
    return *this;
}

void Database::exec(std::string_view sql) {
    const std::string copy(sql);  // sqlite3_exec wants a NUL-terminated string
    const int rc = sqlite3_exec(db_, copy.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc);
}

int64_t Database::queryInt(std::string_view sql) {
    Statement statement(db_, sql);
    return statement.step() ? statement.int64(0) : 0;
}

int64_t Database::lastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const { return sqlite3_changes64(db_); }

bool Database::isReadOnly() const { return sqlite3_db_readonly(db_, "main") == 1; }

bool Database::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Database::setBusyTimeout(int ms) { sqlite3_busy_timeout(db_, ms); }

// ---- Transaction ----

Transaction::Transaction(Database& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
    open_ = true;
}

Transaction::~Transaction() {
    if (open_ && db_.inTransaction()) {
        // Never throws: a failed rollback leaves SQLite to roll back when the connection closes.
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

}  // namespace gossiplab::store::sql
