"""Run and test Lambda handlers locally, with no Docker and no AWS account.

`LocalRuntime(handler)` runs a handler in a thread against the embedded emulator;
`Emulator()` serves a runtime started separately (a ``python -m minlambda``
subprocess with ``AWS_LAMBDA_RUNTIME_API=emulator.runtime_api``). Both invoke over
real HTTP and return an `InvokeResult`::

    from minlambda.testing import LocalRuntime

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke({"id": "a", "amount": 2})
        assert result.ok and result.json() == {"id": "a", "total": 4}

With minlambda installed, pytest also has a ``lambda_runtime`` fixture: a function
that starts a `LocalRuntime` for a handler and closes it after the test.
"""

from __future__ import annotations

# imported here so that every thread that runs a handler locally gets a current
# event loop (see Runner.run): libraries ask for it in sync handlers (Mangum)
import asyncio  # noqa: F401
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from minlambda._bootstrap import resolve
from minlambda._concurrency import MODES, Workers, concurrency_from_env
from minlambda._context import FunctionInfo
from minlambda._errors import RuntimeFault, header_value, payload
from minlambda._handler import Handler
from minlambda._local.caller import Headers, HttpResult, InvokeResult
from minlambda._local.emulator import Emulator
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI, RuntimeAPIError

__all__ = ["Emulator", "Headers", "HttpResult", "InvokeResult", "LocalRuntime"]


def local_function(emulator: Emulator) -> FunctionInfo:
    """The function-wide Context values of a handler served by `emulator`."""
    name = emulator.function_name
    return FunctionInfo(
        {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": os.environ.get(
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "3008"
            ),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "$LATEST/local",
        }
    )


