#include "core/cli/history_commands.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>

#include "core/cli/cli_common.h"
#include "core/cli/command_line.h"
#include "core/cli/progress_printer.h"
#include "core/store/history.h"
#include "core/train/run_settings.h"

namespace gossiplab::cli {

namespace {

// The arguments of a history command: --db FILE, named options, and positional values.
struct HistoryArgs {
    std::string db;
    std::vector<std::string> positional;
    std::vector<std::pair<std::string, std::string>> options;  // --name value
    std::vector<std::string> switches;                         // --name
    std::string error;
    bool help = false;

    std::optional<std::string> option(const std::string& name) const {
        std::optional<std::string> out;
        for (const auto& [n, v] : options)
            if (n == name) out = v;  // given twice: the later one
        return out;
    }
    bool has(const std::string& name) const {
        for (const auto& s : switches)
            if (s == name) return true;
        return false;
    }
};

HistoryArgs parseArgs(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                      const std::vector<std::string>& switches) {
    std::vector<FlagSpec> specs = {{"db", {}, "FILE"}};
    for (const auto& name : valued) specs.push_back({name, {}, "VALUE"});
    for (const auto& name : switches) specs.push_back({name, {}, ""});
    const ParsedCommandLine parsed = parseCommandLine(args, specs, -1);
    HistoryArgs out;
    out.error = parsed.error;
    out.help = parsed.line.help;
    out.positional = parsed.line.positional;
    for (const auto& [name, value] : parsed.line.flags) {
        if (name == "db") out.db = value;
        else if (std::find(switches.begin(), switches.end(), name) != switches.end()) out.switches.push_back(name);
        else out.options.emplace_back(name, value);
    }
    return out;
}

int printUsage(const char* text) {
    std::printf("usage: gossiplab-cli %s\n", text);
    return kExitOk;
}

std::string formatNumber(double v, const char* format) {
    if (!std::isfinite(v)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

PlotExporter& plotExporter() {
    static PlotExporter exporter;
    return exporter;
}

// A whole number in [lo, hi] from a flag's text, or an error naming the flag.
bool parseBounded(const std::string& flag, const std::string& text, double lo, double hi, bool integer, double* out,
                  std::string* error) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi || (integer && v != std::floor(v))) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "--%s is '%s'; allowed: %s %g to %g", flag.c_str(), text.c_str(),
                      integer ? "a whole number from" : "a number from", lo, hi);
        *error = buf;
        return false;
    }
    *out = v;
    return true;
}

int usage(const char* command, const std::string& error, const char* text) {
    return usageError(command, error, std::string("usage: gossiplab-cli ") + text);
}

}  // namespace

