#include "train/data_parallel.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "util/error.h"

namespace seesaw {
namespace {

std::optional<std::string> variable(const char* name)
{
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

int64_t integerVariable(const char* name, int64_t min, int64_t max)
{
  const auto text = variable(name);
  if (!text) throw Error(std::string("environment variable ") + name + " is not set (data parallelism needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)");
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno == ERANGE || value < min || value > max)
    throw Error(std::string("environment variable ") + name + ": expected a whole number in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], found '" + *text + "'");
  return value;
}

}  // namespace

std::optional<ProcessGroupSetup> processGroupFromEnvironment()
{
  if (!variable("RANK") && !variable("WORLD_SIZE")) return std::nullopt;
  ProcessGroupSetup s;
  s.worldSize = static_cast<int>(integerVariable("WORLD_SIZE", 1, 4096));
  s.rank = static_cast<int>(integerVariable("RANK", 0, s.worldSize - 1));
  s.localRank = variable("LOCAL_RANK") ? static_cast<int>(integerVariable("LOCAL_RANK", 0, s.worldSize - 1)) : s.rank;
  s.masterAddr = variable("MASTER_ADDR").value_or("");
  if (s.masterAddr.empty()) throw Error("environment variable MASTER_ADDR is not set: the address of rank 0's machine");
  s.masterPort = static_cast<int>(integerVariable("MASTER_PORT", 1, 65535));
  if (variable("SEESAW_DIST_TIMEOUT")) s.timeout = std::chrono::seconds(integerVariable("SEESAW_DIST_TIMEOUT", 1, 86400));
  return s;
}

struct DataParallel::Group
{
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};

DataParallel::DataParallel(const ProcessGroupSetup& setup) : setup_(setup), group_(std::make_unique<Group>())
{
  const std::string where = setup.masterAddr + ":" + std::to_string(setup.masterPort);
  const auto seconds = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(setup.timeout).count());
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(setup.masterPort);
    options.isServer = setup.rank == 0;
    options.numWorkers = setup.worldSize;
    options.waitWorkers = true;
    options.timeout = setup.timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(setup.masterAddr, options);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(setup.rank) + ": cannot " + (setup.rank == 0 ? "serve" : "reach") + " the process group's store at " +
                where + " with all " + std::to_string(setup.worldSize) + " ranks within " + seconds + " s (MASTER_ADDR, MASTER_PORT; a port in use, a rank that never started): " +
                std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
  }
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(setup.timeout);
    // The address other ranks reach this one at: the interface that routes to rank 0's.
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    group_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, setup.rank, setup.worldSize, options);
  } catch (const std::exception& e) {
    throw Error("rank " + std::to_string(setup.rank) + ": cannot join the Gloo process group at " + where + ": " +
                std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
  }
}

DataParallel::~DataParallel() = default;

std::string DataParallel::backend() const { return "gloo"; }

void DataParallel::sum(at::Tensor& tensor, const std::string& what)
{
  std::vector<at::Tensor> tensors = {tensor};
  const auto start = std::chrono::steady_clock::now();
  try {
    group_->gloo->allreduce(tensors)->wait();
    traffic_.collectives += 1;
    traffic_.bytes += static_cast<int64_t>(tensor.nbytes());
    traffic_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } catch (const std::exception& e) {
    const std::string silent = silentRanks();
    throw Error("rank " + std::to_string(rank()) + ": " + what + " failed: " +
                (silent.empty() ? std::string("another rank stopped or did not answer") : silent + " stopped or hangs (it did not report the failure)") +
                " (timeout " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(setup_.timeout).count()) + " s; " +
                std::string(e.what()).substr(0, std::string(e.what()).find('\n')) + ")");
  }
}

std::string DataParallel::silentRanks()
{
  // Every rank that meets the failure says so in the store; those that have not after a grace
  // period died or hang. Without the store (rank 0 hosts it), rank 0 is the one gone.
  const auto key = [](int r) { return "seesaw/failed/" + std::to_string(r); };
  try {
    group_->store->setTimeout(std::chrono::seconds(5));
    group_->store->set(key(rank()), std::vector<uint8_t>{1});
    std::this_thread::sleep_for(std::chrono::seconds(2));
    std::string silent;
    int count = 0;
    for (int r = 0; r < worldSize(); ++r)
      if (r != rank() && !group_->store->check({key(r)})) silent += (count++ ? ", " : "") + std::to_string(r);
    return count == 0 ? std::string() : (count == 1 ? "rank " : "ranks ") + silent;
  } catch (const std::exception&) {
    return rank() == 0 ? std::string() : "rank 0 (which holds the group's store)";
  }
}

std::vector<int64_t> DataParallel::gather(int64_t value, const std::string& what)
{
  at::Tensor all = at::zeros({worldSize()}, at::kLong);
  all[rank()] = value;
  sum(all, what);
  const auto* v = all.data_ptr<int64_t>();
  return {v, v + worldSize()};
}

at::Tensor DataParallel::gatherRows(const at::Tensor& mine, const std::string& what)
{
  const std::vector<int64_t> counts = gather(mine.size(0), what);
  int64_t offset = 0, total = 0;
  for (int r = 0; r < worldSize(); ++r) {
    if (r == rank()) offset = total;
    total += counts[static_cast<size_t>(r)];
  }
  // Each rank's rows in its place among zeros, summed: an all-gather of unequal parts through the
  // one collective whose failures sum() names.
  std::vector<int64_t> shape = mine.sizes().vec();
  shape[0] = total;
  at::Tensor all = at::zeros(shape, mine.options());
  all.narrow(0, offset, mine.size(0)).copy_(mine);
  if (all.numel() > 0) sum(all, what);  // every rank knows the counts: none waits alone
  return all;
}

void DataParallel::requireSame(int64_t value, const std::string& what)
{
  const std::vector<int64_t> all = gather(value, "comparing " + what);
  std::string differ;
  for (int r = 1; r < worldSize(); ++r)
    if (all[static_cast<size_t>(r)] != all[0]) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  if (!differ.empty()) throw Error("rank " + differ + (differ.find(',') == std::string::npos ? " differs" : " differ") + " from rank 0 in " + what);
}

}  // namespace seesaw
