"""Shared fixtures: a scripted fake Runtime API, the runtime loop in a thread, and
`python -m minlambda` subprocesses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakeapi import Event, FakeAPI

from minlambda import _handler
from minlambda._context import FunctionInfo
from minlambda._handler import Handler, handler_for
from minlambda._loop import Runner
from minlambda._runtime_api import RuntimeAPI

APPS = Path(__file__).parent / "apps"
# the runtime's own source folder, as frames name it: what a "user frames only" check looks for
# (not the word "minlambda", which the checkout's own folder may well be called)
RUNTIME_DIR = str(Path(_handler.__file__).resolve().parent) + os.sep
CLIAPPS = Path(__file__).resolve().parent / "cliapps"
ROOT = Path(__file__).parent.parent
_SCRUB = ("AWS_LAMBDA_", "_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "_LAMBDA_", "MINLAMBDA_")


def clean_env(**extra: str | None) -> dict[str, str]:
    """os.environ without anything that changes what the runtime does, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(APPS)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


# A caret line: the `~~~^^^` marks Python puts under a frame's source line to point at
# the expression that raised. 3.11 and 3.12 leave them out when the expression is the
# whole line; 3.13 and later only when they would all be `^`, so a call that is the
# whole line gets `~~~~^^^^` there. awslambdaric formats frames without positions and
# never prints them.
CARET_LINE = re.compile(r"[ \t\xa0~^]*[~^][ \t\xa0~^]*")


def strip_carets(frame: str) -> str:
    """A stack trace entry without its caret lines."""
    lines = frame.splitlines(keepends=True)
    return "".join(line for line in lines if not CARET_LINE.fullmatch(line.rstrip("\n")))


def assert_same_frames_but_carets(actual: list[str], expected: list[str]) -> None:
    """The same frames, entry by entry: file, line number, function and source line
    exactly. The only difference allowed is one caret line after an entry's source
    line, no wider than it, which the interpreter's version decides (see CARET_LINE)."""
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected, strict=True):
        assert got.startswith(want), (got, want)
        extra = got[len(want) :]
        if extra:
            source = want.splitlines()[-1]
            assert want.endswith("\n") and extra.count("\n") == 1 and extra.endswith("\n"), (got, want)
            assert CARET_LINE.fullmatch(extra[:-1]), (got, want)
            assert len(extra[:-1].rstrip()) <= len(source), (got, want)
        assert strip_carets(got) == want


def assert_same_error_but_carets(actual: dict[str, Any], expected: dict[str, Any]) -> None:
    """An error document equal to `expected`, its stackTrace compared frame by frame
    with assert_same_frames_but_carets."""
    assert actual.keys() == expected.keys(), (actual, expected)
    rest = [key for key in expected if key != "stackTrace"]
    assert {k: actual[k] for k in rest} == {k: expected[k] for k in rest}
    if "stackTrace" in expected:
        assert_same_frames_but_carets(actual["stackTrace"], expected["stackTrace"])


# -- deeply nested events -----------------------------------------------------------------
# msgspec bounds the nesting it decodes by the interpreter's recursion guard: the
# recursion limit on 3.11 (some 1,000 levels) and 3.13 (some 10,000), the C stack
# from 3.14 (some 25,000 arrays, 20,000 objects or 260,000 skipped objects of an
# unknown field in 8 MiB of stack). Past the bound decoding raises RecursionError,
# which the runtime answers with Runtime.UnmarshalError. So a depth in between is
# decoded by some interpreters and refused by others, and a test can only ask that it
# be served or refused cleanly; PATHOLOGICAL depths are refused by every one.

# Lambda refuses an invocation payload over 6 MB: no event can nest deeper than this.
MAX_EVENT_BYTES = 6 * 1024 * 1024
# A depth some interpreters decode and others refuse.
MODERATE_DEPTH = 5_000
# As deep as fits in an event: 2 bytes a level, 1 GiB of stack at ~340 bytes a level.
PATHOLOGICAL_ARRAY_DEPTH = 3_000_000
# 6 bytes a level; some 32 MiB of stack even for the cheapest path (a skipped field).
PATHOLOGICAL_OBJECT_DEPTH = 1_000_000


def deep_arrays(depth: int) -> bytes:
    """`[[[...]]]`, `depth` arrays deep: encoded compactly, it is its own JSON."""
    return b"[" * depth + b"]" * depth


