// gossiplab-ui-screenshot: starts a run in the main window and saves screenshots of it while it
// goes (QWidget::grab, so it works offscreen or under Xvfb). A developer tool for looking at the
// dashboard and for docs/screenshots; not a test.
//
//   gossiplab-ui-screenshot --out live.png [--preset quick] [--algorithm gosgd] [--workers 8]
//       [--at 20] [--every 0] [--change-p 0.5@10] [--size 1600x1000] [--dataset ...] [--model ...]
//       [--batch 64] [--lr 0.05] [--p 0.02] [--seconds 120] [--init-noise 0] [--layout grid]
//       [--stall-every 60]
// --stall-every S: a 10 ms timer on the GUI thread measures how late each of its ticks comes (a
// stall: the event loop busy with something else); every S seconds a line
// "gui-stall: t=... max=... ms over-50ms=..." gives the longest stall of those S seconds
// (bench/soak.sh reads them), and names the event that took longest in that time: its receiver's
// class (and its parent's, for timers and the like), object name and event type ("slowest=...").

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QPointer>
#include <QSettings>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QTabWidget>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <string>

#include "ui/live/live_view.h"
#include "ui/live/run_controller.h"
#include "ui/plots/plot_panel.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

// Times every event the GUI thread dispatches from its event loop (the outermost notify only: an
// event handled inside another one is part of that one's time) and keeps the slowest, with a name
// a developer can act on.
class TimedApplication : public QApplication {
public:
    using QApplication::QApplication;

    bool notify(QObject* receiver, QEvent* event) override {
        if (depth_ > 0 || QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
        ++depth_;
        // What names the receiver is taken before the event: it may be deleted while handling it.
        const QMetaObject* meta = receiver->metaObject();
        const QMetaObject* parent_meta = receiver->parent() ? receiver->parent()->metaObject() : nullptr;
        const QPointer<QObject> alive(receiver);
        const int type = event->type();
        QElapsedTimer timer;
        timer.start();
        const bool handled = QApplication::notify(receiver, event);
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        --depth_;
        if (ms > slowest_ms_) {
            slowest_ms_ = ms;
            slowest_ = std::string(meta->className()) + (parent_meta ? std::string("(in ") + parent_meta->className() + ")" : "");
            if (alive && !alive->objectName().isEmpty()) slowest_ += " '" + alive->objectName().toStdString() + "'";
            slowest_ += " event " + std::to_string(type);
        }
        return handled;
    }

    // The slowest event since the last call, as "Class(in ParentClass) 'name' event N 12.3 ms".
    std::string takeSlowest() {
        char figure[32];
        std::snprintf(figure, sizeof figure, " %.1f ms", slowest_ms_);
        std::string out = slowest_.empty() ? "none" : slowest_ + figure;
        slowest_.clear();
        slowest_ms_ = 0.0;
        return out;
    }

private:
    int depth_ = 0;
    double slowest_ms_ = 0.0;
    std::string slowest_;
};

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimedApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption out("out", "PNG file (with --every: a prefix)", "FILE", "live-run.png");
    const QCommandLineOption preset("preset", "preset to start from", "NAME", "quick");
    const QCommandLineOption algorithm("algorithm", "gosgd, easgd, naive, allreduce, local-sgd, dpsgd, adpsgd or sgp", "NAME");
    const QCommandLineOption workers("workers", "M", "N");
    const QCommandLineOption at("at", "seconds after the start to take the screenshot", "S", "20");
    const QCommandLineOption every("every", "also one every S seconds before --at", "S", "0");
    const QCommandLineOption change_p("change-p", "VALUE@SECONDS: change p live", "V@S");
    const QCommandLineOption size("size", "window size", "WxH", "1600x1000");
    const QCommandLineOption dataset("dataset", "dataset", "NAME");
    const QCommandLineOption model("model", "model", "NAME");
    const QCommandLineOption batch("batch", "batch size", "N");
    const QCommandLineOption lr("lr", "learning rate", "X");
    const QCommandLineOption p("p", "p", "X");
    const QCommandLineOption seconds("seconds", "time budget in seconds", "S");
    const QCommandLineOption images("images", "budget in images per worker", "N");
    const QCommandLineOption eval_every("eval-every", "evaluate every N images per worker", "N");
    const QCommandLineOption eval_max("eval-max-images", "test images per evaluation", "N");
    const QCommandLineOption metrics_every("metrics-every", "metrics every N iterations", "N");
    const QCommandLineOption distance_every("distance-every", "distances every N iterations", "N");
    const QCommandLineOption init_noise("init-noise", "initial spread", "X");
    const QCommandLineOption momentum("momentum", "momentum", "X");
    const QCommandLineOption smoothing("smoothing", "loss smoothing", "X");
    const QCommandLineOption layout("layout", "grid, column or row", "NAME");
    const QCommandLineOption xaxis("x", "images, iterations or time", "NAME");
    const QCommandLineOption idle("idle", "save the window before the run starts as FILE", "FILE");
    const QCommandLineOption data_dir("data-dir", "dataset folder", "DIR");
    const QCommandLineOption tab("tab", "show this tab (live, history, compare) when taking the screenshot", "NAME");
    const QCommandLineOption stall_every("stall-every", "print the GUI thread's longest stall every S seconds", "S");
    parser.addOptions({out, preset, algorithm, workers, at, every, change_p, size, dataset, model, batch, lr, p, seconds,
                       images, eval_every, eval_max, metrics_every, distance_every, init_noise, momentum, smoothing, layout,
                       xaxis, idle, data_dir, tab, stall_every});
    parser.process(app);

