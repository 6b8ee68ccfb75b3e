// gossiplab-cli, end to end: every bad input gets a message naming the field or file and a
// non-zero exit, and nothing crashes; good small files in each supported format train.
#include <QtTest>

#include <QDataStream>
#include <QProcess>
#include <QTemporaryDir>
#include <QDir>
#include <QScopeGuard>

#include <unistd.h>

namespace {

struct CliResult {
    int exit_code = -1;
    QProcess::ExitStatus status = QProcess::CrashExit;
    QString out, err;
};

class Cli {
public:
    explicit Cli(const QString& home) : home_(home) {}
    CliResult run(const QStringList& args, int timeout_ms = 120000) const {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", home_);  // never touch the user's own history
        p.setProcessEnvironment(env);
        p.start(GOSSIPLAB_CLI_PATH, args);
        p.waitForFinished(timeout_ms);
        return {p.exitCode(), p.exitStatus(), QString::fromUtf8(p.readAllStandardOutput()),
                QString::fromUtf8(p.readAllStandardError())};
    }

private:
    QString home_;
};

void writeBigEndian(QByteArray& out, quint32 v) {
    QDataStream s(&out, QIODevice::Append);
    s.setByteOrder(QDataStream::BigEndian);
    s << v;
}

QByteArray idxImages(quint32 count, int rows, int cols, quint32 magic = 2051, int drop_bytes = 0) {
    QByteArray out;
    writeBigEndian(out, magic);
    writeBigEndian(out, count);
    writeBigEndian(out, quint32(rows));
    writeBigEndian(out, quint32(cols));
    QByteArray pixels(int(count) * rows * cols, '\0');
    for (int k = 0; k < pixels.size(); ++k) pixels[k] = char((k * 37) % 256);
    out += pixels;
    out.chop(drop_bytes);
    return out;
}

QByteArray idxLabels(quint32 count, quint32 magic = 2049) {
    QByteArray out;
    writeBigEndian(out, magic);
    writeBigEndian(out, count);
    for (quint32 k = 0; k < count; ++k) out += char(k % 10);
    return out;
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

// A complete small IDX dataset; `corrupt` edits one file afterwards.
QString makeIdxDataset(const QTemporaryDir& dir, const QString& name, int train = 256, int test = 64) {
    const QString folder = dir.filePath(name);
    QDir().mkpath(folder);
    writeFile(folder + "/train-images-idx3-ubyte", idxImages(quint32(train), 28, 28));
    writeFile(folder + "/train-labels-idx1-ubyte", idxLabels(quint32(train)));
    writeFile(folder + "/t10k-images-idx3-ubyte", idxImages(quint32(test), 28, 28));
    writeFile(folder + "/t10k-labels-idx1-ubyte", idxLabels(quint32(test)));
    return folder;
}

QByteArray cifarRecords(int count, int drop_bytes = 0, int bad_label_at = -1) {
    QByteArray out;
    for (int r = 0; r < count; ++r) {
        out += char(r == bad_label_at ? 42 : r % 10);
        QByteArray pixels(3072, '\0');
        for (int k = 0; k < pixels.size(); ++k) pixels[k] = char((k * 13 + r * 7) % 256);
        out += pixels;
    }
    out.chop(drop_bytes);
    return out;
}

QString makeCifarDataset(const QTemporaryDir& dir, const QString& name) {
    const QString folder = dir.filePath(name);
    QDir().mkpath(folder);
    for (int k = 1; k <= 5; ++k) writeFile(folder + QString("/data_batch_%1.bin").arg(k), cifarRecords(40));
    writeFile(folder + "/test_batch.bin", cifarRecords(30));
    return folder;
}

const QStringList kQuick = {"--no-record", "--images", "256", "--batch-size", "16", "--workers", "2"};

}  // namespace

class TestCliBadInput : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    Cli cli_{dir_.path()};

    void expectUsageError(const QStringList& args, const QStringList& mentions) {
        const CliResult r = cli_.run(QStringList{"run"} + args);
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exit_code, 2);
        for (const auto& m : mentions) QVERIFY2(r.err.contains(m), qPrintable("missing '" + m + "' in: " + r.err));
    }
    void expectDataError(const QStringList& args, const QStringList& mentions) {
        const CliResult r = cli_.run(QStringList{"run"} + kQuick + args);
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exit_code, 1);
        for (const auto& m : mentions) QVERIFY2(r.err.contains(m), qPrintable("missing '" + m + "' in: " + r.err));
    }

