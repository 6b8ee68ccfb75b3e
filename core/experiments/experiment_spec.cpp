#include "core/experiments/experiment_spec.h"


#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/common/json.h"
#include "core/train/run_settings.h"

namespace gossiplab::experiments {

namespace {

std::string fmt(double value) {
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
}

std::string trim(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const size_t last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) items.push_back(trim(item));
    if (!text.empty() && text.back() == ',') items.push_back("");
    return items;
}

const std::vector<std::string>& axisNames() {
    static const std::vector<std::string> names = {"algorithm", "p", "workers", "learning-rate", "seed"};
    return names;
}

// Keys of RunConfig whose JSON value is a number (as RunConfig's toJson writes them).
bool numericKey(const std::string& key) {
    const RunSetting* setting = findRunSetting(key);
    return setting && setting->isNumeric() && setting->kind != SettingKind::Switch;
}

bool axisGiven(const GridAxes& grid, const std::string& axis) {
    if (axis == "algorithm") return !grid.algorithm.empty();
    if (axis == "p") return !grid.p.empty();
    if (axis == "workers") return !grid.workers.empty();
    if (axis == "learning-rate") return !grid.learning_rate.empty();
    if (axis == "seed") return !grid.seed.empty();
    return false;
}

size_t axisSize(const GridAxes& grid, const std::string& axis) {
    if (axis == "algorithm") return grid.algorithm.size();
    if (axis == "p") return grid.p.size();
    if (axis == "workers") return grid.workers.size();
    if (axis == "learning-rate") return grid.learning_rate.size();
    if (axis == "seed") return grid.seed.size();
    return 0;
}

// The keys of a config that matter for a run of its algorithm (duplicates are found on these).
std::string canonicalKey(const RunConfig& config) {
    auto values = toKeyValues(config);
    values.erase("name");
    for (const RunSetting& s : runSettings())
        if (!s.appliesTo(config.algorithm)) values.erase(s.key);
    // p only sets EASGD's tau and local SGD's H when they are not given.
    if ((config.algorithm == Algorithm::Easgd && config.easgd_tau > 0) || (config.algorithm == Algorithm::LocalSgd && config.local_steps > 0))
        values.erase("p");
    std::string key;
    for (const auto& [k, v] : values) key += k + "=" + v + "\n";
    return key;
}

}  // namespace

// ---- names ----

std::string toString(ExperimentKind kind) {
    switch (kind) {
        case ExperimentKind::Grid: return "grid";
        case ExperimentKind::PaperFig1: return "paper-fig1";
        case ExperimentKind::ConsensusVsP: return "consensus-vs-p";
    }
    return "grid";
}

std::optional<ExperimentKind> parseExperimentKind(const std::string& text) {
    if (text == "grid") return ExperimentKind::Grid;
    if (text == "paper-fig1") return ExperimentKind::PaperFig1;
    if (text == "consensus-vs-p") return ExperimentKind::ConsensusVsP;
    return std::nullopt;
}

double effectiveP(const RunConfig& config) {
    switch (config.algorithm) {
        case Algorithm::GoSgd: return config.p;
        case Algorithm::Easgd: {
            const int tau = config.effectiveEasgdTau();
            return tau > 0 ? 1.0 / tau : 0.0;
        }
        case Algorithm::Naive: return 0.0;
        case Algorithm::LocalSgd: {
            const int h = config.effectiveLocalSteps();
            return h > 0 ? 1.0 / h : 0.0;
        }
        // Every step.
        case Algorithm::AllReduce:
        case Algorithm::DPsgd:
        case Algorithm::AdPsgd:
        case Algorithm::Sgp: return 1.0;
    }
    return config.p;
}

std::string algorithmLabel(const RunConfig& config) {
    switch (config.algorithm) {
        case Algorithm::GoSgd: return "gosgd p=" + fmt(config.p);
        case Algorithm::Easgd:
            return std::string(config.momentum > 0.0 ? "eamsgd" : "easgd") + " tau=" + std::to_string(config.effectiveEasgdTau());
        case Algorithm::Naive: return "naive";
        case Algorithm::AllReduce: return "allreduce";
        case Algorithm::LocalSgd: return "local-sgd H=" + std::to_string(config.effectiveLocalSteps());
        case Algorithm::DPsgd: return "dpsgd";
        case Algorithm::AdPsgd: return "adpsgd";
        case Algorithm::Sgp: return config.sgp_delay > 0 ? "sgp delay=" + std::to_string(config.sgp_delay) : "sgp";
    }
    return "?";
}

