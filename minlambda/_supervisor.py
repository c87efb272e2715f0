# Lambda Managed Instances, processes mode: N worker processes, one invocation each.
#
# Unmodified code keeps the current request in module globals (a framework's app, a
# Powertools resolver), so N invocations at once must not share a process. The
# supervisor (the process Lambda started) never imports the handler: a process that
# imported must not fork, since threads that libraries start at import (telemetry
# exporters, pools) do not survive a fork. It forks worker 0, which imports the
# handler and reports on a pipe how it runs:
#
#   b"p"  processes: it serves one invocation at a time; the supervisor forks the
#         other N-1 workers, each of which imports and initialises the handler too
#   b"t"  threads or tasks (a handler declared so, or `async def`): worker 0 serves
#         the N invocations itself
#
# The pipe stays open: a worker whose Runtime API failed (the environment is going
# away) sends b"x" and the reason before it exits, and the supervisor, not the
# worker, says it, in one stderr line, and exits 1 without replacing anyone.
#
# Worker 0 reports only once its init is over (the shutdown extension registered, if
# any): no other worker polls /next before that, as the platform expects of init. A
# worker that fails init posts /runtime/init/error and exits (a replacement that
# fails after init was over gets the platform's 403, which it takes silently); before
# any worker was ready, that ends the supervisor too. A worker that dies later is replaced; workers that keep
# dying end the supervisor with one stderr line. SIGTERM (and SIGINT) go to every
# worker, which run their @on_shutdown hooks; then the supervisor exits 0.
from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, Final, NoReturn

__all__ = ["supervise"]

PROCESSES: Final = b"p"
SELF_SERVING: Final = b"t"
FATAL: Final = b"x"
# workers that keep dying: this many deaths within DEATH_WINDOW seconds end it all
DEATH_WINDOW: Final = 10.0
MIN_DEATHS: Final = 3
# after SIGTERM, how long the workers get to run their shutdown hooks
STOP_GRACE: Final = 1.5
# what the supervisor handles, blocked from fork until the child has its own handlers
_SIGNALS: Final = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}


class _Worker:
    __slots__ = ("slot", "pid", "report", "ready", "mode", "fatal")

    def __init__(self, slot: int, pid: int, report: int) -> None:
        self.slot = slot
        self.pid = pid
        self.report = report  # the read end of the worker's pipe, -1 once closed
        self.ready = False
        self.mode = b""
        self.fatal = ""  # why the Runtime API failed, as the worker saw it


def supervise(
    count: int, serve: Callable[[int, bool, Callable[[bytes], None]], NoReturn]
) -> NoReturn:
    """Run `count` workers, each `serve(slot, first, report)` in a forked process,
    until SIGTERM; exit non-zero when init fails or workers keep dying."""
    Supervisor(count, serve).run()


