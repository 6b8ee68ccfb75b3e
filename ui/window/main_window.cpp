#include "ui/window/main_window.h"

#include <cmath>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/live/live_view.h"
#include "ui/live/message_banner.h"
#include "ui/live/run_status_header.h"
#include "ui/plots/plot_panel.h"
#include "ui/log.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/history_view.h"

namespace gossiplab::ui {

namespace {

QString shortCount(double v) { return RunStatusHeader::formatCount(v); }

}  // namespace

MainWindow::MainWindow(const QString& history_path, QWidget* parent) : QMainWindow(parent), history_path_(history_path) {
    setObjectName("mainWindow");
    setWindowIcon(QIcon(":/gossiplab/icons/gossiplab.svg"));
    controller_ = new RunController(this);
    controller_->setHistoryPath(history_path_);

    // ---- the settings dock ----
    settings_ = new RunSettingsPanel(this);
    dock_ = new QDockWidget(tr("Run settings"), this);
    dock_->setObjectName("runSettingsDock");
    dock_->setWidget(settings_);
    dock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    dock_->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    addDockWidget(Qt::LeftDockWidgetArea, dock_);

    // ---- the tabs ----
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName("mainTabs");
    tabs_->setDocumentMode(true);
    live_ = new LiveView(tabs_);
    history_ = new HistoryView(tabs_);
    auto* compare = new QLabel(tr("Compare runs side by side: select several runs in History (coming next).\n"
                                  "Each run in one colour, its workers as a mean line with a min/max band, and the "
                                  "configurations with only their differences."),
                               tabs_);
    compare->setAlignment(Qt::AlignCenter);
    compare->setWordWrap(true);
    compare->setStyleSheet("color: #8A8F96;");
    tabs_->addTab(live_, tr("Live"));
    tabs_->addTab(history_, tr("History"));
    tabs_->addTab(compare, tr("Compare"));
    setCentralWidget(tabs_);
    live_->setRunData(&controller_->data());
    live_->configureFor(settings_->config().algorithm);

    history_label_ = new QLabel(this);
    history_label_->setStyleSheet("color: #5A6270; padding: 0 6px;");
    statusBar()->addPermanentWidget(history_label_);

    buildMenus();

    // ---- wiring ----
    connect(settings_, &RunSettingsPanel::startRequested, this, &MainWindow::startRun);
    connect(settings_, &RunSettingsPanel::stopRequested, this, &MainWindow::stopRun);
    connect(settings_, &RunSettingsPanel::validityChanged, this, [this] {
        start_action_->setEnabled(settings_->isValid() && !controller_->isActive());
    });
    connect(settings_, &RunSettingsPanel::configChanged, this, [this] {
        if (!controller_->isActive()) live_->configureFor(settings_->config().algorithm);
    });
    connect(settings_, &RunSettingsPanel::liveSettingRequested, this, [this](const QString& field, double value) {
        const auto error = controller_->setLiveSetting(field.toStdString(), value);
        settings_->showLiveResult(field, error ? QString::fromStdString(error->message) : QString());
    });
    connect(controller_, &RunController::stateChanged, this, &MainWindow::onStateChanged);
    connect(controller_, &RunController::runStarted, this, [this](const RunInfo& info) {
        live_->header()->showStarted(info);
        live_->configureFor(info.config.algorithm);
        statusBar()->showMessage(tr("Run started: %1, %2").arg(QString::fromStdString(info.model_description),
                                                               QString::fromStdString(info.dataset_description)),
                                 8000);
    });
    connect(controller_, &RunController::progressed, live_->header(), &RunStatusHeader::showProgress);
    connect(controller_, &RunController::startFailed, this, &MainWindow::onStartFailed);
    connect(controller_, &RunController::runEnded, this, &MainWindow::onRunEnded);
    connect(controller_, &RunController::settingChanged, this, &MainWindow::onSettingChanged);
    connect(controller_, &RunController::messageReported, this, [this](const QString& text) {
        statusBar()->showMessage(text, 15000);
    });
    connect(controller_, &RunController::recordingProblem, this, [this](const QString& message) {
        live_->banner()->showMessage(MessageBanner::Kind::Warning, tr("The run is not being recorded completely"), message);
    });

    restoreSettings();
    history_label_->setText(tr("history: %1").arg(history_path_));
    setWindowTitle(tr("GossipLab - %1").arg(QFileInfo(history_path_).fileName()));
    checkHistoryFile();
    history_->setHistoryPath(history_path_);
    start_action_->setEnabled(settings_->isValid());
}

MainWindow::~MainWindow() {
    // A run still going (the window destroyed without close()) is stopped and recorded as such.
    controller_->blockSignals(true);
    controller_->stopAndWait();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    open_action_ = file->addAction(tr("&Open history..."), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Open or create a run history"), history_path_,
                                                          tr("GossipLab history (*.sqlite3 *.db);;All files (*)"), nullptr,
                                                          QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty()) openHistory(path);
    });
    open_action_->setShortcut(QKeySequence::Open);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    start_action_ = run->addAction(tr("&Start"), this, &MainWindow::startRun);
    start_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    stop_action_ = run->addAction(tr("S&top"), this, &MainWindow::stopRun);
    stop_action_->setShortcut(QKeySequence(Qt::Key_Escape));
    stop_action_->setEnabled(false);
    run->addSeparator();
    QMenu* presets = run->addMenu(tr("&Presets"));
    for (const std::string& name : presetNames()) {
        const QString n = QString::fromStdString(name);
        presets->addAction(n, this, [this, n] {
            if (!controller_->isActive()) settings_->applyPreset(n);
        });
    }

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(dock_->toggleViewAction());
    QMenu* layout = view->addMenu(tr("Plot &layout"));
    auto* group = new QActionGroup(this);
    const std::pair<QString, LiveView::PlotLayout> layouts[] = {{tr("2 \u00D7 2 grid"), LiveView::PlotLayout::Grid},
                                                                {tr("One column"), LiveView::PlotLayout::Column},
                                                                {tr("One row"), LiveView::PlotLayout::Row}};
    for (const auto& [label, mode] : layouts) {
        QAction* a = layout->addAction(label, this, [this, m = mode] { live_->setPlotLayout(m); });
        a->setCheckable(true);
        a->setChecked(mode == live_->plotLayout());
        group->addAction(a);
        connect(live_, &LiveView::viewStateChanged, a, [this, a, m = mode] { a->setChecked(live_->plotLayout() == m); });
    }
    view->addAction(tr("&Reset zoom"), this, [this] {
        for (PlotPanel* p : live_->panels()) p->resetView();
    });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About GossipLab"), this, [this] {
        QMessageBox::about(this, tr("About GossipLab"),
                           tr("<b>GossipLab %1</b><p>A desktop lab for decentralized deep learning: GoSGD, EASGD/EAMSGD and "
                              "naive SGD workers, live.</p><p>Runs are recorded in<br><tt>%2</tt></p>")
                               .arg(QApplication::applicationVersion(), history_path_.toHtmlEscaped()));
    });
}

