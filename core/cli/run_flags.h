#pragma once
// The flags of `gossiplab-cli run`: the run settings table (run_settings.h) and the run's own flags
// drive parsing and --help, and every value ends in
// RunConfig's one validation.

#include <string>
#include <vector>

#include "core/dist/dist_options.h"
#include "core/train/run_config.h"

namespace gossiplab::cli {

struct RunFlags {
    RunConfig config;
    std::string events_csv;  // --events-csv FILE
    std::string db;          // --db FILE (empty: the default history)
    bool record = true;      // --no-record
    bool quiet = false;      // --quiet
    bool help = false;
    // --world, --rank, --master, --bind, --iface, --token, --join-timeout, --peer-timeout
    DistributedOptions dist;
    // Every flag given, by name (no dashes), with its value, in order: ranks > 0 check the ones
    // that set training settings against rank 0's (settingsConflicts).
    std::vector<std::pair<std::string, std::string>> given;
};

// The field of an error in the command line's grammar (an unknown flag, a missing value), as
// opposed to a setting's value.
inline constexpr const char* kArgumentsField = "arguments";

struct ParsedRunFlags {
    RunFlags flags;
    std::vector<ConfigError> errors;  // parse errors and validation errors, all of them
};

ParsedRunFlags parseRunFlags(const std::vector<std::string>& args);
std::string runFlagsHelp();
// The same flags as a man page section (troff), for the package's gossiplab-cli(1): the build
// fills it in with `gossiplab-cli run --man-section` (packaging/man/fill-run-flags.cmake).
std::string runFlagsManSection();

// A rank > 0 takes rank 0's training settings. Given rank 0's settings and the flags given to
// this process, says which of them would set something else (e.g. "--lr 0.1: learning-rate is
// 0.05 on rank 0"), or "" when none does. Per-process flags (--workers, --devices, --threads,
// --data-dir, output and distribution flags) are this process's own and never conflict.
std::string settingsConflicts(const RunConfig& coordinator, const std::vector<std::pair<std::string, std::string>>& given);

}  // namespace gossiplab::cli
