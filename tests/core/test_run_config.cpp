// RunConfig's one validation: every bad value is named with its range, all at once; the config
// round-trips through its JSON form; presets are valid.
#include <QtTest>

#include <cmath>
#include <set>

#include "core/train/run_config.h"
#include "core/train/run_settings.h"

using namespace gossiplab;

namespace {
const ConfigError* find(const std::vector<ConfigError>& errors, const std::string& field) {
    for (const auto& e : errors)
        if (e.field == field) return &e;
    return nullptr;
}
}  // namespace

class TestRunConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreValid() { QVERIFY(validate(RunConfig{}).empty()); }

    void presetsAreValid() {
        for (const auto& name : presetNames()) {
            auto preset = presetByName(name);
            QVERIFY2(preset.has_value(), name.c_str());
            QVERIFY2(validate(*preset).empty(), (name + ": " + formatErrors(validate(*preset))).c_str());
        }
        QCOMPARE(paperPreset().workers, 8);
        QCOMPARE(paperPreset().batch_size, 128);
        QCOMPARE(paperPreset().learning_rate, 0.01);
        QCOMPARE(paperPreset().weight_decay, 1e-4);
        QVERIFY(!presetByName("nope"));
    }

    void eachBadValueNamesFieldAndRange_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expected");
        QTest::newRow("workers") << "workers" << "1 to 64";
        QTest::newRow("p") << "p" << "0 to 1";
        QTest::newRow("learning-rate") << "learning-rate" << "greater than 0";
        QTest::newRow("momentum") << "momentum" << "0 to 1";
        QTest::newRow("weight-decay") << "weight-decay" << "0 to 1";
        QTest::newRow("batch-size") << "batch-size" << "1 to 65536";
        QTest::newRow("easgd-alpha") << "easgd-alpha" << "at most 1";
        QTest::newRow("easgd-tau") << "easgd-tau" << "1 to 1000000";
        QTest::newRow("epochs") << "epochs" << "greater than 0";
        QTest::newRow("devices") << "devices" << "cuda:0,cuda:1";
        QTest::newRow("dataset") << "dataset" << "fashion-mnist";
        QTest::newRow("model") << "model" << "lenet";
        QTest::newRow("metrics-every") << "metrics-every" << "1 to 100000";
        QTest::newRow("distance-every") << "distance-every" << "1 to 1000000";
        QTest::newRow("threads") << "threads" << "0 to 256 (0: automatic)";
        QTest::newRow("init-noise") << "init-noise" << "0 to 10";
    }
    void eachBadValueNamesFieldAndRange() {
        QFETCH(QString, field);
        QFETCH(QString, expected);
        RunConfig c;
        const std::string f = field.toStdString();
        if (f == "workers") c.workers = 65;
        if (f == "p") c.p = 1.5;
        if (f == "learning-rate") c.learning_rate = -0.1;
        if (f == "momentum") c.momentum = 1.0;
        if (f == "weight-decay") c.weight_decay = -1;
        if (f == "batch-size") c.batch_size = 0;
        if (f == "easgd-alpha") c.easgd_alpha = 2.0;
        if (f == "easgd-tau") c.easgd_tau = -3;
        if (f == "epochs") c.budget = 0;
        if (f == "devices") c.devices = "gpu7";
        if (f == "dataset") c.dataset = "imagenet";
        if (f == "model") c.model = "resnet";
        if (f == "metrics-every") c.metrics_every = 0;
        if (f == "distance-every") c.distance_every = 0;
        if (f == "threads") c.intra_op_threads = 999;
        if (f == "init-noise") c.init_noise = std::nan("");
        const auto errors = validate(c);
        QCOMPARE(errors.size(), size_t(1));
        QCOMPARE(QString::fromStdString(errors[0].field), field);
        QVERIFY2(QString::fromStdString(errors[0].message).contains(expected), errors[0].message.c_str());
    }

    void allViolationsAtOnce() {
        RunConfig c;
        c.workers = 0;
        c.p = -1;
        c.learning_rate = 0;
        c.batch_size = -5;
        const auto errors = validate(c);
        QCOMPARE(errors.size(), size_t(4));
        QVERIFY(find(errors, "workers"));
        QVERIFY(find(errors, "p"));
        QVERIFY(find(errors, "learning-rate"));
        QVERIFY(find(errors, "batch-size"));
        QVERIFY(QString::fromStdString(find(errors, "p")->message).contains("-1"));
    }

    void zeroLearningRateNeedsOptIn() {
        RunConfig c;
        c.learning_rate = 0;
        QVERIFY(find(validate(c), "learning-rate"));
        c.allow_zero_learning_rate = true;
        QVERIFY(validate(c).empty());
    }

    void algorithmSpecificRules() {
        RunConfig c;
        c.algorithm = Algorithm::Easgd;
        c.p = 0;
        QVERIFY(find(validate(c), "easgd-tau"));  // tau = round(1/p) is undefined
        c.easgd_tau = 10;
        QVERIFY(validate(c).empty());
        c.test_model = TestModel::AlphaWeighted;
        QVERIFY(find(validate(c), "test-model"));
        c.algorithm = Algorithm::GoSgd;
        c.test_model = TestModel::Center;
        QVERIFY(find(validate(c), "test-model"));
    }

    void easgdDefaults() {
        RunConfig c;
        c.workers = 8;
        c.p = 0.02;
        QCOMPARE(c.effectiveEasgdAlpha(), 0.9 / 8);
        QCOMPARE(c.effectiveEasgdTau(), 50);
        c.easgd_tau = 7;
        QCOMPARE(c.effectiveEasgdTau(), 7);
    }

    void schedules() {
        std::string error;
        auto steps = parseSchedule("0:0.02,30000:1", &error);
        QVERIFY(steps);
        QCOMPARE(steps->size(), size_t(2));
        QCOMPARE((*steps)[1].at_images_per_worker, int64_t(30000));
        QCOMPARE((*steps)[1].value, 1.0);
        QVERIFY(!parseSchedule("0:0.02,abc", &error));
        QVERIFY(!error.empty());
        RunConfig c;
        c.p_schedule = {{100, 0.5}, {50, 0.1}};
        QVERIFY(find(validate(c), "p-schedule"));
        c.p_schedule = {{0, 0.5}, {50, 3.0}};
        QVERIFY(QString::fromStdString(find(validate(c), "p-schedule")->message).contains("0 to 1"));
    }

    void jsonRoundTrip() {
        RunConfig c = paperPreset();
        c.name = "quote \" comma , newline \n unicode \u00e9\u03b1";
        c.p_schedule = {{0, 0.02}, {30000, 1.0}};
        c.seed = 18446744073709551615ull;
        std::vector<ConfigError> errors;
        auto back = fromJson(toJson(c), &errors);
        QVERIFY2(back.has_value(), formatErrors(errors).c_str());
        QCOMPARE(toKeyValues(*back), toKeyValues(c));
    }

    // Found by fuzz/fuzz_json: a learning rate written -0e-2 was kept as -0, written back as the
    // literal -0, which a JSON reader takes for the integer 0: the file did not read back as written.
    void negativeZeroReadsBackAsZero() {
        std::vector<ConfigError> errors;
        auto c = fromJson("{\"learning-rate\": -0e-2, \"momentum\": -0.0}", &errors);
        QVERIFY2(c.has_value(), formatErrors(errors).c_str());
        QVERIFY(!std::signbit(c->learning_rate));
        QCOMPARE(toKeyValues(*c).at("learning-rate"), std::string("0"));
        auto back = fromJson(toJson(*c), &errors);
        QVERIFY2(back.has_value(), formatErrors(errors).c_str());
        QCOMPARE(toKeyValues(*back), toKeyValues(*c));
    }

    void badJsonIsReported() {
        std::vector<ConfigError> errors;
        QVERIFY(!fromJson("{\"workers\": ", &errors));
        QVERIFY(!errors.empty());
        errors.clear();
        QVERIFY(!fromJson("{\"wrokers\": 3}", &errors));
        QCOMPARE(QString::fromStdString(errors.at(0).field), QString("wrokers"));
    }

    // The table of settings: every stored setting is in the key/value form and back, every
    // bounded number outside its range is refused naming its key and the range, every flag has
    // what --help needs. A setting added to the table is covered by these without a new test.
    // Found by fuzz/fuzz_schedule: trailing junk after a NUL, empty steps and overflowing image
    // counts were taken; values were written with 10 digits and did not read back.
    void schedulesAreReadStrictlyAndWrittenExactly() {
        std::string error;
        for (const std::string& bad : {std::string("0:0.5,"), std::string(",0:0.5"), std::string("0:0.5,,10:1"),
                                      std::string("0:0.5\0junk", 10), std::string("99999999999999999999:1")})
            QVERIFY2(!parseSchedule(bad, &error), bad.c_str());
        const auto steps = parseSchedule("0:0.1234567890123,5:1e-7", &error);
        QVERIFY(steps);
        QCOMPARE(formatSchedule(*steps), std::string("0:0.1234567890123,5:1e-07"));
        QCOMPARE(parseSchedule(formatSchedule(*steps), &error)->front().value, 0.1234567890123);
    }

    void settingsTableCoversTheStoredForm() {
        std::set<std::string> stored;
        for (const RunSetting& s : runSettings()) {
            QVERIFY2(findRunSetting(s.key) == &s, s.key.c_str());
            if (s.stored) stored.insert(s.key);
            if (s.flag) QVERIFY2(!s.help.empty() && (s.kind == SettingKind::Switch || !s.metavar.empty()), s.key.c_str());
            if (s.kind == SettingKind::Choice) QVERIFY2(!s.choices.empty(), s.key.c_str());
        }
        std::set<std::string> keys;
        for (const auto& [key, value] : toKeyValues(RunConfig{})) keys.insert(key);
        QCOMPARE(keys, stored);
    }

    void everySettingRoundTrips() {
        RunConfig c = paperPreset();
        c.name = "a \"quoted\" name, with commas";
        c.algorithm = Algorithm::Easgd;
        c.easgd_tau = 7;
        c.local_steps = 12;
        c.sgp_delay = 3;
        c.seed = 18446744073709551615ull;
        c.budget_kind = BudgetKind::Seconds;
        c.budget = 12.5;
        c.devices = "cuda:0,cuda:1";
        c.test_model = TestModel::Center;
        c.eval_max_images = 123;
        c.metrics_every = 3;
        c.distance_every = 9;
        c.data_dir = "/tmp/d";
        c.intra_op_threads = 2;
        c.init_noise = 0.25;
        c.p_schedule = {{0, 0.5}, {100, 1.0}};
        c.lr_schedule = {{10, 0.001}};
        c.allow_zero_learning_rate = true;
        std::vector<ConfigError> errors;
        const RunConfig back = fromKeyValues(toKeyValues(c), &errors);
        QVERIFY(errors.empty());
        QCOMPARE(toKeyValues(back), toKeyValues(c));
        const auto from_json = fromJson(toJson(c), &errors);
        QVERIFY(from_json && errors.empty());
        QCOMPARE(toKeyValues(*from_json), toKeyValues(c));
        // Each stored setting differs from its default here, so a setting the key/value form
        // forgot would show as a difference above.
        const auto defaults = toKeyValues(RunConfig{});
        for (const auto& [key, value] : toKeyValues(c))
            if (key != "budget-kind" && key != "momentum" && key != "easgd-alpha" && key != "learning-rate" && key != "workers" &&
                key != "batch-size" && key != "p" && key != "weight-decay" && key != "dataset" && key != "model" &&
                key != "eval-every")
                QVERIFY2(defaults.at(key) != value, key.c_str());
    }

    void everyBoundIsEnforcedByValidate() {
        for (const RunSetting& s : runSettings()) {
            if (!s.bounds) continue;
            for (const double outside : {s.bounds->low - 1.0, s.bounds->high + 1.0, s.bounds->low_excluded ? s.bounds->low : -1e300,
                                         s.bounds->high_excluded ? s.bounds->high : 1e300}) {
                if (outside == -1e300 || outside == 1e300) continue;
                RunConfig c;
                std::string text = std::to_string(outside);
                if (s.kind == SettingKind::Whole) text = std::to_string(static_cast<long long>(outside));
                if (s.set(c, text)) continue;  // does not fit the member's type: refused on reading already
                const auto errors = validate(c);
                bool named = false;
                for (const auto& e : errors) named = named || (e.field == s.key && e.message.find(s.range) != std::string::npos);
                QVERIFY2(named, (s.key + " = " + text + ": " + formatErrors(errors)).c_str());
            }
        }
    }

    void unparsableValuesSayWhatIsExpected() {
        std::vector<ConfigError> errors;
        fromKeyValues({{"workers", "four"}, {"p", "1/2"}, {"seed", "-1"}, {"algorithm", "adam"}, {"colour", "red"}}, &errors);
        QCOMPARE(errors.size(), size_t(5));
        const std::string all = formatErrors(errors);
        QVERIFY2(all.find("workers is 'four'; expected a whole number") != std::string::npos, all.c_str());
        QVERIFY2(all.find("p is '1/2'; expected a number") != std::string::npos, all.c_str());
        QVERIFY2(all.find("seed is '-1'; expected a whole number, 0 or more") != std::string::npos, all.c_str());
        QVERIFY2(all.find("algorithm is 'adam'; expected one of gosgd, easgd, naive") != std::string::npos, all.c_str());
        QVERIFY2(all.find("unknown setting 'colour'") != std::string::npos, all.c_str());
        // An integer that does not fit is not wrapped into range.
        fromKeyValues({{"workers", "4294967300"}}, &errors);
        QVERIFY(errors.back().message.find("expected a whole number") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestRunConfig)
#include "test_run_config.moc"
