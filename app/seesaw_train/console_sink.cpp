#include "console_sink.h"

#include <cmath>
#include <string>

namespace seesaw {
namespace {

std::string clock(double seconds)
{
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string number(double v, const char* format = "%.4f")
{
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

ConsoleSink::ConsoleSink(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}

void ConsoleSink::begin(const RunInfo& info)
{
  info_ = info;
  std::fprintf(out_, "data: %zu rows, %d users, %d items; split %zu train / %zu valid / %zu test\n", info.data.rows,
               info.data.users, info.data.items, info.trainRows, info.validRows, info.testRows);
  std::fprintf(out_, "tasks:");
  for (size_t k = 0; k < info.taskNames.size(); ++k) {
    if (info.taskTypes[k] == TaskType::Binary)
      std::fprintf(out_, " %s (positive %.1f%%)", info.taskNames[k].c_str(), 100 * info.data.labelMeans[k]);
    else
      std::fprintf(out_, " %s (mean %.4g)", info.taskNames[k].c_str(), info.data.labelMeans[k]);
  }
  std::fprintf(out_, "\nmodel: %lld parameters, %lld shared in %zu modules; method %s; device %s; %lld steps of %lld\n",
               static_cast<long long>(info.totalParameters), static_cast<long long>(info.sharedParameters),
               info.moduleNames.size(), info.method.c_str(), info.device.c_str(),
               static_cast<long long>(info.totalSteps), static_cast<long long>(info.batchSize));
  std::fflush(out_);
}

double ConsoleSink::samplesPerSecond() const
{
  if (!lastStep_ || lastStep_->wallTime <= 0) return 0;
  // A branch's clock starts after its checkpoint's step.
  return static_cast<double>((lastStep_->step - info_.branch.step) * info_.batchSize) / lastStep_->wallTime;
}

void ConsoleSink::step(const StepRecord& r)
{
  lastStep_ = r;
  const double fraction = static_cast<double>(r.step - info_.branch.step) / static_cast<double>(info_.totalSteps - info_.branch.step);
  const double eta = r.wallTime / fraction - r.wallTime;
  std::string losses;
  for (float l : r.loss) losses += " " + number(l, "%.3f");
  std::string conflict;
  if (r.cosine.size() >= 4 && info_.analyze) conflict = " | cos01 " + number(r.cosine[1], "%+.2f");

  if (terminal_) {
    const auto now = std::chrono::steady_clock::now();
    if (r.step != info_.totalSteps && now - lastBar_ < std::chrono::milliseconds(100)) return;
    lastBar_ = now;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '=');
    if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
    std::fprintf(out_, "\r\033[K[%s] %3.0f%% step %lld/%lld ep %.2f | %s samples/s | ETA %s | loss%s%s",
                 bar.c_str(), 100 * fraction, static_cast<long long>(r.step), static_cast<long long>(info_.totalSteps),
                 r.epoch, number(samplesPerSecond(), "%.0f").c_str(), clock(eta).c_str(), losses.c_str(),
                 conflict.c_str());
    barShown_ = true;
  } else {
    if (r.step < nextPlainLine_ && r.step != info_.totalSteps) return;
    nextPlainLine_ = r.step + std::max<int64_t>(1, info_.totalSteps / 20);
    std::fprintf(out_, "step %lld/%lld epoch %.2f samples/s %.0f eta %s loss%s%s\n", static_cast<long long>(r.step),
                 static_cast<long long>(info_.totalSteps), r.epoch, samplesPerSecond(), clock(eta).c_str(),
                 losses.c_str(), conflict.c_str());
  }
  std::fflush(out_);
}

void ConsoleSink::clearBar()
{
  if (barShown_) std::fprintf(out_, "\r\033[K");
  barShown_ = false;
}

void ConsoleSink::eval(const EvalRecord& r)
{
  (r.split == "test" ? lastTest_ : lastValid_) = r;
  clearBar();
  std::fprintf(out_, "%s @ step %lld\n  %-18s %8s %8s %8s %8s\n", r.split.c_str(), static_cast<long long>(r.step),
               "task", "AUC", "GAUC", "logloss", "MSE");
  for (size_t k = 0; k < r.auc.size(); ++k)
    std::fprintf(out_, "  %-18s %8s %8s %8s %8s\n", info_.taskNames[k].c_str(), number(r.auc[k]).c_str(),
                 number(r.gauc[k]).c_str(), number(r.logloss[k]).c_str(), number(r.mse[k]).c_str());
  std::fflush(out_);
}

void ConsoleSink::change(const ChangeRecord& c)
{
  clearBar();
  if (c.field == "checkpoint") {
    if (c.refused.empty()) std::fprintf(out_, "step %lld: checkpoint saved to %s\n", static_cast<long long>(c.step), c.newValue.c_str());
    else std::fprintf(out_, "step %lld: checkpoint not saved: %s\n", static_cast<long long>(c.step), c.refused.c_str());
  } else if (c.refused.empty()) std::fprintf(out_, "step %lld: %s %s -> %s\n", static_cast<long long>(c.step), c.field.c_str(), c.oldValue.c_str(), c.newValue.c_str());
  else
    std::fprintf(out_, "step %lld: %s -> %s refused: %s\n", static_cast<long long>(c.step), c.field.c_str(), c.newValue.c_str(), c.refused.c_str());
}

void ConsoleSink::end(const RunEnd& end)
{
  clearBar();
  if (!end.error.empty()) std::fprintf(out_, "run failed: %s\n", end.error.c_str());
  else if (end.stopped) std::fprintf(out_, "stopped after step %lld\n", static_cast<long long>(end.steps));
  std::fprintf(out_, "%lld steps in %s (%.0f samples/s)\n", static_cast<long long>(end.steps),
               clock(lastStep_ ? lastStep_->wallTime : 0).c_str(), samplesPerSecond());
  std::fflush(out_);
}

}  // namespace seesaw
