"""The glibc heap tuning that keeps large event buffers mapped (see minlambda/_malloc.py):
it happens once, on the first large event, in a real runtime process."""

from __future__ import annotations

import subprocess
import sys

from conftest import clean_env

CODE = """
import sys
from minlambda import _malloc, lambda_handler
from minlambda.testing import LocalRuntime

@lambda_handler
def size(event: dict) -> int:
    return len(event["data"])

with LocalRuntime(size) as runtime:
    small = runtime.invoke({"data": "x" * 60_000}).json()
    print(small, bool(_malloc._DONE), "ctypes" in sys.modules)
    big = runtime.invoke({"data": "x" * 70_000}).json()
    # (tuned after the result went out: the next invocation starts after that)
    runtime.invoke({"data": ""})
    print(big, _malloc._DONE)
    again = runtime.invoke({"data": "x" * 400_000}).json()
    runtime.invoke({"data": ""})
    print(again, _malloc._DONE)
"""


def test_the_first_large_event_tunes_malloc_once_and_small_ones_never():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         env=clean_env(), timeout=60, check=True).stdout.splitlines()
    assert out[0] == "60000 False False"  # no ctypes import for small events
    assert out[1] == "70000 [True]"  # glibc here: mallopt answered 1 for both
    assert out[2] == "400000 [True]"  # once