std::string ExperimentSpec::effectiveName() const {
    if (!name.empty()) return name;
    const std::string data = base.dataset + ", " + base.model;
    switch (kind) {
        case ExperimentKind::PaperFig1: return "GoSGD paper, Fig. 1 (" + data + ")";
        case ExperimentKind::ConsensusVsP: return "Consensus vs p (" + data + ")";
        case ExperimentKind::Grid: break;
    }
    std::string axes;
    for (const auto& axis : axisNames()) {
        if (axisSize(grid, axis) > 1) axes += (axes.empty() ? "" : " x ") + axis;
    }
    return "sweep" + (axes.empty() ? std::string() : " over " + axes) + " (" + data + ")";
}

bool operator==(const ExperimentSpec& a, const ExperimentSpec& b) {
    return a.name == b.name && a.kind == b.kind && a.grid == b.grid && a.per_algorithm == b.per_algorithm &&
           a.extra_runs == b.extra_runs && toKeyValues(a.base) == toKeyValues(b.base);
}

std::string formatGridErrors(const std::vector<GridError>& errors) {
    std::string out;
    for (const auto& e : errors) {
        out += "  " + e.axis;
        if (!e.value.empty()) out += (e.axis == "grid" ? " " : " = ") + e.value;
        out += ": " + e.message + "\n";
    }
    return out;
}

// ---- axes ----

std::optional<std::string> canonicalAxis(const std::string& name) {
    if (name == "algorithm" || name == "algorithms") return "algorithm";
    if (name == "p") return "p";
    if (name == "workers" || name == "m" || name == "M") return "workers";
    if (name == "learning-rate" || name == "lr") return "learning-rate";
    if (name == "seed" || name == "seeds") return "seed";
    return std::nullopt;
}

std::vector<GridError> setAxis(GridAxes& grid, const std::string& axis, const std::string& values) {
    std::vector<GridError> errors;
    const std::string where = "grid." + axis;
    auto bad = [&](const std::string& value, const std::string& message) { errors.push_back({where, value, message}); };
    const std::string text = trim(values);
    GridAxes parsed;
    std::set<std::string> seen;
    const std::vector<std::string> items = text.empty() ? std::vector<std::string>{} : splitList(text);
    for (const std::string& item : items) {
        if (item.empty()) {
            bad("", "an empty value in the list '" + values + "'");
            continue;
        }
        char* end = nullptr;
        if (axis == "algorithm") {
            auto a = parseAlgorithm(item);
            if (!a) { bad(item, "'" + item + "' is not one of gosgd, easgd (alias eamsgd), naive"); continue; }
            if (!seen.insert(toString(*a)).second) { bad(item, "listed twice"); continue; }
            parsed.algorithm.push_back(*a);
        } else if (axis == "p" || axis == "learning-rate") {
            const double v = std::strtod(item.c_str(), &end);
            if (*end != '\0' || !std::isfinite(v)) { bad(item, "'" + item + "' is not a number"); continue; }
            if (!seen.insert(fmt(v)).second) { bad(item, "listed twice"); continue; }
            (axis == "p" ? parsed.p : parsed.learning_rate).push_back(v);
        } else if (axis == "workers") {
            const long long v = std::strtoll(item.c_str(), &end, 10);
            if (*end != '\0') { bad(item, "'" + item + "' is not a whole number"); continue; }
            if (v < 1 || v > 64) { bad(item, "workers is " + item + "; allowed range: 1 to 64"); continue; }
            if (!seen.insert(item).second) { bad(item, "listed twice"); continue; }
            parsed.workers.push_back(static_cast<int>(v));
        } else if (axis == "seed") {
            const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
            if (*end != '\0' || item[0] == '-') { bad(item, "'" + item + "' is not a whole number >= 0"); continue; }
            if (!seen.insert(std::to_string(v)).second) { bad(item, "listed twice"); continue; }
            parsed.seed.push_back(v);
        } else {
            errors.push_back({"grid." + axis, "", "unknown axis '" + axis + "'; allowed: algorithm, p, workers, learning-rate (lr), seed"});
            return errors;
        }
    }
    if (!errors.empty()) return errors;
    if (axis == "algorithm") grid.algorithm = parsed.algorithm;
    else if (axis == "p") grid.p = parsed.p;
    else if (axis == "workers") grid.workers = parsed.workers;
    else if (axis == "learning-rate") grid.learning_rate = parsed.learning_rate;
    else if (axis == "seed") grid.seed = parsed.seed;
    return errors;
}

