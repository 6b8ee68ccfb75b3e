// A top-level RunSettingsPanel destroyed while its learning-rate field has focus and a typed,
// unapplied value during a run: ~QWidget closes the window, the field loses focus,
// editingFinished fires and the panel's lambda (run_settings_panel.cpp:262) runs emitLive on a
// panel whose members are already destroyed: ASan reports heap-use-after-free in field(), UBSan
// "member call on address which does not point to an object of type RunSettingsPanel" (issue 18,
// ui/README.md). Not built by CMake; against the ASan build of tests/distro/sanitizers.sh:
//   g++ -O1 -g1 -fsanitize=address,undefined -fPIC -std=c++20 -DQT_NO_KEYWORDS -I. \
//       $(pkg-config --cflags Qt6Widgets Qt6Test) panel_close_repro.cpp -o panel_close \
//       <test_ui_settings_form's LINK_LIBRARIES from build/asan/build.ninja> $(pkg-config --libs Qt6Widgets Qt6Test)
//   QT_QPA_PLATFORM=offscreen ./panel_close
// The same steps make a regression test for tests/ui/test_settings_form (fails under ASan until
// the panel disconnects its children in its destructor).
#include <QApplication>
#include <QLineEdit>
#include <QTest>
#include "ui/settings/run_settings_panel.h"
using namespace gossiplab::ui;
int main(int argc, char** argv) {
    QApplication app(argc, argv);
    {
        RunSettingsPanel panel;
        panel.show();
        panel.activateWindow();
        QApplication::setActiveWindow(&panel);
        panel.setRunActive(true);
        auto* lr = panel.findChild<QLineEdit*>("field-learning-rate");
        if (!lr) { std::fprintf(stderr, "no field-learning-rate\n"); return 2; }
        lr->setFocus();
        QApplication::processEvents();
        std::fprintf(stderr, "lr has focus: %d\n", int(lr->hasFocus()));
        QTest::keyClicks(lr, "0.07");
        QApplication::processEvents();
    }  // ~RunSettingsPanel here
    std::fprintf(stderr, "destroyed\n");
    return 0;
}
