// Every gossiplab-cli subcommand parses its command line the same way (CLI11 underneath):
// --flag VALUE and --flag=VALUE alike, the same words for an unknown flag and a missing value;
// `run`'s flags come from the run settings table and every value's error names the setting and
// its range. In-process: parseRunFlags and the commands themselves, on a real history file.
#include <QtTest>

#include <unistd.h>

#include <cstdio>

#include "core/cli/command_line.h"
#include "core/cli/history_commands.h"
#include "core/cli/run_flags.h"
#include "core/cli/sweep_command.h"
#include "core/train/run_settings.h"

using namespace gossiplab;
using namespace gossiplab::cli;

namespace {

std::string errorsOf(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& e : parseRunFlags(args).errors) out += e.field + ": " + e.message + "\n";
    return out;
}

// Runs a command with stderr captured (the commands print their errors there).
struct Captured {
    int code = 0;
    std::string err;
};
Captured capture(int (*command)(const std::vector<std::string>&), const std::vector<std::string>& args) {
    std::fflush(stderr);
    FILE* file = std::tmpfile();
    const int saved = dup(fileno(stderr));
    dup2(fileno(file), fileno(stderr));
    Captured out;
    out.code = command(args);
    std::fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    std::rewind(file);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.err.append(buffer, n);
    std::fclose(file);
    return out;
}

}  // namespace

class TestCliParsing : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string db() const { return dir_.filePath("history.sqlite3").toStdString(); }

