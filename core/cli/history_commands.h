#pragma once
// gossiplab-cli's run-history commands: runs, show, export, delete, import.

#include <string>
#include <vector>

namespace gossiplab::cli {

int runsCommand(const std::vector<std::string>& args);
int showCommand(const std::vector<std::string>& args);
int exportCommand(const std::vector<std::string>& args);
int deleteCommand(const std::vector<std::string>& args);
int importCommand(const std::vector<std::string>& args);

}  // namespace gossiplab::cli
