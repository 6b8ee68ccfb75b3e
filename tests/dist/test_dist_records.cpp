// The rendezvous' records read back from bytes that anyone reaching rank 0's store could have
// written: the bounds (workers per process, contiguous ranges, the rank in the key), the version
// checked before anything else, exact sizes, and no crash on any truncation or random bytes.
// Needs neither Gloo nor a network.
#include <QtTest>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <functional>
#include <random>

#include "core/dist/events_record.h"
#include "core/dist/hmac.h"
#include "core/dist/message_auth.h"
#include "core/dist/message_checks.h"
#include "core/dist/rendezvous_records.h"
#include "core/dist/wire.h"

using namespace gossiplab;
using namespace gossiplab::dist;

namespace {

ProcessInfo process(int rank, int first, int workers) {
    ProcessInfo p;
    p.rank = rank;
    p.host = "host" + std::to_string(rank);
    p.address = "10.0.0." + std::to_string(rank + 1);
    p.first_worker = first;
    p.workers = workers;
    p.devices = "cpu";
    p.pid = 1000 + rank;
    return p;
}

// A record's body changed and sealed again with the (empty) token: reaches the checks behind the proof.
std::vector<uint8_t> reseal(const std::vector<uint8_t>& record, const std::string& label, const std::function<void(std::vector<uint8_t>&)>& change) {
    std::vector<uint8_t> body;
    if (!unseal(record, {}, label, &body)) return {};
    change(body);
    return seal(body, {}, label);
}

EventsRecord events() {
    EventsRecord r;
    r.q = 0.5;
    r.held = 0.375;
    for (int k = 0; k < 2; ++k) {
        WorkerReport& w = r.workers.emplace_back();
        w.index = 2 + k;
        w.iteration = 100 + k;
        w.images = 3200 + 32 * k;
        w.sent = 7;
        w.received = 9;
        w.loss = 0.8;
        w.alpha = 0.25;
        w.center_distance = std::nan("");
        w.done = k == 1;
        for (size_t p = 0; p < w.phase_ns.size(); ++p) w.phase_ns[p] = int64_t(1000 * (p + 1));
        w.wait_ns = 123456;
    }
    for (int k = 0; k < 3; ++k) {
        WorkerSample& s = r.samples.emplace_back();
        s.worker = 2 + k % 2;
        s.at.iteration = 10 * k;
        s.at.images = 320 * k;
        s.at.wall_s = 0.1 * k;
        s.loss = k == 2 ? std::nan("") : 2.3;  // a diverged worker reports NaN
        s.alpha = 0.25;
        s.messages_sent = k;
        s.messages_received = k;
        s.center_distance = std::nan("");
        s.wait_per_iteration_s = 0.002;
    }
    r.messages = {"worker 3 diverged", ""};
    return r;
}

// The record with one thing changed, encoded.
std::vector<uint8_t> eventsWith(const std::function<void(EventsRecord&)>& change) {
    EventsRecord r = events();
    change(r);
    return encodeEvents(r);
}

// Rank `rank` of a run of workers 0-1 on rank 0, 2-3 on rank 1, 4 on rank 2; models of 100 floats.
MessageContext context(int rank, Algorithm algorithm = Algorithm::GoSgd) {
    MessageContext c;
    c.rank = rank;
    c.model_floats = 100;
    c.max_payload = 64 * 1024;
    c.rank_of_worker = {0, 0, 1, 1, 2};
    c.config.algorithm = algorithm;
    c.config.workers = 5;
    return c;
}

WireHeader header(MessageType type, int sender) {
    WireHeader h;
    h.type = static_cast<uint16_t>(type);
    h.sender = sender;
    return h;
}

// A GoSGD exchange from worker 2 (rank 1) to worker 0 (rank 0), alpha 0.25.
WireHeader exchange() {
    WireHeader h = header(MessageType::Gossip, 1);
    h.worker = 0;
    h.a = 2;
    h.b = -1;
    h.value = 0.25;
    h.payload_bytes = 400;
    return h;
}

PlanRecord plan3() {
    PlanRecord plan;
    plan.config_json = "{}";
    plan.parameter_count = 12345;
    plan.run_nonce = "00112233445566778899aabbccddeeff";
    plan.processes = {process(0, 0, 2), process(1, 2, 1), process(2, 3, 4)};
    return plan;
}

}  // namespace

