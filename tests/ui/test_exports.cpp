// Exports: the points CSV parses back to exactly the store's values for every point (not the
// decimated view), the runs CSV has a row per run; PNG (of the requested size, 2x too), PDF and
// SVG files exist and are non-empty; "Export all" writes every file, never overwrites without
// asking, and a folder that cannot be written is reported; gossiplab-cli export --plot draws the
// same panels offscreen.

#include <unistd.h>

#include <cstdio>

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>

#include "core/cli/history_commands.h"
#include "core/store/csv.h"
#include "history_test_support.h"
#include "ui/compare/compare_view.h"
#include "ui/export/cli_plot_export.h"
#include "ui/export/data_export.h"
#include "ui/export/plot_export.h"
#include "ui/history/run_viewer.h"
#include "ui/plots/compare_plot.h"
#include "ui/plots/worker_series_panel.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

// gossiplab-cli export's command, run in this process; what it writes to stderr goes to `err`.
int exportCommand(const std::vector<std::string>& args, QString* err) {
    std::fflush(stderr);
    QTemporaryFile capture;
    if (!capture.open()) qFatal("no temporary file for stderr");
    const int saved = ::dup(2);
    ::dup2(capture.handle(), 2);
    const int code = cli::exportCommand(args);
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    capture.seek(0);
    *err = QString::fromUtf8(capture.readAll());
    return code;
}

}  // namespace

