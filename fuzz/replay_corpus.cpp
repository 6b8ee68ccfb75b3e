// Replays every file of a fuzz target's corpus (seeds and the regression-* inputs that once broke
// it) through the target's LLVMFuzzerTestOneInput, without libFuzzer: a crash, a sanitizer report
// or a broken invariant (abort) fails the test. One executable per target (fuzz/CMakeLists.txt).

#include <QDir>
#include <QFile>
#include <QtTest>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

class ReplayCorpus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyCorpusFileRunsClean_data() {
        QTest::addColumn<QString>("path");
        const QDir corpus(QStringLiteral(GOSSIPLAB_FUZZ_CORPUS));
        QVERIFY2(corpus.exists(), qPrintable(corpus.path() + " is missing"));
        const auto files = corpus.entryInfoList(QDir::Files, QDir::Name);
        QVERIFY2(!files.isEmpty(), qPrintable(corpus.path() + " holds no input"));
        for (const QFileInfo& file : files) QTest::newRow(qPrintable(file.fileName())) << file.absoluteFilePath();
    }
    void everyCorpusFileRunsClean() {
        QFETCH(QString, path);
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path));
        const QByteArray bytes = file.readAll();
        QCOMPARE(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.constData()), size_t(bytes.size())), 0);
    }
};

QTEST_GUILESS_MAIN(ReplayCorpus)
#include "replay_corpus.moc"