    QTemporaryDir dir;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.filePath("settings"));
    QCoreApplication::setOrganizationName("GossipLabScreenshot");
    QCoreApplication::setApplicationName("gossiplab-ui-screenshot");
    QCoreApplication::setApplicationVersion("dev");
    if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);

    auto config = presetByName(parser.value(preset).toStdString());
    if (!config) {
        std::fprintf(stderr, "unknown preset\n");
        return 2;
    }
    RunConfig& c = *config;
    if (parser.isSet(algorithm)) {
        const auto parsed = parseAlgorithm(parser.value(algorithm).toStdString());
        if (!parsed) {
            std::fprintf(stderr, "unknown algorithm\n");
            return 2;
        }
        c.algorithm = *parsed;
    }
    if (parser.isSet(workers)) c.workers = parser.value(workers).toInt();
    if (parser.isSet(dataset)) c.dataset = parser.value(dataset).toStdString();
    if (parser.isSet(model)) c.model = parser.value(model).toStdString();
    if (parser.isSet(batch)) c.batch_size = parser.value(batch).toInt();
    if (parser.isSet(lr)) c.learning_rate = parser.value(lr).toDouble();
    if (parser.isSet(p)) c.p = parser.value(p).toDouble();
    if (parser.isSet(momentum)) c.momentum = parser.value(momentum).toDouble();
    if (parser.isSet(seconds)) {
        c.budget_kind = BudgetKind::Seconds;
        c.budget = parser.value(seconds).toDouble();
    }
    if (parser.isSet(images)) {
        c.budget_kind = BudgetKind::ImagesPerWorker;
        c.budget = parser.value(images).toDouble();
    }
    if (parser.isSet(eval_every)) c.eval_every_images = parser.value(eval_every).toLongLong();
    if (parser.isSet(eval_max)) c.eval_max_images = parser.value(eval_max).toInt();
    if (parser.isSet(metrics_every)) c.metrics_every = parser.value(metrics_every).toInt();
    if (parser.isSet(distance_every)) c.distance_every = parser.value(distance_every).toInt();
    if (parser.isSet(data_dir)) c.data_dir = parser.value(data_dir).toStdString();
    if (parser.isSet(init_noise)) c.init_noise = parser.value(init_noise).toDouble();
    if (!hasSumWeights(c.algorithm) && c.test_model == TestModel::AlphaWeighted) c.test_model = TestModel::Uniform;
    if (c.algorithm != Algorithm::Easgd && c.test_model == TestModel::Center) c.test_model = TestModel::Uniform;

    MainWindow window(dir.filePath("history.sqlite3"));
    const QStringList wh = parser.value(size).split('x');
    window.resize(wh.value(0).toInt(), wh.value(1).toInt());
    if (parser.isSet(layout)) {
        const QString l = parser.value(layout);
        window.liveView()->setPlotLayout(l == "column" ? LiveView::PlotLayout::Column
                                         : l == "row"  ? LiveView::PlotLayout::Row
                                                       : LiveView::PlotLayout::Grid);
    }
    if (parser.isSet(xaxis)) {
        const QString x = parser.value(xaxis);
        window.liveView()->setXAxis(x == "iterations" ? XAxis::Iterations : x == "time" ? XAxis::WallTime : XAxis::Images);
    }
    if (parser.isSet(smoothing)) window.liveView()->setSmoothing(parser.value(smoothing).toDouble());
    window.show();
    window.settingsPanel()->setConfig(c);
    if (!window.settingsPanel()->isValid()) {
        for (const auto& e : window.settingsPanel()->errors()) std::fprintf(stderr, "invalid: %s\n", e.message.c_str());
        return 2;
    }

    // The GUI thread's stalls: how much later than due each 10 ms tick runs.
    QTimer stall_timer;
    QElapsedTimer since_start, since_tick;
    double worst_ms = 0.0;
    int over_50ms = 0;
    if (parser.isSet(stall_every)) {
        const int report_every_ms = int(parser.value(stall_every).toDouble() * 1000);
        stall_timer.setTimerType(Qt::PreciseTimer);
        since_start.start();
        since_tick.start();
        QObject::connect(&stall_timer, &QTimer::timeout, &window, [&, report_every_ms, next_report = qint64(report_every_ms)]() mutable {
            const double late_ms = double(since_tick.nsecsElapsed()) / 1e6 - 10.0;
            since_tick.restart();
            worst_ms = std::max(worst_ms, late_ms);
            if (late_ms > 50.0) ++over_50ms;
            if (since_start.elapsed() >= next_report) {
                std::printf("gui-stall: t=%.0f max=%.1f ms over-50ms=%d slowest=%s\n", since_start.elapsed() / 1000.0,
                            worst_ms, over_50ms, app.takeSlowest().c_str());
                std::fflush(stdout);
                worst_ms = 0.0;
                over_50ms = 0;
                next_report += report_every_ms;
            }
        });
        stall_timer.start(10);
    }

    const double shot_at = parser.value(at).toDouble();
    const double step = parser.value(every).toDouble();
    const QString file = parser.value(out);
    int shots = 0;
    auto grab = [&](const QString& path) {
        if (parser.isSet(tab)) {
            const QString t = parser.value(tab);
            window.tabs()->setCurrentIndex(t == "history" ? 1 : t == "compare" ? 2 : 0);
            QCoreApplication::processEvents();
        }
        window.liveView()->refreshNow(true);
        for (PlotPanel* panel : window.liveView()->panels()) panel->replotNow();
        const bool ok = window.grab().save(path);
        std::printf("%s %s (%.1f s)\n", ok ? "saved" : "FAILED", qPrintable(path), shot_at);
        std::fflush(stdout);
        ++shots;
    };
    QTimer::singleShot(200, &window, [&] {
        if (parser.isSet(idle)) grab(parser.value(idle));
        window.startRun();
        if (step > 0)
            for (double t = step; t < shot_at; t += step)
                QTimer::singleShot(int(t * 1000), &window, [&, t] {
                    grab(QString(file).replace(".png", QString("-%1s.png").arg(t, 0, 'f', 0)));
                });
        if (parser.isSet(change_p)) {
            const QStringList vs = parser.value(change_p).split('@');
            QTimer::singleShot(int(vs.value(1).toDouble() * 1000), &window, [&, vs] {
                const auto error = window.controller()->setLiveSetting("p", vs.value(0).toDouble());
                if (error) std::fprintf(stderr, "p: %s\n", error->message.c_str());
            });
        }
        QTimer::singleShot(int(shot_at * 1000), &window, [&] {
            grab(file);
            window.setStopQuestion([] { return true; });
            window.close();
        });
    });
    QObject::connect(window.controller(), &RunController::runEnded, &window, [&](const RunResult& r) {
        std::printf("run ended: %s (%s)\n", toString(r.status).c_str(), r.message.c_str());
        if (shots == 0) {
            grab(file);
            window.close();
        }
    });
    QObject::connect(window.controller(), &RunController::startFailed, &window, [&](const QString& m) {
        std::fprintf(stderr, "could not start: %s\n", qPrintable(m));
        grab(file);
        window.close();
    });
    return app.exec();
}
