// Run > Distributed...: the dialog's fields, their messages, the other ranks' commands, Copy, and
// what the window does with the answer (the controller's setup, remembered across sessions).
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include "ui/live/distributed_setup.h"
#include "ui/live/run_controller.h"
#include "ui/settings/distributed_dialog.h"
#include "ui/settings/run_settings_panel.h"
#include "ui/window/main_window.h"

using namespace gossiplab;
using namespace gossiplab::ui;

class TestDistributedDialog : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    static RunConfig config() {
        RunConfig c = quickDemoPreset();
        c.workers = 4;
        c.learning_rate = 0.07;
        return c;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.filePath("settings"));
        QCoreApplication::setOrganizationName("GossipLabTest");
        QCoreApplication::setApplicationName("gossiplab-test-distributed-dialog");
    }

    void offByDefaultWithNoCommands() {
        DistributedDialog dialog(DistributedSetup{}, config());
        QVERIFY(!dialog.setup().enabled);
        QVERIFY(dialog.errors().empty());
        QVERIFY(dialog.okButton()->isEnabled());
        QVERIFY(dialog.commandsText().isEmpty());
        QVERIFY(!dialog.editor("world")->isEnabled());
    }

    void hostModeShowsEachRanksCommandAndCopiesThem() {
        DistributedSetup d;
        d.enabled = true;
        d.mode = DistributedSetup::Mode::Host;
        d.world = 3;
        d.master_host = "192.168.1.20";
        d.master_port = 29611;
        DistributedDialog dialog(d, config());
        QVERIFY2(dialog.errors().empty(), dialog.errors().empty() ? "" : dialog.errors().front().message.c_str());
        // A run token is made for the run (32 hex digits) and every command carries it.
        const std::string token = dialog.setup().token;
        QCOMPARE(token.size(), size_t(32));
        d.token = token;
        QCOMPARE(dialog.setup(), d);
        const QStringList lines = dialog.commandsText().split('\n');
        for (const QString& line : lines) QVERIFY2(line.contains("--token " + QString::fromStdString(token)), qPrintable(line));
        // A token set before is kept.
        DistributedDialog again(d, config());
        QCOMPARE(again.setup().token, token);
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], otherRankCommand(config(), d, 1));
        QCOMPARE(lines[1], otherRankCommand(config(), d, 2));
        QVERIFY2(lines[0].contains("--lr 0.07") && lines[0].contains("--master 192.168.1.20:29611"), qPrintable(lines[0]));
        QTest::mouseClick(dialog.copyButton(), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), dialog.commandsText());
    }

    void badValuesAreShownAtTheirFieldAndBlockOk() {
        DistributedSetup d;
        d.enabled = true;
        DistributedDialog dialog(d, config());
        QVERIFY(dialog.okButton()->isEnabled());
        dialog.editor("world")->setText("1");
        QVERIFY2(dialog.errorText("world").contains("2 to 64"), qPrintable(dialog.errorText("world")));
        QVERIFY(!dialog.okButton()->isEnabled());
        QVERIFY(dialog.commandsText().isEmpty());
        dialog.editor("world")->setText("three");
        QVERIFY2(dialog.errorText("world").contains("'three'"), qPrintable(dialog.errorText("world")));
        dialog.editor("world")->setText("20");  // 20 processes x 4 workers > 64 on this machine
        QVERIFY2(dialog.errorText("world").contains("at most 64 workers"), qPrintable(dialog.errorText("world")));
        dialog.editor("world")->setText("2");
        QVERIFY(dialog.errorText("world").isEmpty());
        QVERIFY(dialog.okButton()->isEnabled());
        dialog.editor("peer-timeout")->setText("0.1");
        QVERIFY2(dialog.errorText("peer-timeout").contains("0.5 to 3600"), qPrintable(dialog.errorText("peer-timeout")));
        dialog.editor("peer-timeout")->setText("5");
        dialog.editor("join-timeout")->setText("soon");
        QVERIFY2(dialog.errorText("join-timeout").contains("'soon'"), qPrintable(dialog.errorText("join-timeout")));
        dialog.editor("join-timeout")->setText("60");
        dialog.modeCombo()->setCurrentIndex(dialog.modeCombo()->findData("host"));
        dialog.editor("port")->setText("70000");
        QVERIFY2(dialog.errorText("port").contains("1 to 65535"), qPrintable(dialog.errorText("port")));
        QVERIFY(!dialog.okButton()->isEnabled());
        dialog.editor("port")->setText("");
        QVERIFY(dialog.editor("port")->placeholderText().contains("29500"));
        // An empty address stands for this machine's: the field shows which one the commands use.
        dialog.editor("master")->setText("");
        const QString shown = dialog.editor("master")->placeholderText();
        if (!dialog.setup().master_host.empty()) {
            QVERIFY2(shown.contains(QString::fromStdString(dialog.setup().master_host)), qPrintable(shown));
            QVERIFY(dialog.commandsText().contains("--master " + QString::fromStdString(dialog.setup().master_host)));
        }
        dialog.editor("master")->setText("10.1.2.3");
        QVERIFY2(dialog.errors().empty(), dialog.errors().empty() ? "" : dialog.errors().front().message.c_str());
        QCOMPARE(dialog.setup().master_port, 29500);
        // Turning it off clears every problem.
        dialog.editor("world")->setText("1");
        dialog.enabledCheck()->setChecked(false);
        QVERIFY(dialog.errors().empty());
        QVERIFY(dialog.okButton()->isEnabled());
    }

    void theWindowHandsTheAnswerToItsControllerAndRemembersIt() {
        const QString history = dir_.filePath("history.sqlite3");
        DistributedSetup wanted;
        {
            MainWindow w(history);
            QVERIFY(!w.controller()->distributed().enabled);
            w.setDistributedQuestion([&](DistributedDialog& dialog) {
                dialog.enabledCheck()->setChecked(true);
                dialog.editor("world")->setText("3");
                wanted = dialog.setup();
                return true;
            });
            QVERIFY(w.editDistributed());
            QVERIFY(w.controller()->distributed().enabled);
            QCOMPARE(w.controller()->distributed().world, 3);
            QVERIFY(w.controller()->distributed().local());
            // Cancelled: nothing changes.
            w.setDistributedQuestion([](DistributedDialog& dialog) {
                dialog.enabledCheck()->setChecked(false);
                return false;
            });
            QVERIFY(!w.editDistributed());
            QVERIFY(w.controller()->distributed().enabled);
            QVERIFY(w.close());
        }
        MainWindow again(history);
        QCOMPARE(again.controller()->distributed(), wanted);
    }
};

QTEST_MAIN(TestDistributedDialog)
#include "test_distributed_dialog.moc"
