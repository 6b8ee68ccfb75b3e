// gossiplab-dist-screenshot: a live run over 2 (or N) processes on this machine, started from the
// main window's Distributed settings ("N processes on this machine": the app starts the other
// ranks as gossiplab-cli children), saved as a PNG while it goes (QWidget::grab: offscreen or
// under Xvfb). A developer tool for docs/screenshots/distributed.png; not a test.
//
//   gossiplab-dist-screenshot --out distributed.png [--world 2] [--workers 2] [--at 25]
//       [--dataset fashion-mnist] [--model lenet] [--seconds 90] [--cli PATH] [--size 1600x1000]

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSettings>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

#include "ui/live/distributed_setup.h"
#include "ui/live/live_view.h"
#include "ui/live/local_ranks.h"
#include "ui/live/process_list_view.h"
#include "ui/live/run_controller.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption out("out", "PNG file", "FILE", "distributed.png");
    const QCommandLineOption world("world", "processes (this one included)", "N", "2");
    const QCommandLineOption workers("workers", "workers per process", "M", "2");
    const QCommandLineOption at("at", "seconds after the start to take the screenshot", "S", "25");
    const QCommandLineOption dataset("dataset", "dataset", "NAME", "fashion-mnist");
    const QCommandLineOption model("model", "model", "NAME", "lenet");
    const QCommandLineOption seconds("seconds", "time budget in seconds", "S", "90");
    const QCommandLineOption p("p", "exchange probability", "X", "0.05");
    const QCommandLineOption cli("cli", "gossiplab-cli to start the other ranks with", "PATH");
    const QCommandLineOption size("size", "window size", "WxH", "1600x1000");
    parser.addOptions({out, world, workers, at, dataset, model, seconds, p, cli, size});
    parser.process(app);

    QTemporaryDir dir;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.filePath("settings"));
    QCoreApplication::setOrganizationName("GossipLabScreenshot");
    QCoreApplication::setApplicationName("gossiplab-dist-screenshot");
    QCoreApplication::setApplicationVersion("dev");
    if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);

    RunConfig c = quickDemoPreset();
    c.dataset = parser.value(dataset).toStdString();
    c.model = parser.value(model).toStdString();
    c.workers = parser.value(workers).toInt();
    c.p = parser.value(p).toDouble();
    c.budget_kind = BudgetKind::Seconds;
    c.budget = parser.value(seconds).toDouble();
    c.eval_every_images = 2000;
    c.eval_max_images = 2000;
    c.intra_op_threads = 1;

    MainWindow w(dir.filePath("history.sqlite3"));
    const QStringList wh = parser.value(size).split('x');
    w.resize(wh.value(0).toInt(), wh.value(1).toInt());
    w.show();
    RunSettingsPanel* panel = w.settingsPanel();
    panel->setConfig(c);
    DistributedSetup d;
    d.enabled = true;
    d.mode = DistributedSetup::Mode::Local;
    d.world = parser.value(world).toInt();
    d.master_port = 0;
    d.join_timeout_s = 60;
    d.peer_timeout_s = 10;
    w.applyDistributed(d);
    if (!panel->isValid()) {
        for (const auto& e : panel->errors()) std::fprintf(stderr, "%s: %s\n", e.field.c_str(), e.message.c_str());
        return 2;
    }
    QString cli_path = parser.value(cli);
    if (cli_path.isEmpty()) {
        cli_path = defaultCliPath();
        // In the build tree this tool sits in bench/, gossiplab-cli in app/.
        if (!QFileInfo::exists(cli_path)) cli_path = QDir(QCoreApplication::applicationDirPath()).filePath("../app/gossiplab-cli");
    }
    w.controller()->setCliPath(QFileInfo(cli_path).absoluteFilePath());

    if (!w.startRun()) {
        std::fprintf(stderr, "the run did not start\n");
        return 1;
    }
    QObject::connect(w.controller(), &RunController::startFailed, &app, [](const QString& m) {
        std::fprintf(stderr, "start failed: %s\n", qPrintable(m));
        QCoreApplication::exit(1);
    });
    const int at_ms = int(parser.value(at).toDouble() * 1000);
    const QString file = parser.value(out);
    QTimer::singleShot(at_ms, &w, [&] {
        w.liveView()->refreshNow(true);
        const bool saved = w.grab().save(file);
        std::printf("%s %s (%d of %d processes joined, %d workers)\n", saved ? "saved" : "could not save", qPrintable(file),
                    w.liveView()->processList()->joinedCount(), w.liveView()->processList()->rowCount(),
                    w.controller()->data().workers());
        w.controller()->stop();
    });
    QObject::connect(w.controller(), &RunController::runEnded, &app, [&](const RunResult& r) {
        std::printf("run %s: %s\n", toString(r.status).c_str(), r.message.c_str());
        for (const QString& line : w.controller()->localRanks()->log()) std::printf("  %s\n", qPrintable(line));
        QTimer::singleShot(500, &app, [] { QCoreApplication::exit(0); });
    });
    const int code = app.exec();
    w.controller()->stopAndWait();
    return code;
}