class LocalRuntime:
    """A handler served by minlambda's runtime loop, in a thread, against the emulator.

    Parameters
    ----------
    handler : function, handler name or "module.function" string
        What to serve: a (decorated or plain) function, a registered name, or a
        handler string as ``python -m minlambda`` takes it.
    timeout : float, optional
        The function timeout in seconds (default 300, or AWS_LAMBDA_FUNCTION_TIMEOUT).
    function_name : str, optional
        The function name the Context and ARN report.
    max_concurrency : int, optional
        Serve this many invocations at once, as under Lambda Managed Instances
        (``AWS_LAMBDA_MAX_CONCURRENCY``), each worker on its own connection, in the
        mode the handler gets in Lambda (see `concurrency`).
    concurrency : {"processes", "threads", "tasks"}, optional
        With `max_concurrency`: worker processes (the default for ``def``
        handlers: a ``python -m minlambda`` subprocess whose workers each import the
        handler by name, so it must be importable: a module-level function, or a
        "module.function" string), threads in this process (``@lambda_handler(
        concurrency="threads")``) or tasks on one event loop (the default for
        ``async def`` handlers). Default: ``MINLAMBDA_CONCURRENCY``, else the
        handler's own.

    An init failure (a handler string that does not import, say) is reported the way
    the platform reports it: every invocation answers 502 with the init error.
    """

    def __init__(
        self,
        handler: Any,
        *,
        timeout: float | None = None,
        function_name: str | None = None,
        max_concurrency: int | None = None,
        concurrency: str | None = None,
    ) -> None:
        if concurrency not in (None, *MODES):
            raise ValueError(f"concurrency must be one of {', '.join(MODES)}, not {concurrency!r}")
        self.emulator = Emulator(timeout=timeout, function_name=function_name)
        self.max_concurrency = max_concurrency
        self.concurrency = concurrency
        self._process: subprocess.Popen[bytes] | None = None
        self._workers: Workers | None = None
        self._target = handler
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._api: RuntimeAPI | None = None
        self._runner: Runner | None = None
        self.handler: Handler | None = None
        self.init_error: RuntimeFault | None = None
        self.failure: BaseException | None = None

    @property
    def runtime_api(self) -> str:
        """The AWS_LAMBDA_RUNTIME_API address of the emulator."""
        return self.emulator.runtime_api

    @property
    def url(self) -> str:
        """The emulator's invoke URL."""
        return self.emulator.url

    def start(self) -> LocalRuntime:
        """Start the emulator and the runtime thread (done by ``with``)."""
        if self._api is not None:
            return self
        self.emulator.start()
        self._api = RuntimeAPI(self.emulator.runtime_api, warn=_warn)
        try:
            self._start_runtime()
        except BaseException:
            self.close()  # `with` never reaches __exit__ when __enter__ raises
            raise
        return self

    def _start_runtime(self) -> None:
        assert self._api is not None
        try:
            self.handler = resolve(self._target)
        except RuntimeFault as fault:
            self.init_error = fault
            body = payload(fault.error_type, fault.message, "", fault.stack, fault.details)
            self._api.init_error(body, header_value(fault.error_type))
            return
        if self.max_concurrency:
            mode = self.concurrency or concurrency_from_env() or self.handler.mode
            if mode == "processes":
                target = self._target if isinstance(self._target, str) else None
                self._process = spawn_processes(
                    target or importable_name(self.handler),
                    self.emulator,
                    self.max_concurrency,
                )
                return
            self._workers = Workers(
                self.handler,
                self.emulator.runtime_api,
                self.max_concurrency,
                function=local_function(self.emulator),
                warn=_warn,
            ).start()
            return
        runner = self._runner = Runner(
            self.handler, self._api, function=local_function(self.emulator)
        )
        self._thread = threading.Thread(
            target=self._run, args=(runner,), name="minlambda-runtime", daemon=True
        )
        self._thread.start()

    def _run(self, runner: Runner) -> None:
        # leave SIGINT/SIGTERM to the main thread (see Emulator._serve)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        try:
            runner.run(self._stop)
        except RuntimeAPIError as exc:
            if not self._stop.is_set():
                self.failure = exc
                _warn(f"the runtime stopped: {exc}")
        except BaseException as exc:  # SystemExit in a handler, say: the runtime is gone
            self.failure = exc
            _warn(f"the runtime stopped: {type(exc).__name__}: {exc}")
            # closing its connection is how the emulator learns it crashed (502)
            runner.api.connection.close()

    def invoke(
        self,
        event: Any = None,
        *,
        client_context: Any = None,
        identity: Any = None,
        tenant_id: str | None = None,
        timeout: float | None = None,
    ) -> InvokeResult:
        """Invoke the handler over HTTP and wait for the result (see `Emulator.invoke`)."""
        if self._api is None:
            self.start()
        return self.emulator.invoke(
            event,
            client_context=client_context,
            identity=identity,
            tenant_id=tenant_id,
            timeout=timeout,
        )

    def http(
        self,
        method: str,
        path: str,
        *,
        headers: Any = None,
        body: bytes | str | None = None,
        json: Any = None,
        source: str = "function-url",
    ) -> HttpResult:
        """Send one HTTP request to the handler as `source` ("function-url",
        "apigw-v2", "apigw-v1" or "alb") would deliver it, and return the HTTP
        response that source would give (see `Emulator.http`)::

            response = runtime.http("GET", "/orders/42?expand=1")
            assert response.status == 200 and response.json()["id"] == "42"
        """
        if self._api is None:
            self.start()
        return self.emulator.http(
            method, path, headers=headers, body=body, json=json, source=source
        )

    def close(self) -> None:
        """Stop the runtime thread (or processes) and the emulator."""
        self._stop.set()
        if self._process is not None:
            stop_process(self._process)
        if self._workers is not None:
            self._workers.close()
        if self._api is not None:
            self._api.connection.abort()
        self.emulator.close()
        if self._thread is not None:
            self._thread.join(10)
        if self._api is not None:
            self._api.close()
        if self._runner is not None:
            self._runner.close()
            if self._runner.trace_env is not None:
                self._runner.trace_env.set(None)

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def importable_name(handler: Handler) -> str:
    """How a worker process names `handler` to import it: "module:function", or
    "path/to/script.py:function" for a script run as __main__; ValueError when it has
    no such name (a nested function, a lambda)."""
    func = handler.func
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    found = sys.modules.get(module or "")
    if found is not None and qualname and "<" not in qualname and "." not in qualname:
        if getattr(found, qualname, None) is not None:
            if module != "__main__":
                return f"{module}:{qualname}"
            path = getattr(found, "__file__", None)
            if path:
                return f"{os.path.abspath(path)}:{qualname}"
    raise ValueError(
        f"{handler.name} runs in worker processes (concurrency='processes', the default for "
        "def handlers), which import it by name, and it has none: define it at the top of a "
        "module, pass 'module.function', or choose concurrency='threads'"
    )


def runtime_env(emulator: Emulator) -> dict[str, str]:
    """The environment of a `python -m minlambda` subprocess served by `emulator`."""
    function = local_function(emulator)
    env = dict(os.environ)
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": emulator.runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": function.function_version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_limit_in_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
            "AWS_LAMBDA_LOG_STREAM_NAME": function.log_stream_name,
            # the subprocess imports what this process can import
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if isinstance(p, str) and p),
        }
    )
    return env


def spawn_processes(target: str, emulator: Emulator, count: int) -> subprocess.Popen[bytes]:
    """`python -m minlambda TARGET` in processes mode against `emulator`."""
    env = runtime_env(emulator)
    env["AWS_LAMBDA_MAX_CONCURRENCY"] = str(count)
    env["MINLAMBDA_CONCURRENCY"] = "processes"
    return subprocess.Popen([sys.executable, "-m", "minlambda", target], env=env)


def stop_process(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM (the workers run their shutdown hooks), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _warn(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
