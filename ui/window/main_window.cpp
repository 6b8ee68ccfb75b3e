#include "ui/window/main_window.h"

#include <cmath>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include "core/store/history.h"
#include "ui/export/data_export.h"
#include "ui/export/image_export_dialog.h"
#include "ui/history/run_viewer.h"
#include "ui/live/live_view.h"
#include "ui/live/message_banner.h"
#include "ui/live/run_status_header.h"
#include "ui/plots/plot_panel.h"
#include "ui/log.h"
#include "ui/settings/distributed_dialog.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/compare/compare_view.h"
#include "ui/experiments/experiment_queue_controller.h"
#include "ui/experiments/experiments_view.h"
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
    compare_ = new CompareView(tabs_);
    tabs_->addTab(live_, tr("Live"));
    tabs_->addTab(history_, tr("History"));
    tabs_->addTab(compare_, tr("Compare"));
    // A queued run feeds the controller's bridge, so that the Live tab shows it like any run (and
    // Start stays disabled while it goes).
    experiments_ = new ExperimentsView(history_path_, [this] { return settings_->config(); }, controller_->feed(), tabs_);
    tabs_->addTab(experiments_, tr("Experiments"));
    // The pages' own minimum sizes (History: the run table beside four plots) would otherwise add
    // up to a ~1300-px minimum window; below their comfortable size the pages squeeze instead.
    tabs_->setMinimumSize(560, 400);
    setCentralWidget(tabs_);
    live_->setRunData(&controller_->data());
    live_->configureFor(settings_->config().algorithm);

    distributed_label_ = new QLabel(this);
    distributed_label_->setStyleSheet("color: #4E79A7; padding: 0 6px;");
    statusBar()->addPermanentWidget(distributed_label_);
    // After an export: the message says where the files went, this opens the folder. Hidden
    // again when the status bar shows something else.
    open_export_folder_ = new QPushButton(tr("Open folder"), this);
    open_export_folder_->setObjectName("openExportFolderButton");
    open_export_folder_->setFlat(true);
    open_export_folder_->setCursor(Qt::PointingHandCursor);
    open_export_folder_->setStyleSheet("QPushButton { color: #2F6DB5; text-decoration: underline; padding: 0 6px; border: none; }");
    open_export_folder_->hide();
    statusBar()->addPermanentWidget(open_export_folder_);
    connect(open_export_folder_, &QPushButton::clicked, this, [this] {
        if (!export_folder_.isEmpty()) QDesktopServices::openUrl(QUrl::fromLocalFile(export_folder_));
    });
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString& text) {
        // Kept while the message names the export (a view's own "Wrote ... into FOLDER" too).
        if (text != export_message_ && (export_folder_.isEmpty() || !text.contains(QDir::toNativeSeparators(export_folder_))))
            open_export_folder_->hide();
    });
    connect(ExportNotifier::instance(), &ExportNotifier::exported, this, &MainWindow::showExported);
    history_label_ = new QLabel(this);
    history_label_->setObjectName("historyFileLabel");
    // A long path must not set the window's minimum width: showHistoryPath() elides it in the
    // middle to a bounded width (the file name stays readable), the whole path is in the tooltip.
    history_label_->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Preferred);
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
        shown_run_name_ = QString::fromStdString(info.config.effectiveName());
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

    connect(experiments_, &ExperimentsView::queuedRunStarted, this, [this] {
        showing_queued_run_ = true;
        live_->banner()->dismiss();
        for (PlotPanel* panel : live_->panels()) panel->resetView();
    });
    connect(experiments_, &ExperimentsView::experimentFinished, this, [this] { history_->refresh(); });
    connect(experiments_->controller(), &ExperimentQueueController::runRecorded, this,
            [this](qint64, qint64 run_id, const QString& name, const QString& status) {
                statusBar()->showMessage(tr("Run \"%1\" %2; recorded as run #%3").arg(name, status).arg(run_id), 20000);
            });
    connect(history_, &HistoryView::statusMessage, this, [this](const QString& t) { statusBar()->showMessage(t, 10000); });
    connect(compare_, &CompareView::statusMessage, this, [this](const QString& t) { statusBar()->showMessage(t, 10000); });
    connect(history_, &HistoryView::compareRequested, this, &MainWindow::compareRuns);
    connect(history_, &HistoryView::rerunRequested, this, [this](const RunConfig& config) {
        if (controller_->isActive()) {
            statusBar()->showMessage(tr("A run is going: stop it before re-running another"), 8000);
            return;
        }
        settings_->setConfig(config);
        dock_->show();
        tabs_->setCurrentWidget(live_);
        statusBar()->showMessage(tr("The settings hold the configuration of \"%1\": press Start (Ctrl+R) to run it again")
                                     .arg(QString::fromStdString(config.name)),
                                 10000);
    });

    restoreSettings();
    rememberRecent(history_path_);
    showHistoryPath();
    checkHistoryFile();
    history_->setHistoryPath(history_path_);
    start_action_->setEnabled(settings_->isValid());
}

