# From a handler string to a running runtime: import, select, report init errors.
#
# `load_handler("app.handler")` imports the user's code the way the official
# runtime does and turns every failure into a RuntimeFault carrying the official
# init error type (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError, the
# exception's own class name, Runtime.HandlerNotFound, Runtime.MalformedHandlerName,
# and our Runtime.InvalidSchema). `run_lambda()` is what happens inside Lambda: the
# init error, if any, goes to /runtime/init/error and the process exits 1 without
# fetching an event; otherwise the loop runs until the Runtime API fails.
from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from minlambda import _agents, _errors
from minlambda._errors import InvalidSchemaError, RuntimeFault
from minlambda._handler import Handler, handler_for, registered, select, served, wrapper_of
from minlambda._http import ProtocolError
from minlambda._logging import configure
from minlambda._logging import log_unhandled as log_error
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI, RuntimeAPIError

__all__ = ["fail_init", "load_handler", "prepare_sys_path", "resolve", "run_lambda"]

_FORMS = "module.function, module:function, path/to/file.py or path/to/file.py:function"


def prepare_sys_path() -> None:
    """LAMBDA_TASK_ROOT and the current directory go first on sys.path."""
    for entry in (os.getcwd(), os.environ.get("LAMBDA_TASK_ROOT")):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)


def load_handler(target: str | None) -> Handler:
    """Import and return the handler named by `target` (or by _HANDLER), its
    annotations resolved."""
    return _ready(_load(target))


def _ready(handler: Handler) -> Handler:
    try:
        return handler.ready()
    except InvalidSchemaError as exc:
        raise RuntimeFault("Runtime.InvalidSchema", str(exc)) from None


def _load(target: str | None) -> Handler:
    target = (target or os.environ.get("_HANDLER") or "").strip()
    if not target:
        raise RuntimeFault(
            "Runtime.MalformedHandlerName",
            f"No handler given: name one as {_FORMS}, or set _HANDLER",
        )
    source, colon, function = target.rpartition(":")
    if not colon:
        source, function = target, ""
    if source.endswith(".py") or (not colon and target.endswith(".py")):
        return _load_file(source, function)
    if not colon:
        source, dot, function = target.rpartition(".")
        if not dot or not source or not function:
            raise RuntimeFault(
                "Runtime.MalformedHandlerName", f"Bad handler '{target}': expected {_FORMS}"
            )
    if not source or not function:
        raise RuntimeFault(
            "Runtime.MalformedHandlerName", f"Bad handler '{target}': expected {_FORMS}"
        )
    module_name = source.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise RuntimeFault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    module = _import(module_name, lambda: importlib.import_module(module_name))
    return _pick(module, module_name, function)


def _load_file(path: str, function: str) -> Handler:
    import importlib.util

    full = os.path.abspath(path)
    name = os.path.splitext(os.path.basename(full))[0] or "handler"
    if not os.path.isfile(full):
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{path}': no such file"
        )
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{path}': not a Python file"
        )
    module = importlib.util.module_from_spec(spec)
    directory = os.path.dirname(full)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    sys.modules[name] = module

    def execute() -> Any:
        try:
            spec.loader.exec_module(module)  # type: ignore[union-attr]
        except BaseException:
            sys.modules.pop(name, None)
            raise
        return module

    _import(path, execute)
    if function:
        return _pick(module, path, function)
    mine = [h for h in registered() if getattr(h.func, "__module__", None) == name]
    return select(os.environ.get("_HANDLER"), mine, path=path)


def _import(module_name: str, load: Callable[[], Any]) -> Any:
    try:
        return load()
    except ImportError as exc:
        raise RuntimeFault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from None
    except SyntaxError as exc:
        stack = [f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
        raise RuntimeFault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {exc}",
            stack=stack,
        ) from None
    except InvalidSchemaError as exc:
        raise RuntimeFault(
            "Runtime.InvalidSchema", str(exc), stack=_errors.stack_trace(exc)
        ) from None
    except Exception as exc:
        error_type, message, stack = _errors.exception_fault(exc)
        raise RuntimeFault(error_type, message, stack=stack) from None


