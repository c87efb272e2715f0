"""A streaming web handler: the body's second part waits for a file the test creates
after it received the first part, so the test proves the parts arrive one by one."""

import os
import time
from collections.abc import Iterator
from typing import Any

from minlambda import StreamingResponse, lambda_handler


def _parts(marker: str) -> Iterator[bytes]:
    yield b"first\n"
    deadline = time.monotonic() + 20
    while not os.path.exists(marker) and time.monotonic() < deadline:
        time.sleep(0.01)
    yield b"second\n"


def _failing() -> Iterator[bytes]:
    yield b"partial\n"
    raise RuntimeError("the stream broke")


def _failing_at_once() -> Iterator[bytes]:
    raise RuntimeError("nothing to stream")
    yield b""  # a generator


@lambda_handler(stream=True)
def handler(event: dict[str, Any], context: Any) -> Any:
    path = event.get("rawPath") or event.get("path")
    if path == "/broken":
        return StreamingResponse(200, {"Content-Type": "text/plain"}, body=_failing())
    if path == "/empty-broken":
        return StreamingResponse(200, {"Content-Type": "text/plain"}, body=_failing_at_once())
    if path == "/raw":
        return iter([b"raw ", b"bytes"])
    marker = os.environ["MINLAMBDA_TEST_MARKER"]
    headers = {"Content-Type": "text/plain", "X-Streamed": "yes"}
    return StreamingResponse(207, headers, ["s=1; Path=/"], body=_parts(marker))
