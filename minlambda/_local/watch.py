# `python -m minlambda local HANDLER --watch`: reload on save.
#
# The function runs in a `python -m minlambda HANDLER` subprocess, served by this
# process's emulator as a runtime in Lambda would be; this process never imports the
# handler. When a .py file under the watched folders changes, the subprocess is
# stopped (SIGTERM: its shutdown hooks run) and a fresh one started: the port stays
# open all along, and a request that arrives meanwhile waits for the new runtime;
# the invocations the old one is running end first (the emulator drains it). An
# init error (a syntax error, say) is printed by the subprocess, which then exits;
# requests are answered 502 with that error until the next change.
#
# Watching is polling: the mtime and size of every .py file, a few times a second. It
# needs nothing beyond the standard library, and a project's sources are a few
# thousand files at most (virtualenvs, caches and hidden folders are skipped).
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Final, NoReturn

from minlambda._local.emulator import Emulator
from minlambda._local.serve import (
    _fail,
    _shutting_down,
    _stop_signals,
    announce,
    listen,
    local_port,
)

__all__ = ["changes", "serve_watching", "snapshot", "watched_roots"]

POLL: Final = 0.2  # seconds between two looks at the files
STOP_GRACE: Final = 3.0  # an old runtime's shutdown hooks may take this long
# a runtime that dies this soon after it started, this many times running, without a
# change in between, is not started again until the next change
QUICK_DEATH: Final = 1.0
QUICK_DEATHS: Final = 3
_SKIPPED: Final = frozenset(
    ("__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist")
)

Snapshot = dict[str, tuple[int, int]]


def watched_roots(target: str | None) -> list[str]:
    """The current directory, and the handler file's directory when it is elsewhere."""
    roots = [os.getcwd()]
    path = (target or "").split(":", 1)[0]
    if path.endswith(".py"):
        folder = os.path.dirname(os.path.abspath(path))
        if not any(_inside(folder, root) for root in roots):
            roots.append(folder)
    return roots


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def snapshot(roots: Iterable[str]) -> Snapshot:
    """mtime and size of every .py file under `roots`."""
    files: Snapshot = {}
    stack = list(roots)
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue  # removed, or not readable: nothing to watch there
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith(".") and entry.name not in _SKIPPED:
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    files[entry.path] = (info.st_mtime_ns, info.st_size)
            except OSError:
                continue
    return files


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """The files added, removed or changed between two snapshots."""
    changed = [path for path, stamp in after.items() if before.get(path) != stamp]
    return changed + [path for path in before if path not in after]


def serve_watching(
    target: str | None,
    *,
    host: str,
    port: int | None,
    timeout: float | None,
    http: str | None,
) -> NoReturn:
    """Serve `target` on the local emulator, restarting it when a source file changes."""
    name = target or os.environ.get("_HANDLER")
    if not name:
        _fail(2, "no handler: give one (local HANDLER --watch) or set _HANDLER")
    try:
        emulator = listen(host, port, timeout, http)
    except OSError as exc:
        _fail(2, f"cannot listen on {host}:{port if port is not None else local_port()}: {exc}")
    _stop_signals()
    roots = watched_roots(target)
    files = snapshot(roots)
    runtime: subprocess.Popen[bytes] | None = None
    try:
        announce(name, emulator)
        _say(f"watching {len(files)} .py files under {', '.join(roots)}: saving one restarts it")
        quick_deaths = 0
        while True:
            runtime = _start(target, emulator)
            started = time.monotonic()
            files, changed = _wait(roots, files, runtime)
            if not changed:  # the runtime exited on its own
                runtime.wait()
                if emulator.init_error is not None:
                    error_type = emulator.init_error[0]
                    _say(f"{name} failed to start ({error_type}): fix it and save to try again")
                    files, changed = _wait(roots, files, None)
                else:
                    quick = time.monotonic() - started < QUICK_DEATH
                    quick_deaths = quick_deaths + 1 if quick else 0
                    if quick_deaths < QUICK_DEATHS:
                        _say(f"the runtime exited with status {runtime.returncode}: restarting it")
                        emulator.restart()
                        continue
                    _say(f"the runtime keeps exiting (status {runtime.returncode}): save to retry")
                    files, changed = _wait(roots, files, None)
            quick_deaths = 0
            _say(f"{_shown(changed[0])} changed: restarting {name}")
            # no request goes to a dying runtime, and none it runs is cut short
            emulator.drain(emulator.timeout + 1)
            _stop(runtime)
            emulator.restart()
    except KeyboardInterrupt:
        pass
    finally:
        _shutting_down(runtime)
        if runtime is not None:
            _stop(runtime)
        emulator.close()
    raise SystemExit(0)


def _start(target: str | None, emulator: Emulator) -> subprocess.Popen[bytes]:
    from minlambda.testing import runtime_env

    command = [sys.executable, "-m", "minlambda"] + ([target] if target else [])
    # a process group of its own: Ctrl-C reaches this process, which stops the
    # runtime with SIGTERM so that its shutdown hooks run, as in Lambda
    return subprocess.Popen(command, env=runtime_env(emulator), process_group=0)


def _stop(runtime: subprocess.Popen[bytes]) -> None:
    from minlambda.testing import stop_process

    stop_process(runtime, STOP_GRACE)


def _wait(
    roots: list[str], files: Snapshot, runtime: subprocess.Popen[bytes] | None
) -> tuple[Snapshot, list[str]]:
    """Until a file changes (the new snapshot and what changed) or `runtime` exits
    (the same snapshot, nothing changed)."""
    while True:
        time.sleep(POLL)
        now = snapshot(roots)
        changed = changes(files, now)
        if changed:
            return now, changed
        if runtime is not None and runtime.poll() is not None:
            return files, []


def _shown(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def _say(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
