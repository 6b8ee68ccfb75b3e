// gossiplab: the desktop app. All logic lives in ui/.
#include "ui/app/gui_application.h"

int main(int argc, char** argv) { return gossiplab::ui::runGuiApplication(argc, argv, GOSSIPLAB_VERSION); }
