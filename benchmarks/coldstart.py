"""Cold start: from spawning a runtime process to its first GET /next.

    python benchmarks/coldstart.py [--runs 20]

A listening socket stands in for the Runtime API; the time is taken when the first
request has arrived. Runs alternate between the peers; prints JSON with the median
and minimum per peer (milliseconds), plus `python -X importtime -c "import minlambda"`'s
heaviest modules.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import compile_sources

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def peers() -> dict[str, list[str]]:
    py = sys.executable
    out = {
        "python -c pass": [py, "-c", "import socket, os; socket.create_connection(('127.0.0.1', int(os.environ['AWS_LAMBDA_RUNTIME_API'].split(':')[1]))).sendall(b'GET / HTTP/1.1\\r\\n\\r\\n')"],
        "floor": [py, str(HERE / "floor.py")],
        "minlambda": [py, "-m", "minlambda", "apps.echo"],
    }
    if importlib.util.find_spec("awslambdaric") is not None:
        out["awslambdaric"] = [py, "-m", "awslambdaric", "apps.echo"]
    return out


def once(command: list[str]) -> float:
    listener = socket.create_server(("127.0.0.1", 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    env.update(AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{listener.getsockname()[1]}",
               PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}")
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn, _ = listener.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    elapsed = time.monotonic() - started
    proc.kill()
    proc.wait()
    conn.close()
    listener.close()
    return elapsed * 1000


def import_profile() -> list[tuple[str, int]]:
    """The modules `import minlambda._bootstrap` spends most time in (self, µs)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import minlambda._bootstrap"],
                          capture_output=True, text=True, cwd=HERE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((parts[2].strip(), int(parts[0])))
    return sorted(rows, key=lambda row: -row[1])[:15]


def main() -> int:
    compile_sources()
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in peers()}
    for _ in range(args.runs):
        for name, command in peers().items():
            times[name].append(once(command))
    result = {name: {"median_ms": round(statistics.median(t), 1), "min_ms": round(min(t), 1)}
              for name, t in times.items()}
    result["import_self_us"] = dict(import_profile())
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
