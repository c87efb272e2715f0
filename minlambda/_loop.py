# The invocation loop: next, decode, call, encode, post; and what ends it.
#
# `Runner` owns one handler and one RuntimeAPI. `run()` loops until the Runtime
# API fails (RuntimeAPIError, which the caller turns into one stderr line and a
# non-zero exit) or, in tests and the local emulator, until `stop` is set. Every
# failure of one invocation (a bad event, the handler's exception, a response that
# does not fit) is posted on that invocation's /error and the loop goes on.
#
# Per invocation the environment is not read again, except `_X_AMZN_TRACE_ID`,
# which is written (or removed) in os.environ's mapping without calling the C
# `setenv`: glibc keeps every value ever passed to setenv alive, so a per-invocation
# setenv grows the process without bound (the official runtime's leak).
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from minlambda import _errors
from minlambda._context import (
    CURRENT,
    Context,
    FunctionInfo,
    Slot,
    invocation_context,
    parse_client_context,
    parse_identity,
)
from minlambda._errors import RuntimeFault
from minlambda._handler import RAW_RESULTS, Handler, decode_fault, marshal_fault
from minlambda._http import ProtocolError
from minlambda._logging import log_unhandled
from minlambda._malloc import LARGE, keep_large_buffers
from minlambda._runtime_api import InvalidInvocation, Invocation, RuntimeAPI, RuntimeAPIError

if TYPE_CHECKING:
    import threading
    from contextvars import Token

    from minlambda._eager import EagerLoop

_new_context = object.__new__

__all__ = ["Runner", "TraceEnv"]

TRACE_ENV: Final = "_X_AMZN_TRACE_ID"
XRAY_CAUSE_HEADER: Final = "Lambda-Runtime-Function-XRay-Error-Cause"
# The platform's limit for a buffered response: 6 MiB + 100 bytes. Past it the
# invoker would get an opaque error; the runtime reports a structured one instead.
MAX_RESPONSE: Final = 6_291_556
# After a malformed answer to /next, wait before asking again, doubling up to this
# cap, so a Runtime API that keeps sending garbage cannot make us spin.
MAX_RETRY_PAUSE: Final = 1.0


class TraceEnv:
    """Sets `_X_AMZN_TRACE_ID` in os.environ without the C setenv (see the top)."""

    def __init__(self) -> None:
        environ = os.environ
        self.key = environ.encodekey(TRACE_ENV)
        self.encoding = sys.getfilesystemencoding()  # what os.environ encodes with
        self.data: dict[Any, Any] = environ._data  # type: ignore[attr-defined]
        # the value the process started with lives in C environ too: drop it there once
        environ.pop(TRACE_ENV, None)

    def set(self, value: str | None) -> None:
        # (Runner.handle does the same inline)
        if value:
            self.data[self.key] = value.encode(self.encoding, "surrogateescape")
        else:
            self.data.pop(self.key, None)


