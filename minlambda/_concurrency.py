# Lambda Managed Instances: several invocations at once in one process.
#
# With AWS_LAMBDA_MAX_CONCURRENCY=N the runtime keeps N GET /next polls in flight:
# N worker threads, each with its own connection and Runner, all sharing the one
# handler (init runs once). An `async def` handler's coroutines run as tasks on one
# event loop that lives in a thread of its own, so N of them overlap on that loop.
# Per-invocation state lives in contextvars (minlambda.current_context()), never in
# process globals; _X_AMZN_TRACE_ID is not touched.
#
# A worker that fails (a handler that raises SystemExit, a bug of ours) is logged
# and started again; the others go on. A Runtime API that fails ends the process,
# as in the single-invocation loop.
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from minlambda._context import FunctionInfo
from minlambda._handler import Handler
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI, RuntimeAPIError

__all__ = ["Workers", "concurrency_from_env", "max_concurrency", "redirect_output"]

MODES = ("processes", "threads", "tasks")
LOG_SOCKET_ENV = "_LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET"


def max_concurrency(environ: dict[str, str] | os._Environ[str] = os.environ) -> int | None:
    """AWS_LAMBDA_MAX_CONCURRENCY as a positive int, None when it is not set."""
    text = environ.get("AWS_LAMBDA_MAX_CONCURRENCY", "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) > 0:
        return int(text)
    sys.stderr.write(
        f"minlambda: ignoring AWS_LAMBDA_MAX_CONCURRENCY={text!r}: not a positive number\n"
    )
    return None


def concurrency_from_env(
    environ: dict[str, str] | os._Environ[str] = os.environ, *, quiet: bool = False
) -> str | None:
    """MINLAMBDA_CONCURRENCY (processes, threads or tasks), None when it is not set
    (or is none of these: a warning on stderr, unless `quiet`)."""
    text = environ.get("MINLAMBDA_CONCURRENCY", "").strip().lower()
    if not text:
        return None
    if text in MODES:
        return text
    if not quiet:
        sys.stderr.write(
            f"minlambda: ignoring MINLAMBDA_CONCURRENCY={text!r}: expected one of {', '.join(MODES)}\n"
        )
    return None


def redirect_output(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """A worker process's stdout and stderr, as the platform expects of a Python
    runtime's workers: each a connection to the Unix socket that
    _LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET names (nothing when it is not set)."""
    path = environ.get(LOG_SOCKET_ENV)
    if not path:
        return
    import socket

    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    for fd in (1, 2):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.connect(path)
            os.dup2(connection.fileno(), fd)


def _quiet_signals() -> None:
    # SIGINT and SIGTERM are for the main thread (see Emulator._serve)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


class Workers:
    """N workers serving one handler against one Runtime API address."""

    def __init__(
        self,
        handler: Handler,
        address: str,
        count: int,
        *,
        function: FunctionInfo | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.handler = handler
        self.address = address
        self.count = count
        self.function = function
        self.warn = warn or _stderr
        self.stop = threading.Event()
        self.failure: RuntimeAPIError | None = None
        self.failed = threading.Event()
        self.loop: Any = None
        self._loop_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._apis: dict[int, RuntimeAPI] = {}
        self._lock = threading.Lock()

    def start(self) -> Workers:
        if self.handler.uses_loop:
            import asyncio

            self.loop = asyncio.new_event_loop()
            self._loop_thread = threading.Thread(
                target=self._run_loop, name="minlambda-loop", daemon=True
            )
            self._loop_thread.start()
        for index in range(self.count):
            thread = threading.Thread(
                target=self._work, args=(index,), name=f"minlambda-worker-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return self

    def _run_loop(self) -> None:
        _quiet_signals()
        import asyncio

        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def wait(self) -> RuntimeAPIError:
        """Block until the Runtime API fails; return why."""
        self.failed.wait()
        assert self.failure is not None
        return self.failure

    def _work(self, index: int) -> None:
        _quiet_signals()
        while not self.stop.is_set():
            api = RuntimeAPI(self.address, warn=self.warn)
            with self._lock:
                self._apis[index] = api
            runner = Runner(
                self.handler,
                api,
                function=self.function,
                concurrent=True,
                shared_loop=self.loop,
            )
            try:
                runner.run(self.stop)
                return
            except RuntimeAPIError as exc:
                if not self.stop.is_set():
                    self.failure = exc
                    self.failed.set()
                return
            except BaseException as exc:  # the worker failed, not the API: start it again
                self.warn(f"worker {index} failed ({type(exc).__name__}: {exc}); starting it again")
            finally:
                api.close()
                runner.close()  # the thread's event loop, when it made one

    def close(self) -> None:
        """Stop every worker (tests and the local emulator)."""
        self.stop.set()
        with self._lock:
            apis = list(self._apis.values())
        for api in apis:
            api.connection.abort()
        for thread in self._threads:
            thread.join(5)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            if self._loop_thread is not None:
                self._loop_thread.join(5)
            self.loop.close()


def _stderr(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
