#include "widgets/cosine_matrix_view.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

#include "widgets/empty_notice.h"
#include "widgets/plot_style.h"
#include "widgets/run_store.h"

namespace seesaw::widgets {

CosineMatrixView::CosineMatrixView(RunStore& store, QWidget* parent) : QCustomPlot(parent), store_(store)
{
  plotLayout()->insertRow(0);
  title_ = new QCPTextElement(this, QStringLiteral("task-gradient cosine"), QFont(font().family(), 10, QFont::Bold));
  plotLayout()->addElement(0, 0, title_);
  map_ = new QCPColorMap(xAxis, yAxis);
  scale_ = new QCPColorScale(this);
  plotLayout()->addElement(1, 1, scale_);
  scale_->setLabel(QStringLiteral("cosine"));
  map_->setColorScale(scale_);
  map_->setGradient(cosineGradient());
  map_->setDataRange(QCPRange(-1, 1));  // fixed: colours compare across steps and runs
  map_->setInterpolate(false);
  yAxis->setRangeReversed(true);  // task 0 on the top row, as a matrix reads
  xAxis->grid()->setVisible(false);
  yAxis->grid()->setVisible(false);
  auto* margins = new QCPMarginGroup(this);
  axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
  // Task names slanted where they would run into each other under their columns.
  connect(this, &QCustomPlot::beforeReplot, this, [this] {
    const int K = store_.started() ? store_.tasks() : 0;
    int longest = 0;
    for (int k = 0; k < K; ++k) longest = std::max(longest, QFontMetrics(xAxis->tickLabelFont()).horizontalAdvance(store_.taskName(k)));
    xAxis->setTickLabelRotation(K > 0 && longest + 6 > axisRect()->width() / K ? -35 : 0);
  });
  connect(&store_, &RunStore::runBegan, this, &CosineMatrixView::rebuild);
  connect(&store_, &RunStore::grown, this, &CosineMatrixView::refresh);
  connect(&store_, &RunStore::cursorChanged, this, &CosineMatrixView::refresh);
  rebuild();
}

void CosineMatrixView::rebuild()
{
  for (QCPItemText* label : labels_) removeItem(label);
  labels_.clear();
  const int K = store_.started() ? store_.tasks() : 0;
  map_->data()->setSize(std::max(K, 1), std::max(K, 1));
  map_->data()->setRange(QCPRange(0, std::max(K - 1, 0)), QCPRange(0, std::max(K - 1, 0)));
  QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
  for (int k = 0; k < K; ++k) ticks->addTick(k, store_.taskName(k));
  xAxis->setTicker(ticks);
  yAxis->setTicker(ticks);
  xAxis->setRange(-0.5, K - 0.5);
  yAxis->setRange(-0.5, K - 0.5);
  for (int k = 0; k < K; ++k)
    for (int l = 0; l < K; ++l) {
      auto* label = new QCPItemText(this);
      label->position->setCoords(l, k);
      label->setFont(QFont(font().family(), 10));
      labels_.push_back(label);
    }
  refresh();
}

double CosineMatrixView::cellValue(int k, int l) const
{
  const int index = store_.stepIndexAtOrBefore(store_.cursor());
  if (index < 0) return std::nan("");
  // The diagonal as recorded: NaN where a task's gradient was zero says more than a drawn 1.00.
  if (k == l) return store_.selfCosine(k)[index];
  return store_.cosine(pairIndex(k, l, store_.tasks()))[index];
}

QString CosineMatrixView::cellLabel(int k, int l) const
{
  return labels_.at(static_cast<size_t>(k * store_.tasks() + l))->text();
}

QColor CosineMatrixView::cellColor(int k, int l) const
{
  const double v = cellValue(k, l);
  return QColor::fromRgba(cosineGradient().color(v, map_->dataRange()));
}

void CosineMatrixView::refresh()
{
  const int K = store_.started() ? store_.tasks() : 0;
  for (int k = 0; k < K; ++k)
    for (int l = 0; l < K; ++l) {
      const double v = cellValue(k, l);
      // Column l on x, row k on y.
      map_->data()->setCell(l, k, v);
      QCPItemText* label = labels_[static_cast<size_t>(k * K + l)];
      label->setText(std::isnan(v) ? QStringLiteral("n/a") : QString::number(v, 'f', 2));
      label->setColor(std::abs(v) > 0.6 ? Qt::white : Qt::black);
    }
  setEmptyNotice(*this, waitingNotice(store_, store_.stepCount() == 0, QStringLiteral("training step")));
  title_->setText(store_.stepCount() > 0 ? QStringLiteral("step %1").arg(store_.cursor()) : QString());
  replot(rpQueuedReplot);
}

}  // namespace seesaw::widgets
