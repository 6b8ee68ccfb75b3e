// gossiplab-ui-compare-screenshot: opens a history file in the main window, shows the History tab
// with the given runs selected and the Compare tab comparing them, and saves both as PNG
// (QWidget::grab: offscreen or under Xvfb). A developer tool for docs/screenshots; not a test.
//
//   gossiplab-ui-compare-screenshot --db FILE --runs 1,2,3,4 [--out compare.png]
//       [--history-out history.png] [--size 1700x1050] [--x-axis images|iterations|time]

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include "ui/compare/compare_view.h"
#include "ui/plots/compare_plot.h"
#include "ui/window/history_view.h"
#include "ui/window/main_window.h"

using namespace gossiplab::ui;

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption db("db", "history file", "FILE");
    const QCommandLineOption runs("runs", "run ids, comma-separated", "IDS");
    const QCommandLineOption out("out", "Compare tab PNG", "FILE", "compare.png");
    const QCommandLineOption history_out("history-out", "History tab PNG (optional)", "FILE");
    const QCommandLineOption size("size", "window size", "WxH", "1700x1050");
    const QCommandLineOption xaxis("x-axis", "images, iterations or time", "NAME", "images");
    parser.addOptions({db, runs, out, history_out, size, xaxis});
    parser.process(app);
    if (!parser.isSet(db) || !parser.isSet(runs)) {
        std::fprintf(stderr, "give --db FILE and --runs 1,2,...\n");
        return 2;
    }
    std::vector<int64_t> ids;
    for (const QString& s : parser.value(runs).split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const qint64 id = s.toLongLong(&ok);
        if (!ok || id <= 0) {
            std::fprintf(stderr, "--runs: '%s' is not a run id\n", qPrintable(s));
            return 2;
        }
        ids.push_back(id);
    }

    QTemporaryDir dir;  // settings of this tool only, never the user's
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.filePath("settings"));
    QCoreApplication::setOrganizationName("GossipLabScreenshot");
    QCoreApplication::setApplicationName("gossiplab-ui-compare-screenshot");
    if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);

    MainWindow window(parser.value(db));
    const QStringList wh = parser.value(size).split('x');
    window.resize(wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1700, wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 1050);
    window.show();
    QApplication::processEvents();

    int status = 0;
    auto grab = [&](const QString& path) {
        QApplication::processEvents();
        for (ComparePlot* p : window.compareView()->plots()) p->replotNow();
        if (!window.grab().save(path)) {
            std::fprintf(stderr, "could not save %s\n", qPrintable(path));
            status = 1;
        } else {
            std::printf("saved %s\n", qPrintable(path));
        }
    };
    QTimer::singleShot(500, [&] {
        window.tabs()->setCurrentWidget(window.historyView());
        window.historyView()->refresh();
        window.historyView()->selectRuns({ids.front()});
        window.historyView()->selectRuns(ids);
        if (parser.isSet(history_out)) {
            QApplication::processEvents();
            grab(parser.value(history_out));
        }
        window.compareRuns(ids);
        const QString x = parser.value(xaxis);
        window.compareView()->setXAxis(x == "time" ? XAxis::WallTime : x == "iterations" ? XAxis::Iterations : XAxis::Images);
        QTimer::singleShot(500, [&] {
            grab(parser.value(out));
            window.close();
            QApplication::quit();
        });
    });
    app.exec();
    return status;
}
