"""minlambda.testing (LocalRuntime, Emulator, InvokeResult) and the `lambda_runtime`
pytest fixture, over real sockets and, for the plugin, a real pytest subprocess."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

import minlambda.testing
from minlambda import Context, lambda_handler
from minlambda import _handler as handler_module
from minlambda.testing import Emulator, InvokeResult, LocalRuntime

HERE = Path(__file__).resolve().parent
CLIAPPS = HERE / "cliapps"
ROOT = HERE.parent
_SCRUB = (
    "AWS_LAMBDA_",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "LAMBDA_TASK_ROOT",
    "_LAMBDA_",
    "MINLAMBDA_",
)


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


def plain_handler(event, context):  # undecorated, unannotated, as in the official runtime
    return {"event": event, "request_id": context.aws_request_id}


pytestmark = pytest.mark.usefixtures("isolated_cliapps")  # each test on its own (tests/conftest.py)


def port_refuses(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


# -- LocalRuntime: what it can serve ------------------------------------------------------


def test_public_names() -> None:
    assert minlambda.testing.__all__ == ["Emulator", "Headers", "HttpResult", "InvokeResult", "LocalRuntime"]


def test_decorated_function_in_a_context_manager() -> None:
    @lambda_handler
    def charge(event: Order, context: Context) -> Receipt:
        return Receipt(id=event.id, total=event.amount * 2)

    with LocalRuntime(charge) as runtime:
        assert isinstance(runtime.emulator, Emulator)
        result = runtime.invoke({"id": "a", "amount": 2})
        bad = runtime.invoke({"id": "a"})
    assert result.ok
    assert result.payload == b'{"id":"a","total":4}'
    assert result.json() == {"id": "a", "total": 4}
    assert bad.error_type == "Runtime.ValidationError"
    assert bad.json()["errorDetails"] == {
        "location": "event",
        "path": "$.amount",
        "reason": "Object missing required field `amount`",
    }
    # the decorator left the function callable as it was
    assert charge(Order("b", 1), None) == Receipt(id="b", total=2)  # type: ignore[arg-type]


def test_plain_undecorated_handler() -> None:
    with LocalRuntime(plain_handler) as runtime:
        result = runtime.invoke({"a": [1, 2]})
    assert result.ok
    assert result.json() == {"event": {"a": [1, 2]}, "request_id": result.request_id}
    assert all(h.func is not plain_handler for h in handler_module.registered())


def test_handlers_with_fewer_arguments() -> None:
    def ping() -> str:
        return "pong"

    @lambda_handler
    def double(event: int) -> int:
        return event * 2

    with LocalRuntime(ping) as runtime:
        assert runtime.invoke({"ignored": True}).payload == b'"pong"'
    with LocalRuntime(double) as runtime:
        assert runtime.invoke(21).payload == b"42"
        assert runtime.invoke("x").error_type == "Runtime.ValidationError"


def test_registered_name_string() -> None:
    @lambda_handler(name="greeter")
    def greet(event: dict[str, str]) -> str:
        return f"hello {event['name']}"

    with LocalRuntime("greeter") as runtime:
        assert runtime.invoke({"name": "Ada"}).json() == "hello Ada"
        assert runtime.handler is not None and runtime.handler.func is greet


@pytest.mark.parametrize(
    "target",
    ["emu_typed.charge", "emu_typed:charge", str(CLIAPPS / "emu_typed.py") + ":charge"],
    ids=["module.function", "module:function", "file.py:function"],
)
def test_handler_string(target: str) -> None:
    with LocalRuntime(target) as runtime:
        result = runtime.invoke({"id": "s", "amount": 21})
    assert runtime.init_error is None
    assert result.ok and result.payload == b'{"id":"s","total":42}'


def test_async_handler_runs_on_one_lasting_event_loop() -> None:
    async def handler(event: dict[str, int], context: Context) -> dict[str, int]:
        await asyncio.sleep(0.01)
        return {"n": event["n"] + 1, "loop": id(asyncio.get_running_loop())}

    with LocalRuntime(handler) as runtime:
        first = runtime.invoke({"n": 1}).json()
        second = runtime.invoke({"n": 2}).json()
    assert (first["n"], second["n"]) == (2, 3)
    assert first["loop"] == second["loop"]


def test_async_handler_exception() -> None:
    async def handler(event: Any) -> Any:
        await asyncio.sleep(0)
        raise LookupError("nothing for " + event["q"])

    with LocalRuntime(handler) as runtime:
        result = runtime.invoke({"q": "x"})
    assert result.status == 200 and not result.ok
    assert result.error_type == "LookupError"
    assert result.error is not None and result.error["errorMessage"] == "nothing for x"
    assert result.error["requestId"] == result.request_id


def test_schema_msgspec_cannot_use_is_an_init_error() -> None:
    # decorated at import: only @lambda_handler reads annotations
    with LocalRuntime("emu_badschema.handler") as runtime:
        assert runtime.init_error is not None
        assert runtime.init_error.error_type == "Runtime.InvalidSchema"
        result = runtime.invoke({})
    assert result.status == 502
    assert result.error_type == "Runtime.InvalidSchema"
    assert "NotASchema" in result.json()["errorMessage"]
    assert runtime.failure is None


# -- InvokeResult ------------------------------------------------------------------------


def test_invoke_result_fields_of_a_success_and_a_failure() -> None:
    def handler(event: dict[str, Any]) -> Any:
        if event.get("fail"):
            raise ValueError("asked to fail")
        return {"echo": event}

    with LocalRuntime(handler) as runtime:
        good = runtime.invoke({"a": 1})
        bad = runtime.invoke({"fail": True})
    assert isinstance(good, InvokeResult)
    assert good.status == 200
    assert good.ok is True
    assert type(good.payload) is bytes and good.payload == b'{"echo":{"a":1}}'
    assert good.json() == {"echo": {"a": 1}}
    assert good.error is None and good.error_type is None
    assert good.request_id == good.headers["x-amzn-requestid"]
    assert all(name == name.lower() for name in good.headers)
    assert repr(good) == 'InvokeResult(status=200, ok=True, payload=b\'{"echo":{"a":1}}\')'
    assert bad.status == 200
    assert bad.ok is False
    assert bad.error_type == "ValueError"
    assert bad.error == bad.json()
    assert bad.json()["errorMessage"] == "asked to fail"
    assert bad.request_id == bad.headers["x-amzn-requestid"] != good.request_id


def test_invoke_result_with_payloads_that_are_not_error_objects() -> None:
    text = InvokeResult(502, {}, b"runtime crashed \xff")
    assert text.ok is False
    assert text.request_id is None
    assert text.error == {"errorType": None, "errorMessage": "runtime crashed \ufffd"}
    assert text.error_type is None
    listed = InvokeResult(200, {"x-amz-function-error": "Unhandled"}, b"[1, 2]")
    assert listed.ok is False
    assert listed.error == {"errorType": None, "errorMessage": "[1, 2]"}
    empty = InvokeResult(200, {}, b"")
    assert empty.ok is True and empty.error is None
    with pytest.raises(ValueError):
        empty.json()
    long = InvokeResult(200, {}, b"z" * 500)
    assert repr(long) == f"InvokeResult(status=200, ok=True, payload={b'z' * 200!r})"


# -- LocalRuntime: life cycle ------------------------------------------------------------


def test_close_is_prompt_while_idle_on_next() -> None:
    runtime = LocalRuntime(plain_handler).start()
    try:
        assert runtime.invoke({}).ok
        time.sleep(0.2)  # back in GET /next, waiting
        port = runtime.emulator.port
        threads = set(threading.enumerate())
    finally:
        start = time.monotonic()
        runtime.close()
        elapsed = time.monotonic() - start
    assert elapsed < 0.5, f"close() took {elapsed:.3f} s"
    assert runtime._thread is not None and not runtime._thread.is_alive()
    assert runtime.failure is None
    assert port_refuses(port)
    # the emulator's own threads end too
    deadline = time.monotonic() + 2
    while any(t.is_alive() for t in threads if t.name.startswith("minlambda")):
        assert time.monotonic() < deadline, [t.name for t in threads if t.is_alive()]
        time.sleep(0.01)


def test_invoke_starts_the_runtime_and_close_is_idempotent() -> None:
    runtime = LocalRuntime(plain_handler, timeout=4, function_name="lazy")
    try:
        assert runtime.handler is None
        result = runtime.invoke("x")
        assert result.ok and result.json()["event"] == "x"
        assert runtime.handler is not None
        assert runtime.runtime_api == f"127.0.0.1:{runtime.emulator.port}"
        assert (
            runtime.url == f"http://{runtime.runtime_api}/2015-03-31/functions/function/invocations"
        )
        assert runtime.emulator.timeout == 4 and runtime.emulator.function_name == "lazy"
        assert runtime.start() is runtime  # a second start changes nothing
    finally:
        runtime.close()
    runtime.close()
    never_started = LocalRuntime(plain_handler)
    never_started.close()


def test_timeout_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_TIMEOUT", "3")

    def handler(event: Any, context: Context) -> int:
        return context.get_remaining_time_in_millis()

    with LocalRuntime(handler) as runtime:
        remaining = runtime.invoke({}).json()
    assert 2000 < remaining <= 3000


def test_two_local_runtimes_side_by_side() -> None:
    def one() -> int:
        return 1

    def two() -> int:
        return 2

    with LocalRuntime(one) as first, LocalRuntime(two) as second:
        assert first.emulator.port != second.emulator.port
        assert (first.invoke().payload, second.invoke().payload) == (b"1", b"2")


# -- the pytest plugin ---------------------------------------------------------------------


def test_lambda_runtime_fixture(lambda_runtime: Any) -> None:
    runtime = lambda_runtime(plain_handler, timeout=4, function_name="fixture-fn")
    assert isinstance(runtime, LocalRuntime)
    assert runtime.emulator.function_name == "fixture-fn"

    def context_view(event: Any, context: Context) -> dict[str, Any]:
        return {"name": context.function_name, "left": context.get_remaining_time_in_millis()}

    other = lambda_runtime(context_view)
    assert runtime.invoke([1]).json()["event"] == [1]
    view = other.invoke({}).json()
    assert view["name"] == "test_function" and 299000 < view["left"] <= 300000


PLUGIN_TESTS = """
import socket

