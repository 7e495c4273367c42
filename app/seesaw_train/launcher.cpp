#include "launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
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

}  // namespace

int launchLocalRanks(int ranks, char** argv)
{
  const std::string port = std::to_string(freePort());
  std::vector<pid_t> children;
  for (int rank = 0; rank < ranks; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error("--nproc: cannot start rank " + std::to_string(rank) + ": " + std::strerror(errno));
    if (pid == 0) {
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
  int status = 0;
  for (size_t left = children.size(); left > 0; --left) {
    int code = 0;
    const pid_t pid = ::wait(&code);
    if (pid < 0) break;
    const int exit = WIFEXITED(code) ? WEXITSTATUS(code) : 128 + WTERMSIG(code);
    if (exit != 0 && status == 0) status = exit;
  }
  return status;
}

}  // namespace seesaw
