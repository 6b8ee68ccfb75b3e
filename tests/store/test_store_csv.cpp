// CSV: quoting, numbers, the long series format for one run or many, the runs table, and names,
// tags and notes with quotes, commas, newlines and non-ASCII text surviving the round trip.

#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <cmath>
#include <map>
#include <sstream>

#include "core/store/csv.h"
#include "core/store/history.h"
#include "core/store/run_recorder.h"
#include "core/store/string_list.h"
#include "store_test_support.h"

using namespace gossiplab;
using namespace gossiplab::store;
using namespace store_test;

namespace {

const std::string kAwkwardName = "run \"alpha\", p=0.5\nsecond line; 学习率 ☃";
const std::string kAwkwardNotes = "line 1\r\nline 2, with \"quotes\"\n  indented, trailing space ";
const std::vector<std::string> kAwkwardTags = {" leading space", "a,b", "naïve", "quote\"d", "two\nlines"};

std::vector<std::vector<std::string>> parsed(const std::string& text) {
    auto rows = csv::parse(text);
    if (!rows) qFatal("the CSV does not parse");
    return *rows;
}

std::map<std::string, size_t> columnsOf(const std::vector<std::string>& header) {
    std::map<std::string, size_t> columns;
    for (size_t i = 0; i < header.size(); ++i) columns[header[i]] = i;
    return columns;
}

}  // namespace

class TestStoreCsv : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    std::string path_;
    int64_t awkward_run_ = 0;
    int64_t plain_run_ = 0;

    RunHistory open() {
        auto history = RunHistory::open(path_);
        if (!history) qFatal("%s", history.error().message.c_str());
        return std::move(history).value();
    }

