#include "app/seesaw/trace_picker.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "app/seesaw/run_label.h"

namespace seesaw::app {

TracePicker::TracePicker(const QString& folder, QWidget* parent)
    : QDialog(parent), folder_(new QLabel), table_(new QTableWidget), compare_(new QPushButton(tr("Compare")))
{
  setWindowTitle(tr("Compare traces"));
  table_->setColumnCount(Columns);
  table_->setHorizontalHeaderLabels({tr("run"), tr("written"), tr("size"), tr("trace")});
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  auto* browse = new QPushButton(tr("Folder..."));
  auto* add = new QPushButton(tr("Add files..."));
  compare_->setObjectName(QStringLiteral("compare"));
  compare_->setDefault(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
  buttons->addButton(compare_, QDialogButtonBox::AcceptRole);
  auto* tools = new QHBoxLayout;
  tools->addWidget(folder_, 1);
  tools->addWidget(browse);
  tools->addWidget(add);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Tick two or more runs to compare; the first ticked is run A (a branch's parent goes first).")));
  layout->addLayout(tools);
  layout->addWidget(table_, 1);
  layout->addWidget(buttons);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Folder of traces"), folder_->toolTip());
    if (!chosen.isEmpty()) showFolder(chosen);
  });
  connect(add, &QPushButton::clicked, this, [this] {
    addTraces(QFileDialog::getOpenFileNames(this, tr("Add traces"), folder_->toolTip(), tr("Seesaw trace (*.h5);;All files (*)")));
  });
  connect(table_, &QTableWidget::itemChanged, this, &TracePicker::updateCompare);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  resize(760, 420);
  showFolder(folder);
}

void TracePicker::showFolder(const QString& folder)
{
  const QStringList kept = ticked();  // traces added from elsewhere stay ticked
  table_->setRowCount(0);
  const QDir dir(folder);
  folder_->setText(tr("in %1").arg(QDir::toNativeSeparators(dir.absolutePath())));
  folder_->setToolTip(dir.absolutePath());
  for (const QFileInfo& file : dir.entryInfoList({QStringLiteral("*.h5")}, QDir::Files, QDir::Time))
    addRow(file.absoluteFilePath(), kept.contains(file.absoluteFilePath()));
  for (const QString& path : kept)
    if (QFileInfo(path).absoluteDir() != dir) addRow(path, true);
  updateCompare();
}

void TracePicker::addTraces(const QStringList& paths)
{
  for (const QString& path : paths) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    int row = 0;
    while (row < table_->rowCount() && table_->item(row, Path)->text() != absolute) ++row;
    if (row < table_->rowCount()) setTicked(row, true);
    else addRow(absolute, true);
  }
  updateCompare();
}

void TracePicker::setTicked(int row, bool ticked) { table_->item(row, Name)->setCheckState(ticked ? Qt::Checked : Qt::Unchecked); }

QStringList TracePicker::ticked() const
{
  QStringList paths;
  for (int row = 0; row < table_->rowCount(); ++row)
    if (table_->item(row, Name)->checkState() == Qt::Checked) paths << table_->item(row, Path)->text();
  return paths;
}

void TracePicker::addRow(const QString& path, bool ticked)
{
  const QSignalBlocker block(table_);
  const QFileInfo file(path);
  const QString label = readRunLabel(path).name;
  const int row = table_->rowCount();
  table_->insertRow(row);
  auto* name = new QTableWidgetItem(label.isEmpty() ? file.completeBaseName() : label);
  name->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
  name->setCheckState(ticked ? Qt::Checked : Qt::Unchecked);
  table_->setItem(row, Name, name);
  table_->setItem(row, Written, new QTableWidgetItem(QLocale().toString(file.lastModified(), QLocale::ShortFormat)));
  table_->setItem(row, Size, new QTableWidgetItem(QLocale().formattedDataSize(file.size())));
  table_->setItem(row, Path, new QTableWidgetItem(path));
  table_->resizeColumnsToContents();
}

void TracePicker::updateCompare()
{
  const auto n = ticked().size();
  compare_->setEnabled(n >= 2);
  compare_->setText(n >= 2 ? tr("Compare %1 runs").arg(n) : tr("Compare"));
}

}  // namespace seesaw::app
