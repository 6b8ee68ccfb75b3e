// Qt + LibTorch model of the trigger found for the heap corruption of the reverted Distributed
// section (ui/README.md): at ec95376, test_ui_settings_form crashed at exit in LibTorch's static
// destructors in every run only while its commands box, a QPlainTextEdit inside the panel, had
// its own style sheet (`QPlainTextEdit { border: ...; border-radius: 3px; background: ... }`)
// under the panel's QLineEdit style sheet. This program does the same with no GossipLab code: a
// panel with a form of line edits, a note label and that QPlainTextEdit with their style sheets,
// the panel's style sheet set after its children, rows shown and hidden, fields re-polished as
// invalid, text set; 10 panels created, shown and destroyed; then a LibTorch op, and exit. Not
// built by CMake: built by hand with the flags that crashed the test:
//   cmake project: find_package(Torch), Qt6 Widgets, QT_NO_KEYWORDS;
//   CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG -D_GLIBCXX_ASSERTIONS -fsanitize=address,undefined
//   -fno-omit-frame-pointer", linker -fsanitize=address,undefined
//   QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=0:detect_odr_violation=2 ./stylesheet_exit_repro
// Result under Qt 6.4.2 + LibTorch 1.13 (Debian 12, GCC 12): clean, 6 of 6 runs (NO_EDIT_STYLE=1
// drops the QPlainTextEdit's style sheet, NO_TORCH=1 exits before LibTorch is used): so the trigger
// alone does not reproduce it; something else the form does is needed too.
#include <QApplication>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QStyle>
#include <QVBoxLayout>
#include <QWidget>
#include <torch/torch.h>

static void onePanel(int round) {
    QWidget panel;
    auto* outer = new QVBoxLayout(&panel);
    auto* body = new QWidget(&panel);
    outer->addWidget(body);
    auto* form = new QFormLayout(body);
    std::vector<QLineEdit*> edits;
    for (int i = 0; i < 12; ++i) {
        auto* e = new QLineEdit(body);
        e->setText(QString::number(i * round));
        form->addRow(QString("field %1").arg(i), e);
        edits.push_back(e);
    }
    auto* note = new QLabel("note", body);
    note->setWordWrap(true);
    note->setStyleSheet("color: #5A6270; font-size: 8pt;");
    form->addRow(note);
    auto* commands = new QPlainTextEdit(body);
    commands->setReadOnly(true);
    commands->setFixedHeight(110);
    if (!qEnvironmentVariableIsSet("NO_EDIT_STYLE"))
        commands->setStyleSheet("QPlainTextEdit { border: 1px solid #C3C7CD; border-radius: 3px; background: #F7F8FA; }");
    form->addRow(commands);
    panel.setStyleSheet("QLineEdit { border: 1px solid #C3C7CD; border-radius: 3px; padding: 3px 5px; background: white; }"
                        "QLineEdit:focus { border-color: #4E79A7; }"
                        "QLineEdit[invalid=\"true\"] { border-color: #B3261E; background: #FDF1F0; }");
    panel.show();
    for (int step = 0; step < 20; ++step) {
        const bool on = (step + round) % 2 == 0;
        form->setRowVisible(commands, on);
        form->setRowVisible(note, on);
        QLineEdit* e = edits[size_t(step) % edits.size()];
        e->setProperty("invalid", on);
        e->style()->unpolish(e);
        e->style()->polish(e);
        commands->setPlainText(QString("gossiplab-cli run --rank %1 --world 2 --master 127.0.0.1:%2").arg(step).arg(29500 + step));
        QApplication::processEvents();
    }
}

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    for (int round = 0; round < 10; ++round) onePanel(round);
    if (qEnvironmentVariableIsSet("NO_TORCH")) return 0;
    auto t = torch::ones({4, 4});
    return (t.sum().item<float>() == 16.0f) ? 0 : 1;
}
