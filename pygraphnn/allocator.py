"""Keep freed memory for the next allocation instead of giving it back to the system.

A training step on the CPU allocates and frees the same large tensors every step (the
``T*B x vocabulary`` logits and their gradient, the weight gradients). glibc's ``malloc``
serves blocks above its *mmap threshold* with a fresh ``mmap`` and unmaps them on
``free``, and trims the top of its heap when enough is free at its end; either way the
next step's tensor of the same size starts on pages the kernel has to fault in and zero
again. On the PTB ``small`` step that is 4,500 to 11,600 page faults a step and 10 to 30%
of the step's time (``python -m benchmarks.ptb_throughput --malloc glibc`` against the
default ``--malloc reuse``).

:func:`reuse_freed_memory` raises both thresholds so the heap keeps those blocks. It is a
process-wide setting of the C library, so the library never calls it by itself: the
training commands (``python -m models.ptb train``, ``python -m models.charrnn train``) and
the benchmarks do, and a program of yours can::

    import pygraphnn as ng
    ng.reuse_freed_memory()          # True under glibc; False (and nothing changed) elsewhere

The process's peak memory grows by at most the largest step's transient tensors, which
it then keeps for the next step.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# blocks up to this size come from the heap (glibc's largest accepted mmap threshold on
# 64-bit systems is 32 MiB without tunables; a larger request keeps its own mapping)
_MMAP_THRESHOLD = 1 << 30
_TRIM_THRESHOLD = 1 << 31


def reuse_freed_memory() -> bool:
    """Ask glibc's ``malloc`` to keep freed large blocks for reuse (see the module's
    docstring). Returns whether the setting took effect: ``False`` on other C libraries
    (macOS, Windows, musl), where nothing is changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
    return mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1 and ok
