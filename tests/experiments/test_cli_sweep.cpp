// gossiplab-cli's experiment commands: sweep over a grid given by flags or a spec file, a preset's
// dry run, experiments, experiment show / export / group / delete, and their errors. One sweep
// runs as a gossiplab-cli process (the program end to end); every other command line is called in
// this process (tests/cli/cli_in_process.h): starting a process that loads LibTorch costs a second
// or more each.
#include <QtTest>

#include "cli_test_support.h"
#include "tests/cli/cli_in_process.h"

using namespace cli_test;

namespace {

// gossiplab-cli ARGS in this process, with XDG_DATA_HOME=home as cli() gives its processes.
CliResult inProcess(const QTemporaryDir& home, const QStringList& args) {
    const cli_in_process::Output r = cli_in_process::cli(home, args);
    return {r.exit_code, r.out, r.err};
}

}  // namespace

class TestCliSweep : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sweepRunsTheGridAndShowsTheTables() {
        QTemporaryDir home;
        const CliResult r = cli(home, QStringList{"sweep", "--name", "cli grid", "--images", "500", "--grid-algorithm",
                                                  "gosgd,easgd", "--grid-p", "0.5,1", "--per-algorithm", "easgd.momentum=0.9",
                                                  "--quiet"} + kTiny);
        QVERIFY2(r.exit_code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("experiment 'cli grid': 4 run(s) on synthetic with mlp, 500 images per worker each"), qPrintable(r.out));
        QVERIFY(r.out.contains("queued as experiment 1 in " + home.path() + "/gossiplab/history.sqlite3"));
        QVERIFY2(r.out.contains("experiment 1 done: 4 run(s) done"), qPrintable(r.out));

        const CliResult list = inProcess(home, {"experiments"});
        QCOMPARE(list.exit_code, 0);
        QVERIFY2(list.out.contains("cli grid"), qPrintable(list.out));
        QVERIFY(list.out.contains("4/4 done"));
        QVERIFY(list.out.contains("1 experiment(s)"));
        // The runs are in the run list too, tagged with their experiment.
        const CliResult runs = inProcess(home, {"runs", "--tag", "experiment:1"});
        QVERIFY(runs.out.contains("4 run(s)"));

        const CliResult show = inProcess(home, {"experiment", "show", "1"});
        QVERIFY2(show.exit_code == 0, qPrintable(show.err));
        QVERIFY(show.out.contains("state      done"));
        QVERIFY(show.out.contains("gosgd p=0.5"));
        QVERIFY(show.out.contains("eamsgd tau=2"));
        QVERIFY(show.out.contains("Time to training loss L = "));
        QVERIFY(show.out.contains("(the worst final loss among the runs)"));
        QVERIFY2(show.out.contains("gosgd p=0.5 / eamsgd tau=2"), qPrintable(show.out));
        QVERIFY(show.out.contains("Final metrics against p"));

        const CliResult markdown = inProcess(home, {"experiment", "show", "1", "--loss", "0.000001", "--markdown"});
        QCOMPARE(markdown.exit_code, 0);
        QVERIFY(markdown.out.contains("| run | status | final loss | images/worker to L | wall time to L (s) |"));
        QVERIFY(markdown.out.contains("not reached"));
        QVERIFY(!markdown.out.contains("the worst final loss"));

        const QString dir = home.filePath("export");
        const CliResult exported = inProcess(home, {"experiment", "export", "1", "--dir", dir});
        QVERIFY2(exported.exit_code == 0, qPrintable(exported.err));
        for (const char* file : {"experiment.json", "queue.csv", "time_to_loss.csv", "time_to_loss_ratios.csv",
                                 "metrics_vs_p.csv", "runs.csv", "series.csv"})
            QVERIFY2(QFile::exists(dir + "/" + file), file);
        const auto queue = csvLines(dir + "/queue.csv");
        QCOMPARE(queue.size(), 5);
        QVERIFY(queue[0].startsWith("position,label,queue_status,run_id"));
        QVERIFY(queue[1].startsWith("1,gosgd p=0.5,done,"));
        QCOMPARE(csvLines(dir + "/time_to_loss.csv").size(), 5);
        QCOMPARE(csvLines(dir + "/time_to_loss_ratios.csv").size(), 3);
        QCOMPARE(csvLines(dir + "/runs.csv").size(), 5);
        QVERIFY(csvLines(dir + "/series.csv").size() > 20);
        QVERIFY(csvLines(dir + "/series.csv")[0].startsWith("run_id,run_name,series"));