void MainWindow::restoreSettings() {
    QSettings s;
    if (s.contains("window/geometry")) restoreGeometry(s.value("window/geometry").toByteArray());
    else resize(1560, 940);
    if (s.contains("window/state")) restoreState(s.value("window/state").toByteArray());
    else resizeDocks({dock_}, {350}, Qt::Horizontal);
    settings_->setFieldTexts(s.value("run/settings").toMap());
    live_->restoreViewState(s.value("view/live").toMap());
    tabs_->setCurrentIndex(std::clamp(s.value("window/tab", 0).toInt(), 0, tabs_->count() - 1));
}

void MainWindow::saveSettings() const {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("window/tab", tabs_->currentIndex());
    s.setValue("run/settings", settings_->fieldTexts());
    s.setValue("view/live", live_->viewState());
    s.sync();
}

void MainWindow::checkHistoryFile() {
    store::OpenOptions options;
    options.create_folders = true;
    auto history = store::RunHistory::open(history_path_.toStdString(), options);
    if (!history) {
        live_->banner()->showMessage(MessageBanner::Kind::Error, tr("This history file cannot be used"),
                                     QString::fromStdString(history.error().message) +
                                         tr("\nRuns cannot be recorded here: open another file (File > Open history)."));
        qCWarning(lcUi) << "history" << history_path_ << QString::fromStdString(history.error().message);
        return;
    }
    const auto& interrupted = history->interruptedOnOpen();
    if (!interrupted.empty())
        statusBar()->showMessage(tr("%n run(s) left running by a process that died were marked interrupted.", nullptr,
                                    int(interrupted.size())),
                                 10000);
}

void MainWindow::openHistory(const QString& path) {
    if (controller_->isActive() || path.isEmpty()) return;
    history_path_ = path;
    controller_->setHistoryPath(path);
    live_->banner()->dismiss();
    history_label_->setText(tr("history: %1").arg(path));
    setWindowTitle(tr("GossipLab - %1").arg(QFileInfo(path).fileName()));
    checkHistoryFile();
    history_->setHistoryPath(path);
}

