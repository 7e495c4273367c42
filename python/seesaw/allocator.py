"""Keeping freed memory in the process, as seesaw-train does (core/util/allocator.cpp).

A training step allocates and frees the same large temporaries every time, and the recorder's
per-task gradients add K-fold ones. With glibc's defaults the largest are mmap'd and unmapped each
step and the heap's top is given back to the kernel, so every step faults its pages in again; on W1
that costs more than the arithmetic (docs/benchmarks.md). This raises glibc's thresholds, for the
whole process: the loop's own steps get faster too, and the memory stays with the process.
"""
import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD_MAX = 32 << 20  # glibc refuses more on 64-bit systems


def keep_freed_memory():
    """Returns whether the C library took the settings (False where it is not glibc)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return all([mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) == 1, mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1,
                mallopt(M_TOP_PAD, 64 << 20) == 1])
