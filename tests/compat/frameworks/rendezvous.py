"""A meeting point for concurrent invocations, across threads and processes.

The `/slow/{i}` route of every app calls `meet(batch, i)`: it announces itself (a
file in $COMPAT_RENDEZVOUS) and waits until all four invocations of its batch have
announced. Four that meet were in flight at the same moment, whatever the machine's
speed; four served one at a time never meet (each gives up after `timeout`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PARTIES = 4


def meet(batch: str | None, who: str, *, timeout: float = 15.0, parties: int = PARTIES) -> int:
    """How many of the batch had arrived when this one left (`parties`, or fewer after
    `timeout`); 0 without a batch (a plain call, no one to meet)."""
    if not batch:
        return 0
    root = Path(os.environ["COMPAT_RENDEZVOUS"])
    (root / f"{batch}.{who}").touch()
    deadline = time.monotonic() + timeout
    while True:
        seen = len(list(root.glob(f"{batch}.*")))
        if seen >= parties or time.monotonic() > deadline:
            return seen
        time.sleep(0.01)
