#pragma once
// An experiment: a named set of runs defined as a grid (algorithm x p x M x lr x seed) over fixed
// settings, with optional per-algorithm settings; its presets; its expansion into validated
// RunConfigs; its JSON form. Torch-free and Qt-free (the UI's experiment form includes it).
//
// Expansion order (the queue order): seed (outermost), workers, learning rate, p, algorithm
// (innermost), so that a paused or partly run experiment already holds complete comparisons of
// the algorithms for its first settings. Runs that would be identical are queued once: naive
// ignores p (its runs are made once per other setting and recorded with p = 0), and EASGD ignores
// p when its tau is given explicitly (tau 0, the default, means round(1/p)).
// Every expanded config goes through RunConfig's validate(); a violation is reported naming the
// axis and value that cause it ("grid.p = 1.5: ..."), the per-algorithm setting ("easgd.momentum
// = 1: ..."), the fixed settings ("base: ...") or the combination ("grid: algorithm=easgd p=0: ...").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/train/run_config.h"

namespace gossiplab::experiments {

// What the experiment view shows first. Any kind has both tables; the kind picks the default.
enum class ExperimentKind {
    Grid,          // a user's sweep
    PaperFig1,     // the GoSGD paper's Fig. 1: the time-to-loss table and the GoSGD/EAMSGD ratios
    ConsensusVsP,  // final metrics against p
};
std::string toString(ExperimentKind kind);
std::optional<ExperimentKind> parseExperimentKind(const std::string& text);

// The grid's axes. An empty axis takes the fixed settings' (base's) value.
// Axis names (flags --grid-NAME, files "grid.NAME", messages): algorithm, p, workers,
// learning-rate (alias lr), seed.
struct GridAxes {
    std::vector<Algorithm> algorithm;
    std::vector<double> p;
    std::vector<int> workers;
    std::vector<double> learning_rate;
    std::vector<uint64_t> seed;
    bool operator==(const GridAxes&) const = default;
};

inline constexpr int kMaxRunsPerExperiment = 2000;

// A run outside the grid; see ExperimentSpec::extra_runs.
struct ExtraRun {
    std::string label;  // shown in the queue and the tables; unique within the experiment
    std::map<std::string, std::string> settings;
    bool operator==(const ExtraRun&) const = default;
};

struct ExperimentSpec {
    std::string name;  // empty: defaultName()
    ExperimentKind kind = ExperimentKind::Grid;
    RunConfig base;    // the fixed settings (its name is ignored: every run gets its own)
    GridAxes grid;
    // Settings for the runs of one algorithm only, as RunConfig keys (toKeyValues), applied after
    // the base and the axis values; e.g. easgd: {momentum: 0.99, test-model: center}. A key that
    // is also a non-empty grid axis, and "algorithm" and "name", are refused.
    std::map<Algorithm, std::map<std::string, std::string>> per_algorithm;
    // Runs outside the grid (a control, a second reading of a setting): each is the fixed settings,
    // then its algorithm's per-algorithm settings, then its own settings (RunConfig keys or run
    // flag aliases). Queued once per seed of the seed axis, after that seed's grid runs, and
    // labelled with its label (plus " seed=N" when there are several seeds).
    std::vector<ExtraRun> extra_runs;