MainWindow::~MainWindow() {
    // The experiment runner feeds the controller's bridge: stop it before the bridge goes.
    experiments_->shutdown();
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
    recent_menu_ = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    QAction* import = file->addAction(tr("&Import runs from another history..."), this, [this] {
        const QString other = QFileDialog::getOpenFileName(this, tr("Import every run of another history file"), QString(),
                                                           tr("GossipLab history (*.sqlite3 *.db);;All files (*)"));
        if (other.isEmpty()) return;
        QString summary;
        const QString error = importRuns(other, &summary);
        if (!error.isEmpty()) QMessageBox::warning(this, tr("Import runs"), error);
        else statusBar()->showMessage(summary, 15000);
    });
    import->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    file->addSeparator();
    QAction* export_all = file->addAction(tr("&Export all (plots and CSVs)..."), this, &MainWindow::exportAllCurrent);
    export_all->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    export_all->setToolTip(tr("The shown run (History) or the comparison (Compare): every plot as PNG, PDF and SVG, "
                              "points.csv and runs.csv, into a folder"));
    file->addAction(tr("Export &points CSV of the selected runs..."), this, [this] {
        if (tabs_->currentWidget() == compare_) compare_->exportPointsCsvDialog();
        else history_->exportPointsCsv();
    });
    file->addAction(tr("Export runs &table CSV of the selected runs..."), history_, &HistoryView::exportRunsCsv);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    start_action_ = run->addAction(tr("&Start"), this, &MainWindow::startRun);
    start_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    stop_action_ = run->addAction(tr("S&top"), this, &MainWindow::stopRun);
    stop_action_->setShortcut(QKeySequence(Qt::Key_Escape));
    stop_action_->setEnabled(false);
    QAction* rerun = run->addAction(tr("&Re-run the selected run"), history_, &HistoryView::rerunSelected);
    rerun->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    run->addSeparator();
    distributed_action_ = run->addAction(tr("&Distributed (several processes)..."), this, &MainWindow::editDistributed);
    distributed_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    QMenu* presets = run->addMenu(tr("&Presets"));
    for (const std::string& name : presetNames()) {
        const QString n = QString::fromStdString(name);
        presets->addAction(n, this, [this, n] {
            if (!controller_->isActive()) settings_->applyPreset(n);
        });
    }

    QMenu* history = menuBar()->addMenu(tr("Hi&story"));
    QAction* find = history->addAction(tr("&Find runs..."), this, [this] {
        tabs_->setCurrentWidget(history_);
        history_->focusFilter();
    });
    find->setShortcut(QKeySequence::Find);
    QAction* compare = history->addAction(tr("&Compare the selected runs"), history_, &HistoryView::compareSelected);
    compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    history->addSeparator();
    history->addAction(tr("Re&name..."), history_, &HistoryView::renameSelected)->setShortcut(QKeySequence(Qt::Key_F2));
    history->addAction(tr("&Tags..."), history_, &HistoryView::editTagsSelected);
    history->addAction(tr("N&otes..."), history_, &HistoryView::editNotesSelected);
    QAction* del = history->addAction(tr("&Delete..."), this, [this] {
        if (tabs_->currentWidget() == history_) history_->deleteSelected();
    });
    del->setShortcut(QKeySequence::Delete);
    del->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    history_->addAction(del);  // Delete acts only while the History tab has the focus

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(dock_->toggleViewAction());
    const std::pair<QString, QWidget*> pages[] = {
        {tr("&Live"), live_}, {tr("&History"), history_}, {tr("&Compare"), compare_}, {tr("&Experiments"), experiments_}};
    int key = Qt::Key_1;
    for (const auto& [label, page] : pages) {
        QAction* a = view->addAction(label, this, [this, p = page] { tabs_->setCurrentWidget(p); });
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(key++)));
    }
    view->addSeparator();
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
    help->addAction(tr("&Getting started"), this, [this] {
        QMessageBox box(QMessageBox::NoIcon, tr("Getting started"), gettingStartedText(), QMessageBox::Ok, this);
        box.setObjectName("gettingStartedBox");
        box.setTextFormat(Qt::RichText);
        box.exec();
    });
    help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QMessageBox box(QMessageBox::NoIcon, tr("Keyboard shortcuts"), shortcutsText(), QMessageBox::Ok, this);
        box.setObjectName("shortcutsBox");
        box.setTextFormat(Qt::RichText);
        box.exec();
    });
    help->addAction(tr("&README (manual)"), this, [] { QDesktopServices::openUrl(QUrl::fromLocalFile(readmePath())); });
    help->addSeparator();
    help->addAction(tr("&About GossipLab"), this, [this] {
        QMessageBox::about(this, tr("About GossipLab"),
                           tr("<b>GossipLab %1</b><p>A desktop lab for decentralized deep learning: GoSGD, EASGD/EAMSGD, "
                              "naive, all-reduce, local SGD, D-PSGD, AD-PSGD and SGP workers, live.</p><p>Runs are recorded in<br><tt>%2</tt></p>")
                               .arg(QApplication::applicationVersion(), history_path_.toHtmlEscaped()));
    });
}

