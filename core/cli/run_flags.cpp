#include "core/cli/run_flags.h"

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace gossiplab::cli {

namespace {

using Apply = std::function<std::optional<std::string>(RunFlags&, const std::string&)>;

struct FlagSpec {
    std::string name;   // without the leading dashes
    std::string value;  // metavariable; empty for a switch
    std::string range;
    std::string help;
    Apply apply;
    std::string default_key;  // key in toKeyValues(RunConfig{}) for the default shown in --help
};

std::optional<std::string> toDouble(const std::string& text, double& out) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') return "'" + text + "' is not a number";
    out = v;
    return std::nullopt;
}

template <typename Int>
std::optional<std::string> toInt(const std::string& text, Int& out) {
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') return "'" + text + "' is not a whole number";
    out = static_cast<Int>(v);
    return std::nullopt;
}

Apply doubleField(double RunConfig::*field) {
    return [field](RunFlags& f, const std::string& v) { return toDouble(v, f.config.*field); };
}
template <typename Int>
Apply intField(Int RunConfig::*field) {
    return [field](RunFlags& f, const std::string& v) { return toInt(v, f.config.*field); };
}
Apply stringField(std::string RunConfig::*field) {
    return [field](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.config.*field = v; return std::nullopt; };
}
Apply budgetField(BudgetKind kind) {
    return [kind](RunFlags& f, const std::string& v) {
        f.config.budget_kind = kind;
        return toDouble(v, f.config.budget);
    };
}
Apply scheduleField(std::vector<ScheduleStep> RunConfig::*field) {
    return [field](RunFlags& f, const std::string& v) -> std::optional<std::string> {
        std::string error;
        auto steps = parseSchedule(v, &error);
        if (!steps) return error;
        f.config.*field = *steps;
        return std::nullopt;
    };
}

const std::vector<FlagSpec>& flagTable() {
    static const std::vector<FlagSpec> table = {
        {"preset", "NAME", "default, quick, paper, paper-eamsgd, paper-naive",
         "start from a preset (applied before the other flags, whatever their order)", nullptr, ""},
        {"config", "FILE", "", "read settings from a flat JSON file (as stored in the history); flags override it", nullptr, ""},
        {"name", "TEXT", "at most 200 bytes", "run name (default: made from the settings)", stringField(&RunConfig::name), ""},
        {"algorithm", "NAME", "gosgd, easgd (alias eamsgd), naive", "training algorithm",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> {
             auto a = parseAlgorithm(v);
             if (!a) return "'" + v + "' is not one of gosgd, easgd, naive";
             f.config.algorithm = *a;
             return std::nullopt;
         }, "algorithm"},
        {"workers", "M", "1 to 64", "number of workers (threads, each with its own model copy)", intField(&RunConfig::workers), "workers"},
        {"p", "P", "0 to 1", "GoSGD: probability of a push after each step", doubleField(&RunConfig::p), "p"},
        {"lr", "LR", "greater than 0, at most 10", "learning rate (alias --learning-rate)", doubleField(&RunConfig::learning_rate), "learning-rate"},
        {"learning-rate", "LR", "greater than 0, at most 10", "learning rate", doubleField(&RunConfig::learning_rate), "learning-rate"},
        {"momentum", "MU", "0 to 1 (1 excluded)", "heavy-ball momentum (GoSGD, naive); Nesterov delta for easgd (EAMSGD)", doubleField(&RunConfig::momentum), "momentum"},
        {"weight-decay", "WD", "0 to 1 (1 excluded)", "L2 weight decay", doubleField(&RunConfig::weight_decay), "weight-decay"},
        {"batch-size", "B", "1 to 65536", "mini-batch size per worker", intField(&RunConfig::batch_size), "batch-size"},
        {"easgd-alpha", "A", "greater than 0, at most 1; 0: 0.9/M", "EASGD moving rate", doubleField(&RunConfig::easgd_alpha), "easgd-alpha"},
        {"easgd-tau", "TAU", "1 to 1000000; 0: round(1/p)", "EASGD communication period (local steps)", intField(&RunConfig::easgd_tau), "easgd-tau"},
        {"seed", "S", "0 to 2^64-1", "seed of the initial weights and of every worker's streams",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> {
             char* end = nullptr;
             const unsigned long long s = std::strtoull(v.c_str(), &end, 10);
             if (v.empty() || *end != '\0' || v[0] == '-') return "'" + v + "' is not a whole number >= 0";
             f.config.seed = s;
             return std::nullopt;
         }, "seed"},
        {"epochs", "E", "greater than 0, at most 10000", "budget in epochs of the whole team (each worker sees E*N/M images)", budgetField(BudgetKind::Epochs), "budget"},
        {"images", "N", "1 to 1e12", "budget in images per worker", budgetField(BudgetKind::ImagesPerWorker), ""},
        {"seconds", "S", "greater than 0, at most 1e7", "budget in seconds of wall time", budgetField(BudgetKind::Seconds), ""},
        {"devices", "LIST", "cpu, cuda, cuda:0,cuda:1,...", "devices; workers are placed round-robin", stringField(&RunConfig::devices), "devices"},
        {"test-model", "NAME", "uniform, alpha-weighted (gosgd), center (easgd)", "which model is evaluated on the test set",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> {
             auto m = parseTestModel(v);
             if (!m) return "'" + v + "' is not one of uniform, alpha-weighted, center";
             f.config.test_model = *m;
             return std::nullopt;
         }, "test-model"},
        {"eval-every", "N", "0 or more", "evaluate the test model every N images per worker (0: at the end only)", intField(&RunConfig::eval_every_images), "eval-every"},
        {"eval-max-images", "N", "0 or more", "evaluate on the first N test images (0: all)", intField(&RunConfig::eval_max_images), "eval-max-images"},
        {"metrics-every", "N", "1 to 100000", "per-worker samples every N iterations", intField(&RunConfig::metrics_every), "metrics-every"},
        {"distance-every", "N", "1 to 1000000", "weight snapshots for the distance matrix every N iterations", intField(&RunConfig::distance_every), "distance-every"},
        {"dataset", "NAME", "fashion-mnist, mnist, cifar10, synthetic, synthetic-cifar", "dataset", stringField(&RunConfig::dataset), "dataset"},
        {"data-dir", "DIR", "", "dataset folder (default: /usr/share/datasets/fashion-mnist for Fashion-MNIST; "
                                "~/.local/share/gossiplab/datasets/cifar-10-batches-bin for CIFAR-10)", stringField(&RunConfig::data_dir), ""},
        {"model", "NAME", "lenet, mlp, easgd-cifar", "network", stringField(&RunConfig::model), "model"},
        {"threads", "T", "0 to 256; 0: max(1, cores/M)", "LibTorch intra-op threads per worker", intField(&RunConfig::intra_op_threads), "threads"},
        {"p-schedule", "IMG:P,...", "p values in 0 to 1 at increasing images per worker", "change p during the run, e.g. 0:0.02,30000:1", scheduleField(&RunConfig::p_schedule), ""},
        {"lr-schedule", "IMG:LR,...", "learning rates at increasing images per worker", "change the learning rate during the run", scheduleField(&RunConfig::lr_schedule), ""},
        {"allow-zero-lr", "", "", "allow --lr 0 (consensus without gradients)",
         [](RunFlags& f, const std::string&) -> std::optional<std::string> { f.config.allow_zero_learning_rate = true; return std::nullopt; }, ""},
        {"init-noise", "SIGMA", "0 to 10", "add seeded Gaussian noise of this std to each worker's initial weights",
         doubleField(&RunConfig::init_noise), "init-noise"},
        {"db", "FILE", "", "run history file (default: $XDG_DATA_HOME/gossiplab/history.sqlite3)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.db = v; return std::nullopt; }, ""},
        {"no-record", "", "", "do not record the run in the history",
         [](RunFlags& f, const std::string&) -> std::optional<std::string> { f.record = false; return std::nullopt; }, ""},
        {"events-csv", "FILE", "", "also write every event as CSV",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.events_csv = v; return std::nullopt; }, ""},
        {"quiet", "", "", "no progress output, only the summary",
         [](RunFlags& f, const std::string&) -> std::optional<std::string> { f.quiet = true; return std::nullopt; }, ""},
        // Several processes and hosts (see README: Across several machines).
        {"world", "N", "1 to 64; default 1", "processes in the run, on one or several hosts (1: this process only)",
         [](RunFlags& f, const std::string& v) { return toInt(v, f.dist.world); }, ""},
        {"rank", "R", "0 to N-1; default 0",
         "this process's rank; rank 0 hosts the rendezvous, the EASGD center and the history, and its settings rule",
         [](RunFlags& f, const std::string& v) { return toInt(v, f.dist.rank); }, ""},
        {"master", "HOST:PORT", "HOST:PORT or [IPV6]:PORT", "rank 0's address and rendezvous port, as every process reaches it (e.g. 10.0.0.1:29500)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> {
             std::string error;
             if (!parseHostPort(v, &f.dist.master_host, &f.dist.master_port, &error)) return error;
             return std::nullopt;
         }, ""},
        {"bind", "ADDR", "", "address or host name this process's Gloo transport listens on (default: the local address "
                             "that reaches --master; 127.0.0.1 when --master is a loopback address)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.dist.bind = v; return std::nullopt; }, ""},
        {"iface", "NAME", "", "network interface for Gloo, instead of --bind (default: $GLOO_SOCKET_IFNAME when set)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.dist.iface = v; return std::nullopt; }, ""},
        {"join-timeout", "S", "1 to 86400; default 60", "every rank must join (and connect) within S seconds, or the run fails naming the missing ranks",
         [](RunFlags& f, const std::string& v) { return toDouble(v, f.dist.join_timeout_s); }, ""},
        {"peer-timeout", "S", "0.5 to 3600; default 5", "a rank whose heartbeat stops for S seconds is lost (a closed connection: at once); the run then fails",
         [](RunFlags& f, const std::string& v) { return toDouble(v, f.dist.peer_timeout_s); }, ""},
    };
    return table;
}

const FlagSpec* findFlag(const std::string& name) {
    for (const auto& spec : flagTable())
        if (spec.name == name) return &spec;
    return nullptr;
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

ParsedRunFlags parseRunFlags(const std::vector<std::string>& args) {
    ParsedRunFlags result;
    RunFlags& flags = result.flags;
    auto& errors = result.errors;
    // Split into (name, value) pairs first, so that --preset and --config apply before the rest.
    std::vector<std::pair<const FlagSpec*, std::string>> given;
    for (size_t k = 0; k < args.size(); ++k) {
        std::string arg = args[k];
        if (arg == "-h" || arg == "--help") { flags.help = true; continue; }
        if (arg.rfind("--", 0) != 0) {
            errors.push_back({arg, "unexpected argument '" + arg + "' (flags start with --; see --help)"});
            continue;
        }
        std::string name = arg.substr(2), value;
        bool has_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        const FlagSpec* spec = findFlag(name);
        if (!spec) {
            errors.push_back({name, "unknown flag --" + name + " (see --help)"});
            continue;
        }
        if (!spec->value.empty() && !has_value) {
            if (k + 1 >= args.size()) {
                errors.push_back({name, "--" + name + " needs a value (" + spec->value + ")"});
                continue;
            }
            value = args[++k];
        }
        given.emplace_back(spec, value);
        flags.given.emplace_back(spec->name, value);
    }
    for (const auto& [spec, value] : given) {
        if (spec->name == "preset") {
            auto preset = presetByName(value);
            if (!preset) errors.push_back({"preset", "preset is '" + value + "'; allowed: " + spec->range});
            else flags.config = *preset;
        }
    }
    for (const auto& [spec, value] : given) {
        if (spec->name == "config") {
            std::string text;
            if (auto error = readFile(value, text)) { errors.push_back({"config", *error}); continue; }
            std::vector<ConfigError> config_errors;
            auto config = fromJson(text, &config_errors);
            if (config) flags.config = *config;
            for (auto& e : config_errors) errors.push_back({"config", value + ": " + e.field + ": " + e.message});
        }
    }
    for (const auto& [spec, value] : given) {
        if (!spec->apply) continue;
        if (auto error = spec->apply(flags, value)) errors.push_back({spec->name, "--" + spec->name + ": " + *error});
    }
    // Validate what did parse, so that every violation is reported at once; a field whose flag
    // did not parse is reported once, by its parse error.
    auto all = validate(flags.config);
    for (auto& e : validate(flags.dist)) all.push_back(e);
    for (auto& e : all) {
        bool already = false;
        for (const auto& p : errors) already = already || p.field == e.field;
        if (!already) errors.push_back(e);
    }
    return result;
}

std::string settingsConflicts(const RunConfig& coordinator, const std::vector<std::pair<std::string, std::string>>& given) {
    static const std::set<std::string> own_flags = {"workers", "devices", "threads", "data-dir", "db", "no-record",
                                                    "events-csv", "quiet", "world", "rank", "master", "bind",
                                                    "iface", "join-timeout", "peer-timeout"};
    static const std::set<std::string> own_keys = {"workers", "devices", "threads", "data-dir"};
    const auto reference = toKeyValues(coordinator);
    std::string out;
    for (const auto& [name, value] : given) {
        if (own_flags.count(name)) continue;
        RunFlags probe;
        probe.config = coordinator;
        if (name == "preset") {
            if (auto preset = presetByName(value)) probe.config = *preset;
        } else if (name == "config") {
            std::string text;
            if (!readFile(value, text))
                if (auto config = fromJson(text, nullptr)) probe.config = *config;
        } else if (const FlagSpec* spec = findFlag(name); spec && spec->apply) {
            spec->apply(probe, value);
        }
        std::string differences;
        for (const auto& [key, mine] : toKeyValues(probe.config)) {
            if (own_keys.count(key) || reference.at(key) == mine) continue;
            differences += (differences.empty() ? "" : ", ") + key + " is '" + reference.at(key) + "' on rank 0";
        }
        if (!differences.empty())
            out += "\n  --" + name + (value.empty() ? "" : " " + value) + ": " + differences;
    }
    if (out.empty()) return out;
    return "training settings come from rank 0; give them there only (or the same values here):" + out;
}

std::string runFlagsHelp() {
    const auto defaults = toKeyValues(RunConfig{});
    std::ostringstream out;
    out << "usage: gossiplab-cli run [FLAGS]\n\n"
           "Trains M workers with GoSGD, EASGD/EAMSGD or no communication (naive) and records the run in the\n"
           "history. With no flags: LeNet on Fashion-MNIST, 4 GoSGD workers, p = 0.02, one epoch.\n\nFlags:\n";
    for (const auto& spec : flagTable()) {
        std::string head = "  --" + spec.name + (spec.value.empty() ? "" : " " + spec.value);
        out << head;
        if (head.size() < 26) out << std::string(26 - head.size(), ' ');
        else out << "\n" << std::string(26, ' ');
        out << spec.help;
        std::string extra;
        if (!spec.default_key.empty()) {
            std::string d = defaults.at(spec.default_key);
            if (spec.name == "epochs") d = "1";
            extra += "default " + (d.empty() ? std::string("none") : d);
        }
        if (!spec.range.empty()) extra += (extra.empty() ? "" : "; ") + std::string("allowed: ") + spec.range;
        if (!extra.empty()) out << "\n" << std::string(26, ' ') << "[" << extra << "]";
        out << "\n";
    }
    out << "\nExit codes: 0 finished, 1 failed or diverged, 2 invalid arguments (every violation is listed).\n";
    return out.str();
}

}  // namespace gossiplab::cli
