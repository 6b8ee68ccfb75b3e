#pragma once
// The one command-line grammar of every gossiplab-cli subcommand, on CLI11 (Debian's
// libcli11-dev): `--flag value` and `--flag=value` alike, `--` ends the flags, an unknown flag or a
// missing value is one clear message. What a value means is the subcommand's business: this
// returns the flags as given, in order, so that later flags override earlier ones and presets
// can be applied first.

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gossiplab::cli {

struct FlagSpec {
    std::string name;                  // without dashes: "learning-rate"
    std::vector<std::string> aliases;  // more names for it: {"lr"}
    std::string metavar;               // the value's placeholder; empty: a switch, which takes none
};

struct CommandLine {
    std::vector<std::pair<std::string, std::string>> flags;  // (name, value; "" for a switch), in the order given
    // The same flags as the user spelled them ("lr" where `flags` says "learning-rate"), for
    // messages that quote the command line back.
    std::vector<std::pair<std::string, std::string>> spelled;
    std::vector<std::string> positional;
    bool help = false;  // -h or --help

    // The last value given for `name`, if any.
    std::optional<std::string> value(const std::string& name) const;
    bool has(const std::string& name) const;
};

struct ParsedCommandLine {
    CommandLine line;
    std::string error;  // empty when it parsed
};

// `max_positional` < 0: any number of positional arguments.
ParsedCommandLine parseCommandLine(const std::vector<std::string>& args, const std::vector<FlagSpec>& flags,
                                   int max_positional = 0);

}  // namespace gossiplab::cli
