// Benchmark W1 (issue #2): MMoE on synthetic data, batch 2048, Adam, float32.
// Prints one line per mode, `W1 mode=<m> samples_per_s=<x> ms_per_step=<y> ...`, with the step
// time's distance from the float32 GEMM bound measured in the same run.
//
// Usage: seesaw-bench-w1 [--steps N] [--warmup N] [--threads N] [--batch N] [--users N] [--device D] [--modes ew,analyze,analyze_users,users=LEVEL[+LEVEL...],analyze_trace,analyze_split,methods]
// Mode `users=LEVEL[+LEVEL...]` is analyze with per-user windows at those geometry levels only.
// Mode `method=NAME[:PARAM=VALUE...]` is analyze with that gradient method instead of EW. DRGrad
// runs on its Split-MMoE (task0 split, PPNet gate), whose EW baseline is mode `analyze_split`.
// `methods` expands to analyze, every registered method with its default hyperparameters,
// MGDA-UB (method=mgda:ub=1) and analyze_split.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "methods/registry.h"
#include "util/allocator.h"
#include "util/blas_check.h"
#include "train/prepared_data.h"
#include "train/trainer.h"
#include "trace/trace_writer.h"

namespace {

using namespace seesaw;

struct Options
{
  int64_t steps = 40;
  int64_t warmup = 5;
  int threads = 2;
  int batch = 2048;
  int32_t users = 20000;
  std::string device = "cpu";
  std::vector<std::string> modes = {"ew", "analyze"};
};

// Collects the wall time of every step.
class TimingSink : public RecordSink
{
public:
  std::vector<double> stepSeconds;
  void begin(const RunInfo&) override {}
  void step(const StepRecord& r) override
  {
    stepSeconds.push_back(r.wallTime - last_);
    last_ = r.wallTime;
  }
  void eval(const EvalRecord&) override {}
  void geometry(const PendingGeometry&) override {}  // never derived: the trainer's own cost is measured
  void change(const ChangeRecord&) override {}
  void end(const RunEnd&) override {}

private:
  double last_ = 0;
};

RunConfig w1Config(const Options& o)
{
  RunConfig c;
  c.name = "w1";
  c.data.source = "synthetic";
  auto& s = c.data.synthetic;
  s.users = o.users;
  s.items = 10000;
  s.extraCardinalities = {100, 100, 100, 100};
  s.denseFeatures = 8;
  s.tasks = 3;
  s.latentDim = 8;
  s.rows = o.batch * (o.steps + o.warmup + 2);
  s.seed = 7;
  c.data.split.validFraction = 0;
  c.data.split.testFraction = 0;
  c.model.type = ModelType::MMoE;
  c.model.embeddingDim = 16;
  c.model.experts = 4;
  c.model.expertHidden = {128, 64};
  c.model.towerHidden = {32};
  c.train.batchSize = o.batch;
  c.train.optimizer = OptimizerType::Adam;
  c.train.lr = 1e-3;
  c.train.steps = o.steps + o.warmup;
  c.train.evalEvery = 0;
  c.train.device = o.device;
  c.train.threads = o.threads;
  c.train.seed = 7;
  return c;
}

// Multiply-add FLOPs of W1's matrix products for one batch: forward F, and the backward of one
// task's loss through the experts plus that task's gate and tower.
struct Flops
{
  double forward, taskBackward, sumBackward;
};

Flops w1Flops(double B)
{
  const double in = 104, E = 4, K = 3;
  const double experts = E * B * (in * 128 + 128 * 64) * 2;
  const double gate = B * in * E * 2, tower = B * (64 * 32 + 32) * 2, mix = B * E * 64 * 2;
  // A backward pass costs two products per forward product (input and weight gradients).
  return {experts + K * (gate + tower + mix), 2 * (experts + gate + tower + mix), 2 * (experts + K * (gate + tower + mix))};
}

double gemmRate(const std::string& device)
{
  const at::Device d = device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
  const int64_t n = d.is_cuda() ? 8192 : 1536;
  const at::Tensor a = at::randn({n, n}, at::TensorOptions().device(d)), b = at::randn({n, n}, a.options());
  at::mm(a, b);
  std::vector<double> rates;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    at::Tensor c = at::mm(a, b);
    if (d.is_cuda()) c.cpu();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(2.0 * n * n * n / s);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

double median(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv)
{
  seesaw::keepFreedMemory();
  Options o;
  const char* usage = "usage: seesaw-bench-w1 [--steps N] [--warmup N] [--threads N] [--batch N] [--users N] [--device D] [--modes ew,analyze,analyze_users,users=LEVEL[+LEVEL...],analyze_trace,analyze_split,method=NAME[:P=V...],methods]\n";
  if (argc % 2 == 0) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  try {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--steps") o.steps = std::stoll(value);
    else if (flag == "--warmup") o.warmup = std::stoll(value);
    else if (flag == "--threads") o.threads = std::stoi(value);
    else if (flag == "--batch") o.batch = std::stoi(value);
    else if (flag == "--users") o.users = std::stoi(value);
    else if (flag == "--device") o.device = value;
    else if (flag == "--modes") {
      o.modes.clear();
      for (size_t start = 0; start <= value.size();) {
        size_t end = value.find(',', start);
        if (end == std::string::npos) end = value.size();
        const std::string mode = value.substr(start, end - start);
        if (mode == "methods") {
          o.modes.push_back("analyze");
          for (const auto& m : methodRegistry().methods())
            if (m.name != "ew" && m.name != "fixed") o.modes.push_back("method=" + m.name);
          o.modes.push_back("method=mgda:ub=1");
          o.modes.push_back("analyze_split");
        } else {
          o.modes.push_back(mode);
        }
        start = end + 1;
      }
    } else {
      std::fprintf(stderr, "%s", usage);
      return 2;
    }
  }
  } catch (const std::exception&) {
    std::fprintf(stderr, "%s", usage);
    return 2;
  }
  if (o.steps < 1 || o.warmup < 0 || o.batch < 1 || o.users < 1) {
    std::fprintf(stderr, "seesaw-bench-w1: --steps and --batch must be positive, --warmup not negative\n");
    return 2;
  }
  at::set_num_threads(o.threads);
  if (const std::string warning = blasWarning(); !warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
  RunConfig config = w1Config(o);
  auto data = std::make_shared<PreparedData>(prepareData(config.data));
  const double rate = gemmRate(o.device);
  const Flops f = w1Flops(o.batch);
  std::printf("W1 gemm_gflops=%.1f threads=%d batch=%d device=%s\n", rate / 1e9, o.threads, o.batch, o.device.c_str());

  // Every mode's step times over all its runs: listing modes alternately (analyze,analyze_trace,
  // analyze,...) spreads the machine's drift over both, and the ratios below compare the pools.
  std::map<std::string, std::vector<double>> pooled;
  std::vector<std::string> order;
  for (const auto& mode : o.modes) {
    // analyze_trace: analyze plus what a recorded run adds, per-user windows (snapshots every 50
    // steps) and the trace writer; analyze_users: the per-user windows alone.
    const bool traced = mode == "analyze_trace";
    config.train.analyze = mode != "ew";
    config.method.name = "ew";
    config.method.params.clear();
    if (mode.rfind("method=", 0) == 0) {
      const std::string spec = mode.substr(7);
      config.method.name = spec.substr(0, spec.find(':'));
      for (size_t at = spec.find(':'); at != std::string::npos;) {
        const size_t next = spec.find(':', at + 1);
        const auto [name, value] = parseParamAssignment(spec.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
        config.method.params[name] = value;
        at = next;
      }
    }
    const bool split = mode == "analyze_split" || config.method.name == "drgrad";
    config.model.splitTask = split ? "task0" : "";
    config.model.ppnet = split;
    // users=LEVEL+LEVEL: the per-user windows at those levels alone (analyze_users: the default levels).
    const bool users = mode.rfind("users=", 0) == 0;
    config.train.userSnapshotEvery = traced || users || mode == "analyze_users" ? 50 : 0;
    config.train.geometryLevels.clear();  // the trainer's default: every level
    if (users) {
      std::stringstream levels(mode.substr(6));
      for (std::string level; std::getline(levels, level, '+');) config.train.geometryLevels.push_back(level);
    }
    Trainer trainer(config, data);
    TimingSink timing;
    const std::string tracePath = "/tmp/seesaw-bench-w1-" + std::to_string(getpid()) + ".h5";
    std::optional<TraceWriter> trace;
    std::vector<RecordSink*> sinks = {&timing};
    if (traced) {
      TraceOptions options;
      options.path = tracePath;
      trace.emplace(options);
      sinks.push_back(&*trace);
    }
    SinkFanOut sink(sinks);
    trainer.run(sink);
    if (traced) std::remove(tracePath.c_str());
    std::vector<double> measured(timing.stepSeconds.begin() + o.warmup, timing.stepSeconds.end());
    if (!pooled.count(mode)) order.push_back(mode);
    pooled[mode].insert(pooled[mode].end(), measured.begin(), measured.end());
    const double ms = 1e3 * median(measured);
    const double meanMs = 1e3 * std::accumulate(measured.begin(), measured.end(), 0.0) / static_cast<double>(measured.size());
    const double flops = f.forward + (config.train.analyze ? 3 * f.taskBackward : f.sumBackward);
    const double boundMs = 1e3 * flops / rate;
    // The longest step: with snapshots, the trainer's longest pause for one.
    const double maxMs = 1e3 * *std::max_element(measured.begin(), measured.end());
    std::printf("W1 mode=%s samples_per_s=%.0f ms_per_step=%.2f mean_ms_per_step=%.2f max_ms_per_step=%.2f gemm_bound_ms=%.2f times_bound=%.2f\n",
                mode.c_str(), o.batch / (ms / 1e3), ms, meanMs, maxMs, boundMs, ms / boundMs);
    std::fflush(stdout);
  }
  for (const auto& mode : order) {
    const double ms = 1e3 * median(pooled[mode]);
    std::printf("W1 pooled mode=%s steps=%zu ms_per_step=%.2f", mode.c_str(), pooled[mode].size(), ms);
    if (pooled.count("analyze") && mode != "analyze")
      std::printf(" vs_analyze=%.4f", ms / (1e3 * median(pooled["analyze"])));
    if (pooled.count("analyze_split") && mode == "method=drgrad")
      std::printf(" vs_analyze_split=%.4f", ms / (1e3 * median(pooled["analyze_split"])));
    std::printf("\n");
  }
  return 0;
}
