#include "core/cli/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "core/cli/cli_common.h"
#include "core/cli/command_line.h"
#include "core/cli/progress_printer.h"
#include "core/experiments/experiment_data.h"
#include "core/experiments/experiment_export.h"
#include "core/experiments/experiment_runner.h"
#include "core/experiments/experiment_spec.h"
#include "core/experiments/report.h"
#include "core/experiments/training_launcher.h"
#include "core/store/history.h"
#include "core/train/run_settings.h"

namespace gossiplab::cli {

namespace {

using namespace gossiplab::experiments;

const char* kSweepUsage =
    "usage: gossiplab-cli sweep [--preset NAME] [--file SPEC.json] [--name TEXT] [--grid-AXIS LIST]...\n"
    "                           [--images N | --epochs E | --seconds S] [RUN FLAGS] [--per-algorithm ALG.KEY=VALUE]...\n"
    "                           [--db FILE] [--dry-run | --queue-only] [--progress] [--quiet]\n"
    "       gossiplab-cli sweep --resume EXPERIMENT [--db FILE] [--skip-interrupted] [--progress] [--quiet]\n";

const char* kSweepHelp =
    "\nQueues an experiment - a named set of runs defined as a grid - in the run history and runs it, one run\n"
    "after another. Every run is recorded as usual and linked to the experiment (tag experiment:ID).\n\n"
    "Defining the experiment (applied in this order):\n"
    "  --preset NAME            paper-fig1: the GoSGD paper's Fig. 1 (GoSGD p=1 vs EAMSGD tau=1 vs naive, GoSGD\n"
    "                           p=0.02 vs EAMSGD tau=50; M=8, batch 128, lr 0.01, wd 1e-4; Fashion-MNIST + LeNet,\n"
    "                           or CIFAR-10 + the EASGD net when its files are present)\n"
    "                           paper-fig1-long: Fig. 1 late in training (20 epochs per worker, 2 seeds,\n"
    "                           both readings of EAMSGD's moving rate)\n"
    "                           consensus-vs-p: GoSGD at p = 0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1\n"
    "                           algorithms: every algorithm (GoSGD and EAMSGD at two rates, naive, all-reduce,\n"
    "                           local SGD, D-PSGD, AD-PSGD, SGP) at the same budget and seeds; M=4, Fashion-MNIST\n"
    "  --file SPEC.json         a spec file: {\"name\", \"preset\", \"base\": {settings}, \"grid\": {\"p\": [0, 1], ...},\n"
    "                           \"per-algorithm\": {\"easgd\": {\"momentum\": 0.99}}}; flat keys (\"grid.p\": \"0,1\") work too\n"
    "  --name TEXT              the experiment's name (default: made from the preset or the axes)\n"
    "  --grid-algorithm LIST    e.g. gosgd,easgd,naive\n"
    "  --grid-p LIST            e.g. 0,0.02,1 (EASGD: tau = round(1/p) unless --easgd-tau is set)\n"
    "  --grid-workers LIST      e.g. 2,4,8\n"
    "  --grid-lr LIST           e.g. 0.01,0.05 (alias --grid-learning-rate)\n"
    "  --grid-seed LIST         e.g. 1,2,3 (the table and plots then show the seeds' spread)\n"
    "  --images N | --epochs E | --seconds S   the budget of every run\n"
    "  RUN FLAGS                any setting of `gossiplab-cli run` (--dataset, --model, --batch-size, --momentum,\n"
    "                           --devices, --eval-every, ...) fixes that setting for every run\n"
    "  --per-algorithm ALG.KEY=VALUE   a setting for one algorithm's runs, e.g. easgd.momentum=0.99\n\n"
    "Running:\n"
    "  --db FILE                run history (default: $XDG_DATA_HOME/gossiplab/history.sqlite3)\n"
    "  --dry-run                print the runs it would queue and stop (writes nothing)\n"
    "  --queue-only             queue the experiment without running it (run it with --resume)\n"
    "  --resume EXPERIMENT      run what is still queued of an experiment (paused, interrupted)\n"
    "  --skip-interrupted       on resume, skip a run that was interrupted instead of running it again\n"
    "  --progress               a progress bar / lines for every run\n"
    "  --quiet                  only the summary\n\n"
    "Ctrl+C stops the run going on (recorded `stopped`; it runs again from the start on resume) and leaves\n"
    "the rest queued. A run interrupted by a killed process runs again from the start on resume.\n"
    "Exit codes: 0 the queue is done, 1 failed (history, data), 2 invalid arguments (every violation is\n"
    "listed, naming the grid axis and value), 130 stopped by Ctrl+C (resumable).\n";

struct SweepArgs {
    std::string preset, file, name, db;
    int64_t resume = 0;
    bool dry_run = false, queue_only = false, progress = false, quiet = false, skip_interrupted = false, help = false;
    std::vector<std::pair<std::string, std::string>> grid;      // (axis, list)
    std::vector<std::pair<std::string, std::string>> settings;  // (key, value)
    std::vector<std::string> per_algorithm;                     // ALG.KEY=VALUE
    std::vector<GridError> errors;
};

const std::vector<std::string> kSweepSwitches = {"dry-run", "queue-only", "progress", "quiet", "skip-interrupted"};

// Every flag `sweep` takes: its own, one --grid-AXIS per axis name, and every run setting.
std::vector<FlagSpec> sweepFlagSpecs() {
    std::vector<FlagSpec> specs = {{"preset", {}, "NAME"}, {"file", {}, "SPEC.json"}, {"name", {}, "TEXT"}, {"db", {}, "FILE"},
                                   {"resume", {}, "EXPERIMENT"}, {"per-algorithm", {}, "ALG.KEY=VALUE"}};
    for (const auto& name : kSweepSwitches) specs.push_back({name, {}, ""});
    for (const char* axis : {"algorithm", "p", "workers", "learning-rate", "seed"}) {
        FlagSpec spec{std::string("grid-") + axis, {}, "LIST"};
        for (const char* alias : {"algorithms", "m", "lr", "seeds"})
            if (canonicalAxis(alias) == std::string(axis)) spec.aliases.push_back(std::string("grid-") + alias);
        specs.push_back(spec);
    }
    for (const RunSetting& s : runSettings()) {
        if (!s.flag || s.key == "name") continue;  // --name names the experiment
        specs.push_back({s.key, s.aliases, s.kind == SettingKind::Switch ? std::string() : s.metavar});
    }
    return specs;
}

SweepArgs parseSweepArgs(const std::vector<std::string>& args) {
    SweepArgs out;
    const ParsedCommandLine parsed = parseCommandLine(args, sweepFlagSpecs());
    out.help = parsed.line.help;
    if (!parsed.error.empty()) {
        out.errors.push_back({"command line", "", parsed.error});
        return out;
    }
    for (const auto& [name, value] : parsed.line.flags) {
        if (name == "dry-run") out.dry_run = true;
        else if (name == "queue-only") out.queue_only = true;
        else if (name == "progress") out.progress = true;
        else if (name == "quiet") out.quiet = true;
        else if (name == "skip-interrupted") out.skip_interrupted = true;
        else if (name == "allow-zero-lr") out.settings.emplace_back("allow-zero-lr", "true");
        else if (name.rfind("grid-", 0) == 0) out.grid.emplace_back(*canonicalAxis(name.substr(5)), value);
        else if (name == "preset") out.preset = value;
        else if (name == "file") out.file = value;
        else if (name == "name") out.name = value;
        else if (name == "db") out.db = value;
        else if (name == "per-algorithm") out.per_algorithm.push_back(value);
        else if (name == "resume") {
            if (!parseId(value, &out.resume)) out.errors.push_back({"--resume", value, "not an experiment id (a whole number > 0; see gossiplab-cli experiments)"});
        } else out.settings.emplace_back(name, value);
    }
    return out;
}

// One line per run of the queue.
class SweepPrinter final : public ExperimentObserver {
public:
    SweepPrinter(int total, bool quiet) : total_(total), quiet_(quiet) {}
    void onClaimed(const store::ExperimentClaim& claim) override {
        total_ = claim.experiment.counts.total;
        if (quiet_) return;
        for (int position : claim.requeued)
            std::printf("  run %d was interrupted: it runs again from the start\n", position + 1);
        for (int position : claim.skipped) std::printf("  run %d was interrupted: skipped\n", position + 1);
        std::fflush(stdout);
    }
    void onItemStarting(const store::QueueItem& item) override {
        if (quiet_) return;
        std::printf("[%d/%d] %s%s\n", item.position + 1, total_, item.label.c_str(),
                    item.attempts > 1 ? (" (attempt " + std::to_string(item.attempts) + ")").c_str() : "");
        std::fflush(stdout);
    }
    void onRunLinked(int, int64_t run_id) override { run_id_ = run_id; }
    void onItemEnded(const store::QueueItem& item, store::QueueItemStatus status, const RunResult* result,
                     const std::string& message) override {
        if (quiet_ && status == store::QueueItemStatus::Done) return;
        if (result && status == store::QueueItemStatus::Done) {
            std::printf("      %s in %s: loss %s, test acc %s, consensus %s, %lld messages (run %lld)%s%s\n",
                        toString(result->status).c_str(), ProgressPrinter::formatDuration(result->wall_s).c_str(),
                        formatValue(result->final_mean_loss).c_str(),
                        std::isfinite(result->final_test_accuracy) ? (formatValue(100 * result->final_test_accuracy, 4) + "%").c_str() : "-",
                        formatValue(result->consensus_distance).c_str(), static_cast<long long>(result->messages),
                        static_cast<long long>(run_id_), result->status == RunStatus::Finished ? "" : ": ",
                        result->status == RunStatus::Finished ? "" : result->message.c_str());
        } else {
            std::printf("      run %d (%s) %s: %s\n", item.position + 1, item.label.c_str(), store::toString(status).c_str(), message.c_str());
        }
        run_id_ = 0;
        std::fflush(stdout);
    }

private:
    int total_;
    bool quiet_;
    int64_t run_id_ = 0;
};

// Runs the experiment's queue in this process; Ctrl+C pauses it. Returns the exit code.
int runQueue(const std::string& db, int64_t experiment_id, const SweepArgs& args) {
    TrainingLauncher launcher;
    SweepPrinter printer(0, args.quiet);
    ProgressPrinter progress(stdout, isatty(STDOUT_FILENO) != 0, false);
    RunnerOptions options;
    options.interrupted = args.skip_interrupted ? InterruptedPolicy::Skip : InterruptedPolicy::Rerun;
    options.observer = &printer;
    if (args.progress && !args.quiet) options.run_observer = &progress;
    options.recorder.create_folders = db.empty();
    ExperimentRunner runner(historyPath(db), experiment_id, launcher, options);

    // Ctrl+C stops the current run and pauses the queue; a second one ends the process at once.
    installInterruptHandler(kExitInterrupted);
    RunnerOutcome outcome;
    std::atomic<bool> finished{false};
    std::thread worker([&] {
        outcome = runner.run();
        finished.store(true);
    });
    bool told = false;
    while (!finished.load()) {
        if (interruptCount() > 0 && !told) {
            told = true;
            std::fprintf(stderr, "\nstopping the run going on; the rest stays queued (Ctrl+C again to quit at once)\n");
            runner.stopNow();
        }
        usleep(50 * 1000);
    }
    worker.join();
    restoreDefaultInterruptHandler();

    const std::string id = std::to_string(experiment_id);
    if (outcome.error && outcome.runs_started == 0 && outcome.state != store::ExperimentState::Paused) {
        std::fprintf(stderr, "gossiplab-cli sweep: %s\n", outcome.message.c_str());
        return kExitFailed;
    }
    auto history = openHistory(db, store::OpenMode::ReadOnly, "sweep");
    if (!history) return kExitFailed;
    auto loaded = loadExperiment(*history, experiment_id);
    const int queued = loaded ? loaded->record.counts.queued : 0;
    switch (outcome.state) {
        case store::ExperimentState::Done:
            std::printf("experiment %s done: %d run(s) done", id.c_str(), loaded ? loaded->record.counts.done : 0);
            if (loaded && loaded->record.counts.skipped) std::printf(", %d skipped", loaded->record.counts.skipped);
            if (loaded && loaded->record.counts.cancelled) std::printf(", %d cancelled", loaded->record.counts.cancelled);
            std::printf("\n");
            break;
        case store::ExperimentState::Cancelled: std::printf("experiment %s cancelled\n", id.c_str()); break;
        default:
            std::printf("experiment %s %s: %s\n  %d run(s) still queued; resume with: gossiplab-cli sweep --resume %s%s\n",
                        id.c_str(), store::toString(outcome.state).c_str(), outcome.message.c_str(), queued, id.c_str(),
                        dbSuffix(db).c_str());
    }
    if (loaded && !args.quiet && outcome.state == store::ExperimentState::Done) {
        std::printf("\n%s", timeToLossText(timeToLossTable(loaded->data), TextStyle::Plain).c_str());
        if (auto parameter = defaultSweepParameter(loaded->data); parameter && loaded->data.kind != ExperimentKind::PaperFig1)
            std::printf("\n%s", metricsText(loaded->data, *parameter, TextStyle::Plain).c_str());
        std::printf("\n(gossiplab-cli experiment show %s%s for the tables; experiment export %s --dir DIR for CSV)\n",
                    id.c_str(), dbSuffix(db).c_str(), id.c_str());
    }
    std::fflush(stdout);
    if (interruptCount() > 0) return kExitInterrupted;
    if (outcome.error) {
        std::fprintf(stderr, "gossiplab-cli sweep: %s\n", outcome.message.c_str());
        return kExitFailed;
    }
    return outcome.state == store::ExperimentState::Done || outcome.state == store::ExperimentState::Cancelled ? kExitOk
                                                                                                              : kExitFailed;
}

std::optional<std::string> readFile(const std::string& path, std::string& out) {
    std::ifstream in(path);
    if (!in) return path + ": cannot read the file";
    std::stringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return std::nullopt;
}


}  // namespace

int sweepCommand(const std::vector<std::string>& raw) {
    SweepArgs args = parseSweepArgs(raw);
    if (args.help) {
        std::fputs(kSweepUsage, stdout);
        std::fputs(kSweepHelp, stdout);
        return kExitOk;
    }
    if (args.resume != 0) {
        const bool defines = !args.preset.empty() || !args.file.empty() || !args.name.empty() || !args.grid.empty() ||
                             !args.settings.empty() || !args.per_algorithm.empty() || args.dry_run || args.queue_only;
        if (defines) args.errors.push_back({"--resume", "", "--resume takes only --db, --skip-interrupted, --progress and --quiet"});
    }
    if (!args.errors.empty()) {
        std::fprintf(stderr, "gossiplab-cli sweep: invalid arguments:\n%s%s", formatGridErrors(args.errors).c_str(), kSweepUsage);
        return kExitUsage;
    }
    if (args.resume != 0) {
        auto history = openHistory(args.db, store::OpenMode::ReadWrite, "sweep");
        if (!history) return kExitFailed;
        const auto record = history->experiment(args.resume);
        if (!record) {
            std::fprintf(stderr, "gossiplab-cli sweep: no experiment %lld in %s\n", static_cast<long long>(args.resume),
                         history->path().c_str());
            return kExitFailed;
        }
        if (record->state == store::ExperimentState::Cancelled) {
            std::fprintf(stderr, "gossiplab-cli sweep: experiment %lld was cancelled; nothing to resume\n",
                         static_cast<long long>(args.resume));
            return kExitFailed;
        }
        const int pending = record->counts.queued + record->counts.running + record->counts.interrupted;
        std::printf("resuming experiment %lld '%s': %d of %d run(s) to go\n", static_cast<long long>(record->id),
                    record->name.c_str(), pending, record->counts.total);
        std::fflush(stdout);
        history.reset();
        return runQueue(args.db, args.resume, args);
    }

    // The spec: preset, then file, then flags.
    std::string data_dir;
    for (const auto& [key, value] : args.settings)
        if (key == "data-dir") data_dir = value;
    ExperimentSpec spec;
    std::vector<GridError> errors;
    if (!args.preset.empty()) {
        auto preset = experimentPresetByName(args.preset, data_dir);
        if (!preset) errors.push_back({"--preset", args.preset, unknownPresetMessage()});
        else spec = *preset;
    }
    if (!args.file.empty()) {
        std::string text;
        if (auto error = readFile(args.file, text)) {
            errors.push_back({"--file", "", *error});
        } else {
            std::vector<GridError> file_errors;
            auto from_file = specFromJson(text, &file_errors, data_dir, &spec);
            for (auto& e : file_errors) errors.push_back({args.file + ": " + e.axis, e.value, e.message});
            if (from_file) spec = *from_file;
        }
    }
    if (!args.name.empty()) spec.name = args.name;
    // The budget kind before the budget value; the rest in order.
    for (const auto& [key, value] : args.settings) {
        if (auto error = applySetting(spec.base, key, value)) errors.push_back({"--" + key, value, *error});
    }
    for (const auto& [axis, list] : args.grid) {
        for (auto& e : setAxis(spec.grid, axis, list)) errors.push_back(e);
    }
    for (const std::string& entry : args.per_algorithm) {
        const size_t dot = entry.find('.'), eq = entry.find('=');
        auto algorithm = dot == std::string::npos ? std::nullopt : parseAlgorithm(entry.substr(0, dot));
        if (!algorithm || eq == std::string::npos || eq < dot) {
            errors.push_back({"--per-algorithm", entry, "expected ALGORITHM.SETTING=VALUE, e.g. easgd.momentum=0.99"});
            continue;
        }
        std::string key = entry.substr(dot + 1, eq - dot - 1);
        if (key == "lr") key = "learning-rate";
        if (!isSettingName(key)) {
            errors.push_back({"--per-algorithm", entry, "unknown setting '" + key + "' (the settings are those of gossiplab-cli run)"});
            continue;
        }
        spec.per_algorithm[*algorithm][key] = entry.substr(eq + 1);
    }
    if (!errors.empty()) {
        std::fprintf(stderr, "gossiplab-cli sweep: invalid arguments:\n%s", formatGridErrors(errors).c_str());
        return kExitUsage;
    }
    const Expansion expansion = expand(spec);
    if (!expansion.errors.empty()) {
        std::fprintf(stderr, "gossiplab-cli sweep: the experiment is not valid:\n%s", formatGridErrors(expansion.errors).c_str());
        return kExitUsage;
    }

    const std::string name = spec.effectiveName();
    const RunConfig& first = expansion.runs.front().config;
    std::printf("experiment '%s': %zu run(s) on %s with %s, %s %s each\n", name.c_str(), expansion.runs.size(),
                first.dataset.c_str(), first.model.c_str(), formatValue(first.budget, 8).c_str(),
                first.budget_kind == BudgetKind::ImagesPerWorker ? "images per worker"
                : first.budget_kind == BudgetKind::Epochs       ? "epoch(s) of the team"
                                                                 : "second(s)");
    if (!args.quiet || args.dry_run)
        for (const auto& run : expansion.runs) std::printf("  %3d  %s\n", run.position + 1, run.label.c_str());
    std::fflush(stdout);
    if (args.dry_run) return kExitOk;

    store::NewExperiment created;
    created.name = name;
    created.kind = toString(spec.kind);
    spec.name = name;
    created.spec_json = toJson(spec);
    for (const auto& run : expansion.runs) created.items.push_back({run.label, toJson(run.config)});
    int64_t id = 0;
    {
        auto history = openHistory(args.db, store::OpenMode::ReadWrite, "sweep");
        if (!history) return kExitFailed;
        auto made = history->createExperiment(created);
        if (!made) {
            std::fprintf(stderr, "gossiplab-cli sweep: %s\n", made.error().message.c_str());
            return kExitFailed;
        }
        id = made.value();
        std::printf("queued as experiment %lld in %s\n", static_cast<long long>(id), history->path().c_str());
        std::fflush(stdout);
    }
    if (args.queue_only) {
        std::printf("run it with: gossiplab-cli sweep --resume %lld%s\n", static_cast<long long>(id), dbSuffix(args.db).c_str());
        return kExitOk;
    }
    return runQueue(args.db, id, args);
}

int experimentsCommand(const std::vector<std::string>& raw) {
    const char* kUsage = "usage: gossiplab-cli experiments [--db FILE]\n";
    const auto parsed = parseCommandLine(raw, {{"db", {}, "FILE"}});
    if (!parsed.error.empty()) return usageError("experiments", parsed.error, kUsage);
    if (parsed.line.help) {
        std::fputs(kUsage, stdout);
        return kExitOk;
    }
    const std::string db = parsed.line.value("db").value_or("");
    auto history = openHistory(db, store::OpenMode::ReadWrite, "experiments");
    if (!history) return kExitFailed;
    try {
        const auto experiments = history->listExperiments();
        std::printf("%5s  %-44s %-14s %-11s %-40s %-16s\n", "id", "name", "kind", "state", "progress", "created");
        for (const auto& e : experiments) {
            std::string progress = std::to_string(e.counts.done) + "/" + std::to_string(e.counts.total) + " done";
            if (e.counts.running) progress += ", 1 running";
            if (e.counts.queued) progress += ", " + std::to_string(e.counts.queued) + " queued";
            if (e.counts.skipped) progress += ", " + std::to_string(e.counts.skipped) + " skipped";
            if (e.counts.cancelled) progress += ", " + std::to_string(e.counts.cancelled) + " cancelled";
            if (e.counts.interrupted) progress += ", " + std::to_string(e.counts.interrupted) + " interrupted";
            const std::string state = store::toString(e.state) + (e.live && e.state != store::ExperimentState::Running ? "*" : "");
            std::printf("%5lld  %-44.44s %-14s %-11s %-40s %-16s\n", static_cast<long long>(e.id), e.name.c_str(), e.kind.c_str(),
                        state.c_str(), progress.c_str(), formatTime(e.created_at).c_str());
        }
        std::printf("%zu experiment(s) in %s\n", experiments.size(), history->path().c_str());
    } catch (const store::HistoryError& e) {
        std::fprintf(stderr, "gossiplab-cli experiments: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}

// experiment group: an experiment whose queue is runs already in the history, each item done.
int groupCommand(const std::vector<std::string>& raw, const char* usage) {
    const auto parsed = parseCommandLine(std::vector<std::string>(raw.begin() + 1, raw.end()),
                                         {{"db", {}, "FILE"}, {"name", {}, "TEXT"}, {"kind", {}, "KIND"}}, -1);
    if (!parsed.error.empty()) return usageError("experiment", parsed.error, usage);
    const std::string db = parsed.line.value("db").value_or("");
    const std::string name = parsed.line.value("name").value_or("");
    const std::string kind = parsed.line.value("kind").value_or("grid");
    if (!parseExperimentKind(kind)) return usageError("experiment", "--kind is '" + kind + "'; allowed: grid, paper-fig1, consensus-vs-p", usage);
    std::vector<std::pair<int64_t, std::string>> runs;  // id, label ("" = from its settings)
    for (const std::string& a : parsed.line.positional) {
        const size_t eq = a.find('=');
        int64_t id = 0;
        if (!parseId(a.substr(0, eq), &id)) return usageError("experiment", "unexpected argument '" + a + "' (expected RUN or RUN=LABEL)", usage);
        runs.emplace_back(id, eq == std::string::npos ? std::string() : a.substr(eq + 1));
    }
    if (name.empty() || name.size() > 150) return usageError("experiment", "group needs --name TEXT (1 to 150 bytes)", usage);
    if (runs.empty()) return usageError("experiment", "group needs at least one run id", usage);
    auto history = openHistory(db, store::OpenMode::ReadWrite, "experiment group");
    if (!history) return kExitFailed;
    try {
        ExperimentSpec spec;
        spec.name = name;
        spec.kind = *parseExperimentKind(kind);
        store::NewExperiment created;
        created.name = name;
        created.kind = kind;
        created.notes = "grouped from recorded runs";
        for (auto& [id, label] : runs) {
            const auto record = history->run(id);
            if (!record) {
                std::fprintf(stderr, "gossiplab-cli experiment group: no run %lld in %s\n", static_cast<long long>(id), history->path().c_str());
                return kExitFailed;
            }
            if (record->status == RunStatus::Running) {
                std::fprintf(stderr, "gossiplab-cli experiment group: run %lld is still running; group it once it has ended\n",
                             static_cast<long long>(id));
                return kExitFailed;
            }
            std::vector<ConfigError> errors;
            const auto config = history->config(id, &errors);
            if (!config) {
                std::fprintf(stderr, "gossiplab-cli experiment group: run %lld has no readable settings\n", static_cast<long long>(id));
                return kExitFailed;
            }
            if (created.items.empty()) spec.base = *config;
            if (label.empty()) label = algorithmLabel(*config) + " seed=" + std::to_string(config->seed);
            created.items.push_back({label, toJson(*config)});
        }
        created.spec_json = toJson(spec);
        auto id = history->createExperiment(created);
        if (!id) throw store::HistoryError(id.error());
        auto claim = history->claimExperiment(*id, false);
        if (!claim) throw store::HistoryError(claim.error());
        for (const auto& [run_id, label] : runs) {
            auto item = history->startNextItem(*id);
            if (!item) throw store::HistoryError(item.error());
            if (!*item) break;
            if (auto r = history->linkRun(*id, (*item)->position, run_id); !r) throw store::HistoryError(r.error());
            if (auto r = history->finishItem(*id, (*item)->position, store::QueueItemStatus::Done, "recorded run " + std::to_string(run_id)); !r)
                throw store::HistoryError(r.error());
        }
        if (auto r = history->releaseExperiment(*id, store::ExperimentState::Done, "grouped from recorded runs"); !r)
            throw store::HistoryError(r.error());
        std::printf("grouped %zu run(s) as experiment %lld in %s\n", runs.size(), static_cast<long long>(*id), history->path().c_str());
    } catch (const store::HistoryError& e) {
        std::fprintf(stderr, "gossiplab-cli experiment group: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}

int experimentCommand(const std::vector<std::string>& raw) {
    const char* kUsage =
        "usage: gossiplab-cli experiment show ID [--loss L[,L2...]] [--metric-vs p|workers|lr] [--markdown] [--db FILE]\n"
        "       gossiplab-cli experiment export ID --dir DIR [--loss L] [--no-series] [--db FILE]\n"
        "       gossiplab-cli experiment delete ID [--with-runs] [--db FILE]\n"
        "       gossiplab-cli experiment group --name TEXT [--kind grid|paper-fig1|consensus-vs-p] RUN[=LABEL]... [--db FILE]\n"
        "\n"
        "show: the queue, the time to training loss L (default: the worst final loss among the runs; several\n"
        "levels: one table each), per run and per setting over the seeds, and the final metrics.\n"
        "group: makes an experiment of runs already recorded (e.g. runs over several processes, which the\n"
        "sweep cannot start), so that show, export and the app's Experiments tab analyse them together.\n";
    if (raw.empty() || raw[0] == "--help" || raw[0] == "-h") {
        std::fputs(kUsage, raw.empty() ? stderr : stdout);
        return raw.empty() ? kExitUsage : kExitOk;
    }
    const std::string action = raw[0];
    if (action == "group") return groupCommand(raw, kUsage);
    if (action != "show" && action != "export" && action != "delete")
        return usageError("experiment", "unknown action '" + action + "' (show, export, delete, group)", kUsage);
    // Each action takes its own flags; one parser for all three says which is unknown.
    std::vector<FlagSpec> specs = {{"db", {}, "FILE"}};
    if (action != "delete") specs.push_back({"loss", {}, "L"});
    if (action == "show") specs.insert(specs.end(), {{"metric-vs", {}, "PARAMETER"}, {"markdown", {}, ""}});
    if (action == "export") specs.insert(specs.end(), {{"dir", {}, "DIR"}, {"no-series", {}, ""}});
    if (action == "delete") specs.push_back({"with-runs", {}, ""});
    const auto parsed = parseCommandLine(std::vector<std::string>(raw.begin() + 1, raw.end()), specs, 1);
    if (!parsed.error.empty()) return usageError("experiment", parsed.error, kUsage);
    const CommandLine& line = parsed.line;
    const std::string db = line.value("db").value_or("");
    const std::string dir = line.value("dir").value_or("");
    std::optional<double> loss;
    std::vector<double> more_levels;  // show: --loss L1,L2,...
    if (const auto text = line.value("loss")) {
        std::stringstream list(*text);
        std::string item;
        while (std::getline(list, item, ',')) {
            char* end = nullptr;
            const double v = std::strtod(item.c_str(), &end);
            if (item.empty() || *end != '\0' || !std::isfinite(v))
                return usageError("experiment", "--loss is '" + *text + "'; expected a number or a comma-separated list", kUsage);
            more_levels.push_back(v);
        }
        if (more_levels.empty()) return usageError("experiment", "--loss is empty; expected a number", kUsage);
        if (more_levels.size() > 1 && action != "show") return usageError("experiment", "export takes one --loss level", kUsage);
        loss = more_levels.front();
        more_levels.erase(more_levels.begin());
    }
    std::optional<SweepParameter> metric_vs;
    if (const auto text = line.value("metric-vs")) {
        metric_vs = parseSweepParameter(*text);
        if (!metric_vs) return usageError("experiment", "--metric-vs is '" + *text + "'; allowed: p, workers, lr", kUsage);
    }
    const bool markdown = line.has("markdown"), no_series = line.has("no-series"), with_runs = line.has("with-runs");
    int64_t id = 0;
    if (!line.positional.empty() && !parseId(line.positional.front(), &id))
        return usageError("experiment", "'" + line.positional.front() + "' is not an experiment id (a whole number > 0)", kUsage);
    if (id == 0) return usageError("experiment", "give one experiment id (see gossiplab-cli experiments)", kUsage);
    if (action == "export" && dir.empty()) return usageError("experiment", "give the folder to export into: --dir DIR", kUsage);

    if (action == "delete") {
        auto history = openHistory(db, store::OpenMode::ReadWrite, "experiment delete");
        if (!history) return kExitFailed;
        if (auto r = history->deleteExperiment(id, with_runs); !r) {
            std::fprintf(stderr, "gossiplab-cli experiment delete: %s\n", r.error().message.c_str());
            return kExitFailed;
        }
        std::printf("deleted experiment %lld%s\n", static_cast<long long>(id), with_runs ? " and its runs" : "");
        return kExitOk;
    }
    auto history = openHistory(db, store::OpenMode::ReadWrite, action == "show" ? "experiment show" : "experiment export");
    if (!history) return kExitFailed;
    if (action == "export") {
        ExportOptions options;
        options.loss_level = loss;
        options.series = !no_series;
        auto summary = exportExperiment(*history, id, dir, options);
        if (!summary) {
            std::fprintf(stderr, "gossiplab-cli experiment export: %s\n", summary.error().message.c_str());
            return kExitFailed;
        }
        std::printf("exported experiment %lld (%d run(s)) to %s:\n", static_cast<long long>(id), summary->runs, dir.c_str());
        for (const auto& file : summary->files) std::printf("  %s\n", file.c_str());
        return kExitOk;
    }
    try {
        auto loaded = loadExperiment(*history, id);
        if (!loaded) {
            std::fprintf(stderr, "gossiplab-cli experiment show: no experiment %lld in %s\n", static_cast<long long>(id),
                         history->path().c_str());
            return kExitFailed;
        }
        const auto& r = loaded->record;
        const TextStyle style = markdown ? TextStyle::Markdown : TextStyle::Plain;
        std::printf("experiment %lld: %s\n", static_cast<long long>(r.id), r.name.c_str());
        std::printf("  kind       %s\n  state      %s%s%s%s\n", r.kind.c_str(), store::toString(r.state).c_str(),
                    r.live ? " (a runner is at work)" : "", r.message.empty() ? "" : ": ", r.message.c_str());
        std::printf("  created    %s on %s\n  progress   %d/%d done, %d queued, %d skipped, %d cancelled, %d interrupted\n",
                    formatTime(r.created_at).c_str(), r.host.c_str(), r.counts.done, r.counts.total, r.counts.queued,
                    r.counts.skipped, r.counts.cancelled, r.counts.interrupted);
        if (loaded->spec) {
            const RunConfig& b = loaded->spec->base;
            std::printf("  fixed      %s, %s, batch %d, weight decay %g, budget %g %s\n", b.dataset.c_str(), b.model.c_str(),
                        b.batch_size, b.weight_decay, b.budget, toString(b.budget_kind).c_str());
        }
        std::printf("\n%s", queueText(*loaded, style).c_str());
        const TimeToLossTable first = timeToLossTable(loaded->data, loss);
        std::printf("\n%s", timeToLossText(first, style).c_str());
        std::printf("\n%s", timeToLossBySettingText(first, style).c_str());
        for (double level : more_levels) {
            const TimeToLossTable table = timeToLossTable(loaded->data, level);
            std::printf("\n%s", timeToLossText(table, style).c_str());
            std::printf("\n%s", timeToLossBySettingText(table, style).c_str());
        }
        std::printf("\n%s", finalMetricsBySettingText(loaded->data, style).c_str());
        const auto parameter = metric_vs ? metric_vs : defaultSweepParameter(loaded->data);
        if (parameter) std::printf("\n%s", metricsText(loaded->data, *parameter, style).c_str());
        if (const ConsensusFit fit = fitConsensus(loaded->data); fit.valid)
            std::printf("\nHow consensus scales: %s\n", describe(fit).c_str());
    } catch (const store::HistoryError& e) {
        std::fprintf(stderr, "gossiplab-cli experiment show: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}

}  // namespace gossiplab::cli
