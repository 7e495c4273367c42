// The run setup and column-mapping dialogs: what they offer and the run config they make.
// (No view here: this suite includes LibTorch through the method registry, and QCustomPlot's
// header cannot share a file with it.)

#include <QtTest>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>

#include "app/seesaw/column_mapping_dialog.h"
#include "app/seesaw/run_setup_dialog.h"
#include "config/run_config.h"
#include "methods/registry.h"
#include "train/branch.h"
#include "train/run_validation.h"
#include "util/error.h"

using namespace seesaw;

class RunSetupTest : public QObject
{
  Q_OBJECT

private Q_SLOTS:
  void setupOffersEachMethodsParametersFromTheRegistry()
  {
    app::RunSetupDialog dialog(presetConfig("demo"), QString());
    auto* method = dialog.findChild<QComboBox*>("method.name");
    QCOMPARE(method->count(), int(methodRegistry().methods().size()));
    method->setCurrentIndex(method->findData("gradcraft"));
    const MethodInfo& info = methodRegistry().info("gradcraft");
    QVERIFY(!info.hyperParameters.empty());
    for (const HyperParameter& p : info.hyperParameters) {
      const QDoubleSpinBox* box = dialog.parameterBox(QString::fromStdString(p.name));
      QVERIFY2(box, p.name.c_str());
      QCOMPARE(box->value(), p.defaultValue);
      QVERIFY(box->toolTip().contains(QString::fromStdString(p.description)));
      QVERIFY(box->toolTip().contains(QStringLiteral("range [%1, %2]").arg(p.min).arg(p.max)));
    }
    dialog.parameterBox(QString::fromStdString(info.hyperParameters[0].name))->setValue(info.hyperParameters[0].max);
    const RunConfig c = dialog.config();
    QCOMPARE(c.method.name, std::string("gradcraft"));
    QCOMPARE(c.method.params.at(info.hyperParameters[0].name), info.hyperParameters[0].max);
    QCOMPARE(dialog.problem(), QString());
    // A config's small value survives the box.
    RunConfig small = presetConfig("demo");
    small.method.name = "gradcraft";
    small.method.params["eps"] = 1e-9;
    dialog.setConfig(small);
    QCOMPARE(dialog.config().method.params.at("eps"), 1e-9);
  }

  // Set up as a branch: the checkpoint's config (as a checkpoint stores it) comes back unchanged,
  // what made the state cannot be edited, and the method is a change a branch may make.
  void setupOfABranchKeepsTheCheckpointsState()
  {
    RunConfig run = presetConfig("demo");
    run.train.steps = 300;
    run.method.params = methodRegistry().resolve(run.method.name, {}).values();
    const RunConfig saved = parseRunConfig(toJsonString(run), "checkpoint", "");
    app::RunSetupDialog dialog(saved, QString());
    dialog.lockForBranch();
    QVERIFY(planBranch(saved, dialog.config()).changes.empty());
    QVERIFY(!dialog.findChild<QDoubleSpinBox*>("train.batch_size")->isEnabled());
    QVERIFY(!dialog.findChild<QComboBox*>("model.type")->isEnabled());
    // A branch trains in the app, in one process.
    QVERIFY(!dialog.findChild<QDoubleSpinBox*>("processes")->isEnabled());
    QCOMPARE(dialog.processes(), 1);
    auto* method = dialog.findChild<QComboBox*>("method.name");
    QVERIFY(method->isEnabled());
    method->setCurrentIndex(method->findData("pcgrad"));
    const Steering changes = planBranch(saved, dialog.config()).changes;
    QCOMPARE(changes.method.value_or(""), std::string("pcgrad"));
  }

