"""Cold start as users get it: minlambda installed from its wheel into a fresh venv
(msgspec and nothing else), against awslambdaric in a venv of its own.

    python benchmarks/coldstart_wheel.py [--runs 25] [--keep DIR]

Builds the wheel of this checkout, makes the two venvs (pip, from the package index),
byte-compiles them as pip does, and times from spawning each runtime on a hello-world
handler to its first `GET /next` on a listening socket, alternating the peers run after
run. A `python -c` that only connects is the baseline. Prints JSON: median, min and
max per peer, in milliseconds. The development venv is not what users run: it has
typing_extensions (through which msgspec imports inspect) and an editable finder.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "def handler(event, context):\n    return {'hello': 'world'}\n"
CONNECT = (
    "import os, socket; s = socket.create_connection(('127.0.0.1', int(os.environ['PORT'])));"
    " s.sendall(b'GET /2018-06-01/runtime/invocation/next HTTP/1.1\\r\\n\\r\\n'); s.recv(1)"
)


def venv(path: Path, *packages: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    *packages], check=True)  # fmt: skip
    subprocess.run([str(python), "-m", "compileall", "-q", str(path / "lib")], check=False,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return python


def first_request_ms(command: list[str], cwd: Path) -> float:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
        env.update(AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", PORT=str(port))
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            connection, _ = server.accept()
            with connection:
                connection.recv(64)
                return (time.monotonic() - started) * 1000
        finally:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--keep", help="make the venvs in DIR and keep them")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="minlambda-cold-"))
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "wheel"),
                    str(ROOT)], check=True)  # fmt: skip
    wheel = next((work / "wheel").glob("minlambda-*.whl"))
    ours = venv(work / "minlambda", str(wheel))
    theirs = venv(work / "awslambdaric", "awslambdaric")
    app = work / "app"
    app.mkdir(exist_ok=True)
    (app / "app.py").write_text(APP)
    peers = {
        "python -c that only connects": [str(ours), "-c", CONNECT],
        "minlambda (wheel)": [str(ours), "-m", "minlambda", "app.handler"],
        "awslambdaric": [str(theirs), "-m", "awslambdaric", "app.handler"],
    }
    times: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(args.runs):
        for name, command in peers.items():
            times[name].append(first_request_ms(command, app))
    print(json.dumps({
        name: {"median_ms": round(statistics.median(v), 1), "min_ms": round(min(v), 1),
               "max_ms": round(max(v), 1)}
        for name, v in times.items()
    }, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
