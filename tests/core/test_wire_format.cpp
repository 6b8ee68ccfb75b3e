// The multi-process wire format (core/dist/wire.h) on its own, without Gloo: the header's fixed
// layout (both ends of a run must agree byte for byte), and the record reader against truncated
// and oversized fields (a malformed record must throw, never read past its end).
#include <QtTest>

#include <cstddef>
#include <limits>

#include "core/dist/wire.h"

using namespace gossiplab::dist;

class TestWireFormat : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void theHeaderHasOneLayoutEverywhere() {
        QCOMPARE(sizeof(WireHeader), size_t(96));
        QCOMPARE(offsetof(WireHeader, magic), size_t(0));
        QCOMPARE(offsetof(WireHeader, version), size_t(4));
        QCOMPARE(offsetof(WireHeader, type), size_t(6));
        QCOMPARE(offsetof(WireHeader, sender), size_t(8));
        QCOMPARE(offsetof(WireHeader, worker), size_t(12));
        QCOMPARE(offsetof(WireHeader, payload_bytes), size_t(16));
        QCOMPARE(offsetof(WireHeader, value), size_t(24));
        QCOMPARE(offsetof(WireHeader, b), size_t(56));
        QCOMPARE(offsetof(WireHeader, receiver), size_t(64));
        QCOMPARE(offsetof(WireHeader, channel), size_t(68));
        QCOMPARE(offsetof(WireHeader, counter), size_t(72));
        QCOMPARE(offsetof(WireHeader, mac), size_t(80));
        const WireHeader h;
        QCOMPARE(h.magic, kMagic);
        QCOMPARE(h.version, kProtocolVersion);
        unsigned char bytes[sizeof h];
        std::memcpy(bytes, &h, sizeof h);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(bytes), 4), QByteArray("GLAB"));  // little-endian "GLAB"
    }

    void recordsRoundTrip() {
        ByteWriter w;
        w.put<int32_t>(-7);
        w.put<double>(0.125);
        w.putString("");
        w.putString("rank 2 (host, workers 4-5): no heartbeat");
        w.put<uint64_t>(std::numeric_limits<uint64_t>::max());
        ByteReader r(w.bytes().data(), w.size());
        QCOMPARE(r.get<int32_t>(), -7);
        QCOMPARE(r.get<double>(), 0.125);
        QCOMPARE(r.getString(), std::string());
        QCOMPARE(r.getString(), std::string("rank 2 (host, workers 4-5): no heartbeat"));
        QCOMPARE(r.get<uint64_t>(), std::numeric_limits<uint64_t>::max());
        QVERIFY(r.atEnd());
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, r.get<uint8_t>());  // nothing left
    }

    void everyTruncationThrows() {
        ByteWriter w;
        w.put<int64_t>(42);
        w.putString("twelve bytes");
        w.put<double>(1.5);
        // Cut the record at every length short of its end: reading it all must throw, not read on.
        for (size_t cut = 0; cut < w.size(); ++cut) {
            ByteReader r(w.bytes().data(), cut);
            bool threw = false;
            try {
                r.get<int64_t>();
                r.getString();
                r.get<double>();
            } catch (const std::runtime_error&) {
                threw = true;
            }
            QVERIFY2(threw, qPrintable(QString("a record cut at %1 of %2 bytes was read whole").arg(cut).arg(w.size())));
        }
    }

    void anOversizedStringLengthThrows() {
        for (uint32_t length : {13u, 1u << 20, std::numeric_limits<uint32_t>::max()}) {
            ByteWriter w;
            w.put<uint32_t>(length);  // claims more than follows
            w.put<uint64_t>(0);       // 8 bytes of "text"
            ByteReader r(w.bytes().data(), w.size());
            QVERIFY_THROWS_EXCEPTION(std::runtime_error, r.getString());
        }
    }
};

QTEST_APPLESS_MAIN(TestWireFormat)
#include "test_wire_format.moc"
