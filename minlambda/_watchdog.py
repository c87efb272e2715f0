# The deadline watchdog (opt-in): MINLAMBDA_DEADLINE_WARNING_MS=N logs, at WARNING,
# where a handler is N ms before its deadline if it is still running then, so a
# timeout is no longer a mystery: the stack of its thread, or of its asyncio task.
#
# One daemon thread for the process sleeps until the earliest armed warning time;
# the loop arms an entry before calling the handler and disarms it after. Nothing
# runs per invocation when the variable is not set.
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from typing import Any, Final

__all__ = ["Watch", "Watchdog", "from_environment"]

_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Watch:
    """One armed invocation: its thread, and its asyncio task once it has one."""

    __slots__ = ("request_id", "warn_at", "deadline_ms", "thread", "task")

    def __init__(self, request_id: str, deadline_ms: int, warning_ms: int, thread: int) -> None:
        self.request_id = request_id
        self.deadline_ms = deadline_ms
        self.warn_at = (deadline_ms - warning_ms) / 1000
        self.thread = thread
        self.task: Any = None


class Watchdog:
    def __init__(self, warning_ms: int) -> None:
        self.warning_ms = warning_ms
        self._watches: set[Watch] = set()
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="minlambda-watchdog", daemon=True)
        self._thread.start()

    def arm(self, request_id: str, deadline_ms: int) -> Watch:
        watch = Watch(request_id, deadline_ms, self.warning_ms, threading.get_ident())
        with self._cv:
            self._watches.add(watch)
            self._cv.notify()
        return watch

    def disarm(self, watch: Watch) -> None:
        with self._cv:
            self._watches.discard(watch)

    def _run(self) -> None:
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        while True:
            with self._cv:
                now = time.time()
                due = [w for w in self._watches if w.warn_at <= now]
                self._watches.difference_update(due)
                if not due:
                    soonest = min((w.warn_at for w in self._watches), default=now + 3600)
                    self._cv.wait(soonest - now)
                    continue
            for watch in due:
                _warn(watch, self.warning_ms)


def _warn(watch: Watch, warning_ms: int) -> None:
    import logging

    left = max(0, watch.deadline_ms - int(time.time() * 1000))
    where = _task_stack(watch.task) if watch.task is not None else _thread_stack(watch.thread)
    logging.getLogger("minlambda").warning(
        "Invocation %s is still running %d ms before its deadline (MINLAMBDA_DEADLINE_WARNING_MS=%d); "
        "the handler is at:\n%s",
        watch.request_id,
        left,
        warning_ms,
        where.rstrip("\n"),
        extra={"aws_request_id": watch.request_id},
    )


def _thread_stack(ident: int) -> str:
    frame = sys._current_frames().get(ident)
    if frame is None:
        return "(the handler's thread has ended)"
    entries = traceback.extract_stack(frame)
    # from the frame the runtime called on: its own frames (and the script that
    # called serve()) say nothing about where the handler is
    ours = [i for i, e in enumerate(entries) if e.filename.startswith(_PACKAGE_DIR)]
    start = ours[-1] + 1 if ours and ours[-1] + 1 < len(entries) else 0
    return "".join(traceback.format_list(entries[start:]))


def _task_stack(task: Any) -> str:
    # the chain of awaits, outermost first (Task.get_stack gives one frame only)
    frames = []
    awaited = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        if not frame.f_code.co_filename.startswith(_PACKAGE_DIR):
            frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    if not frames:
        return "(the handler's task has no frame: it is done)"
    summary = traceback.StackSummary.extract((frame, frame.f_lineno) for frame in frames)
    return "".join(summary.format())


_SHARED: list[Watchdog | None] = []


def from_environment() -> Watchdog | None:
    """The process's watchdog, when MINLAMBDA_DEADLINE_WARNING_MS asks for one."""
    if not _SHARED:
        _SHARED.append(_make())
    return _SHARED[0]


def _make() -> Watchdog | None:
    text = os.environ.get("MINLAMBDA_DEADLINE_WARNING_MS", "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) <= 0:
        sys.stderr.write(
            f"minlambda: ignoring MINLAMBDA_DEADLINE_WARNING_MS={text!r}: not a positive number\n"
        )
        return None
    return Watchdog(int(text))
