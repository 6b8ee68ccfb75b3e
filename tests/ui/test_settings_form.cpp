// The run-settings form: RunConfig's own validation messages at each field, Start disabled while
// any is there, presets, what applies to which algorithm, live edits of p and the learning rate.
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>

#include <functional>

#include "core/train/run_config.h"
#include "core/train/run_settings.h"
#include "ui/settings/run_settings_panel.h"

using namespace gossiplab;
using namespace gossiplab::ui;

namespace {

// The message validate() gives for `field` on `config` ("" if none).
QString expectedMessage(const RunConfig& config, const std::string& field) {
    for (const ConfigError& e : validate(config))
        if (e.field == field) return QString::fromStdString(e.message);
    return {};
}

void setLine(RunSettingsPanel& form, const QString& key, const QString& text) {
    auto* edit = qobject_cast<QLineEdit*>(form.editor(key));
    QVERIFY2(edit, qPrintable("no line edit for " + key));
    edit->setText(text);
}

void setCombo(RunSettingsPanel& form, const QString& key, const QString& data) {
    auto* combo = qobject_cast<QComboBox*>(form.editor(key));
    QVERIFY2(combo, qPrintable("no combo for " + key));
    const int i = combo->findData(data);
    if (i >= 0) combo->setCurrentIndex(i);
    else combo->setEditText(data);
}

struct Case {
    const char* name;
    std::string field;                              // validate()'s field name
    std::function<void(RunSettingsPanel&)> fill;    // what the user types
    std::function<void(RunConfig&)> apply;          // the same on a RunConfig
};

std::vector<Case> invalidCases() {
    auto line = [](const char* key, const QString& text) { return [=](RunSettingsPanel& f) { setLine(f, key, text); }; };
    return {
        {"workers 0", "workers", line("workers", "0"), [](RunConfig& c) { c.workers = 0; }},
        {"workers 65", "workers", line("workers", "65"), [](RunConfig& c) { c.workers = 65; }},
        {"p -0.1", "p", line("p", "-0.1"), [](RunConfig& c) { c.p = -0.1; }},
        {"p 1.5", "p", line("p", "1.5"), [](RunConfig& c) { c.p = 1.5; }},
        {"learning-rate 0", "learning-rate", line("learning-rate", "0"), [](RunConfig& c) { c.learning_rate = 0; }},
        {"learning-rate 11", "learning-rate", line("learning-rate", "11"), [](RunConfig& c) { c.learning_rate = 11; }},
        {"momentum 1", "momentum", line("momentum", "1"), [](RunConfig& c) { c.momentum = 1; }},
        {"momentum -0.5", "momentum", line("momentum", "-0.5"), [](RunConfig& c) { c.momentum = -0.5; }},
        {"weight-decay 1", "weight-decay", line("weight-decay", "1"), [](RunConfig& c) { c.weight_decay = 1; }},
        {"batch-size 0", "batch-size", line("batch-size", "0"), [](RunConfig& c) { c.batch_size = 0; }},
        {"batch-size 70000", "batch-size", line("batch-size", "70000"), [](RunConfig& c) { c.batch_size = 70000; }},
        {"easgd-alpha 1.5", "easgd-alpha",
         [](RunSettingsPanel& f) { setCombo(f, "algorithm", "easgd"); setLine(f, "easgd-alpha", "1.5"); },
         [](RunConfig& c) { c.algorithm = Algorithm::Easgd; c.easgd_alpha = 1.5; }},
        {"easgd-tau -1", "easgd-tau",
         [](RunSettingsPanel& f) { setCombo(f, "algorithm", "easgd"); setLine(f, "easgd-tau", "-1"); },
         [](RunConfig& c) { c.algorithm = Algorithm::Easgd; c.easgd_tau = -1; }},
        {"easgd-tau needed when p is 0", "easgd-tau",
         [](RunSettingsPanel& f) { setCombo(f, "algorithm", "easgd"); setLine(f, "p", "0"); setLine(f, "easgd-tau", ""); },
         [](RunConfig& c) { c.algorithm = Algorithm::Easgd; c.p = 0; c.easgd_tau = 0; }},
        {"images 0", "images",
         [](RunSettingsPanel& f) {
             auto* kind = f.findChild<QComboBox*>("field-budget-kind");
             kind->setCurrentIndex(kind->findData("images"));
             setLine(f, "budget", "0");
         },
         [](RunConfig& c) { c.budget_kind = BudgetKind::ImagesPerWorker; c.budget = 0; }},
        {"epochs 0", "epochs",
         [](RunSettingsPanel& f) {
             auto* kind = f.findChild<QComboBox*>("field-budget-kind");
             kind->setCurrentIndex(kind->findData("epochs"));
             setLine(f, "budget", "0");
         },
         [](RunConfig& c) { c.budget_kind = BudgetKind::Epochs; c.budget = 0; }},
        {"seconds -1", "seconds",
         [](RunSettingsPanel& f) {
             auto* kind = f.findChild<QComboBox*>("field-budget-kind");
             kind->setCurrentIndex(kind->findData("seconds"));
             setLine(f, "budget", "-1");
         },
         [](RunConfig& c) { c.budget_kind = BudgetKind::Seconds; c.budget = -1; }},
        {"devices gpu", "devices", [](RunSettingsPanel& f) { setCombo(f, "devices", "gpu"); },
         [](RunConfig& c) { c.devices = "gpu"; }},
        {"test-model center with gosgd", "test-model", [](RunSettingsPanel& f) { setCombo(f, "test-model", "center"); },
         [](RunConfig& c) { c.test_model = TestModel::Center; }},
        {"test-model alpha-weighted with naive", "test-model",
         [](RunSettingsPanel& f) { setCombo(f, "algorithm", "naive"); setCombo(f, "test-model", "alpha-weighted"); },
         [](RunConfig& c) { c.algorithm = Algorithm::Naive; c.test_model = TestModel::AlphaWeighted; }},
        {"eval-every -1", "eval-every", line("eval-every", "-1"), [](RunConfig& c) { c.eval_every_images = -1; }},
        {"eval-max-images -5", "eval-max-images", line("eval-max-images", "-5"), [](RunConfig& c) { c.eval_max_images = -5; }},
        {"metrics-every 0", "metrics-every", line("metrics-every", "0"), [](RunConfig& c) { c.metrics_every = 0; }},
        {"distance-every 0", "distance-every", line("distance-every", "0"), [](RunConfig& c) { c.distance_every = 0; }},
        {"threads 300", "threads", line("threads", "300"), [](RunConfig& c) { c.intra_op_threads = 300; }},
        {"init-noise 11", "init-noise", line("init-noise", "11"), [](RunConfig& c) { c.init_noise = 11; }},
        {"name too long", "name", line("name", QString(201, 'x')), [](RunConfig& c) { c.name = std::string(201, 'x'); }},
        {"p-schedule 0:2", "p-schedule", line("p-schedule", "0:2"),
         [](RunConfig& c) { c.p_schedule = {{0, 2.0}}; }},
        {"lr-schedule decreasing", "lr-schedule", line("lr-schedule", "5:0.1,3:0.2"),
         [](RunConfig& c) { c.lr_schedule = {{5, 0.1}, {3, 0.2}}; }},
    };
}

}  // namespace