QString MainWindow::readmePath() {
    // Installed: <prefix>/share/doc/gossiplab/README.md beside <prefix>/bin; in a build tree: the
    // repository's README.md above the build folder.
    const QDir bin(QCoreApplication::applicationDirPath());
    const QString installed = QFileInfo(bin.filePath("../share/doc/gossiplab/README.md")).absoluteFilePath();
    if (QFileInfo(installed).isFile()) return installed;
    QDir up = bin;
    for (int i = 0; i < 5 && up.cdUp();)
        if (++i && QFileInfo(up.filePath("ui/README.md")).isFile() && QFileInfo(up.filePath("README.md")).isFile())
            return up.absoluteFilePath("README.md");
    return installed;
}

QString MainWindow::shortcutsText() const {
    QString rows;
    for (QAction* menu : menuBar()->actions())
        if (menu->menu())
            for (QAction* a : menu->menu()->actions())
                if (!a->shortcut().isEmpty())
                    rows += QStringLiteral("<tr><td>%1</td><td>&nbsp;&nbsp;<b>%2</b></td></tr>")
                                .arg(a->text().remove('&').toHtmlEscaped(), a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
    rows += tr("<tr><td>Zoom a plot / pan</td><td>&nbsp;&nbsp;<b>wheel / drag</b></td></tr>"
               "<tr><td>Reset a plot's view</td><td>&nbsp;&nbsp;<b>double-click</b></td></tr>"
               "<tr><td>Log y, save or copy a plot</td><td>&nbsp;&nbsp;<b>right-click</b></td></tr>"
               "<tr><td>Apply a typed p or learning rate live</td><td>&nbsp;&nbsp;<b>Enter</b></td></tr>");
    return QStringLiteral("<table>%1</table>").arg(rows);
}

QString MainWindow::gettingStartedText() {
    return tr("<p><b>Start</b> (Ctrl+R) trains M workers with the settings on the left; the Live tab shows them "
              "as they learn. Every run is recorded in the history file (History tab).</p>"
              "<p><b>M</b>: the number of workers, each with its own copy of the model.<br>"
              "<b>p</b>: GoSGD's gossip probability: after each step a worker sends its model to another one "
              "with probability p. p = 0: no exchanges (independent workers); p = 1: an exchange every step.<br>"
              "<b>alpha</b>: each worker's weight in the average; sending gives half of it away with the model. "
              "<i>Held</i> alpha is what the workers hold now, <i>waiting</i> alpha is in messages not yet "
              "merged; the two add up to 1.</p>"
              "<p>The plots: <b>training loss</b> (per worker and their mean), <b>consensus distance</b> (how far "
              "the workers are from their average: it shrinks as they agree; the heat map shows each pair), "
              "<b>test model</b> (accuracy and loss of the averaged model on test images), <b>alpha</b> (held and "
              "waiting). Change p or the learning rate while a run goes: a marker shows when.</p>"
              "<p><b>Compare</b> (Ctrl+Shift+C) draws selected runs together; <b>Experiments</b> runs a grid of "
              "settings (a p-sweep) and shows time to a loss and final metrics against the parameter.</p>");
}

void MainWindow::restoreSettings() {
    {
        QSettings s;
        DistributedSetup d;
        d.enabled = s.value("distributed/enabled", false).toBool();
        d.mode = s.value("distributed/mode", "local").toString() == "host" ? DistributedSetup::Mode::Host
                                                                          : DistributedSetup::Mode::Local;
        d.world = s.value("distributed/world", d.world).toInt();
        d.master_host = s.value("distributed/master").toString().toStdString();
        d.master_port = s.value("distributed/port", d.master_port).toInt();
        d.bind = s.value("distributed/bind").toString().toStdString();
        d.iface = s.value("distributed/iface").toString().toStdString();
        d.join_timeout_s = s.value("distributed/join-timeout", d.join_timeout_s).toDouble();
        d.peer_timeout_s = s.value("distributed/peer-timeout", d.peer_timeout_s).toDouble();
        d.token = s.value("distributed/token").toString().toStdString();
        // A remembered setup that no longer validates starts off rather than failing at Start.
        if (!validate(d, settings_->config()).empty()) d.enabled = false;
        applyDistributed(d);
    }
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
    if (path.isEmpty()) return;
    if (controller_->isActive() || experiments_->controller()->isActive()) {
        statusBar()->showMessage(tr("A run or an experiment is going: stop it before opening another history"), 8000);
        return;
    }
    rememberRecent(path);
    compare_->clear();
    history_path_ = path;
    controller_->setHistoryPath(path);
    live_->banner()->dismiss();
    showHistoryPath();
    checkHistoryFile();
    history_->setHistoryPath(path);
    experiments_->setHistoryPath(path);
}

bool MainWindow::editDistributed() {
    if (!multiProcessBuilt()) {
        QMessageBox::information(this, tr("Runs over several processes"),
                                 QString::fromStdString(multiProcessUnavailableReason()) + ".");
        return false;
    }
    if (controller_->isActive()) {
        statusBar()->showMessage(tr("A run is going: its processes are set"), 8000);
        return false;
    }
    DistributedDialog dialog(controller_->distributed(), settings_->config(), this);
    if (distributed_question_ ? !distributed_question_(dialog) : dialog.exec() != QDialog::Accepted) return false;
    applyDistributed(dialog.setup());
    return true;
}

void MainWindow::applyDistributed(const DistributedSetup& setup) {
    controller_->setDistributed(setup);
    distributed_label_->setText(!setup.enabled ? QString()
                                : setup.local() ? tr("distributed: %1 processes on this machine").arg(setup.world)
                                                : tr("distributed: %1 processes, rendezvous %2:%3")
                                                      .arg(setup.world)
                                                      .arg(QString::fromStdString(setup.masterHost()))
                                                      .arg(setup.master_port));
    QSettings s;
    s.setValue("distributed/enabled", setup.enabled);
    s.setValue("distributed/mode", setup.local() || setup.mode == DistributedSetup::Mode::Local ? "local" : "host");
    s.setValue("distributed/world", setup.world);
    s.setValue("distributed/master", QString::fromStdString(setup.master_host));
    s.setValue("distributed/port", setup.master_port);
    s.setValue("distributed/bind", QString::fromStdString(setup.bind));
    s.setValue("distributed/iface", QString::fromStdString(setup.iface));
    s.setValue("distributed/join-timeout", setup.join_timeout_s);
    s.setValue("distributed/peer-timeout", setup.peer_timeout_s);
    s.setValue("distributed/token", QString::fromStdString(setup.token));
}

QStringList MainWindow::recentHistories() const { return QSettings().value("history/recent").toStringList(); }

void MainWindow::rememberRecent(const QString& path) {
    if (path.isEmpty()) return;
    QStringList recent = recentHistories();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > 8) recent.removeLast();
    QSettings().setValue("history/recent", recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!recent_menu_) return;
    recent_menu_->clear();
    const QStringList recent = recentHistories();
    for (const QString& path : recent) {
        QAction* a = recent_menu_->addAction(path, this, [this, path] {
            if (!QFileInfo::exists(path)) {
                QMessageBox::warning(this, tr("Open recent"), tr("%1 no longer exists").arg(path));
                return;
            }
            openHistory(path);
        });
        a->setEnabled(!controller_->isActive());
    }
    if (recent.isEmpty()) recent_menu_->addAction(tr("(none)"))->setEnabled(false);
}

