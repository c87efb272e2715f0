"""Serving real apps under `python -m awslambdaric` and `python -m minlambda`, side by side.

General-purpose helpers for the compatibility suite of tests/compat (frameworks and
instrumentation alike); nothing here knows about a particular framework.

- `Server`: one runtime subprocess (`python -m awslambdaric` or `python -m minlambda`)
  against its own `minlambda.testing.Emulator`, with the environment Lambda sets. It
  stays up for many invocations (share one per app and runtime: a module-scoped
  fixture), its stdout and stderr go to files that can be read at any moment, and it
  runs in its own process group so that the worker processes of
  AWS_LAMBDA_MAX_CONCURRENCY go down with it.
- `cli_invoke`: one `python -m minlambda invoke HANDLER --event JSON`.
- `load_event`: a sample of tests/events/, parsed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import clean_env

from minlambda.testing import Emulator, InvokeResult

TESTS = Path(__file__).resolve().parent.parent
EVENTS = TESTS / "events"
RIC, ML = "awslambdaric", "minlambda"
RUNTIMES = (RIC, ML)
FUNCTION = "compat-fn"
REGION_ACCOUNT = "us-east-1:012345678912"
ARN = f"arn:aws:lambda:{REGION_ACCOUNT}:function:{FUNCTION}"
TIMEOUT = 30  # the function timeout, seconds: the emulator's deadline
MEMORY = "256"
# What Lambda sets in a function's environment (the emulator sets the ARN and the
# deadline itself, from its function_name and timeout).
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": MEMORY,
    "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION}",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2024/05/01/[$LATEST]0123456789abcdef",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "LAMBDA_TASK_ROOT": str(TESTS),
    # awslambdaric makes stdout unbuffered itself; set for both so that what a
    # handler printed is in the file by the time its response is back
    "PYTHONUNBUFFERED": "1",
}


def lambda_env(**env: str | None) -> dict[str, str]:
    """A clean environment with what Lambda sets, plus `env` (None removes a name)."""
    return clean_env(**{**LAMBDA_ENV, **env})


class Server:
    """`python -m <runtime> HANDLER` against a fresh Emulator, up until `close()`.

    The first invocation waits for init (the emulator holds it until the runtime
    polls). `env` adds to (None: removes from) the Lambda environment.
    """

    def __init__(
        self,
        runtime: str,
        handler: str,
        *,
        cwd: Path = TESTS,
        args: list[str] | None = None,
        **env: str | None,
    ) -> None:
        self.runtime = runtime
        self.handler = handler
        self.emulator = Emulator(function_name=FUNCTION, timeout=TIMEOUT).start()
        self._dir = tempfile.TemporaryDirectory(prefix="compat-")
        self._out_path = Path(self._dir.name) / "stdout"
        self._err_path = Path(self._dir.name) / "stderr"
        environ = lambda_env(
            AWS_LAMBDA_RUNTIME_API=self.emulator.runtime_api, _HANDLER=handler, **env
        )
        command = [sys.executable, "-m", runtime, *([handler] if args is None else args)]
        with open(self._out_path, "wb") as out, open(self._err_path, "wb") as err:
            self.proc = subprocess.Popen(
                command, env=environ, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                stderr=err, start_new_session=True,
            )  # fmt: skip
        self.returncode: int | None = None

    def __repr__(self) -> str:
        return f"<Server {self.runtime} {self.handler}>"

    def invoke(self, event: Any = None, **options: Any) -> InvokeResult:
        """One invocation, through the emulator's invoke endpoint."""
        return self.emulator.invoke(event, **options)

    def invoke_all(self, events: list[Any]) -> list[InvokeResult]:
        """The events all at once, each from its own thread; results in event order."""
        with ThreadPoolExecutor(len(events)) as pool:
            return list(pool.map(self.emulator.invoke, events))

    @property
    def stdout(self) -> str:
        """What the runtime and the function wrote on stdout so far."""
        return self._out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self._err_path.read_text(errors="replace")

    def close(self) -> None:
        """SIGTERM the process group (the runtime and its workers), SIGKILL what is left."""
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        else:
            self.returncode = self.proc.returncode
        _signal_group(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)
        self.emulator.close()

    def cleanup(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.cleanup()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@contextmanager
def servers(
    handler: str, *, runtimes: tuple[str, ...] = RUNTIMES, **kwargs: Any
) -> Iterator[dict[str, Server]]:
    """The same handler under each runtime at once: {runtime: Server}."""
    started: dict[str, Server] = {}
    try:
        for runtime in runtimes:
            started[runtime] = Server(runtime, handler, **kwargs)
        yield started
    finally:
        for server in started.values():
            server.close()
            server.cleanup()


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_invoke(handler: str, event: Any, *, cwd: Path = TESTS, **env: str | None) -> CliResult:
    """`python -m minlambda invoke HANDLER --event JSON` in the Lambda environment."""
    proc = subprocess.run(
        [sys.executable, "-m", "minlambda", "invoke", handler, "--event", json.dumps(event)],
        env=lambda_env(**env), cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=60,
    )  # fmt: skip
    return CliResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def load_event(name: str) -> dict[str, Any]:
    """A sample event of tests/events/ (a fresh copy each time)."""
    with open(EVENTS / name, "rb") as file:
        event: dict[str, Any] = json.load(file)
    return event