std::string axisText(const GridAxes& grid, const std::string& axis) {
    std::string out;
    auto add = [&](const std::string& v) { out += (out.empty() ? "" : ",") + v; };
    if (axis == "algorithm") for (auto a : grid.algorithm) add(toString(a));
    if (axis == "p") for (double v : grid.p) add(fmt(v));
    if (axis == "workers") for (int v : grid.workers) add(std::to_string(v));
    if (axis == "learning-rate") for (double v : grid.learning_rate) add(fmt(v));
    if (axis == "seed") for (uint64_t v : grid.seed) add(std::to_string(v));
    return out;
}

// ---- settings ----

bool isSettingName(const std::string& key) { return findRunSetting(key) != nullptr; }

std::optional<std::string> applySetting(RunConfig& config, const std::string& key, const std::string& value) {
    const RunSetting* setting = findRunSetting(key);
    if (!setting) return "unknown setting '" + key + "' (the settings are those of gossiplab-cli run)";
    RunConfig updated = config;
    if (auto expected = setting->set(updated, setting->kind == SettingKind::Switch && value.empty() ? "true" : value))
        return notParsedMessage(*setting, value, *expected);
    config = updated;
    return std::nullopt;
}

// ---- expansion ----

Expansion expand(const ExperimentSpec& spec) {
    Expansion out;
    auto& errors = out.errors;
    std::set<std::string> reported;
    auto report = [&](const std::string& axis, const std::string& value, const std::string& message) {
        if (reported.insert(axis + "\n" + value + "\n" + message).second) errors.push_back({axis, value, message});
    };

    if (spec.effectiveName().size() > 150)
        report("name", "", "the experiment name is " + std::to_string(spec.effectiveName().size()) + " bytes long; allowed: at most 150");

    // Per-algorithm settings: known keys, not a grid axis, values that parse.
    for (const auto& [algorithm, settings] : spec.per_algorithm) {
        for (const auto& [key, value] : settings) {
            const std::string where = toString(algorithm) + "." + key;
            if (key == "algorithm" || key == "name") {
                report(where, value, "'" + key + "' cannot be set per algorithm");
                continue;
            }
            if (auto axis = canonicalAxis(key); axis && axisGiven(spec.grid, *axis)) {
                report(where, value, "'" + key + "' is a grid axis here (grid." + *axis + "); drop one of the two");
                continue;
            }
            RunConfig probe = spec.base;
            if (auto error = applySetting(probe, key, value)) report(where, value, *error);
        }
    }
    // Extra runs: a label, known keys, values that parse.
    std::set<std::string> extra_labels;
    for (const auto& extra : spec.extra_runs) {
        const std::string where = "extra." + extra.label;
        if (extra.label.empty() || extra.label.size() > 80)
            report("extra", extra.label, "an extra run needs a label of 1 to 80 characters");
        else if (!extra_labels.insert(extra.label).second)
            report(where, "", "two extra runs have this label");
        for (const auto& [key, value] : extra.settings) {
            if (key == "name") { report(where + "." + key, value, "'name' cannot be set (the label names the run)"); continue; }
            RunConfig probe = spec.base;
            if (auto error = applySetting(probe, key, value)) report(where + "." + key, value, *error);
        }
    }
    if (!errors.empty()) return out;

    const std::vector<Algorithm> algorithms = spec.grid.algorithm.empty() ? std::vector<Algorithm>{spec.base.algorithm} : spec.grid.algorithm;
    const std::vector<double> ps = spec.grid.p.empty() ? std::vector<double>{spec.base.p} : spec.grid.p;
    const std::vector<int> workers = spec.grid.workers.empty() ? std::vector<int>{spec.base.workers} : spec.grid.workers;
    const std::vector<double> lrs = spec.grid.learning_rate.empty() ? std::vector<double>{spec.base.learning_rate} : spec.grid.learning_rate;
    const std::vector<uint64_t> seeds = spec.grid.seed.empty() ? std::vector<uint64_t>{spec.base.seed} : spec.grid.seed;
    const size_t combinations = (algorithms.size() * ps.size() * workers.size() * lrs.size() + spec.extra_runs.size()) * seeds.size();
    if (combinations > static_cast<size_t>(kMaxRunsPerExperiment)) {
        report("grid", "", "the grid has " + std::to_string(combinations) + " combinations; allowed: at most " +
                               std::to_string(kMaxRunsPerExperiment) + " runs per experiment");
        return out;
    }

    // Errors of the fixed settings alone are reported once, as "base".
    std::set<std::string> base_fields;
    {
        RunConfig base = spec.base;
        base.name.clear();
        for (const auto& e : validate(base)) {
            if (auto axis = canonicalAxis(e.field); axis && axisGiven(spec.grid, *axis)) continue;
            base_fields.insert(e.field);
            report("base", "", "--" + e.field + ": " + e.message);
        }
    }

    const std::string experiment_name = spec.effectiveName();
    std::set<std::string> seen;
    for (uint64_t seed : seeds) {
        for (int m : workers)
            for (double lr : lrs)
                for (double p : ps)
                    for (Algorithm algorithm : algorithms) {
                        RunConfig c = spec.base;
                        c.algorithm = algorithm;
                        c.p = p;
                        c.workers = m;
                        c.learning_rate = lr;
                        c.seed = seed;
                        if (auto it = spec.per_algorithm.find(algorithm); it != spec.per_algorithm.end())
                            for (const auto& [key, value] : it->second) applySetting(c, key, value);
                        if (algorithm == Algorithm::Naive) {
                            c.p = 0.0;  // no communication; p means nothing to naive runs
                            c.p_schedule.clear();
                        }
                        // The combination as the messages name it. Settings depend on each other
                        // only through the algorithm and p (validate()), so those axes name it.
                        std::string combination;
                        auto part = [&](const std::string& axis, const std::string& v) {
                            if (axisGiven(spec.grid, axis)) combination += (combination.empty() ? "" : " ") + axis + "=" + v;
                        };
                        part("algorithm", toString(algorithm));
                        part("p", fmt(p));
                        if (combination.empty()) {
                            part("workers", std::to_string(m));
                            part("learning-rate", fmt(lr));
                            part("seed", std::to_string(seed));
                        }

                        bool valid = true;
                        for (const auto& e : validate(c)) {
                            valid = false;
                            const auto axis = canonicalAxis(e.field);
                            if (axis && axisGiven(spec.grid, *axis)) {
                                std::string value = axis == "p" ? fmt(p) : axis == "workers" ? std::to_string(m)
                                                  : axis == "learning-rate" ? fmt(lr) : std::to_string(seed);
                                report("grid." + *axis, value, e.message);
                                continue;
                            }
                            auto per = spec.per_algorithm.find(algorithm);
                            if (per != spec.per_algorithm.end() && per->second.count(e.field)) {
                                report(toString(algorithm) + "." + e.field, per->second.at(e.field), e.message);
                                continue;
                            }
                            if (base_fields.count(e.field)) continue;  // reported as "base"
                            report("grid", combination, "--" + e.field + ": " + e.message);
                        }
                        if (!valid) continue;
                        if (!seen.insert(canonicalKey(c)).second) continue;  // the same run again

                        PlannedRun run;
                        run.position = static_cast<int>(out.runs.size());
                        run.label = algorithmLabel(c);
                        if (workers.size() > 1) run.label += " M=" + std::to_string(m);
                        if (lrs.size() > 1) run.label += " lr=" + fmt(lr);
                        if (seeds.size() > 1) run.label += " seed=" + std::to_string(seed);
                        c.name = experiment_name + ": " + run.label;
                        if (c.name.size() > 200) c.name = c.name.substr(0, 200);
                        run.config = c;
                        out.runs.push_back(std::move(run));
                    }
        for (const auto& extra : spec.extra_runs) {
            RunConfig c = spec.base;
            c.seed = seed;
            if (auto it = extra.settings.find("algorithm"); it != extra.settings.end()) applySetting(c, "algorithm", it->second);
            if (auto it = spec.per_algorithm.find(c.algorithm); it != spec.per_algorithm.end())
                for (const auto& [key, value] : it->second) applySetting(c, key, value);
            for (const auto& [key, value] : extra.settings) applySetting(c, key, value);
            if (c.algorithm == Algorithm::Naive) {
                c.p = 0.0;
                c.p_schedule.clear();
            }
            bool valid = true;
            for (const auto& e : validate(c)) {
                valid = false;
                report("extra." + extra.label, seeds.size() > 1 ? "seed=" + std::to_string(seed) : "", "--" + e.field + ": " + e.message);
            }
            if (!valid || !seen.insert(canonicalKey(c)).second) continue;
            PlannedRun run;
            run.position = static_cast<int>(out.runs.size());
            run.label = extra.label;
            if (seeds.size() > 1) run.label += " seed=" + std::to_string(seed);
            c.name = experiment_name + ": " + run.label;
            if (c.name.size() > 200) c.name = c.name.substr(0, 200);
            run.config = c;
            out.runs.push_back(std::move(run));
        }
    }
    if (!errors.empty()) out.runs.clear();
    return out;
}

