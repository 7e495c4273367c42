#include "trace/trace_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "trace/trace_file.h"

namespace seesaw {
namespace {

double unixTime() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

Error sizeError(const std::string& field, size_t size, size_t expected)
{
  return Error("record field " + field + " has " + std::to_string(size) + " values, expected " + std::to_string(expected));
}

// Appends values to a column buffer; a record field left empty (no analysis) becomes NaN.
template <typename T>
void put(std::vector<T>& column, const std::vector<T>& values, size_t expected, const char* field)
{
  if (values.size() == expected) column.insert(column.end(), values.begin(), values.end());
  else if (values.empty()) column.insert(column.end(), expected, std::numeric_limits<T>::quiet_NaN());
  else throw sizeError(field, values.size(), expected);
}

// A snapshot field holds `expected` values, or none (not measured: stored as NaN).
void checkSize(const std::vector<float>& values, size_t expected, const std::string& field)
{
  if (!values.empty() && values.size() != expected) throw sizeError(field, values.size(), expected);
}

// Checks one entity's part of a snapshot (n entities) before any of the snapshot is written, so
// that a bad record leaves no partial row behind.
void checkEntity(const EntityGeometry& g, const std::string& entity, size_t n, const trace::TraceFile& f)
{
  const size_t K = f.dims.tasks, P = f.dims.pairs;
  if (g.levels.size() != f.levels.size())
    throw Error("record field " + entity + " levels has " + std::to_string(g.levels.size()) + " levels, expected " + std::to_string(f.levels.size()));
  for (size_t i = 0; i < f.levels.size(); ++i) {
    const std::string level = entity + " " + f.levels[i] + " ";
    checkSize(g.levels[i].cosine, n * P, level + "cosine");
    checkSize(g.levels[i].gradNorm, n * K, level + "grad_norm");
    checkSize(g.levels[i].magnitudeRatio, n * K, level + "magnitude_ratio");
  }
  checkSize(g.weight, n * K, entity + " weight");
  if (g.count.size() != n) throw sizeError(entity + " count", g.count.size(), n);
}

void checkSnapshot(const GeometrySnapshot& s, const trace::TraceFile& f)
{
  checkEntity(s.users, "users", f.dims.users, f);
  if (f.itemGeometry) checkEntity(s.items, "items", f.dims.items, f);
  else if (!s.items.empty() || !s.items.levels.empty())
    throw Error("record field items holds item geometry, but the run info records none (RunInfo::itemGeometry)");
}

// Appends one row straight from the record (a snapshot may be 100 MB: no copy), or a row of NaN
// for a field left empty.
void appendRow(h5::Series& series, const std::vector<float>& values)
{
  if (!values.empty()) {
    series.append(values.data(), 1);
  } else {
    const std::vector<float> nan(series.rowElements(), std::numeric_limits<float>::quiet_NaN());
    series.append(nan.data(), 1);
  }
}

void appendEntity(trace::EntitySeries& series, const GeometrySnapshot& s, const EntityGeometry& g)
{
  series.snapshotStep.append(&s.step, 1);
  series.windowStart.append(&s.windowStart, 1);
  for (size_t i = 0; i < series.levels.size(); ++i) {
    appendRow(series.levels[i].cosine, g.levels[i].cosine);
    appendRow(series.levels[i].gradNorm, g.levels[i].gradNorm);
    appendRow(series.levels[i].magnitudeRatio, g.levels[i].magnitudeRatio);
  }
  appendRow(series.weight, g.weight);
  series.count.append(g.count.data(), 1);
}

}  // namespace

struct TraceWriter::Impl
{
  TraceOptions options;
  trace::TraceFile file;
  trace::Status status;     // what the records written so far add up to
  trace::Status committed;  // what the file's /status says
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  RecordBatch pending;        // guarded by mutex: the records queued since the last flush
  bool closing = false;       // guarded by mutex
  bool aborted = false;       // guarded by mutex: the writer closed without the run's end
  std::string failure;        // guarded by mutex; set once by the writer thread
  int reserveFd = -1;         // the trace file, opened again to reserve disk space