class Runner:
    """Runs one handler against one Runtime API."""

    def __init__(
        self,
        handler: Handler,
        api: RuntimeAPI,
        *,
        log_error: Callable[[str, str, list[str], str], None] = log_unhandled,
        function: FunctionInfo | None = None,
        concurrent: bool = False,
        shared_loop: Any = None,
    ) -> None:
        self.handler = handler
        self.api = api
        self.function = function if function is not None else FunctionInfo()
        # `concurrent`: this runner is one of several workers (Lambda Managed
        # Instances); the process-wide trace variable means nothing then and is left
        # alone. Their async handlers run on `shared_loop`, in a thread of its own.
        self.trace_env: TraceEnv | None = None if concurrent else TraceEnv()
        self.log_error = log_error
        self._shared_loop = shared_loop
        self._context: Context | None = None
        self._slot = Slot()
        self._watch: Any = None
        self.watchdog: Any = None
        if os.environ.get("MINLAMBDA_DEADLINE_WARNING_MS"):
            from minlambda._watchdog import from_environment

            self.watchdog = from_environment()
        self._loop: Any = None
        self._owns_loop = False
        self._closed = False  # close() ran: no new loop for an invocation still running
        self._in_run = False  # run() is going on (in the runner's thread)
        # how the handler's coroutines run on that loop (see _eager)
        self._eager: EagerLoop | None = None
        # free-threaded builds start threads in a copy of the starter's context
        # (-X thread_inherit_context, on by default there)
        self._own_slots = handler.uses_loop or bool(getattr(sys.flags, "thread_inherit_context", 0))
        if handler.uses_loop:
            # at init, not in the first invocation's latency
            import minlambda._eager  # noqa: F401

    def run(self, stop: threading.Event | None = None) -> None:
        """Serve events until the Runtime API fails (RuntimeAPIError) or `stop` is set."""
        if self._loop is None and (self.handler.uses_loop or "asyncio" in sys.modules):
            # code that uses asyncio may ask for the thread's loop in a sync handler
            # (Mangum's get_event_loop()): this thread gets one, as the official
            # runtime's main thread has. Without asyncio imported, nothing can ask.
            self._start_event_loop()
        self._closed = False
        self._in_run = True
        loop, owned = self._loop, self._owns_loop
        eager = hooks = None
        if self.handler.uses_loop and self._shared_loop is None:
            # the loop's async generator hooks, once for the whole run
            eager = self._eager_loop()
            hooks = eager.install_hooks()
        token = CURRENT.set(self._slot)
        try:
            self._serve(stop)
        finally:
            CURRENT.reset(token)
            if eager is not None:
                # (this one: close() may have dropped the runner's meanwhile)
                eager.remove_hooks(hooks)
            self._in_run = False
            if self._closed and owned and not loop.is_closed():
                # close() came (from another thread) while this ran: the loop is
                # closed here, where nothing runs on it any more
                loop.close()

    def _serve(self, stop: threading.Event | None) -> None:
        pause = 0.0
        while stop is None or not stop.is_set():
            try:
                invocation = self.api.next()
            except (ProtocolError, InvalidInvocation) as exc:
                if stop is not None and stop.is_set():
                    return
                self.api.warn(f"Ignoring a malformed answer to GET /next: {exc}")
                pause = min(MAX_RETRY_PAUSE, pause * 2 or 0.01)
                time.sleep(pause)
                continue
            except RuntimeAPIError:
                if stop is not None and stop.is_set():
                    return
                raise
            pause = 0.0
            self.handle(invocation)

    def handle(self, invocation: Invocation) -> None:
        """Run the handler on one event and post its result or error."""
        # one flat method for the whole of an ordinary invocation: it runs for every
        # event, and each Python call it saves is measurable (docs/benchmarks.md)
        handler = self.handler
        headers = invocation.headers
        get = headers.get
        trace = get("lambda-runtime-trace-id")
        trace_env = self.trace_env
        if trace_env is not None:
            if trace:
                trace_env.data[trace_env.key] = trace.encode(trace_env.encoding, "surrogateescape")
            else:
                trace_env.data.pop(trace_env.key, None)
        body = invocation.body
        large = len(body) >= LARGE
        deadline = get("lambda-runtime-deadline-ms", "")
        try:
            deadline_ms = int(deadline)
        except ValueError:
            deadline_ms = 0
            self.api.warn(
                f"Invalid Lambda-Runtime-Deadline-Ms {deadline[:40]!r}: the deadline is taken as passed"
            )
        if "lambda-runtime-cognito-identity" in headers or "lambda-runtime-client-context" in headers:
            try:
                context = self._mobile_context(invocation, deadline_ms)
            except RuntimeFault as fault:
                return self._post_fault(invocation, fault)
        else:
            # a Context without Context.__init__'s argument handling
            context = _new_context(Context)
            context.aws_request_id = invocation.request_id
            context.deadline_ms = deadline_ms
            context.invoked_function_arn = get("lambda-runtime-invoked-function-arn", "")
            context.trace_id = trace
            context.tenant_id = get("lambda-runtime-aws-tenant-id")
            context.client_context = None
            context._identity = None
            context._function = self.function
        self._context = context
        decode = handler.decoder
        if decode is None:
            event = body if type(body) is bytes else bytes(body)
        else:
            try:
                event = decode(body)
            except Exception as exc:
                return self._post_fault(invocation, decode_fault(exc, body))
        slot = self._slot
        token: Token[Slot | None] | None
        if self._own_slots:
            # tasks (and, where threads inherit the context, threads) copy the
            # context they start in: each invocation its own slot, so what it
            # started keeps seeing it
            own = _new_context(Slot)  # (no __init__: a Python call less)
            own.context = context
            token = CURRENT.set(own)
        else:
            # the runner's slot is set once (in run()); only its content changes
            token = None if CURRENT.get() is slot else CURRENT.set(slot)
            slot.context = context
        watchdog = self.watchdog
        if watchdog is not None:
            self._watch = watchdog.arm(invocation.request_id, context.deadline_ms)
        try:
            try:
                arity = handler.arity
                if arity == 2:
                    result = handler.call(event, context)
                elif arity == 1:
                    result = handler.call(event)
                else:
                    result = handler.call()
                if handler.is_async:
                    eager = self._eager
                    if eager is None:
                        result = self.run_coroutine(result)
                    else:
                        result = eager.run(result, self._watch)
            except Exception as exc:
                return self._post_exception(invocation, exc)
            if handler.stream:
                return self._stream(invocation, result)
            kind = type(result)
            if kind is handler.response_class or (
                handler.response_any and kind not in RAW_RESULTS
            ):
                # handler.encode's common case, without the call
                try:
                    data = handler.json_encode(result)
                except Exception as exc:
                    return self._post_fault(invocation, marshal_fault(exc))
                content_type = "application/json"
            else:
                try:
                    data, content_type = handler.encode(result)
                except RuntimeFault as fault:
                    return self._post_fault(invocation, fault)
            if len(data) > MAX_RESPONSE:
                # the platform would refuse it and tell the invoker nothing useful
                message = (
                    f"Response payload size ({len(data)} bytes) exceeded maximum allowed "
                    f"payload size ({MAX_RESPONSE} bytes)."
                )
                return self._post_fault(
                    invocation, RuntimeFault("Function.ResponseSizeTooLarge", message)
                )
            try:
                self.api.respond(invocation, data, content_type)
            except ProtocolError as exc:
                self.api.warn(
                    f"The answer to POST response for {invocation.request_id!r} was malformed: {exc}"
                )
        finally:
            slot.context = None
            if token is not None:
                CURRENT.reset(token)
            if watchdog is not None:
                watchdog.disarm(self._watch)
                self._watch = None
            if large:
                # once, after the result went out: the first large invocation's
                # latency does not include importing ctypes (see _malloc)
                keep_large_buffers()

    def run_coroutine(self, coroutine: Any) -> Any:
        """Run a coroutine of the handler's to completion on the process's loop."""
        if self._shared_loop is not None:
            import asyncio

            # a task of its own on the shared loop, with this invocation's Context
            task = asyncio.run_coroutine_threadsafe(
                _in_context(coroutine, self._context, self._watch), self._shared_loop
            )
            return task.result()
        if self._closed and self._eager is None:
            # an invocation that outlived close() (LocalRuntime gives a runner thread
            # 10 s to stop): a new loop would never be closed
            coroutine.close()
            raise RuntimeError("The runtime was closed during this invocation")
        return self._eager_loop().run(coroutine, self._watch)

    def _eager_loop(self) -> EagerLoop:
        eager = self._eager
        if eager is None:
            from minlambda._eager import EagerLoop

            eager = self._eager = EagerLoop(self._loop or self._start_event_loop())
        return eager

    def _stream(self, invocation: Invocation, result: Any) -> None:
        # nothing goes out before the first chunk: until then a failure is an
        # ordinary error post; after it, the stream ends with the error trailers
        from minlambda._streaming import HTTP_INTEGRATION, StreamingResponse, chunks

        response = result if isinstance(result, StreamingResponse) else None
        try:
            pull = chunks(result if response is None else response.body, self.run_coroutine)
            prelude = b"" if response is None else response.prelude()
            first = _first_chunk(pull)
        except Exception as exc:
            return self._post_exception(invocation, exc)
        api = self.api
        api.open_stream(
            invocation, "application/octet-stream" if response is None else HTTP_INTEGRATION
        )
        api.stream(prelude)
        api.stream(first or b"")
        while first is not None:
            try:
                data = pull()
            except StopIteration:
                break
            except Exception as exc:
                error_type, message, stack = _errors.exception_fault(exc)
                self.log_error(error_type, message, stack, invocation.request_id)
                body = _errors.payload(error_type, message, invocation.request_id, stack)
                self._end_stream(invocation, _errors.header_value(error_type), body)
                return
            api.stream(data)
        self._end_stream(invocation, None, b"")

    def _end_stream(self, invocation: Invocation, error_type: str | None, body: bytes) -> None:
        try:
            self.api.close_stream(invocation, error_type, body)
        except ProtocolError as exc:
            self.api.warn(
                f"The answer to a streamed response for {invocation.request_id!r} was malformed: {exc}"
            )

    def _post_exception(self, invocation: Invocation, exc: Exception) -> None:
        error_type, message, stack = _errors.exception_fault(exc)
        self.log_error(error_type, message, stack, invocation.request_id)
        body = _errors.payload(error_type, message, invocation.request_id, stack)
        cause = _errors.xray_cause(exc, error_type, message)
        self._post_error(invocation, body, _errors.header_value(error_type), cause)

    def close(self) -> None:
        """Close the event loop this runner made (the local emulator and tests; in
        Lambda the loop lives as long as the process)."""
        loop, self._loop = self._loop, None
        self._eager = None
        self._closed = True
        if loop is not None and self._owns_loop and not self._in_run:
            # (while run() goes on in the runner's thread, an invocation may be on
            # the loop, or about to be: it is closed there when run() ends)
            loop.close()

    def _start_event_loop(self) -> Any:
        # one loop for the life of the process, so clients made on it are reused: the
        # thread's own when init code set one, else a new one that becomes the thread's
        self._loop, self._owns_loop = thread_event_loop()
        self._eager = None
        return self._loop

    def _mobile_context(self, invocation: Invocation, deadline_ms: int) -> Context:
        # mobile SDK invocations only: the identity and client context headers
        headers = invocation.headers
        identity = client_context = None
        raw_identity = headers.get("lambda-runtime-cognito-identity")
        raw_client = headers.get("lambda-runtime-client-context")
        try:
            if raw_identity:
                identity = parse_identity(raw_identity)
            if raw_client:
                client_context = parse_client_context(raw_client)
        except ValueError as exc:
            raise RuntimeFault("Runtime.LambdaContextUnmarshalError", str(exc)) from None
        return invocation_context(
            invocation.request_id, deadline_ms, headers, self.function, identity, client_context
        )

    def _post_fault(self, invocation: Invocation, fault: RuntimeFault) -> None:
        self.log_error(fault.error_type, fault.message, fault.stack, invocation.request_id)
        body = _errors.payload(
            fault.error_type, fault.message, invocation.request_id, fault.stack, fault.details
        )
        self._post_error(invocation, body, _errors.header_value(fault.error_type))

    def _post_error(
        self, invocation: Invocation, body: bytes, header: str, xray_cause: str | None = None
    ) -> None:
        extra = [(XRAY_CAUSE_HEADER, xray_cause)] if xray_cause else None
        try:
            self.api.fail(invocation, body, header, extra)
        except ProtocolError as exc:
            self.api.warn(
                f"The answer to POST error for {invocation.request_id!r} was malformed: {exc}"
            )


