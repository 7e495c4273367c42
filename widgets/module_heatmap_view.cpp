#include "widgets/module_heatmap_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include "widgets/change_marks.h"
#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"

namespace seesaw::widgets {

ModuleHeatmapView::ModuleHeatmapView(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), pairBox_(new QComboBox), plot_(new QCustomPlot)
{
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Per-module cosine of")));
  top->addWidget(pairBox_);
  top->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addLayout(top);
  layout->addWidget(plot_, 1);

  map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
  auto* scale = new QCPColorScale(plot_);
  scale->setLabel(QStringLiteral("cosine"));
  plot_->plotLayout()->addElement(0, 1, scale);
  map_->setColorScale(scale);
  map_->setGradient(cosineGradient());
  map_->setDataRange(QCPRange(-1, 1));
  map_->setInterpolate(false);
  plot_->xAxis->setLabel(QStringLiteral("step"));
  plot_->xAxis->setTicker(stepTicker());
  spaceTicks(*plot_);
  plot_->yAxis->setRangeReversed(true);
  plot_->yAxis->grid()->setVisible(false);
  auto* margins = new QCPMarginGroup(plot_);
  plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  cursor_ = addStepCursor(*plot_);
  addValueTooltip(*plot_, [this](double x, double y) { return describe(x, y); });

  connect(pairBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, &ModuleHeatmapView::refresh);
  connect(&store_, &RunStore::runBegan, this, &ModuleHeatmapView::rebuild);
  connect(&store_, &RunStore::grown, this, &ModuleHeatmapView::refresh);
  connect(&store_, &RunStore::cursorChanged, this, &ModuleHeatmapView::moveCursor);
  rebuild();
}

int ModuleHeatmapView::pair() const { return std::max(pairBox_->currentIndex(), 0); }

void ModuleHeatmapView::setPair(int pair) { pairBox_->setCurrentIndex(pair); }

void ModuleHeatmapView::rebuild()
{
  plot_->clearItems();  // the last run's change marks, and its cursor
  cursor_ = addStepCursor(*plot_);
  changesMarked_ = 0;
  const QSignalBlocker block(pairBox_);
  pairBox_->clear();
  if (store_.started())
    for (int p = 0; p < store_.pairs(); ++p) pairBox_->addItem(store_.pairName(p));
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (int m = 0; m < store_.modules(); ++m) ticks->addTick(m, QString::fromStdString(store_.info().moduleNames[static_cast<size_t>(m)]));
  plot_->yAxis->setTicker(ticks);
  refresh();
}

void ModuleHeatmapView::refresh()
{
  const int M = store_.modules(), n = store_.stepCount();
  setEmptyNotice(*plot_, store_.started() && M == 0 ? tr("This run records no per-module cosines.")
                                                    : waitingNotice(store_, n == 0, QStringLiteral("training step")));
  if (!store_.started() || M == 0 || n == 0 || store_.pairs() == 0) {
    map_->data()->clear();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  const int columns = std::min(n, kMaxColumns);
  const QVector<double>& steps = store_.steps();
  map_->data()->setSize(columns, M);
  map_->data()->setRange(QCPRange(steps.front(), steps.back() > steps.front() ? steps.back() : steps.front() + 1), QCPRange(0, M - 1));
  for (int m = 0; m < M; ++m) {
    const QVector<double>& cos = store_.moduleCosine(m, pair());
    for (int c = 0; c < columns; ++c) {
      // Column c holds records [c n / columns, (c + 1) n / columns).
      const int first = static_cast<int>(static_cast<int64_t>(c) * n / columns);
      const int last = static_cast<int>(static_cast<int64_t>(c + 1) * n / columns);
      double sum = 0;
      int count = 0;
      for (int i = first; i < last; ++i)
        if (std::isfinite(cos[i])) sum += cos[i], ++count;
      map_->data()->setCell(c, m, count > 0 ? sum / count : std::nan(""));
    }
  }
  plot_->xAxis->setRange(steps.front(), steps.back() > steps.front() ? steps.back() : steps.front() + 1);
  plot_->yAxis->setRange(-0.5, M - 0.5);
  changesMarked_ = markChanges(*plot_, store_, changesMarked_);
  moveCursor();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

double ModuleHeatmapView::valueAt(int module, double step) const
{
  int key = 0, value = 0;
  map_->data()->coordToCell(step, module, &key, &value);
  return map_->data()->cell(key, value);
}

QString ModuleHeatmapView::describe(double step, double module) const
{
  const int M = store_.modules(), n = store_.stepCount();
  const int m = static_cast<int>(std::lround(module));
  if (M == 0 || n == 0 || store_.pairs() == 0 || m < 0 || m >= M) return {};
  const int columns = std::min(n, kMaxColumns);
  int key = 0, row = 0;
  map_->data()->coordToCell(step, m, &key, &row);
  key = std::clamp(key, 0, columns - 1);
  const QVector<double>& steps = store_.steps();
  const int first = static_cast<int>(static_cast<int64_t>(key) * n / columns);
  const int last = static_cast<int>(static_cast<int64_t>(key + 1) * n / columns) - 1;
  const double v = map_->data()->cell(key, m);
  const QString span = first == last ? QStringLiteral("step %1").arg(steps[first]) : QStringLiteral("steps %1-%2 (mean)").arg(steps[first]).arg(steps[last]);
  return QStringLiteral("%1, %2\ncosine %3: %4")
      .arg(QString::fromStdString(store_.info().moduleNames[static_cast<size_t>(m)]), span, store_.pairName(pair()),
           std::isnan(v) ? QStringLiteral("n/a") : QString::number(v, 'f', 3));
}

void ModuleHeatmapView::moveCursor()
{
  const double step = static_cast<double>(store_.cursor());
  moveStepCursor(*cursor_, step);
}

}  // namespace seesaw::widgets