QString MainWindow::importRuns(const QString& other_path, QString* summary) {
    if (QFileInfo(other_path).absoluteFilePath() == QFileInfo(history_path_).absoluteFilePath())
        return tr("%1 is the history already open: choose another file to import from").arg(other_path);
    auto history = store::RunHistory::open(history_path_.toStdString());
    if (!history) return QString::fromStdString(history.error().message);
    auto result = history->importRuns(other_path.toStdString());
    if (!result) return QString::fromStdString(result.error().message);
    if (summary)
        *summary = tr("Imported %1 run(s) from %2; skipped %3 already here and %4 still being recorded")
                       .arg(result->new_ids.size())
                       .arg(other_path)
                       .arg(result->skipped_duplicates)
                       .arg(result->skipped_live);
    history_->refresh();
    if (!result->new_ids.empty()) {
        tabs_->setCurrentWidget(history_);
        history_->selectRuns(result->new_ids);
    }
    return {};
}

void MainWindow::compareRuns(const std::vector<int64_t>& ids) {
    const QString problem = compare_->setRuns(history_path_, ids);
    tabs_->setCurrentWidget(compare_);
    if (!problem.isEmpty()) statusBar()->showMessage(problem, 15000);
}

void MainWindow::exportAllCurrent() {
    if (tabs_->currentWidget() == compare_) {
        compare_->exportAllDialog();
        return;
    }
    tabs_->setCurrentWidget(history_);
    const int64_t id = history_->shownRunId();
    if (id <= 0) {
        statusBar()->showMessage(tr("Select a run first"), 10000);
        return;
    }
    // The shared folder dialog: starts in the last export folder, offers to create a new one.
    const QString folder = chooseExportFolder(this, tr("Export all: plots (PNG, PDF, SVG) and CSVs into"));
    if (folder.isEmpty()) return;
    ExportAllRequest request;
    request.history_path = history_path_;
    request.run_ids = {id};
    request.plots = history_->viewer()->namedPanels();
    request.folder = folder;
    const ExportAllResult result = exportAll(request, askWithDialog(this));
    if (!result.errors.isEmpty()) QMessageBox::warning(this, tr("Export all"), result.errors.join('\n'));
}

