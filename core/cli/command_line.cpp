#include "core/cli/command_line.h"

#include <algorithm>
#include <map>

// Only this translation unit pays CLI11's compile cost.
#include <CLI/CLI.hpp>

namespace gossiplab::cli {

std::optional<std::string> CommandLine::value(const std::string& name) const {
    std::optional<std::string> out;
    for (const auto& [n, v] : flags)
        if (n == name) out = v;
    return out;
}

bool CommandLine::has(const std::string& name) const {
    return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.first == name; });
}

ParsedCommandLine parseCommandLine(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs, int max_positional) {
    ParsedCommandLine out;
    CLI::App app;
    app.set_help_flag();  // the subcommands write their own help, with defaults and ranges
    CLI::Option* help = app.add_flag("-h,--help");
    std::map<const CLI::Option*, const FlagSpec*> spec_of;
    for (const FlagSpec& spec : specs) {
        std::string names = "--" + spec.name;
        for (const auto& alias : spec.aliases) names += ",--" + alias;
        CLI::Option* option = spec.metavar.empty() ? app.add_flag(names) : app.add_option(names);
        // Given twice, a flag keeps every value: the later one wins where the command reads them.
        option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        if (spec.metavar.empty()) option->disable_flag_override();  // --quiet=3 is not a switch
        spec_of[option] = &spec;
    }
    std::vector<std::string> positional;
    CLI::Option* positional_option = max_positional != 0 ? app.add_option("positional", positional) : nullptr;

    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 reads the vector from its end
    try {
        app.parse(reversed);
    } catch (const CLI::ExtrasError& e) {
        // The first argument nobody took: an unknown flag, or a positional one where none belongs.
        const std::string extra = app.remaining().empty() ? std::string(e.what()) : app.remaining().front();
        out.error = extra.rfind("-", 0) == 0 ? "unknown flag " + extra.substr(0, extra.find('=')) + " (see --help)"
                                             : "unexpected argument '" + extra + "' (see --help)";
        return out;
    } catch (const CLI::ParseError& e) {
        // CLI11's words, put in ours where we know the case.
        std::string what = e.what();
        for (const FlagSpec& spec : specs) {
            if (what.rfind("--" + spec.name + ":", 0) == 0 && !spec.metavar.empty())
                what = "--" + spec.name + " needs a value (" + spec.metavar + ")";  // --workers at the end
            if (what.rfind(spec.name + " was given a disallowed flag override", 0) == 0)
                what = "--" + spec.name + " takes no value";  // --quiet=3
        }
        out.error = what;
        return out;
    }
    std::map<const CLI::Option*, size_t> used;
    for (const CLI::Option* option : app.parse_order()) {
        if (option == help) {
            out.line.help = true;
            continue;
        }
        if (option == positional_option) continue;
        const FlagSpec* spec = spec_of.at(option);
        const size_t k = used[option]++;
        out.line.flags.emplace_back(spec->name, spec->metavar.empty() ? std::string() : option->results().at(k));
    }
    // How each flag was written: the flag tokens of the command line, in order, are the options
    // CLI11 recognised, in the same order.
    std::vector<std::string> written;
    for (const std::string& arg : args) {
        if (arg == "--") break;
        if (arg.rfind("--", 0) == 0) written.push_back(arg.substr(2, arg.find('=') == std::string::npos ? std::string::npos : arg.find('=') - 2));
    }
    size_t next_written = 0;
    for (const auto& [name, value] : out.line.flags) {
        while (next_written < written.size() && written[next_written] == "help") ++next_written;
        const bool matches = next_written < written.size();
        out.line.spelled.emplace_back(matches ? written[next_written++] : name, value);
    }
    if (max_positional > 0 && static_cast<int>(positional.size()) > max_positional) {
        out.error = "unexpected argument '" + positional[static_cast<size_t>(max_positional)] + "' (see --help)";
        return out;
    }
    out.line.positional = std::move(positional);
    return out;
}

}  // namespace gossiplab::cli