        // Several levels: one table each, per run and per setting over the seeds.
        const CliResult levels = inProcess(home, {"experiment", "show", "1", "--loss", "5,0.000001"});
        QVERIFY2(levels.exit_code == 0, qPrintable(levels.err));
        QCOMPARE(levels.out.count("Time to training loss L = "), 2);
        QVERIFY(levels.out.contains("By setting, over the seeds that reached L = 5"));
        QVERIFY(levels.out.contains("By setting, over the seeds that reached L = 1e-06"));

        // A bad --loss: refused before anything is read, naming the flag and the value.
        for (const QStringList& bad : {QStringList{"show", "1", "--loss", "1,x"}, QStringList{"show", "1", "--loss", "low"},
                                       QStringList{"show", "1", "--loss", "1,,2"}, QStringList{"export", "1", "--dir", dir, "--loss", "nan"}}) {
            const CliResult refused = inProcess(home, QStringList{"experiment"} + bad);
            QCOMPARE(refused.exit_code, 2);
            const QString named = "--loss is '" + bad.last() + "'; expected a number or a comma-separated list";
            QVERIFY2(refused.err.contains(named), qPrintable(bad.join(' ') + ": " + refused.err));
        }
        const CliResult empty_loss = inProcess(home, {"experiment", "show", "1", "--loss", ""});
        QCOMPARE(empty_loss.exit_code, 2);
        QVERIFY2(empty_loss.err.contains("--loss is empty; expected a number"), qPrintable(empty_loss.err));
        const CliResult two_levels = inProcess(home, {"experiment", "export", "1", "--dir", dir, "--loss", "1,2"});
        QCOMPARE(two_levels.exit_code, 2);
        QVERIFY2(two_levels.err.contains("export takes one --loss level"), qPrintable(two_levels.err));

        // --metric-vs: the final metrics against the setting asked for instead of the swept p. All
        // four runs have 2 workers and learning rate 0.01 (kTiny, the default rate).
        QVERIFY(show.out.contains("Final metrics against p"));
        const CliResult by_workers = inProcess(home, {"experiment", "show", "1", "--metric-vs", "workers"});
        QVERIFY2(by_workers.exit_code == 0, qPrintable(by_workers.err));
        QVERIFY2(by_workers.out.contains("Final metrics against workers"), qPrintable(by_workers.out));
        QVERIFY(!by_workers.out.contains("Final metrics against p"));
        const QString table = by_workers.out.mid(by_workers.out.indexOf("Final metrics against workers"));
        QVERIFY2(table.contains(QRegularExpression("\\bline\\s+workers\\s")), qPrintable(table));
        // One row per line (algorithm and its rate), each at workers = 2.
        for (const char* line : {"gosgd p=0.5", "gosgd p=1", "eamsgd tau=2", "eamsgd tau=1"})
            QVERIFY2(table.contains(QRegularExpression(QString("\\n\\s*%1\\s+2\\s").arg(QRegularExpression::escape(line)))),
                     qPrintable(QString(line) + " in:\n" + table));
        const CliResult by_lr = inProcess(home, {"experiment", "show", "1", "--metric-vs", "lr"});
        QVERIFY2(by_lr.exit_code == 0, qPrintable(by_lr.err));
        QVERIFY2(by_lr.out.contains("Final metrics against learning-rate"), qPrintable(by_lr.out));
        const CliResult bad_metric = inProcess(home, {"experiment", "show", "1", "--metric-vs", "colour"});
        QCOMPARE(bad_metric.exit_code, 2);
        QVERIFY2(bad_metric.err.contains("--metric-vs is 'colour'; allowed: p, workers, lr"), qPrintable(bad_metric.err));
        QVERIFY(bad_metric.out.isEmpty());  // nothing shown

