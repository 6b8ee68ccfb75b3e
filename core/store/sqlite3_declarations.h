#pragma once
// The part of SQLite's C API that the store uses, declared here for machines that have SQLite's
// library but not its development files: a GPU server with a Python installation always has
// libsqlite3.so.0 (Python's sqlite3 module links it), rarely sqlite3.h. SQLite keeps its C API
// and ABI stable across 3.x, and these are copies of the declarations in sqlite3.h.
// tests/store/test_sqlite_declarations.cpp compiles them next to the real header, so that any
// difference is a compile error on every CI build.
//
// Used only when CMake found no sqlite3.h (GOSSIPLAB_SQLITE_DECLARATIONS); include
// core/store/sqlite3_api.h, not this file.

namespace gossiplab::store::sqlite_declared {
// Result codes (sqlite3.h: "Result Codes")
inline constexpr int kOk = 0, kPerm = 3, kBusy = 5, kLocked = 6, kReadonly = 8, kIoErr = 10, kFull = 13,
                     kCantOpen = 14, kAuth = 23, kNotADb = 26, kRow = 100, kDone = 101;
// Fundamental datatypes, text encodings, open flags, prepare flags
inline constexpr int kNull = 5, kUtf8 = 1;
inline constexpr int kOpenReadonly = 0x00000001, kOpenReadWrite = 0x00000002, kOpenCreate = 0x00000004,
                     kOpenUri = 0x00000040, kOpenNoMutex = 0x00008000;
inline constexpr unsigned kPreparePersistent = 0x01;
}  // namespace gossiplab::store::sqlite_declared

extern "C" {
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;
typedef long long int sqlite3_int64;
typedef unsigned long long int sqlite3_uint64;
typedef void (*sqlite3_destructor_type)(void*);

const char* sqlite3_libversion(void);
int sqlite3_open(const char* filename, sqlite3** ppDb);
int sqlite3_open_v2(const char* filename, sqlite3** ppDb, int flags, const char* zVfs);
int sqlite3_close(sqlite3*);
int sqlite3_close_v2(sqlite3*);
int sqlite3_busy_timeout(sqlite3*, int ms);
int sqlite3_exec(sqlite3*, const char* sql, int (*callback)(void*, int, char**, char**), void*, char** errmsg);
int sqlite3_extended_result_codes(sqlite3*, int onoff);
int sqlite3_extended_errcode(sqlite3* db);
int sqlite3_system_errno(sqlite3*);
const char* sqlite3_errmsg(sqlite3*);
const char* sqlite3_errstr(int);
int sqlite3_db_readonly(sqlite3* db, const char* zDbName);
int sqlite3_get_autocommit(sqlite3*);
sqlite3_int64 sqlite3_changes64(sqlite3*);
sqlite3_int64 sqlite3_last_insert_rowid(sqlite3*);

int sqlite3_prepare_v2(sqlite3* db, const char* zSql, int nByte, sqlite3_stmt** ppStmt, const char** pzTail);
int sqlite3_prepare_v3(sqlite3* db, const char* zSql, int nByte, unsigned int prepFlags, sqlite3_stmt** ppStmt,
                       const char** pzTail);
int sqlite3_finalize(sqlite3_stmt* pStmt);
int sqlite3_reset(sqlite3_stmt* pStmt);
int sqlite3_clear_bindings(sqlite3_stmt*);
int sqlite3_step(sqlite3_stmt*);
int sqlite3_bind_blob64(sqlite3_stmt*, int, const void*, sqlite3_uint64, void (*)(void*));
int sqlite3_bind_double(sqlite3_stmt*, int, double);
int sqlite3_bind_int(sqlite3_stmt*, int, int);
int sqlite3_bind_int64(sqlite3_stmt*, int, sqlite3_int64);
int sqlite3_bind_null(sqlite3_stmt*, int);
int sqlite3_bind_text64(sqlite3_stmt*, int, const char*, sqlite3_uint64, void (*)(void*), unsigned char encoding);
const void* sqlite3_column_blob(sqlite3_stmt*, int iCol);
int sqlite3_column_bytes(sqlite3_stmt*, int iCol);
double sqlite3_column_double(sqlite3_stmt*, int iCol);
sqlite3_int64 sqlite3_column_int64(sqlite3_stmt*, int iCol);
const unsigned char* sqlite3_column_text(sqlite3_stmt*, int iCol);
int sqlite3_column_type(sqlite3_stmt*, int iCol);
}

// The macros the store's code uses, unless the real header already defined them.
#ifndef SQLITE_OK
#define SQLITE_OK gossiplab::store::sqlite_declared::kOk
#define SQLITE_PERM gossiplab::store::sqlite_declared::kPerm
#define SQLITE_BUSY gossiplab::store::sqlite_declared::kBusy
#define SQLITE_LOCKED gossiplab::store::sqlite_declared::kLocked
#define SQLITE_READONLY gossiplab::store::sqlite_declared::kReadonly
#define SQLITE_IOERR gossiplab::store::sqlite_declared::kIoErr
#define SQLITE_FULL gossiplab::store::sqlite_declared::kFull
#define SQLITE_CANTOPEN gossiplab::store::sqlite_declared::kCantOpen
#define SQLITE_AUTH gossiplab::store::sqlite_declared::kAuth
#define SQLITE_NOTADB gossiplab::store::sqlite_declared::kNotADb
#define SQLITE_ROW gossiplab::store::sqlite_declared::kRow
#define SQLITE_DONE gossiplab::store::sqlite_declared::kDone
#define SQLITE_NULL gossiplab::store::sqlite_declared::kNull
#define SQLITE_UTF8 gossiplab::store::sqlite_declared::kUtf8
#define SQLITE_OPEN_READONLY gossiplab::store::sqlite_declared::kOpenReadonly
#define SQLITE_OPEN_READWRITE gossiplab::store::sqlite_declared::kOpenReadWrite
#define SQLITE_OPEN_CREATE gossiplab::store::sqlite_declared::kOpenCreate
#define SQLITE_OPEN_URI gossiplab::store::sqlite_declared::kOpenUri
#define SQLITE_OPEN_NOMUTEX gossiplab::store::sqlite_declared::kOpenNoMutex
#define SQLITE_PREPARE_PERSISTENT gossiplab::store::sqlite_declared::kPreparePersistent
#define SQLITE_TRANSIENT (reinterpret_cast<sqlite3_destructor_type>(-1))
#endif
