// gossiplab's command line: --help and --version work without a display; a bad option is refused.
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

#ifndef GOSSIPLAB_GUI_PATH
#error "GOSSIPLAB_GUI_PATH must name the gossiplab executable"
#endif

class TestAppArgs : public QObject {
    Q_OBJECT
private:
    struct Result {
        int code = -1;
        QString out, err;
    };
    static Result run(const QStringList& args) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("DISPLAY");
        env.remove("WAYLAND_DISPLAY");
        env.remove("QT_QPA_PLATFORM");  // no display at all: --help must not need one
        p.setProcessEnvironment(env);
        p.start(GOSSIPLAB_GUI_PATH, args);
        if (!p.waitForFinished(30000)) return {};
        return {p.exitCode(), QString::fromLocal8Bit(p.readAllStandardOutput()), QString::fromLocal8Bit(p.readAllStandardError())};
    }

private Q_SLOTS:
    void versionPrintsTheProjectVersion() {
        const Result r = run({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY2(QRegularExpression("^gossiplab \\d+\\.\\d+\\.\\d+\\n$").match(r.out).hasMatch(), qPrintable(r.out));
    }

    void helpNamesTheOptions() {
        const Result r = run({"--help"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("--db <FILE>"), qPrintable(r.out));
        QVERIFY(r.out.contains("--version"));
        QVERIFY(r.out.contains("GoSGD"));
    }

    void unknownOptionsAreRefused() {
        const Result r = run({"--no-such-option"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("no-such-option"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestAppArgs)
#include "test_app_args.moc"
