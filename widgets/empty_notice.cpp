#include "widgets/empty_notice.h"

#include <QEvent>
#include <QLabel>

#include "widgets/run_store.h"

namespace seesaw::widgets {
namespace {

const QString kName = QStringLiteral("empty-notice");

// Keeps the notice the size of its view.
class Cover : public QLabel
{
public:
  explicit Cover(QWidget& view) : QLabel(&view)
  {
    setObjectName(kName);
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    setMargin(16);
    setAutoFillBackground(true);
    setStyleSheet(QStringLiteral("QLabel { background: white; color: #555; }"));
    view.installEventFilter(this);
    setGeometry(view.rect());
  }

  bool eventFilter(QObject* watched, QEvent* event) override
  {
    if (watched == parent() && event->type() == QEvent::Resize) setGeometry(static_cast<QWidget*>(parent())->rect());
    return false;
  }
};

}  // namespace

void setEmptyNotice(QWidget& view, const QString& text)
{
  QLabel* cover = view.findChild<QLabel*>(kName, Qt::FindDirectChildrenOnly);
  if (text.isEmpty()) {
    if (cover) cover->hide();
    return;
  }
  if (!cover) cover = new Cover(view);
  cover->setText(text);
  cover->raise();
  cover->show();
}

const QLabel* emptyNotice(const QWidget& view)
{
  const auto* cover = view.findChild<QLabel*>(kName, Qt::FindDirectChildrenOnly);
  return cover && !cover->isHidden() ? cover : nullptr;
}

QString noRunNotice()
{
  return QStringLiteral("No run yet.");
}

QString waitingNotice(const RunStore& store, bool empty, const QString& what)
{
  if (!store.started()) return noRunNotice();
  if (!empty) return {};
  return store.runEnd() ? QStringLiteral("This run recorded no %1.").arg(what) : QStringLiteral("Waiting for the run's first %1.").arg(what);
}

QString perUserNotice(const RunStore& store)
{
  if (!store.started()) return noRunNotice();
  const auto& info = store.info();
  if (info.userSnapshotEvery == 0 || info.geometryLevels.empty())
    return QStringLiteral("This run records no per-user geometry (train.user_snapshot_every is 0).");
  if (store.snapshotCount() > 0) return {};
  return store.runEnd() ? QStringLiteral("This run ended before its first per-user window of %1 steps.").arg(info.userSnapshotEvery)
                        : QStringLiteral("Waiting for the first per-user snapshot: one every %1 steps.").arg(info.userSnapshotEvery);
}

}  // namespace seesaw::widgets