class TestExports : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString path_;
    std::vector<int64_t> ids_;

    QString out(const QString& name) const { return dir_.filePath(name); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        path_ = dir_.filePath("history.sqlite3");
        // 5,000 rounds x 4 workers: more points than the plots keep, so a decimated export would show.
        ids_.push_back(history_test::recordRun(path_.toStdString(), {"big, \"quoted\" name", Algorithm::GoSgd, 0.02,
                                                                     RunStatus::Finished, 0.25, {}, 4, 5000}));
        ids_.push_back(history_test::recordRun(path_.toStdString(), {"easgd", Algorithm::Easgd, 0.02}));
    }

    void pointsCsvHasEveryStoredValue() {
        const QString csv_path = out("points.csv");
        QVERIFY(exportCsv(path_, ids_, CsvKind::Points, csv_path, neverOverwrite()).isEmpty());
        QFile file(csv_path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        const auto rows = store::csv::parse(std::string_view(text.constData(), size_t(text.size())));
        QVERIFY(rows.has_value());
        QCOMPARE((*rows)[0].size(), store::csv::kSeriesColumns.size());
        // Group the CSV values by (run, series, worker), in file order.
        std::map<std::tuple<int64_t, std::string, int>, std::vector<std::array<double, 4>>> csv;
        for (size_t i = 1; i < rows->size(); ++i) {
            const auto& r = (*rows)[i];
            QCOMPARE(r.size(), size_t(8));
            const double value = r[7].empty() ? std::nan("") : std::stod(r[7]);
            csv[{std::stoll(r[0]), r[2], std::stoi(r[3])}].push_back(
                {double(std::stoll(r[4])), double(std::stoll(r[5])), std::stod(r[6]), value});
        }
        auto history = store::RunHistory::open(path_.toStdString(), {store::OpenMode::ReadOnly});
        QVERIFY(history);
        size_t total = 0, groups = 0;
        for (int64_t id : ids_) {
            for (const auto& key : history->seriesOf(id)) {
                const auto points = history->readSeries(id, key.series, key.worker);
                const auto& got = csv[{id, key.series, key.worker}];
                QCOMPARE(got.size(), points.size());
                for (size_t k = 0; k < points.size(); ++k) {
                    QCOMPARE(got[k][0], double(points[k].iteration));
                    QCOMPARE(got[k][1], double(points[k].images));
                    QCOMPARE(got[k][2], points[k].wall_s);  // exact: shortest round-trip text
                    if (std::isnan(points[k].value)) QVERIFY(std::isnan(got[k][3]));
                    else QCOMPARE(got[k][3], points[k].value);
                }
                total += points.size();
                ++groups;
            }
        }
        QCOMPARE(rows->size() - 1, total);
        QCOMPARE(csv.size(), groups);
        QVERIFY(total > 5000 * 4);  // every point of the big run, far more than a plot keeps
        // The run name with a comma and quotes survives.
        QCOMPARE(QString::fromStdString((*rows)[1][1]), QString("big, \"quoted\" name"));
    }

    void runsCsvHasOneRowPerRun() {
        const QString csv_path = out("runs.csv");
        QVERIFY(exportCsv(path_, ids_, CsvKind::Runs, csv_path, neverOverwrite()).isEmpty());
        QFile file(csv_path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        const auto rows = store::csv::parse(std::string_view(text.constData(), size_t(text.size())));
        QVERIFY(rows.has_value());
        QCOMPARE(rows->size(), ids_.size() + 1);
        QCOMPARE(QString::fromStdString((*rows)[0][0]), QString("run_id"));
        const auto& header = (*rows)[0];
        QVERIFY(std::find(header.begin(), header.end(), "config.p") != header.end());
        // A second export to the same file asks first; declined, the file stays as it was.
        bool skipped = false;
        int asked = 0;
        QVERIFY(exportCsv(path_, {ids_[0]}, CsvKind::Runs, csv_path, [&](const QStringList&) { ++asked; return false; }, &skipped)
                    .isEmpty());
        QVERIFY(skipped);
        QCOMPARE(asked, 1);
        QFile again(csv_path);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), text);
    }

    void plotImagesHaveTheRequestedSize() {
        RunViewer viewer;
        viewer.resize(1200, 800);
        QVERIFY(viewer.showRun(path_, ids_[0]));
        ImageOptions o;
        o.width = 640;
        o.height = 400;
        o.scale = 1.0;
        QVERIFY(exportPlot(*viewer.lossPanel(), out("loss.png"), o, neverOverwrite()).isEmpty());
        QImage png(out("loss.png"));
        QCOMPARE(png.size(), QSize(640, 400));
        o.scale = 2.0;
        QVERIFY(exportPlot(*viewer.lossPanel(), out("loss@2x.png"), o, neverOverwrite()).isEmpty());
        QCOMPARE(QImage(out("loss@2x.png")).size(), QSize(1280, 800));
        // The print look: white paper in the corner.
        QCOMPARE(QColor(png.pixel(2, png.height() - 2)), QColor(Qt::white));
        QVERIFY(exportPlot(*viewer.lossPanel(), out("loss.pdf"), o, neverOverwrite()).isEmpty());
        QVERIFY(exportPlot(*viewer.lossPanel(), out("loss.svg"), o, neverOverwrite()).isEmpty());
        QFile pdf(out("loss.pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        QVERIFY(pdf.size() > 1000);
        QVERIFY(pdf.read(5) == "%PDF-");
        QFile svg(out("loss.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray svg_text = svg.readAll();
        QVERIFY(svg_text.contains("<svg"));
        QVERIFY(svg_text.contains("width=\"640"));
        // Bad input: a clear message, no file.
        QVERIFY(exportPlot(*viewer.lossPanel(), out("loss.bmp"), o, neverOverwrite()).contains(".png, .pdf or .svg"));
        ImageOptions bad = o;
        bad.width = 0;
        QVERIFY(exportPlot(*viewer.lossPanel(), out("zero.png"), bad, neverOverwrite()).contains("width"));
        QVERIFY(!QFileInfo::exists(out("zero.png")));
    }

    void exportAllWritesEverythingAndAsksBeforeOverwriting() {
        CompareView view;
        view.resize(1400, 900);
        QVERIFY(view.setRuns(path_, ids_).isEmpty());
        const QString folder = out("all");
        view.setOverwriteQuestion(neverOverwrite());
        ExportAllResult result = view.exportAllTo(folder);
        QVERIFY2(result.ok(), qPrintable(result.errors.join('\n')));
        QCOMPARE(result.written.size(), 2 + 5 * 3);  // two CSVs; five plots (loss, accuracy, consensus, alpha, wait) x PNG, PDF, SVG
        for (const QString& f : result.written) QVERIFY2(QFileInfo(f).size() > 0, qPrintable(f));
        QVERIFY(QFileInfo::exists(folder + "/compare-loss.svg"));
        // A marker in place of one file: a declined export must leave it byte for byte (a time
        // stamp a few milliseconds apart would not tell on a coarse or fast file system).
        {
            QFile marked(folder + "/points.csv");
            QVERIFY(marked.open(QIODevice::WriteOnly | QIODevice::Truncate));
            marked.write("not to be replaced\n");
        }
        result = view.exportAllTo(folder);  // everything exists: declined, nothing written
        QVERIFY(result.cancelled);
        QVERIFY(result.written.isEmpty());
        {
            QFile marked(folder + "/points.csv");
            QVERIFY(marked.open(QIODevice::ReadOnly));
            QCOMPARE(marked.readAll(), QByteArray("not to be replaced\n"));
        }
        QStringList asked;
        view.setOverwriteQuestion([&](const QStringList& existing) { asked = existing; return true; });
        result = view.exportAllTo(folder);
        QVERIFY(result.ok());
        QCOMPARE(asked.size(), 17);
        QVERIFY(QFileInfo::exists(folder + "/compare-wait.png"));
    }

    // Issue #20, 2: an export draws into files only. The widgets on screen (axes, tick labels,
    // ranges, backgrounds) look exactly as they did before it, also after a repaint.
    void exportAllLeavesTheScreenAsItWas() {
        CompareView view;
        view.resize(1400, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(view.setRuns(path_, ids_).isEmpty());
        QApplication::processEvents();
        const QImage before = view.grab().toImage();
        view.setOverwriteQuestion([](const QStringList&) { return true; });
        const ExportAllResult result = view.exportAllTo(out("screen-untouched"));
        QVERIFY2(result.ok(), qPrintable(result.errors.join('\n')));
        view.update();
        QApplication::processEvents();
        const QImage after = view.grab().toImage();
        QCOMPARE(after.size(), before.size());
        if (after != before) {
            // Kept for a look: the test's own folder goes away with it.
            const QString kept = QDir::temp().filePath("gossiplab-export-screen");
            before.save(kept + "-before.png");
            after.save(kept + "-after.png");
            QFAIL(qPrintable("the view changed after Export all: see " + kept + "-before.png and -after.png"));
        }
    }

    void aFolderThatCannotBeWrittenIsReported() {
        // A folder below a regular file can never be created, whoever runs the test.
        QFile blocker(out("not-a-folder"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.write("x");
        blocker.close();
        ExportAllRequest request;
        request.history_path = path_;
        request.run_ids = ids_;
        request.folder = out("not-a-folder/exports");
        const ExportAllResult result = exportAll(request, alwaysOverwrite());
        QVERIFY(!result.ok());
        QVERIFY2(result.errors.join(' ').contains("not-a-folder"), qPrintable(result.errors.join(' ')));
        RunViewer viewer;
        QVERIFY(viewer.showRun(path_, ids_[1]));
        const QString error = exportPlot(*viewer.lossPanel(), out("not-a-folder/x.png"), {}, alwaysOverwrite());
        QVERIFY2(error.startsWith("Could not write"), qPrintable(error));
        const QString csv_error = exportCsv(path_, ids_, CsvKind::Points, out("not-a-folder/p.csv"), alwaysOverwrite());
        QVERIFY2(!csv_error.isEmpty() && csv_error.contains("p.csv"), qPrintable(csv_error));
    }

    // Root writes into read-only folders, and the CI runs as root: the export then runs as the
    // user nobody (real and effective ids: Qt's checks use access(2), which reads the real ones;
    // the saved id stays root's to come back to), on a copy of the history nobody can read.
    void aReadOnlyFolderIsReported() {
        const QString shared = out("shared");
        QVERIFY(QDir().mkpath(shared));
        const auto everyone = QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup |
                              QFileDevice::WriteGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::WriteOther |
                              QFileDevice::ExeOther;
        QVERIFY(QFile::setPermissions(dir_.path(), QFile::permissions(dir_.path()) | QFileDevice::ExeGroup | QFileDevice::ExeOther));
        QVERIFY(QFile::setPermissions(shared, everyone));  // SQLite may make its -shm beside the copy
        const QString history = shared + "/history.sqlite3";
        QVERIFY(QFile::copy(path_, history));
        QVERIFY(QFile::setPermissions(history, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                                   QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther));
        const QString folder = shared + "/read-only";
        QVERIFY(QDir().mkpath(folder));
        const auto read_only = QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup | QFileDevice::ExeGroup |
                               QFileDevice::ReadOther | QFileDevice::ExeOther;
        QVERIFY(QFile::setPermissions(folder, read_only));
        const auto restore = qScopeGuard([&] { QFile::setPermissions(folder, everyone); });
        RunViewer viewer;
        QVERIFY(viewer.showRun(path_, ids_[1]));

        const bool as_root = ::geteuid() == 0;
        if (as_root) {
            QVERIFY(::setresgid(65534, 65534, 0) == 0);
            QVERIFY(::setresuid(65534, 65534, 0) == 0);
        }
        auto back_to_root = qScopeGuard([&] {
            if (as_root && (::setresuid(0, 0, 0) != 0 || ::setresgid(0, 0, 0) != 0)) qFatal("cannot become root again");
        });
        ExportAllRequest request;
        request.history_path = history;
        request.run_ids = ids_;
        request.folder = folder;
        const ExportAllResult result = exportAll(request, alwaysOverwrite());
        const QString plot_error = exportPlot(*viewer.lossPanel(), folder + "/x.png", {}, alwaysOverwrite());
        back_to_root.dismiss();
        if (as_root) {
            QVERIFY(::setresuid(0, 0, 0) == 0);
            QVERIFY(::setresgid(0, 0, 0) == 0);
        }
        QVERIFY(!result.ok());
        const QString errors = result.errors.join(' ');
        QVERIFY2(errors.contains("Cannot write into the folder") && errors.contains(QDir::toNativeSeparators(folder)), qPrintable(errors));
        QVERIFY(result.written.isEmpty());
        QVERIFY2(plot_error.startsWith("Could not write"), qPrintable(plot_error));
        QVERIFY(QDir(folder).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }

    // One gossiplab-cli process end to end (its own QApplication, offscreen, the plot exporter
    // that app/cli/main.cpp installs); the other cases call the same export command in this
    // process (starting a process that loads LibTorch costs about a second each).
    void cliDrawsPlotsOffscreen() {
        QProcess cli;
        const QString png = out("cli-compare.png");
        cli.start(GOSSIPLAB_CLI_PATH, {"export", QString::number(ids_[0]), QString::number(ids_[1]), "--db", path_, "--plot",
                                       "loss", "--png", png, "--width", "500", "--height", "300", "--scale", "2"});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QCOMPARE(QImage(png).size(), QSize(1000, 600));
    }

    void cliExportCommandInProcess() {
        cli::setPlotExporter(&exportPlotForCli);
        const QString png = out("cli-in-process.png");
        const std::string id0 = std::to_string(ids_[0]), db = path_.toStdString();
        QString err;
        QCOMPARE(exportCommand({id0, std::to_string(ids_[1]), "--db", db, "--plot", "loss", "--png", png.toStdString(), "--width", "500",
                                "--height", "300", "--scale", "2"},
                               &err),
                 0);
        QCOMPARE(QImage(png).size(), QSize(1000, 600));
        // Never over an existing file without --force.
        QCOMPARE(exportCommand({id0, "--db", db, "--plot", "accuracy", "--png", png.toStdString()}, &err), 1);
        QVERIFY2(err.contains("--force"), qPrintable(err));
        for (const char* plot : {"alpha", "distance", "accuracy"}) {
            const QString svg = out(QString("cli-%1.svg").arg(plot));
            QVERIFY2(exportCommand({id0, "--db", db, "--plot", plot, "--svg", svg.toStdString()}, &err) == 0, qPrintable(err));
            QVERIFY(QFileInfo(svg).size() > 0);
        }
        // Bad input names the flag.
        QCOMPARE(exportCommand({"1", "--db", db, "--plot", "loss", "--png", out("w.png").toStdString(), "--width", "abc"}, &err), 2);
        QVERIFY2(err.contains("--width"), qPrintable(err));
        QCOMPARE(exportCommand({"1", "--db", db, "--plot", "loss"}, &err), 2);
        // A zoomed view (the end of convergence, as the paper shows it) draws something else than
        // the whole run; a backwards range is refused naming the flag.
        const QString whole = out("cli-whole.png"), zoomed = out("cli-zoomed.png");
        QVERIFY2(exportCommand({id0, "--db", db, "--plot", "loss", "--png", whole.toStdString()}, &err) == 0, qPrintable(err));
        QVERIFY2(exportCommand({id0, "--db", db, "--plot", "loss", "--png", zoomed.toStdString(), "--x-range", "1000:2000", "--y-range", "0:5"},
                               &err) == 0,
                 qPrintable(err));
        QVERIFY(QImage(zoomed).size() == QImage(whole).size() && QImage(zoomed) != QImage(whole));
        QCOMPARE(exportCommand({"1", "--db", db, "--plot", "loss", "--png", out("r.png").toStdString(), "--x-range", "5:1"}, &err), 2);
        QVERIFY2(err.contains("--x-range is '5:1'"), qPrintable(err));
    }

    // RUN=LABEL names a run in the legend of an overlay (the SVG keeps the legend as text); a run
    // without a label keeps its recorded name.
    void cliExportLabelsTheLegend() {
        cli::setPlotExporter(&exportPlotForCli);
        const std::string id0 = std::to_string(ids_[0]), id1 = std::to_string(ids_[1]), db = path_.toStdString();
        const QString svg = out("cli-labelled.svg");
        QString err;
        QVERIFY2(exportCommand({id0 + "=naive, seed 1", id1, "--db", db, "--plot", "loss", "--svg", svg.toStdString()}, &err) == 0,
                 qPrintable(err));
        QFile file(svg);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(file.readAll());
        // initTestCase named the runs 'big, "quoted" name' and 'easgd'.
        QVERIFY2(text.contains(QStringLiteral("#%1 naive, seed 1").arg(ids_[0])), "the label is not in the legend");
        QVERIFY2(!text.contains(QStringLiteral("big, ")), "the labelled run's name is still in the legend");
        QVERIFY2(text.contains(QStringLiteral("#%1 easgd").arg(ids_[1])), "the unlabelled run lost its name");
        // A label is for a plot's legend; a bad id before '=' is named.
        QCOMPARE(exportCommand({id0 + "=x", "--db", db, "--csv", out("l.csv").toStdString()}, &err), 2);
        QVERIFY2(err.contains("goes with --plot"), qPrintable(err));
        QCOMPARE(exportCommand({"x=naive", "--db", db, "--plot", "loss", "--svg", out("l.svg").toStdString()}, &err), 2);
        QVERIFY2(err.contains("'x=naive' is not a run id"), qPrintable(err));
    }
};

QTEST_MAIN(TestExports)
#include "test_exports.moc"
