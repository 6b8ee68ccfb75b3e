// The history file: creation, schema version, forward migration, refusing what is not ours or is
// newer (without altering it), the default path.

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <thread>

#include <QFile>

#include <algorithm>

#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "core/store/schema.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

class TestStoreSchema : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string file(const char* name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
    void newFileHasEveryTableAndTheCurrentVersion() {
        const std::string path = file("new.sqlite3");
        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        for (const char* table : {"runs", "run_tags", "series", "worker_points", "run_points", "distance_snapshots",
                                  "latest_values", "counters", "setting_changes", "run_messages", "schema_version",
                                  "experiments", "experiment_runs"}) {
            QVERIFY2(queryInt(path, std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '") +
                                        table + "'") == 1,
                     table);
        }
        QCOMPARE(queryInt(path, "PRAGMA application_id"), int64_t{schema::kApplicationId});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series"), int64_t{15});
        auto db = sql::Database::open(path, sql::Database::Access::ReadOnly, 1000);
        auto mode = db.prepare("PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(QString::fromStdString(mode.text(0)), QStringLiteral("wal"));
    }

    void aZeroByteFileBecomesAHistory() {
        const std::string path = file("empty.sqlite3");
        writeFile(path, "");
        auto history = RunHistory::open(path);
        QVERIFY(history.ok());
        QCOMPARE(history->listRuns().size(), size_t{0});
    }

    void aVersion1FileIsUpgradedAndKeepsItsRuns() {
        const std::string path = file("v1.sqlite3");
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 1);
            db.exec("INSERT INTO runs (uuid, name, algorithm, status, created_at, config_json, seed, workers) "
                    "VALUES ('u1', 'old run', 'gosgd', 'finished', 1700000000, '{}', 7, 4)");
            db.exec("INSERT INTO worker_points VALUES (1, 1, 0, 1, 10, 640, 0.5, 2.5)");
        }
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{1});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'setting_changes'"), int64_t{0});

        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'setting_changes'"), int64_t{1});
        const auto runs = history->listRuns();
        QCOMPARE(runs.size(), size_t{1});
        QCOMPARE(QString::fromStdString(runs[0].name), QStringLiteral("old run"));
        const auto loss = history->readSeries(runs[0].id, "loss", 0);
        QCOMPARE(loss.size(), size_t{1});
        QCOMPARE(loss[0].value, 2.5);
    }

    void aVersion3FileWrittenByThatBuildIsUpgradedAndKeepsEverything() {
        // A real file from the schema-3 build (tests/store/data/README.md), copied: the test
        // never changes the committed one.
        const std::string path = file("v3.sqlite3");
        QVERIFY(QFile::copy(QStringLiteral(GOSSIPLAB_STORE_TEST_DATA "/history-v3.sqlite3"), QString::fromStdString(path)));
        QFile::setPermissions(QString::fromStdString(path), QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{3});
        // Read-only, an old file is refused with the way out, and left as it was.
        auto read_only = RunHistory::open(path, {OpenMode::ReadOnly});
        QVERIFY(!read_only.ok());
        QVERIFY2(read_only.error().message.find("open it once read-write to upgrade it") != std::string::npos,
                 read_only.error().message.c_str());
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{3});

        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series WHERE name IN ('alpha_held', 'alpha_waiting')"), int64_t{2});
        const auto runs = history->listRuns();
        QCOMPARE(runs.size(), size_t{3});
        const auto old = std::find_if(runs.begin(), runs.end(), [](const RunRecord& r) { return r.name == "made by schema v3"; });
        QVERIFY(old != runs.end());
        QCOMPARE(name(old->status), name(RunStatus::Finished));
        QVERIFY(!history->readSeries(old->id, "loss", 0).empty());
        QVERIFY(!history->readSeries(old->id, "alpha_sum", kRunLevel).empty());
        QVERIFY(history->readSeries(old->id, "alpha_held", kRunLevel).empty());  // not recorded then
        QVERIFY(history->readSeries(old->id, "wait_per_iteration_s", 0).empty());
        const auto experiments = history->listExperiments();
        QCOMPARE(experiments.size(), size_t{1});
        QCOMPARE(experiments[0].counts.done, 2);
        QCOMPARE(history->queueOf(experiments[0].id).size(), size_t{2});

        // A new run records the new series next to the old runs.
        auto opened = RunRecorder::open(path);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        auto recorder = std::move(opened).value();
        recorder->onRunStarted(makeInfo("after the upgrade", 2));
        const int64_t run_id = recorder->runId();
        feedSamples(*recorder, 2, 1, 10);
        recorder->onRunEnded(makeResult(RunStatus::Finished, 2));
        QVERIFY(!recorder->error());
        recorder.reset();
        QCOMPARE(history->readSeries(run_id, "alpha_held", kRunLevel).size(), size_t{10});
        QCOMPARE(history->readSeries(run_id, "wait_per_iteration_s", 1).size(), size_t{10});
        QCOMPARE(history->listRuns().size(), size_t{4});
    }

    // A real schema-2 file, written by the store of commit 6dcd655 (tests/store/data/README.md):
    // upgraded on a read-write open, with every value that build wrote read back by today's code.
    void aVersion2FileWrittenByThatBuildIsUpgradedAndKeepsEverything() {
        const std::string path = file("real-v2.sqlite3");
        QVERIFY(QFile::copy(QStringLiteral(GOSSIPLAB_STORE_TEST_DATA "/history-v2.sqlite3"), QString::fromStdString(path)));
        QFile::setPermissions(QString::fromStdString(path), QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{2});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'experiments'"), int64_t{0});
        auto read_only = RunHistory::open(path, {OpenMode::ReadOnly});
        QVERIFY(!read_only.ok());
        QCOMPARE(read_only.error().kind, ErrorKind::OlderSchema);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{2});

        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        QCOMPARE(QString::fromStdString(integrityCheck(path)), QStringLiteral("ok"));
        const auto runs = history->listRuns();
        QCOMPARE(runs.size(), size_t{1});
        const RunRecord& run = runs[0];
        QCOMPARE(QString::fromStdString(run.name), QStringLiteral("made by schema v2"));
        QCOMPARE(name(run.status), name(RunStatus::Finished));
        QCOMPARE(run.workers, 2);
        QCOMPARE(QString::fromStdString(run.host), QStringLiteral("v2-host"));
        QCOMPARE(run.parameter_count, int64_t{101770});
        QCOMPARE(run.images_done, int64_t{800});
        QCOMPARE(run.worker_final_loss, (std::vector<double>{1.5, 1.49}));
        const auto config = history->config(run.id);
        QVERIFY(config.has_value());
        QCOMPARE(config->p, 0.5);
        QCOMPARE(config->budget, 400.0);
        QCOMPARE(config->metrics_every, 5);
        // Every sample the old build recorded, value for value (the driver's formulas).
        for (int worker = 0; worker < 2; ++worker) {
            const auto loss = history->readSeries(run.id, "loss", worker);
            const auto alpha = history->readSeries(run.id, "alpha", worker);
            QCOMPARE(loss.size(), size_t{5});
            QCOMPARE(alpha.size(), size_t{5});
            for (size_t k = 0; k < loss.size(); ++k) {
                const int64_t iteration = 5 * int64_t(k + 1);
                QCOMPARE(loss[k].iteration, iteration);
                QCOMPARE(loss[k].images, 16 * iteration);
                QCOMPARE(loss[k].value, 2.5 - 0.04 * double(iteration) - 0.01 * worker);
                QCOMPARE(alpha[k].value, worker == 0 ? 0.25 : 0.75);
            }
        }
        const auto mean_loss = history->readSeries(run.id, "mean_loss", kRunLevel);
        QCOMPARE(mean_loss.size(), size_t{5});
        QCOMPARE(mean_loss.back().value, 2.5 - 0.04 * 25 - 0.005);
        QCOMPARE(history->readSeries(run.id, "alpha_sum", kRunLevel).size(), size_t{5});
        QVERIFY(history->readSeries(run.id, "alpha_held", kRunLevel).empty());  // not recorded then
        const auto consensus = history->readSeries(run.id, "consensus_distance", kRunLevel);
        QCOMPARE(consensus.size(), size_t{2});
        QCOMPARE(consensus[1].value, 0.5 / 20.0);
        const auto accuracy = history->readSeries(run.id, "test_accuracy", kRunLevel);
        QCOMPARE(accuracy.size(), size_t{1});
        QCOMPARE(accuracy[0].value, 0.625);
        QCOMPARE(accuracy[0].images, int64_t{400});
        const auto matrix = history->latestDistances(run.id);
        QVERIFY(matrix.has_value());
        QCOMPARE(matrix->iteration, int64_t{20});
        QCOMPARE(matrix->distances, (std::vector<double>{0.0, 0.05, 0.05, 0.0}));
        const auto changes = history->settingChanges(run.id);
        QCOMPARE(changes.size(), size_t{1});
        QCOMPARE(QString::fromStdString(changes[0].field), QStringLiteral("p"));
        QCOMPARE(changes[0].at.images, int64_t{160});
        QCOMPARE(changes[0].new_value, 0.7);

        // New runs and experiments go into the upgraded file beside the old run.
        auto opened = RunRecorder::open(path);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        auto recorder = std::move(opened).value();
        recorder->onRunStarted(makeInfo("after the upgrade", 2));
        const int64_t run_id = recorder->runId();
        feedSamples(*recorder, 2, 1, 10);
        recorder->onRunEnded(makeResult(RunStatus::Finished, 2));
        QVERIFY(!recorder->error());
        recorder.reset();
        QCOMPARE(history->readSeries(run_id, "alpha_held", kRunLevel).size(), size_t{10});
        NewExperiment experiment{"after the upgrade", "grid", "{}", {{"a", "{}"}}, ""};
        QVERIFY(history->createExperiment(experiment).ok());
        QCOMPARE(history->listRuns().size(), size_t{2});
    }

    void aVersion2FileIsUpgradedToVersion3AndKeepsItsRuns() {
        const std::string path = file("v2.sqlite3");
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 2);
            db.exec("INSERT INTO runs (uuid, name, algorithm, status, created_at, config_json, seed, workers) "
                    "VALUES ('u2', 'version 2 run', 'easgd', 'finished', 1700000000, '{}', 3, 2)");
            db.exec("INSERT INTO run_points VALUES (1, 6, 1, 10, 640, 0.5, 1.25)");
            db.exec("INSERT INTO run_messages (run_id, created_at, wall_s, text) VALUES (1, 1700000001, 0.5, 'hello')");
        }
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{2});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'experiments'"), int64_t{0});

        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(RunHistory::currentSchemaVersion(), 5);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{5});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM schema_version"), int64_t{5});
        for (const char* table : {"experiments", "experiment_runs"}) {
            QVERIFY2(queryInt(path, std::string("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '") +
                                        table + "'") == 1,
                     table);
        }
        QCOMPARE(queryInt(path, "SELECT count(*) FROM counters WHERE name = 'experiments_version'"), int64_t{1});
        // The runs and their rows are as they were.
        const auto runs = history->listRuns();
        QCOMPARE(runs.size(), size_t{1});
        QCOMPARE(QString::fromStdString(runs[0].name), QStringLiteral("version 2 run"));
        const auto loss = history->readSeries(runs[0].id, "mean_loss", kRunLevel);
        QCOMPARE(loss.size(), size_t{1});
        QCOMPARE(loss[0].value, 1.25);
        QCOMPARE(history->messages(runs[0].id).size(), size_t{1});
        QCOMPARE(history->listExperiments().size(), size_t{0});
        // ... and experiments can be added to the upgraded file.
        NewExperiment experiment{"after the upgrade", "grid", "{}", {{"a", "{}"}}, ""};
        auto id = history->createExperiment(experiment);
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message.c_str());
        QCOMPARE(history->queueOf(id.value()).size(), size_t{1});
        QCOMPARE(QString::fromStdString(integrityCheck(path)), QStringLiteral("ok"));
    }

    // Version 5 adds the per-worker series wait_per_iteration_s exactly as version 4 added
    // alpha_held and alpha_waiting: one row in `series` (id 15), no table change. A schema-4 file
    // keeps its runs and points, and new runs record the new series beside them.
    void aVersion4FileIsUpgradedToVersion5AndRecordsTheWaitingSeries() {
        const std::string path = file("v4.sqlite3");
        int64_t old_run = 0;
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 4);
            db.exec("INSERT INTO runs (uuid, name, algorithm, status, created_at, config_json, seed, workers) "
                    "VALUES ('u4', 'version 4 run', 'gosgd', 'finished', 1700000000, '{}', 5, 2)");
            old_run = db.queryInt("SELECT max(id) FROM runs");
            db.exec("INSERT INTO worker_points VALUES (" + std::to_string(old_run) + ", 1, 1, 1, 10, 640, 0.5, 2.25)");
            db.exec("INSERT INTO latest_values VALUES (" + std::to_string(old_run) + ", 1, 1, 1, 10, 640, 0.5, 2.25)");
            db.exec("INSERT INTO run_points VALUES (" + std::to_string(old_run) + ", 13, 2, 10, 640, 0.5, 0.875)");
        }
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{4});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series"), int64_t{14});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series WHERE name = 'wait_per_iteration_s'"), int64_t{0});
        // Read-only, the schema-4 file is refused as older and left as it was.
        auto read_only = RunHistory::open(path, {OpenMode::ReadOnly});
        QVERIFY(!read_only.ok());
        QCOMPARE(read_only.error().kind, ErrorKind::OlderSchema);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{4});

        auto history = RunHistory::open(path);
        QVERIFY2(history.ok(), history.ok() ? "" : history.error().message.c_str());
        QCOMPARE(RunHistory::currentSchemaVersion(), 5);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{5});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM schema_version"), int64_t{5});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series"), int64_t{15});
        QCOMPARE(queryInt(path, "SELECT id FROM series WHERE name = 'wait_per_iteration_s'"), int64_t{15});
        QCOMPARE(queryInt(path, "SELECT per_worker FROM series WHERE name = 'wait_per_iteration_s'"), int64_t{1});
        QCOMPARE(QString::fromStdString(integrityCheck(path)), QStringLiteral("ok"));
        // The old run is as it was, and has no waiting series.
        const auto loss = history->readSeries(old_run, "loss", 1);
        QCOMPARE(loss.size(), size_t{1});
        QCOMPARE(loss[0].value, 2.25);
        const auto held = history->readSeries(old_run, "alpha_held", kRunLevel);
        QCOMPARE(held.size(), size_t{1});
        QCOMPARE(held[0].value, 0.875);
        QVERIFY(history->readSeries(old_run, "wait_per_iteration_s", 1).empty());

        // A new run records the series, per worker, value for value, and lists it.
        auto opened = RunRecorder::open(path);
        QVERIFY2(opened.ok(), opened.ok() ? "" : opened.error().message.c_str());
        auto recorder = std::move(opened).value();
        recorder->onRunStarted(makeInfo("after the upgrade to 5", 3, Algorithm::AllReduce));
        const int64_t run_id = recorder->runId();
        feedSamples(*recorder, 3, 1, 12, /*gosgd=*/false);
        recorder->onRunEnded(makeResult(RunStatus::Finished, 3));
        QVERIFY(!recorder->error());
        recorder.reset();
        for (int w = 0; w < 3; ++w) {
            const auto wait = history->readSeries(run_id, "wait_per_iteration_s", w);
            QCOMPARE(wait.size(), size_t{12});
            for (size_t i = 0; i < wait.size(); ++i) {
                QCOMPARE(wait[i].iteration, int64_t(i + 1));
                QCOMPARE(wait[i].value, syntheticWait(w, int64_t(i + 1)));
            }
        }
        int listed = 0;
        for (const SeriesKey& key : history->seriesOf(run_id))
            if (key.series == "wait_per_iteration_s") ++listed;
        QCOMPARE(listed, 3);
        const auto runs = history->listRuns();
        QCOMPARE(runs.size(), size_t{2});
        QVERIFY(std::any_of(runs.begin(), runs.end(), [](const RunRecord& r) { return r.algorithm == "allreduce"; }));
    }

    void aReadOnlyOpenOfAVersion2FileDoesNotUpgrade() {
        const std::string path = file("v2-readonly.sqlite3");
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 2);
            db.exec("PRAGMA journal_mode = DELETE");
        }
        const std::string before = fileBytes(path);
        OpenOptions read_only;
        read_only.mode = OpenMode::ReadOnly;
        auto history = RunHistory::open(path, read_only);
        QVERIFY(!history.ok());
        QCOMPARE(history.error().kind, ErrorKind::OlderSchema);
        QVERIFY(history.error().message.find("version 2") != std::string::npos);
        QCOMPARE(fileBytes(path), before);
    }

    void aReadOnlyOpenDoesNotUpgrade() {
        const std::string path = file("v1-readonly.sqlite3");
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 1);
        }
        const std::string before = fileBytes(path);
        OpenOptions read_only;
        read_only.mode = OpenMode::ReadOnly;
        auto history = RunHistory::open(path, read_only);
        QVERIFY(!history.ok());
        QCOMPARE(history.error().kind, ErrorKind::OlderSchema);
        QVERIFY(history.error().message.find(path) != std::string::npos);
        QCOMPARE(fileBytes(path), before);
    }

    void aNewerFileIsRefusedAndLeftUntouched() {
        const std::string path = file("newer.sqlite3");
        {
            auto history = RunHistory::open(path);
            QVERIFY(history.ok());
        }
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWrite, 1000);
            db.exec("INSERT INTO schema_version VALUES (99, 0)");
            db.exec("PRAGMA journal_mode = DELETE");  // one file holds everything: its bytes tell all
        }
        const std::string before = fileBytes(path);
        for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
            OpenOptions options;
            options.mode = mode;
            auto history = RunHistory::open(path, options);
            QVERIFY(!history.ok());
            QCOMPARE(history.error().kind, ErrorKind::NewerSchema);
            QVERIFY(history.error().message.find(path) != std::string::npos);
            QVERIFY(history.error().message.find("newer") != std::string::npos);
        }
        QCOMPARE(fileBytes(path), before);
        QCOMPARE(queryInt(path, "SELECT max(version) FROM schema_version"), int64_t{99});
    }

    void aFileThatIsNotSqliteIsRefusedAndLeftUntouched() {
        const std::string path = file("notes.txt");
        const std::string text = "this is not a database, just some text\n" + std::string(5000, 'x');
        writeFile(path, text);
        auto history = RunHistory::open(path);
        QVERIFY(!history.ok());
        QCOMPARE(history.error().kind, ErrorKind::NotAHistory);
        QVERIFY(history.error().message.find(path) != std::string::npos);
        QCOMPARE(fileBytes(path), text);
    }

    void anotherSqliteDatabaseIsRefusedAndLeftUntouched() {
        const std::string path = file("other-app.sqlite3");
        {
            auto db = sql::Database::open(path, sql::Database::Access::ReadWriteCreate, 1000);
            db.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
        }
        const std::string before = fileBytes(path);
        auto history = RunHistory::open(path);
        QVERIFY(!history.ok());
        QCOMPARE(history.error().kind, ErrorKind::NotAHistory);
        QVERIFY(history.error().message.find(path) != std::string::npos);
        QCOMPARE(fileBytes(path), before);
    }

    void twoProcessesCreatingOneFileAtOnceBothSucceed() {
        // Threads stand in for processes: each has its own connection, as two processes would.
        const std::string path = file("race.sqlite3");
        bool ok[4] = {};
        std::vector<std::thread> openers;
        for (bool& result : ok) {
            openers.emplace_back([&path, &result] { result = RunHistory::open(path).ok(); });
        }
        for (auto& opener : openers) opener.join();
        for (bool result : ok) QVERIFY(result);
        QCOMPARE(queryInt(path, "SELECT count(*) FROM schema_version"), int64_t{RunHistory::currentSchemaVersion()});
        QCOMPARE(queryInt(path, "SELECT count(*) FROM series"), int64_t{15});
    }

    void aMissingFolderIsAnErrorUnlessAskedToCreateIt() {
        const std::string path = file("no/such/folder/history.sqlite3");
        auto refused = RunHistory::open(path);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::CannotOpen);
        QVERIFY(refused.error().message.find(path) != std::string::npos);

        OpenOptions create;
        create.create_folders = true;
        auto created = RunHistory::open(path, create);
        QVERIFY2(created.ok(), created.ok() ? "" : created.error().message.c_str());
    }

    void aFolderIsNotAHistoryFile() {
        auto history = RunHistory::open(dir_.path().toStdString());
        QVERIFY(!history.ok());
        QCOMPARE(history.error().kind, ErrorKind::CannotOpen);
    }

    void theDefaultPathFollowsXdgThenHome() {
        const char* saved_xdg = std::getenv("XDG_DATA_HOME");
        const char* saved_home = std::getenv("HOME");
        const std::string xdg = saved_xdg ? saved_xdg : "";
        const std::string home = saved_home ? saved_home : "";

        ::setenv("XDG_DATA_HOME", "/data/xdg", 1);
        ::setenv("HOME", "/home/someone", 1);
        QCOMPARE(QString::fromStdString(defaultHistoryPath()), QStringLiteral("/data/xdg/gossiplab/history.sqlite3"));
        ::setenv("XDG_DATA_HOME", "relative/ignored", 1);  // the XDG spec: relative values are ignored
        QCOMPARE(QString::fromStdString(defaultHistoryPath()),
                 QStringLiteral("/home/someone/.local/share/gossiplab/history.sqlite3"));
        ::unsetenv("XDG_DATA_HOME");
        QCOMPARE(QString::fromStdString(defaultHistoryPath()),
                 QStringLiteral("/home/someone/.local/share/gossiplab/history.sqlite3"));

        if (saved_xdg) ::setenv("XDG_DATA_HOME", xdg.c_str(), 1);
        if (saved_home) ::setenv("HOME", home.c_str(), 1);
        else ::unsetenv("HOME");
    }
};

QTEST_APPLESS_MAIN(TestStoreSchema)
#include "test_store_schema.moc"