class Supervisor:
    def __init__(
        self,
        count: int,
        serve: Callable[[int, bool, Callable[[bytes], None]], NoReturn],
    ) -> None:
        self.count = count
        self.serve = serve
        self.workers: dict[int, _Worker] = {}  # by pid
        self.deaths: list[float] = []
        self.any_ready = False
        self.mode = b""
        self.stopping = 0  # the signal that stops us, once one came
        self._wake_r, self._wake_w = os.pipe()
        # the workers' lifeline: they hold its read end, which ends when we do
        self._life_r, self._life_w = os.pipe()

    def run(self) -> NoReturn:
        os.set_blocking(self._wake_w, False)
        signal.set_wakeup_fd(self._wake_w)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_stop)
        signal.signal(signal.SIGCHLD, _ignore)  # handled, so that it wakes select()
        self._spawn(0)
        while True:
            if self.stopping:
                self._stop()
            reports = [w.report for w in self.workers.values() if w.report >= 0]
            readable, _, _ = select.select([self._wake_r, *reports], [], [])
            if self._wake_r in readable:
                os.read(self._wake_r, 512)
            for worker in list(self.workers.values()):
                if worker.report in readable:
                    self._read_report(worker)
            self._reap()

    def _on_stop(self, signum: int, frame: Any) -> None:
        self.stopping = self.stopping or signum

    def _spawn(self, slot: int) -> None:
        report_r, report_w = os.pipe()
        first = not self.workers and not self.any_ready and slot == 0
        # our signals wait until the child has its own handlers: one that came in
        # between would run ours in the child (and be lost), or write to a wakeup fd
        # the child has closed
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(report_r)
            os.close(report_w)
            raise
        if pid == 0:  # the worker: it never returns into the supervisor's code
            _in_worker(lambda: self._child(slot, first, report_r, report_w), mask)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(report_w)
        os.set_blocking(report_r, False)
        self.workers[pid] = _Worker(slot, pid, report_r)

    def _child(self, slot: int, first: bool, report_r: int, report_w: int) -> NoReturn:
        for fd in (report_r, self._wake_r, self._wake_w, self._life_w):
            os.close(fd)
        for other in self.workers.values():
            if other.report >= 0:
                os.close(other.report)
        _watch_lifeline(self._life_r)
        self.serve(slot, first, _reporter(report_w))

    def _read_report(self, worker: _Worker) -> None:
        try:
            data = os.read(worker.report, 65536)
        except BlockingIOError:
            return  # nothing (a process the worker forked may hold the pipe open)
        except OSError:
            data = b""
        if not data:  # the worker is gone (or going): _reap sees why
            self._close_report(worker)
            return
        if not worker.ready:
            worker.ready = True
            worker.mode, data = data[:1], data[1:]
            self._ready(worker)
        if data.startswith(FATAL):
            worker.fatal = data[1:].decode("utf-8", "replace")

    def _close_report(self, worker: _Worker) -> None:
        if worker.report >= 0:
            os.close(worker.report)
            worker.report = -1

    def _ready(self, worker: _Worker) -> None:
        if self.stopping:
            return  # a report read while stopping (or ending) starts nobody
        if not self.any_ready:
            self.any_ready = True
            self.mode = worker.mode
            if worker.mode == PROCESSES:
                busy = {w.slot for w in self.workers.values()}
                for slot in range(self.count):
                    if slot not in busy:
                        self._spawn(slot)

    def _reap(self) -> None:
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            if worker.report >= 0:  # what it said before it went
                self._read_report(worker)
                self._close_report(worker)
            if self.stopping:
                continue
            self._died(worker, status)

    def _died(self, worker: _Worker, status: int) -> None:
        how = _describe_status(status)
        if worker.fatal:
            self._end(1, worker.fatal)  # the environment is going away
        if not worker.ready and not self.any_ready:
            # init failed (and was reported by the worker): the environment is over
            self._end(1, None)
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < DEATH_WINDOW] + [now]
        if len(self.deaths) >= max(MIN_DEATHS, self.count):
            self._end(
                1,
                f"workers keep dying ({len(self.deaths)} within {DEATH_WINDOW:.0f} s, "
                f"the last {how}); exiting",
            )
        _stderr(f"worker {worker.slot} (pid {worker.pid}) {how}; starting another")
        self._spawn(worker.slot)

    def _stop(self) -> NoReturn:
        for worker in self.workers.values():
            _signal(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while self.workers and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.01)
        for worker in self.workers.values():
            _signal(worker.pid, signal.SIGKILL)
        self._reap()
        code = 130 if self.stopping == signal.SIGINT else 0
        raise SystemExit(code)

    def _end(self, code: int, message: str | None) -> NoReturn:
        if message:
            _stderr(message)
        for worker in self.workers.values():
            _signal(worker.pid, signal.SIGKILL)
        self.stopping = signal.SIGKILL
        self._reap()
        raise SystemExit(code)


def _in_worker(serve: Callable[[], NoReturn], mask: Any) -> NoReturn:
    """Run a worker's body in the forked child and leave with its exit status
    (`mask`: the signal mask to restore once the supervisor's handlers are gone)."""
    code: Any = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        serve()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # a bug of ours: say what, then go
        _stderr(f"worker failed: {type(exc).__name__}: {exc}")
    try:
        import atexit

        atexit._run_exitfuncs()  # what a normal exit runs (telemetry exporters flush)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    finally:
        if code is None:
            code = 0
        elif not isinstance(code, int):
            code = 1
        os._exit(code)


def _watch_lifeline(fd: int) -> None:
    """A worker stops (SIGTERM: its shutdown hooks run) when the supervisor is gone,
    however it went: nobody would reap or replace it."""
    import threading

    def watch() -> None:
        while True:
            try:
                if not os.read(fd, 1):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="minlambda-lifeline", daemon=True).start()


def _reporter(fd: int) -> Callable[[bytes], None]:
    def report(message: bytes) -> None:
        try:
            os.write(fd, message[:512])  # one write under PIPE_BUF: all or nothing
        except OSError:
            pass  # the supervisor is gone; the worker goes on until it is stopped

    return report


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"was killed by {name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _ignore(signum: int, frame: Any) -> None:
    pass


def _stderr(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
