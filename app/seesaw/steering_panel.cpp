#include "app/seesaw/steering_panel.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include <cmath>

#include "app/seesaw/live_session.h"
#include "app/seesaw/method_form.h"
#include "app/seesaw/number_box.h"
#include "widgets/run_store.h"

namespace seesaw::app {

SteeringPanel::SteeringPanel(widgets::RunStore& store, LiveSession& session, QWidget* parent)
    : QWidget(parent), store_(store), session_(session), lr_(new NumberBox(1e-4)), method_(new MethodForm), weights_(new QLineEdit),
      apply_(new QPushButton(tr("Apply from the next step"))), log_(new QListWidget)
{
  lr_->setToolTip(tr("learning rate (train.lr)"));
  weights_->setPlaceholderText(tr("one per task, comma-separated"));
  weights_->setToolTip(tr("fixed task weights (train.task_weights): the fixed method's weights, and the loss weights without analysis"));
  log_->setToolTip(tr("the run's change log, as recorded in its trace (/changes)"));
  auto* form = new QFormLayout;
  form->addRow(tr("learning rate"), lr_);
  form->addRow(method_);
  form->addRow(tr("task weights"), weights_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(form);
  layout->addWidget(apply_);
  layout->addWidget(log_, 1);
  connect(apply_, &QPushButton::clicked, this, &SteeringPanel::apply);
  connect(&store_, &widgets::RunStore::runBegan, this, [this] {
    changesSeen_ = 0;
    log_->clear();
    // What the trainer runs: every method parameter and the task weights resolved.
    try {
      current_ = parseRunConfig(store_.info().configJson, "the run's config", "");
    } catch (const std::exception&) {
      if (current_.train.taskWeights.empty()) current_.train.taskWeights.assign(static_cast<size_t>(store_.tasks()), 1.0);
    }
    showCurrent();
  });
  connect(&store_, &widgets::RunStore::grown, this, &SteeringPanel::follow);
  connect(&session_, &LiveSession::stateChanged, this, &SteeringPanel::updateEnabled);
  updateEnabled();
}

void SteeringPanel::setRun(const RunConfig& config)
{
  current_ = config;
  showCurrent();
}

void SteeringPanel::showCurrent()
{
  lr_->setValue(current_.train.lr);
  method_->setMethod(current_.method.name, current_.method.params);
  QStringList weights;
  for (double w : current_.train.taskWeights) weights << QString::number(w);
  weights_->setText(weights.join(QStringLiteral(", ")));
}

bool SteeringPanel::apply()
{
  Steering s;
  // Only what the person changed: a value with more digits than its box shows is not a change.
  if (NumberBox::differs(lr_->value(), current_.train.lr)) s.lr = lr_->value();
  if (method_->method() != current_.method.name) {
    s.method = method_->method();
    s.params = method_->params();
  } else {
    s.params = method_->changedFrom(current_.method.params);
  }
  std::vector<double> weights;
  for (const QString& part : weights_->text().split(',', Qt::SkipEmptyParts)) {
    bool ok = false;
    weights.push_back(part.trimmed().toDouble(&ok));
    if (!ok) {
      weights_->setToolTip(tr("not a number: '%1'").arg(part.trimmed()));
      weights_->setStyleSheet(QStringLiteral("color: #b2182b"));
      return false;
    }
  }
  weights_->setStyleSheet(QString());
  if (!weights.empty() && weights != current_.train.taskWeights) s.taskWeights = weights;
  if (s.empty()) return true;
  session_.steer(s);
  logAsked(s);
  return true;
}

void SteeringPanel::logAsked(const Steering& s)
{
  // Said at once, also while paused, when the trainer applies nothing until the run resumes: the
  // log's next line says what it applied or refused.
  QStringList asked;
  if (s.lr) asked << tr("learning rate %1").arg(*s.lr);
  if (s.method) asked << tr("method %1").arg(QString::fromStdString(*s.method));
  for (const auto& [name, value] : s.params) asked << QStringLiteral("%1 = %2").arg(QString::fromStdString(name)).arg(value);
  if (s.taskWeights) {
    QStringList weights;
    for (double w : *s.taskWeights) weights << QString::number(w);
    asked << tr("task weights %1").arg(weights.join(QStringLiteral(", ")));
  }
  const bool paused = session_.state() == LiveSession::State::Paused;
  auto* item = new QListWidgetItem(tr("asked: %1, from step %2%3")
                                       .arg(asked.join(QStringLiteral(", ")))
                                       .arg(store_.lastStep() + 1)
                                       .arg(paused ? tr(" when the run resumes") : QString()));
  item->setForeground(QColor(110, 110, 110));
  log_->addItem(item);
  log_->scrollToBottom();
}

void SteeringPanel::follow()
{
  const auto& changes = store_.changes();
  bool applied = false;
  for (; changesSeen_ < changes.size(); ++changesSeen_) {
    const ChangeRecord& c = changes[changesSeen_];
    if (c.field == "checkpoint") {
      auto* item = new QListWidgetItem(c.refused.empty() ? tr("step %1: checkpoint saved to %2").arg(c.step).arg(QString::fromStdString(c.newValue))
                                                         : tr("step %1: checkpoint not saved: %2").arg(c.step).arg(QString::fromStdString(c.refused)));
      if (!c.refused.empty()) item->setForeground(QColor(178, 24, 43));
      log_->addItem(item);
      continue;
    }
    auto* item = new QListWidgetItem(QStringLiteral("step %1: %2 %3 \u2192 %4")
                                         .arg(c.step)
                                         .arg(QString::fromStdString(c.field), QString::fromStdString(c.oldValue), QString::fromStdString(c.newValue)));
    if (!c.refused.empty()) {
      item->setText(item->text() + tr(" refused: %1").arg(QString::fromStdString(c.refused)));
      item->setForeground(QColor(178, 24, 43));
      log_->addItem(item);
      continue;
    }
    log_->addItem(item);
    applied = true;
    const auto value = nlohmann::json::parse(c.newValue, nullptr, false);
    if (value.is_discarded()) continue;
    if (c.field == "train.lr" && value.is_number()) current_.train.lr = value.get<double>();
    else if (c.field == "train.task_weights" && value.is_array()) current_.train.taskWeights = value.get<std::vector<double>>();
    else if (c.field == "method.name" && value.is_string()) {
      current_.method.name = value.get<std::string>();
      current_.method.params.clear();
    } else if (c.field.rfind("method.params.", 0) == 0 && value.is_number())
      current_.method.params[c.field.substr(14)] = value.get<double>();
  }
  if (applied) showCurrent();
  log_->scrollToBottom();
}

void SteeringPanel::updateEnabled()
{
  const auto state = session_.state();
  apply_->setEnabled(state == LiveSession::State::Running || state == LiveSession::State::Paused);
}

}  // namespace seesaw::app