// ---- presets ----

bool cifar10FilesPresent(const std::string& folder) {
    RunConfig probe;
    probe.dataset = "cifar10";
    probe.data_dir = folder;
    const std::filesystem::path dir = probe.effectiveDataDir();
    std::error_code ec;
    for (const char* name : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                             "data_batch_5.bin", "test_batch.bin"}) {
        if (!std::filesystem::is_regular_file(dir / name, ec)) return false;
    }
    return true;
}

ExperimentSpec paperFig1Spec(const std::string& cifar_dir) {
    ExperimentSpec spec;
    spec.kind = ExperimentKind::PaperFig1;
    spec.base = paperPreset();  // M = 8, batch 128, lr 0.01, weight decay 1e-4, moving rate 0.887
    if (cifar10FilesPresent(cifar_dir)) {
        spec.base.dataset = "cifar10";
        spec.base.model = "easgd-cifar";
        spec.base.data_dir = cifar_dir;
        // paperPreset's budget (10 epochs of the team) and evaluation.
    } else {
        spec.base.dataset = "fashion-mnist";
        spec.base.model = "lenet";
        spec.base.data_dir.clear();
        spec.base.budget_kind = BudgetKind::ImagesPerWorker;
        spec.base.budget = 60000;  // an epoch per worker (8 of the team): minutes per run on a CPU
        spec.base.eval_every_images = 10000;
        spec.base.eval_max_images = 0;
    }
    spec.grid.algorithm = {Algorithm::GoSgd, Algorithm::Easgd, Algorithm::Naive};
    spec.grid.p = {1.0, 0.02};  // EASGD: tau = round(1/p) = 1 and 50
    spec.per_algorithm[Algorithm::Easgd] = {{"momentum", "0.99"}, {"test-model", "center"}};  // EAMSGD, delta 0.99
    return spec;
}