  void setupSavesAndLoadsTheRunConfigFormat()
  {
    QTemporaryDir dir;
    app::RunSetupDialog dialog(presetConfig("synthetic"), QString());
    auto* lr = dialog.findChild<QDoubleSpinBox*>("train.lr");
    lr->setValue(0.0025);
    QVERIFY(dialog.saveConfigFile(dir.filePath("run.json")));
    // The saved file is what seesaw-train reads, and loads back to the same config.
    const RunConfig saved = loadRunConfigFile(dir.filePath("run.json").toStdString());
    QCOMPARE(saved.train.lr, 0.0025);
    app::RunSetupDialog other(presetConfig("demo"), QString());
    QVERIFY(other.loadConfigFile(dir.filePath("run.json")));
    QCOMPARE(toJsonString(other.config()), toJsonString(dialog.config()));
    // A file with a wrong value is refused with the field named.
    QFile bad(dir.filePath("bad.json"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"train": {"lr": -1}})");
    bad.close();
    QVERIFY(!other.loadConfigFile(dir.filePath("bad.json")));
    QVERIFY2(other.findChild<QLabel*>("problem")->text().contains("train.lr"), qPrintable(other.findChild<QLabel*>("problem")->text()));
    QCOMPARE(toJsonString(other.config()), toJsonString(dialog.config()));  // unchanged
  }

  void columnMappingPreviewsTheFileAndBuildsTheMapping()
  {
    const QString path = SEESAW_FIXTURES "/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.sample_first50users.tsv.gz";
    app::ColumnMappingDialog dialog(path, ColumnMapping{});
    QCOMPARE(dialog.columnCount(), 16);
    QCOMPARE(dialog.previewCell(0, 0), QString("111"));
    QCOMPARE(dialog.previewCell(1, 1), QString("2629583"));
    using Role = app::ColumnMappingDialog::Role;
    // A file met for the first time: the obvious roles are guessed from the names and values, and
    // the dialog says so.
    QCOMPARE(dialog.role(0), Role::User);        // user_id
    QCOMPARE(dialog.role(1), Role::Item);        // video_id
    QCOMPARE(dialog.role(2), Role::Ignore);      // date: 20220410
    QCOMPARE(dialog.role(4), Role::Timestamp);   // time_ms (the first timestamp-named column)
    QCOMPARE(dialog.role(5), Role::BinaryTask);  // is_click: 0 and 1
    QCOMPARE(dialog.role(9), Role::BinaryTask);  // long_view
    QCOMPARE(dialog.role(10), Role::Ignore);     // play_time_ms
    QCOMPARE(dialog.role(14), Role::BinaryTask); // label
    QCOMPARE(dialog.role(15), Role::Ignore);     // timestamp: a second one is not guessed
    QVERIFY2(dialog.guessed().contains("user_id the user") && dialog.guessed().contains("is_click a binary task"), qPrintable(dialog.guessed()));
    // The short names too (uid, iid, ts), with a 0/1 column among counts and floats.
    QTemporaryDir dir;
    const QString small = dir.filePath("small.csv");
    QFile file(small);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("iid,uid,ts,clicked,views,score\n7,u1,100,1,3,0.5\n8,u2,101,0,12,1.5\n7,u2,102,1,0,1\n");
    file.close();
    app::ColumnMappingDialog shortNames(small, ColumnMapping{});
    QCOMPARE(shortNames.role(0), Role::Item);
    QCOMPARE(shortNames.role(1), Role::User);
    QCOMPARE(shortNames.role(2), Role::Timestamp);
    QCOMPARE(shortNames.role(3), Role::BinaryTask);
    QCOMPARE(shortNames.role(4), Role::Ignore);  // counts are not a task
    QCOMPARE(shortNames.role(5), Role::Ignore);
    QCOMPARE(shortNames.guessed(), QString("Guessed from the names and values: iid the item, uid the user, ts the timestamp, clicked a binary "
                                           "task (0/1). Check each column and change what is wrong."));
    for (int c = 0; c < dialog.columnCount(); ++c) dialog.setRole(c, Role::Ignore);
    dialog.setRole(0, Role::User);
    dialog.setRole(1, Role::Item);
    QVERIFY(dialog.problem().contains("task"));
    dialog.setRole(3, Role::Categorical);
    dialog.setRole(5, Role::BinaryTask);
    dialog.setRole(10, Role::Dense);
    dialog.setRole(14, Role::BinaryTask);
    QCOMPARE(dialog.problem(), QString());
    const ColumnMapping m = dialog.mapping();
    QCOMPARE(m.user, std::string("user_id"));
    QCOMPARE(m.item, std::string("video_id"));
    QCOMPARE(m.categorical, std::vector<std::string>{"hourmin"});
    QCOMPARE(m.dense, std::vector<std::string>{"play_time_ms"});
    QCOMPARE(m.tasks.size(), size_t(2));
    QCOMPARE(m.tasks[1].column, std::string("label"));
    // The mapping loads the file: a run config with it validates.
    RunConfig c = presetConfig("demo");
    c.data.source = "file";
    c.data.path = path.toStdString();
    c.data.columns = m;
    // The demo's time split needs a timestamp, which this mapping lacks: refused, naming the field.
    QVERIFY_THROWS_EXCEPTION(Error, validate(c));
    c.data.split.method = SplitMethod::Random;
    validate(c);
    dialog.setRole(1, Role::User);
    QVERIFY(dialog.problem().contains("user"));
  }

