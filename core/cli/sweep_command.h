#pragma once
// gossiplab-cli's experiment commands:
//   sweep        define an experiment (a preset, a JSON file and/or --grid-* flags over fixed
//                settings), queue it in the history and run it; or --resume one
//   experiments  list the experiments with their progress
//   experiment   show ID (queue, time-to-loss table, metrics against the swept parameter),
//                export ID --dir DIR, delete ID [--with-runs]

#include <string>
#include <vector>

namespace gossiplab::cli {

int sweepCommand(const std::vector<std::string>& args);
int experimentsCommand(const std::vector<std::string>& args);
int experimentCommand(const std::vector<std::string>& args);

}  // namespace gossiplab::cli
