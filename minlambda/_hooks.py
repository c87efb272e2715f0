# Lifecycle hooks: @on_shutdown, @before_snapshot, @after_restore.
#
# The decorators only record functions (sync or async) and return them unchanged.
# SnapStart (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start): before-snapshot hooks run
# after init, newest first; then GET /runtime/restore/next waits for the restore;
# then after-restore hooks run, oldest first. Shutdown: with a hook registered, the
# runtime registers an internal extension at init (which is what makes the platform
# send SIGTERM at all) and, on SIGTERM, runs the hooks, newest first, within the
# platform's grace period, then exits 0.
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Final, TypeVar

__all__ = [
    "SHUTDOWN_BUDGET",
    "after_restore",
    "before_snapshot",
    "install_shutdown",
    "on_shutdown",
    "run_each",
    "run_hooks",
    "run_shutdown_locally",
]

F = TypeVar("F", bound=Callable[..., Any])

# The platform gives a runtime with an internal extension 500 ms between SIGTERM and
# SIGKILL; the hooks get most of it, the exit the rest.
SHUTDOWN_BUDGET: Final = 0.45

SHUTDOWN: list[Callable[[], Any]] = []
BEFORE_SNAPSHOT: list[Callable[[], Any]] = []
AFTER_RESTORE: list[Callable[[], Any]] = []


def on_shutdown(func: F) -> F:
    """Run `func` (sync or async, no arguments) when Lambda shuts the environment down.

    Hooks run on SIGTERM, newest first, within the platform's grace period (about
    450 ms in all), then the process exits 0. Registering one makes the runtime
    register an internal extension at init, without which the platform sends no
    SIGTERM.
    """
    SHUTDOWN.append(func)
    return func


def before_snapshot(func: F) -> F:
    """Run `func` (sync or async, no arguments) before a SnapStart snapshot is taken.

    Hooks run newest first; a failure is reported as Runtime.BeforeSnapshotError.
    """
    BEFORE_SNAPSHOT.append(func)
    return func


def after_restore(func: F) -> F:
    """Run `func` (sync or async, no arguments) after a SnapStart snapshot is restored.

    Hooks run oldest first; a failure is reported as Runtime.AfterRestoreError and
    the process exits.
    """
    AFTER_RESTORE.append(func)
    return func


def run_hooks(hooks: list[Callable[[], Any]], run_coroutine: Callable[[Any], Any]) -> None:
    """Call each hook; an async one is run to completion with `run_coroutine`."""
    for hook in hooks:
        result = hook()
        if hasattr(result, "__await__"):
            run_coroutine(result)


def run_each(
    hooks: list[Callable[[], Any]], run_coroutine: Callable[[Any], Any], warn: Callable[[str], None]
) -> None:
    """Like run_hooks, but a hook that fails is reported and the others still run
    (shutdown hooks are independent clean-ups)."""
    for hook in hooks:
        try:
            run_hooks([hook], run_coroutine)
        except Exception as exc:
            name = getattr(hook, "__qualname__", repr(hook))
            warn(f"the shutdown hook {name} failed: {type(exc).__name__}: {exc}")


def install_shutdown(loop_of: Callable[[], Any], warn: Callable[[str], None]) -> None:
    """On SIGTERM, run the shutdown hooks within SHUTDOWN_BUDGET, then exit 0.
    `loop_of()` gives the process's event loop (None for a sync handler)."""
    import signal
    import threading

    def on_sigterm(signum: int, frame: Any) -> None:
        done = threading.Event()

        def run() -> None:
            try:
                run_each(list(reversed(SHUTDOWN)), lambda coro: _await(coro, loop_of()), warn)
            except BaseException as exc:
                warn(f"a shutdown hook failed: {type(exc).__name__}: {exc}")
            finally:
                done.set()

        threading.Thread(target=run, name="minlambda-shutdown", daemon=True).start()
        if not done.wait(SHUTDOWN_BUDGET):
            warn(f"the shutdown hooks did not finish within {SHUTDOWN_BUDGET * 1000:.0f} ms")
        try:
            sys.stdout.flush()
        except RuntimeError:  # the signal came in the middle of a write to stdout
            pass
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)


def _await(coroutine: Any, loop: Any) -> Any:
    import asyncio

    if loop is None:
        return asyncio.run(coroutine)
    if loop.is_running():  # the shared loop of Managed Instances, in its own thread
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    return loop.run_until_complete(coroutine)


def run_shutdown_locally(run_coroutine: Callable[[Any], Any] | None, loop: Any = None) -> None:
    """The shutdown hooks when the local emulator stops (Ctrl-C or SIGTERM): newest
    first, without the platform's time budget, async ones on `loop` (the handlers'
    loop, when it runs in a thread of its own) or with `run_coroutine`; a failure is
    reported on stderr and the other hooks still run."""
    if not SHUTDOWN:
        return

    def warn(message: str) -> None:
        sys.stderr.write(f"minlambda: {message}\n")

    run_each(list(reversed(SHUTDOWN)), run_coroutine or (lambda coro: _await(coro, loop)), warn)
