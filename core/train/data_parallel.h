#pragma once
// Data parallelism on PyTorch's own c10d engine (docs/distributed.md): the ranks of one run join a
// process group through a TCPStore that rank 0 hosts, and all-reduce over Gloo. Every rank draws
// the same global batches (the data order is seeded alike), computes the task gradients of its
// share (the rows of its users: a user's rows meet on one rank) and the shares are summed, each
// weighted by its rows, so that every recorded quantity and every update is the global batch's.
//
// c10d stays behind this header: the trainer's translation units do not compile its headers.

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace seesaw {

struct ProcessGroupSetup
{
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;  // the rank on this machine (its GPU, on CUDA)
  std::string masterAddr;
  int masterPort = 0;
  // How long a collective, or joining the group, may wait for the other ranks.
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
};

// The launchers' variables (torchrun, SLURM wrappers, Kubernetes, seesaw-train --nproc): RANK,
// WORLD_SIZE, MASTER_ADDR, MASTER_PORT and LOCAL_RANK, with SEESAW_DIST_TIMEOUT (seconds) for the
// timeout. None when RANK and WORLD_SIZE are both unset; throws seesaw::Error naming a variable
// that is missing or wrong.
std::optional<ProcessGroupSetup> processGroupFromEnvironment();

class DataParallel
{
public:
  // Joins the group; throws seesaw::Error naming the address when it cannot within the timeout (a
  // wrong MASTER_ADDR, a port taken, a rank that never came).
  explicit DataParallel(const ProcessGroupSetup& setup);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return setup_.rank; }
  int worldSize() const { return setup_.worldSize; }
  std::string backend() const;

  // Sums a contiguous CPU tensor over the ranks, in place. `what` names the step's collective in
  // the error thrown when the other ranks do not answer within the timeout.
  void sum(at::Tensor& tensor, const std::string& what);
  // Every rank's value, by rank.
  std::vector<int64_t> gather(int64_t value, const std::string& what);
  // Every rank's rows of a CPU tensor (the same shape but the first dimension), one after another
  // in rank order, on every rank: for what is gathered now and then, not every step.
  at::Tensor gatherRows(const at::Tensor& mine, const std::string& what);
  // What this rank's collectives moved and how long it waited in them (the ranks' work included:
  // a collective ends when the slowest rank has joined it).
  struct Traffic
  {
    int64_t collectives = 0;
    int64_t bytes = 0;   // of the tensors summed, as each rank holds them
    double seconds = 0;
  };
  const Traffic& traffic() const { return traffic_; }
  // Throws seesaw::Error naming the ranks whose value differs from rank 0's (`what` says what the
  // value is: "the run config", "the parameters after step 100").
  void requireSame(int64_t value, const std::string& what);

private:
  // After a failed collective: the ranks that did not report the failure too ("rank 1"), or empty.
  std::string silentRanks();

  struct Group;
  ProcessGroupSetup setup_;
  std::unique_ptr<Group> group_;
  Traffic traffic_;
};

// Which rank a row belongs to: the rank of its user (code modulo the world size), so that a user's
// per-user sums are complete on one rank.
inline int rankOfUser(int64_t userCode, int worldSize) { return static_cast<int>(userCode % worldSize); }

}  // namespace seesaw
