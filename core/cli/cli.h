#pragma once
// gossiplab-cli: `run`, `selftest` and the run-history commands. Qt-free, so it builds on GPU
// servers without Qt.

namespace gossiplab::cli {

// Exit codes: 0 finished, 1 failed or diverged (or a command failed), 2 invalid arguments.
int main(int argc, char** argv);

}  // namespace gossiplab::cli
