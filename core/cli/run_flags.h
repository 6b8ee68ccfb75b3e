#pragma once
// The flags of `gossiplab-cli run`: one table drives parsing and --help, and every value ends in
// RunConfig's one validation.

#include <string>
#include <vector>

#include "core/train/run_config.h"

namespace gossiplab::cli {

struct RunFlags {
    RunConfig config;
    std::string events_csv;  // --events-csv FILE
    std::string db;          // --db FILE (empty: the default history)
    bool record = true;      // --no-record
    bool quiet = false;      // --quiet
    bool help = false;
};

struct ParsedRunFlags {
    RunFlags flags;
    std::vector<ConfigError> errors;  // parse errors and validation errors, all of them
};

ParsedRunFlags parseRunFlags(const std::vector<std::string>& args);
std::string runFlagsHelp();

}  // namespace gossiplab::cli