  // A mapping's tasks come back from the dialog as they went in: a task read from the first of its
  // alternative columns that the file has (KuaiRand's is_like, else label), with its name and its
  // label rule.
  void columnMappingKeepsEveryTaskItWasGiven()
  {
    const QString path = SEESAW_FIXTURES "/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.sample_first50users.tsv.gz";
    ColumnMapping initial;
    initial.user = "user_id";
    initial.item = "video_id";
    initial.tasks = {{"click", "is_click", TaskType::Binary, {"1"}, {}, {}},
                     {"", "is_like", TaskType::Binary, {}, {"label"}, {}}};
    app::ColumnMappingDialog dialog(path, initial);
    using Role = app::ColumnMappingDialog::Role;
    QCOMPARE(dialog.role(5), Role::BinaryTask);   // is_click
    QCOMPARE(dialog.role(14), Role::BinaryTask);  // label, is_like's alternative
    QCOMPARE(dialog.problem(), QString());
    const ColumnMapping m = dialog.mapping();
    QCOMPARE(m.tasks.size(), size_t(2));
    QCOMPARE(m.tasks[0].name, std::string("click"));
    QCOMPARE(m.tasks[0].column, std::string("is_click"));
    QCOMPARE(m.tasks[0].positiveValues, std::vector<std::string>{"1"});
    QCOMPARE(m.tasks[1].name, std::string("label"));
    QCOMPARE(m.tasks[1].column, std::string("label"));
    QVERIFY(m.tasks[1].alternatives.empty());
  }