ExperimentSpec paperFig1LongSpec() {
    ExperimentSpec spec;
    spec.kind = ExperimentKind::PaperFig1;
    spec.name = "GoSGD paper, Fig. 1, 20 epochs per worker (fashion-mnist, lenet)";
    spec.base = paperPreset();  // M = 8, batch 128, lr 0.01, weight decay 1e-4, moving rate 0.887
    spec.base.dataset = "fashion-mnist";
    spec.base.model = "lenet";
    spec.base.data_dir.clear();
    // 20 epochs per worker (9,375 steps at batch 128). At the paper's constant lr 0.01 without
    // momentum naive's training loss falls about as a power of the images (by 7-10% over the last
    // fifth of any budget from 5 to 20 epochs), so no budget this machine affords settles it: 20
    // epochs is as late in training as two seeds of 8 settings fit in a few hours (README).
    spec.base.budget_kind = BudgetKind::ImagesPerWorker;
    spec.base.budget = 1200000;
    spec.base.eval_every_images = 60000;  // the test model once per epoch of a worker
    spec.base.eval_max_images = 0;
    spec.grid.algorithm = {Algorithm::GoSgd, Algorithm::Naive};
    spec.grid.p = {1.0, 0.02};
    spec.grid.seed = {1, 2};
    // EAMSGD (Nesterov delta 0.99, the center tested) at tau = 1 and 50, with both readings of
    // its moving rate, labelled by it: the summary's alpha = 0.887 per worker (beta = M alpha =
    // 7.1) and the EASGD paper's beta = 0.9.
    spec.per_algorithm[Algorithm::Easgd] = {{"momentum", "0.99"}, {"test-model", "center"}};
    const std::string beta_alpha = fmt(0.9 / spec.base.workers);
    for (const char* tau : {"1", "50"}) {
        const std::string p = std::string(tau) == "1" ? "1" : "0.02";
        spec.extra_runs.push_back({std::string("eamsgd tau=") + tau + " alpha=0.887", {{"algorithm", "easgd"}, {"p", p}}});
        spec.extra_runs.push_back({std::string("eamsgd tau=") + tau + " beta=0.9", {{"algorithm", "easgd"}, {"p", p}, {"easgd-alpha", beta_alpha}}});
    }
    // The control for the mechanism at p = 1: GoSGD's alpha-weighted model moves at about 0.8 lr.
    spec.extra_runs.push_back({"gosgd p=1 lr=0.0125 (control)", {{"algorithm", "gosgd"}, {"p", "1"}, {"learning-rate", "0.0125"}}});
    return spec;
}

