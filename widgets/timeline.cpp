#include "widgets/timeline.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

#include <algorithm>
#include <cmath>

#include "widgets/run_store.h"

namespace seesaw::widgets {
namespace {

constexpr int kPlayTickMs = 33;
constexpr double kSpeeds[] = {1, 5, 20, 100, 500, 2000, 10000, 50000};

QToolButton* toolButton(QStyle::StandardPixmap icon, const QString& tip, QWidget* parent)
{
  auto* b = new QToolButton(parent);
  b->setIcon(parent->style()->standardIcon(icon));
  b->setToolTip(tip);
  b->setAutoRaise(true);
  return b;
}

}  // namespace

Timeline::Timeline(RunStore& store, QWidget* parent)
    : QWidget(parent), store_(store), playButton_(toolButton(QStyle::SP_MediaPlay, tr("Play (Space)"), this)),
      previousButton_(toolButton(QStyle::SP_MediaSkipBackward, tr("Previous snapshot"), this)),
      nextButton_(toolButton(QStyle::SP_MediaSkipForward, tr("Next snapshot"), this)),
      latestButton_(toolButton(QStyle::SP_MediaSeekForward, tr("Latest step (and follow a live run)"), this)), speed_(new QComboBox(this)),
      slider_(new QSlider(Qt::Horizontal, this)), jumpTo_(new QSpinBox(this)), position_(new QLabel(this))
{
  setObjectName(QStringLiteral("timeline"));
  playButton_->setObjectName(QStringLiteral("play"));
  playButton_->setShortcut(Qt::Key_Space);
  for (double s : kSpeeds) speed_->addItem(tr("%1 steps/s").arg(s), s);
  speed_->setToolTip(tr("play speed"));
  speed_->setCurrentIndex(3);
  slider_->setObjectName(QStringLiteral("step-slider"));
  slider_->setToolTip(tr("the step every view shows"));
  jumpTo_->setObjectName(QStringLiteral("jump-to-step"));
  jumpTo_->setPrefix(tr("go to step "));
  jumpTo_->setKeyboardTracking(false);  // jump on Enter or the arrows, not on every digit typed
  jumpTo_->setToolTip(tr("jump to a step (the last record at or before it)"));
  position_->setMinimumWidth(position_->fontMetrics().horizontalAdvance(QStringLiteral("step 0000000 / 0000000, snapshot 0000 / 0000")));

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 0, 4, 0);
  for (QWidget* w : std::initializer_list<QWidget*>{playButton_, speed_, previousButton_, nextButton_, latestButton_}) layout->addWidget(w);
  layout->addWidget(slider_, 1);
  layout->addWidget(jumpTo_);
  layout->addWidget(position_);

  playTimer_.setInterval(kPlayTickMs);
  connect(&playTimer_, &QTimer::timeout, this, &Timeline::advance);
  connect(playButton_, &QToolButton::clicked, this, [this] { playing() ? pause() : play(); });
  connect(previousButton_, &QToolButton::clicked, this, &Timeline::previousSnapshot);
  connect(nextButton_, &QToolButton::clicked, this, &Timeline::nextSnapshot);
  connect(latestButton_, &QToolButton::clicked, this, [this] {
    pause();
    store_.setCursor(store_.lastStep());
  });
  connect(slider_, &QSlider::valueChanged, this, &Timeline::sliderMoved);
  connect(jumpTo_, &QSpinBox::valueChanged, this, &Timeline::jump);
  connect(&store_, &RunStore::runBegan, this, [this] {
    pause();
    sync();
  });
  connect(&store_, &RunStore::grown, this, &Timeline::sync);
  connect(&store_, &RunStore::runEnded, this, &Timeline::sync);
  connect(&store_, &RunStore::cursorChanged, this, &Timeline::sync);
  sync();
}

double Timeline::speed() const { return speed_->currentData().toDouble(); }

void Timeline::setSpeed(double stepsPerSecond)
{
  const auto* nearest = std::min_element(std::begin(kSpeeds), std::end(kSpeeds),
                                         [&](double a, double b) { return std::abs(std::log(a / stepsPerSecond)) < std::abs(std::log(b / stepsPerSecond)); });
  speed_->setCurrentIndex(static_cast<int>(nearest - std::begin(kSpeeds)));
}

void Timeline::play()
{
  if (store_.stepCount() == 0) return;
  // Play from the start when the cursor is at the end: what pressing play on a finished run means.
  if (store_.cursor() >= store_.lastStep()) store_.setCursor(static_cast<int64_t>(store_.steps().front()));
  playPosition_ = static_cast<double>(store_.cursor());
  sincePlayTick_.start();
  playTimer_.start();
  playButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPause));
  playButton_->setToolTip(tr("Pause (Space)"));
}

void Timeline::pause()
{
  playTimer_.stop();
  playButton_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  playButton_->setToolTip(tr("Play (Space)"));
}

void Timeline::advance()
{
  // By the time that passed, not by ticks: a slow redraw makes play jump, never drift.
  playPosition_ += speed() * static_cast<double>(sincePlayTick_.restart()) / 1000.0;
  const auto step = static_cast<int64_t>(playPosition_);
  if (step >= store_.lastStep()) {
    pause();
    store_.setCursor(store_.lastStep());
    return;
  }
  store_.setCursor(std::max(step, store_.cursor()));
}

void Timeline::nextSnapshot()
{
  const int next = store_.snapshotIndexAtOrBefore(store_.cursor()) + 1;
  if (next < store_.snapshotCount()) store_.setCursor(store_.snapshotStep(next));
}

void Timeline::previousSnapshot()
{
  int s = store_.snapshotIndexAtOrBefore(store_.cursor());
  if (s >= 0 && store_.snapshotStep(s) == store_.cursor()) --s;
  if (s >= 0) store_.setCursor(store_.snapshotStep(s));
}

void Timeline::sliderMoved(int index)
{
  if (index < 0 || index >= store_.stepCount()) return;
  store_.setCursor(static_cast<int64_t>(store_.steps()[index]));
}

void Timeline::jump()
{
  if (store_.stepCount() == 0) return;
  const int index = std::max(0, store_.stepIndexAtOrBefore(jumpTo_->value()));
  store_.setCursor(static_cast<int64_t>(store_.steps()[index]));
}

void Timeline::sync()
{
  const int n = store_.stepCount();
  const int index = std::max(0, store_.stepIndexAtOrBefore(store_.cursor()));
  {
    const QSignalBlocker a(slider_), b(jumpTo_);
    slider_->setRange(0, std::max(0, n - 1));
    slider_->setValue(index);
    jumpTo_->setRange(n > 0 ? static_cast<int>(store_.steps().front()) : 0, static_cast<int>(store_.lastStep()));
    jumpTo_->setValue(static_cast<int>(store_.cursor()));
  }
  for (QWidget* w : std::initializer_list<QWidget*>{playButton_, slider_, jumpTo_, latestButton_}) w->setEnabled(n > 0);
  const int snapshot = store_.snapshotIndexAtOrBefore(store_.cursor());
  previousButton_->setEnabled(snapshot >= 0);
  nextButton_->setEnabled(snapshot + 1 < store_.snapshotCount());
  QString text = n > 0 ? tr("step %1 / %2").arg(store_.cursor()).arg(store_.lastStep()) : tr("no steps yet");
  if (store_.snapshotCount() > 0) text += tr(", snapshot %1 / %2").arg(snapshot + 1).arg(store_.snapshotCount());
  if (store_.followsLatest() && n > 0 && !store_.runEnd()) text += tr(" (following)");
  position_->setText(text);
}

}  // namespace seesaw::widgets
