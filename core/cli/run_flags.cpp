#include "core/cli/run_flags.h"

#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/cli/command_line.h"
#include "core/train/run_settings.h"

namespace gossiplab::cli {

namespace {

using Apply = std::function<std::optional<std::string>(RunFlags&, const std::string&)>;

// The flags of `run` that are not run settings (those come from the table in run_settings.h).
struct OwnFlag {
    std::string name;   // without the leading dashes
    std::string value;  // metavariable; empty for a switch
    std::string range;
    std::string help;
    Apply apply;         // null: handled by parseRunFlags itself (--preset, --config)
    bool before_settings;  // listed in --help before the settings
};

std::optional<std::string> toDouble(const std::string& text, double& out) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') return "'" + text + "' is not a number";
    out = v;
    return std::nullopt;
}

std::optional<std::string> toInt(const std::string& text, int& out) {
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || v < INT32_MIN || v > INT32_MAX) return "'" + text + "' is not a whole number";
    out = static_cast<int>(v);
    return std::nullopt;
}

Apply text(std::string RunFlags::*field) {
    return [field](RunFlags& f, const std::string& v) -> std::optional<std::string> {
        f.*field = v;
        return std::nullopt;
    };
}

std::string presetList() {
    std::string out;
    for (const auto& name : presetNames()) out += (out.empty() ? "" : ", ") + name;
    return out;
}

const std::vector<OwnFlag>& ownFlags() {
    static const std::vector<OwnFlag> table = {
        {"preset", "NAME", presetList(), "start from a preset (applied before the other flags, whatever their order)", nullptr, true},
        {"config", "FILE", "", "read settings from a flat JSON file (as stored in the history); flags override it", nullptr, true},
        {"db", "FILE", "", "run history file (default: $XDG_DATA_HOME/gossiplab/history.sqlite3)", text(&RunFlags::db), false},
        {"no-record", "", "", "do not record the run in the history",
         [](RunFlags& f, const std::string&) -> std::optional<std::string> { f.record = false; return std::nullopt; }, false},
        {"events-csv", "FILE", "", "also write every event as CSV", text(&RunFlags::events_csv), false},
        {"quiet", "", "", "no progress output, only the summary",
         [](RunFlags& f, const std::string&) -> std::optional<std::string> { f.quiet = true; return std::nullopt; }, false},
        // Several processes and hosts (see README: Across several machines).
        {"world", "N", "1 to 64; default 1", "processes in the run, on one or several hosts (1: this process only)",
         [](RunFlags& f, const std::string& v) { return toInt(v, f.dist.world); }, false},
        {"rank", "R", "0 to N-1; default 0",
         "this process's rank; rank 0 hosts the rendezvous, the EASGD center and the history, and its settings rule",
         [](RunFlags& f, const std::string& v) { return toInt(v, f.dist.rank); }, false},
        {"master", "HOST:PORT", "HOST:PORT or [IPV6]:PORT", "rank 0's address and rendezvous port, as every process reaches it (e.g. 10.0.0.1:29500)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> {
             std::string error;
             if (!parseHostPort(v, &f.dist.master_host, &f.dist.master_port, &error)) return error;
             return std::nullopt;
         }, false},
        {"bind", "ADDR", "", "address or host name this process's Gloo transport listens on (default: the local address "
                             "that reaches --master; 127.0.0.1 when --master is a loopback address)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.dist.bind = v; return std::nullopt; }, false},
        {"iface", "NAME", "", "network interface for Gloo, instead of --bind (default: $GLOO_SOCKET_IFNAME when set)",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.dist.iface = v; return std::nullopt; }, false},
        {"token", "TEXT", "", "the run token every process must give (default: $GOSSIPLAB_RUN_TOKEN, else none): rendezvous "
                              "records carry an HMAC of it and a process with another token is refused; proof, not encryption",
         [](RunFlags& f, const std::string& v) -> std::optional<std::string> { f.dist.token = v; return std::nullopt; }, false},
        {"join-timeout", "S", "1 to 86400; default 60", "every rank must join (and connect) within S seconds, or the run fails naming the missing ranks",
         [](RunFlags& f, const std::string& v) { return toDouble(v, f.dist.join_timeout_s); }, false},
        {"peer-timeout", "S", "0.5 to 3600; default 5", "a rank whose heartbeat stops for S seconds is lost (a closed connection: at once); the run then fails",
         [](RunFlags& f, const std::string& v) { return toDouble(v, f.dist.peer_timeout_s); }, false},
    };
    return table;
}