class TestDistRecords : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // FIPS 180-4 examples and RFC 4231's HMAC-SHA-256 cases 1, 2 and 6 (a key longer than a block).
    void sha256AndHmacMatchTheStandardsVectors() {
        auto hex = [](const Digest& d) { return QString::fromStdString(toHex(d.data(), d.size())); };
        auto sha = [&](const std::string& text) { return hex(sha256(text.data(), text.size())); };
        QCOMPARE(sha(""), QString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha("abc"), QString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 QString("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        Sha256 million;
        const std::string chunk(1000, 'a');
        for (int k = 0; k < 1000; ++k) million.update(chunk.data(), chunk.size());
        QCOMPARE(hex(million.finish()), QString("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        auto hmac = [&](const std::string& key, const std::string& data) { return hex(hmacSha256(key, data.data(), data.size())); };
        QCOMPARE(hmac(std::string(20, '\x0b'), "Hi There"), QString("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
        QCOMPARE(hmac("Jefe", "what do ya want for nothing?"),
                 QString("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
        QCOMPARE(hmac(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
                 QString("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
        const std::string a = generateToken(), b = generateToken();
        QCOMPARE(a.size(), size_t(32));
        QVERIFY(a != b);
    }

    void joinRecordRoundTrips() {
        ProcessInfo read;
        const auto bytes = encodeJoin(process(3, 0, 5));
        QCOMPARE(QString::fromStdString(decodeJoin(bytes, 3, &read)), QString());
        QCOMPARE(read.rank, 3);
        QCOMPARE(read.workers, 5);
        QCOMPARE(QString::fromStdString(read.host), QString("host3"));
        QCOMPARE(QString::fromStdString(read.address), QString("10.0.0.4"));
        QCOMPARE(read.pid, int64_t(1003));
    }

    // Another version's record is reported as such, whatever follows the version (not "truncated").
    void versionMismatchIsReportedBeforeParsing() {
        ByteWriter w;
        w.put<uint32_t>(kMagic);
        w.put<uint16_t>(uint16_t(kProtocolVersion + 7));
        w.put<uint8_t>(0xff);  // a layout this version cannot read
        const QString why = QString::fromStdString(decodeJoin(w.bytes(), 2, nullptr));
        QVERIFY2(why.contains("rank 2 speaks protocol version " + QString::number(kProtocolVersion + 7)), qPrintable(why));
        ByteWriter other;
        other.put<uint32_t>(0x12345678);
        other.put<uint16_t>(kProtocolVersion);
        QVERIFY(QString::fromStdString(decodeJoin(other.bytes(), 2, nullptr)).contains("not GossipLab's"));
    }

    void joinRecordBounds() {
        // The rank written inside must be the rank of its key (a process cannot take another's place).
        const auto as_one = encodeJoin(process(1, 0, 1));
        QVERIFY(QString::fromStdString(decodeJoin(as_one, 2, nullptr)).contains("refused"));  // the proof names key 1
        const std::vector<uint8_t> body(as_one.begin(), as_one.end() - static_cast<long>(kProofBytes));
        QVERIFY(QString::fromStdString(decodeJoin(seal(body, {}, "join/2"), 2, nullptr)).contains("says rank 1"));
        for (int workers : {0, -1, 65, 1 << 30}) {
            const QString why = QString::fromStdString(decodeJoin(encodeJoin(process(1, 0, workers)), 1, nullptr));
            QVERIFY2(why.contains("allowed range: 1 to 64"), qPrintable(why));
        }
        QVERIFY(decodeJoin(encodeJoin(process(1, 0, 64)), 1, nullptr).empty());
        auto long_host = process(1, 0, 1);
        long_host.host = std::string(5000, 'h');
        QVERIFY(QString::fromStdString(decodeJoin(encodeJoin(long_host), 1, nullptr)).contains("host name of 5000 bytes"));
        const auto extra = reseal(encodeJoin(process(1, 0, 1)), "join/1", [](auto& b) { b.push_back(0); });
        QVERIFY(QString::fromStdString(decodeJoin(extra, 1, nullptr)).contains("more than it holds"));
        const auto whole = encodeJoin(process(1, 0, 1));
        for (size_t n = 0; n < whole.size(); ++n) {
            const std::vector<uint8_t> cut(whole.begin(), whole.begin() + static_cast<long>(n));
            QVERIFY2(!decodeJoin(cut, 1, nullptr).empty(), qPrintable(QString("%1 of %2 bytes accepted").arg(n).arg(whole.size())));
        }
    }

    void planRoundTrips() {
        PlanRecord read;
        bool from_rank0 = true;
        QCOMPARE(QString::fromStdString(decodePlan(encodePlan(plan3()), 3, &read, &from_rank0)), QString());
        QVERIFY(!from_rank0);
        QCOMPARE(read.processes.size(), size_t(3));
        QCOMPARE(read.processes[2].first_worker, 3);
        QCOMPARE(read.parameter_count, int64_t(12345));
        QCOMPARE(read.run_nonce, plan3().run_nonce);
        RunConfig config;
        config.workers = 7;
        QVERIFY(checkPlanWorkers(read, config).empty());
        config.workers = 8;
        QVERIFY(QString::fromStdString(checkPlanWorkers(read, config)).contains("add up to 7"));
        // Rank 0's error comes through as its own message.
        QCOMPARE(QString::fromStdString(decodePlan(encodeError("rank 2 did not join"), 3, nullptr, &from_rank0)), QString("rank 2 did not join"));
        QVERIFY(from_rank0);
    }

    // Ranges that would index another process's arrays out of bounds are refused.
    void planBounds() {
        auto check = [](PlanRecord plan, int world, const QString& expected) {
            const QString why = QString::fromStdString(decodePlan(encodePlan(plan), world, nullptr, nullptr));
            QVERIFY2(why.contains(expected), qPrintable(why + " (expected: " + expected + ")"));
        };
        check(plan3(), 4, "rank 0 runs with --world 3, this process with --world 4");
        auto gap = plan3();
        gap.processes[2].first_worker = 4;
        check(gap, 3, "starts rank 2's workers at 4");
        auto overlap = plan3();
        overlap.processes[1].first_worker = 0;
        check(overlap, 3, "starts rank 1's workers at 0");
        auto huge = plan3();
        huge.processes[1].workers = 100000;
        check(huge, 3, "allowed range: 1 to 64");
        auto none = plan3();
        none.processes[0].workers = 0;
        check(none, 3, "rank 0 has 0 workers");
        auto swapped = plan3();
        std::swap(swapped.processes[1].rank, swapped.processes[2].rank);
        check(swapped, 3, "lists rank 2 in place 1");
        auto no_model = plan3();
        no_model.parameter_count = 0;
        check(no_model, 3, "0 parameters");
        auto no_nonce = plan3();
        no_nonce.run_nonce = "";
        check(no_nonce, 3, "no run nonce of 32 hex digits");
        no_nonce.run_nonce = std::string(32, 'G');
        check(no_nonce, 3, "no run nonce of 32 hex digits");
        const auto extra = reseal(encodePlan(plan3()), "plan", [](auto& b) { b.push_back(1); });
        QVERIFY(QString::fromStdString(decodePlan(extra, 3, nullptr, nullptr)).contains("more than it holds"));
    }

    // A process given another token is refused, with a message that says so, on both sides.
    void theTokenIsChecked() {
        bool refused = false;
        const auto join = encodeJoin(process(1, 0, 2), "token-A");
        QVERIFY(decodeJoin(join, 1, nullptr, "token-A", &refused).empty());
        QVERIFY(!refused);
        const QString why = QString::fromStdString(decodeJoin(join, 1, nullptr, "token-B", &refused));
        QVERIFY(refused);
        QVERIFY2(why.contains("rank 1") && why.contains("token"), qPrintable(why));
        QVERIFY(!decodeJoin(join, 1, nullptr, "", &refused).empty() && refused);  // no token is another token
        // A record moved to another key is refused (the key is part of what is proved).
        QVERIFY(!decodeJoin(join, 2, nullptr, "token-A", &refused).empty() && refused);
        const auto plan = encodePlan(plan3(), "token-A");
        QVERIFY(decodePlan(plan, 3, nullptr, nullptr, "token-A").empty());
        QVERIFY(QString::fromStdString(decodePlan(plan, 3, nullptr, nullptr, "token-B")).contains("another token than rank 0's"));
        // Rank 0's own error is sealed too: a stranger cannot end the run for the others.
        QVERIFY(QString::fromStdString(decodePlan(encodeError("forged", "token-B"), 3, nullptr, nullptr, "token-A")).contains("token"));
        // One bit of the proof changed: refused.
        auto flipped = join;
        flipped.back() ^= 1;
        QVERIFY(!decodeJoin(flipped, 1, nullptr, "token-A", &refused).empty() && refused);
    }

    // Every truncation and a few thousand random records: an error or a plan in bounds, no crash.
    void anyBytesGiveAnAnswer() {
        const auto whole = encodePlan(plan3());
        for (size_t n = 0; n < whole.size(); ++n) {
            const std::vector<uint8_t> cut(whole.begin(), whole.begin() + static_cast<long>(n));
            QVERIFY2(!decodePlan(cut, 3, nullptr, nullptr).empty(), qPrintable(QString("%1 of %2 bytes accepted").arg(n).arg(whole.size())));
        }
        std::mt19937 random(15);
        int accepted = 0;
        for (int trial = 0; trial < 5000; ++trial) {
            const bool is_plan = trial % 2 == 1;
            std::vector<uint8_t> bytes = is_plan ? whole : encodeJoin(process(1, 0, 1));
            // Pure noise (refused by the proof), or a few bytes of a valid record's body flipped and
            // sealed again, as a process that knows the token could write it (reaches the parser).
            if (trial % 5 == 0) {
                bytes.assign(std::uniform_int_distribution<size_t>(0, 200)(random), 0);
                for (auto& b : bytes) b = static_cast<uint8_t>(random());
            } else {
                bytes = reseal(bytes, is_plan ? "plan" : "join/1", [&](std::vector<uint8_t>& body) {
                    for (int k = 0; k < 3; ++k)
                        body[std::uniform_int_distribution<size_t>(0, body.size() - 1)(random)] = static_cast<uint8_t>(random());
                });
            }
            PlanRecord plan;
            if (decodePlan(bytes, 3, &plan, nullptr).empty()) {
                ++accepted;
                int next = 0;
                for (const auto& p : plan.processes) {
                    QVERIFY(p.workers >= 1 && p.workers <= 64 && p.first_worker == next);
                    next += p.workers;
                }
            }
            ProcessInfo p;
            if (decodeJoin(bytes, 1, &p).empty()) QVERIFY(p.rank == 1 && p.workers >= 1 && p.workers <= 64);
        }
        qInfo("%d of 5000 altered plan records still read as a plan in bounds (flips in names or the pid)", accepted);
    }

    // The telemetry record (ranks > 0 -> rank 0): what was sent is what is read, the waiting time
    // included (it was not carried before: rank 0 recorded 0 for other ranks' workers).
    void eventsRecordRoundTrips() {
        const auto bytes = encodeEvents(events());
        EventsRecord back;
        QCOMPARE(QString::fromStdString(decodeEvents(bytes.data(), bytes.size(), &back)), QString());
        QCOMPARE(back.q, 0.5);
        QCOMPARE(back.held, 0.375);
        QCOMPARE(back.workers.size(), size_t(2));
        QCOMPARE(back.workers[1].index, 3);
        QVERIFY(back.workers[1].done && !back.workers[0].done);
        QCOMPARE(back.workers[0].wait_ns, int64_t(123456));
        QCOMPARE(back.workers[0].phase_ns[7], int64_t(8000));
        QCOMPARE(back.samples.size(), size_t(3));
        QCOMPARE(back.samples[1].wait_per_iteration_s, 0.002);
        QVERIFY(std::isnan(back.samples[2].loss));
        QCOMPARE(back.messages, (std::vector<std::string>{"worker 3 diverged", ""}));
        QCOMPARE(encodeEvents(back), bytes);
    }

    void eventsRecordBounds_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        auto row = [](const char* name, const std::vector<uint8_t>& b, const char* expected) {
            QTest::newRow(name) << QByteArray(reinterpret_cast<const char*>(b.data()), static_cast<int>(b.size())) << QString(expected);
        };
        row("q NaN", eventsWith([](EventsRecord& r) { r.q = std::nan(""); }), "alpha nan (allowed: 0 to 1)");
        row("q 2", eventsWith([](EventsRecord& r) { r.q = 2.0; }), "(allowed: 0 to 1)");
        row("held negative", eventsWith([](EventsRecord& r) { r.held = -0.5; }), "(allowed: 0 to 1)");
        row("65 workers", eventsWith([](EventsRecord& r) { r.workers.resize(65); }), "65 workers (allowed: 0 to 64)");
        row("alpha 1.5", eventsWith([](EventsRecord& r) { r.workers[0].alpha = 1.5; }), "worker 2 reported alpha");
        row("negative images", eventsWith([](EventsRecord& r) { r.workers[1].images = -1; }), "worker 3 reported a negative counter");
        row("negative wait", eventsWith([](EventsRecord& r) { r.workers[1].wait_ns = -5; }), "negative counter");
        row("negative phase", eventsWith([](EventsRecord& r) { r.workers[0].phase_ns[3] = -1; }), "negative phase time");
        row("sample alpha -1", eventsWith([](EventsRecord& r) { r.samples[0].alpha = -1.0; }), "a sample of worker 2 has alpha");
        row("sample time NaN", eventsWith([](EventsRecord& r) { r.samples[0].at.wall_s = std::nan(""); }), "has the time");
        row("sample wait negative", eventsWith([](EventsRecord& r) { r.samples[1].wait_per_iteration_s = -1.0; }), "negative distance or waiting time");
        row("401 samples", eventsWith([](EventsRecord& r) { r.samples.resize(401); }), "401 samples (allowed: 0 to 400)");
        row("11 messages", eventsWith([](EventsRecord& r) { r.messages.resize(11); }), "11 messages (allowed: 0 to 10)");
        row("long message", eventsWith([](EventsRecord& r) { r.messages[0] = std::string(1001, 'x'); }), "a message of 1001 bytes");
        auto done2 = encodeEvents(events());
        done2[8 + 8 + 4 + 4 + 4 * 8 + 3 * 8] = 2;  // worker 0's done flag
        row("done flag 2", done2, "done flag of 2");
        auto trailing = encodeEvents(events());
        trailing.push_back(0);
        row("a byte too many", trailing, "more than it holds");
    }
    void eventsRecordBounds() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        EventsRecord out;
        out.q = 0.123;
        const QString answer = QString::fromStdString(
            decodeEvents(reinterpret_cast<const uint8_t*>(bytes.constData()), static_cast<size_t>(bytes.size()), &out));
        QVERIFY2(answer.contains(expected), qPrintable(answer));
        QCOMPARE(out.q, 0.123);  // nothing of a refused record is handed out
    }

    void everyTruncatedOrAlteredEventsRecordGivesAnAnswer() {
        const auto whole = encodeEvents(events());
        for (size_t n = 0; n < whole.size(); ++n)
            QVERIFY2(!decodeEvents(whole.data(), n, nullptr).empty(), qPrintable(QString("%1 of %2 bytes accepted").arg(n).arg(whole.size())));
        std::mt19937 random(16);
        int accepted = 0;
        for (int trial = 0; trial < 5000; ++trial) {
            std::vector<uint8_t> bytes = whole;
            for (int k = 0; k < 3; ++k)
                bytes[std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(random)] = static_cast<uint8_t>(random());
            EventsRecord r;
            if (!decodeEvents(bytes.data(), bytes.size(), &r).empty()) continue;
            ++accepted;
            QVERIFY(r.q >= -1e-9 && r.q <= 1 + 1e-9 && r.workers.size() <= 64 && r.samples.size() <= 400);
            QCOMPARE(encodeEvents(r), bytes);
        }
        qInfo("%d of 5000 altered telemetry records still read as a record in bounds", accepted);
    }

    // Every message type: a well-formed one passes checkMessage, and each way of breaking it is
    // refused with a sentence naming what is wrong (its sender is then declared lost).
    void wellFormedMessagesPass() {
        const MessageContext zero = context(0), one = context(1);
        QCOMPARE(QString::fromStdString(checkMessage(exchange(), 1, zero)), QString());
        WireHeader sgp = exchange();
        sgp.b = 3;  // step 3 of worker 2 with M = 5: L = 3 shifts, 2^(3 mod 3) = 1 ahead: worker 3
        sgp.worker = static_cast<int32_t>(sgpPeer(2, 3, 5));
        QCOMPARE(sgp.worker, 3);
        sgp.sender = 1;
        QCOMPARE(QString::fromStdString(checkMessage(sgp, 1, context(1, Algorithm::Sgp))), QString());
        WireHeader center = header(MessageType::ElasticRequest, 1);
        center.worker = 2;
        center.a = -1;
        center.payload_bytes = 400;
        QCOMPARE(QString::fromStdString(checkMessage(center, 1, context(0, Algorithm::Easgd))), QString());
        WireHeader pair = center;  // AD-PSGD: worker 2 (even, rank 1) averages with worker 1 (odd, rank 0)
        pair.a = 1;
        QCOMPARE(QString::fromStdString(checkMessage(pair, 1, context(0, Algorithm::AdPsgd))), QString());
        WireHeader snapshot = header(MessageType::FinalWorker, 2);
        snapshot.worker = 4;
        snapshot.value = std::nan("");  // an algorithm without sum weights
        snapshot.a = 10;
        snapshot.b = 320;
        snapshot.payload_bytes = 400;
        QCOMPARE(QString::fromStdString(checkMessage(snapshot, 2, zero)), QString());
        WireHeader setting = header(MessageType::Setting, 0);
        setting.a = 1;
        setting.value = 0.01;
        QCOMPARE(QString::fromStdString(checkMessage(setting, 0, one)), QString());
        for (MessageType t : {MessageType::Events, MessageType::Final})
            QCOMPARE(QString::fromStdString(checkMessage(header(t, 2), 2, zero)), QString());
        WireHeader stop = header(MessageType::Stop, 2);
        stop.a = static_cast<int64_t>(RunStatus::Stopped);
        QCOMPARE(QString::fromStdString(checkMessage(stop, 2, one)), QString());
        WireHeader bye = header(MessageType::Bye, 2);
        bye.a = 3;
        bye.value = 0.1;
        QCOMPARE(QString::fromStdString(checkMessage(bye, 2, one)), QString());
        QCOMPARE(QString::fromStdString(checkMessage(header(MessageType::End, 0), 0, one)), QString());
        QCOMPARE(QString::fromStdString(checkMessage(header(MessageType::SnapshotRequest, 0), 0, one)), QString());
    }

    void malformedMessagesAreRefusedWithTheReason_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("src");
        QTest::addColumn<int>("receiver");
        QTest::addColumn<int>("algorithm");
        QTest::addColumn<QString>("expected");
        auto row = [](const char* name, WireHeader h, int src, int receiver, Algorithm a, const char* expected) {
            QTest::newRow(name) << QByteArray(reinterpret_cast<const char*>(&h), sizeof h) << src << receiver << int(a) << QString(expected);
        };
        const auto go = Algorithm::GoSgd;
        WireHeader h = exchange();
        h.magic = 0;
        row("bad magic", h, 1, 0, go, "does not understand");
        h = exchange();
        h.version = 3;
        row("old protocol", h, 1, 0, go, "protocol version 3; this is 5");
        h = exchange();
        h.sender = 2;
        row("signed by another rank", h, 1, 0, go, "signed by rank 2");
        h = exchange();
        h.payload_bytes = 1 << 20;
        row("payload over the bound", h, 1, 0, go, "at most 65536");
        h = exchange();
        h.payload_bytes = 396;
        row("short exchange", h, 1, 0, go, "an exchange of 396 bytes (a model is 400)");
        for (double alpha : {0.0, -0.5, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
            h = exchange();
            h.value = alpha;
            row(qPrintable(QString("exchange alpha %1").arg(alpha)), h, 1, 0, go, "(allowed: above 0, at most 1)");
        }
        h = exchange();
        h.a = 0;
        row("exchange for another rank's worker", h, 1, 0, go, "from worker 0, which it does not run");
        h = exchange();
        h.b = 7;
        row("GoSGD exchange with a step", h, 1, 0, go, "GoSGD's are untagged");
        h = exchange();
        h.worker = 2;
        h.sender = 1;
        row("exchange to itself", h, 1, 1, go, "to itself");
        h = exchange();
        h.b = 3;
        h.worker = 4;
        row("SGP push off the graph", h, 1, 2, Algorithm::Sgp, "that step pushes to worker 3");
        h = exchange();
        row("exchange in an all-reduce run", h, 1, 0, Algorithm::AllReduce, "which allreduce does not make");
        h = header(MessageType::ElasticRequest, 1);
        h.worker = 2;
        h.a = -1;
        h.payload_bytes = 400;
        row("center asked of rank 1", h, 2, 1, Algorithm::Easgd, "signed by rank 1");
        h.sender = 2;
        h.worker = 4;
        row("center asked of a rank without one", h, 2, 1, Algorithm::Easgd, "does not hold");
        h = header(MessageType::ElasticRequest, 1);
        h.worker = 3;
        h.a = 1;
        h.payload_bytes = 400;
        row("AD-PSGD: an odd worker starts an average", h, 1, 0, Algorithm::AdPsgd, "pairs an even worker with an odd one");
        h.worker = 2;
        h.a = 0;
        row("AD-PSGD: an even target", h, 1, 0, Algorithm::AdPsgd, "pairs an even worker with an odd one");
        h.a = 1;
        h.payload_bytes = 0;
        row("AD-PSGD: no model", h, 1, 0, Algorithm::AdPsgd, "an elastic request of 0 bytes");
        h = header(MessageType::ElasticReply, 0);
        row("reply on the message tag", h, 0, 1, Algorithm::Easgd, "outside a round trip");
        row("report to rank 1", header(MessageType::Events, 2), 2, 1, go, "only ranks above 0 send, to rank 0");
        h = header(MessageType::Snapshot, 2);
        h.worker = 2;
        h.payload_bytes = 400;
        row("weights of another rank's worker", h, 2, 0, go, "the weights of worker 2, which it does not run");
        h.worker = 4;
        h.value = 2.0;
        row("weights with alpha 2", h, 2, 0, go, "alpha 2 (allowed: 0 to 1)");
        h = header(MessageType::FinalWorker, 2);
        h.worker = 4;
        h.payload_bytes = 400;
        h.a = -3;
        row("final state with negative iterations", h, 2, 0, go, "-3 iterations");
        h = header(MessageType::Setting, 2);
        h.a = 0;
        h.value = 0.5;
        row("setting from rank 2", h, 2, 1, go, "only rank 0 may send");
        h.sender = 0;
        h.value = std::nan("");
        row("p = NaN", h, 0, 1, go, "p = nan");
        h.a = 1;
        h.value = 1e9;
        row("learning rate 1e9", h, 0, 1, go, "learning-rate = 1e+09");
        h = header(MessageType::Stop, 2);
        h.a = 0;
        row("stop with status running", h, 2, 0, go, "unknown run status 0");
        h.a = 99;
        row("stop with status 99", h, 2, 0, go, "unknown run status 99");
        h = header(MessageType::Bye, 2);
        h.value = -1;
        row("Bye with negative alpha", h, 2, 0, go, "a Bye with 0 exchanges and alpha -1");
        row("end from rank 2", header(MessageType::End, 2), 2, 1, go, "only rank 0 may send");
        row("snapshot request from rank 1", header(MessageType::SnapshotRequest, 1), 1, 2, go, "only rank 0 sends");
        h = header(MessageType::End, 0);
        h.type = 77;
        row("unknown type", h, 0, 1, go, "unknown type 77");
    }
    // Every message carries the run token's proof (message_auth.h): what a process that does not
    // hold the token, or bytes changed on the way, or a message played twice gets.
    void messagesCarryTheRunTokensProof() {
        const std::string nonce = plan3().run_nonce;
        const MessageAuth auth("token-A", nonce);
        WireHeader h = exchange();
        h.payload_bytes = 4000;
        std::vector<uint8_t> sealed(sizeof h + h.payload_bytes + 64);  // a receive buffer is larger than the message
        std::memcpy(sealed.data(), &h, sizeof h);
        for (size_t i = sizeof h; i < sizeof h + h.payload_bytes; ++i) sealed[i] = static_cast<uint8_t>(i * 7);
        auth.seal(sealed.data(), 0, Channel::Messages, 41);
        auto answer = [&](const MessageAuth& a, const std::vector<uint8_t>& bytes, int receiver, Channel channel, uint64_t counter) {
            return QString::fromStdString(a.check(bytes.data(), bytes.size(), receiver, channel, counter));
        };
        QCOMPARE(answer(auth, sealed, 0, Channel::Messages, 41), QString());
        QCOMPARE(answer(auth, sealed, 0, Channel::Messages, MessageAuth::kAnyCounter), QString());
        QCOMPARE(readHeader(sealed.data()).counter, uint64_t(41));
        // The bytes after the message (the rest of the receive buffer) are not part of it.
        auto tail = sealed;
        tail.back() ^= 1;
        QCOMPARE(answer(auth, tail, 0, Channel::Messages, 41), QString());

        QVERIFY(answer(MessageAuth("token-B", nonce), sealed, 0, Channel::Messages, 41).contains("without this run's proof"));
        QVERIFY(answer(MessageAuth("token-A", std::string(32, 'f')), sealed, 0, Channel::Messages, 41).contains("without this run's proof"));
        QVERIFY(answer(auth, sealed, 0, Channel::Messages, 42).contains("message number 41 where number 42 was next"));
        QVERIFY(answer(auth, sealed, 2, Channel::Messages, 41).contains("sealed for rank 0"));
        QVERIFY(answer(auth, sealed, 0, Channel::Replies, MessageAuth::kAnyCounter).contains("on channel 0"));
        // Any one byte of the message changed: the header's (value, worker, payload size, the
        // proof fields) or the payload's.
        for (size_t at : {size_t(16), offsetof(WireHeader, value), offsetof(WireHeader, payload_bytes), offsetof(WireHeader, mac),
                          offsetof(WireHeader, mac) + 15, sizeof h, sizeof h + 1234, sizeof h + 3999}) {
            auto changed = sealed;
            changed[at] ^= 0x20;
            QVERIFY2(!answer(auth, changed, 0, Channel::Messages, MessageAuth::kAnyCounter).isEmpty(), qPrintable(QString::number(at)));
        }
        // A message cut short, or a header that says it is longer than what came.
        std::vector<uint8_t> cut(sealed.begin(), sealed.begin() + static_cast<long>(sizeof h + 100));
        QVERIFY(answer(auth, cut, 0, Channel::Messages, 41).contains("more than arrived"));
        cut.resize(sizeof h - 1);
        QVERIFY(answer(auth, cut, 0, Channel::Messages, 41).contains("shorter than a header"));
        // Another protocol version is not read further.
        auto old = sealed;
        const uint16_t version4 = 4;
        std::memcpy(old.data() + offsetof(WireHeader, version), &version4, sizeof version4);
        QVERIFY(answer(auth, old, 0, Channel::Messages, 41).contains("does not understand"));
    }

    void malformedMessagesAreRefusedWithTheReason() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, src);
        QFETCH(int, receiver);
        QFETCH(int, algorithm);
        QFETCH(QString, expected);
        WireHeader h;
        std::memcpy(&h, bytes.constData(), sizeof h);
        const QString answer = QString::fromStdString(checkMessage(h, src, context(receiver, Algorithm(algorithm))));
        QVERIFY2(answer.contains(expected), qPrintable(answer));
    }
};

QTEST_GUILESS_MAIN(TestDistRecords)
#include "test_dist_records.moc"