  void run();
  void write(const RecordBatch& batch);
  void commit();
  void markFailed();
  void reserve(const RecordBatch& batch);
  void releaseReserve();
  void queue(const std::function<void(RecordBatch&)>& add, bool flushNow);
  void finish(std::optional<RunEnd> end);
};

TraceWriter::TraceWriter(TraceOptions options) : impl_(std::make_unique<Impl>())
{
  impl_->options = std::move(options);
}

TraceWriter::~TraceWriter()
{
  if (impl_->thread.joinable()) impl_->finish(std::nullopt);
}

const std::string& TraceWriter::path() const { return impl_->options.path; }

void TraceWriter::begin(const RunInfo& info)
{
  h5::silenceErrorStack();
  impl_->file = trace::TraceFile::create(impl_->options.path, info, impl_->options.compression);
  impl_->status.heartbeat = unixTime();
  impl_->reserveFd = ::open(impl_->options.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (impl_->reserveFd < 0) throw Error("trace " + impl_->options.path + ": cannot reopen to reserve space: " + std::strerror(errno));
  impl_->thread = std::thread([this] { impl_->run(); });
}

void TraceWriter::step(const StepRecord& record)
{
  impl_->queue([&](RecordBatch& p) { p.steps.push_back(record); }, false);
}

void TraceWriter::eval(const EvalRecord& record)
{
  impl_->queue([&](RecordBatch& p) { p.evals.push_back(record); }, false);
}

void TraceWriter::geometry(const PendingGeometry& snapshot)
{
  impl_->queue([&](RecordBatch& p) { p.snapshots.push_back(snapshot); }, true);
}

void TraceWriter::change(const ChangeRecord& change)
{
  impl_->queue([&](RecordBatch& p) { p.changes.push_back(change); }, true);
}

void TraceWriter::end(const RunEnd& end)
{
  impl_->finish(end);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->failure.empty()) throw Error(impl_->failure);
}

void TraceWriter::Impl::queue(const std::function<void(RecordBatch&)>& add, bool flushNow)
{
  std::unique_lock<std::mutex> lock(mutex);
  if (!failure.empty()) throw Error(failure);
  add(pending);
  if (flushNow || static_cast<int64_t>(pending.steps.size()) >= options.flushRecords) wake.notify_one();
}

void TraceWriter::Impl::finish(std::optional<RunEnd> end)
{
  {
    std::lock_guard<std::mutex> lock(mutex);
    pending.end = end ? *end : RunEnd{};
    aborted = !end;
    if (!end) pending.end->error = "the run ended without closing its trace (an error outside the trainer)";
    closing = true;
  }
  wake.notify_one();
  thread.join();
  file = trace::TraceFile{};  // closes the file
  releaseReserve();
}

// Gives the space reserved past the file's end back, as the closed file says where it ends.
void TraceWriter::Impl::releaseReserve()
{
  h5::Handle closed(H5Fopen(options.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  haddr_t eoa = 0;
  if (closed.valid() && H5Fget_eoa(closed, &eoa) >= 0 && eoa > 0) {
    closed.reset();
    if (ftruncate(reserveFd, static_cast<off_t>(eoa)) != 0) {
      // The reserve stays: a larger file, still whole.
    }
  }
  ::close(reserveFd);
}

void TraceWriter::Impl::run()
{
  h5::silenceErrorStack();
  // Training keeps every core busy; compressing a snapshot at the same priority would preempt a
  // compute thread and stall its peers at the next barrier. At the lowest priority the writer
  // runs in the gaps. (Linux: a thread's nice value is its own.)
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  const auto period = std::chrono::duration<double>(options.flushSeconds);
  bool last = false;
  while (!last) {
    RecordBatch batch;
    bool endAborted = false;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait_for(lock, period, [&] {
        return closing || !pending.snapshots.empty() || !pending.changes.empty() ||
               static_cast<int64_t>(pending.steps.size()) >= options.flushRecords;
      });
      std::swap(batch, pending);
      last = closing;
      endAborted = aborted;
      if (!failure.empty()) continue;  // nothing more is written after a failure
    }
    try {
      reserve(batch);
      write(batch);
      if (batch.end) {
        const RunEnd& e = *batch.end;
        status.state = endAborted ? trace::RunState::Aborted
                       : !e.error.empty() ? trace::RunState::Failed
                       : e.stopped        ? trace::RunState::Stopped
                                          : trace::RunState::Finished;
        status.message = e.error;
      }
      commit();
      if (options.onCommit) options.onCommit(status.steps);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mutex);
      failure = "trace " + options.path + ": writing failed (" + e.what() +
                "); the records committed before stay readable";
      markFailed();
    }
  }
}

void TraceWriter::Impl::write(const RecordBatch& batch)
{
  const auto& d = file.dims;
  const size_t K = d.tasks, P = d.pairs, M = d.modules, S = d.methodStates;
  if (!batch.steps.empty()) {
    std::vector<int64_t> step;
    std::vector<double> epoch, wallTime, lr;
    std::vector<uint32_t> flags;
    std::vector<float> loss, gradNorm, cosine, ratio, weight, moduleCosine, methodState;
    for (const StepRecord& r : batch.steps) {
      step.push_back(r.step);
      epoch.push_back(r.epoch);
      wallTime.push_back(r.wallTime);
      lr.push_back(r.lr);
      flags.push_back(r.flags);
      put(loss, r.loss, K, "loss");
      put(gradNorm, r.gradNorm, K, "grad_norm");
      put(cosine, r.cosine, K * K, "cosine");
      put(ratio, r.magnitudeRatio, K, "magnitude_ratio");
      put(weight, r.weight, K, "weight");
      put(moduleCosine, r.moduleCosine, M * P, "module_cosine");
      put(methodState, r.methodState, S, "method_state");
    }
    const hsize_t n = batch.steps.size();
    auto& s = file.steps;
    s.step.append(step.data(), n);
    s.epoch.append(epoch.data(), n);
    s.wallTime.append(wallTime.data(), n);
    s.lr.append(lr.data(), n);
    s.flags.append(flags.data(), n);
    s.loss.append(loss.data(), n);
    s.gradNorm.append(gradNorm.data(), n);
    s.cosine.append(cosine.data(), n);
    s.magnitudeRatio.append(ratio.data(), n);
    s.weight.append(weight.data(), n);
    s.moduleCosine.append(moduleCosine.data(), n);
    s.methodState.append(methodState.data(), n);
    status.steps += static_cast<int64_t>(n);
  }
  for (const EvalRecord& r : batch.evals) {
    const bool valid = r.split == "valid";
    trace::EvalSeries& e = valid ? file.valid : file.test;
    std::vector<double> auc, gauc, logloss, mse;
    put(auc, r.auc, K, "auc");
    put(gauc, r.gauc, K, "gauc");
    put(logloss, r.logloss, K, "logloss");
    put(mse, r.mse, K, "mse");
    e.step.append(&r.step, 1);
    e.auc.append(auc.data(), 1);
    e.gauc.append(gauc.data(), 1);
    e.logloss.append(logloss.data(), 1);
    e.mse.append(mse.data(), 1);
    ++(valid ? status.validEvals : status.testEvals);
  }
  for (const PendingGeometry& snapshot : batch.snapshots) {
    const GeometrySnapshot& r = snapshot.get();
    checkSnapshot(r, file);
    appendEntity(file.users, r, r.users);
    if (file.itemGeometry) appendEntity(file.items, r, r.items);
    ++status.snapshots;
  }
  for (const ChangeRecord& r : batch.changes) {
    // A text too long for the column ends in "..." after its last whole UTF-8 character.
    const auto text = [](const std::string& s) {
      std::array<char, trace::kChangeTextBytes> padded{};
      size_t n = s.size();
      if (n > padded.size()) {
        n = padded.size() - 3;
        while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
        std::memcpy(padded.data() + n, "...", 3);
      }
      std::memcpy(padded.data(), s.data(), n);
      return padded;
    };
    file.changes.step.append(&r.step, 1);
    file.changes.field.append(text(r.field).data(), 1);
    file.changes.oldValue.append(text(r.oldValue).data(), 1);
    file.changes.newValue.append(text(r.newValue).data(), 1);
    file.changes.refused.append(text(r.refused).data(), 1);
    ++status.changes;
  }
}

// Claims the disk space the batch will take before HDF5 writes any of it. HDF5 does not survive a
// write that fails halfway (its superblock then promises bytes the file lacks, and the whole file
// reads as truncated), so a full disk must be met here, while the file is still whole.
void TraceWriter::Impl::reserve(const RecordBatch& batch)
{
  const auto& d = file.dims;
  const int64_t stepBytes =
      8 * 4 + 4 * static_cast<int64_t>(d.tasks * (d.tasks + 4) + d.modules * d.pairs + d.methodStates);
  // Per entity: cosine, grad_norm and magnitude_ratio at each level, then weight and count.
  const int64_t entityBytes = 4 * static_cast<int64_t>(d.levels * (d.pairs + 2 * d.tasks) + d.tasks + 1);
  const int64_t snapshotBytes = entityBytes * static_cast<int64_t>(d.users + d.items) + 32;
  const int64_t evalBytes = 8 * static_cast<int64_t>(4 * d.tasks + 1);
  const int64_t changeBytes = 8 + 4 * trace::kChangeTextBytes;
  const int64_t data = stepBytes * static_cast<int64_t>(batch.steps.size()) + snapshotBytes * static_cast<int64_t>(batch.snapshots.size()) +
                       evalBytes * static_cast<int64_t>(batch.evals.size()) + changeBytes * static_cast<int64_t>(batch.changes.size());
  // Twice the data, for rewritten partial chunks, and room for the index and header updates.
  const int64_t margin = 2 * data + (256 << 10);
  haddr_t eoa = 0;
  h5::check(H5Fget_eoa(file.file, &eoa), "reserving space");
  const int error = posix_fallocate(reserveFd, 0, static_cast<off_t>(eoa) + margin);
  if (error != 0) throw Error(std::string("no room on the disk for the next records: ") + std::strerror(error));
}

// Data first, then the counts that make it visible, then a change of state: a kill between two
// flushes leaves counts that describe complete records, and a reader that sees the run's end has
// already got its last counts.
void TraceWriter::Impl::commit()
{
  h5::check(H5Fflush(file.file, H5F_SCOPE_LOCAL), "flushing");
  status.heartbeat = unixTime();
  trace::Status counts = status;
  counts.state = committed.state;
  counts.message = committed.message;
  file.writeStatus(counts);
  h5::check(H5Fflush(file.file, H5F_SCOPE_LOCAL), "flushing");
  if (status.state != committed.state) {
    file.writeStatus(status);
    h5::check(H5Fflush(file.file, H5F_SCOPE_LOCAL), "flushing");
  }
  committed = status;
}

// After a failed write, says so in /status if the file still takes it, keeping the last commit's
// counts (the rows past them may be incomplete).
void TraceWriter::Impl::markFailed()
{
  try {
    trace::Status s = committed;
    s.state = trace::RunState::Failed;
    s.message = failure;
    file.writeStatus(s);
    H5Fflush(file.file, H5F_SCOPE_LOCAL);
  } catch (const Error&) {
    // The disk that refused the data may refuse this too; the file then says "running".
  }
}

}  // namespace seesaw
