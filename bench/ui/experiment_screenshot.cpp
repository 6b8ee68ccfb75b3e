// gossiplab-experiment-screenshot: renders the Experiments tab on an experiment of a history file
// (e.g. one recorded with `gossiplab-cli sweep --db FILE ...`) and saves it as PNG. A developer
// tool for docs/screenshots; works offscreen (QT_QPA_PLATFORM=offscreen) or under Xvfb.
//
//   gossiplab-experiment-screenshot --db FILE --out PNG [--experiment ID] [--tab time|sweep|runs]
//                                   [--metric NAME] [--level L] [--size 1600x1000]
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QImage>
#include <QTabWidget>
#include <QThread>

#include <cstdio>

#include "core/experiments/analysis.h"
#include "ui/experiments/experiment_plots.h"
#include "ui/experiments/experiments_view.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

void settle(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(10);
    }
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("gossiplab-experiment-screenshot");
    QCommandLineParser parser;
    parser.setApplicationDescription("Renders the Experiments tab on an experiment and saves a PNG.");
    parser.addHelpOption();
    parser.addOption({"db", "The history file.", "FILE"});
    parser.addOption({"out", "The PNG to write.", "PNG"});
    parser.addOption({"experiment", "The experiment's id (default: the newest).", "ID"});
    parser.addOption({"tab", "The analysis tab shown: time, sweep or runs (default: time).", "TAB", "time"});
    parser.addOption({"metric", "The final metric of the sweep plot (final_loss, test_accuracy, ...).", "NAME"});
    parser.addOption({"level", "The training loss L of the time-to-loss table (default: the worst final loss).", "L"});
    parser.addOption({"size", "Window size (default 1600x1000).", "WxH", "1600x1000"});
    parser.process(app);
    if (!parser.isSet("db") || !parser.isSet("out")) {
        std::fprintf(stderr, "gossiplab-experiment-screenshot: --db and --out are required\n");
        return 2;
    }
    const QStringList size = parser.value("size").split('x');
    const int width = size.value(0).toInt(), height = size.value(1).toInt();
    if (width < 200 || height < 200) {
        std::fprintf(stderr, "gossiplab-experiment-screenshot: --size WxH, e.g. 1600x1000\n");
        return 2;
    }

    ExperimentsView view(parser.value("db"), {}, nullptr);
    view.resize(width, height);
    view.show();
    if (parser.isSet("experiment") && !view.selectExperiment(parser.value("experiment").toLongLong())) {
        std::fprintf(stderr, "gossiplab-experiment-screenshot: no experiment %s in %s\n",
                     qPrintable(parser.value("experiment")), qPrintable(parser.value("db")));
        return 1;
    }
    if (view.selectedExperiment() == 0) {
        std::fprintf(stderr, "gossiplab-experiment-screenshot: no experiment in %s\n", qPrintable(parser.value("db")));
        return 1;
    }
    if (parser.isSet("metric")) {
        const auto metric = experiments::parseMetric(parser.value("metric").toStdString());
        if (!metric) {
            std::fprintf(stderr, "gossiplab-experiment-screenshot: unknown metric %s\n", qPrintable(parser.value("metric")));
            return 2;
        }
        view.sweepPlot()->setMetric(*metric);
    }
    if (parser.isSet("level")) view.timeToLoss()->setLevel(parser.value("level").toDouble());
    const QString tab = parser.value("tab");
    view.analysisTabs()->setCurrentIndex(tab == "sweep" ? 1 : tab == "runs" ? 2 : 0);
    settle(800);
    const QImage image = view.grab().toImage();
    if (!image.save(parser.value("out"))) {
        std::fprintf(stderr, "gossiplab-experiment-screenshot: cannot write %s\n", qPrintable(parser.value("out")));
        return 1;
    }
    std::printf("%s: experiment %lld, %dx%d\n", qPrintable(parser.value("out")), qlonglong(view.selectedExperiment()),
                image.width(), image.height());
    return 0;
}
