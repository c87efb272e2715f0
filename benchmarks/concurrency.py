"""Concurrency and streaming: throughput under Lambda Managed Instances, and time to
first byte of a streamed response.

    python benchmarks/concurrency.py [--invocations 160]

1. `python -m minlambda slow_apps.io_bound` (an async handler doing 50 ms of I/O)
   against the local emulator, driven by 8 concurrent callers, once with the
   sequential runtime and once with AWS_LAMBDA_MAX_CONCURRENCY=8: invocations per
   second of each, and their ratio (the target is >= 5).
2. `python -m minlambda slow_apps.ticker` (a streaming handler: a chunk, then 100 ms,
   five times): time to the first byte at the caller against time to the last.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from minlambda.testing import Emulator  # noqa: E402

INVOKE = "/2015-03-31/functions/function/invocations"


def runtime(emulator: Emulator, handler: str, **env: str) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    environ.update(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}", **env)
    return subprocess.Popen([sys.executable, "-m", "minlambda", handler], env=environ, cwd=HERE)


def post(emulator: Emulator, body: bytes) -> bytes:
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=60)
    try:
        conn.request("POST", INVOKE, body=body)
        return conn.getresponse().read()
    finally:
        conn.close()


def throughput(invocations: int, **env: str) -> float:
    with Emulator() as emulator:
        proc = runtime(emulator, "slow_apps.io_bound", **env)
        try:
            post(emulator, b"{}")  # the runtime is up
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(lambda _: post(emulator, b"{}"), range(invocations)))
            elapsed = time.monotonic() - started
        finally:
            proc.kill()
            proc.wait()
    assert all(json.loads(r) == {"ok": True} for r in replies), replies[:3]
    return invocations / elapsed


def first_byte(runs: int) -> dict[str, float]:
    ttfb, total = [], []
    with Emulator() as emulator:
        proc = runtime(emulator, "slow_apps.ticker")
        try:
            post(emulator, b"{}")
            for _ in range(runs):
                conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=60)
                started = time.monotonic()
                conn.request("POST", INVOKE, body=b"{}")
                answer = conn.getresponse()
                answer.read1()
                ttfb.append(time.monotonic() - started)
                answer.read()
                total.append(time.monotonic() - started)
                conn.close()
        finally:
            proc.kill()
            proc.wait()
    return {"ttfb_ms": round(statistics.median(ttfb) * 1000, 1),
            "total_ms": round(statistics.median(total) * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invocations", type=int, default=160)
    args = parser.parse_args()
    sequential = throughput(args.invocations)
    concurrent = throughput(args.invocations, AWS_LAMBDA_MAX_CONCURRENCY="8")
    result = {
        "io_bound_50ms": {
            "sequential_per_s": round(sequential, 1),
            "max_concurrency_8_per_s": round(concurrent, 1),
            "ratio": round(concurrent / sequential, 2),
        },
        "streaming_5x100ms": first_byte(10),
    }
    print(json.dumps(result, indent=1))
    return 0 if result["io_bound_50ms"]["ratio"] >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
