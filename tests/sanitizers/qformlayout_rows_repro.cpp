// Qt-only model of the Distributed section that once corrupted the heap (reverted in 127d3a5; see
// ui/README.md): a QFormLayout in a scroll area whose error rows and spanning rows (a note, a
// commands box) are shown and hidden with setRowVisible while the fields change, a row widget
// holding two editors, then the whole form destroyed; 20 rounds of 300 steps per seed. Not built
// by CMake: a check of "it is Qt's", built by hand with the sanitizers the issue asks for:
//   g++ -std=c++20 -O2 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -D_GLIBCXX_ASSERTIONS \
//       -fPIC qformlayout_rows_repro.cpp -o repro $(pkg-config --cflags --libs Qt6Widgets)
//   for s in $(seq 1 11); do QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_odr_violation=2 ./repro $s; done
// Result under Qt 6.4.2 (Debian 12): clean for seeds 1-11, so the layout calls alone do not
// reproduce it.
#include <QApplication>
#include <QCheckBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>
#include <random>
#include <vector>

struct Row { QLabel* label; QWidget* row; QLineEdit* edit; QLabel* error; };

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    std::mt19937 rng(argc > 1 ? atoi(argv[1]) : 1);
    for (int round = 0; round < 20; ++round) {
        auto* window = new QWidget;
        auto* outer = new QVBoxLayout(window);
        auto* scroll = new QScrollArea(window);
        scroll->setWidgetResizable(true);
        auto* body = new QWidget(scroll);
        scroll->setWidget(body);
        outer->addWidget(scroll);
        auto* form = new QFormLayout(body);
        std::vector<Row> rows;
        auto addLine = [&](const QString& name, QWidget* row_widget) {
            auto* edit = new QLineEdit(row_widget ? row_widget : body);
            auto* label = new QLabel(name, body);
            QWidget* row = row_widget ? row_widget : edit;
            form->addRow(label, row);
            auto* error = new QLabel(body);
            error->setWordWrap(true);
            form->addRow(error);
            form->setRowVisible(error, false);
            rows.push_back({label, row, edit, error});
            return edit;
        };
        for (int k = 0; k < 12; ++k) addLine(QStringLiteral("field %1").arg(k), nullptr);
        auto* heading = new QLabel("DISTRIBUTED", body);
        form->addRow(heading);
        auto* enabled = new QCheckBox("Run over several processes", body);
        form->addRow(enabled);
        const size_t first = rows.size();
        addLine("world", nullptr);
        auto* master_row = new QWidget(body);
        auto* master_layout = new QHBoxLayout(master_row);
        auto* master = addLine("master", master_row);
        master_layout->addWidget(master, 3);
        master_layout->addWidget(new QLabel(":", master_row));
        auto* port = new QLineEdit(master_row);
        master_layout->addWidget(port, 1);
        addLine("bind", nullptr);
        addLine("iface", nullptr);
        auto* note = new QLabel(body);
        note->setWordWrap(true);
        form->addRow(note);
        auto* commands_row = new QWidget(body);
        auto* commands_layout = new QVBoxLayout(commands_row);
        auto* commands = new QPlainTextEdit(commands_row);
        commands_layout->addWidget(commands);
        form->addRow(commands_row);
        window->resize(400, 700);
        window->show();

        for (int step = 0; step < 300; ++step) {
            const bool on = rng() % 2;
            enabled->setChecked(on);
            for (size_t i = 0; i < rows.size(); ++i) {
                const bool applies = i < first || on;
                const bool has_error = rng() % 4 == 0;
                rows[i].error->setText(has_error ? QStringLiteral("bad value %1").arg(step) : QString());
                rows[i].edit->setText(QString::number(rng()));
                form->setRowVisible(rows[i].row, applies);
                form->setRowVisible(rows[i].error, applies && has_error);
            }
            form->setRowVisible(note, on);
            form->setRowVisible(commands_row, on);
            note->setText(QStringLiteral("note %1").arg(step));
            commands->setPlainText(QStringLiteral("gossiplab-cli run --world 2 --rank 1 ... %1").arg(step));
            if (step % 10 == 0) QApplication::processEvents();
        }
        delete window;
        QApplication::processEvents();
    }
    return 0;
}