void MainWindow::showExported(const QStringList& files, const QString& folder) {
    if (files.isEmpty()) return;
    export_folder_ = folder;
    export_message_ = files.size() == 1
                          ? tr("Saved %1").arg(QDir::toNativeSeparators(files.constFirst()))
                          : tr("Wrote %n file(s) into %1", nullptr, int(files.size())).arg(QDir::toNativeSeparators(folder));
    statusBar()->showMessage(export_message_, 30000);
    open_export_folder_->setToolTip(tr("Open %1 in the file manager").arg(QDir::toNativeSeparators(folder)));
    open_export_folder_->show();
}

QString MainWindow::shownExportFolder() const { return open_export_folder_->isVisible() ? export_folder_ : QString(); }

bool MainWindow::startRun() {
    if (controller_->isActive() || !settings_->isValid()) return false;
    const RunConfig config = settings_->config();
    live_->banner()->dismiss();
    live_->configureFor(config.algorithm);
    tabs_->setCurrentWidget(live_);
    for (PlotPanel* p : live_->panels()) p->resetView();
    if (!controller_->start(config)) return false;
    showing_queued_run_ = false;
    live_->header()->showStarting(QString::fromStdString(config.effectiveName()));
    statusBar()->showMessage(tr("Loading %1 and building %2 workers ...")
                                 .arg(QString::fromStdString(config.dataset))
                                 .arg(config.workers));
    return true;
}

