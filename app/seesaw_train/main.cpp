// seesaw-train: the Qt-free command-line trainer. Reads a run config (an embedded preset or a JSON
// file), applies command-line overrides, trains, records the run to a trace and writes a summary
// JSON.

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <csignal>
#include <limits>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "util/allocator.h"
#include "util/blas_check.h"
#include "console_sink.h"
#include "launcher.h"
#include "methods/registry.h"
#include "summary.h"
#include "train/branch.h"
#include "train/checkpoint.h"
#include "train/data_parallel.h"
#include "train/prepared_data.h"
#include "train/run_validation.h"
#include "train/trainer.h"
#include "trace/trace_writer.h"
#include "util/error.h"
#include "util/fnv1a.h"

namespace {

seesaw::RunControl control;

// Refuses an integer beyond T's range: CLI11 would clamp 99999999999999999999 to 2^63 - 1 without
// a word. (Anything that is not an integer at all is CLI11's to refuse.)
template <typename T>
CLI::Validator fitsIn()
{
  return CLI::Validator(
      [](std::string& text) -> std::string {
        T value{};
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc::result_out_of_range)
          return "out of range: " + text + " (at most " + std::to_string(std::numeric_limits<T>::max()) + ")";
        return {};
      },
      "INT");
}

// The first Ctrl-C asks the trainer to stop after its step (the summary is still written); the
// second one ends the process at once.
extern "C" void onInterrupt(int)
{
  control.stop.store(true);
  std::signal(SIGINT, SIG_DFL);
}

std::string footer()
{
  std::string text = "\nPresets (embedded run configs, resources/configs/*.json):\n";
  for (const auto& name : seesaw::presetNames()) text += "  " + name + "\n";
  text += "  demo trains MMoE on the embedded KuaiRand like/hate subset; kuairand and census need --data FILE.\n";
  text += "\nGradient methods (--method):\n";
  for (const auto& m : seesaw::methodRegistry().methods()) {
    text += "  " + m.name + "  " + m.description + (m.needsTaskGradients ? "" : " (also without analyze)") + "\n";
    for (const auto& h : m.hyperParameters) {
      std::ostringstream line;
      line << "      --param " << h.name << "=" << h.defaultValue << "  [" << h.min << ", " << h.max << "] " << h.description << "\n";
      text += line.str();
    }
  }
  text +=
      "\nModels (--model): shared-bottom, mmoe, ple. Devices (--device): cpu, cuda, auto.\n"
      "The run config format is documented in docs/config.md; --print-config shows the effective one.\n"
      "Exit status: 0 done, 1 bad input or failed run, 2 bad command line, 130 interrupted (summary still written).\n";
  return text;
}

// runs/<date>-<dataset>-<method>: where the trace and the summary go unless told otherwise.
std::string defaultRunStem(const seesaw::RunConfig& config)
{
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y%m%d-%H%M%S", std::localtime(&now));
  const std::string name = config.name.empty() ? config.data.source : config.name;
  return "runs/" + std::string(date) + "-" + name + "-" + config.method.name;
}

// A digest of a run config's JSON: the ranks of one run must agree on it.
int64_t configDigest(const seesaw::RunConfig& config)
{
  seesaw::Fnv1a digest;
  digest.addText(seesaw::toJsonString(config));
  return static_cast<int64_t>(digest.value());
}

void createParentDirectory(const std::string& path)
{
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

}  // namespace

