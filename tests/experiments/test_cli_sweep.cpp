// gossiplab-cli's experiment commands end to end: sweep over a grid given by flags or a spec file,
// a preset's dry run, experiments, experiment show / export / delete.
#include <QtTest>

#include "cli_test_support.h"

#include <csignal>

using namespace cli_test;

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

        const CliResult list = cli(home, {"experiments"});
        QCOMPARE(list.exit_code, 0);
        QVERIFY2(list.out.contains("cli grid"), qPrintable(list.out));
        QVERIFY(list.out.contains("4/4 done"));
        QVERIFY(list.out.contains("1 experiment(s)"));
        // The runs are in the run list too, tagged with their experiment.
        const CliResult runs = cli(home, {"runs", "--tag", "experiment:1"});
        QVERIFY(runs.out.contains("4 run(s)"));

        const CliResult show = cli(home, {"experiment", "show", "1"});
        QVERIFY2(show.exit_code == 0, qPrintable(show.err));
        QVERIFY(show.out.contains("state      done"));
        QVERIFY(show.out.contains("gosgd p=0.5"));
        QVERIFY(show.out.contains("eamsgd tau=2"));
        QVERIFY(show.out.contains("Time to training loss L = "));
        QVERIFY(show.out.contains("(the worst final loss among the runs)"));
        QVERIFY2(show.out.contains("gosgd p=0.5 / eamsgd tau=2"), qPrintable(show.out));
        QVERIFY(show.out.contains("Final metrics against p"));

        const CliResult markdown = cli(home, {"experiment", "show", "1", "--loss", "0.000001", "--markdown"});
        QCOMPARE(markdown.exit_code, 0);
        QVERIFY(markdown.out.contains("| run | status | final loss | images/worker to L | wall time to L (s) |"));
        QVERIFY(markdown.out.contains("not reached"));
        QVERIFY(!markdown.out.contains("the worst final loss"));

        const QString dir = home.filePath("export");
        const CliResult exported = cli(home, {"experiment", "export", "1", "--dir", dir});
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
        const CliResult levels = cli(home, {"experiment", "show", "1", "--loss", "5,0.000001"});
        QVERIFY2(levels.exit_code == 0, qPrintable(levels.err));
        QCOMPARE(levels.out.count("Time to training loss L = "), 2);
        QVERIFY(levels.out.contains("By setting, over the seeds that reached L = 5"));
        QVERIFY(levels.out.contains("By setting, over the seeds that reached L = 1e-06"));
        QCOMPARE(cli(home, {"experiment", "show", "1", "--loss", "1,x"}).exit_code, 2);

        // Recorded runs grouped as a new experiment (what the network experiment does with runs
        // over several processes): its queue is those runs, done, with their labels.
        const CliResult grouped = cli(home, {"experiment", "group", "--name", "regrouped", "--kind", "paper-fig1", "1=first", "3"});
        QVERIFY2(grouped.exit_code == 0, qPrintable(grouped.out + grouped.err));
        QVERIFY2(grouped.out.contains("grouped 2 run(s) as experiment 2"), qPrintable(grouped.out));
        const CliResult regrouped = cli(home, {"experiment", "show", "2"});
        QVERIFY2(regrouped.exit_code == 0, qPrintable(regrouped.err));
        QVERIFY(regrouped.out.contains("kind       paper-fig1"));
        QVERIFY2(regrouped.out.contains("2/2 done"), qPrintable(regrouped.out));
        QVERIFY(regrouped.out.contains("first"));
        QVERIFY(regrouped.out.contains("gosgd p=1 seed="));
        QCOMPARE(cli(home, {"experiment", "group", "--name", "x", "99"}).exit_code, 1);  // no run 99
        QCOMPARE(cli(home, {"experiment", "group", "1"}).exit_code, 2);                  // no --name
        QCOMPARE(cli(home, {"experiment", "group", "--name", "x", "--kind", "nope", "1"}).exit_code, 2);
        QCOMPARE(cli(home, {"experiment", "delete", "2"}).exit_code, 0);

        QCOMPARE(cli(home, {"experiment", "show", "7"}).exit_code, 1);
        QCOMPARE(cli(home, {"experiment", "export", "1"}).exit_code, 2);  // no --dir
        QCOMPARE(cli(home, {"experiment", "frobnicate", "1"}).exit_code, 2);

        QCOMPARE(cli(home, {"experiment", "delete", "1", "--with-runs"}).exit_code, 0);
        QVERIFY(cli(home, {"experiments"}).out.contains("0 experiment(s)"));
        QVERIFY(cli(home, {"runs"}).out.contains("0 run(s)"));
    }

    void presetDryRunAndSpecFile() {
        QTemporaryDir home;
        const CliResult dry = cli(home, {"sweep", "--preset", "paper-fig1", "--dry-run"});
        QVERIFY2(dry.exit_code == 0, qPrintable(dry.err));
        for (const char* label : {"gosgd p=1", "eamsgd tau=1", "naive", "gosgd p=0.02", "eamsgd tau=50"})
            QVERIFY2(dry.out.contains(label), label);
        QVERIFY(dry.out.contains("5 run(s) on "));
        const CliResult consensus = cli(home, {"sweep", "--preset", "consensus-vs-p", "--dry-run", "--images", "100"});
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
        const CliResult r = cli(home, {"sweep", "--file", spec, "--quiet"});
        QVERIFY2(r.exit_code == 0, qPrintable(r.out + r.err));
        QVERIFY(r.out.contains("'from a file': 4 run(s)"));
        const CliResult show = cli(home, {"experiment", "show", "1"});
        QVERIFY(show.out.contains("gosgd p=1 seed=2"));
        QVERIFY2(show.out.contains("mean over seeds [min..max]"), qPrintable(show.out));
        QCOMPARE(cli(home, {"sweep", "--file", home.filePath("missing.json")}).exit_code, 2);
    }

};

QTEST_GUILESS_MAIN(TestCliSweep)
#include "test_cli_sweep.moc"
