// gossiplab-cli: the headless twin of the desktop app. All logic lives in core/cli.
#include "core/cli/cli.h"

int main(int argc, char** argv) { return gossiplab::cli::main(argc, argv); }