def deep_objects(depth: int) -> bytes:
    """`{"a":{"a":...1}}`, `depth` objects deep: encoded compactly, it is its own JSON."""
    return b'{"a":' * depth + b"1" + b"}" * depth


assert len(deep_arrays(PATHOLOGICAL_ARRAY_DEPTH)) <= MAX_EVENT_BYTES
assert len(deep_objects(PATHOLOGICAL_OBJECT_DEPTH)) <= MAX_EVENT_BYTES


@pytest.fixture
def fake() -> Iterator[Callable[..., FakeAPI]]:
    """Start a FakeAPI for a script: fake([Event(...), ...], after="hold")."""
    started: list[FakeAPI] = []

    def start(script: list[Event] | None = None, **options: Any) -> FakeAPI:
        api = FakeAPI(script, **options).__enter__()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


class ThreadRuntime:
    """The runtime loop in a thread against a fake API, with the warnings it logged."""

    def __init__(self, handler: Handler, address: str) -> None:
        self.warnings: list[str] = []
        self.errors: list[tuple[str, str, list[str]]] = []
        self.api = RuntimeAPI(address, warn=self.warnings.append)
        self.runner = Runner(handler, self.api, function=FunctionInfo({
            "AWS_LAMBDA_FUNCTION_NAME": "fn", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "7", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
            "AWS_LAMBDA_LOG_STREAM_NAME": "stream"}),
            log_error=lambda *a: self.errors.append(a))
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.runner.run(self.stop)
        except BaseException as exc:  # kept for the test to look at
            self.failure = exc

    def wait_exit(self, timeout: float = 10) -> BaseException | None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the runtime loop is still running"
        return self.failure

    def close(self) -> None:
        self.stop.set()
        self.api.connection.abort()
        self.thread.join(5)
        self.api.close()
        self.runner.close()


@pytest.fixture
def runtime() -> Iterator[Callable[..., ThreadRuntime]]:
    """Run a handler function's loop in a thread: runtime(func, fake_api)."""
    started: list[ThreadRuntime] = []

    def start(func: Any, api: FakeAPI) -> ThreadRuntime:
        handler = func if isinstance(func, Handler) else handler_for(func)
        rt = ThreadRuntime(handler, api.address)
        started.append(rt)
        return rt

    yield start
    for rt in started:
        rt.close()


class Proc:
    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.popen = subprocess.Popen([sys.executable, *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait(self, timeout: float = 20) -> tuple[int, str, str]:
        out, err = self.popen.communicate(timeout=timeout)
        return self.popen.returncode, out.decode(), err.decode()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.communicate()


@pytest.fixture
def proc() -> Iterator[Callable[..., Proc]]:
    """Start `python -m minlambda ARGS` (cwd tests/apps) against a Runtime API address."""
    started: list[Proc] = []

    def start(args: list[str], address: str | None = None, cwd: Path = APPS, **env: str | None) -> Proc:
        p = Proc(["-m", "minlambda", *args], clean_env(AWS_LAMBDA_RUNTIME_API=address, **env), cwd)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


@pytest.fixture
def fresh_http_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty caches of field names and status lines in minlambda._http, as in a new
    process: they are bounded, and earlier tests (random names) may have filled them."""
    from minlambda import _http

    for name in ("_NAME_CACHE", "_TEXT_NAMES", "_STATUS_LINES"):
        monkeypatch.setattr(_http, name, {})


@pytest.fixture
def isolated_cliapps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AWS_LAMBDA_* settings from outside; tests/cliapps importable; the handler
    registry, the imported cliapps modules and _X_AMZN_TRACE_ID (which the runtime
    loop writes into os.environ) put back afterwards. For a whole test module:
    `pytestmark = pytest.mark.usefixtures("isolated_cliapps")`."""
    for key in list(os.environ):
        if key.startswith(_SCRUB) and key != "_X_AMZN_TRACE_ID":
            monkeypatch.delenv(key)
    trace = os.environ.get("_X_AMZN_TRACE_ID")
    monkeypatch.syspath_prepend(str(CLIAPPS))
    registry = dict(_handler._REGISTRY)
    modules = set(sys.modules)
    yield
    _handler._REGISTRY.clear()
    _handler._REGISTRY.update(registry)
    for name in set(sys.modules) - modules:
        if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(CLIAPPS)):
            del sys.modules[name]
    if trace is None:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    else:
        os.environ["_X_AMZN_TRACE_ID"] = trace
