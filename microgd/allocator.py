"""Keep freed memory in the process, so numpy's big temporaries stop page-faulting.

Every op of a training step makes fresh numpy arrays, and the step frees them again.
With glibc's default settings, arrays above the mmap threshold (128 KB at first,
raised as big blocks are freed) and the free top of the heap above the trim
threshold go back to the operating system on every step; the next step then
page-faults the same memory in again, a few hundred faults per step at the
lessons' sizes (1000 x 100 float64 activations) and a third of the step's time.
PyTorch avoids this with its own caching allocator. microgd asks glibc (mallopt(3))
to serve blocks up to 32 MB from the heap (the largest threshold glibc's own
dynamic rule would reach) and to keep up to 64 MB of free heap before trimming.

``import microgd`` applies it on Linux with glibc unless the environment opts out:
``MICROGD_KEEP_MEMORY=0``, or any glibc ``MALLOC_*_`` tunable set by the user
(their choice wins). Nothing happens on other platforms.
"""

import ctypes
import os
import sys

__all__ = ["keep_freed_memory"]

MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20
_M_TRIM_THRESHOLD = -1  # mallopt parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold=MMAP_THRESHOLD, trim_threshold=TRIM_THRESHOLD):
    """Ask glibc to serve blocks below ``mmap_threshold`` from the heap and to keep
    up to ``trim_threshold`` bytes of free heap; True if it took effect.

    Args:
        mmap_threshold: blocks at least this big get their own mapping. Default 32 MB.
        trim_threshold: free heap kept before returning memory to the OS. Default 64 MB.
    """
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"keep_freed_memory: {name} must be a non-negative int of "
                             f"bytes, got {value!r}")
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
                and libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold))


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library the interpreter runs on
        libc.gnu_get_libc_version  # only glibc has it (musl, for one, does not)
        libc.mallopt
    except (OSError, AttributeError):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return libc


def _apply_default():
    """What ``import microgd`` does; see the module docstring."""
    if os.environ.get("MICROGD_KEEP_MEMORY", "1") == "0":
        return False
    if any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ):
        return False
    return keep_freed_memory()
