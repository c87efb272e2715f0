# Keep large buffers in the heap (glibc).
#
# glibc serves an allocation over its mmap threshold with a fresh mmap() and trims
# the heap's free top back to the OS past its trim threshold; both are adjusted
# dynamically, and a runtime that allocates and frees a few megabytes per invocation
# (the event, its decoded form, the response) ends up faulting fresh pages in on
# every one: about 0.6 ms of CPU per 1 MB event here, 70% more than the event costs
# otherwise, and already 80 µs per 100 KB event (the heap's top, trimmed and grown
# again with brk every time). Raising both thresholds once, after the first invocation
# with an event of 64 KiB (one read) or more (its result already posted),
# keeps those pages mapped for the next invocation. The memory stays with the
# process at its peak, which on Lambda is reserved for it anyway. Functions that only
# see small events never pay the `ctypes` import (about 4 ms).
from __future__ import annotations

from typing import Final

__all__ = ["LARGE", "keep_large_buffers"]

LARGE: Final = 64 * 1024  # an event at least this big triggers the tuning
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_DONE: list[bool] = []


def keep_large_buffers() -> bool:
    """Raise glibc's mmap and trim thresholds, once; False where there is no mallopt."""
    if _DONE:
        return _DONE[0]
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        ok = bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(
            mallopt(_M_TRIM_THRESHOLD, 128 << 20)
        )
    except (ImportError, OSError, AttributeError):  # no ctypes, or not glibc (musl)
        ok = False
    _DONE.append(ok)
    return ok