ExperimentSpec consensusVsPSpec() {
    ExperimentSpec spec;
    spec.kind = ExperimentKind::ConsensusVsP;
    spec.base = paperPreset();  // M = 8, weight decay 1e-4, no momentum
    spec.base.dataset = "fashion-mnist";
    spec.base.model = "lenet";
    spec.base.data_dir.clear();
    // The quick demo's batch and learning rate: the loss falls well within the budget, so the
    // workers drift apart under real gradient noise (the paper's lr 0.01 sits on the plateau).
    spec.base.batch_size = 32;
    spec.base.learning_rate = 0.05;
    spec.base.budget_kind = BudgetKind::ImagesPerWorker;
    spec.base.budget = 15000;
    spec.base.eval_every_images = 0;  // only the final test model
    spec.base.eval_max_images = 0;
    spec.grid.algorithm = {Algorithm::GoSgd};
    spec.grid.p = {0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};
    spec.grid.workers = {4, 8, 16};  // how the steady distance scales with M as well (fitConsensus)
    return spec;
}

ExperimentSpec algorithmsSpec() {
    ExperimentSpec spec;
    spec.kind = ExperimentKind::Grid;
    spec.name = "Every algorithm, same budget (fashion-mnist, lenet)";
    spec.base = paperPreset();  // M = 8, weight decay 1e-4
    spec.base.dataset = "fashion-mnist";
    spec.base.model = "lenet";
    spec.base.data_dir.clear();
    spec.base.workers = 4;
    // The consensus preset's batch and learning rate: every algorithm leaves the plateau within
    // the budget, so the comparison is about how they learn, not who escapes first.
    spec.base.batch_size = 32;
    spec.base.learning_rate = 0.05;
    spec.base.budget_kind = BudgetKind::ImagesPerWorker;
    spec.base.budget = 15000;
    spec.base.eval_every_images = 5000;
    spec.base.eval_max_images = 0;
    spec.grid.algorithm.assign(std::begin(kAllAlgorithms), std::end(kAllAlgorithms));
    spec.grid.p = {1.0, 0.02};  // GoSGD's p; EASGD's tau = 1 and 50; the others ignore it
    spec.grid.seed = {1, 2};
    // EAMSGD: Nesterov delta 0.9 at lr 0.005 takes steps of lr / (1 - delta) = 0.05, the others' size
    // (delta 0.99 at lr 0.05 diverges); the center is its test model.
    spec.per_algorithm[Algorithm::Easgd] = {{"momentum", "0.9"}, {"learning-rate", "0.005"}, {"test-model", "center"}};
    spec.per_algorithm[Algorithm::LocalSgd] = {{"local-steps", "8"}};
    return spec;
}