private Q_SLOTS:
    void bothFormsOfAValue() {
        const auto spaced = parseRunFlags({"--workers", "3", "--lr", "0.1", "--seconds", "5"});
        const auto joined = parseRunFlags({"--workers=3", "--lr=0.1", "--seconds=5"});
        QVERIFY(spaced.errors.empty() && joined.errors.empty());
        QCOMPARE(toKeyValues(spaced.flags.config), toKeyValues(joined.flags.config));
        QCOMPARE(joined.flags.config.workers, 3);
        QCOMPARE(joined.flags.config.learning_rate, 0.1);
        QVERIFY(joined.flags.config.budget_kind == BudgetKind::Seconds);
        // A later flag overrides an earlier one; a preset applies first whatever its place.
        const auto later = parseRunFlags({"--workers", "3", "--workers", "5", "--preset", "quick"});
        QVERIFY(later.errors.empty());
        QCOMPARE(later.flags.config.workers, 5);
        QCOMPARE(later.flags.config.batch_size, quickDemoPreset().batch_size);
        // Negative numbers are values, not flags.
        QVERIFY(errorsOf({"--p", "-1"}).find("p is -1; allowed range: 0 to 1") != std::string::npos);
    }

    void everySettingIsAFlag() {
        const std::string help = runFlagsHelp();
        for (const RunSetting& s : runSettings()) {
            if (!s.flag) continue;
            QVERIFY2(help.find("--" + s.key) != std::string::npos, s.key.c_str());
            for (const auto& alias : s.aliases) QVERIFY2(help.find("--" + alias) != std::string::npos, alias.c_str());
            // A bounded number outside its range is refused from the command line too.
            if (s.bounds && s.kind == SettingKind::Whole) {
                const std::string outside = std::to_string(static_cast<long long>(s.bounds->high) + 1);
                const std::string errors = errorsOf({"--" + s.key, outside});
                QVERIFY2(errors.find(s.range) != std::string::npos, (s.key + ": " + errors).c_str());
            }
        }
    }

    void valueErrorsNameTheSettingAndRange_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions");
        QTest::newRow("workers") << QStringList{"--workers", "65"} << QStringList{"workers", "1 to 64"};
        QTest::newRow("p") << QStringList{"--p", "1.5"} << QStringList{"p is 1.5", "0 to 1"};
        QTest::newRow("lr") << QStringList{"--lr", "0"} << QStringList{"learning-rate", "greater than 0"};
        QTest::newRow("lr text") << QStringList{"--lr", "fast"} << QStringList{"learning-rate is 'fast'; expected a number"};
        QTest::newRow("batch") << QStringList{"--batch-size", "0"} << QStringList{"batch-size", "1 to 65536"};
        QTest::newRow("momentum") << QStringList{"--momentum", "1"} << QStringList{"momentum", "1 excluded"};
        QTest::newRow("algorithm") << QStringList{"--algorithm", "adam"} << QStringList{"algorithm", "gosgd"};
        QTest::newRow("devices") << QStringList{"--devices", "tpu"} << QStringList{"devices", "cuda:0"};
        QTest::newRow("dataset") << QStringList{"--dataset", "imagenet"} << QStringList{"dataset", "fashion-mnist"};
        QTest::newRow("model") << QStringList{"--model", "vgg"} << QStringList{"model", "lenet"};
        QTest::newRow("epochs") << QStringList{"--epochs", "-1"} << QStringList{"epochs", "greater than 0"};
        QTest::newRow("schedule") << QStringList{"--p-schedule", "0:0.1,10:9"} << QStringList{"p-schedule", "0 to 1"};
        QTest::newRow("seed") << QStringList{"--seed", "-3"} << QStringList{"seed is '-3'; expected a whole number, 0 or more"};
        QTest::newRow("unknown flag") << QStringList{"--wrokers", "3"} << QStringList{"unknown flag --wrokers"};
        QTest::newRow("missing value") << QStringList{"--workers"} << QStringList{"--workers needs a value (M)"};
        QTest::newRow("switch with a value") << QStringList{"--quiet=yes"} << QStringList{"--quiet takes no value"};
        QTest::newRow("positional") << QStringList{"gosgd"} << QStringList{"unexpected argument 'gosgd'"};
        QTest::newRow("preset") << QStringList{"--preset", "nope"} << QStringList{"preset", "quick"};
        QTest::newRow("config file") << QStringList{"--config", "/nonexistent.json"} << QStringList{"/nonexistent.json"};
        QTest::newRow("all at once") << QStringList{"--workers", "0", "--p", "-1", "--batch-size", "0"}
                                     << QStringList{"workers", "p is -1", "batch-size"};
    }
    void valueErrorsNameTheSettingAndRange() {
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        std::vector<std::string> words;
        for (const auto& a : args) words.push_back(a.toStdString());
        const std::string errors = errorsOf(words);
        QVERIFY2(!errors.empty(), "no error");
        for (const auto& m : mentions) QVERIFY2(errors.find(m.toStdString()) != std::string::npos, (m.toStdString() + " in: " + errors).c_str());
    }

    // `runs --db=FILE` used to be "unknown flag --db=FILE" while `run --db=FILE` worked.
    void everySubcommandTakesBothForms() {
        for (auto command : {&runsCommand, &experimentsCommand}) {
            QCOMPARE(capture(command, {"--db=" + db()}).code, 0);
            QCOMPARE(capture(command, {"--db", db()}).code, 0);
        }
        QCOMPARE(capture(&sweepCommand, {"--db=" + db(), "--dataset=synthetic", "--grid-p=0,1", "--images=64", "--dry-run"}).code, 0);
    }

    void everySubcommandSaysTheSameAboutAnUnknownFlag() {
        const std::vector<std::pair<int (*)(const std::vector<std::string>&), std::vector<std::string>>> commands = {
            {&runsCommand, {"--wrokers"}},
            {&showCommand, {"1", "--wrokers"}},
            {&exportCommand, {"1", "--wrokers"}},
            {&deleteCommand, {"1", "--wrokers"}},
            {&sweepCommand, {"--wrokers", "3"}},
            {&experimentsCommand, {"--wrokers"}},
            {&experimentCommand, {"show", "1", "--wrokers"}},
            {&experimentCommand, {"group", "--name", "x", "1", "--wrokers"}},
        };
        for (const auto& [command, args] : commands) {
            const Captured r = capture(command, args);
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.find("unknown flag --wrokers") != std::string::npos, r.err.c_str());
        }
        const Captured missing = capture(&runsCommand, {"--limit"});
        QCOMPARE(missing.code, 2);
        QVERIFY2(missing.err.find("--limit needs a value") != std::string::npos, missing.err.c_str());
    }

    void parserOnItsOwn() {
        const std::vector<FlagSpec> specs = {{"name", {"n"}, "TEXT"}, {"force", {}, ""}};
        auto parsed = parseCommandLine({"a", "--n=x", "--force", "b", "--", "--name"}, specs, -1);
        QVERIFY2(parsed.error.empty(), parsed.error.c_str());
        QCOMPARE(parsed.line.value("name"), std::optional<std::string>("x"));
        QVERIFY(parsed.line.has("force"));
        QCOMPARE(parsed.line.positional, (std::vector<std::string>{"a", "b", "--name"}));
        QVERIFY(!parseCommandLine({"a"}, specs, 0).error.empty());
        QVERIFY(!parseCommandLine({"a", "b"}, specs, 1).error.empty());
        QVERIFY(parseCommandLine({"-h"}, specs).line.help);
    }

    void settingsConflictsComeFromTheTable() {
        RunConfig coordinator;
        coordinator.learning_rate = 0.05;
        // Per-process settings (the table says which) never conflict; training settings do.
        QVERIFY(settingsConflicts(coordinator, {{"workers", "7"}, {"devices", "cpu"}, {"threads", "2"}, {"db", "x"}}).empty());
        const std::string conflict = settingsConflicts(coordinator, {{"learning-rate", "0.1"}});
        QVERIFY2(conflict.find("learning-rate is '0.05' on rank 0") != std::string::npos, conflict.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCliParsing)
#include "test_cli_parsing.moc"
