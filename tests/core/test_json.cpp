// The settings files' JSON reader (core/common/json.h) on its own: strict JSON only (bare words,
// malformed numbers, unknown escapes and raw control characters are refused with the offset),
// \u escapes to UTF-8 with surrogate pairs (no raw string literals here: Qt 6.4's moc skips the class), duplicate keys refused, nesting bounded, and what
// quote() writes reads back.
#include <QtTest>

#include "core/common/json.h"

using namespace gossiplab;

namespace {

std::string parseError(const std::string& text) {
    std::string error;
    const auto pairs = json::parseFlattened(text, &error);
    return pairs ? std::string() : error;
}

std::string valueOf(const std::string& text, const std::string& key) {
    std::string error;
    const auto object = json::parseFlatObject(text, &error);
    if (!object) return "error: " + error;
    const auto it = object->find(key);
    return it == object->end() ? "missing" : it->second;
}

}  // namespace

class TestJson : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsValuesFlattened() {
        const std::string text = "{\"name\": \"x\", \"base\": {\"workers\": 2, \"lr\": -1.5e-3, \"on\": true, \"none\": null},\n                                     \"grid\": {\"p\": [0, 0.02, 1]}}";
        QCOMPARE(valueOf(text, "name"), std::string("x"));
        QCOMPARE(valueOf(text, "base.workers"), std::string("2"));
        QCOMPARE(valueOf(text, "base.lr"), std::string("-1.5e-3"));
        QCOMPARE(valueOf(text, "base.on"), std::string("true"));
        QCOMPARE(valueOf(text, "base.none"), std::string());
        QCOMPARE(valueOf(text, "grid.p"), std::string("0,0.02,1"));
    }

    void refusesWhatIsNotJson() {
        for (const char* bad : {"{\"name\": hello, \"workers\": 2}", "{\"a\": 1.}", "{\"a\": +1}", "{\"a\": 01}",
                                "{\"a\": 0x10}", "{\"a\": NaN}", "{\"a\": .5}", "{\"a\": 1e}", "{\"a\": True}",
                                "{\"a\": \"\\q\"}", "{\"a\": \"tab\there\"}", "{\"a\": 1,}", "{\"a\" 1}", "{\"a\": 1} x",
                                "{\"a\": [1, [2]]}", "{\"a\": \"open"}) {
            const std::string error = parseError(bad);
            QVERIFY2(!error.empty(), bad);
            QVERIFY2(error.find("at offset") != std::string::npos, error.c_str());
        }
        QVERIFY(parseError("{\"name\": hello}").find("'hello' is not a JSON value") != std::string::npos);
    }

    void unicodeEscapesBecomeUtf8() {
        QCOMPARE(valueOf("{\"s\": \"caf\\u00e9\"}", "s"), std::string("caf\xC3\xA9"));
        QCOMPARE(valueOf("{\"s\": \"\\u20ac\"}", "s"), std::string("\xE2\x82\xAC"));
        // An emoji outside the BMP: one four-byte character, not two three-byte halves (ED A0 BD ...).
        QCOMPARE(valueOf("{\"s\": \"\\ud83d\\ude00\"}", "s"), std::string("\xF0\x9F\x98\x80"));
        QCOMPARE(valueOf("{\"s\": \"a\\\"b\\\\c\\/d\\n\"}", "s"), std::string("a\"b\\c/d\n"));
        for (const char* lone : {"{\"s\": \"\\ud83d\"}", "{\"s\": \"\\ud83dx\"}", "{\"s\": \"\\ude00\"}", "{\"s\": \"\\ud83d\\u0041\"}",
                                 "{\"s\": \"\\u12\"}", "{\"s\": \"\\uzzzz\"}"})
            QVERIFY2(!parseError(lone).empty(), lone);
    }

    void duplicateKeysAndDepth() {
        QVERIFY(parseError("{\"a\": 1, \"a\": 2}").find("given twice") != std::string::npos);
        QVERIFY(parseError("{\"b\": {\"a\": 1}, \"b.a\": 2}").find("given twice") != std::string::npos);
        std::string deep;
        for (int k = 0; k < 40; ++k) deep += "{\"k\": ";
        deep += "1";
        for (int k = 0; k < 40; ++k) deep += "}";
        QVERIFY(parseError(deep).find("nested deeper") != std::string::npos);
        std::string fine;
        for (int k = 0; k < 10; ++k) fine += "{\"k\": ";
        fine += "1";
        for (int k = 0; k < 10; ++k) fine += "}";
        QVERIFY(parseError(fine).empty());
    }

    void invalidUtf8() {
        // Raw bytes that are not UTF-8 inside a string are refused on reading ...
        QVERIFY(!parseError("{\"s\": \"caf\xE9\"}").empty());
        QVERIFY(!parseError("{\"s\": \"\xED\xA0\xBD\"}").empty());  // a surrogate half written as bytes
        // ... and written as U+FFFD, so that what GossipLab writes is always valid JSON.
        QCOMPARE(valueOf("{\"s\": " + json::quote("caf\xE9") + "}", "s"), std::string("caf\xEF\xBF\xBD"));
    }

    void quotedTextReadsBack() {
        const std::string text = std::string("tab\t, quote \", backslash \\, bell \x07, euro \xE2\x82\xAC, emoji \xF0\x9F\x98\x80");
        QCOMPARE(valueOf("{\"s\": " + json::quote(text) + "}", "s"), text);
    }
};

QTEST_GUILESS_MAIN(TestJson)
#include "test_json.moc"
