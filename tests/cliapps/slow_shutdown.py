"""A function whose @on_shutdown hook takes long: a second Ctrl-C must cut it short."""

from __future__ import annotations

import time
from typing import Any

from minlambda import on_shutdown


def handler(event: Any, context: Any) -> dict[str, bool]:
    return {"ok": True}


@on_shutdown
def linger() -> None:
    print("shutdown started", flush=True)
    time.sleep(60)