int runsCommand(const std::vector<std::string>& raw) {
    const char* kUsage = "runs [--db FILE] [--status S] [--algorithm A] [--search TEXT] [--tag T] [--limit N]";
    auto args = parseArgs(raw, {"status", "algorithm", "search", "tag", "limit"}, {});
    if (args.help) return printUsage(kUsage);
    if (!args.error.empty() || !args.positional.empty())
        return usage("runs", args.error.empty() ? "unexpected argument '" + args.positional[0] + "'" : args.error, kUsage);
    store::RunFilter filter;
    if (auto s = args.option("status")) {
        RunStatus status;
        if (!parseRunStatus(*s, &status))
            return usage("runs", "--status is '" + *s + "'; allowed: running, finished, stopped, diverged, failed, interrupted", kUsage);
        filter.statuses.push_back(status);
    }
    if (auto a = args.option("algorithm")) {
        if (!parseAlgorithm(*a)) return usage("runs", "--algorithm is '" + *a + "'; allowed: " + findRunSetting("algorithm")->range, kUsage);
        filter.algorithms.push_back(toString(*parseAlgorithm(*a)));
    }
    if (auto t = args.option("search")) filter.text = *t;
    if (auto t = args.option("tag")) filter.tag = *t;
    if (auto l = args.option("limit")) filter.limit = std::max(0ll, std::atoll(l->c_str()));
    auto history = openHistory(args.db, store::OpenMode::ReadWrite, "runs");
    if (!history) return kExitFailed;
    try {
        const auto runs = history->listRuns(filter);
        std::printf("%5s  %-32s %-6s %3s %7s %8s %-11s %-16s %8s %9s %8s  %s\n", "id", "name", "algo", "M", "p", "lr",
                    "status", "started", "duration", "mean loss", "test acc", "tags");
        for (const auto& r : runs) {
            std::vector<ConfigError> ignored;
            const auto config = history->config(r.id, &ignored);
            std::string tags;
            for (const auto& t : r.tags) tags += (tags.empty() ? "" : ",") + t;
            std::printf("%5lld  %-32.32s %-6s %3d %7s %8s %-11s %-16s %8s %9s %8s  %s\n", static_cast<long long>(r.id),
                        r.name.c_str(), r.algorithm.c_str(), r.workers,
                        config ? formatNumber(config->p, "%g").c_str() : "-",
                        config ? formatNumber(config->learning_rate, "%g").c_str() : "-", toString(r.status).c_str(),
                        formatTime(r.started_at).c_str(), ProgressPrinter::formatDuration(r.duration_s).c_str(),
                        formatNumber(r.mean_loss, "%.4f").c_str(), formatNumber(100 * r.test_accuracy, "%.2f%%").c_str(),
                        tags.c_str());
        }
        std::printf("%zu run(s) in %s\n", runs.size(), history->path().c_str());
    } catch (const store::HistoryError& e) {
        std::fprintf(stderr, "gossiplab-cli runs: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}

int showCommand(const std::vector<std::string>& raw) {
    const char* kUsage = "show RUN [--db FILE]";
    auto args = parseArgs(raw, {}, {});
    if (args.help) return printUsage(kUsage);
    int64_t id = 0;
    if (!args.error.empty()) return usage("show", args.error, kUsage);
    if (args.positional.size() != 1 || !parseId(args.positional[0], &id))
        return usage("show", "give one run id (a whole number > 0; see gossiplab-cli runs)", kUsage);
    auto history = openHistory(args.db, store::OpenMode::ReadWrite, "show");
    if (!history) return kExitFailed;
    try {
        const auto run = history->run(id);
        if (!run) {
            std::fprintf(stderr, "gossiplab-cli show: no run %lld in %s\n", static_cast<long long>(id), history->path().c_str());
            return kExitFailed;
        }
        const auto& r = *run;
        std::printf("run %lld: %s\n", static_cast<long long>(r.id), r.name.c_str());
        std::printf("  status     %s%s%s\n", toString(r.status).c_str(), r.message.empty() ? "" : ": ", r.message.c_str());
        std::printf("  uuid       %s\n  host       %s\n  started    %s\n  duration   %s\n", r.uuid.c_str(), r.host.c_str(),
                    formatTime(r.started_at).c_str(), ProgressPrinter::formatDuration(r.duration_s).c_str());
        std::printf("  data       %s\n  model      %s\n  devices    %s\n", r.dataset_description.c_str(),
                    r.model_description.c_str(), r.worker_devices.c_str());
        std::string tags;
        for (const auto& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
        std::printf("  tags       %s\n  notes      %s\n", tags.c_str(), r.notes.c_str());
        std::printf("  progress   %s, %lld images, %lld messages\n", formatNumber(100 * r.progress, "%.1f%%").c_str(),
                    static_cast<long long>(r.images_done), static_cast<long long>(r.messages));
        std::printf("  results    mean loss %s, test loss %s, test accuracy %s, consensus %s, sum of alphas %s\n",
                    formatNumber(r.mean_loss, "%.4f").c_str(), formatNumber(r.test_loss, "%.4f").c_str(),
                    formatNumber(100 * r.test_accuracy, "%.2f%%").c_str(), formatNumber(r.consensus_distance, "%.4g").c_str(),
                    formatNumber(r.alpha_sum, "%.9f").c_str());
        std::printf("  config\n");
        std::vector<ConfigError> errors;
        if (const auto config = history->config(id, &errors)) {
            for (const auto& [key, value] : toKeyValues(*config)) std::printf("    %-16s %s\n", key.c_str(), value.c_str());
        } else {
            std::printf("    %s\n", r.config_json.c_str());
        }
        std::printf("  series\n");
        for (const auto& latest : history->latestValues(id)) {
            if (latest.key.worker == store::kRunLevel) std::printf("    %-20s", latest.key.series.c_str());
            else std::printf("    %-12s worker %-2d", latest.key.series.c_str(), latest.key.worker);
            std::printf(" %-12s at %lld images/worker\n", formatNumber(latest.point.value, "%.6g").c_str(),
                        static_cast<long long>(latest.point.images));
        }
        for (const auto& change : history->settingChanges(id))
            std::printf("  change     %s %g -> %g at %lld images/worker (%s)\n", change.field.c_str(), change.old_value,
                        change.new_value, static_cast<long long>(change.at.images), change.source.c_str());
    } catch (const store::HistoryError& e) {
        std::fprintf(stderr, "gossiplab-cli show: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}

void setPlotExporter(PlotExporter exporter) { plotExporter() = std::move(exporter); }
bool hasPlotExporter() { return static_cast<bool>(plotExporter()); }

int exportCommand(const std::vector<std::string>& raw) {
    const char* kUsage =
        "export RUN... [--csv FILE] [--runs-csv FILE] [--db FILE]\n"
        "       gossiplab-cli export RUN[=LABEL]... --plot loss|alpha|distance|accuracy|wait --png|--pdf|--svg FILE\n"
        "                     [--width PX] [--height PX] [--scale F] [--x-axis images|iterations|time]\n"
        "                     [--x-range LO:HI] [--y-range LO:HI] [--force]\n"
        "       (RUN=LABEL: the run's name in the plot's legend, e.g. 12=\"gosgd p=1\"; default: its recorded name)";
    auto args = parseArgs(raw, {"csv", "runs-csv", "plot", "png", "pdf", "svg", "width", "height", "scale", "x-axis", "x-range", "y-range"}, {"force"});
    if (args.help) return printUsage(kUsage);
    if (!args.error.empty()) return usage("export", args.error, kUsage);
    std::vector<int64_t> ids;
    std::vector<std::string> labels;  // RUN=LABEL: the legend's label ("" = the run's name)
    for (const auto& p : args.positional) {
        const size_t eq = p.find('=');
        int64_t id = 0;
        if (!parseId(p.substr(0, eq), &id)) return usage("export", "'" + p + "' is not a run id (a whole number > 0) or RUN=LABEL", kUsage);
        ids.push_back(id);
        labels.push_back(eq == std::string::npos ? std::string() : p.substr(eq + 1));
        if (labels.back().size() > 200) return usage("export", "the label of run " + std::to_string(id) + " is over 200 bytes", kUsage);
    }
    const auto csv = args.option("csv");
    const auto runs_csv = args.option("runs-csv");
    const auto plot = args.option("plot");
    if (ids.empty()) return usage("export", "give at least one run id", kUsage);
    if (!csv && !runs_csv && !plot)
        return usage("export", "give --csv FILE (every point), --runs-csv FILE (one row per run) and/or --plot NAME --png FILE", kUsage);
    const bool labelled = std::any_of(labels.begin(), labels.end(), [](const std::string& l) { return !l.empty(); });
    if (labelled && !plot) return usage("export", "RUN=LABEL names a run in a plot's legend: it goes with --plot", kUsage);

    PlotExportRequest request;
    if (plot) {
        if (*plot != "loss" && *plot != "alpha" && *plot != "distance" && *plot != "accuracy" && *plot != "wait")
            return usage("export", "--plot is '" + *plot + "'; allowed: loss, alpha, distance, accuracy, wait", kUsage);
        request.plot = *plot;
        int files = 0;
        for (const char* f : {"png", "pdf", "svg"}) {
            if (auto v = args.option(f)) {
                request.format = f;
                request.path = *v;
                ++files;
            }
        }
        if (files != 1) return usage("export", "--plot needs exactly one of --png FILE, --pdf FILE, --svg FILE", kUsage);
        std::string error;
        double v = 0;
        if (auto w = args.option("width")) {
            if (!parseBounded("width", *w, 16, 20000, true, &v, &error)) return usage("export", error, kUsage);
            request.width = static_cast<int>(v);
        }
        if (auto h = args.option("height")) {
            if (!parseBounded("height", *h, 16, 20000, true, &v, &error)) return usage("export", error, kUsage);
            request.height = static_cast<int>(v);
        }
        if (auto sc = args.option("scale")) {
            if (!parseBounded("scale", *sc, 0.25, 8, false, &v, &error)) return usage("export", error, kUsage);
            request.scale = v;
        }
        if (auto x = args.option("x-axis")) {
            if (*x != "images" && *x != "iterations" && *x != "time")
                return usage("export", "--x-axis is '" + *x + "'; allowed: images, iterations, time", kUsage);
            request.x_axis = *x;
        }
        // "LO:HI", LO < HI, both finite: the view of the exported plot (e.g. the end of convergence).
        auto range = [&](const char* flag, double& lower, double& upper) -> std::optional<std::string> {
            const auto text = args.option(flag);
            if (!text) return std::nullopt;
            const size_t colon = text->find(':');
            char* end1 = nullptr;
            char* end2 = nullptr;
            const std::string lo = text->substr(0, colon), hi = colon == std::string::npos ? "" : text->substr(colon + 1);
            lower = std::strtod(lo.c_str(), &end1);
            upper = std::strtod(hi.c_str(), &end2);
            if (colon == std::string::npos || lo.empty() || hi.empty() || *end1 || *end2 || !std::isfinite(lower) ||
                !std::isfinite(upper) || !(lower < upper))
                return std::string("--") + flag + " is '" + *text + "'; expected LO:HI with LO < HI (e.g. 300000:600000)";
            return std::nullopt;
        };
        if (auto bad = range("x-range", request.x_lower, request.x_upper)) return usage("export", *bad, kUsage);
        if (auto bad = range("y-range", request.y_lower, request.y_upper)) return usage("export", *bad, kUsage);
        if (!args.has("force") && std::filesystem::exists(request.path)) {
            std::fprintf(stderr, "gossiplab-cli export: %s exists; give --force to replace it\n", request.path.c_str());
            return kExitFailed;
        }
        if (!hasPlotExporter()) {
            std::fprintf(stderr,
                         "gossiplab-cli export: --plot needs the desktop app's plot code, and this gossiplab-cli was built "
                         "without Qt (GOSSIPLAB_WITH_QT=OFF); export the data with --csv instead\n");
            return kExitFailed;
        }
    } else {
        for (const char* f : {"png", "pdf", "svg", "width", "height", "scale", "x-axis", "x-range", "y-range"})
            if (args.option(f)) return usage("export", std::string("--") + f + " only goes with --plot", kUsage);
    }

    auto history = openHistory(args.db, store::OpenMode::ReadOnly, "export");
    if (!history) return kExitFailed;
    for (int64_t id : ids) {
        if (!history->run(id)) {
            std::fprintf(stderr, "gossiplab-cli export: no run %lld in %s\n", static_cast<long long>(id), history->path().c_str());
            return kExitFailed;
        }
    }
    if (csv) {
        if (auto r = history->exportSeriesCsvFile(ids, *csv); !r) {
            std::fprintf(stderr, "gossiplab-cli export: %s\n", r.error().message.c_str());
            return kExitFailed;
        }
        std::printf("wrote every point of %zu run(s) to %s\n", ids.size(), csv->c_str());
    }
    if (runs_csv) {
        if (auto r = history->exportRunsCsvFile(ids, *runs_csv); !r) {
            std::fprintf(stderr, "gossiplab-cli export: %s\n", r.error().message.c_str());
            return kExitFailed;
        }
        std::printf("wrote %zu run(s) with their configs and final metrics to %s\n", ids.size(), runs_csv->c_str());
    }
    if (plot) {
        request.db = history->path();
        request.run_ids = ids;
        request.labels = labels;
        if (const std::string error = plotExporter()(request); !error.empty()) {
            std::fprintf(stderr, "gossiplab-cli export: %s\n", error.c_str());
            return kExitFailed;
        }
        std::printf("wrote the %s plot of %zu run(s) to %s\n", request.plot.c_str(), ids.size(), request.path.c_str());
    }
    return kExitOk;
}

int deleteCommand(const std::vector<std::string>& raw) {
    const char* kUsage = "delete RUN... [--db FILE]";
    auto args = parseArgs(raw, {}, {});
    if (args.help) return printUsage(kUsage);
    if (!args.error.empty()) return usage("delete", args.error, kUsage);
    if (args.positional.empty()) return usage("delete", "give at least one run id", kUsage);
    std::vector<int64_t> ids;
    for (const auto& p : args.positional) {
        int64_t id = 0;
        if (!parseId(p, &id)) return usage("delete", "'" + p + "' is not a run id (a whole number > 0)", kUsage);
        ids.push_back(id);
    }
    auto history = openHistory(args.db, store::OpenMode::ReadWrite, "delete");
    if (!history) return kExitFailed;
    int failures = 0;
    for (int64_t id : ids) {
        if (auto r = history->deleteRun(id); !r) {
            std::fprintf(stderr, "gossiplab-cli delete: %s\n", r.error().message.c_str());
            ++failures;
        } else {
            std::printf("deleted run %lld\n", static_cast<long long>(id));
        }
    }
    return failures ? kExitFailed : kExitOk;
}

int importCommand(const std::vector<std::string>& raw) {
    const char* kUsage = "import FILE [--db FILE]";
    auto args = parseArgs(raw, {}, {});
    if (args.help) return printUsage(kUsage);
    if (!args.error.empty()) return usage("import", args.error, kUsage);
    if (args.positional.size() != 1) return usage("import", "give one history file to import from", kUsage);
    auto history = openHistory(args.db, store::OpenMode::ReadWrite, "import");
    if (!history) return kExitFailed;
    auto summary = history->importRuns(args.positional[0]);
    if (!summary) {
        std::fprintf(stderr, "gossiplab-cli import: %s\n", summary.error().message.c_str());
        return kExitFailed;
    }
    std::printf("imported %zu run(s) from %s into %s", summary->new_ids.size(), args.positional[0].c_str(),
                history->path().c_str());
    if (!summary->new_ids.empty())
        std::printf(" (new ids %lld..%lld)", static_cast<long long>(summary->new_ids.front()),
                    static_cast<long long>(summary->new_ids.back()));
    std::printf("; skipped %d already here, %d still being recorded\n", summary->skipped_duplicates, summary->skipped_live);
    return kExitOk;
}

}  // namespace gossiplab::cli
