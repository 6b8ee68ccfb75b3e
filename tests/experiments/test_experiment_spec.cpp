// Experiment specs: grid expansion (order, deduplication, labels, per-algorithm settings), every
// validation problem named by its axis and value, the presets, the JSON form (nested and flat).
#include <QtTest>

#include <algorithm>

#include "core/experiments/experiment_spec.h"
#include "core/common/json.h"

using namespace gossiplab;
using namespace gossiplab::experiments;

namespace {

ExperimentSpec tinySpec() {
    ExperimentSpec spec;
    spec.name = "tiny";
    spec.base.dataset = "synthetic";
    spec.base.model = "mlp";
    spec.base.budget_kind = BudgetKind::ImagesPerWorker;
    spec.base.budget = 400;
    return spec;
}

std::vector<std::string> labels(const Expansion& e) {
    std::vector<std::string> out;
    for (const auto& r : e.runs) out.push_back(r.label);
    return out;
}

const GridError* findError(const std::vector<GridError>& errors, const std::string& axis, const std::string& value) {
    for (const auto& e : errors)
        if (e.axis == axis && e.value == value) return &e;
    return nullptr;
}

QString dump(const std::vector<GridError>& errors) { return QString::fromStdString(formatGridErrors(errors)); }

}  // namespace

class TestExperimentSpec : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void gridExpandsInQueueOrder() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "algorithm", "gosgd,easgd").empty());
        QVERIFY(setAxis(spec.grid, "p", "1, 0.02").empty());
        QVERIFY(setAxis(spec.grid, "workers", "2,4").empty());
        QVERIFY(setAxis(spec.grid, "seed", "1,2").empty());
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(e.runs.size(), size_t{16});
        // seed outermost, then workers, lr, p, algorithm innermost
        QCOMPARE(e.runs[0].label, std::string("gosgd p=1 M=2 seed=1"));
        QCOMPARE(e.runs[1].label, std::string("easgd tau=1 M=2 seed=1"));
        QCOMPARE(e.runs[2].label, std::string("gosgd p=0.02 M=2 seed=1"));
        QCOMPARE(e.runs[3].label, std::string("easgd tau=50 M=2 seed=1"));
        QCOMPARE(e.runs[4].label, std::string("gosgd p=1 M=4 seed=1"));
        QCOMPARE(e.runs[8].label, std::string("gosgd p=1 M=2 seed=2"));
        for (size_t k = 0; k < e.runs.size(); ++k) {
            const auto& r = e.runs[k];
            QCOMPARE(r.position, static_cast<int>(k));
            QVERIFY(validate(r.config).empty());
            QCOMPARE(r.config.name, "tiny: " + r.label);
            QCOMPARE(r.config.dataset, std::string("synthetic"));
            QCOMPARE(r.config.budget, 400.0);
        }
        QVERIFY(e.runs[3].config.algorithm == Algorithm::Easgd);
        QCOMPARE(e.runs[3].config.effectiveEasgdTau(), 50);
        QCOMPARE(e.runs[11].config.seed, uint64_t{2});
        QCOMPARE(e.runs[12].config.workers, 4);
    }

    void naiveIgnoresPAndRunsOnce() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "algorithm", "gosgd,naive").empty());
        QVERIFY(setAxis(spec.grid, "p", "0.5,0.1,0").empty());
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(labels(e), (std::vector<std::string>{"gosgd p=0.5", "naive", "gosgd p=0.1", "gosgd p=0"}));
        QCOMPARE(e.runs[1].config.p, 0.0);
        QVERIFY(e.runs[1].config.algorithm == Algorithm::Naive);
    }

    void easgdWithAFixedTauIgnoresP() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "algorithm", "easgd,gosgd").empty());
        QVERIFY(setAxis(spec.grid, "p", "0.1,0.5").empty());
        spec.per_algorithm[Algorithm::Easgd] = {{"easgd-tau", "4"}, {"momentum", "0.9"}};
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(labels(e), (std::vector<std::string>{"eamsgd tau=4", "gosgd p=0.1", "gosgd p=0.5"}));
        QCOMPARE(e.runs[0].config.momentum, 0.9);
        QCOMPARE(e.runs[1].config.momentum, 0.0);  // per-algorithm settings stay with their algorithm
    }

    void everyViolationNamesItsAxisAndValue() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "algorithm", "gosgd,easgd").empty());
        QVERIFY(setAxis(spec.grid, "p", "0,0.5,1.5").empty());
        QVERIFY(setAxis(spec.grid, "learning-rate", "0.1,-1,20").empty());
        QVERIFY(setAxis(spec.grid, "workers", "2,4").empty());
        spec.base.batch_size = 0;                                   // a fixed setting
        spec.per_algorithm[Algorithm::Easgd] = {{"momentum", "1"}};  // a per-algorithm one
        const Expansion e = expand(spec);
        QVERIFY(e.runs.empty());
        const QString all = dump(e.errors);
        QVERIFY2(findError(e.errors, "grid.p", "1.5"), qPrintable(all));
        QVERIFY2(findError(e.errors, "grid.learning-rate", "-1"), qPrintable(all));
        QVERIFY2(findError(e.errors, "grid.learning-rate", "20"), qPrintable(all));
        QVERIFY2(findError(e.errors, "easgd.momentum", "1"), qPrintable(all));
        QVERIFY(findError(e.errors, "grid.p", "1.5")->message.find("0 to 1") != std::string::npos);
        // EASGD at p = 0 has no tau: the combination is named.
        const GridError* tau = findError(e.errors, "grid", "algorithm=easgd p=0");
        QVERIFY2(tau, qPrintable(all));
        QVERIFY(tau->message.find("easgd-tau") != std::string::npos);
        // The fixed setting is reported once, as "base".
        int base_errors = 0;
        for (const auto& err : e.errors) base_errors += err.axis == "base" ? 1 : 0;
        QCOMPARE(base_errors, 1);
        QVERIFY(all.contains("base: --batch-size: batch-size is 0"));
        // Deduplicated: each (axis, value) once although several combinations hit it.
        int p15 = 0;
        for (const auto& err : e.errors) p15 += err.axis == "grid.p" && err.value == "1.5" ? 1 : 0;
        QCOMPARE(p15, 1);
        QVERIFY(all.contains("  grid.p = 1.5: p is 1.5; allowed range: 0 to 1"));
    }

    void badAxisTextIsReported() {
        GridAxes grid;
        auto errors = setAxis(grid, "p", "0.1,abc,0.1");
        QCOMPARE(errors.size(), size_t{2});
        QCOMPARE(errors[0].axis, std::string("grid.p"));
        QCOMPARE(errors[0].value, std::string("abc"));
        QCOMPARE(errors[1].message, std::string("listed twice"));
        QVERIFY(grid.p.empty());  // nothing is taken from a bad list
        QCOMPARE(setAxis(grid, "algorithm", "gosgd,sgd")[0].value, std::string("sgd"));
        QCOMPARE(setAxis(grid, "workers", "2,65")[0].message, std::string("workers is 65; allowed range: 1 to 64"));
        QCOMPARE(setAxis(grid, "seed", "-1").size(), size_t{1});
        QVERIFY(setAxis(grid, "algorithm", "eamsgd,naive").empty());
        QVERIFY(grid.algorithm == (std::vector<Algorithm>{Algorithm::Easgd, Algorithm::Naive}));
        QCOMPARE(canonicalAxis("lr").value(), std::string("learning-rate"));
        QVERIFY(!canonicalAxis("batch-size"));
    }

    void perAlgorithmSettingsAreChecked() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "p", "0.1,0.2").empty());
        spec.per_algorithm[Algorithm::GoSgd] = {{"p", "0.3"}, {"colour", "red"}, {"batch-size", "x"}};
        const Expansion e = expand(spec);
        QVERIFY(e.runs.empty());
        QVERIFY2(findError(e.errors, "gosgd.p", "0.3"), qPrintable(dump(e.errors)));
        QVERIFY(findError(e.errors, "gosgd.colour", "red"));
        QVERIFY(findError(e.errors, "gosgd.batch-size", "x"));
    }

    void tooManyRunsAreRefused() {
        ExperimentSpec spec = tinySpec();
        std::string seeds;
        for (int s = 0; s < 700; ++s) seeds += (s ? "," : "") + std::to_string(s);
        QVERIFY(setAxis(spec.grid, "seed", seeds).empty());
        QVERIFY(setAxis(spec.grid, "p", "0.1,0.2,0.3").empty());
        const Expansion e = expand(spec);
        QVERIFY(e.runs.empty());
        QCOMPARE(e.errors.size(), size_t{1});
        QVERIFY(e.errors[0].message.find("2100 combinations") != std::string::npos);
    }

    void paperPresetIsFig1() {
        const ExperimentSpec spec = paperFig1Spec("/nonexistent-cifar-folder");
        QVERIFY(spec.kind == ExperimentKind::PaperFig1);
        QCOMPARE(spec.base.dataset, std::string("fashion-mnist"));
        QCOMPARE(spec.base.model, std::string("lenet"));
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(labels(e), (std::vector<std::string>{"gosgd p=1", "eamsgd tau=1", "naive", "gosgd p=0.02", "eamsgd tau=50"}));
        for (const auto& r : e.runs) {
            QCOMPARE(r.config.workers, 8);
            QCOMPARE(r.config.batch_size, 128);
            QCOMPARE(r.config.learning_rate, 0.01);
            QCOMPARE(r.config.weight_decay, 1e-4);
            QCOMPARE(r.config.seed, e.runs[0].config.seed);
            QCOMPARE(r.config.budget, e.runs[0].config.budget);
            QVERIFY(r.config.budget_kind == e.runs[0].config.budget_kind);
        }
        QCOMPARE(e.runs[1].config.momentum, 0.99);
        QVERIFY(e.runs[1].config.test_model == TestModel::Center);
        QCOMPARE(e.runs[0].config.momentum, 0.0);
        QVERIFY(e.runs[0].config.test_model == TestModel::Uniform);
    }

    void paperPresetUsesCifarWhenItsFilesArePresent() {
        QTemporaryDir dir;
        for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                                 "data_batch_5.bin", "test_batch.bin"}) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        QVERIFY(cifar10FilesPresent(dir.path().toStdString()));
        const ExperimentSpec spec = paperFig1Spec(dir.path().toStdString());
        QCOMPARE(spec.base.dataset, std::string("cifar10"));
        QCOMPARE(spec.base.model, std::string("easgd-cifar"));
        QCOMPARE(spec.base.data_dir, dir.path().toStdString());
        QVERIFY(expand(spec).errors.empty());
    }

    void consensusPresetSweepsP() {
        const ExperimentSpec spec = consensusVsPSpec();
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(e.runs.size(), size_t{27});  // 9 values of p for each of M = 4, 8, 16
        std::vector<double> ps;
        std::vector<int> ms;
        for (const auto& r : e.runs) {
            QVERIFY(r.config.algorithm == Algorithm::GoSgd);
            if (ps.size() < 9) ps.push_back(r.config.p);
            if (ms.empty() || ms.back() != r.config.workers) ms.push_back(r.config.workers);
        }
        QCOMPARE(ps, (std::vector<double>{0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1}));
        QCOMPARE(ms, (std::vector<int>{4, 8, 16}));
        QVERIFY(experimentPresetByName("consensus-vs-p"));
        QVERIFY(!experimentPresetByName("nope"));
    }

    void longFig1PresetHasEveryReadingAndTheControl() {
        const ExperimentSpec spec = paperFig1LongSpec();
        const Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(e.runs.size(), size_t{16});  // 8 settings x 2 seeds, seed 1's first
        QCOMPARE(labels(e)[0], std::string("gosgd p=1 seed=1"));
        QCOMPARE(labels(e)[7], std::string("gosgd p=1 lr=0.0125 (control) seed=1"));
        QCOMPARE(labels(e)[8], std::string("gosgd p=1 seed=2"));
        int eamsgd = 0;
        for (const auto& r : e.runs) {
            QCOMPARE(r.config.workers, 8);
            QCOMPARE(r.config.budget, 20.0 * 60000);  // 20 epochs per worker
            if (r.config.algorithm != Algorithm::Easgd) continue;
            ++eamsgd;
            QCOMPARE(r.config.momentum, 0.99);  // the per-algorithm settings reach the extra runs
            QVERIFY(r.config.test_model == TestModel::Center);
            const bool beta = r.label.find("beta=0.9") != std::string::npos;
            QCOMPARE(r.config.easgd_alpha, beta ? 0.9 / 8 : 0.887);
            QCOMPARE(r.config.effectiveEasgdTau(), r.label.find("tau=50") != std::string::npos ? 50 : 1);
        }
        QCOMPARE(eamsgd, 8);
        QCOMPARE(e.runs[7].config.learning_rate, 0.0125);
        QVERIFY(experimentPresetByName("paper-fig1-long"));
    }

    void extraRunsAreCheckedAndRoundTrip() {
        ExperimentSpec spec = tinySpec();
        QVERIFY(setAxis(spec.grid, "seed", "1,2").empty());
        spec.extra_runs = {{"slow gosgd", {{"algorithm", "gosgd"}, {"p", "0.5"}, {"learning-rate", "0.001"}}}};
        Expansion e = expand(spec);
        QVERIFY2(e.errors.empty(), qPrintable(dump(e.errors)));
        QCOMPARE(labels(e), (std::vector<std::string>{"gosgd p=0.02 seed=1", "slow gosgd seed=1", "gosgd p=0.02 seed=2", "slow gosgd seed=2"}));
        QCOMPARE(e.runs[1].config.learning_rate, 0.001);
        QCOMPARE(e.runs[3].config.seed, uint64_t{2});
        // JSON: nested, and labels with dots ("lr=0.1") survive the flat keys.
        spec.extra_runs.push_back({"gosgd lr=0.1", {{"learning-rate", "0.1"}}});
        std::vector<GridError> errors;
        const auto back = specFromJson(toJson(spec), &errors);
        QVERIFY2(back.has_value(), qPrintable(dump(errors)));
        QVERIFY(*back == spec);
        // Problems are named: an unknown setting, a bad value, a value the run refuses, two labels.
        spec.extra_runs = {{"a", {{"nope", "1"}}}, {"b", {{"p", "x"}}}, {"c", {{"p", "2"}}}, {"c", {}}};
        e = expand(spec);
        QVERIFY(e.runs.empty());
        QVERIFY2(findError(e.errors, "extra.a.nope", "1"), qPrintable(dump(e.errors)));
        QVERIFY2(findError(e.errors, "extra.b.p", "x"), qPrintable(dump(e.errors)));
        QVERIFY2(findError(e.errors, "extra.c", ""), qPrintable(dump(e.errors)));
        spec.extra_runs = {{"c", {{"p", "2"}}}};
        e = expand(spec);
        QVERIFY2(findError(e.errors, "extra.c", "seed=1") && e.runs.empty(), qPrintable(dump(e.errors)));
        errors.clear();
        QVERIFY(!specFromJson(R"({"extra": {"x": 1}})", &errors));
        QVERIFY2(!errors.empty() && errors[0].axis == "extra.x", qPrintable(dump(errors)));
    }

    void jsonRoundTrips() {
        ExperimentSpec spec = paperFig1Spec("/nonexistent");
        spec.name = "with \"quotes\", commas";
        QVERIFY(setAxis(spec.grid, "seed", "3,4").empty());
        QVERIFY(setAxis(spec.grid, "workers", "2,8").empty());
        spec.base.lr_schedule = {{0, 0.01}, {1000, 0.001}};
        std::vector<GridError> errors;
        const auto back = specFromJson(toJson(spec), &errors);
        QVERIFY2(back.has_value(), qPrintable(dump(errors)));
        QVERIFY(*back == spec);
        QCOMPARE(labels(expand(*back)), labels(expand(spec)));
    }

    void handWrittenFilesNestedOrFlat() {
        const std::string nested = R"({
            "name": "my sweep",
            "base": {"dataset": "synthetic", "model": "mlp", "images": 500, "batch-size": 16, "lr": 0.1},
            "grid": {"algorithm": ["gosgd", "easgd"], "p": [0.5, 1], "seed": [1, 2]},
            "per-algorithm": {"easgd": {"momentum": 0.9}}
        })";
        const std::string flat = R"({"name": "my sweep", "base.dataset": "synthetic", "base.model": "mlp",
            "base.budget": "500", "base.budget-kind": "images", "base.batch-size": 16, "base.learning-rate": "0.1",
            "grid.algorithm": "gosgd,easgd", "grid.p": "0.5,1", "grid.seeds": "1,2", "easgd.momentum": "0.9"})";
        std::vector<GridError> errors;
        const auto a = specFromJson(nested, &errors);
        const auto b = specFromJson(flat, &errors);
        QVERIFY2(a && b, qPrintable(dump(errors)));
        QVERIFY(*a == *b);
        QVERIFY(a->base.budget_kind == BudgetKind::ImagesPerWorker);
        QCOMPARE(a->base.budget, 500.0);
        QCOMPARE(a->base.learning_rate, 0.1);
        QCOMPARE(expand(*a).runs.size(), size_t{8});

        // A preset as the starting point; the file overrides it.
        const auto preset = specFromJson(R"({"preset": "consensus-vs-p", "grid": {"p": [0, 1]}, "base": {"workers": 2}})", &errors);
        QVERIFY(preset);
        QVERIFY(preset->kind == ExperimentKind::ConsensusVsP);
        QCOMPARE(preset->grid.p, (std::vector<double>{0, 1}));
        QCOMPARE(preset->base.workers, 2);
    }

    void badFilesNameEveryProblem() {
        std::vector<GridError> errors;
        QVERIFY(!specFromJson("{\"grid\": {\"p\": [0.1, \"x\"]}, \"base\": {\"colour\": 1, \"workers\": \"many\"}, "
                              "\"grid.momentum\": \"0.9\", \"preset\": \"fig7\", \"strange\": 1}",
                              &errors));
        const QString all = dump(errors);
        QVERIFY2(findError(errors, "grid.p", "x"), qPrintable(all));
        QVERIFY2(findError(errors, "base.colour", "1"), qPrintable(all));
        QVERIFY2(findError(errors, "base.workers", "many"), qPrintable(all));
        QVERIFY2(findError(errors, "grid.momentum", "0.9"), qPrintable(all));
        QVERIFY2(findError(errors, "preset", "fig7"), qPrintable(all));
        QVERIFY2(findError(errors, "strange", "1"), qPrintable(all));
        errors.clear();
        QVERIFY(!specFromJson("{\"grid\": {\"p\": [0.1", &errors));
        QCOMPARE(errors.size(), size_t{1});
        QVERIFY(errors[0].message.find("offset") != std::string::npos);
        errors.clear();
        QVERIFY(!specFromJson("{\"name\": \"a\", \"name\": \"b\"}", &errors));
        QVERIFY(errors[0].message.find("twice") != std::string::npos);
    }

    void flatJsonReader() {
        std::string error;
        auto pairs = json::parseFlattened(R"({"a": {"b": {"c": true}}, "d": [1, "two", 3.5e-2], "e": null, "f": "\u00e9"})", &error);
        QVERIFY2(pairs, error.c_str());
        QCOMPARE(pairs->size(), size_t{4});
        QCOMPARE((*pairs)[0], (std::pair<std::string, std::string>{"a.b.c", "true"}));
        QCOMPARE((*pairs)[1], (std::pair<std::string, std::string>{"d", "1,two,3.5e-2"}));
        QCOMPARE((*pairs)[2].second, std::string());
        QCOMPARE((*pairs)[3].second, std::string("\xc3\xa9"));
        QVERIFY(!json::parseFlattened(R"({"a": [[1]]})", &error));
        QVERIFY(!json::parseFlattened(R"({"a": 1} x)", &error));
    }

    void effectivePAndLabels() {
        RunConfig c;
        c.algorithm = Algorithm::Easgd;
        c.p = 0.02;
        QCOMPARE(effectiveP(c), 0.02);
        c.easgd_tau = 4;
        QCOMPARE(effectiveP(c), 0.25);
        QCOMPARE(algorithmLabel(c), std::string("easgd tau=4"));
        c.momentum = 0.99;
        QCOMPARE(algorithmLabel(c), std::string("eamsgd tau=4"));
        c.algorithm = Algorithm::Naive;
        QCOMPARE(effectiveP(c), 0.0);
        QCOMPARE(algorithmLabel(c), std::string("naive"));
    }
};

QTEST_APPLESS_MAIN(TestExperimentSpec)
#include "test_experiment_spec.moc"