  // What a user types stays what the dialog holds: a minus sign is not dropped and 0 does not
  // revert; Start refuses them, naming the field.
  void typedNumbersAreKeptAndRefusedVisibly()
  {
    app::RunSetupDialog dialog(presetConfig("demo"), QString());
    auto* lr = dialog.findChild<QDoubleSpinBox*>("train.lr");
    for (const auto& [typed, value] : {std::pair<QString, double>{"-0.01", -0.01}, {"0", 0.0}}) {
      lr->findChild<QLineEdit*>()->selectAll();
      QTest::keyClicks(lr->findChild<QLineEdit*>(), typed);
      lr->interpretText();
      QCOMPARE(lr->value(), value);
      QCOMPARE(dialog.config().train.lr, value);
      QVERIFY2(dialog.problem().contains("train.lr"), qPrintable(dialog.problem()));
    }
    // Numbers as people write them, kept to the last digit (a fixed 7 decimals made 1e-10 a 0).
    for (const auto& [typed, value] : {std::pair<QString, double>{"1e-10", 1e-10}, {"2.5E-3", 0.0025}, {"0.1", 0.1}}) {
      lr->findChild<QLineEdit*>()->selectAll();
      QTest::keyClicks(lr->findChild<QLineEdit*>(), typed);
      lr->interpretText();
      QCOMPARE(lr->value(), value);
      QCOMPARE(dialog.config().train.lr, value);
    }
    lr->setValue(1e-10);
    QCOMPARE(lr->text(), QString("1e-10"));
    lr->setValue(0.0003);
    QCOMPARE(lr->text(), QString("0.0003"));
    lr->findChild<QLineEdit*>()->selectAll();
    QTest::keyClicks(lr->findChild<QLineEdit*>(), "1e-3x");  // the x is not taken
    QCOMPARE(lr->findChild<QLineEdit*>()->text(), QString("1e-3"));
    // A fraction that leaves no rows to train on is refused, naming the field.
    dialog.findChild<QDoubleSpinBox*>("data.split.valid")->setValue(0.6);
    dialog.findChild<QDoubleSpinBox*>("data.split.test")->setValue(0.5);
    QVERIFY2(dialog.problem().contains("data.split.test"), qPrintable(dialog.problem()));
    dialog.findChild<QDoubleSpinBox*>("data.split.test")->setValue(0.1);
    QCOMPARE(dialog.problem(), QString());
    // Whole-number fields keep a minus sign and a fraction too, and Start names the field (a
    // QSpinBox dropped the minus sign below its minimum; rounding 1.5 would run 2 steps).
    const auto typeInto = [&](const char* field, const QString& typed) {
      auto* box = dialog.findChild<QDoubleSpinBox*>(field);
      box->findChild<QLineEdit*>()->selectAll();
      QTest::keyClicks(box->findChild<QLineEdit*>(), typed);
      box->interpretText();
      box->clearFocus();
      return box;
    };
    QCOMPARE(typeInto("train.batch_size", "-5")->value(), -5.0);
    QCOMPARE(dialog.config().train.batchSize, int64_t(-5));
    QVERIFY2(dialog.problem().contains("train.batch_size"), qPrintable(dialog.problem()));
    typeInto("train.batch_size", "256");
    QCOMPARE(typeInto("train.steps", "-5")->value(), -5.0);
    QVERIFY2(dialog.problem().contains("config field train.steps: must not be negative"), qPrintable(dialog.problem()));
    QCOMPARE(typeInto("train.steps", "1.5")->text(), QString("1.5"));
    QCOMPARE(dialog.problem(), QString("config field train.steps: must be a whole number, found 1.5"));
    QVERIFY(!dialog.saveConfigFile(QDir::temp().filePath("seesaw-refused.json")));
    QCOMPARE(dialog.findChild<QLabel*>("problem")->text(), QString("config field train.steps: must be a whole number, found 1.5"));
    // 0 steps means training by epochs, and says so; the words read back as 0.
    auto* steps = typeInto("train.steps", "0");
    QCOMPARE(steps->text(), QString("by epochs"));
    QCOMPARE(dialog.config().train.steps, int64_t(0));
    QCOMPARE(typeInto("train.user_snapshot_every", "-3")->value(), -3.0);
    QVERIFY2(dialog.problem().contains("train.user_snapshot_every"), qPrintable(dialog.problem()));
    QCOMPARE(typeInto("train.user_snapshot_every", "0")->text(), QString("none"));
    QCOMPARE(typeInto("data.split.seed", "-1")->value(), -1.0);
    QVERIFY2(dialog.problem().contains("data.split.seed"), qPrintable(dialog.problem()));
    typeInto("data.split.seed", "3");
    QCOMPARE(dialog.problem(), QString());
    // Processes: a whole number of ranks, on the CPU.
    QCOMPARE(dialog.processes(), 1);
    typeInto("processes", "2.5");
    QCOMPARE(dialog.problem(), QString("processes: must be a whole number, found 2.5"));
    typeInto("processes", "0");
    QCOMPARE(dialog.problem(), QString("processes: 0 is outside [1, 256]"));
    typeInto("processes", "2");
    QCOMPARE(dialog.processes(), 2);
    QCOMPARE(dialog.problem(), QString());
    dialog.findChild<QComboBox*>("train.device")->setCurrentText("cuda");
    QVERIFY2(dialog.problem().startsWith("processes: data-parallel ranks run on the CPU"), qPrintable(dialog.problem()));
    dialog.findChild<QComboBox*>("train.device")->setCurrentText("cpu");
    typeInto("processes", "1");
    QCOMPARE(dialog.problem(), QString());
    // A hyperparameter outside its range is kept as typed (a spin box reverted it when the field
    // lost focus) and refused by name; a whole-number one is not rounded (1.5 became 2).
    auto* method = dialog.findChild<QComboBox*>("method.name");
    method->setCurrentIndex(method->findData("mgda"));
    auto* normalize = dialog.parameterBox("normalize");
    for (const auto& [typed, why] : {std::pair<QString, QString>{"7", "7 is outside [0, 3]"}, {"1.5", "must be a whole number, found 1.5"}}) {
      normalize->findChild<QLineEdit*>()->selectAll();
      QTest::keyClicks(normalize->findChild<QLineEdit*>(), typed);
      normalize->interpretText();
      normalize->clearFocus();
      QCOMPARE(normalize->text(), typed);
      QCOMPARE(dialog.config().method.params.at("normalize"), typed.toDouble());
      QVERIFY2(dialog.problem().contains("normalize") && dialog.problem().contains(why), qPrintable(dialog.problem()));
    }
    // Every hyperparameter says what it does under its box (MGDA's normalize and ub had nothing).
    for (const HyperParameter& p : methodRegistry().info("mgda").hyperParameters) {
      QVERIFY(!p.description.empty());
      bool shown = false;
      for (const QLabel* label : dialog.findChildren<QLabel*>()) shown = shown || label->text() == QString::fromStdString(p.description);
      QVERIFY2(shown, p.name.c_str());
    }
  }

