#pragma once
// seesaw-train --nproc N: N ranks of one data-parallel run on this machine, each this very program
// with the same arguments and the variables a launcher sets (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT). Debian's torchrun (torch 1.13)
// fails under Python 3.11, so this is what a Debian machine has.

namespace seesaw {

// The ranks get a process group of their own, so that a terminal's Ctrl-C reaches the launcher
// alone, which passes each SIGINT and SIGTERM on to every rank once; they start with both blocked
// (seesaw-train unblocks them once its handler is in place) and end with the launcher.
// Starts the ranks and waits for them all; returns the first non-zero exit status among them (a
// rank killed by a signal counts as 128 + the signal), or 0. A rank still running 10 s past its
// collectives' timeout (SEESAW_DIST_TIMEOUT) after another failed hangs, and is killed. Throws
// seesaw::Error when a rank cannot be started.
int launchLocalRanks(int ranks, char** argv);

}  // namespace seesaw
