#include "util/allocator.h"

#include <malloc.h>

namespace seesaw {

void keepFreedMemory()
{
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
}

}  // namespace seesaw