private Q_SLOTS:
    void initTestCase() {
        path_ = dir_.filePath("csv.sqlite3").toStdString();
        auto recorder = RunRecorder::open(path_);
        QVERIFY(recorder.ok());
        (*recorder)->onRunStarted(makeInfo(kAwkwardName, 2));
        awkward_run_ = (*recorder)->runId();
        feedSamples(**recorder, 2, 1, 20);
        WorkerSample diverged;
        diverged.worker = 1;
        diverged.at = pointAt(21);
        diverged.loss = std::numeric_limits<double>::quiet_NaN();
        diverged.alpha = 0.1;
        (*recorder)->onWorkerSample(diverged);
        (*recorder)->onRunEnded(makeResult(RunStatus::Diverged, 2));

        RunInfo plain = makeInfo("plain", 1, Algorithm::Easgd);
        plain.config.learning_rate = 0.1;
        (*recorder)->onRunStarted(plain);
        plain_run_ = (*recorder)->runId();
        feedSamples(**recorder, 1, 1, 5, /*gosgd=*/false);
        (*recorder)->onRunEnded(makeResult(RunStatus::Finished, 1));
        QVERIFY(!(*recorder)->error());

        auto history = open();
        QVERIFY(history.setTags(awkward_run_, kAwkwardTags).ok());
        QVERIFY(history.setNotes(awkward_run_, kAwkwardNotes).ok());
    }

    void fieldsAreQuotedOnlyWhenNeeded() {
        QCOMPARE(QString::fromStdString(csv::quoteField("plain")), QStringLiteral("plain"));
        QCOMPARE(QString::fromStdString(csv::quoteField("")), QStringLiteral(""));
        QCOMPARE(QString::fromStdString(csv::quoteField("a,b")), QStringLiteral("\"a,b\""));
        QCOMPARE(QString::fromStdString(csv::quoteField("say \"hi\"")), QStringLiteral("\"say \"\"hi\"\"\""));
        QCOMPARE(QString::fromStdString(csv::quoteField("two\nlines")), QStringLiteral("\"two\nlines\""));
        QCOMPARE(QString::fromStdString(csv::quoteField("cr\rhere")), QStringLiteral("\"cr\rhere\""));
        QCOMPARE(QString::fromStdString(csv::quoteField(" padded")), QStringLiteral("\" padded\""));
        QCOMPARE(QString::fromStdString(csv::quoteField("学习率")), QStringLiteral("学习率"));
    }

    void anyFieldSurvivesWritingAndParsing() {
        const std::vector<std::string> fields = {"", "plain", kAwkwardName, kAwkwardNotes, "\"", ",", "\n", "\"\"", "end "};
        std::ostringstream out;
        csv::Writer writer(out);
        for (const std::string& field : fields) writer.text(field);
        writer.endRow();
        writer.text("second").endRow();
        const auto rows = parsed(out.str());
        QCOMPARE(rows.size(), size_t{2});
        QCOMPARE(rows[0], fields);
        QCOMPARE(rows[1], std::vector<std::string>{"second"});
        QVERIFY(!csv::parse("\"unterminated"));
    }

    void numbersReadBackExactlyAndMissingValuesAreEmpty() {
        for (double value : {0.1, 1.0 / 3.0, 1e-300, -2.5e300, 123456789.0, 0.0}) {
            const std::string text = csv::formatNumber(value);
            QCOMPARE(std::stod(text), value);
        }
        QCOMPARE(QString::fromStdString(csv::formatNumber(std::nan(""))), QString());
        QCOMPARE(QString::fromStdString(csv::formatNumber(2.0)), QStringLiteral("2"));
        QCOMPARE(QString::fromStdString(csv::formatTimestamp(0.25)), QStringLiteral("1970-01-01T00:00:00.250Z"));
        QCOMPARE(QString::fromStdString(csv::formatTimestamp(1700000000.9996)), QStringLiteral("2023-11-14T22:13:21.000Z"));
    }

    void theSeriesOfOneRunInLongFormat() {
        auto history = open();
        std::ostringstream out;
        QVERIFY(history.exportSeriesCsv({awkward_run_}, out).ok());
        const auto rows = parsed(out.str());
        const std::vector<std::string> header(csv::kSeriesColumns.begin(), csv::kSeriesColumns.end());
        QCOMPARE(rows.front(), header);
        // 20 rounds x 2 workers x 5 per-worker series (no center distance for GoSGD; the wait per
        // iteration), the six rows of the diverged sample (its center distance and wait are 0, not
        // NaN), 20 x 6 run-level rows (mean loss, alpha sum, held and waiting, messages, images/s)
        // and 2 consensus distances.
        QCOMPARE(rows.size() - 1, size_t{20 * 2 * 5 + 6 + 20 * 6 + 2});
        bool saw_null_loss = false;
        bool saw_run_level = false;
        int wait_rows = 0;
        for (size_t i = 1; i < rows.size(); ++i) {
            const auto& row = rows[i];
            QCOMPARE(row.size(), header.size());
            QCOMPARE(row[0], std::to_string(awkward_run_));
            QCOMPARE(row[1], kAwkwardName);  // quotes, comma, newline and non-ASCII intact
            if (row[2] == "loss" && row[3] == "1" && row[4] == "21") {
                QCOMPARE(row[7], std::string());  // NaN loss: an empty cell
                saw_null_loss = true;
            }
            if (row[2] == "loss" && row[3] == "0" && row[4] == "7") {
                QCOMPARE(std::stod(row[7]), syntheticLoss(0, 7));
                QCOMPARE(row[5], std::string("448"));
                QCOMPARE(std::stod(row[6]), 0.07);
            }
            if (row[2] == "mean_loss") {
                QCOMPARE(row[3], std::string("-1"));
                saw_run_level = true;
            }
            if (row[2] == "wait_per_iteration_s") {
                ++wait_rows;
                if (row[3] == "1" && row[4] == "9") QCOMPARE(std::stod(row[7]), syntheticWait(1, 9));
            }
        }
        QCOMPARE(wait_rows, 20 * 2 + 1);
        QVERIFY(saw_null_loss);
        QVERIFY(saw_run_level);
    }

    void manyRunsAtOnce() {
        auto history = open();
        std::ostringstream both;
        QVERIFY(history.exportSeriesCsv({awkward_run_, plain_run_}, both).ok());
        std::ostringstream first;
        QVERIFY(history.exportSeriesCsv({awkward_run_}, first).ok());
        std::ostringstream second;
        QVERIFY(history.exportSeriesCsv({plain_run_}, second).ok());
        const auto rows = parsed(both.str());
        QCOMPARE(rows.size(), parsed(first.str()).size() + parsed(second.str()).size() - 1);
        std::map<std::string, size_t> per_run;
        for (size_t i = 1; i < rows.size(); ++i) ++per_run[rows[i][0]];
        QCOMPARE(per_run.size(), size_t{2});
        QVERIFY(per_run[std::to_string(plain_run_)] > 0);
    }

    void anUnknownRunIsAnErrorBeforeAnythingIsWritten() {
        auto history = open();
        std::ostringstream out;
        auto result = history.exportSeriesCsv({awkward_run_, 9999}, out);
        QVERIFY(!result.ok());
        QCOMPARE(result.error().kind, ErrorKind::NotFound);
        QVERIFY(out.str().empty());
    }

    void theRunsTableHasOneRowPerRunWithConfigAndFinalMetrics() {
        auto history = open();
        std::ostringstream out;
        QVERIFY(history.exportRunsCsv({}, out).ok());
        const auto rows = parsed(out.str());
        QCOMPARE(rows.size(), size_t{3});
        auto column = columnsOf(rows[0]);
        for (const char* name : {"run_id", "name", "status", "duration_s", "tags", "notes", "final_mean_loss",
                                 "final_test_accuracy", "config.p", "config.learning-rate", "config.workers"}) {
            QVERIFY2(column.count(name), name);
        }
        const auto& awkward = rows[1];
        QCOMPARE(awkward.size(), rows[0].size());
        QCOMPARE(awkward[column["run_id"]], std::to_string(awkward_run_));
        QCOMPARE(awkward[column["name"]], kAwkwardName);
        QCOMPARE(awkward[column["notes"]], kAwkwardNotes);
        QCOMPARE(awkward[column["status"]], std::string("diverged"));
        auto tags = decodeStringList(awkward[column["tags"]]);
        QVERIFY(tags);
        auto sorted_tags = kAwkwardTags;
        std::sort(sorted_tags.begin(), sorted_tags.end());
        QCOMPARE(*tags, sorted_tags);
        QCOMPARE(awkward[column["config.workers"]], std::string("2"));
        QCOMPARE(std::stod(awkward[column["duration_s"]]), 12.5);
        QCOMPARE(std::stod(awkward[column["final_test_accuracy"]]), 0.91);

        const auto& plain = rows[2];
        QCOMPARE(plain[column["algorithm"]], std::string("easgd"));
        QCOMPARE(std::stod(plain[column["config.learning-rate"]]), 0.1);
        QCOMPARE(plain[column["tags"]], std::string("[]"));

        std::ostringstream one;
        QVERIFY(history.exportRunsCsv({plain_run_}, one).ok());
        QCOMPARE(parsed(one.str()).size(), size_t{2});
    }

    void theStoreItselfKeepsAwkwardTextIntact() {
        auto history = open();
        const auto run = history.run(awkward_run_);
        QCOMPARE(run->name, kAwkwardName);
        QCOMPARE(run->notes, kAwkwardNotes);
        auto sorted_tags = kAwkwardTags;
        std::sort(sorted_tags.begin(), sorted_tags.end());
        QCOMPARE(run->tags, sorted_tags);
        RunFilter by_tag;
        by_tag.tag = "two\nlines";
        QCOMPARE(history.listRuns(by_tag).size(), size_t{1});
        RunFilter by_text;
        by_text.text = "学习率";
        QCOMPARE(history.listRuns(by_text).size(), size_t{1});
    }

    void exportingToAFileIsAllOrNothing() {
        auto history = open();
        const std::string csv_path = dir_.filePath("series.csv").toStdString();
        QVERIFY(history.exportSeriesCsvFile({awkward_run_, plain_run_}, csv_path).ok());
        std::ostringstream direct;
        QVERIFY(history.exportSeriesCsv({awkward_run_, plain_run_}, direct).ok());
        QCOMPARE(fileBytes(csv_path), direct.str());

        const std::string runs_path = dir_.filePath("runs.csv").toStdString();
        QVERIFY(history.exportRunsCsvFile({}, runs_path).ok());
        QCOMPARE(parsed(fileBytes(runs_path)).size(), size_t{3});

        const std::string nowhere = dir_.filePath("missing/folder/out.csv").toStdString();
        auto failed = history.exportSeriesCsvFile({awkward_run_}, nowhere);
        QVERIFY(!failed.ok());
        QVERIFY(failed.error().message.find(nowhere) != std::string::npos);

        // A failed export leaves no file behind, and no half-written one.
        const std::string unknown_run = dir_.filePath("unknown.csv").toStdString();
        QVERIFY(!history.exportSeriesCsvFile({424242}, unknown_run).ok());
        QVERIFY(!QFile::exists(QString::fromStdString(unknown_run)));
        QDir folder(dir_.path());
        QCOMPARE(folder.entryList({"*.partial-*"}, QDir::Files).size(), 0);
    }

    void stringListsRoundTrip() {
        const std::vector<std::string> items = {"", "a", "\"", "\\", "tab\tnew\nline", "ü☃𝄞", "\x01"};
        QCOMPARE(*decodeStringList(encodeStringList(items)), items);
        QCOMPARE(*decodeStringList("[\"\\u00fc\\ud834\\udd1e\"]"), std::vector<std::string>{"ü𝄞"});
        QVERIFY(!decodeStringList("[1]"));
        QVERIFY(!decodeStringList("[\"a\""));
        QCOMPARE(decodeStringList("[]")->size(), size_t{0});
    }
};

QTEST_APPLESS_MAIN(TestStoreCsv)
#include "test_store_csv.moc"
