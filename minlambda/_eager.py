# Running an `async def` handler's coroutine on the process's event loop, eagerly.
#
# `loop.run_until_complete(coro)` costs about as much as the rest of an invocation:
# a Task, its first step scheduled with call_soon, a turn of the selector
# (epoll_wait), the done callback, a second turn to stop. Yet most coroutines either
# finish without waiting on anything (a cached answer, a computation) or wait on I/O,
# where the loop has to run anyway. `EagerLoop.run` does what Python 3.12's eager
# tasks do: the handler's Task takes its first step at once, in the caller, with the
# loop marked as running, so asyncio.current_task() (the Task), get_running_loop(),
# asyncio.timeout() and the libraries built on them (anyio, aiohttp, OpenTelemetry)
# see what they would under run_until_complete. The loop runs, with
# run_until_complete, only when that step left the Task waiting, or left the loop
# something to do: a callback (loop.call_soon, a task the handler created), a timer
# that is due (or a cancelled one to clear away), a file descriptor it watches (an
# open connection). So what the handler started without awaiting runs before its
# result goes out, as before.
#
# The Task is a real one with a context of its own (copied from the caller's, as
# create_task does), so contextvars set in the handler stay in its invocation. On
# 3.12+ it is `Task(..., eager_start=True)`; on 3.11, which has no eager start, the
# step the Task would schedule with call_soon is caught and run at once.
#
# Only the standard library's selector event loop is driven this way (its state is
# read and set: `_thread_id`, `_ready`, `_scheduled`, the selector's map). Another
# loop (uvloop), a loop in debug mode or with a task factory, an awaitable that is not
# a coroutine, or a loop already running, go through run_until_complete as before.
from __future__ import annotations

import asyncio
import sys
from asyncio import events
from collections import deque
from heapq import heappop
from threading import get_ident
from types import CoroutineType
from typing import Any, Final

__all__ = ["EagerLoop"]

_EAGER_START: Final = sys.version_info >= (3, 12)
_Task: Any = asyncio.Task
_new_task = _Task.__new__
_init_task = _Task.__init__
_set_running_loop = events._set_running_loop
_get_running_loop = events._get_running_loop
_get_asyncgen_hooks = sys.get_asyncgen_hooks
_set_asyncgen_hooks = sys.set_asyncgen_hooks


class EagerLoop:
    """Runs coroutines to completion on one event loop, the first step eagerly."""

    __slots__ = (
        "loop",
        "ready",
        "scheduled",
        "watched",
        "hooks",
        "hooked",
        "step",
        "run",
        "call_soon",
    )

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.hooked = 0  # the thread whose async generator hooks are the loop's
        self.call_soon = getattr(type(loop), "call_soon", None)  # the class's own
        self.step: Any = None
        selector = getattr(loop, "_selector", None)
        watched = getattr(selector, "_fd_to_key", None)
        known = isinstance(loop, asyncio.BaseEventLoop)  # (a variable: loop stays Any)
        if (
            known
            and isinstance(getattr(loop, "_ready", None), deque)
            and isinstance(getattr(loop, "_scheduled", None), list)
            and isinstance(watched, dict)
            and hasattr(loop, "_thread_id")
        ):
            self.ready = loop._ready
            self.scheduled = loop._scheduled
            self.watched = watched
            self.hooks = (loop._asyncgen_firstiter_hook, loop._asyncgen_finalizer_hook)
            self.run = self._run_eagerly
        else:
            self.run = self.run_until_complete

    def run_until_complete(self, coroutine: Any, watch: Any = None) -> Any:
        """The loop's own way (and the only one for loops this does not know)."""
        loop = self.loop
        if watch is None:
            return loop.run_until_complete(coroutine)
        watch.task = loop.create_task(coroutine)  # so the watchdog can show its stack
        return loop.run_until_complete(watch.task)

    def install_hooks(self) -> Any:
        """Make the loop's async generator hooks this thread's (what run_forever does
        for each run) until `remove_hooks`, instead of for every eager step: the old
        hooks to give back, or None when this loop is not run eagerly."""
        if self.run != self._run_eagerly:
            return None
        old = _get_asyncgen_hooks()
        firstiter, finalizer = self.hooks
        _set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
        self.hooked = get_ident()
        return old

    def remove_hooks(self, old: Any) -> None:
        if old is not None:
            self.hooked = 0
            _set_asyncgen_hooks(*old)

    def _run_eagerly(self, coroutine: Any, watch: Any = None) -> Any:
        loop = self.loop
        if (
            type(coroutine) is not CoroutineType
            or loop._thread_id is not None
            or loop._debug
            or loop._task_factory is not None
            or loop._closed
            or _get_running_loop() is not None
            # 3.11: a call_soon that a library set on the loop is left alone (read
            # through the bound method: loop.__dict__ would turn the loop's inline
            # attributes into a dict, slower to read for the rest of its life)
            or (
                not _EAGER_START and getattr(loop.call_soon, "__func__", None) is not self.call_soon
            )
        ):
            return self.run_until_complete(coroutine, watch)
        thread = get_ident()
        old = None if self.hooked == thread else self.install_hooks()
        # what run_forever sets while the loop runs
        loop._thread_id = thread
        _set_running_loop(loop)
        # (made, then initialised: a SystemExit or KeyboardInterrupt raised by the
        # first step leaves the task in hand, to consume its exception below)
        task = _new_task(_Task)
        try:
            if _EAGER_START:
                _init_task(task, coroutine, loop=loop, eager_start=True)
            else:
                # 3.11: the first step, which the Task hands to call_soon, caught
                # and taken at once
                loop.call_soon = self._catch
                try:
                    _init_task(task, coroutine, loop=loop)
                finally:
                    del loop.call_soon
                callback, context = self.step
                self.step = None  # (it holds the task: not kept past this invocation)
                context.run(callback)
        except BaseException:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, as run_until_complete does: not logged
            raise
        finally:
            loop._thread_id = None
            _set_running_loop(None)
            if old is not None:
                self.remove_hooks(old)
        if watch is not None:
            watch.task = task
        if task.done() and not self.ready and not self.scheduled and len(self.watched) <= 1:
            return task.result()
        return self._finish(task)

    def _finish(self, task: Any) -> Any:
        # the task waits, or the loop may have something to do: run it, unless all
        # there is are cancelled timers (asyncio.timeout's), which go as _run_once
        # lets them go, or timers not due yet
        loop = self.loop
        scheduled = self.scheduled
        if task.done() and not self.ready and len(self.watched) <= 1:
            while scheduled and scheduled[0]._cancelled:
                loop._timer_cancelled_count -= 1
                heappop(scheduled)._scheduled = False
            if not scheduled or scheduled[0]._when >= loop.time() + loop._clock_resolution:
                return task.result()
        return loop.run_until_complete(task)

    def _catch(self, callback: Any, *, context: Any) -> None:
        self.step = (callback, context)