class TestSettingsForm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsValidWithTheQuickDemo() {
        RunSettingsPanel form;
        QVERIFY(form.isValid());
        QVERIFY(form.startButton()->isEnabled());
        QVERIFY(!form.stopButton()->isEnabled());
        QVERIFY(toKeyValues(form.config()) == toKeyValues(quickDemoPreset()));
    }

    void eachInvalidValueDisablesStartAndShowsTheFieldsMessage() {
        for (const Case& c : invalidCases()) {
            RunSettingsPanel form;
            form.show();
            QVERIFY(form.isValid());
            QSignalSpy validity(&form, &RunSettingsPanel::validityChanged);
            c.fill(form);
            RunConfig expected_config = quickDemoPreset();
            c.apply(expected_config);
            const QString expected = expectedMessage(expected_config, c.field);
            QVERIFY2(!expected.isEmpty(), c.name);  // the case is invalid for RunConfig too
            QVERIFY2(!form.isValid(), c.name);
            QVERIFY2(!form.startButton()->isEnabled(), c.name);
            QCOMPARE(validity.count(), 1);
            QCOMPARE(form.errorText(QString::fromStdString(c.field)), expected);
            // Shown at the field: the error label under it is visible, the editor is flagged.
            auto* label = form.findChild<QLabel*>("error-" + (c.field == "epochs" || c.field == "images" || c.field == "seconds"
                                                                  ? QString("budget")
                                                                  : QString::fromStdString(c.field)));
            QVERIFY2(label, c.name);
            QVERIFY2(label->isVisible(), c.name);
            QCOMPARE(label->text(), expected);
            QVERIFY2(form.editor(QString::fromStdString(c.field))->property("invalid").toBool(), c.name);
        }
    }

    void fixingTheValueEnablesStartAgain() {
        RunSettingsPanel form;
        form.show();
        setLine(form, "p", "2");
        QVERIFY(!form.startButton()->isEnabled());
        QCOMPARE(form.errorText("p"), QString("p is 2; allowed range: 0 to 1"));
        setLine(form, "p", "0.5");
        QVERIFY(form.startButton()->isEnabled());
        QCOMPARE(form.errorText("p"), QString());
        QVERIFY(!form.findChild<QLabel*>("error-p")->isVisible());
        QCOMPARE(form.config().p, 0.5);
    }

    // Issue 18's heap corruption: a panel destroyed with a focused, edited learning rate during a
    // run used to run its editingFinished slot on itself half-destroyed (ASan: use after free; the
    // sanitizer build of .ci/run runs this). Now nothing of the panel runs: no live change is asked.
    void destroyedWithAPendingEditRunsNothingOfItself() {
        int asked = 0;
        {
            auto* panel = new RunSettingsPanel;
            panel->show();
            panel->activateWindow();
            panel->setRunActive(true);
            connect(panel, &RunSettingsPanel::liveSettingRequested, this, [&] { ++asked; });
            auto* lr = panel->findChild<QLineEdit*>("field-learning-rate");
            QVERIFY(lr);
            lr->setFocus();
            QTest::keyClicks(lr, "7");
            QVERIFY(panel->learningRatePending());
            delete panel;
        }
        QCOMPARE(asked, 0);
    }

    void textThatIsNotANumberIsFlaggedByTheForm() {
        RunSettingsPanel form;
        form.show();
        setLine(form, "learning-rate", "fast");
        QVERIFY(!form.startButton()->isEnabled());
        QCOMPARE(form.errorText("learning-rate"), QString("learning-rate is 'fast'; expected a number (allowed range: greater than 0, at most 10)"));
        setLine(form, "learning-rate", "0.01");
        setLine(form, "workers", "4.5");
        QCOMPARE(form.errorText("workers"), QString("workers is '4.5'; expected a whole number (allowed range: 1 to 64)"));
        QVERIFY(!form.startButton()->isEnabled());
    }

    void presetsFillTheForm() {
        RunSettingsPanel form;
        for (const std::string& name : presetNames()) {
            QVERIFY(form.applyPreset(QString::fromStdString(name)));
            QVERIFY2(toKeyValues(form.config()) == toKeyValues(*presetByName(name)), name.c_str());
            QVERIFY2(form.isValid(), name.c_str());
        }
        QVERIFY(!form.applyPreset("no-such-preset"));
    }

    void easgdFieldsShowOnlyForEasgd() {
        RunSettingsPanel form;
        form.show();
        QVERIFY(!form.editor("easgd-alpha")->isVisible());
        QVERIFY(form.editor("p")->isVisible());
        setCombo(form, "algorithm", "easgd");
        QVERIFY(form.editor("easgd-alpha")->isVisible());
        QVERIFY(form.editor("easgd-tau")->isVisible());
        setCombo(form, "algorithm", "naive");
        QVERIFY(!form.editor("easgd-alpha")->isVisible());
        QVERIFY(!form.editor("p")->isVisible());  // naive workers never exchange
        // The folder applies to datasets read from files only.
        setCombo(form, "dataset", "synthetic");
        QVERIFY(!form.editor("data-dir")->isVisible());
        setCombo(form, "dataset", "mnist");
        QVERIFY(form.editor("data-dir")->isVisible());
    }

    // The fields follow the settings table's RunSetting::appliesTo for every algorithm: p for the
    // algorithms it sets something for (GoSGD's exchanges, EASGD's tau, local SGD's H), H only for
    // local SGD (its placeholder says round(1/p)), the SGP delay only for SGP.
    void everyAlgorithmShowsTheFieldsThatApplyToIt() {
        RunSettingsPanel form;
        form.show();
        auto* algorithm = qobject_cast<QComboBox*>(form.editor("algorithm"));
        QVERIFY(algorithm);
        for (Algorithm a : kAllAlgorithms) {
            const QString name = QString::fromStdString(toString(a));
            QVERIFY2(algorithm->findData(name) >= 0, qPrintable(name));  // listed
            setCombo(form, "algorithm", name);
            QVERIFY2(form.config().algorithm == a, qPrintable(name));
            for (const char* key : {"p", "local-steps", "sgp-delay", "easgd-alpha", "easgd-tau", "momentum"}) {
                const RunSetting* setting = findRunSetting(key);
                QVERIFY2(setting && form.editor(key), key);
                QVERIFY2(form.editor(key)->isVisible() == setting->appliesTo(a), qPrintable(name + ": " + key));
                QVERIFY2(form.editor(key)->isEnabled(), qPrintable(name + ": " + key));
            }
        }
        setCombo(form, "algorithm", "local-sgd");
        QVERIFY(form.editor("p")->isVisible() && form.editor("p")->isEnabled());
        setLine(form, "p", "0.02");
        auto* h = qobject_cast<QLineEdit*>(form.editor("local-steps"));
        QVERIFY(h);
        QCOMPARE(h->placeholderText(), QStringLiteral("auto: round(1/p) = 50"));
        QVERIFY(form.isValid());
        // p = 0 with no H: validate()'s message at the H field, Start disabled.
        setLine(form, "p", "0");
        QVERIFY(!form.isValid());
        RunConfig expected = form.config();
        QCOMPARE(form.errorText("local-steps"), expectedMessage(expected, "local-steps"));
        QVERIFY(!form.errorText("local-steps").isEmpty());
        setLine(form, "local-steps", "8");
        QVERIFY(form.isValid());
        QCOMPARE(form.config().local_steps, 8);
        // During a local SGD run p is not live (H was fixed at the start); the learning rate is.
        form.setRunActive(true);
        QVERIFY(!form.editor("p")->isEnabled());
        QVERIFY(form.editor("learning-rate")->isEnabled());
        form.setRunActive(false);

        setCombo(form, "algorithm", "sgp");
        setLine(form, "sgp-delay", "65");
        QVERIFY(!form.isValid());
        QVERIFY(!form.errorText("sgp-delay").isEmpty());
        setLine(form, "sgp-delay", "2");
        QVERIFY(form.isValid());
        QCOMPARE(form.config().sgp_delay, 2);
        // The alpha-weighted test model is allowed for SGP (push-sum weights), not for all-reduce.
        setCombo(form, "test-model", "alpha-weighted");
        QVERIFY(form.isValid());
        setCombo(form, "algorithm", "allreduce");
        QVERIFY(!form.isValid());
        QVERIFY(!form.errorText("test-model").isEmpty());
    }

    void onlyPAndTheLearningRateStayEditableDuringARun() {
        RunSettingsPanel form;
        form.show();
        QSignalSpy live(&form, &RunSettingsPanel::liveSettingRequested);
        form.setRunActive(true);
        QVERIFY(!form.startButton()->isEnabled());
        QVERIFY(form.stopButton()->isEnabled());
        QVERIFY(!form.editor("workers")->isEnabled());
        QVERIFY(!form.editor("batch-size")->isEnabled());
        QVERIFY(form.editor("p")->isEnabled());
        QVERIFY(form.editor("learning-rate")->isEnabled());

        auto* p = qobject_cast<QLineEdit*>(form.editor("p"));
        p->setText("3");
        Q_EMIT p->editingFinished();
        QCOMPARE(live.count(), 0);  // invalid: refused at the field, with validate()'s message
        QCOMPARE(form.errorText("p"), QString::fromStdString(validateLiveSetting("p", 3, RunConfig{})->message));
        p->setText("0.5");
        Q_EMIT p->editingFinished();
        QCOMPARE(live.count(), 1);
        QCOMPARE(live[0][0].toString(), QString("p"));
        QCOMPARE(live[0][1].toDouble(), 0.5);
        Q_EMIT p->editingFinished();
        QCOMPARE(live.count(), 1);  // the same value again: nothing to change

        auto* lr = qobject_cast<QLineEdit*>(form.editor("learning-rate"));
        lr->setText("0.01");
        Q_EMIT lr->editingFinished();
        QCOMPARE(live.count(), 2);
        QCOMPARE(live[1][0].toString(), QString("learning-rate"));

        // The p slider applies after a short pause (dragging does not flood the run).
        auto* slider = form.findChild<QSlider*>("p-slider");
        slider->setValue(slider->maximum());
        QCOMPARE(p->text(), QString("1"));
        QTRY_COMPARE(live.count(), 3);
        QCOMPARE(live[2][1].toDouble(), 1.0);

        form.setRunActive(false);
        QVERIFY(form.editor("workers")->isEnabled());
        QVERIFY(form.startButton()->isEnabled());
    }

    // Issue #20, 1: showing an error must not hide or move any other row. Every field that applies
    // stays visible with a real height, rows never overlap, and each invalid field shows its own
    // message under it.
    void theRunNameDoesNotFollowALiveChange() {
        RunSettingsPanel form;
        form.show();
        auto* name = qobject_cast<QLineEdit*>(form.editor("name"));
        QVERIFY(name);
        form.setRunActive(true);
        const QString started_as = name->placeholderText();
        auto* p = qobject_cast<QLineEdit*>(form.editor("p"));
        p->setText("0.5");
        Q_EMIT p->editingFinished();
        QCOMPARE(name->placeholderText(), started_as);
        form.setRunActive(false);
        setLine(form, "p", "0.25");
        QVERIFY(name->placeholderText().contains("p0.25"));
    }

    void aTypedLearningRateShowsItIsPendingUntilApplied() {
        RunSettingsPanel form;
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        QSignalSpy live(&form, &RunSettingsPanel::liveSettingRequested);
        form.setRunActive(true);
        auto* lr = qobject_cast<QLineEdit*>(form.editor("learning-rate"));
        QVERIFY(lr);
        lr->setFocus();
        lr->selectAll();
        QTest::keyClicks(lr, "0.02");
        QVERIFY(form.learningRatePending());
        QVERIFY(lr->property("pending").toBool());
        QVERIFY(lr->toolTip().contains("Not applied yet"));
        QCOMPARE(live.count(), 0);
        QTest::keyClick(lr, Qt::Key_Return);
        QCOMPARE(live.count(), 1);
        QCOMPARE(live.at(0).at(1).toDouble(), 0.02);
        QVERIFY(!form.learningRatePending());
        QVERIFY(!lr->property("pending").toBool());
        form.setRunActive(false);
        QVERIFY(!form.learningRatePending());
    }

    void presetNamesAreNotCut() {
        // The panel as docked in the main window at 1366 px (about 340 px wide): every preset's
        // name fits its box (it once read "Quick demo (Fashion-MNIST, 4 worl"); the rest is its tooltip.
        RunSettingsPanel form;
        form.resize(340, 1200);
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        auto* preset = form.findChild<QComboBox*>("preset");
        QVERIFY(preset);
        const QFontMetrics metrics(preset->font());
        for (int i = 0; i < preset->count(); ++i) {
            const int needed = metrics.horizontalAdvance(preset->itemText(i)) + 32;  // frame, padding and arrow
            QVERIFY2(needed <= preset->width(), qPrintable(QString("'%1' needs %2 px, the box is %3").arg(preset->itemText(i)).arg(needed).arg(preset->width())));
            if (i > 0) QVERIFY(!preset->itemData(i, Qt::ToolTipRole).toString().isEmpty());
        }
    }

    void everyRowStaysVisibleWhileFieldsAreInvalid() {
        const std::vector<std::pair<const char*, std::vector<std::pair<QString, QString>>>> cases = {
            {"p 2 and workers 0", {{"p", "2"}, {"workers", "0"}}},
            {"p 2", {{"p", "2"}}},
            {"momentum abc", {{"momentum", "abc"}}},
            {"three at once", {{"workers", "0"}, {"batch-size", "0"}, {"weight-decay", "5"}}},
        };
        const QStringList keys = {"algorithm", "workers", "p", "learning-rate", "momentum", "weight-decay", "batch-size",
                                  "dataset", "data-dir", "model", "devices", "test-model", "budget", "seed", "name"};
        for (const auto& [name, edits] : cases) {
            RunSettingsPanel form;
            form.resize(380, 1400);
            form.show();
            QVERIFY(QTest::qWaitForWindowExposed(&form));
            for (const auto& [key, text] : edits) setLine(form, key, text);
            QApplication::processEvents();
            QVERIFY2(!form.isValid(), name);
            QList<QRect> rows;
            for (const QString& key : keys) {
                QWidget* editor = form.editor(key);
                const QString what = QString("%1: %2").arg(name, key);
                QVERIFY2(editor->isVisible(), qPrintable(what + " editor hidden"));
                QVERIFY2(editor->height() > 10, qPrintable(what + " editor squeezed"));
                auto* label = form.findChild<QLabel*>("label-" + key);
                QVERIFY2(label && label->isVisible(), qPrintable(what + " label hidden"));
                const QRect r(editor->mapTo(&form, QPoint(0, 0)), editor->size());
                for (const QRect& other : rows) QVERIFY2(!r.intersects(other), qPrintable(what + " overlaps another row"));
                rows << r;
            }
            for (const auto& [key, text] : edits) {
                auto* error = form.findChild<QLabel*>("error-" + key);
                QVERIFY2(error->isVisible(), qPrintable(QString("%1: no message at %2").arg(name, key)));
                QVERIFY2(!error->text().isEmpty(), name);
                QVERIFY2(error->height() > 5, name);
            }
        }
    }

    // Issue #20, 5: the run a first user starts (the preselected quick demo) lasts long enough to
    // drag p while it goes, the same on any machine (a time budget), and tests the model a few
    // times on a subset, so the Test model panel shows a curve.
    void theFirstRunLastsLongEnoughToTryP() {
        RunSettingsPanel form;
        const RunConfig c = form.config();
        QVERIFY(c.budget_kind == BudgetKind::Seconds);
        QVERIFY2(c.budget >= 30 && c.budget <= 60, qPrintable(QString::number(c.budget)));
        QVERIFY(c.eval_every_images > 0);
        QVERIFY(c.eval_max_images > 0 && c.eval_max_images <= 5000);
        QVERIFY(c.algorithm == Algorithm::GoSgd && c.p > 0);
    }

    void fieldTextsRoundTrip() {
        RunSettingsPanel form;
        form.applyPreset("paper-eamsgd");
        setLine(form, "seed", "77");
        setLine(form, "batch-size", "oops");  // invalid text is remembered as typed
        const QVariantMap texts = form.fieldTexts();
        RunSettingsPanel other;
        other.setFieldTexts(texts);
        QCOMPARE(qobject_cast<QLineEdit*>(other.editor("batch-size"))->text(), QString("oops"));
        QVERIFY(!other.isValid());
        setLine(other, "batch-size", "128");
        QCOMPARE(other.config().seed, uint64_t(77));
        QVERIFY(other.config().algorithm == Algorithm::Easgd);
        QCOMPARE(other.config().momentum, 0.99);
    }
};

QTEST_MAIN(TestSettingsForm)
#include "test_settings_form.moc"
