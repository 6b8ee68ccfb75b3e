// The store's own declarations of SQLite's C API (core/store/sqlite3_declarations.h, used on
// machines without sqlite3.h) must match the real header: any difference in a function's
// signature is a "conflicting declaration" compile error here, any different constant a failed
// static_assert. The run-time part uses the declared API against the real library.
#include <sqlite3.h>

#include "core/store/sqlite3_declarations.h"

#include <QTest>

namespace declared = gossiplab::store::sqlite_declared;

static_assert(declared::kOk == SQLITE_OK && declared::kPerm == SQLITE_PERM && declared::kBusy == SQLITE_BUSY);
static_assert(declared::kLocked == SQLITE_LOCKED && declared::kReadonly == SQLITE_READONLY);
static_assert(declared::kIoErr == SQLITE_IOERR && declared::kFull == SQLITE_FULL);
static_assert(declared::kCantOpen == SQLITE_CANTOPEN && declared::kAuth == SQLITE_AUTH);
static_assert(declared::kNotADb == SQLITE_NOTADB && declared::kRow == SQLITE_ROW && declared::kDone == SQLITE_DONE);
static_assert(declared::kNull == SQLITE_NULL && declared::kUtf8 == SQLITE_UTF8);
static_assert(declared::kOpenReadonly == SQLITE_OPEN_READONLY && declared::kOpenReadWrite == SQLITE_OPEN_READWRITE);
static_assert(declared::kOpenCreate == SQLITE_OPEN_CREATE && declared::kOpenUri == SQLITE_OPEN_URI);
static_assert(declared::kOpenNoMutex == SQLITE_OPEN_NOMUTEX);
static_assert(declared::kPreparePersistent == SQLITE_PREPARE_PERSISTENT);

class TestSqliteDeclarations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTripThroughTheDeclaredApi() {
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open_v2(":memory:", &db, declared::kOpenReadWrite | declared::kOpenCreate, nullptr),
                 declared::kOk);
        QCOMPARE(sqlite3_exec(db, "CREATE TABLE t(x REAL, s TEXT)", nullptr, nullptr, nullptr), declared::kOk);
        sqlite3_stmt* insert = nullptr;
        QCOMPARE(sqlite3_prepare_v3(db, "INSERT INTO t VALUES(?, ?)", -1, declared::kPreparePersistent, &insert,
                                    nullptr),
                 declared::kOk);
        QCOMPARE(sqlite3_bind_double(insert, 1, 0.25), declared::kOk);
        QCOMPARE(sqlite3_bind_text64(insert, 2, "gossip", 6, SQLITE_TRANSIENT, declared::kUtf8), declared::kOk);
        QCOMPARE(sqlite3_step(insert), declared::kDone);
        QCOMPARE(sqlite3_last_insert_rowid(db), sqlite3_int64{1});
        QCOMPARE(sqlite3_finalize(insert), declared::kOk);

        sqlite3_stmt* select = nullptr;
        QCOMPARE(sqlite3_prepare_v3(db, "SELECT x, s, NULL FROM t", -1, 0, &select, nullptr), declared::kOk);
        QCOMPARE(sqlite3_step(select), declared::kRow);
        QCOMPARE(sqlite3_column_double(select, 0), 0.25);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(sqlite3_column_text(select, 1))), QByteArray("gossip"));
        QCOMPARE(sqlite3_column_type(select, 2), declared::kNull);
        QCOMPARE(sqlite3_step(select), declared::kDone);
        QCOMPARE(sqlite3_finalize(select), declared::kOk);
        QCOMPARE(sqlite3_close_v2(db), declared::kOk);
    }
};

QTEST_GUILESS_MAIN(TestSqliteDeclarations)
#include "test_sqlite_declarations.moc"
