#pragma once
// Shared by the gossiplab-cli experiment tests: runs the CLI with XDG_DATA_HOME in a temp folder.

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

namespace cli_test {

struct CliResult {
    int exit_code = -1;
    QString out, err;
};

// GOSSIPLAB_TEST_CLI may name another build of the CLI (e.g. one with extra commands).
inline QString cliPath() { return qEnvironmentVariable("GOSSIPLAB_TEST_CLI", GOSSIPLAB_CLI_PATH); }

inline QProcessEnvironment environmentFor(const QTemporaryDir& home) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home.path());
    return env;
}

inline CliResult cli(const QTemporaryDir& home, const QStringList& args, int timeout_ms = 150000) {
    QProcess p;
    p.setProcessEnvironment(environmentFor(home));
    p.start(cliPath(), args);
    p.waitForFinished(timeout_ms);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// Tiny runs: MLP on synthetic data, 2 workers.
inline const QStringList kTiny = {"--dataset", "synthetic", "--model", "mlp", "--workers", "2", "--batch-size", "16",
                                  "--metrics-every", "2", "--threads", "1"};

inline QList<QByteArray> csvLines(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll().trimmed().split('\n');
}

inline QString historyFile(const QTemporaryDir& home) { return home.path() + "/gossiplab/history.sqlite3"; }

}  // namespace cli_test