def _pick(module: Any, module_name: str, function: str) -> Handler:
    func = getattr(module, function, None)
    if func is None:
        found = _registered_as(module, function)
        if found is not None:
            return found
        raise RuntimeFault(
            "Runtime.HandlerNotFound", f"Handler '{function}' missing on module '{module_name}'"
        )
    if not callable(func):
        raise RuntimeFault(
            "Runtime.HandlerNotFound",
            f"Handler '{function}' on module '{module_name}' is not callable",
        )
    try:
        return handler_for(func, name=f"{module_name}.{function}")
    except InvalidSchemaError as exc:
        raise RuntimeFault("Runtime.InvalidSchema", str(exc)) from None


def _registered_as(module: Any, name: str) -> Handler | None:
    """The handler `module` registered under `name` (@lambda_handler(name=...), or
    the default `module.qualname`), served through the module's decorator wrapper
    around it if there is one (as `module.function` would be)."""
    module_name = getattr(module, "__name__", None)
    for handler in registered():
        func = handler.func
        if getattr(func, "__module__", None) != module_name:
            continue
        if handler.name in (name, f"{module_name}.{name}"):
            return served(handler)
    return None


def resolve(handler: Any) -> Handler:
    """The Handler for what serve() or LocalRuntime were given (None, a name, a
    function), its annotations resolved."""
    return _ready(_resolve(handler))


def _resolve(handler: Any) -> Handler:
    if handler is None:
        return select(os.environ.get("_HANDLER"))
    if isinstance(handler, Handler):
        return handler
    if isinstance(handler, str):
        matches = [h for h in registered() if h.name == handler]
        if matches and wrapper_of(matches[0], handler) is None:
            return matches[0]
        return load_handler(handler)
    try:
        return handler_for(handler)
    except InvalidSchemaError as exc:
        raise RuntimeFault("Runtime.InvalidSchema", str(exc)) from None


def _exit(message: str) -> NoReturn:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
    raise SystemExit(1)


def fail_init(api: RuntimeAPI | None, fault: RuntimeFault, *, worker: bool = False) -> NoReturn:
    """Log an init error, post it to /runtime/init/error and exit 1. A worker of
    processes mode takes the platform's 403 silently: another worker posted first."""
    log_error(fault.error_type, fault.message, fault.stack)
    _agents.init_failed(fault.error_type, fault.message, fault.stack)
    if api is not None:
        body = _errors.payload(fault.error_type, fault.message, "", fault.stack, fault.details)
        if worker:
            api.warn = _quiet_refusal(api.warn)
        try:
            api.init_error(body, _errors.header_value(fault.error_type))
        except (RuntimeAPIError, ProtocolError) as exc:
            _exit(f"init failed ({fault.error_type}) and reporting it failed too: {exc}")
    raise SystemExit(1)


def _quiet_refusal(warn: Callable[[str], None]) -> Callable[[str], None]:
    def quiet(message: str) -> None:
        if " answered 403" not in message:
            warn(message)

    return quiet


def run_lambda(address: str, load: Callable[[], Handler]) -> NoReturn:
    """Inside Lambda: init (reporting a failure), then serve until the API fails."""
    try:
        api = RuntimeAPI(address)
    except RuntimeAPIError as exc:
        _exit(str(exc))
    count: int | None = None
    if os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"):
        from minlambda._concurrency import concurrency_from_env, max_concurrency

        count = max_concurrency() or 1
        mode = concurrency_from_env()
        if mode not in ("threads", "tasks"):
            # processes, or not known before the import: worker processes, forked
            # before anything imports the handler (see _supervisor)
            from minlambda._supervisor import supervise

            api.close()
            _unbuffer()
            supervise(
                count, lambda slot, first, report: _worker(address, load, count, first, report)
            )
    _unbuffer()
    # logging first, so the handler's module logs the way it will at every invocation
    configure(json_logs=count is not None)
    try:
        handler = load()
    except RuntimeFault as fault:
        fail_init(api, fault)
    _serve(api, address, _agents.attach(handler), count)


def _unbuffer() -> None:
    # stdout is a pipe on Lambda: each print goes out at once, as with the official
    # runtime, so nothing printed is lost when a timeout ends the process
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True, write_through=True)


