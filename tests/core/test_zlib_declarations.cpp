// The IDX reader's own declarations of zlib's gz* API (core/data/zlib_declarations.h, used on
// machines without zlib.h) must match the real header: a different signature is a "conflicting
// declaration" compile error here. The run-time part writes a gzip file with the real API and
// reads it back through the declared one.
#include <zlib.h>

#include "core/data/zlib_declarations.h"

#include <QTemporaryDir>
#include <QTest>

class TestZlibDeclarations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsBackThroughTheDeclaredApi() {
        QTemporaryDir dir;
        const QByteArray path = dir.filePath("data.gz").toLocal8Bit();
        const char payload[] = "gossip, gossip, gossip";
        gzFile out = gzopen(path.constData(), "wb");
        QVERIFY(out != nullptr);
        QCOMPARE(gzwrite(out, payload, sizeof payload), int(sizeof payload));
        QCOMPARE(gzclose(out), Z_OK);

        gzFile in = gzopen(path.constData(), "rb");
        QVERIFY(in != nullptr);
        QCOMPARE(gzbuffer(in, 1 << 16), 0);
        char back[sizeof payload] = {};
        QCOMPARE(gzread(in, back, sizeof back), int(sizeof payload));
        QCOMPARE(QByteArray(back), QByteArray(payload));
        int code = -1;
        QVERIFY(gzerror(in, &code) != nullptr);
        QCOMPARE(code, Z_OK);
        QCOMPARE(gzclose(in), Z_OK);
    }
};

QTEST_GUILESS_MAIN(TestZlibDeclarations)
#include "test_zlib_declarations.moc"
