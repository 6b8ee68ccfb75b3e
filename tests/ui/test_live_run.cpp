// The main window with real runs (synthetic data, the MLP): a tiny run fills every live plot and is
// recorded; a live change of p is marked and recorded; Stop ends the run `stopped` after the
// workers' current iteration (no wall-clock bound but a hang's: the time is printed); a run that cannot start, or that diverges, says why and leaves the app usable; closing
// during a run asks, stops and records; the window renders non-empty plots (screenshot kept).
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QPushButton>
#include <QMainWindow>
#include <QSettings>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "core/store/history.h"
#include "ui/live/live_view.h"
#include "ui/live/message_banner.h"
#include "ui/live/run_controller.h"
#include "ui/live/run_status_header.h"
#include "ui/plots/distance_panel.h"
#include "ui/plots/eval_panel.h"
#include "ui/plots/worker_series_panel.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/history_view.h"
#include "ui/window/main_window.h"

#ifndef GOSSIPLAB_UI_ARTIFACTS
#define GOSSIPLAB_UI_ARTIFACTS "."
#endif

using namespace gossiplab;
using namespace gossiplab::ui;
using State = RunController::State;

namespace {

RunConfig tinyConfig(int workers = 4) {
    RunConfig c;
    c.dataset = "synthetic";
    c.model = "mlp";
    c.workers = workers;
    c.p = 0.2;
    c.learning_rate = 0.05;
    c.batch_size = 16;
    c.budget_kind = BudgetKind::ImagesPerWorker;
    c.budget = 480;
    c.metrics_every = 2;
    c.distance_every = 4;
    c.eval_every_images = 160;
    c.eval_max_images = 256;
    c.intra_op_threads = 1;
    return c;
}

RunConfig longConfig(int workers = 4) {
    RunConfig c = tinyConfig(workers);
    c.budget_kind = BudgetKind::Seconds;
    c.budget = 60;
    c.eval_every_images = 200;
    return c;
}

store::RunHistory openReadOnly(const QString& path) {
    store::OpenOptions options;
    options.mode = store::OpenMode::ReadOnly;
    auto history = store::RunHistory::open(path.toStdString(), options);
    if (!history) qFatal("cannot open %s: %s", qPrintable(path), history.error().message.c_str());
    return std::move(history).value();
}

// Pixels of a clearly coloured (saturated) hue: worker lines, the heat map, the test curves.
int colouredPixels(const QImage& image) {
    int n = 0;
    const QImage img = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < img.height(); ++y) {
        const auto* line = reinterpret_cast<const QRgb*>(img.constScanLine(y));
        for (int x = 0; x < img.width(); ++x) {
            const QColor c(line[x]);
            if (c.hsvSaturation() > 90 && c.value() > 60) ++n;
        }
    }
    return n;
}

bool allPanelsHaveData(const MainWindow& w) {
    for (PlotPanel* p : w.liveView()->panels())
        if (!p->hasData()) return false;
    return w.liveView()->distancePanel()->matrixSize() > 0;
}

}  // namespace