def _serve(
    api: RuntimeAPI,
    address: str,
    handler: Handler,
    count: int | None,
    *,
    first: bool = True,
    fatal: Callable[[str], NoReturn] | None = None,
    ready: Callable[[], None] | None = None,
) -> NoReturn:
    """Serve a loaded handler: one invocation at a time, or `count` at once in
    threads or tasks of this process. `first`: the environment's first (or only)
    process, which registers the shutdown extension and runs SnapStart's hooks;
    `ready` is called when init is over, before the first poll."""
    runner = Runner(handler, api)
    workers = None
    if count is not None:
        from minlambda._concurrency import Workers

        workers = Workers(handler, address, count)
    try:
        _lifecycle(api, address, runner, workers, first)
        if ready is not None:
            ready()
        if workers is None:
            runner.run()
        api.close()
        raise workers.start().wait()  # type: ignore[union-attr]
    except RuntimeAPIError as exc:
        (fatal or _exit)(f"the Runtime API failed, exiting: {exc}")
    except KeyboardInterrupt:
        raise SystemExit(130) from None


def _whole_lines() -> None:
    """A worker's stdout and stderr write each line in one piece (one write up to the
    pipe's atomic size): the workers often share one pipe, and a print's text and its
    newline written apart would interleave with the other workers' lines."""
    import io

    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            continue
        binary = io.BufferedWriter(io.FileIO(fd, "w", closefd=False))
        encoding = getattr(stream, "encoding", None) or "utf-8"
        errors = getattr(stream, "errors", None) or "backslashreplace"
        setattr(sys, name, io.TextIOWrapper(binary, encoding, errors, line_buffering=True))


def _worker(
    address: str,
    load: Callable[[], Handler],
    count: int,
    first: bool,
    report: Callable[[bytes], None],
) -> NoReturn:
    """One worker process of processes mode: its own init, then its own loop."""
    from minlambda._concurrency import concurrency_from_env, redirect_output
    from minlambda._supervisor import FATAL, PROCESSES, SELF_SERVING

    redirect_output()
    _whole_lines()
    configure(json_logs=True)
    api = RuntimeAPI(address)
    try:
        handler = load()
    except RuntimeFault as fault:
        fail_init(api, fault, worker=True)
    handler = _agents.attach(handler)
    mode = concurrency_from_env(quiet=True) or handler.mode  # the supervisor warned

    def fatal(message: str) -> NoReturn:
        report(FATAL + message.encode("utf-8", "replace"))  # the supervisor says it
        raise SystemExit(1)

    # the first worker registers the shutdown extension and runs SnapStart's hooks,
    # once for the environment (a replacement is not the first: that is over), and
    # reports after them, so no other worker polls before init is over; every worker
    # runs its @on_shutdown hooks
    if mode == "processes":
        _serve(api, address, handler, None, first=first, fatal=fatal,
               ready=lambda: report(PROCESSES))  # fmt: skip
    _serve(api, address, handler, count, first=first, fatal=fatal,
           ready=lambda: report(SELF_SERVING))  # fmt: skip


def _lifecycle(
    api: RuntimeAPI, address: str, runner: Runner, workers: Any, first: bool = True
) -> None:
    """Shutdown hooks (their extension and SIGTERM) and SnapStart, at the end of init."""
    snapstart = first and os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"
    if "minlambda._hooks" not in sys.modules and not snapstart:
        return  # no hook was ever registered: nothing to do, and nothing to import
    from minlambda import _hooks

    if _hooks.SHUTDOWN:
        if first:
            from minlambda._extension import register

            register(address, api.warn)

        def loop() -> Any:
            return workers.loop if workers is not None else runner._loop

        _hooks.install_shutdown(loop, api.warn)
    if not snapstart:
        return
    try:
        _hooks.run_hooks(list(reversed(_hooks.BEFORE_SNAPSHOT)), runner.run_coroutine)
    except Exception as exc:
        error_type, message, stack = _errors.exception_fault(exc)
        fail_init(
            api,
            RuntimeFault("Runtime.BeforeSnapshotError", f"{error_type}: {message}", stack=stack),
        )
    api.restore_next()
    try:
        _hooks.run_hooks(_hooks.AFTER_RESTORE, runner.run_coroutine)
    except Exception as exc:
        error_type, message, stack = _errors.exception_fault(exc)
        fault = RuntimeFault("Runtime.AfterRestoreError", f"{error_type}: {message}", stack=stack)
        log_error(fault.error_type, fault.message, fault.stack)
        body = _errors.payload(fault.error_type, fault.message, "", fault.stack)
        try:
            api.restore_error(body, fault.error_type)
        except ProtocolError as failure:
            _exit(f"restore failed ({fault.error_type}) and reporting it failed too: {failure}")
        raise SystemExit(1) from None