    std::string effectiveName() const;
};
// Equal names, kinds, grids, per-algorithm settings and fixed settings (compared as toKeyValues).
bool operator==(const ExperimentSpec& a, const ExperimentSpec& b);

// One run of the expansion: its queue position, label and validated config.
struct PlannedRun {
    int position = 0;
    std::string label;  // "gosgd p=0.02", "eamsgd tau=50", "naive", plus "M=4 lr=0.1 seed=2" for axes with several values
    RunConfig config;   // its name is "<experiment name>: <label>"
};

struct GridError {
    std::string axis;   // "grid.p", "grid", "base", "easgd.momentum", "name", or a file's key
    std::string value;  // the offending value ("1.5", "algorithm=easgd p=0"); may be empty
    std::string message;
};
// One line per error: "  grid.p = 1.5: p is 1.5; allowed range: 0 to 1".
std::string formatGridErrors(const std::vector<GridError>& errors);

struct Expansion {
    std::vector<PlannedRun> runs;   // empty when there are errors
    std::vector<GridError> errors;  // every violation, deduplicated
};
Expansion expand(const ExperimentSpec& spec);

// ---- axes as text (flags and files) ----

// The canonical axis name for "algorithm", "p", "workers" (alias "m"), "learning-rate" (alias
// "lr"), "seed"; nullopt for anything else.
std::optional<std::string> canonicalAxis(const std::string& name);
// Parses "0,0.02,1" into the axis `axis` (canonical name) of `grid`; errors name the axis and the
// value. An empty text clears the axis.
std::vector<GridError> setAxis(GridAxes& grid, const std::string& axis, const std::string& values);
std::string axisText(const GridAxes& grid, const std::string& axis);  // "0,0.02,1"; "" when empty

// ---- settings as text (flags and files) ----

// Applies a setting named like a RunConfig key or a `gossiplab-cli run` flag (lr, epochs, images,
// seconds, allow-zero-lr, ...) to `config`; returns an error message or nullopt.
std::optional<std::string> applySetting(RunConfig& config, const std::string& key, const std::string& value);
// True if `key` is a RunConfig key or one of the flag aliases applySetting takes.
bool isSettingName(const std::string& key);

// ---- presets ----

// "paper-fig1-long": the paper's Fig. 1 run late into training, to answer its claims (README,
// "Experiments"): Fashion-MNIST, LeNet, M = 8, batch 128, lr 0.01, 20 epochs per worker,
// seeds 1 and 2; GoSGD p = 1 and 0.02, EAMSGD tau = 1 and 50 with the summary's moving rate
// (alpha 0.887 per worker) and with the EASGD paper's (beta = 0.9, alpha = 0.9 / M), naive, and
// the control GoSGD p = 1 at lr 0.01 / 0.8 (the share of alpha held by workers at p = 1).
ExperimentSpec paperFig1LongSpec();
// "paper-fig1": the GoSGD paper's Fig. 1, same budget, seeds and data for every run: GoSGD p = 1
// vs EAMSGD tau = 1 (Nesterov delta 0.99) vs naive, and GoSGD p = 0.02 vs EAMSGD tau = 50; the
// paper's M = 8, batch 128, lr 0.01, weight decay 1e-4, EASGD moving rate 0.887 (paperPreset()).
// On CIFAR-10 with the EASGD network when its files are in `cifar_dir` (empty: the default
// folder; the paper's budget of 10 epochs of the team), otherwise on Fashion-MNIST with LeNet and
// 60,000 images per worker (one epoch each: at lr 0.01 the loss leaves its plateau during it).
ExperimentSpec paperFig1Spec(const std::string& cifar_dir = {});
// "consensus-vs-p": GoSGD at p in {0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1} at a fixed
// budget, for M = 4, 8 and 16 (Fashion-MNIST, LeNet, 15,000 images per worker, batch 32, lr 0.05, weight decay
// 1e-4: the loss falls well within the budget, so consensus is measured under gradient noise).
ExperimentSpec consensusVsPSpec();
// Every algorithm at the same budget and seeds (GoSGD and EASGD at two rates of communication):
// time to loss, final test accuracy and consensus distance side by side.
ExperimentSpec algorithmsSpec();
std::optional<ExperimentSpec> experimentPresetByName(const std::string& name, const std::string& cifar_dir = {});
std::vector<std::string> experimentPresetNames();
// "unknown experiment preset; allowed: paper-fig1, ..." (every name of experimentPresetNames).
std::string unknownPresetMessage();
// True when the CIFAR-10 binary files (data_batch_1..5.bin, test_batch.bin) are in the folder
// (empty: the default folder, RunConfig::effectiveDataDir for cifar10).
bool cifar10FilesPresent(const std::string& folder = {});

// ---- JSON ----

// {"name":..., "kind":..., "base": {RunConfig keys}, "grid": {"p": [...], ...},
//  "per-algorithm": {"easgd": {"momentum": 0.99}}, "extra": {"LABEL": {settings}, ...}}
std::string toJson(const ExperimentSpec& spec);
// Reads what toJson writes, and hand-written files: a "preset" key starts from that preset; the
// keys may be nested or flat ("grid.p": "0,0.02,1"); "base" takes RunConfig keys and the run flags'
// aliases (lr, images, epochs, seconds); per-algorithm settings may also be written "easgd.momentum".
// `start`: what a file without a "preset" key builds on (default: ExperimentSpec{}).
// nullopt with every problem in `errors` (axis = the key).
std::optional<ExperimentSpec> specFromJson(const std::string& text, std::vector<GridError>* errors,
                                           const std::string& cifar_dir = {}, const ExperimentSpec* start = nullptr);

// Communication frequency of a config: GoSGD p, EASGD 1/tau, naive 0 (the x of EASGD runs in a
// plot against p).
double effectiveP(const RunConfig& config);
// "gosgd p=0.02", "eamsgd tau=50", "easgd tau=50" (no momentum), "naive".
std::string algorithmLabel(const RunConfig& config);

}  // namespace gossiplab::experiments