class TestLiveRun : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    int counter_ = 0;

    QString newHistory() { return dir_.filePath(QString("history-%1.sqlite3").arg(++counter_)); }

    static void start(MainWindow& w, const RunConfig& config) {
        w.settingsPanel()->setConfig(config);
        QVERIFY(w.settingsPanel()->isValid());
        QVERIFY(w.settingsPanel()->startButton()->isEnabled());
        QTest::mouseClick(w.settingsPanel()->startButton(), Qt::LeftButton);
        QVERIFY(w.controller()->isActive());
        QVERIFY(!w.settingsPanel()->startButton()->isEnabled());
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("settings"));
        QCoreApplication::setOrganizationName("GossipLabTest");
        QCoreApplication::setApplicationName("gossiplab-test");
        if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
        QDir().mkpath(GOSSIPLAB_UI_ARTIFACTS);
    }

    void tinyRunFillsEveryPlotAndIsRecorded() {
        const QString path = newHistory();
        MainWindow w(path);
        w.resize(1400, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        for (PlotPanel* p : w.liveView()->panels()) QVERIFY(!p->hasData());

        start(w, tinyConfig());
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);
        QVERIFY(w.controller()->lastResult().has_value());
        QCOMPARE(QString::fromStdString(toString(w.controller()->lastResult()->status)), QString("finished"));

        // Every live plot has points.
        w.liveView()->refreshNow(true);
        QVERIFY(w.liveView()->lossPanel()->plottedPointCount() > 4 * 10);
        QVERIFY(w.liveView()->exchangePanel()->hasData());  // the alphas
        QVERIFY(w.liveView()->distancePanel()->hasData());
        QCOMPARE(w.liveView()->distancePanel()->matrixSize(), 4);
        QVERIFY(w.liveView()->evalPanel()->hasData());
        // The state of the run is shown.
        QCOMPARE(w.liveView()->header()->statusText(), QString("FINISHED"));
        QCOMPARE(w.liveView()->header()->progressPermille(), 1000);
        QVERIFY2(w.liveView()->header()->progressText().contains("images"), qPrintable(w.liveView()->header()->progressText()));
        QVERIFY(w.liveView()->banner()->text().isEmpty());
        QVERIFY(w.settingsPanel()->startButton()->isEnabled());

        // The store has the run and its series.
        store::RunHistory history = openReadOnly(path);
        const auto runs = history.listRuns();
        QCOMPARE(runs.size(), size_t(1));
        const store::RunRecord& run = runs[0];
        QCOMPARE(run.id, w.controller()->recordedRunId());
        QCOMPARE(QString::fromStdString(toString(run.status)), QString("finished"));
        QCOMPARE(run.workers, 4);
        QVERIFY(!history.isLive(run.id));
        for (int worker = 0; worker < 4; ++worker) {
            QVERIFY(!history.readSeries(run.id, store::series::kLoss, worker).empty());
            QVERIFY(!history.readSeries(run.id, store::series::kAlpha, worker).empty());
        }
        QVERIFY(!history.readSeries(run.id, store::series::kMeanLoss, store::kRunLevel).empty());
        QVERIFY(!history.readSeries(run.id, store::series::kConsensusDistance, store::kRunLevel).empty());
        QVERIFY(!history.readSeries(run.id, store::series::kTestAccuracy, store::kRunLevel).empty());
        QVERIFY(history.latestDistances(run.id).has_value());
        QCOMPARE(w.historyView()->runCount(), 1);
    }

    void liveChangeOfPIsMarkedOnEveryPlotAndRecorded() {
        const QString path = newHistory();
        MainWindow w(path);
        w.resize(1400, 900);
        w.show();
        start(w, longConfig());
        QTRY_VERIFY_WITH_TIMEOUT(w.controller()->state() == State::Running &&
                                     w.controller()->data().worker(WorkerSeries::Loss, 0).pointsAppended() > 2,
                                 60000);
        // As the user does it: type a new p, press Enter.
        auto* p = qobject_cast<QLineEdit*>(w.settingsPanel()->editor("p"));
        QVERIFY(p->isEnabled());
        p->setText("0.9");
        Q_EMIT p->editingFinished();
        QTRY_COMPARE_WITH_TIMEOUT(w.controller()->data().markers().size(), size_t(1), 30000);
        const SettingMarker marker = w.controller()->data().markers()[0];
        QCOMPARE(QString::fromStdString(marker.field), QString("p"));
        QCOMPARE(marker.old_value, 0.2);
        QCOMPARE(marker.new_value, 0.9);
        w.liveView()->refreshNow(true);
        QVERIFY(w.liveView()->lossPanel()->markerCount() >= 1);
        QVERIFY(w.liveView()->exchangePanel()->markerCount() >= 1);
        QVERIFY(w.liveView()->distancePanel()->markerCount() >= 1);
        QVERIFY(w.liveView()->evalPanel()->markerCount() >= 1);
        // Learning rate as well; an invalid value is refused at the field.
        auto* lr = qobject_cast<QLineEdit*>(w.settingsPanel()->editor("learning-rate"));
        lr->setText("-1");
        Q_EMIT lr->editingFinished();
        QVERIFY(!w.settingsPanel()->errorText("learning-rate").isEmpty());
        lr->setText("0.02");
        Q_EMIT lr->editingFinished();
        QTRY_COMPARE_WITH_TIMEOUT(w.controller()->data().markers().size(), size_t(2), 30000);

        QTest::mouseClick(w.settingsPanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);
        store::RunHistory history = openReadOnly(path);
        const auto changes = history.settingChanges(w.controller()->recordedRunId());
        QCOMPARE(changes.size(), size_t(2));
        QCOMPARE(QString::fromStdString(changes[0].field), QString("p"));
        QCOMPARE(changes[0].old_value, 0.2);
        QCOMPARE(changes[0].new_value, 0.9);
        QVERIFY(changes[0].at.images > 0);
        QCOMPARE(QString::fromStdString(changes[1].field), QString("learning-rate"));
        QCOMPARE(changes[1].new_value, 0.02);
    }

    void stopEndsTheRunStoppedAfterTheCurrentIteration() {
        const QString path = newHistory();
        MainWindow w(path);
        w.show();
        start(w, longConfig());
        QTRY_VERIFY_WITH_TIMEOUT(w.controller()->state() == State::Running &&
                                     w.liveView()->header()->progressPermille() > 0 &&
                                     w.controller()->data().worker(WorkerSeries::Loss, 3).pointsAppended() > 2,
                                 60000);
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(w.settingsPanel()->stopButton(), Qt::LeftButton);
        // Stopping ends each worker after its current iteration; the bound only catches a hang (a
        // slow, loaded machine must pass too): how long it took is a figure, not the test.
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);
        qInfo("stopping took %lld ms, the final evaluation included", static_cast<long long>(clock.elapsed()));
        QCOMPARE(QString::fromStdString(toString(w.controller()->lastResult()->status)), QString("stopped"));
        QCOMPARE(w.liveView()->header()->statusText(), QString("STOPPED"));
        QVERIFY(w.settingsPanel()->startButton()->isEnabled());

        // The store is consistent: the run is stopped, ended, not live, with its rows and result.
        store::RunHistory history = openReadOnly(path);
        const auto run = history.run(w.controller()->recordedRunId());
        QVERIFY(run.has_value());
        QCOMPARE(QString::fromStdString(toString(run->status)), QString("stopped"));
        QVERIFY(std::isfinite(run->ended_at));
        QVERIFY(!history.isLive(run->id));
        QVERIFY(run->images_done > 0);
        QCOMPARE(run->worker_final_loss.size(), size_t(4));
        for (int worker = 0; worker < 4; ++worker) QVERIFY(!history.readSeries(run->id, store::series::kLoss, worker).empty());
        QVERIFY(!history.readSeries(run->id, store::series::kTestLoss, store::kRunLevel).empty());  // the final evaluation
    }

    void aRunThatCannotStartSaysWhyAndTheAppStaysUsable() {
        const QString path = newHistory();
        MainWindow w(path);
        w.show();
        RunConfig bad = tinyConfig();
        bad.dataset = "fashion-mnist";
        bad.model = "lenet";
        bad.data_dir = "/nonexistent/gossiplab-test-data";
        start(w, bad);
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);
        const QString banner = w.liveView()->banner()->text();
        QVERIFY2(banner.contains("could not start"), qPrintable(banner));
        QVERIFY2(banner.contains("/nonexistent/gossiplab-test-data"), qPrintable(banner));
        QVERIFY(w.liveView()->banner()->isVisible());
        QCOMPARE(w.liveView()->header()->statusText(), QString("NOT STARTED"));
        QVERIFY(w.settingsPanel()->errorText("data-dir").contains("/nonexistent/gossiplab-test-data"));
        QVERIFY(w.settingsPanel()->startButton()->isEnabled());
        QVERIFY(w.settingsPanel()->editor("workers")->isEnabled());

        // Still usable: the next run goes and clears the message.
        start(w, tinyConfig(2));
        QVERIFY(w.liveView()->banner()->text().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);
        QCOMPARE(QString::fromStdString(toString(w.controller()->lastResult()->status)), QString("finished"));
        QCOMPARE(openReadOnly(path).listRuns().size(), size_t(1));
    }

    void aDivergedRunShowsItsReason() {
        // Played through the controller's feed, as a run's monitor thread would report it.
        MainWindow w(newHistory());
        w.show();
        RunInfo info;
        info.config = tinyConfig(3);
        info.config.name = "diverging";
        RunObserver* feed = w.controller()->feed();
        feed->onRunStarted(info);
        WorkerSample s;
        s.worker = 1;
        s.loss = 2.0;
        feed->onWorkerSample(s);
        RunResult result;
        result.status = RunStatus::Diverged;
        result.message = "worker 1 diverged at step 812: loss is nan";
        feed->onRunEnded(result);
        QTRY_VERIFY_WITH_TIMEOUT(w.controller()->lastResult().has_value(), 30000);
        QVERIFY(!w.controller()->isActive());
        const QString banner = w.liveView()->banner()->text();
        QVERIFY2(banner.contains("diverged"), qPrintable(banner));
        QVERIFY2(banner.contains("worker 1 diverged at step 812"), qPrintable(banner));
        QCOMPARE(w.liveView()->header()->statusText(), QString("DIVERGED"));
        QVERIFY(w.settingsPanel()->startButton()->isEnabled());
    }

    void closingDuringARunAsksStopsAndRecords() {
        const QString path = newHistory();
        int asked = 0;
        {
            MainWindow w(path);
            w.setStopQuestion([&] {
                ++asked;
                return asked > 1;  // the first time the user keeps the run going
            });
            w.show();
            start(w, longConfig());
            QTRY_VERIFY_WITH_TIMEOUT(w.controller()->state() == State::Running, 30000);
            QVERIFY(!w.close());
            QCOMPARE(asked, 1);
            QVERIFY(w.controller()->isActive());
            QVERIFY(w.isVisible());
            w.close();  // this time: stop and close
            QCOMPARE(asked, 2);
            QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), 30000);
            QVERIFY(!w.controller()->isActive());
        }
        store::RunHistory history = openReadOnly(path);
        const auto runs = history.listRuns();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(QString::fromStdString(toString(runs[0].status)), QString("stopped"));
    }

    void settingsLayoutAndViewAreRemembered() {
        const QString path = newHistory();
        {
            MainWindow w(path);
            w.show();
            qobject_cast<QLineEdit*>(w.settingsPanel()->editor("p"))->setText("0.3");
            qobject_cast<QLineEdit*>(w.settingsPanel()->editor("batch-size"))->setText("twelve");  // kept as typed
            w.liveView()->setPlotLayout(LiveView::PlotLayout::Column);
            w.liveView()->setXAxis(XAxis::WallTime);
            w.liveView()->setSmoothing(0.8);
            w.resize(1534, 977);
            QVERIFY(w.close());
        }
        MainWindow again(path);
        QCOMPARE(qobject_cast<QLineEdit*>(again.settingsPanel()->editor("p"))->text(), QString("0.3"));
        QVERIFY(!again.settingsPanel()->isValid());
        QVERIFY(!again.settingsPanel()->startButton()->isEnabled());
        QCOMPARE(int(again.liveView()->plotLayout()), int(LiveView::PlotLayout::Column));
        QCOMPARE(int(again.liveView()->xAxis()), int(XAxis::WallTime));
        QCOMPARE(again.liveView()->smoothing(), 0.8);
        // The window restores the geometry it saved, as Qt restores such bytes on this platform (Qt
        // 6.8 fits a restored window into the screen, and the offscreen screen is 800x600).
        const QByteArray saved = QSettings().value("window/geometry").toByteArray();
        QVERIFY(!saved.isEmpty());
        QMainWindow reference;
        reference.setMinimumSize(again.minimumSize());
        QVERIFY(reference.restoreGeometry(saved));
        QCOMPARE(again.size(), reference.size());
        if (QGuiApplication::primaryScreen()->availableGeometry().contains(QRect(QPoint(0, 0), QSize(1534, 977))))
            QCOMPARE(again.size(), QSize(1534, 977));
        // Leave the next tests a clean slate.
        QSettings().clear();
    }

    void theWindowRendersNonEmptyPlotsDuringARun() {
        MainWindow w(newHistory());
        w.resize(1600, 1000);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // Before any run: no coloured curves.
        w.liveView()->refreshNow(true);
        for (PlotPanel* p : w.liveView()->panels()) {
            p->replotNow();
            QVERIFY(colouredPixels(p->grab().toImage()) < 50);
        }
        RunConfig c = longConfig(8);
        c.init_noise = 0.05;  // a spread start: the heat map has something to show
        start(w, c);
        QTRY_VERIFY_WITH_TIMEOUT(allPanelsHaveData(w) && w.controller()->data().run(RunSeries::TestAccuracy).pointsAppended() >= 2,
                                 30000);
        QTest::qWait(300);
        w.liveView()->refreshNow(true);
        for (PlotPanel* p : w.liveView()->panels()) p->replotNow();
        const QImage shot = w.grab().toImage();
        const QString file = QString(GOSSIPLAB_UI_ARTIFACTS) + "/live-run-test.png";
        QVERIFY(shot.save(file));
        qInfo("screenshot: %s", qPrintable(file));
        QVERIFY(shot.width() >= 1000);
        for (PlotPanel* p : w.liveView()->panels()) {
            const int coloured = colouredPixels(p->grab().toImage());
            // GoSGD never waits: the waiting panel draws one flat line at 0 (and its legend).
            const int least = p == w.liveView()->waitPanel() ? 150 : 300;
            QVERIFY2(coloured > least, qPrintable(QString("%1: %2 coloured pixels").arg(p->objectName()).arg(coloured)));
        }
        QVERIFY(w.liveView()->waitPanel()->hasData());
        QTest::mouseClick(w.settingsPanel()->stopButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!w.controller()->isActive(), 30000);  // only a hang fails
    }
};

QTEST_MAIN(TestLiveRun)
#include "test_live_run.moc"
