// What the UI and the CLI ask of a history: the run list (sorted, filtered), decimated series,
// edits and deletion, and importing the runs of another history file.

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

#include "core/store/decimate.h"
#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "core/store/schema.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

namespace {

std::vector<std::string> namesOf(const std::vector<RunRecord>& runs) {
    std::vector<std::string> names;
    for (const RunRecord& run : runs) names.push_back(run.name);
    return names;
}

}  // namespace

class TestStoreQueries : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    int files_ = 0;
    std::string newFile() { return dir_.filePath(QStringLiteral("q%1.sqlite3").arg(++files_)).toStdString(); }

    static RunHistory openHistory(const std::string& path, OpenMode mode = OpenMode::ReadWrite) {
        OpenOptions options;
        options.mode = mode;
        auto history = RunHistory::open(path, options);
        if (!history) qFatal("%s", history.error().message.c_str());
        return std::move(history).value();
    }

    // Records a run of `rounds` sampling rounds that ends with `status`; returns its id.
    static int64_t record(const std::string& path, const std::string& name, Algorithm algorithm, RunStatus status,
                          int rounds = 10, double final_loss = 0.25) {
        auto recorder = RunRecorder::open(path);
        if (!recorder) qFatal("%s", recorder.error().message.c_str());
        (*recorder)->onRunStarted(makeInfo(name, 2, algorithm));
        feedSamples(**recorder, 2, 1, rounds, algorithm == Algorithm::GoSgd);
        RunResult result = makeResult(status, 2);
        result.final_mean_loss = final_loss;
        (*recorder)->onRunEnded(result);
        return (*recorder)->runId();
    }

