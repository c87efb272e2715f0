# Outside Lambda: serve a handler on the local emulator, or run one invocation.
#
# `serve_local` is what serve() and `python -m minlambda local` do when
# AWS_LAMBDA_RUNTIME_API is not set: the emulator listens (127.0.0.1:9000 unless
# told otherwise), one line says where and how to call it, and the runtime loop runs
# in the main thread, as it does in Lambda, until Ctrl-C. `invoke_once` is
# `python -m minlambda invoke`: one invocation, the payload alone on stdout.
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

from minlambda import _agents
from minlambda._bootstrap import load_handler, prepare_sys_path
from minlambda._errors import RuntimeFault, payload
from minlambda._handler import Handler
from minlambda._hooks import run_shutdown_locally
from minlambda._local.emulator import Emulator
from minlambda._logging import configure
from minlambda._logging import log_unhandled as log_error
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI, RuntimeAPIError

if TYPE_CHECKING:
    import subprocess

__all__ = ["DEFAULT_PORT", "invoke_once", "local_port", "serve_local"]

DEFAULT_PORT = 9000


def local_port() -> int:
    """MINLAMBDA_LOCAL_PORT, else 9000."""
    text = os.environ.get("MINLAMBDA_LOCAL_PORT", "").strip()
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 <= int(text) < 65536:
        _fail(2, f"MINLAMBDA_LOCAL_PORT must be a port number, got {text!r}")
    return int(text)


def _fail(code: int, message: str) -> NoReturn:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def serve_local(
    handler: Handler,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float | None = None,
    target: str | None = None,
    http: str | None = None,
) -> NoReturn:
    """Serve `handler` on the local emulator until interrupted (`target`: its name
    as given on the command line, for the worker processes of processes mode; `http`:
    the source every other path is served as, in --http mode)."""
    from minlambda.testing import local_function

    configure()  # logs as in Lambda (once: `local` configured before the import)

    try:
        emulator = listen(host, port, timeout, http)
    except OSError as exc:
        _fail(2, f"cannot listen on {host}:{port if port is not None else local_port()}: {exc}")
    _stop_signals()
    if os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"):
        _serve_workers(handler, emulator, target)
    api = RuntimeAPI(emulator.runtime_api)
    runner = Runner(handler, api, function=local_function(emulator))
    try:
        announce(handler.name, emulator)  # inside the try: a Ctrl-C right after it exits 0 too
        runner.run()
    except KeyboardInterrupt:
        pass
    except RuntimeAPIError as exc:
        _fail(1, f"the local emulator failed: {exc}")
    finally:
        _shutting_down()
        api.close()
        emulator.close()
        run_shutdown_locally(runner.run_coroutine)
        runner.close()
    raise SystemExit(0)