void MainWindow::stopRun() {
    if (experiments_->controller()->isActive()) {  // a queued run: recorded stopped, queued again
        experiments_->stopNow();
        return;
    }
    if (!controller_->isActive()) return;
    controller_->stop();
    statusBar()->showMessage(tr("Stopping: each worker finishes its current step ..."));
}

void MainWindow::onStateChanged(RunController::State state) {
    const bool active = state != RunController::State::Idle;
    settings_->setLiveEditsAllowed(!experiments_->controller()->isActive());
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

void MainWindow::showHistoryPath() {
    // The title names the file and its folder (the platform appends " — GossipLab"); the Live
    // tab points the user there.
    const QFileInfo file(history_path_);
    setWindowTitle(tr("%1 (%2)").arg(file.fileName(), QDir::toNativeSeparators(file.absolutePath())));
    const QString text = tr("History: %1").arg(QDir::toNativeSeparators(history_path_));
    const QFontMetrics metrics(history_label_->font());
    history_label_->setText(metrics.elidedText(text, Qt::ElideMiddle, kHistoryLabelMaxWidth));
    history_label_->setToolTip(tr("Every run is recorded in %1").arg(QDir::toNativeSeparators(history_path_)));
    history_label_->setFixedWidth(history_label_->sizeHint().width());
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
    const QString why = message.isEmpty() ? QString() : tr(" (%1)").arg(message);
    // A queued run of an experiment came through the controller's feed: the controller's run id
    // is that of the latest run it started itself. runRecorded() says this one's id.
    if (!showing_queued_run_)
        statusBar()->showMessage(tr("Run \"%1\" %2%3; recorded as run #%4")
                                 .arg(shown_run_name_, QString::fromStdString(toString(result.status)), why)
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
    if (experiments_->controller()->isActive()) {
        if (!askToStop()) {
            event->ignore();
            return;
        }
        experiments_->shutdown();    // the current run is recorded stopped and queued again; paused
        controller_->stopAndWait();  // takes the fed run's end, back to idle
    }
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