std::optional<ExperimentSpec> experimentPresetByName(const std::string& name, const std::string& cifar_dir) {
    if (name == "paper-fig1") return paperFig1Spec(cifar_dir);
    if (name == "paper-fig1-long") return paperFig1LongSpec();
    if (name == "consensus-vs-p") return consensusVsPSpec();
    if (name == "algorithms") return algorithmsSpec();
    return std::nullopt;
}

std::vector<std::string> experimentPresetNames() { return {"paper-fig1", "paper-fig1-long", "consensus-vs-p", "algorithms"}; }

std::string unknownPresetMessage() {
    std::string names;
    for (const std::string& name : experimentPresetNames()) names += (names.empty() ? "" : ", ") + name;
    return "unknown experiment preset; allowed: " + names;
}

// ---- JSON ----

std::string toJson(const ExperimentSpec& spec) {
    std::string out = "{\n  \"name\": " + json::quote(spec.name) + ",\n  \"kind\": " + json::quote(toString(spec.kind)) + ",\n";
    out += "  \"base\": {";
    bool first = true;
    for (const auto& [key, value] : toKeyValues(spec.base)) {
        if (key == "name") continue;
        out += std::string(first ? "\n" : ",\n") + "    " + json::quote(key) + ": " + (numericKey(key) ? value : json::quote(value));
        first = false;
    }
    out += "\n  },\n  \"grid\": {";
    first = true;
    for (const auto& axis : axisNames()) {
        if (!axisGiven(spec.grid, axis)) continue;
        out += std::string(first ? "\n" : ",\n") + "    " + json::quote(axis) + ": [";
        const auto items = splitList(axisText(spec.grid, axis));
        for (size_t k = 0; k < items.size(); ++k)
            out += (k ? ", " : "") + (axis == "algorithm" ? json::quote(items[k]) : items[k]);
        out += "]";
        first = false;
    }
    out += first ? "},\n" : "\n  },\n";
    out += "  \"per-algorithm\": {";
    first = true;
    for (const auto& [algorithm, settings] : spec.per_algorithm) {
        out += std::string(first ? "\n" : ",\n") + "    " + json::quote(toString(algorithm)) + ": {";
        bool first_setting = true;
        for (const auto& [key, value] : settings) {
            out += (first_setting ? "" : ", ") + json::quote(key) + ": " + json::quote(value);
            first_setting = false;
        }
        out += "}";
        first = false;
    }
    out += first ? "}" : "\n  }";
    out += ",\n  \"extra\": {";
    first = true;
    for (const auto& extra : spec.extra_runs) {
        out += std::string(first ? "\n" : ",\n") + "    " + json::quote(extra.label) + ": {";
        bool first_setting = true;
        for (const auto& [key, value] : extra.settings) {
            out += (first_setting ? "" : ", ") + json::quote(key) + ": " + json::quote(value);
            first_setting = false;
        }
        out += "}";
        first = false;
    }
    out += first ? "}\n}\n" : "\n  }\n}\n";
    return out;
}

