#pragma once
// The plots over steps that every session shows, each a StepPlot with its series.

namespace seesaw::widgets {

class RunStore;
class StepPlot;

StepPlot* makeLossPlot(RunStore& store);
StepPlot* makeValidationPlot(RunStore& store);   // AUC and GAUC per task
StepPlot* makeCosinePlot(RunStore& store);       // per pair, conflict (cos < 0) shaded
StepPlot* makeMagnitudePlot(RunStore& store);    // magnitude ratios, log scale
StepPlot* makeWeightPlot(RunStore& store);       // the weights the method applied

}  // namespace seesaw::widgets
