#include "widgets/step_views.h"

#include "widgets/plot_style.h"
#include "widgets/run_store.h"
#include "widgets/step_plot.h"

namespace seesaw::widgets {
namespace {

const QVector<double>& stepKeys(const RunStore& s) { return s.steps(); }

// One series per task from a per-task column of the store.
StepPlot::SeriesOf perTask(const QVector<double>& (RunStore::*column)(int) const)
{
  return [column](const RunStore& store) {
    std::vector<StepSeries> series;
    for (int k = 0; k < store.tasks(); ++k)
      series.push_back({store.taskName(k), seriesColor(k), stepKeys, [column, k](const RunStore& s) -> const QVector<double>& { return (s.*column)(k); }});
    return series;
  };
}

}  // namespace

StepPlot* makeLossPlot(RunStore& store)
{
  return new StepPlot(store, {QString(), QStringLiteral("loss per task"), false, std::nullopt, false},
                      perTask(&RunStore::loss));
}

StepPlot* makeValidationPlot(RunStore& store)
{
  return new StepPlot(store, {QString(), QStringLiteral("AUC, GAUC"), false, std::nullopt, false, QStringLiteral("evaluation"), true},
                      [](const RunStore& s) {
                        std::vector<StepSeries> series;
                        const auto keys = [](const RunStore& r) -> const QVector<double>& { return r.valid().step; };
                        for (int k = 0; k < s.tasks(); ++k) {
                          series.push_back({s.taskName(k) + QStringLiteral(" AUC"), seriesColor(k), keys,
                                            [k](const RunStore& r) -> const QVector<double>& { return r.valid().auc[static_cast<size_t>(k)]; }});
                          series.push_back({s.taskName(k) + QStringLiteral(" GAUC"), seriesColor(k).lighter(130), keys,
                                            [k](const RunStore& r) -> const QVector<double>& { return r.valid().gauc[static_cast<size_t>(k)]; }});
                        }
                        return series;
                      });
}

StepPlot* makeCosinePlot(RunStore& store)
{
  return new StepPlot(store, {QStringLiteral("task-gradient cosine per pair (shaded below 0: conflict)"), QStringLiteral("cosine"), false, QCPRange(-1.05, 1.05), true},
                      [](const RunStore& s) {
                        std::vector<StepSeries> series;
                        for (int p = 0; p < s.pairs(); ++p)
                          series.push_back({s.pairName(p), seriesColor(p), stepKeys, [p](const RunStore& r) -> const QVector<double>& { return r.cosine(p); }});
                        return series;
                      });
}

StepPlot* makeMagnitudePlot(RunStore& store)
{
  return new StepPlot(store, {QString(), QStringLiteral("gradient norm / largest"), true, std::nullopt, false},
                      perTask(&RunStore::magnitudeRatio));
}

StepPlot* makeWeightPlot(RunStore& store)
{
  return new StepPlot(store, {QString(), QStringLiteral("weight the method applies"), false, std::nullopt, false},
                      perTask(&RunStore::weight));
}

}  // namespace seesaw::widgets
