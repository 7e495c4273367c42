#include "train/checkpoint.h"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "methods/gradient_method.h"
#include "train/data_order.h"
#include "train/geometry_window.h"
#include "util/error.h"
#include "util/saved_state.h"

namespace seesaw {
namespace {

using torch::serialize::InputArchive;
using torch::serialize::OutputArchive;

constexpr const char* kFormat = "seesaw-checkpoint";
// Readers refuse a newer version; adding entries keeps it, changing or removing one bumps it.
constexpr int64_t kVersion = 1;

// LibTorch's messages go on with a C++ backtrace.
std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

std::string readText(InputArchive& archive, const std::string& key)
{
  c10::IValue value;
  archive.read(key, value);
  return value.toStringRef();
}

// Tensors in order under keys t0, t1, ..., and their names, which an archive cannot list
// portably and whose dots it does not take as keys.
void writeNamed(OutputArchive& archive, const NamedTensors& tensors)
{
  std::string names;
  for (size_t i = 0; i < tensors.size(); ++i) {
    names += tensors[i].first + "\n";
    archive.write("t" + std::to_string(i), tensors[i].second.detach());
  }
  archive.write("names", c10::IValue(names));
}

NamedTensors readNamed(InputArchive& archive)
{
  NamedTensors tensors;
  std::istringstream names(readText(archive, "names"));
  for (std::string name; std::getline(names, name);) {
    at::Tensor value;
    archive.read("t" + std::to_string(tensors.size()), value);
    tensors.emplace_back(name, value);
  }
  return tensors;
}

void writeState(OutputArchive& archive, const SavedState& state)
{
  writeNamed(archive, NamedTensors(state.entries().begin(), state.entries().end()));
}

SavedState readState(InputArchive& archive)
{
  SavedState state;
  for (auto& [name, value] : readNamed(archive)) state.put(name, std::move(value));
  return state;
}

OutputArchive nested(OutputArchive& parent) { return OutputArchive(parent.compilation_unit()); }

// Copies each saved tensor into its counterpart in place (the optimizer holds the very tensors),
// so that a restore can say which one does not fit.
void readTensors(InputArchive& archive, const NamedTensors& tensors, const std::string& part)
{
  const NamedTensors saved = readNamed(archive);
  bool sameNames = saved.size() == tensors.size();
  for (size_t i = 0; sameNames && i < tensors.size(); ++i) sameNames = saved[i].first == tensors[i].first;
  if (!sameNames) throw Error(part + " has other tensors than this run's (another model, method or settings)");
  at::NoGradGuard noGrad;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const at::Tensor& savedTensor = saved[i].second;
    at::Tensor target = tensors[i].second;
    if (!savedTensor.sizes().equals(target.sizes())) {
      std::ostringstream message;
      message << part << " " << tensors[i].first << " has shape " << savedTensor.sizes() << ", this run's " << target.sizes();
      throw Error(message.str());
    }
    target.copy_(savedTensor);
  }
}

NamedTensors modelTensors(torch::nn::Module& model)
{
  NamedTensors out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : model.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

NamedTensors methodTensors(GradientMethod& method)
{
  NamedTensors out;
  for (const auto& p : method.parameters()) out.emplace_back("parameter" + std::to_string(out.size()), p);
  return out;
}

// Loads the archive and checks that it is a checkpoint this build can read.
InputArchive openArchive(const std::string& path, c10::Device device)
{
  if (!std::filesystem::is_regular_file(path)) throw Error("checkpoint " + path + ": no such file");
  InputArchive archive;
  try {
    archive.load_from(path, device);
  } catch (const std::exception&) {
    throw Error("checkpoint " + path + ": not a Seesaw checkpoint, or damaged (LibTorch cannot read it as an archive)");
  }
  c10::IValue format, version;
  if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat)
    throw Error("checkpoint " + path + ": a LibTorch archive, but not a Seesaw checkpoint");
  archive.read("version", version);
  if (version.toInt() > kVersion)
    throw Error("checkpoint " + path + ": format version " + std::to_string(version.toInt()) + " is newer than this Seesaw reads (" +
                std::to_string(kVersion) + ")");
  return archive;
}

// Writes the archive to path.part, then renames it to path; a failed write (a full disk) removes
// the part and throws. LibTorch's own file writer cannot be used: on a failed write it throws
// again from its destructor while the first error unwinds, which terminates the process.
void saveArchive(OutputArchive& archive, const std::string& path)
{
  const std::string partial = path + ".part";
  std::FILE* file = std::fopen(partial.c_str(), "wb");
  if (!file) throw Error("checkpoint " + path + ": cannot create " + partial + ": " + std::strerror(errno));
  int failure = 0;  // the first write's errno; LibTorch is told every write succeeded, so that it finishes
  try {
    archive.save_to([&](const void* data, size_t n) -> size_t {
      errno = 0;
      if (failure == 0 && n > 0 && std::fwrite(data, 1, n, file) != n) failure = errno ? errno : EIO;
      return n;
    });
  } catch (...) {
    std::fclose(file);
    std::remove(partial.c_str());
    throw;
  }
  if (std::fflush(file) != 0 && failure == 0) failure = errno;
  if (std::fclose(file) != 0 && failure == 0) failure = errno;
  std::error_code renamed;
  if (failure == 0) std::filesystem::rename(partial, path, renamed);
  if (failure != 0 || renamed) {
    std::remove(partial.c_str());
    throw Error("checkpoint " + path + ": cannot write it: " + (failure != 0 ? std::strerror(failure) : renamed.message()));
  }
}

}  // namespace