from minlambda.testing import LocalRuntime

SEEN = []


def handler(event, context):
    return {"twice": event * 2}


def test_uses_the_fixture(lambda_runtime):
    runtime = lambda_runtime(handler)
    assert isinstance(runtime, LocalRuntime)
    assert runtime.invoke(21).json() == {"twice": 42}
    SEEN.append(runtime)


def test_the_fixture_closed_it():
    (runtime,) = SEEN
    assert not runtime._thread.is_alive()
    try:
        socket.create_connection(("127.0.0.1", runtime.emulator.port), timeout=2).close()
    except ConnectionRefusedError:
        pass
    else:
        raise AssertionError("the emulator still listens")
"""


def pytest_subprocess(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_SCRUB) and not k.startswith("PYTEST_") and k != "PYTHONPATH"
    }
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_plugin_use.py").write_text(PLUGIN_TESTS)
    return tmp_path


def test_pytest_lists_the_lambda_runtime_fixture(plugin_dir: Path) -> None:
    done = pytest_subprocess(plugin_dir, "--fixtures")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("lambda_runtime "))
    assert "minlambda/_pytest_plugin.py" in lines[index]
    assert "Start a LocalRuntime for a handler" in lines[index + 1]


def test_the_fixture_works_and_cleans_up_in_another_pytest(plugin_dir: Path) -> None:
    done = pytest_subprocess(plugin_dir, "-q", "-W", "error")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


# -- known bugs ---------------------------------------------------------------------------


def test_a_failed_start_leaves_nothing_running() -> None:
    runtime = LocalRuntime(42)
    try:
        with pytest.raises(TypeError, match="is not callable"):
            runtime.start()
        assert port_refuses(runtime.emulator.port)
    finally:
        runtime.close()  # the test itself leaves nothing behind either way


def test_a_wrapper_outside_lambda_handler_is_served_by_name_imported_or_not():
    """`LocalRuntime("module.function")` serves what the module exposes, as
    `python -m minlambda module.function` does, even after the module was imported."""
    import importlib
    import sys

    sys.path.insert(0, str(HERE / "apps"))
    try:
        sys.modules.pop("wrapped_app", None)
        with LocalRuntime("wrapped_app.greet") as runtime:  # imported by the runtime
            first = runtime.invoke({"name": "ada"}).json()
        importlib.import_module("wrapped_app")
        with LocalRuntime("wrapped_app.greet") as runtime:  # already imported
            second = runtime.invoke({"name": "bob"}).json()
    finally:
        sys.path.remove(str(HERE / "apps"))
        sys.modules.pop("wrapped_app", None)
    assert (first, second) == ("HELLO ADA", "HELLO BOB")
