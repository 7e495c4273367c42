#include "launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "util/error.h"

namespace seesaw {
namespace {

// A port no one listens on now, for rank 0's store (the kernel's pick for port 0).
int freePort()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("--nproc: cannot open a socket to find a free port: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw Error(std::string("--nproc: cannot find a free port on 127.0.0.1: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

// The signals the launcher received, for the ranks, counted: SIGINT asks them to stop after a step
// (together), a second one ends them at once; SIGTERM ends them.
volatile std::sig_atomic_t interrupts = 0, terminations = 0;
extern "C" void count(int signal) { ++(signal == SIGINT ? interrupts : terminations); }

}  // namespace

int launchLocalRanks(int ranks, char** argv)
{
  const std::string port = std::to_string(freePort());
  // Blocked until each side has its handler (a rank's comes after LibTorch has loaded): a Ctrl-C
  // meanwhile waits instead of killing a rank before it joins, which would leave the others
  // waiting for it until the timeout. The mask goes through execv.
  sigset_t stopping;
  sigemptyset(&stopping);
  sigaddset(&stopping, SIGINT);
  sigaddset(&stopping, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stopping, nullptr);
  const pid_t launcher = ::getpid();
  std::vector<pid_t> children;
  for (int rank = 0; rank < ranks; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("--nproc: cannot start rank " + std::to_string(rank) + ": " + std::strerror(errno));
    if (pid == 0) {
      // Their own process group: a terminal's Ctrl-C reaches the launcher alone, which passes it on
      // once to every rank; and the ranks end with the launcher, however it ends.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(1);  // the launcher died before the line above
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(ranks).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(ranks).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      ::execv("/proc/self/exe", argv);
      std::cerr << "seesaw-train: --nproc: cannot start rank " << rank << ": " << std::strerror(errno) << "\n";
      ::_exit(127);
    }
    children.push_back(pid);
  }
  // Once a rank has failed, the others end on their own within their collectives' timeout; one that
  // hangs (stopped, deadlocked) would keep the launcher waiting for ever, so it is killed after that
  // timeout and 10 s more.
  const char* timeout = std::getenv("SEESAW_DIST_TIMEOUT");
  const int grace = (timeout ? std::atoi(timeout) : 300) + 10;
  std::signal(SIGINT, count);
  std::signal(SIGTERM, count);
  ::sigprocmask(SIG_UNBLOCK, &stopping, nullptr);
  int status = 0;
  std::sig_atomic_t interruptsPassed = 0, terminationsPassed = 0;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  for (size_t left = children.size(); left > 0;) {
    for (; interruptsPassed < interrupts; ++interruptsPassed)
      for (pid_t child : children)
        if (child > 0) ::kill(child, SIGINT);
    for (; terminationsPassed < terminations; ++terminationsPassed)
      for (pid_t child : children)
        if (child > 0) ::kill(child, SIGTERM);
    int code = 0;
    const pid_t pid = ::waitpid(-1, &code, WNOHANG);
    if (pid < 0) break;
    if (pid == 0) {
      if (std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      for (size_t r = 0; r < children.size(); ++r)
        if (children[r] > 0) {
          std::cerr << "seesaw-train: --nproc: rank " << r << " still runs " << grace << " s after another failed: killed\n";
          ::kill(children[r], SIGKILL);
        }
      deadline = std::chrono::steady_clock::time_point::max();
      continue;
    }
    --left;
    for (pid_t& child : children)
      if (child == pid) child = 0;
    const int exit = WIFEXITED(code) ? WEXITSTATUS(code) : 128 + WTERMSIG(code);
    if (exit != 0 && status == 0) {
      status = exit;
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
    }
  }
  return status;
}

}  // namespace seesaw
