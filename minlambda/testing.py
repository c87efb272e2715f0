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
import sys
import threading
from typing import Any

from minlambda._bootstrap import resolve
from minlambda._concurrency import Workers
from minlambda._context import FunctionInfo
from minlambda._emulator import Emulator
from minlambda._errors import RuntimeFault, header_value, payload
from minlambda._handler import Handler
from minlambda._invoker import InvokeResult
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI, RuntimeAPIError

__all__ = ["Emulator", "InvokeResult", "LocalRuntime"]


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
        (``AWS_LAMBDA_MAX_CONCURRENCY``): that many workers, each on its own
        connection; an ``async def`` handler's invocations overlap on one event loop.

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
    ) -> None:
        self.emulator = Emulator(timeout=timeout, function_name=function_name)
        self.max_concurrency = max_concurrency
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

    def close(self) -> None:
        """Stop the runtime thread and the emulator."""
        self._stop.set()
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


def _warn(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