        // Recorded runs grouped as a new experiment (what the network experiment does with runs
        // over several processes): its queue is those runs, done, with their labels.
        const CliResult grouped = inProcess(home, {"experiment", "group", "--name", "regrouped", "--kind", "paper-fig1", "1=first", "3"});
        QVERIFY2(grouped.exit_code == 0, qPrintable(grouped.out + grouped.err));
        QVERIFY2(grouped.out.contains("grouped 2 run(s) as experiment 2"), qPrintable(grouped.out));
        const CliResult regrouped = inProcess(home, {"experiment", "show", "2"});
        QVERIFY2(regrouped.exit_code == 0, qPrintable(regrouped.err));
        QVERIFY(regrouped.out.contains("kind       paper-fig1"));
        QVERIFY2(regrouped.out.contains("2/2 done"), qPrintable(regrouped.out));
        QVERIFY(regrouped.out.contains("first"));
        QVERIFY(regrouped.out.contains("gosgd p=1 seed="));
        const CliResult no_run = inProcess(home, {"experiment", "group", "--name", "x", "99"});
        QCOMPARE(no_run.exit_code, 1);
        QVERIFY2(no_run.err.contains("no run 99 in"), qPrintable(no_run.err));
        const CliResult no_name = inProcess(home, {"experiment", "group", "1"});
        QCOMPARE(no_name.exit_code, 2);
        QVERIFY2(no_name.err.contains("group needs --name TEXT"), qPrintable(no_name.err));
        const CliResult bad_kind = inProcess(home, {"experiment", "group", "--name", "x", "--kind", "nope", "1"});
        QCOMPARE(bad_kind.exit_code, 2);
        QVERIFY2(bad_kind.err.contains("--kind is 'nope'"), qPrintable(bad_kind.err));
        QVERIFY(inProcess(home, {"experiments"}).out.contains("2 experiment(s)"));  // the refused ones made none
        QCOMPARE(inProcess(home, {"experiment", "delete", "2"}).exit_code, 0);

        const CliResult unknown = inProcess(home, {"experiment", "show", "7"});
        QCOMPARE(unknown.exit_code, 1);
        QVERIFY2(unknown.err.contains("no experiment 7 in " + historyFile(home)), qPrintable(unknown.err));
        const CliResult no_dir = inProcess(home, {"experiment", "export", "1"});
        QCOMPARE(no_dir.exit_code, 2);
        QVERIFY2(no_dir.err.contains("give the folder to export into: --dir DIR"), qPrintable(no_dir.err));
        const CliResult action = inProcess(home, {"experiment", "frobnicate", "1"});
        QCOMPARE(action.exit_code, 2);
        QVERIFY2(action.err.contains("unknown action 'frobnicate'"), qPrintable(action.err));

        QCOMPARE(inProcess(home, {"experiment", "delete", "1", "--with-runs"}).exit_code, 0);
        QVERIFY(inProcess(home, {"experiments"}).out.contains("0 experiment(s)"));
        QVERIFY(inProcess(home, {"runs"}).out.contains("0 run(s)"));
    }

    void presetDryRunAndSpecFile() {
        QTemporaryDir home;
        const CliResult dry = inProcess(home, {"sweep", "--preset", "paper-fig1", "--dry-run"});
        QVERIFY2(dry.exit_code == 0, qPrintable(dry.err));
        for (const char* label : {"gosgd p=1", "eamsgd tau=1", "naive", "gosgd p=0.02", "eamsgd tau=50"})
            QVERIFY2(dry.out.contains(label), label);
        QVERIFY(dry.out.contains("5 run(s) on "));
        const CliResult consensus = inProcess(home, {"sweep", "--preset", "consensus-vs-p", "--dry-run", "--images", "100"});
        QVERIFY2(consensus.out.contains("27 run(s)"), qPrintable(consensus.out));  // 9 values of p x M = 4, 8, 16
        QVERIFY(consensus.out.contains("100 images per worker"));
        QVERIFY(!QFile::exists(home.path() + "/gossiplab/history.sqlite3"));

        const QString spec = home.filePath("spec.json");
        QFile f(spec);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"name": "from a file", "base": {"dataset": "synthetic", "model": "mlp", "workers": 2,
                    "batch-size": 16, "images": 300, "threads": 1},
                    "grid": {"p": [0, 1], "seed": [1, 2]}})");
        f.close();
        const CliResult r = inProcess(home, {"sweep", "--file", spec, "--quiet"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains("'from a file': 4 run(s)"));
        const CliResult show = inProcess(home, {"experiment", "show", "1"});
        QVERIFY(show.out.contains("gosgd p=1 seed=2"));
        QVERIFY2(show.out.contains("mean over seeds [min..max]"), qPrintable(show.out));
        const CliResult missing = inProcess(home, {"sweep", "--file", home.filePath("missing.json")});
        QCOMPARE(missing.exit_code, 2);
        QVERIFY2(missing.err.contains(home.filePath("missing.json") + ": cannot read the file"), qPrintable(missing.err));
    }

};

QTEST_GUILESS_MAIN(TestCliSweep)
#include "test_cli_sweep.moc"
