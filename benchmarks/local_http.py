"""Request overhead of `python -m minlambda local --http`: a hello-world route served
as a Function URL, against the invoke endpoint of the same server, one caller on a
kept-alive connection (a developer's browser or curl loop), in one run.

    python benchmarks/local_http.py [--seconds 3] [--rounds 3]

Each round measures both peers for `--seconds` each, alternating, and the report gives
min/median/max requests per second of each and the median latency: what a developer
waits for, on top of their own code, per request. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INVOKE = "/2015-03-31/functions/function/invocations"
APP = """
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": "hello"}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    (folder / "hello_http.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [sys.executable, "-m", "minlambda", "local", "hello_http.handler", "--http",
         "--port", str(port)],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    assert b"serving" in process.stdout.readline()
    return process


def drive(port: int, method: str, path: str, body: bytes | None, seconds: float) -> list[float]:
    """Latencies (s) of back-to-back requests on one connection for `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    end = time.perf_counter() + seconds
    try:
        while (start := time.perf_counter()) < end:
            conn.request(method, path, body=body)
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            latencies.append(time.perf_counter() - start)
    finally:
        conn.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    import tempfile

    peers = {
        "http_get": ("GET", "/hello?name=world", None),
        "invoke_endpoint": ("POST", INVOKE, b'{"rawPath": "/hello"}'),
    }
    rates: dict[str, list[float]] = {name: [] for name in peers}
    latency: dict[str, list[float]] = {name: [] for name in peers}
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        process = serve(Path(folder), port)
        try:
            for method, path, body in peers.values():  # warm up
                drive(port, method, path, body, 0.3)
            for _ in range(options.rounds):
                for name, (method, path, body) in peers.items():
                    got = drive(port, method, path, body, options.seconds)
                    rates[name].append(len(got) / sum(got))
                    latency[name].append(statistics.median(got))
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(10)
    report = {
        "python": sys.version.split()[0],
        "seconds_per_sample": options.seconds,
        "requests_per_s": {
            name: {
                "min": round(min(v), 1),
                "median": round(statistics.median(v), 1),
                "max": round(max(v), 1),
            }
            for name, v in rates.items()
        },
        "median_latency_ms": {
            name: round(statistics.median(v) * 1000, 3) for name, v in latency.items()
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
