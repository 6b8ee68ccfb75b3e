// How the history fails: a recording process killed with SIGKILL, a file that is not a database,
// a read-only file or folder, a database locked by another writer, a full disk. Each gives a clear
// error naming the file, no crash, and no run that looks complete without being so.

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>
#include <sys/stat.h>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The exit code of a child that was to test permissions but runs as root and cannot stop being it.
constexpr int kCannotDropPrivileges = 77;

std::string kindName(ErrorKind kind) { return std::to_string(static_cast<int>(kind)); }

// Records one finished run into `path` (in this process).
int64_t recordFinishedRun(const std::string& path, const std::string& name) {
    auto recorder = RunRecorder::open(path);
    if (!recorder) qFatal("%s", recorder.error().message.c_str());
    (*recorder)->onRunStarted(makeInfo(name, 2));
    feedSamples(**recorder, 2, 1, 10);
    (*recorder)->onRunEnded(makeResult(RunStatus::Finished, 2));
    return (*recorder)->runId();
}

}  // namespace

class TestStoreFailures : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string file(const std::string& name) const { return dir_.filePath(QString::fromStdString(name)).toStdString(); }
    // A folder that the unprivileged child can enter (QTemporaryDir makes its own 0700).
    std::string sharedFolder(const std::string& name, mode_t mode) {
        const std::string folder = file(name);
        ::mkdir(folder.c_str(), 0777);
        ::chmod(folder.c_str(), mode);
        return folder;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        ::chmod(dir_.path().toLocal8Bit().constData(), 0755);
    }

    void aKilledRecorderLeavesAnIntactFileAndAnInterruptedRun() {
        const std::string path = file("killed.sqlite3");
        Child child([&](int fd) {
            auto opened = RunRecorder::open(path);
            if (!opened) return 2;
            RunRecorder& recorder = **opened;
            recorder.onRunStarted(makeInfo("killed mid-run", 2));
            tell(fd, std::to_string(recorder.runId()));
            int64_t iteration = 1;
            for (int round = 0; round < 5; ++round) {
                feedSamples(recorder, 2, iteration, 100);
                iteration += 100;
                if (!recorder.flush().ok()) return 3;
            }
            tell(fd, std::to_string(iteration - 1));  // committed up to here
            for (;;) {  // keep the writer busy until the kill lands, most likely mid-transaction
                feedSamples(recorder, 2, iteration, 10);
                iteration += 10;
            }
        });
        QVERIFY(child.started());
        const std::string run_line = child.readLine();
        const std::string committed_line = child.readLine();
        QVERIFY2(!run_line.empty() && !committed_line.empty(), "the recording child died early");
        const int64_t run_id = std::stoll(run_line);
        const int64_t committed = std::stoll(committed_line);
        QCOMPARE(committed, int64_t{500});
        QTest::qWait(100);  // let it write some more, uncommitted batches included
        child.kill9();
        const int status = child.wait();
        QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        QCOMPARE(QString::fromStdString(integrityCheck(path)), QStringLiteral("ok"));
        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(history->interruptedOnOpen(), std::vector<int64_t>{run_id});
        const auto run = history->run(run_id);
        QCOMPARE(name(run->status), name(RunStatus::Interrupted));
        QVERIFY(contains(run->message, "killed"));

        // Every committed row is there, in order and without gaps, and the summary agrees with them
        // (it is written in the same transactions).
        const auto loss = history->readSeries(run_id, "loss", 0);
        QVERIFY(loss.size() >= size_t(committed));
        for (size_t i = 0; i < loss.size(); ++i) QCOMPARE(loss[i].iteration, int64_t(i + 1));
        int loss_summaries = 0;
        for (const LatestValue& latest : history->latestValues(run_id)) {
            if (!(latest.key == SeriesKey{"loss", 0})) continue;
            QCOMPARE(latest.point.iteration, loss.back().iteration);
            ++loss_summaries;
        }
        QCOMPARE(loss_summaries, 1);  // the summary has the series (a loop over nothing would pass)
        // A second open finds nothing more to recover.
        auto again = RunHistory::open(path);
        QVERIFY(again.ok() && again->interruptedOnOpen().empty());
    }

    void aFileThatIsNotADatabaseIsNotRecordedInto() {
        const std::string path = file("not-a-db.csv");
        const std::string text = "run_id,value\n1,2\n";
        writeFile(path, text);
        auto recorder = RunRecorder::open(path);
        QVERIFY(!recorder.ok());
        QCOMPARE(recorder.error().kind, ErrorKind::NotAHistory);
        QVERIFY(contains(recorder.error().message, path));
        QCOMPARE(fileBytes(path), text);
    }

    void aReadOnlyFileCanBeBrowsedButNotWritten() {
        const std::string folder = sharedFolder("ro-file", 0777);
        const std::string path = folder + "/history.sqlite3";
        recordFinishedRun(path, "kept");
        ::chmod(path.c_str(), 0444);
        const std::string before = fileBytes(path);

        Child child([&](int fd) {
            if (!dropToUnprivilegedUser()) return kCannotDropPrivileges;
            auto writable = RunHistory::open(path);
            tell(fd, writable.ok() ? "opened" : kindName(writable.error().kind));
            tell(fd, writable.ok() ? "" : writable.error().message);
            auto recorder = RunRecorder::open(path);
            tell(fd, recorder.ok() ? "opened" : kindName(recorder.error().kind));
            OpenOptions read_only;
            read_only.mode = OpenMode::ReadOnly;
            auto browse = RunHistory::open(path, read_only);
            tell(fd, browse.ok() ? std::to_string(browse->listRuns().size()) : browse.error().message);
            return 0;
        });
        const auto lines = child.readAllLines();
        const int status = WEXITSTATUS(child.wait());
        if (status == kCannotDropPrivileges) QSKIP("running as root and cannot switch to the user nobody here");
        QCOMPARE(status, 0);
        QCOMPARE(lines.size(), size_t{4});
        QCOMPARE(lines[0], kindName(ErrorKind::ReadOnly));
        QVERIFY2(contains(lines[1], path) && contains(lines[1], "read-only"), lines[1].c_str());
        QCOMPARE(lines[2], kindName(ErrorKind::ReadOnly));
        QVERIFY2(lines[3] == "1", lines[3].c_str());
        QCOMPARE(fileBytes(path), before);
    }

    void aReadOnlyFolderCanBeBrowsedButNotWritten() {
        const std::string folder = sharedFolder("ro-folder", 0777);
        const std::string path = folder + "/history.sqlite3";
        recordFinishedRun(path, "kept");
        ::chmod(path.c_str(), 0666);  // the file is writable: only the folder is not
        ::chmod(folder.c_str(), 0555);

        Child child([&](int fd) {
            if (!dropToUnprivilegedUser()) return kCannotDropPrivileges;
            auto writable = RunHistory::open(path);
            tell(fd, writable.ok() ? "opened" : kindName(writable.error().kind));
            tell(fd, writable.ok() ? "" : writable.error().message);
            const std::string new_path = folder + "/new.sqlite3";
            auto created = RunRecorder::open(new_path);
            tell(fd, created.ok() ? "opened" : kindName(created.error().kind));
            tell(fd, created.ok() ? "" : created.error().message);
            OpenOptions read_only;
            read_only.mode = OpenMode::ReadOnly;
            auto browse = RunHistory::open(path, read_only);
            tell(fd, browse.ok() ? std::to_string(browse->listRuns().size()) : browse.error().message);
            return 0;
        });
        const auto lines = child.readAllLines();
        const int status = WEXITSTATUS(child.wait());
        ::chmod(folder.c_str(), 0777);
        if (status == kCannotDropPrivileges) QSKIP("running as root and cannot switch to the user nobody here");
        QCOMPARE(status, 0);
        QCOMPARE(lines.size(), size_t{5});
        QCOMPARE(lines[0], kindName(ErrorKind::ReadOnly));
        QVERIFY2(contains(lines[1], path) && contains(lines[1], "folder"), lines[1].c_str());
        QCOMPARE(lines[2], kindName(ErrorKind::ReadOnly));
        QVERIFY2(contains(lines[3], folder + "/new.sqlite3"), lines[3].c_str());
        QVERIFY2(lines[4] == "1", lines[4].c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(folder + "/new.sqlite3")));
    }

    void aDatabaseLockedByAnotherWriterGivesAClearErrorAndNoRun() {
        const std::string path = file("locked.sqlite3");
        recordFinishedRun(path, "before");
        auto blocker = sql::Database::open(path, sql::Database::Access::ReadWrite, 1000);
        // A run whose process died (no lock held): recovering it needs the write lock.
        blocker.exec("INSERT INTO runs (uuid, name, algorithm, status, created_at, config_json, seed, workers) "
                     "VALUES ('dead', 'dead run', 'gosgd', 'running', 0, '{}', 1, 1)");
        const int64_t dead_id = blocker.lastInsertRowId();
        blocker.exec("BEGIN IMMEDIATE");

        // Reading still works while another process writes.
        OpenOptions options;
        options.busy_timeout_ms = 100;
        auto history = RunHistory::open(path, options);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(history->listRuns().size(), size_t{2});
        QVERIFY(history->interruptedOnOpen().empty());  // postponed, not an error
        RunFilter finished;
        finished.statuses = {RunStatus::Finished};
        const int64_t first_id = history->listRuns(finished).at(0).id;

        auto renamed = history->rename(first_id, "after");
        QVERIFY(!renamed.ok());
        QCOMPARE(renamed.error().kind, ErrorKind::Locked);
        QVERIFY(contains(renamed.error().message, path));
        QVERIFY(contains(renamed.error().message, "locked"));

        RecorderOptions recorder_options;
        recorder_options.busy_timeout_ms = 100;
        auto recorder = RunRecorder::open(path, recorder_options);
        QVERIFY(recorder.ok());
        auto started = (*recorder)->startRun(makeInfo("cannot start", 1));
        QVERIFY(!started.ok());
        QCOMPARE(started.error().kind, ErrorKind::Locked);
        QVERIFY(contains(started.error().message, path));
        feedSamples(**recorder, 1, 1, 3);  // after the failure: discarded, never blocking
        QVERIFY((*recorder)->stats().events_discarded > 0);
        recorder = StoreError{};  // close it

        blocker.exec("ROLLBACK");
        QCOMPARE(history->listRuns().size(), size_t{2});  // no half-started run
        QVERIFY(history->rename(first_id, "after").ok());
        auto recovered = history->recoverInterruptedRuns();
        QVERIFY(recovered.ok());
        QCOMPARE(recovered.value(), std::vector<int64_t>{dead_id});
        QCOMPARE(name(history->run(dead_id)->status), name(RunStatus::Interrupted));
    }

    void aFullDiskStopsRecordingWithoutARunThatLooksComplete() {
        const std::string path = file("full.sqlite3");
        Child child([&](int fd) {
            ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG instead of killing us
            rlimit limit{};
            limit.rlim_cur = limit.rlim_max = 400 * 1024;
            if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
            auto opened = RunRecorder::open(path);
            if (!opened) {
                tell(fd, "open failed: " + opened.error().message);
                return 3;
            }
            RunRecorder& recorder = **opened;
            recorder.onRunStarted(makeInfo("too big for the disk", 4));
            tell(fd, std::to_string(recorder.runId()));
            for (int64_t iteration = 1; iteration < 1'000'000; iteration += 100) {
                feedSamples(recorder, 4, iteration, 100);
                if (auto flushed = recorder.flush(); !flushed.ok()) {
                    tell(fd, kindName(flushed.error().kind));
                    tell(fd, flushed.error().message);
                    recorder.onRunEnded(makeResult(RunStatus::Finished, 4));  // must not make it look complete
                    return 0;
                }
            }
            return 4;
        });
        const auto lines = child.readAllLines();
        const int status = child.wait();
        QVERIFY2(WIFEXITED(status), "the recording process crashed");
        QCOMPARE(WEXITSTATUS(status), 0);
        QCOMPARE(lines.size(), size_t{3});
        QVERIFY(!lines[0].empty());
        const int64_t run_id = std::stoll(lines[0]);
        QVERIFY2(lines[1] == kindName(ErrorKind::DiskFull), lines[2].c_str());
        QVERIFY2(contains(lines[2], path) && contains(lines[2], "full"), lines[2].c_str());

        QCOMPARE(QString::fromStdString(integrityCheck(path)), QStringLiteral("ok"));
        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        const auto run = history->run(run_id);
        QVERIFY(run);
        QVERIFY2(run->status == RunStatus::Failed || run->status == RunStatus::Interrupted,
                 toString(run->status).c_str());
        // What was written before the disk filled is kept, in order (400 KB hold many flushes).
        const auto loss = history->readSeries(run_id, "loss", 3);
        QVERIFY(loss.size() >= 100);
        for (size_t i = 0; i < loss.size(); ++i) QCOMPARE(loss[i].iteration, int64_t(i + 1));
    }

    void aFullDiskWhileCreatingTheFileIsAnError() {
        const std::string path = file("tiny.sqlite3");
        Child child([&](int fd) {
            ::signal(SIGXFSZ, SIG_IGN);
            rlimit limit{};
            limit.rlim_cur = limit.rlim_max = 4096;  // one page: the schema does not fit
            if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 2;
            auto history = RunHistory::open(path);
            tell(fd, history.ok() ? "opened" : kindName(history.error().kind));
            tell(fd, history.ok() ? "" : history.error().message);
            return 0;
        });
        const auto lines = child.readAllLines();
        const int status = child.wait();
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        QCOMPARE(lines.size(), size_t{2});
        QCOMPARE(lines[0], kindName(ErrorKind::DiskFull));
        QVERIFY2(contains(lines[1], path), lines[1].c_str());
    }
};

QTEST_APPLESS_MAIN(TestStoreFailures)
#include "test_store_failures.moc"