std::optional<ExperimentSpec> specFromJson(const std::string& text, std::vector<GridError>* errors_out,
                                           const std::string& cifar_dir, const ExperimentSpec* start) {
    std::vector<GridError> errors;
    std::string parse_error;
    const auto pairs = json::parseFlattened(text, &parse_error);
    if (!pairs) {
        if (errors_out) errors_out->push_back({"file", "", "not a JSON object: " + parse_error});
        return std::nullopt;
    }
    ExperimentSpec spec = start ? *start : ExperimentSpec{};
    // A preset first, whatever its place in the file.
    for (const auto& [key, value] : *pairs) {
        if (key != "preset") continue;
        auto preset = experimentPresetByName(value, cifar_dir);
        if (!preset) errors.push_back({"preset", value, unknownPresetMessage()});
        else spec = *preset;
    }
    // The budget kind before the budget, so that "budget-kind" and "budget" may come in any order.
    std::vector<std::pair<std::string, std::string>> ordered;
    for (const auto& kv : *pairs)
        if (kv.first == "base.budget-kind") ordered.push_back(kv);
    for (const auto& kv : *pairs)
        if (kv.first != "base.budget-kind") ordered.push_back(kv);

    for (const auto& [key, value] : ordered) {
        if (key == "preset") continue;
        if (key == "name") { spec.name = value; continue; }
        if (key == "kind") {
            auto kind = parseExperimentKind(value);
            if (!kind) errors.push_back({key, value, "unknown kind; allowed: grid, paper-fig1, consensus-vs-p"});
            else spec.kind = *kind;
            continue;
        }
        const size_t dot = key.find('.');
        const std::string head = key.substr(0, dot);
        const std::string rest = dot == std::string::npos ? std::string() : key.substr(dot + 1);
        if (head == "base" && !rest.empty()) {
            if (rest == "name") continue;  // every run gets its own
            if (!isSettingName(rest)) {
                errors.push_back({key, value, "unknown setting '" + rest + "' (the settings are those of gossiplab-cli run)"});
                continue;
            }
            if (auto error = applySetting(spec.base, rest, value)) errors.push_back({key, value, *error});
            continue;
        }
        if (head == "grid" && !rest.empty()) {
            auto axis = canonicalAxis(rest);
            if (!axis) {
                errors.push_back({key, value, "unknown axis '" + rest + "'; allowed: algorithm, p, workers, learning-rate (lr), seed"});
                continue;
            }
            for (auto& e : setAxis(spec.grid, *axis, value)) errors.push_back(e);
            continue;
        }
        // "extra.LABEL.SETTING" (a setting name has no '.'; a label may: "lr=0.0125").
        if (head == "extra") {
            const size_t last = rest.rfind('.');
            const std::string label = last == std::string::npos ? std::string() : rest.substr(0, last);
            const std::string setting = last == std::string::npos ? std::string() : rest.substr(last + 1);
            if (label.empty() || setting.empty()) {
                errors.push_back({key, value, "expected extra.LABEL.SETTING (\"extra\": {\"LABEL\": {\"SETTING\": VALUE}})"});
                continue;
            }
            if (!isSettingName(setting)) {
                errors.push_back({key, value, "unknown setting '" + setting + "' (the settings are those of gossiplab-cli run)"});
                continue;
            }
            auto it = std::find_if(spec.extra_runs.begin(), spec.extra_runs.end(), [&](const ExtraRun& e) { return e.label == label; });
            if (it == spec.extra_runs.end()) it = spec.extra_runs.insert(spec.extra_runs.end(), ExtraRun{label, {}});
            it->settings[setting == "lr" ? "learning-rate" : setting] = value;
            continue;
        }
        // "per-algorithm.easgd.momentum" or "easgd.momentum".
        std::string algorithm_name = head, setting = rest;
        if (head == "per-algorithm") {
            const size_t second = rest.find('.');
            algorithm_name = rest.substr(0, second);
            setting = second == std::string::npos ? std::string() : rest.substr(second + 1);
        }
        if (auto algorithm = parseAlgorithm(algorithm_name); algorithm && !setting.empty()) {
            if (!isSettingName(setting)) {
                errors.push_back({key, value, "unknown setting '" + setting + "' (the settings are those of gossiplab-cli run)"});
                continue;
            }
            spec.per_algorithm[*algorithm][setting == "lr" ? "learning-rate" : setting] = value;
            continue;
        }
        errors.push_back({key, value,
                          "unknown key; allowed: name, kind, preset, base.SETTING, grid.AXIS, per-algorithm.ALGORITHM.SETTING, extra.LABEL.SETTING"});
    }
    if (!errors.empty()) {
        if (errors_out) errors_out->insert(errors_out->end(), errors.begin(), errors.end());
        return std::nullopt;
    }
    return spec;
}

}  // namespace gossiplab::experiments