def _stop_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop the local server (KeyboardInterrupt in the main
    thread; the @on_shutdown hooks run), however it was started: a background job of a
    script (`cmd &`) starts with SIGINT ignored, and a local server it could not stop
    with SIGINT would linger."""
    import signal

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)


def _shutting_down(*children: subprocess.Popen[bytes] | None) -> None:
    """The server is stopping (shutdown hooks, workers): a second Ctrl-C or SIGTERM
    ends it at once, quietly, with exit status 130 (128 + SIGINT), after killing
    `children` - not with a KeyboardInterrupt traceback from the middle of the
    shutdown."""
    import signal

    def now(signum: int, frame: object) -> None:
        for child in children:
            if child is not None and child.poll() is None:
                child.kill()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(130)

    signal.signal(signal.SIGINT, now)
    signal.signal(signal.SIGTERM, now)


def listen(host: str, port: int | None, timeout: float | None, http: str | None) -> Emulator:
    """The local emulator, listening (OSError when it cannot)."""
    return Emulator(
        host=host,
        port=local_port() if port is None else port,
        timeout=timeout,
        http_source=http,
        log_requests=http is not None,
    ).start()


_SOURCE_NAMES = {
    "function-url": "a Function URL",
    "apigw-v2": "an API Gateway HTTP API",
    "apigw-v1": "an API Gateway REST API",
    "alb": "an Application Load Balancer",
    "alb-multi-value": "an Application Load Balancer (multi-value headers)",
}


def announce(name: str, emulator: Emulator) -> None:
    """The line that says where the function is served and how to call it."""
    url = emulator.url
    if emulator.http_source is None:
        print(f"minlambda: serving {name} at {url} - try: curl -s -d '{{}}' {url}", flush=True)
        return
    base = f"http://{emulator.host}:{emulator.port}/"
    print(
        f"minlambda: serving {name} behind {_SOURCE_NAMES[emulator.http_source]} at {base}"
        f" - try: curl -s {base} (invoke endpoint: {url})",
        flush=True,
    )


def _serve_workers(handler: Handler, emulator: Emulator, target: str | None) -> NoReturn:
    # AWS_LAMBDA_MAX_CONCURRENCY locally too: several invocations at once, in the
    # mode they would run in Lambda
    from minlambda._concurrency import Workers, concurrency_from_env, max_concurrency
    from minlambda.testing import importable_name, local_function, spawn_processes, stop_process

    count = max_concurrency() or 1
    if (concurrency_from_env() or handler.mode) == "processes":
        try:
            name = target or importable_name(handler)
        except ValueError as exc:
            emulator.close()
            _fail(2, str(exc))
        process = spawn_processes(name, emulator, count)
        try:
            announce(handler.name, emulator)
            code = process.wait()
        except KeyboardInterrupt:
            code = 0
        finally:
            _shutting_down(process)
            stop_process(process)
            emulator.close()
        if code:
            _fail(1, f"the worker processes exited with status {code}")
        raise SystemExit(0)
    workers = Workers(handler, emulator.runtime_api, count, function=local_function(emulator))
    try:
        workers.start()
        announce(handler.name, emulator)
        failure = workers.wait()
    except KeyboardInterrupt:
        failure = None
    finally:
        _shutting_down()
        run_shutdown_locally(None, workers.loop)  # on the handlers' loop, still running
        workers.close()
        emulator.close()
    if failure is not None:
        _fail(1, f"the local emulator failed: {failure}")
    raise SystemExit(0)


def serve_local_target(
    target: str | None,
    *,
    host: str,
    port: int | None,
    timeout: float | None,
    http: str | None = None,
    watch: bool = False,
) -> NoReturn:
    """`python -m minlambda [local] HANDLER` outside Lambda."""
    if watch:
        from minlambda._local.watch import serve_watching

        serve_watching(target, host=host, port=port, timeout=timeout, http=http)
    prepare_sys_path()
    configure()
    try:
        handler = load_handler(target)
    except RuntimeFault as fault:
        log_error(fault.error_type, fault.message, fault.stack)
        raise SystemExit(1) from None
    serve_local(
        _agents.attach(handler), host=host, port=port, timeout=timeout, target=target, http=http
    )


def invoke_once(target: str, event: bytes, *, timeout: float | None = None) -> int:
    """One local invocation of `target`; the exit status of `python -m minlambda invoke`."""
    sys.stdout.flush()
    real_stdout = os.dup(1)
    os.dup2(2, 1)  # from here on, everything the function prints goes to stderr
    try:
        prepare_sys_path()
        configure()  # logs go to fd 1, which is stderr now
        try:
            handler = load_handler(target)
        except RuntimeFault as fault:
            log_error(fault.error_type, fault.message, fault.stack)
            _write(
                real_stdout,
                payload(fault.error_type, fault.message, "", fault.stack, fault.details),
            )
            return 2
        result = _invoke_on_this_thread(_agents.attach(handler), event, timeout)
        sys.stdout.flush()
        _write(real_stdout, result.payload)
        return 0 if result.ok else 1
    finally:
        os.close(real_stdout)


def _invoke_on_this_thread(handler: Handler, event: bytes, timeout: float | None) -> Any:
    """One invocation with the handler on the main thread, as in Lambda (agents set
    signal handlers, which only the main thread may): the emulator and the invoker
    run in threads of their own."""
    import threading

    from minlambda.testing import local_function

    emulator = Emulator(timeout=timeout).start()
    api = RuntimeAPI(emulator.runtime_api)
    runner = Runner(handler, api, function=local_function(emulator))
    stop = threading.Event()
    answers: list[Any] = []

    def call() -> None:
        try:
            answers.append(emulator.invoke(event))
        finally:
            stop.set()
            api.connection.abort()  # ends the runner's next poll

    invoker = threading.Thread(target=call, name="minlambda-invoker", daemon=True)
    invoker.start()
    try:
        runner.run(stop)
    except RuntimeAPIError:
        if not stop.is_set():
            raise
    except BaseException:
        # SystemExit in the handler, say: the runtime is gone, which the emulator
        # learns from its connection (502), as the platform does
        api.connection.close()
        invoker.join()
        if not answers:
            raise
    finally:
        invoker.join()
        api.close()
        emulator.close()
        runner.close()
        if runner.trace_env is not None:
            runner.trace_env.set(None)
    return answers[0]


def _write(fd: int, data: bytes) -> None:
    if os.isatty(fd):
        data += b"\n"
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
