#include "util/regular_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace seesaw {

void requireRegularFile(const std::string& path, const std::string& what)
{
  struct stat s {};
  if (::stat(path.c_str(), &s) != 0) throw Error(path + ": cannot open " + what + " (" + std::strerror(errno) + ")");
  if (S_ISREG(s.st_mode)) return;
  const char* kind = S_ISDIR(s.st_mode) ? "a directory" : S_ISFIFO(s.st_mode) ? "a FIFO (named pipe)" : S_ISCHR(s.st_mode) ? "a character device"
                     : S_ISBLK(s.st_mode) ? "a block device" : S_ISSOCK(s.st_mode) ? "a socket" : "not a file";
  throw Error(path + ": the " + what + " is " + kind + ", not a regular file");
}

}  // namespace seesaw
