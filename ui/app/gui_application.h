#pragma once
// The desktop app's entry point (app/gui/main.cpp only calls it):
//   gossiplab [--db FILE] [--help] [--version]

namespace gossiplab::ui {

int runGuiApplication(int argc, char** argv, const char* version);

}  // namespace gossiplab::ui
