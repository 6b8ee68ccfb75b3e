#include "ui/app/gui_application.h"

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QStyleFactory>

#include "core/store/history.h"
#include "ui/log.h"
#include "ui/window/main_window.h"

namespace gossiplab::ui {

namespace {

struct Options {
    QString db;
    bool exit = false;
    int exit_code = 0;
};

// Parsed before the GUI exists, so that --help and --version work without a display.
Options parseArguments(int argc, char** argv, const char* version) {
    QCoreApplication core(argc, argv);
    QCoreApplication::setApplicationName("gossiplab");
    QCoreApplication::setApplicationVersion(QString::fromLatin1(version));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "GossipLab: train neural networks with GoSGD, EASGD/EAMSGD, naive, all-reduce, local SGD, D-PSGD, "
        "AD-PSGD or SGP workers and watch them reach consensus live. Every run is recorded in a history file (SQLite).");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption db({"d", "db"},
                                QString("The run history to open or create (default: %1).")
                                    .arg(QString::fromStdString(store::defaultHistoryPath())),
                                "FILE");
    parser.addOption(db);
    Options options;
    if (!parser.parse(core.arguments())) {
        std::fprintf(stderr, "gossiplab: %s\n\n%s", qPrintable(parser.errorText()), qPrintable(parser.helpText()));
        options.exit = true;
        options.exit_code = 2;
        return options;
    }
    if (parser.isSet("help")) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        options.exit = true;
        return options;
    }
    if (parser.isSet("version")) {
        std::printf("gossiplab %s\n", version);
        options.exit = true;
        return options;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "gossiplab: unexpected argument '%s'\n\n%s", qPrintable(parser.positionalArguments().first()),
                     qPrintable(parser.helpText()));
        options.exit = true;
        options.exit_code = 2;
        return options;
    }
    options.db = parser.isSet(db) ? QFileInfo(parser.value(db)).absoluteFilePath()
                                  : QString::fromStdString(store::defaultHistoryPath());
    return options;
}

}  // namespace

int runGuiApplication(int argc, char** argv, const char* version) {
    const Options options = parseArguments(argc, argv, version);
    if (options.exit) return options.exit_code;

    QApplication app(argc, argv);
    QApplication::setApplicationName("gossiplab");
    QApplication::setApplicationDisplayName("GossipLab");
    QApplication::setOrganizationName("GossipLab");
    QApplication::setApplicationVersion(QString::fromLatin1(version));
    QApplication::setDesktopFileName("gossiplab");
    QApplication::setWindowIcon(QIcon(":/gossiplab/icons/gossiplab.svg"));
    // Fusion looks the same on every desktop (and in screenshots taken offscreen).
    if (QStyle* fusion = QStyleFactory::create("Fusion")) QApplication::setStyle(fusion);
    qCInfo(lcUi) << "GossipLab" << version << "history" << options.db;

    MainWindow window(options.db);
    window.show();
    return app.exec();
}

}  // namespace gossiplab::ui