def thread_event_loop() -> tuple[Any, bool]:
    """The calling thread's current asyncio event loop, made and set when it has none
    (or a closed one); and whether it was made here."""
    import asyncio

    loop = None
    if threading_main():
        # get_event_loop() would make one here (3.12 and 3.13 with a
        # DeprecationWarning; 3.14 raises), and silencing that warning would swap the
        # process-wide filters under other threads: ask the policy what is set
        loop = _set_loop()
    else:
        try:
            loop = asyncio.get_event_loop()  # another thread: raises when none was set
        except RuntimeError:
            pass
    if loop is not None and not loop.is_closed():
        return loop, False
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop, True


def _set_loop() -> Any:
    """The main thread's current loop (None when none is set), without making one."""
    import asyncio

    events: Any = asyncio.events
    # 3.14 deprecates get_event_loop_policy() and keeps it as _get_event_loop_policy
    policy = getattr(events, "_get_event_loop_policy", events.get_event_loop_policy)()
    local = getattr(policy, "_local", None)
    if local is not None and hasattr(local, "_loop"):
        return local._loop
    # another policy (uvloop's derives from the default one): its own answer, where a
    # loop it would make with a DeprecationWarning is taken as the thread's
    try:
        return policy.get_event_loop()
    except RuntimeError:
        return None


def threading_main() -> bool:
    """Whether this is the main thread (without importing threading at cold start:
    before it is imported, no other thread was started with it)."""
    threading = sys.modules.get("threading")
    return threading is None or threading.current_thread() is threading.main_thread()


def _first_chunk(pull: Callable[[], bytes]) -> bytes | None:
    """The first non-empty chunk, or None when the stream is empty."""
    while True:
        try:
            data = pull()
        except StopIteration:
            return None
        if data:
            return data


async def _in_context(coroutine: Any, context: Context | None, watch: Any) -> Any:
    CURRENT.set(Slot(context))  # a task runs in a copy of the context: this stays in it
    if watch is not None:
        import asyncio

        watch.task = asyncio.current_task()
    return await coroutine
