// seesaw-trace: looks into trace files without the desktop app. `info` summarises a run, `validate`
// reads every committed record and says whether the file is sound, `export` writes the step series,
// the evaluations, or one snapshot of the users' or items' geometry at one level, as CSV.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "records/task_pairs.h"
#include "trace/trace_reader.h"
#include "util/error.h"

namespace {

using seesaw::TraceReader;

std::vector<std::string> pairNames(const std::vector<std::string>& tasks)
{
  std::vector<std::string> out;
  seesaw::forEachPair(static_cast<int>(tasks.size()), [&](int k, int l) { out.push_back(tasks[size_t(k)] + "/" + tasks[size_t(l)]); });
  return out;
}

std::string number(double v)
{
  if (std::isnan(v)) return "nan";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", v);
  return text;
}

// Quotes a CSV field when it needs it.
std::string field(const std::string& s)
{
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void header(std::ostream& out, const std::vector<std::string>& columns)
{
  for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << field(columns[i]);
  out << "\n";
}

template <typename T>
void values(std::ostream& out, const std::vector<T>& v, size_t first, size_t count)
{
  for (size_t i = first; i < first + count; ++i) out << "," << number(static_cast<double>(v[i]));
}

void exportSteps(const TraceReader& reader, std::ostream& out)
{
  const auto& info = reader.info();
  const auto& tasks = info.taskNames;
  const auto pairs = pairNames(tasks);
  std::vector<std::string> columns = {"step", "epoch", "wall_time", "lr", "flags"};
  for (const char* name : {"loss", "grad_norm", "magnitude_ratio", "weight"})
    for (const auto& t : tasks) columns.push_back(std::string(name) + ":" + t);
  for (const auto& p : pairs) columns.push_back("cosine:" + p);
  for (const auto& m : info.moduleNames)
    for (const auto& p : pairs) columns.push_back("module_cosine:" + m + ":" + p);
  for (const auto& s : info.methodStateNames) columns.push_back("method_state:" + s);
  header(out, columns);
  const size_t K = tasks.size();
  constexpr int64_t kBlock = 65536;  // records per read: bounded memory for long runs
  for (int64_t first = 0; first < reader.stepCount(); first += kBlock) {
    for (const auto& r : reader.steps(first, std::min(kBlock, reader.stepCount() - first))) {
      out << r.step << "," << number(r.epoch) << "," << number(r.wallTime) << "," << number(r.lr) << "," << r.flags;
      for (const auto* v : {&r.loss, &r.gradNorm, &r.magnitudeRatio, &r.weight}) values(out, *v, 0, K);
      values(out, seesaw::pairEntries(r.cosine, static_cast<int>(K)), 0, pairs.size());
      values(out, r.moduleCosine, 0, r.moduleCosine.size());
      values(out, r.methodState, 0, r.methodState.size());
      out << "\n";
    }
  }
}

void exportEvals(const TraceReader& reader, std::ostream& out)
{
  const auto& tasks = reader.info().taskNames;
  std::vector<std::string> columns = {"split", "step"};
  for (const char* name : {"auc", "gauc", "logloss", "mse"})
    for (const auto& t : tasks) columns.push_back(std::string(name) + ":" + t);
  header(out, columns);
  for (const auto& r : reader.evals()) {
    out << r.split << "," << r.step;
    for (const auto* v : {&r.auc, &r.gauc, &r.logloss, &r.mse}) values(out, *v, 0, v->size());
    out << "\n";
  }
}

// One snapshot of the users or the items at one geometry level: a row per entity, the level named
// in the column headers.
void exportGeometry(const TraceReader& reader, int64_t index, size_t level, bool items, std::ostream& out)
{
  const auto& info = reader.info();
  const auto pairs = pairNames(info.taskNames);
  const std::string& name = info.geometryLevels[level];
  std::vector<std::string> columns = {items ? "item" : "user"};
  if (!items) columns.push_back("group");
  columns.push_back("count");
  for (const auto& p : pairs) columns.push_back("cosine:" + name + ":" + p);
  for (const char* field : {"grad_norm", "magnitude_ratio"})
    for (const auto& t : info.taskNames) columns.push_back(std::string(field) + ":" + name + ":" + t);
  for (const auto& t : info.taskNames) columns.push_back("weight:" + t);
  header(out, columns);
  const seesaw::GeometrySnapshot s = reader.snapshot(index, items, level);
  const seesaw::EntityGeometry& g = items ? s.items : s.users;
  const seesaw::LevelGeometry& l = g.levels[level];
  const auto& ids = items ? info.itemIds : info.userIds;
  const size_t K = info.taskNames.size(), P = pairs.size();
  for (size_t e = 0; e < ids.size(); ++e) {
    out << field(ids[e]);
    if (!items) out << "," << info.userGroups[e];
    out << "," << g.count[e];
    values(out, l.cosine, e * P, P);
    values(out, l.gradNorm, e * K, K);
    values(out, l.magnitudeRatio, e * K, K);
    values(out, g.weight, e * K, K);
    out << "\n";
  }
}

// The index of a geometry level by name; an empty name is the default level.
size_t levelIndex(const TraceReader& reader, const std::string& name)
{
  const auto& levels = reader.info().geometryLevels;
  if (levels.empty()) throw seesaw::Error(reader.path() + ": records no geometry levels");
  if (name.empty()) return 0;
  const auto found = std::find(levels.begin(), levels.end(), name);
  if (found != levels.end()) return static_cast<size_t>(found - levels.begin());
  std::string known;
  for (const auto& l : levels) known += (known.empty() ? "" : ", ") + l;
  throw seesaw::Error(reader.path() + ": no geometry level '" + name + "' (it records " + known + ")");
}

void printInfo(const TraceReader& reader, std::ostream& out)
{
  const auto& info = reader.info();
  const auto& status = reader.status();
  out << reader.path() << "\n";
  out << "  format        seesaw-trace v" << reader.formatVersion() << ", written by Seesaw " << info.softwareVersion << "\n";
  out << "  run           " << seesaw::trace::runStateName(status.state);
  if (status.state == seesaw::trace::RunState::Running)
    out << " (last commit " << number(std::round(status.secondsSinceCommit())) << " s ago; a writer that no longer commits was stopped abnormally)";
  out << "\n";
  if (!status.message.empty()) out << "  message       " << status.message << "\n";
  out << "  started       " << info.startTime << " on " << info.device << ", method " << info.method << "\n";
  if (!info.branch.checkpoint.empty())
    out << "  branch of     " << (info.branch.parentTrace.empty() ? "(a run without a trace)" : info.branch.parentTrace) << " at step "
        << info.branch.step << ", from " << info.branch.checkpoint << "\n";
  out << "  data          " << info.data.rows << " rows (" << info.trainRows << " train, " << info.validRows << " valid, " << info.testRows
      << " test), " << info.data.users << " users, " << info.data.items << " items\n";
  out << "  tasks        ";
  for (size_t k = 0; k < info.taskNames.size(); ++k)
    out << " " << info.taskNames[k] << " (" << (info.taskTypes[k] == seesaw::TaskType::Binary ? "rate " : "mean ")
        << number(info.data.labelMeans.at(k)) << ")";
  out << "\n";
  out << "  steps         " << reader.stepCount() << " recorded of " << info.totalSteps << " planned (batch " << info.batchSize << ", "
      << info.stepsPerEpoch << " per epoch)\n";
  out << "  analysis      " << (info.analyze ? "per-task gradients every step" : "none (one backward pass)") << ", "
      << info.moduleNames.size() << " shared modules, " << info.sharedParameters << " shared of " << info.totalParameters
      << " parameters\n";
  out << "  user windows  " << reader.snapshotCount() << " snapshots of " << info.userIds.size() << " users";
  if (info.itemGeometry) out << " and " << info.itemIds.size() << " items";
  if (info.userSnapshotEvery > 0) out << ", every " << info.userSnapshotEvery << " steps";
  out << "\n";
  out << "  geometry      levels";
  for (size_t i = 0; i < info.geometryLevels.size(); ++i) out << (i ? ", " : " ") << info.geometryLevels[i] << (i ? "" : " (default)");
  if (info.geometryLevels.empty()) out << " none";
  out << "; items " << (info.itemGeometry ? "recorded" : "not recorded") << "\n";
  for (const auto& c : reader.changes()) {
    out << "  change        step " << c.step << ": " << c.field << " " << c.oldValue << " -> " << c.newValue;
    if (!c.refused.empty()) out << " (refused: " << c.refused << ")";
    out << "\n";
  }
  const auto evals = reader.evals();
  if (reader.stepCount() > 0) {
    const auto last = reader.step(reader.stepCount() - 1);
    out << "  last step     " << last.step << ", loss";
    for (float l : last.loss) out << " " << number(l);
    out << "\n";
  }
  for (const char* split : {"valid", "test"}) {
    const seesaw::EvalRecord* latest = nullptr;
    for (const auto& e : evals)
      if (e.split == split) latest = &e;
    if (!latest) continue;
    out << "  " << split << (std::string(split) == "valid" ? "         " : "          ") << "at step " << latest->step << ":";
    for (size_t k = 0; k < info.taskNames.size(); ++k)
      out << " " << info.taskNames[k] << " auc " << number(latest->auc[k]) << " gauc " << number(latest->gauc[k]);
    out << "\n";
  }
}

}  // namespace

int main(int argc, char** argv)
{
  CLI::App app{"seesaw-trace: summarise, validate and export Seesaw trace files (docs/trace-format.md)."};
  app.require_subcommand(1);
  app.footer("Exit status: 0 done, 1 the file is missing, not a trace, damaged or newer than this build reads, 2 bad command line.");
  std::string path, what = "steps", output, level;
  std::optional<int64_t> snapshot, atStep;
  auto* info = app.add_subcommand("info", "print a human summary of a run");
  info->add_option("trace", path, "trace file")->required();
  auto* validate = app.add_subcommand("validate", "read every committed record; exit 0 when the file is sound");
  validate->add_option("trace", path, "trace file")->required();
  auto* exporter = app.add_subcommand("export", "write CSV: the step series, the evaluations, or one snapshot of the users or items");
  exporter->add_option("trace", path, "trace file")->required();
  exporter->add_option("--what", what, "steps, evals, users or items")->check(CLI::IsMember({"steps", "evals", "users", "items"}));
  exporter->add_option("--snapshot", snapshot, "users, items: the snapshot's index (0-based; negative counts from the end; default: the last)");
  exporter->add_option("--step", atStep, "users, items: the last snapshot at or before this step");
  exporter->add_option("--level", level, "users, items: the geometry level (default: the trace's default level, listed first by info)");
  exporter->add_option("-o,--output", output, "CSV file to write (default: standard output)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    const TraceReader reader(path);
    if (*info) {
      printInfo(reader, std::cout);
    } else if (*validate) {
      reader.readAll();
      std::cout << path << ": valid seesaw-trace v" << reader.formatVersion() << ", " << reader.stepCount() << " steps, "
                << reader.evals().size() << " evaluations, " << reader.snapshotCount() << " geometry snapshots, run "
                << seesaw::trace::runStateName(reader.status().state) << "\n";
    } else {
      std::ofstream file;
      if (!output.empty()) {
        file.open(output);
        if (!file) throw seesaw::Error(output + ": cannot write");
      }
      std::ostream& out = output.empty() ? std::cout : file;
      if (what == "steps") exportSteps(reader, out);
      else if (what == "evals") exportEvals(reader, out);
      else {
        if (snapshot && atStep) throw seesaw::Error("give either --snapshot or --step, not both");
        if (reader.snapshotCount() == 0) throw seesaw::Error(path + ": has no geometry snapshots");
        const bool items = what == "items";
        if (items && !reader.info().itemGeometry) throw seesaw::Error(path + ": records no item geometry");
        const size_t levelAt = levelIndex(reader, level);
        int64_t index = reader.snapshotCount() - 1;
        if (snapshot) index = *snapshot < 0 ? reader.snapshotCount() + *snapshot : *snapshot;
        if (atStep) {
          const auto found = reader.snapshotIndexAtOrBefore(*atStep);
          if (!found) throw seesaw::Error(path + ": no snapshot at or before step " + std::to_string(*atStep));
          index = *found;
        }
        exportGeometry(reader, index, levelAt, items, out);
      }
      if (!output.empty() && !file.flush()) throw seesaw::Error(output + ": writing failed");
    }
  } catch (const seesaw::Error& e) {
    std::cerr << "seesaw-trace: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