private Q_SLOTS:
    // The events CSV on a real full file system (a 16 KB tmpfs when root; otherwise a 16 KB file
    // size limit with SIGXFSZ ignored, so that writes fail with EFBIG): the run ends failed, the
    // message names the file and the reason, exit 1, the history records it failed; no abort.
    void eventsCsvOnAFullDiskFailsTheRunNamingTheFile() {
        QTemporaryDir home;
        const QString full = home.filePath("full");
        QVERIFY(QDir().mkpath(full));
        const bool tmpfs = ::geteuid() == 0 && QProcess::execute("mount", {"-t", "tmpfs", "-o", "size=16k", "tmpfs", full}) == 0;
        const auto unmount = qScopeGuard([&] { if (tmpfs) QProcess::execute("umount", {full}); });
        const QString csv = full + "/events.csv", db = home.filePath("history.sqlite3");
        // Under the file size limit the history could not grow either: it records only on tmpfs.
        const QStringList args = QStringList{"run", "--dataset", "synthetic", "--model", "mlp", "--workers", "2", "--images",
                                             "16000", "--metrics-every", "1", "--events-csv", csv, "--quiet"} +
                                 (tmpfs ? QStringList{"--db", db} : QStringList{"--no-record"});
        QProcess p;
        if (tmpfs) {
            p.start(GOSSIPLAB_CLI_PATH, args);
        } else {
            QStringList quoted;
            for (const QString& a : args) quoted << "'" + a + "'";
            p.start("bash", {"-c", "trap '' XFSZ; ulimit -f 16; exec '" GOSSIPLAB_CLI_PATH "' " + quoted.join(' ')});
        }
        QVERIFY(p.waitForFinished(120000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);  // never terminate() / SIGABRT
        QCOMPARE(p.exitCode(), 1);
        QVERIFY2(err.contains(csv) && err.contains("writing the events CSV failed"), qPrintable(err));
        QVERIFY2(err.contains(tmpfs ? "No space left on device" : "File too large"), qPrintable(err));
        if (tmpfs) {  // the history lives outside the full file system: it records the run failed
            QProcess show;
            show.start(GOSSIPLAB_CLI_PATH, {"runs", "--db", db});
            QVERIFY(show.waitForFinished(60000));
            QVERIFY2(QString::fromUtf8(show.readAllStandardOutput()).contains("failed"), "the run is not recorded as failed");
        }
    }

    void invalidFlagValues_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        // Each value's message is checked in-process by tests/cli/test_cli_parsing; here the
        // process's own exit code and stderr, end to end, for a value, a flag and several at once.
        QTest::newRow("lr text") << QStringList{"--lr", "fast"} << QStringList{"--lr: learning-rate is 'fast'; expected a number"};
        QTest::newRow("unknown flag") << QStringList{"--wrokers", "3"} << QStringList{"--wrokers"};
        QTest::newRow("all at once") << QStringList{"--workers", "0", "--p", "-1", "--batch-size", "0"}
                                     << QStringList{"--workers", "--p", "--batch-size"};
    }
    void invalidFlagValues() {
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        expectUsageError(args, mentions);
    }

    void unknownCommand() {
        const CliResult r = cli_.run({"trian"});
        QCOMPARE(r.exit_code, 2);
        QVERIFY(r.err.contains("trian"));
    }

    void helpDocumentsEveryFlag() {
        const CliResult r = cli_.run({"run", "--help"});
        QCOMPARE(r.exit_code, 0);
        for (const char* flag : {"--workers", "--p ", "--lr", "--momentum", "--weight-decay", "--batch-size", "--easgd-alpha",
                                 "--easgd-tau", "--seed", "--epochs", "--images", "--seconds", "--devices", "--test-model",
                                 "--eval-every", "--metrics-every", "--distance-every", "--dataset", "--data-dir", "--model",
                                 "--preset", "--p-schedule"})
            QVERIFY2(r.out.contains(flag), flag);
        QVERIFY(r.out.contains("default 4"));
        QVERIFY(r.out.contains("allowed: 1 to 64"));
    }

    void missingDatasetFolder() {
        expectDataError({"--data-dir", dir_.filePath("absent")}, {dir_.filePath("absent"), "does not exist"});
    }

    void missingFile() {
        const QString folder = makeIdxDataset(dir_, "missing-file");
        QFile::remove(folder + "/train-labels-idx1-ubyte");
        expectDataError({"--data-dir", folder}, {"train-labels-idx1-ubyte", "missing"});
    }

    void wrongMagicNumber() {
        const QString folder = makeIdxDataset(dir_, "magic");
        writeFile(folder + "/t10k-images-idx3-ubyte", idxImages(64, 28, 28, 1234));
        expectDataError({"--data-dir", folder}, {"t10k-images-idx3-ubyte", "wrong magic number 1234"});
    }

    void truncatedFile() {
        const QString folder = makeIdxDataset(dir_, "truncated");
        writeFile(folder + "/train-images-idx3-ubyte", idxImages(256, 28, 28, 2051, 1000));
        expectDataError({"--data-dir", folder}, {"train-images-idx3-ubyte", "truncated"});
    }

    void countsDisagree() {
        const QString folder = makeIdxDataset(dir_, "counts");
        writeFile(folder + "/train-labels-idx1-ubyte", idxLabels(200));
        expectDataError({"--data-dir", folder}, {"256 images", "200 labels"});
    }

    void modelDoesNotFitData() {
        expectDataError({"--model", "easgd-cifar"}, {"easgd-cifar", "3x28x28", "1x28x28"});
    }

    void cifarFolderMissingSaysWhatToPutWhere() {
        expectDataError({"--dataset", "cifar10", "--model", "easgd-cifar", "--data-dir", dir_.filePath("no-cifar")},
                        {dir_.filePath("no-cifar"), "data_batch_1.bin", "test_batch.bin"});
    }

    void cifarTruncatedAndBadLabel() {
        const QString folder = makeCifarDataset(dir_, "cifar-bad");
        writeFile(folder + "/data_batch_3.bin", cifarRecords(40, 5));
        expectDataError({"--dataset", "cifar10", "--model", "easgd-cifar", "--data-dir", folder},
                        {"data_batch_3.bin", "3073-byte records"});
        writeFile(folder + "/data_batch_3.bin", cifarRecords(40, 0, 7));
        expectDataError({"--dataset", "cifar10", "--model", "easgd-cifar", "--data-dir", folder},
                        {"data_batch_3.bin", "label 42"});
    }

    void cifarBinaryFilesTrain() {
        const QString folder = makeCifarDataset(dir_, "cifar-good");
        const CliResult r = cli_.run(QStringList{"run"} + kQuick +
                                     QStringList{"--dataset", "cifar10", "--model", "easgd-cifar", "--data-dir", folder});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
        QVERIFY(r.out.contains("200 training, 30 test images"));
        QVERIFY(r.out.contains("Run finished"));
    }

    void gzippedAndPlainIdxFilesTrain() {
        const QString folder = makeIdxDataset(dir_, "idx-gz");
        QProcess gzip;
        gzip.start("gzip", {folder + "/train-images-idx3-ubyte", folder + "/t10k-labels-idx1-ubyte"});
        QVERIFY(gzip.waitForFinished());
        QCOMPARE(gzip.exitCode(), 0);
        QVERIFY(QFile::exists(folder + "/train-images-idx3-ubyte.gz"));
        const CliResult r = cli_.run(QStringList{"run"} + kQuick + QStringList{"--dataset", "mnist", "--data-dir", folder});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
        QVERIFY(r.out.contains("256 training, 64 test images"));
    }

    void cudaOnCpuOnlyBuildIsRefused() {
        const CliResult r = cli_.run(QStringList{"run"} + kQuick + QStringList{"--dataset", "synthetic", "--devices", "cuda:3"});
        if (r.exit_code == 0) QSKIP("this machine has a fourth CUDA device");
        QCOMPARE(r.exit_code, 1);
        QVERIFY2(r.err.contains("cuda:3"), qPrintable(r.err));
    }

    void defaultRunOnFashionMnistPrintsSummary() {
        const CliResult r = cli_.run({"run", "--no-record", "--images", "640", "--workers", "2"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
        QVERIFY(r.out.contains("fashion-mnist (60000 training, 10000 test images"));
        QVERIFY(r.out.contains("sum of alphas     1.0000"));
        QVERIFY(r.out.contains("test model"));
    }
};

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "test_cli_bad_input.moc"
