"""Cold start as users get it: minlambda installed from its wheel into a fresh venv
(msgspec and nothing else), against awslambdaric in a venv of its own.

    python benchmarks/coldstart_wheel.py [--runs 25] [--keep DIR] [--realistic]

Builds the wheel of this checkout, makes the two venvs (pip, from the package index),
byte-compiles them as pip does, and times from spawning each runtime on a hello-world
handler to its first `GET /next` on a listening socket, alternating the peers run after
run. A `python -c` that only connects is the baseline. With --realistic, both venvs get
boto3, FastAPI and Mangum too, and three functions are timed from spawn to their first
response (what an invoker waits for): hello world, one that creates a boto3 S3 client
at init, and a FastAPI app through Mangum answering an HTTP API event. Prints JSON:
median, min and max per peer, in milliseconds. The development venv is not what users run: it has
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = "def handler(event, context):\n    return {'hello': 'world'}\n"
APPS = {
    "hello": APP,
    "boto3": (
        "import boto3\n"
        "s3 = boto3.client('s3', region_name='us-east-1')\n"
        "def handler(event, context):\n    return {'client': type(s3).__name__}\n"
    ),
    "fastapi": (
        "from fastapi import FastAPI\nfrom mangum import Mangum\n"
        "api = FastAPI()\n"
        "@api.get('/hello')\ndef hello():\n    return {'hello': 'world'}\n"
        "handler = Mangum(api, lifespan='off')\n"
    ),
}
HTTP_EVENT = json.dumps({
    "version": "2.0", "routeKey": "$default", "rawPath": "/hello", "rawQueryString": "",
    "headers": {"host": "example.com"}, "isBase64Encoded": False,
    "requestContext": {"accountId": "123456789012", "apiId": "api", "domainName": "example.com",
                       "domainPrefix": "example", "requestId": "r", "routeKey": "$default",
                       "stage": "$default", "time": "04/Dec/2026:00:00:00 +0000",
                       "timeEpoch": 1796342400000,
                       "http": {"method": "GET", "path": "/hello", "protocol": "HTTP/1.1",
                                "sourceIp": "127.0.0.1", "userAgent": "bench"}},
}).encode()
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


@contextmanager
def _spawned(command: list[str], cwd: Path, **env: str) -> Iterator[tuple[socket.socket, float]]:
    """Spawn `command` against a listening socket as its Runtime API: the connection it
    made and when it was spawned (time.monotonic()); it is killed afterwards."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
        environ.update(AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", **env)
        started = time.monotonic()
        process = subprocess.Popen(command, env=environ, cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            connection, _ = server.accept()
            with connection:
                yield connection, started
        finally:
            process.kill()
            process.wait()


def first_request_ms(command: list[str], cwd: Path) -> float:
    with _spawned(command, cwd) as (connection, started):
        connection.recv(64)
        return (time.monotonic() - started) * 1000


def _read_request(connection: socket.socket, pending: bytes) -> tuple[bytes, bytes]:
    """One request (head and Content-Length body) and what follows it."""
    while b"\r\n\r\n" not in pending:
        chunk = connection.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        pending += chunk
    head, _, rest = pending.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        rest += connection.recv(65536)
    return head, rest[length:]


def first_response_ms(command: list[str], cwd: Path, event: bytes) -> float:
    """Spawn to the first response posted: answer the first GET /next with `event`."""
    env = dict(AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")  # fmt: skip
    with _spawned(command, cwd, **env) as (connection, started):
        head, pending = _read_request(connection, b"")
        assert head.startswith(b"GET "), head
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"
            b"Lambda-Runtime-Deadline-Ms: %d\r\n"
            b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n"
            b"Content-Length: %d\r\n\r\n" % (int(time.time() * 1000) + 60_000, len(event))
            + event
        )
        head, _ = _read_request(connection, pending)
        elapsed = (time.monotonic() - started) * 1000
        assert head.startswith(b"POST ") and b"/response" in head.split(b"\r\n")[0], head
        return elapsed


def realistic(runs: int, ours: Path, theirs: Path, work: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, source in APPS.items():
        folder = work / f"app-{name}"
        folder.mkdir(exist_ok=True)
        (folder / "app.py").write_text(source)
        event = HTTP_EVENT if name == "fastapi" else b"{}"
        peers = {
            "minlambda (wheel)": [str(ours), "-m", "minlambda", "app.handler"],
            "awslambdaric": [str(theirs), "-m", "awslambdaric", "app.handler"],
        }
        times: dict[str, list[float]] = {peer: [] for peer in peers}
        for _ in range(runs):
            for peer, command in peers.items():
                times[peer].append(first_response_ms(command, folder, event))
        out[name] = {
            peer: {"median_ms": round(statistics.median(v), 1), "min_ms": round(min(v), 1),
                   "max_ms": round(max(v), 1)}
            for peer, v in times.items()
        }  # fmt: skip
        print(json.dumps({name: out[name]}), file=sys.stderr, flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--keep", help="make the venvs in DIR and keep them")
    parser.add_argument("--realistic", action="store_true",
                        help="spawn to first response for hello world, boto3 and FastAPI")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="minlambda-cold-"))
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "wheel"),
                    str(ROOT)], check=True)  # fmt: skip
    wheel = next((work / "wheel").glob("minlambda-*.whl"))
    extra = ["boto3", "fastapi", "mangum"] if args.realistic else []
    ours = venv(work / "minlambda", str(wheel), *extra)
    theirs = venv(work / "awslambdaric", "awslambdaric", *extra)
    if args.realistic:
        print(json.dumps({"first_response": realistic(args.runs, ours, theirs, work)}, indent=1))
        return 0
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