private Q_SLOTS:
    void theRunListSortsAndFilters() {
        const std::string path = newFile();
        record(path, "beta", Algorithm::GoSgd, RunStatus::Finished, 10, 0.3);
        record(path, "alpha", Algorithm::Easgd, RunStatus::Stopped, 10, 0.1);
        const int64_t gamma = record(path, "Gamma run", Algorithm::Naive, RunStatus::Failed, 10, 0.2);
        auto history = openHistory(path);
        QVERIFY(history.setTags(gamma, {"baseline", "cifar"}).ok());
        QVERIFY(history.setNotes(gamma, "learning rate too high").ok());

        RunFilter by_name;
        by_name.sort = RunSort::Name;
        by_name.descending = false;
        QCOMPARE(namesOf(history.listRuns(by_name)), (std::vector<std::string>{"Gamma run", "alpha", "beta"}));
        RunFilter by_id;
        by_id.sort = RunSort::Id;
        QCOMPARE(namesOf(history.listRuns(by_id)), (std::vector<std::string>{"Gamma run", "alpha", "beta"}));
        RunFilter by_loss;
        by_loss.sort = RunSort::MeanLoss;
        by_loss.descending = false;
        QCOMPARE(namesOf(history.listRuns(by_loss)), (std::vector<std::string>{"alpha", "Gamma run", "beta"}));

        RunFilter by_status;
        by_status.statuses = {RunStatus::Finished, RunStatus::Stopped};
        by_status.sort = RunSort::Name;
        by_status.descending = false;
        QCOMPARE(namesOf(history.listRuns(by_status)), (std::vector<std::string>{"alpha", "beta"}));
        RunFilter by_algorithm;
        by_algorithm.algorithms = {"easgd"};
        QCOMPARE(namesOf(history.listRuns(by_algorithm)), std::vector<std::string>{"alpha"});
        RunFilter by_text;
        by_text.text = "GAMMA";  // case-insensitive, in the name
        QCOMPARE(namesOf(history.listRuns(by_text)), std::vector<std::string>{"Gamma run"});
        by_text.text = "too high";  // in the notes
        QCOMPARE(history.listRuns(by_text).size(), size_t{1});
        by_text.text = "cifa";  // in a tag
        QCOMPARE(history.listRuns(by_text).size(), size_t{1});
        by_text.text = "50%";  // no wildcard surprises
        QCOMPARE(history.listRuns(by_text).size(), size_t{0});
        RunFilter by_tag;
        by_tag.tag = "baseline";
        QCOMPARE(namesOf(history.listRuns(by_tag)), std::vector<std::string>{"Gamma run"});
        by_tag.tag = "base";  // tags match exactly
        QCOMPARE(history.listRuns(by_tag).size(), size_t{0});

        RunFilter page;
        page.sort = RunSort::Name;
        page.descending = false;
        page.limit = 1;
        page.offset = 1;
        QCOMPARE(namesOf(history.listRuns(page)), std::vector<std::string>{"alpha"});
    }

    void decimationKeepsTheExtremesOfEveryBucket() {
        std::vector<SeriesPoint> points;
        for (int64_t i = 0; i < 10'000; ++i) {
            points.push_back({i + 1, i, i * 64, 0.01 * static_cast<double>(i), std::sin(0.01 * static_cast<double>(i))});
        }
        points[5'001].value = 50.0;    // a spike up
        points[7'777].value = -50.0;   // and one down
        points[100].value = std::nan("");  // a diverged sample
        const auto reduced = decimateMinMax(points, 200);
        QVERIFY(reduced.size() <= 200);
        QVERIFY(reduced.size() >= 150);
        QVERIFY(std::is_sorted(reduced.begin(), reduced.end(),
                               [](const SeriesPoint& a, const SeriesPoint& b) { return a.seq < b.seq; }));
        auto has = [&](double value) {
            return std::any_of(reduced.begin(), reduced.end(), [&](const SeriesPoint& p) { return p.value == value; });
        };
        QVERIFY(has(50.0));
        QVERIFY(has(-50.0));
        // The diverged sample does not hide its bucket's finite extremes (nor turn them into NaN).
        QVERIFY(std::none_of(reduced.begin(), reduced.end(), [](const SeriesPoint& p) { return std::isnan(p.value); }));
        const int64_t nan_bucket_end = 10'000 / 100;  // 100 buckets of 100 iterations
        QVERIFY(std::any_of(reduced.begin(), reduced.end(), [&](const SeriesPoint& p) {
            return p.iteration >= 100 && p.iteration < 2 * nan_bucket_end && std::isfinite(p.value);
        }));
        // A series of nothing but NaN (a run that diverged at once) still shows where it was.
        std::vector<SeriesPoint> all_nan(points.begin(), points.begin() + 1'000);
        for (auto& p : all_nan) p.value = std::nan("");
        const auto kept = decimateMinMax(all_nan, 20);
        QVERIFY(!kept.empty() && kept.size() <= 20);
        QVERIFY(std::all_of(kept.begin(), kept.end(), [](const SeriesPoint& p) { return std::isnan(p.value); }));
        // Short series come back whole.
        const std::vector<SeriesPoint> few(points.begin(), points.begin() + 150);
        QCOMPARE(decimateMinMax(few, 200).size(), size_t{150});
        QVERIFY(decimateMinMax({}, 10).empty());
    }

    void aSeriesReadDecimatedFromTheStore() {
        const std::string path = newFile();
        const int64_t run_id = record(path, "long", Algorithm::GoSgd, RunStatus::Finished, 3'000);
        auto history = openHistory(path);
        const auto full = history.readSeries(run_id, "loss", 1);
        QCOMPARE(full.size(), size_t{3'000});
        const auto reduced = history.readSeries(run_id, "loss", 1, {0, 100});
        QVERIFY(reduced.size() <= 100 && reduced.size() >= 50);
        QCOMPARE(reduced.front().value, full.front().value);  // the loss falls: the first bucket's max
        QCOMPARE(reduced.back().value, full.back().value);    // and the last bucket's min
        // Decimating what is newer than a cursor.
        const auto tail = history.readSeries(run_id, "loss", 1, {full[2'949].seq, 10});
        QVERIFY(tail.size() <= 10);
        QVERIFY(tail.front().iteration > 2'950);
        QVERIFY(history.readSeries(run_id, "no such series", 0).empty());
        QVERIFY(history.readSeries(run_id + 1, "loss", 0).empty());
    }

    void editsAndDeletion() {
        const std::string path = newFile();
        const int64_t kept = record(path, "kept", Algorithm::GoSgd, RunStatus::Finished);
        const int64_t doomed = record(path, "doomed", Algorithm::GoSgd, RunStatus::Finished);
        auto history = openHistory(path);
        {
            auto recorder = RunRecorder::open(path);
            QVERIFY(recorder.ok());
            (*recorder)->onRunStarted(makeInfo("doomed", 2));
            (*recorder)->onSettingChange(SettingChange{pointAt(1), "learning-rate", 0.1, 0.05, "schedule"});
            (*recorder)->onMessage("note");
            const int64_t live = (*recorder)->runId();
            QVERIFY((*recorder)->flush().ok());
            auto refused = history.deleteRun(live);  // being recorded
            QVERIFY(!refused.ok());
            QCOMPARE(refused.error().kind, ErrorKind::RunIsLive);
            (*recorder)->onRunEnded(makeResult(RunStatus::Finished));
            QVERIFY(history.deleteRun(live).ok());
        }

        QVERIFY(history.rename(kept, "renamed").ok());
        QCOMPARE(QString::fromStdString(history.run(kept)->name), QStringLiteral("renamed"));
        QCOMPARE(history.rename(kept, "").error().kind, ErrorKind::InvalidArgument);
        QVERIFY(history.setTags(kept, {"b", "a", "a", ""}).ok());
        QCOMPARE(history.run(kept)->tags, (std::vector<std::string>{"a", "b"}));
        QVERIFY(history.setTags(kept, {}).ok());
        QVERIFY(history.run(kept)->tags.empty());
        QCOMPARE(history.rename(9999, "x").error().kind, ErrorKind::NotFound);
        QCOMPARE(history.setNotes(9999, "x").error().kind, ErrorKind::NotFound);
        QCOMPARE(history.setTags(9999, {"x"}).error().kind, ErrorKind::NotFound);
        QCOMPARE(history.deleteRun(9999).error().kind, ErrorKind::NotFound);

        QVERIFY(history.setTags(doomed, {"gone"}).ok());
        QVERIFY(history.deleteRun(doomed).ok());
        QVERIFY(!history.run(doomed));
        for (const char* table : {"worker_points", "run_points", "distance_snapshots", "latest_values", "run_tags",
                                  "setting_changes", "run_messages"}) {
            QVERIFY2(queryInt(path, std::string("SELECT count(*) FROM ") + table + " WHERE run_id <> " +
                                        std::to_string(kept)) == 0,
                     table);
        }
        QCOMPARE(history.readSeries(kept, "loss", 0).size(), size_t{10});
        // Ids are never reused: a new run never inherits a deleted run's place in an old export.
        QVERIFY(record(path, "new", Algorithm::GoSgd, RunStatus::Finished) > doomed);
    }

    void aReadOnlyHistoryRefusesEdits() {
        const std::string path = newFile();
        const int64_t run_id = record(path, "r", Algorithm::GoSgd, RunStatus::Finished);
        auto history = openHistory(path, OpenMode::ReadOnly);
        QCOMPARE(history.listRuns().size(), size_t{1});
        auto refused = history.rename(run_id, "x");
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::ReadOnly);
        QVERIFY(refused.error().message.find(path) != std::string::npos);
    }

    void importingAnotherHistoryCopiesEachRunWhole() {
        const std::string source_path = newFile();
        const int64_t a = record(source_path, "imported a", Algorithm::GoSgd, RunStatus::Finished, 25);
        record(source_path, "imported b", Algorithm::Easgd, RunStatus::Stopped, 7);
        {
            auto source = openHistory(source_path);
            QVERIFY(source.setTags(a, {"from elsewhere"}).ok());
        }
        {
            auto recorder = RunRecorder::open(source_path);  // a run with setting changes and messages
            (*recorder)->onRunStarted(makeInfo("with events", 2));
            (*recorder)->onSettingChange(SettingChange{pointAt(3), "p", 0.1, 0.2, "user"});
            (*recorder)->onMessage("hello");
            (*recorder)->onRunEnded(makeResult(RunStatus::Finished));
        }

        const std::string target_path = newFile();
        const int64_t local = record(target_path, "local", Algorithm::GoSgd, RunStatus::Finished, 3);
        auto target = openHistory(target_path);
        auto imported = target.importRuns(source_path);
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
        QCOMPARE(imported->new_ids.size(), size_t{3});
        QVERIFY(std::find(imported->new_ids.begin(), imported->new_ids.end(), local) == imported->new_ids.end());

        auto source = openHistory(source_path, OpenMode::ReadOnly);
        const int64_t new_a = imported->new_ids[0];
        const int64_t new_b = imported->new_ids[1];
        QCOMPARE(QString::fromStdString(target.run(new_a)->name), QStringLiteral("imported a"));
        QCOMPARE(target.run(new_a)->tags, std::vector<std::string>{"from elsewhere"});
        QCOMPARE(target.run(new_a)->uuid, source.run(a)->uuid);
        QCOMPARE(target.run(new_a)->config_json, source.run(a)->config_json);
        QCOMPARE(name(target.run(new_b)->status), name(RunStatus::Stopped));
        QCOMPARE(target.readSeries(new_a, "loss", 1).size(), size_t{25});
        QCOMPARE(target.readSeries(new_b, "center_distance", 0).size(), size_t{7});
        QCOMPARE(target.latestValues(new_a).size(), source.latestValues(a).size());
        QCOMPARE(target.latestDistances(new_a)->distances, source.latestDistances(a)->distances);
        QCOMPARE(target.settingChanges(imported->new_ids[2]).size(), size_t{1});
        QCOMPARE(target.messages(imported->new_ids[2]).size(), size_t{1});
        QCOMPARE(target.listRuns().size(), size_t{4});

        // Importing again brings nothing twice.
        auto again = target.importRuns(source_path);
        QVERIFY(again.ok());
        QCOMPARE(again->new_ids.size(), size_t{0});
        QCOMPARE(again->skipped_duplicates, 3);
        QCOMPARE(target.listRuns().size(), size_t{4});
        auto itself = target.importRuns(target_path);
        QVERIFY2(itself.ok(), itself.ok() ? "" : itself.error().message.c_str());
        QCOMPARE(itself->skipped_duplicates, 4);
        QCOMPARE(target.listRuns().size(), size_t{4});
    }

    void importingAnOlderFileLeavesItAsItWas() {
        const std::string old_path = newFile();
        {
            auto db = sql::Database::open(old_path, sql::Database::Access::ReadWriteCreate, 1000);
            schema::migrate(db, 1);
            db.exec("INSERT INTO runs (uuid, name, algorithm, status, created_at, config_json, seed, workers) "
                    "VALUES ('old-1', 'from version 1', 'gosgd', 'running', 1700000000, '{}', 7, 4)");
            db.exec("INSERT INTO worker_points VALUES (1, 1, 0, 1, 10, 640, 0.5, 2.5)");
            db.exec("PRAGMA journal_mode = DELETE");
        }
        const std::string before = fileBytes(old_path);
        const std::string target_path = newFile();
        auto target = openHistory(target_path);
        auto imported = target.importRuns(old_path);
        QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
        QCOMPARE(imported->new_ids.size(), size_t{1});
        const auto run = target.run(imported->new_ids[0]);
        QCOMPARE(name(run->status), name(RunStatus::Interrupted));  // its recorder is long gone
        QCOMPARE(target.readSeries(run->id, "loss", 0).size(), size_t{1});
        QCOMPARE(fileBytes(old_path), before);
    }

    void importingSomethingElseIsAnErrorNamingIt() {
        const std::string target_path = newFile();
        auto target = openHistory(target_path);
        const std::string text_path = dir_.filePath("not-a-history.txt").toStdString();
        writeFile(text_path, "hello");
        auto imported = target.importRuns(text_path);
        QVERIFY(!imported.ok());
        QCOMPARE(imported.error().kind, ErrorKind::NotAHistory);
        QVERIFY(imported.error().message.find(text_path) != std::string::npos);
        auto missing = target.importRuns(dir_.filePath("missing.sqlite3").toStdString());
        QVERIFY(!missing.ok());
        QCOMPARE(target.listRuns().size(), size_t{0});
    }

    void aLiveRunIsNotImported() {
        const std::string source_path = newFile();
        auto recorder = RunRecorder::open(source_path);
        (*recorder)->onRunStarted(makeInfo("still going", 2));
        QVERIFY((*recorder)->flush().ok());
        const std::string target_path = newFile();
        auto target = openHistory(target_path);
        auto imported = target.importRuns(source_path);
        QVERIFY(imported.ok());
        QCOMPARE(imported->skipped_live, 1);
        QCOMPARE(imported->new_ids.size(), size_t{0});
        (*recorder)->onRunEnded(makeResult(RunStatus::Finished));
    }
};

QTEST_APPLESS_MAIN(TestStoreQueries)
#include "test_store_queries.moc"
