#pragma once
// The step cursor as a control: a slider over the recorded steps, play and pause at a chosen
// speed, the previous and next snapshot, and a jump to a step. It moves the store's cursor, which
// every view follows; during a live run it follows the newest step until moved back.

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;
class QToolButton;

namespace seesaw::widgets {

class RunStore;

class Timeline : public QWidget
{
  Q_OBJECT

public:
  explicit Timeline(RunStore& store, QWidget* parent = nullptr);

  bool playing() const { return playTimer_.isActive(); }
  // Steps the cursor moves per second of play.
  double speed() const;
  void setSpeed(double stepsPerSecond);

public Q_SLOTS:
  void play();
  void pause();
  void nextSnapshot();
  void previousSnapshot();

private:
  void advance();
  void sync();
  void sliderMoved(int index);
  void jump();

  RunStore& store_;
  QToolButton* playButton_;
  QToolButton* previousButton_;
  QToolButton* nextButton_;
  QToolButton* latestButton_;
  QComboBox* speed_;
  QSlider* slider_;
  QSpinBox* jumpTo_;
  QLabel* position_;
  QTimer playTimer_;
  QElapsedTimer sincePlayTick_;
  double playPosition_ = 0;  // fractional step while playing
};

}  // namespace seesaw::widgets