const OwnFlag* findOwnFlag(const std::string& name) {
    for (const auto& flag : ownFlags())
        if (flag.name == name) return &flag;
    return nullptr;
}

// Every flag `run` takes, for the parser: its own and the settings'.
std::vector<FlagSpec> flagSpecs() {
    std::vector<FlagSpec> specs;
    for (const auto& own : ownFlags()) specs.push_back({own.name, {}, own.value});
    for (const RunSetting& s : runSettings())
        if (s.flag) specs.push_back({s.key, s.aliases, s.kind == SettingKind::Switch ? std::string() : s.metavar});
    return specs;
}

// A setting's value from the command line: a switch given is "true".
std::optional<std::string> applySetting(const RunSetting& s, RunConfig& config, const std::string& value) {
    if (auto expected = s.set(config, s.kind == SettingKind::Switch ? "true" : value))
        return notParsedMessage(s, value, *expected);
    return std::nullopt;
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
    const ParsedCommandLine parsed = parseCommandLine(args, flagSpecs());
    flags.help = parsed.line.help;
    if (!parsed.error.empty()) {
        errors.push_back({kArgumentsField, parsed.error});
        return result;
    }
    flags.given = parsed.line.spelled;  // as typed: ranks > 0 quote them back (--lr, not --learning-rate)
    // --preset, then --config, then the rest in the order given (a later flag overrides).
    for (const auto& [name, value] : flags.given) {
        if (name != "preset") continue;  // (flags without aliases: spelled as named)
        if (auto preset = presetByName(value)) flags.config = *preset;
        else errors.push_back({"preset", "preset is '" + value + "'; allowed: " + presetList()});
    }
    for (const auto& [name, value] : flags.given) {
        if (name != "config") continue;
        std::string file_text;
        if (auto error = readFile(value, file_text)) { errors.push_back({"config", *error}); continue; }
        std::vector<ConfigError> config_errors;
        auto config = fromJson(file_text, &config_errors);
        if (config) flags.config = *config;
        for (auto& e : config_errors) errors.push_back({"config", value + ": " + e.field + ": " + e.message});
    }
    for (const auto& [name, value] : flags.given) {
        std::optional<std::string> error;
        if (const RunSetting* s = findRunSetting(name)) error = applySetting(*s, flags.config, value);
        else if (const OwnFlag* own = findOwnFlag(name); own && own->apply) error = own->apply(flags, value);
        if (error) errors.push_back({name, *error});
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
    const auto reference = toKeyValues(coordinator);
    std::string out;
    for (const auto& [name, value] : given) {
        RunConfig probe = coordinator;
        if (name == "preset") {
            if (auto preset = presetByName(value)) probe = *preset;
        } else if (name == "config") {
            std::string file_text;
            if (!readFile(value, file_text))
                if (auto config = fromJson(file_text, nullptr)) probe = *config;
        } else if (const RunSetting* s = findRunSetting(name); s && !s->per_process) {
            applySetting(*s, probe, value);
        } else {
            continue;  // this process's own: its workers, devices, outputs and addresses
        }
        std::string differences;
        for (const auto& [key, mine] : toKeyValues(probe)) {
            if (const RunSetting* s = findRunSetting(key); (s && s->per_process) || reference.at(key) == mine) continue;
            differences += (differences.empty() ? "" : ", ") + key + " is '" + reference.at(key) + "' on rank 0";
        }
        if (!differences.empty())
            out += "\n  --" + name + (value.empty() ? "" : " " + value) + ": " + differences;
    }
    if (out.empty()) return out;
    return "training settings come from rank 0; give them there only (or the same values here):" + out;
}

namespace {

void helpLine(std::ostringstream& out, const std::string& flag, const std::string& metavar, const std::string& help,
              const std::string& default_value, const std::string& range) {
    std::string head = "  --" + flag + (metavar.empty() ? "" : " " + metavar);
    out << head;
    if (head.size() < 26) out << std::string(26 - head.size(), ' ');
    else out << "\n" << std::string(26, ' ');
    // Help text wrapped at 100 columns, continued under the first line's start.
    size_t column = 26;
    std::istringstream words(help);
    std::string word;
    bool first = true;
    while (words >> word) {
        if (!first && column + 1 + word.size() > 100) {
            out << "\n" << std::string(26, ' ');
            column = 26;
        } else if (!first) {
            out << ' ';
            ++column;
        }
        out << word;
        column += word.size();
        first = false;
    }
    std::string extra;
    if (!default_value.empty()) extra += "default " + default_value;
    if (!range.empty()) extra += (extra.empty() ? "" : "; ") + std::string("allowed: ") + range;
    if (!extra.empty()) out << "\n" << std::string(26, ' ') << "[" << extra << "]";
    out << "\n";
}

}  // namespace

std::string runFlagsHelp() {
    const RunConfig defaults;
    std::ostringstream out;
    out << "usage: gossiplab-cli run [FLAGS]   (--flag VALUE and --flag=VALUE alike)\n\n"
           "Trains M workers with GoSGD, EASGD/EAMSGD or no communication (naive) and records the run in the\n"
           "history. With no flags: LeNet on Fashion-MNIST, 4 GoSGD workers, p = 0.02, one epoch.\n\nFlags:\n";
    for (const auto& own : ownFlags())
        if (own.before_settings) helpLine(out, own.name, own.value, own.help, "", own.range);
    for (const RunSetting& s : runSettings()) {
        if (!s.flag) continue;
        std::string help = s.help;
        for (const auto& alias : s.aliases) help += " (alias --" + alias + ")";
        const std::string default_value = s.kind == SettingKind::Switch ? "" : s.get(defaults);
        helpLine(out, s.key, s.kind == SettingKind::Switch ? "" : s.metavar, help, default_value, s.range);
    }
    for (const auto& own : ownFlags())
        if (!own.before_settings) helpLine(out, own.name, own.value, own.help, "", own.range);
    out << "\nExit codes: 0 finished, 1 failed or diverged, 2 invalid arguments (every violation is listed).\n";
    return out.str();
}

namespace {

// Text for troff: backslashes and hyphens escaped (a plain "-" may be set as a hyphen).
std::string troff(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    return out;
}

void manEntry(std::ostringstream& out, const std::string& flag, const std::string& metavar, const std::string& help,
              const std::string& default_value, const std::string& range) {
    out << ".TP\n\\fB\\-\\-" << troff(flag) << "\\fR";
    if (!metavar.empty()) out << " \\fI" << troff(metavar) << "\\fR";
    out << "\n" << troff(help);
    std::string extra;
    if (!default_value.empty()) extra += "Default: " + default_value + ".";
    if (!range.empty()) extra += (extra.empty() ? "" : " ") + std::string("Allowed: ") + range + ".";
    if (!extra.empty()) out << " " << troff(extra);
    out << "\n";
}

}  // namespace

std::string runFlagsManSection() {
    const RunConfig defaults;
    std::ostringstream out;
    out << ".SH RUN FLAGS\nEvery flag takes its value as \\fB\\-\\-flag\\fR \\fIVALUE\\fR or \\fB\\-\\-flag=\\fR\\fIVALUE\\fR.\n";
    for (const auto& own : ownFlags())
        if (own.before_settings) manEntry(out, own.name, own.value, own.help, "", own.range);
    for (const RunSetting& s : runSettings()) {
        if (!s.flag) continue;
        std::string help = s.help;
        for (const auto& alias : s.aliases) help += " Alias: --" + alias + ".";
        manEntry(out, s.key, s.kind == SettingKind::Switch ? "" : s.metavar, help,
                 s.kind == SettingKind::Switch ? "" : s.get(defaults), s.range);
    }
    for (const auto& own : ownFlags())
        if (!own.before_settings) manEntry(out, own.name, own.value, own.help, "", own.range);
    return out.str();
}

}  // namespace gossiplab::cli