int main(int argc, char** argv)
{
  seesaw::keepFreedMemory();
  CLI::App app{"seesaw-train: train a multi-task recommender and measure its task-gradient conflicts."};
  app.footer(footer());
  std::string preset, configFile, branchFrom, dataPath, summaryPath, tracePath, checkpointDir, model, splitTask, method, device, optimizer;
  // Overrides stay empty unless given, so that any value, a wrong one included, reaches validation.
  std::optional<int64_t> steps, evalEvery, seed, snapshotEvery, checkpointEvery;
  std::vector<std::string> geometryLevels;
  std::optional<double> epochs, lr;
  std::optional<int> batch, threads, nproc;
  bool noAnalyze = false, noTrace = false, printConfig = false, ppnet = false, dtrn = false, itemGeometry = false;
  app.add_option("preset", preset, "embedded preset to start from (default: demo unless --config is given)");
  app.add_option("--config", configFile, "run config JSON file (instead of a preset)")->check(CLI::ExistingFile);
  app.add_option("--branch", branchFrom,
                 "continue from a checkpoint (instead of a preset or config), with the overrides below as its changes: "
                 "method, parameters, lr, task weights, length, cadences, device (docs/checkpoints.md)");
  app.add_option("--data", dataPath, "data file for the kuairand, census and file sources (data.path)");
  app.add_option("--steps", steps, "number of training steps; overrides epochs (train.steps)")->check(fitsIn<int64_t>());
  app.add_option("--epochs", epochs, "epochs of training data, may be fractional (train.epochs)");
  app.add_option("--batch", batch, "batch size (train.batch_size)")->check(fitsIn<int>());
  app.add_option("--lr", lr, "learning rate (train.lr)");
  app.add_option("--optimizer", optimizer, "adam, adamw or sgd (train.optimizer)");
  app.add_option("--model", model, "shared-bottom, mmoe or ple (model.type)");
  app.add_option("--split-task", splitTask, "task that gets DRGrad's two towers, mmoe only (model.split_task)");
  app.add_flag("--ppnet", ppnet, "DRGrad's personalized gate on user and item ids, mmoe only (model.ppnet)");
  app.add_flag("--dtrn", dtrn, "DTRN's task-specific bottom representations, any model (model.dtrn)");
  app.add_option("--method", method, "gradient method, see below (method.name)");
  std::vector<std::string> methodParams;
  app.add_option("--param", methodParams, "a method hyperparameter, NAME=VALUE, repeatable (method.params)");
  app.add_option("--device", device, "cpu, cuda or auto (train.device)");
  app.add_option("--seed", seed, "seed for initialisation and data order (train.seed)")->check(fitsIn<int64_t>());
  app.add_option("--eval-every", evalEvery, "steps between validation passes, 0 for the end only (train.eval_every)")->check(fitsIn<int64_t>());
  app.add_option("--threads", threads, "CPU threads for LibTorch, 0 for its default (train.threads)")->check(fitsIn<int>());
  app.add_flag("--no-analyze", noAnalyze, "one backward pass of the summed loss, no per-task gradients (train.analyze)");
  app.add_option("--snapshot-every", snapshotEvery, "steps per per-user geometry window, 0 for none (train.user_snapshot_every)")
      ->check(fitsIn<int64_t>());
  app.add_option("--levels", geometryLevels,
                 "per-user geometry levels to record, comma-separated, the default level first: embedding, representation, "
                 "exact (train.geometry_levels; docs/per-user-geometry.md)")
      ->delimiter(',');
  app.add_flag("--items", itemGeometry, "record the same geometry per item (train.item_geometry)");
  app.add_option("--trace", tracePath, "where to record the run (HDF5 trace, docs/trace-format.md; default: runs/<date>-<name>-<method>.h5)");
  app.add_flag("--no-trace", noTrace, "do not record a trace");
  app.add_option("--checkpoint-every", checkpointEvery, "steps between checkpoints, 0 for none (train.checkpoint_every)")
      ->check(fitsIn<int64_t>());
  app.add_option("--checkpoint-dir", checkpointDir, "where checkpoints go (default: the trace's path without .h5, plus .checkpoints)");
  app.add_option("--summary", summaryPath, "where to write the summary JSON (default: runs/<date>-<name>-<method>.summary.json)");
  app.add_flag("--print-config", printConfig, "print the effective run config as JSON and exit");
  app.add_option("--nproc", nproc,
                 "run data-parallel on N local processes (Gloo), each with cores / N threads unless --threads says; the variables "
                 "RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT join a job started by a launcher instead (docs/distributed.md)")
      ->check(CLI::Range(1, 256));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help exits 0; every other parse error is a bad command line
  }

  // --nproc starts the ranks, each this program with these arguments; a rank (RANK set) trains.
  if (nproc && *nproc > 1 && std::getenv("RANK") == nullptr) {
    try {
      return seesaw::launchLocalRanks(*nproc, argv);
    } catch (const seesaw::Error& e) {
      std::cerr << "seesaw-train: " << e.what() << "\n";
      return 1;
    }
  }
  std::signal(SIGINT, onInterrupt);
  // A rank of --nproc starts with Ctrl-C blocked until here (launcher.h).
  sigset_t stopping;
  sigemptyset(&stopping);
  sigaddset(&stopping, SIGINT);
  sigaddset(&stopping, SIGTERM);
  ::sigprocmask(SIG_UNBLOCK, &stopping, nullptr);
  std::optional<seesaw::DataParallel> parallel;
  std::string rankPrefix;  // "rank 1: " on every rank's messages but the first's
  std::signal(SIGXFSZ, SIG_IGN);  // a file size limit then fails the trace's write like a full disk
  try {
    if (!preset.empty() + !configFile.empty() + !branchFrom.empty() > 1)
      throw seesaw::Error("give one of a preset, --config and --branch");
    std::optional<seesaw::RunConfig> saved;  // a branch's checkpoint config
    if (!branchFrom.empty())
      saved = seesaw::readCheckpointHeader(branchFrom).config;
    seesaw::RunConfig config = saved ? *saved
                               : configFile.empty() ? seesaw::presetConfig(preset.empty() ? "demo" : preset)
                                                    : seesaw::loadRunConfigFile(configFile);
    auto& t = config.train;
    if (!dataPath.empty()) config.data.path = dataPath;
    if (epochs) {
      t.epochs = *epochs;
      t.steps = 0;
    }
    if (steps) t.steps = *steps;
    if (batch) t.batchSize = *batch;
    if (lr) t.lr = *lr;
    if (!optimizer.empty()) t.optimizer = seesaw::parseOptimizer(optimizer, "train.optimizer (--optimizer)");
    if (!model.empty()) config.model.type = seesaw::parseModelType(model, "model.type (--model)");
    if (!splitTask.empty()) config.model.splitTask = splitTask;
    if (ppnet) config.model.ppnet = true;
    if (dtrn) config.model.dtrn = true;
    if (!method.empty() && method != config.method.name) {
      config.method.name = method;
      config.method.params.clear();  // the config's parameters belong to its own method
    }
    for (const auto& assignment : methodParams) {
      const auto [name, value] = seesaw::parseParamAssignment(assignment);
      config.method.params[name] = value;
    }
    if (!device.empty()) t.device = device;
    if (snapshotEvery) t.userSnapshotEvery = *snapshotEvery;
    if (!geometryLevels.empty()) t.geometryLevels = geometryLevels;
    if (itemGeometry) t.itemGeometry = true;
    if (seed) {
      if (*seed < 0) throw seesaw::Error("config field train.seed (--seed): must not be negative");
      t.seed = static_cast<uint64_t>(*seed);
    }
    if (evalEvery) t.evalEvery = *evalEvery;
    if (threads) t.threads = *threads;
    if (checkpointEvery) t.checkpointEvery = *checkpointEvery;
    if (noAnalyze) t.analyze = false;
    const std::optional<seesaw::ProcessGroupSetup> group = seesaw::processGroupFromEnvironment();
    if (group && !threads && std::getenv("LOCAL_WORLD_SIZE")) {
      // The machine's cores shared among its ranks, not each rank taking them all.
      const long cores = ::sysconf(_SC_NPROCESSORS_ONLN), local = std::atol(std::getenv("LOCAL_WORLD_SIZE"));
      if (cores > 0 && local > 0) t.threads = static_cast<int>(std::max(1L, cores / local));
    }
    seesaw::validate(config);
    std::optional<seesaw::BranchPlan> branch;
    if (saved) branch = seesaw::planBranch(*saved, config);
    if (printConfig) {
      std::cout << seesaw::toJsonString(config) << "\n";
      return 0;
    }

    if (!tracePath.empty() && noTrace) throw seesaw::Error("give either --trace or --no-trace, not both");
    if (group) {
      if (group->rank > 0) rankPrefix = "rank " + std::to_string(group->rank) + ": ";
      parallel.emplace(*group);
      parallel->requireSame(configDigest(config), "the run config (every rank must be started with the same settings)");
    }
    const bool leader = !parallel || parallel->rank() == 0;  // writes the trace, the summary and the console
    const std::string stem = defaultRunStem(config);
    if (summaryPath.empty()) summaryPath = stem + ".summary.json";
    if (tracePath.empty() && !noTrace) tracePath = stem + ".h5";
    createParentDirectory(summaryPath);
    if (!noTrace) createParentDirectory(tracePath);
    if (checkpointDir.empty()) checkpointDir = seesaw::checkpointDirectoryFor(noTrace ? stem + ".h5" : tracePath);

    if (const std::string warning = seesaw::blasWarning(); !warning.empty()) std::cerr << "warning: " << warning << "\n";
    if (leader) std::cout << "loading " << config.data.source << (config.data.path.empty() ? "" : " " + config.data.path) << "\n";
    auto data = std::make_shared<seesaw::PreparedData>(seesaw::prepareData(config.data));
    seesaw::Trainer trainer(branch ? branch->start : config, data, parallel ? &*parallel : nullptr);
    if (parallel && leader)
      std::cout << "data-parallel: " << parallel->worldSize() << " ranks over " << parallel->backend() << "\n";
    trainer.setCheckpointDirectory(checkpointDir, noTrace ? "" : tracePath);
    if (branch) {
      trainer.restore(branchFrom, branch->changes);
      if (leader) std::cout << "branch of step " << trainer.info().branch.step << " from " << branchFrom << "\n";
    }
    seesaw::ConsoleSink console(stdout, isatty(STDOUT_FILENO));
    std::optional<seesaw::TraceWriter> trace;
    std::vector<seesaw::RecordSink*> sinks;
    if (leader) sinks.push_back(&console);
    if (!noTrace && leader) {
      seesaw::TraceOptions options;
      options.path = tracePath;
      trace.emplace(options);
      sinks.push_back(&*trace);
      std::cout << "trace: " << tracePath << "\n";
    }
    seesaw::SinkFanOut sink(sinks);
    seesaw::RunEnd end;
    try {
      end = trainer.run(sink, control);
    } catch (const seesaw::Error& e) {
      // The run could not go on (the trace could not be written to a full disk, say): the summary
      // still says how far it got, by the last step the console saw.
      end.steps = console.lastStep() ? console.lastStep()->step : 0;
      end.error = e.what();
      std::cerr << "seesaw-train: " << rankPrefix << e.what() << "\n";
    }
    if (parallel && leader) {
      const auto& traffic = parallel->traffic();
      std::printf("data-parallel: %lld all-reduces, %.1f MB per step, %.2f s in them (rank 0)\n", static_cast<long long>(traffic.collectives),
                  static_cast<double>(traffic.bytes) / 1e6 / static_cast<double>(std::max<int64_t>(1, end.steps)), traffic.seconds);
    }
    if (leader) {
      seesaw::writeSummary(summaryPath, config, console, end);
      std::cout << "summary: " << summaryPath << "\n";
    }
    if (!end.error.empty()) return 1;
    return end.stopped ? 130 : 0;
  } catch (const seesaw::Error& e) {
    std::cerr << "seesaw-train: " << rankPrefix << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // LibTorch, the file system or memory: not a message Seesaw wrote, but still no crash.
    std::cerr << "seesaw-train: " << rankPrefix << "unexpected error: " << e.what() << "\n";
    return 1;
  }
}