std::string checkpointDirectoryFor(const std::string& tracePath)
{
  std::filesystem::path p(tracePath);
  return p.replace_extension(".checkpoints").string();
}

std::string checkpointFile(const std::string& directory, int64_t step)
{
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld.ckpt", static_cast<long long>(step));
  return (std::filesystem::path(directory) / name).string();
}

void writeCheckpoint(const std::string& path, const CheckpointHeader& header, const TrainingState& state)
{
  try {
    OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("version", c10::IValue(kVersion));
    archive.write("step", c10::IValue(header.step));
    archive.write("config", c10::IValue(toJsonString(header.config)));
    archive.write("trace", c10::IValue(header.trace));
    archive.write("software_version", c10::IValue(header.softwareVersion));
    archive.write("saved_at", c10::IValue(header.savedAt));

    OutputArchive model = nested(archive);
    writeNamed(model, modelTensors(state.model));
    archive.write("model", model);
    OutputArchive optimizer = nested(archive);
    state.optimizer.save(optimizer);
    archive.write("optimizer", optimizer);
    OutputArchive method = nested(archive);
    writeNamed(method, methodTensors(state.method));
    SavedState methodState;
    state.method.saveState(methodState);
    OutputArchive memory = nested(archive);
    writeState(memory, methodState);
    method.write("state", memory);
    archive.write("method", method);
    SavedState order;
    state.order.save(order);
    OutputArchive orderArchive = nested(archive);
    writeState(orderArchive, order);
    archive.write("data_order", orderArchive);
    for (size_t i = 0; i < state.windows.size(); ++i) {
      SavedState window;
      state.windows[i]->save(window);
      OutputArchive windowArchive = nested(archive);
      writeState(windowArchive, window);
      archive.write("window" + std::to_string(i), windowArchive);
    }

    saveArchive(archive, path);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("checkpoint " + path + ": cannot write it: " + firstLine(e.what()));
  }
}

namespace {

CheckpointHeader readHeader(InputArchive& archive, const std::string& path)
{
  try {
    CheckpointHeader h;
    c10::IValue step;
    archive.read("step", step);
    h.step = step.toInt();
    const std::string config = readText(archive, "config");
    h.trace = readText(archive, "trace");
    h.softwareVersion = readText(archive, "software_version");
    h.savedAt = readText(archive, "saved_at");
    h.config = parseRunConfig(config, "checkpoint " + path, "");
    return h;
  } catch (const c10::Error&) {
    throw Error("checkpoint " + path + ": its header is incomplete or damaged");
  }
}

}  // namespace

CheckpointHeader readCheckpointHeader(const std::string& path)
{
  InputArchive archive = openArchive(path, c10::kCPU);
  return readHeader(archive, path);
}

CheckpointHeader readCheckpoint(const std::string& path, const TrainingState& state, c10::Device device,
                                const std::function<void(const CheckpointHeader&)>& accept)
{
  InputArchive archive = openArchive(path, device);
  const CheckpointHeader header = readHeader(archive, path);
  accept(header);
  std::string part = "the model";
  try {
    InputArchive model;
    archive.read("model", model);
    readTensors(model, modelTensors(state.model), "model parameter");
    part = "the optimizer";
    InputArchive optimizer;
    archive.read("optimizer", optimizer);
    state.optimizer.load(optimizer);
    part = "the gradient method";
    InputArchive method;
    archive.read("method", method);
    readTensors(method, methodTensors(state.method), "method");
    InputArchive memory;
    method.read("state", memory);
    state.method.loadState(readState(memory));
    part = "the data order";
    InputArchive order;
    archive.read("data_order", order);
    state.order.restore(readState(order));
    for (size_t i = 0; i < state.windows.size(); ++i) {
      part = i == 0 ? "the per-user window" : "the per-item window";
      InputArchive window;
      // A run that recorded no such geometry saved no window: this one opens a fresh one.
      if (archive.try_read("window" + std::to_string(i), window)) state.windows[i]->restore(readState(window));
    }
  } catch (const Error& e) {
    throw Error("checkpoint " + path + ": " + part + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error("checkpoint " + path + ": " + part + " does not fit this run: " + firstLine(e.what()));
  }
  return header;
}

}  // namespace seesaw