bool MainWindow::startRun() {
    if (controller_->isActive() || !settings_->isValid()) return false;
    const RunConfig config = settings_->config();
    live_->banner()->dismiss();
    live_->configureFor(config.algorithm);
    tabs_->setCurrentWidget(live_);
    for (PlotPanel* p : live_->panels()) p->resetView();
    if (!controller_->start(config)) return false;
    live_->header()->showStarting(QString::fromStdString(config.effectiveName()));
    statusBar()->showMessage(tr("Loading %1 and building %2 workers ...")
                                 .arg(QString::fromStdString(config.dataset))
                                 .arg(config.workers));
    return true;
}

void MainWindow::stopRun() {
    if (!controller_->isActive()) return;
    controller_->stop();
    statusBar()->showMessage(tr("Stopping: each worker finishes its current step ..."));
}

void MainWindow::onStateChanged(RunController::State state) {
    const bool active = state != RunController::State::Idle;
    settings_->setRunActive(active);
    start_action_->setEnabled(!active && settings_->isValid());
    stop_action_->setEnabled(active && state != RunController::State::Stopping);
    open_action_->setEnabled(!active);
    if (state == RunController::State::Starting) live_->setRunPlaceholders(&controller_->config());
    if (!active) live_->setRunPlaceholders(nullptr);
    live_->setLive(active);
    if (state == RunController::State::Stopping) live_->header()->showStopping();
    if (!active) live_->refreshNow(true);
}

void MainWindow::onStartFailed(const QString& message) {
    live_->header()->showStartFailed(QString::fromStdString(controller_->config().effectiveName()));
    // A message about the dataset folder shows at the folder field as well.
    const QString folder = QString::fromStdString(controller_->config().effectiveDataDir());
    if (!folder.isEmpty() && message.contains(folder)) settings_->showLiveResult("data-dir", message);
    live_->banner()->showMessage(MessageBanner::Kind::Error, tr("The run could not start"), message);
    statusBar()->showMessage(tr("The run could not start: %1").arg(message), 15000);
    if (close_after_stop_) QTimer::singleShot(0, this, &QWidget::close);
}

void MainWindow::onRunEnded(const RunResult& result) {
    live_->header()->showEnded(result);
    const QString message = QString::fromStdString(result.message);
    const qint64 id = controller_->recordedRunId();
    switch (result.status) {
        case RunStatus::Failed:
            live_->banner()->showMessage(MessageBanner::Kind::Error, tr("The run failed"), message);
            break;
        case RunStatus::Diverged:
            live_->banner()->showMessage(MessageBanner::Kind::Error, tr("The run diverged"),
                                         message + tr("\nTry a smaller learning rate."));
            break;
        default: break;
    }
    statusBar()->showMessage(tr("Run %1 %2 (%3); recorded as run #%4")
                                 .arg(QString::fromStdString(controller_->config().name),
                                      QString::fromStdString(toString(result.status)), message)
                                 .arg(id),
                             20000);
    history_->refresh();
    if (close_after_stop_) QTimer::singleShot(0, this, &QWidget::close);
}

void MainWindow::onSettingChanged(const SettingChange& c) {
    settings_->setLiveValue(QString::fromStdString(c.field), c.new_value);
    const QString name = c.field == "learning-rate" ? tr("learning rate") : QString::fromStdString(c.field);
    statusBar()->showMessage(tr("%1 changed from %2 to %3 at %4 images per worker (%5); recorded")
                                 .arg(name)
                                 .arg(c.old_value, 0, 'g', 6)
                                 .arg(c.new_value, 0, 'g', 6)
                                 .arg(shortCount(double(c.at.images)), QString::fromStdString(c.source)),
                             10000);
}

bool MainWindow::askToStop() {
    if (stop_question_) return stop_question_();
    QMessageBox box(QMessageBox::Question, tr("A run is going"),
                    tr("Stop the run and close GossipLab?\n\nThe workers finish their current step and the run is "
                       "recorded as stopped."),
                    QMessageBox::NoButton, this);
    QPushButton* stop = box.addButton(tr("Stop and close"), QMessageBox::AcceptRole);
    box.addButton(tr("Keep running"), QMessageBox::RejectRole);
    box.setDefaultButton(stop);
    box.exec();
    return box.clickedButton() == static_cast<QAbstractButton*>(stop);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (controller_->isActive()) {
        if (close_after_stop_) {  // already stopping; closes when the run has ended
            event->ignore();
            return;
        }
        if (!askToStop()) {
            event->ignore();
            return;
        }
        close_after_stop_ = true;
        stopRun();
        event->ignore();
        return;
    }
    saveSettings();
    event->accept();
}

}  // namespace gossiplab::ui