  // Ctrl+R, the main window's Start, starts what the open setup dialog sets up.
  void ctrlRStartsFromTheSetupDialog()
  {
    app::RunSetupDialog dialog(presetConfig("demo"), QString());
    dialog.show();
    QApplication::setActiveWindow(&dialog);
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QTest::keyClick(dialog.windowHandle(), Qt::Key_R, Qt::ControlModifier);  // through the window system, as a key press comes
    QTRY_COMPARE(dialog.result(), int(QDialog::Accepted));  // a button's shortcut clicks it after its press animation
    QVERIFY(!dialog.isVisible());
  }

  // A CSV without a timestamp column trains from the dialog: the split follows the mapped columns.
  void aFileWithoutTimestampsIsSplitAtRandom()
  {
    app::RunSetupDialog dialog(presetConfig("demo"), QString());
    auto* split = dialog.findChild<QComboBox*>("data.split.method");
    QCOMPARE(split->currentData().toInt(), int(SplitMethod::TimePerUser));  // the demo's own split
    auto* source = dialog.findChild<QComboBox*>("data.source");
    const int file = source->findData(QStringLiteral("file"));
    source->setCurrentIndex(file);
    Q_EMIT source->activated(file);
    QCOMPARE(split->currentData().toInt(), int(SplitMethod::Random));
    const auto* items = qobject_cast<QStandardItemModel*>(split->model());
    QVERIFY(!items->item(split->findData(int(SplitMethod::TimePerUser)))->isEnabled());

    const QString path = SEESAW_FIXTURES "/kuairand-27k-likehate-subset/kuairand27k_likehate_kcore15.sample_first50users.tsv.gz";
    dialog.findChild<QLineEdit*>("data.path")->setText(path);
    using Role = app::ColumnMappingDialog::Role;
    const auto mapWithoutTimestamp = [](Role task) {
      auto* mapping = qobject_cast<app::ColumnMappingDialog*>(QApplication::activeModalWidget());
      QVERIFY(mapping);
      for (int c = 0; c < mapping->columnCount(); ++c) mapping->setRole(c, Role::Ignore);  // what it guessed
      mapping->setRole(0, Role::User);
      mapping->setRole(1, Role::Item);
      mapping->setRole(5, task);
      mapping->accept();
    };
    QTimer::singleShot(0, &dialog, [&] { mapWithoutTimestamp(Role::BinaryTask); });
    dialog.findChild<QPushButton*>("columns")->click();
    QCOMPARE(dialog.problem(), QString());
    QCOMPARE(dialog.findChild<QLabel*>("columns-summary")->text(), QString("user user_id, item video_id; tasks is_click (binary)"));
    const RunConfig c = dialog.config();
    QCOMPARE(int(c.data.split.method), int(SplitMethod::Random));
    dialog.findChild<QDoubleSpinBox*>("data.split.valid")->setValue(0.2);
    dialog.findChild<QDoubleSpinBox*>("data.split.seed")->setValue(7);
    QCOMPARE(dialog.config().data.split.validFraction, 0.2);
    QCOMPARE(dialog.config().data.split.seed, uint64_t(7));

    // A loaded config keeps the time split it asks for, and the dialog says why it cannot run.
    RunConfig timed = c;
    timed.data.split.method = SplitMethod::TimePerUser;
    dialog.setConfig(timed);
    QCOMPARE(split->currentData().toInt(), int(SplitMethod::TimePerUser));
    QVERIFY2(dialog.problem().contains("data.split.method"), qPrintable(dialog.problem()));
  }
};

QTEST_MAIN(RunSetupTest)
#include "tst_run_setup.moc"
