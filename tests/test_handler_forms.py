"""Handlers in the shapes real code gives them, over real sockets: sync wrappers around
async functions, objects with an async __call__, wrappers that are not the registered
function, types whose __post_init__ raises, and shutdown hooks that fail."""

from __future__ import annotations

import functools
import json
import signal
import socket
import subprocess
import sys
import time
import types
from typing import Any

import msgspec
import pytest
from conftest import APPS, clean_env

from minlambda import lambda_handler
from minlambda._handler import select
from minlambda.events import SQSEvent, SQSRecord
from minlambda.testing import LocalRuntime


def logged(func):
    @functools.wraps(func)
    def wrapper(*args):  # a sync decorator around an async function
        return func(*args)

    return wrapper


def test_a_sync_wrapper_around_an_async_handler_is_awaited():
    @logged
    @lambda_handler
    async def answer(event) -> dict:
        return {"got": event["n"]}

    with LocalRuntime(answer) as runtime:
        assert runtime.invoke({"n": 1}).json() == {"got": 1}


def test_an_object_with_an_async_call_is_awaited():
    class Handler:
        async def __call__(self, event, context):
            return {"request": context.aws_request_id != ""}

    with LocalRuntime(Handler()) as runtime:
        assert runtime.invoke({}).json() == {"request": True}


class Order(msgspec.Struct):
    id: str
    amount: int


def _sqs(*bodies: str) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{i}", "body": b} for i, b in enumerate(bodies)]}


def test_batch_mode_awaits_a_sync_wrapper_around_an_async_handler():
    seen: list[str] = []

    @logged
    @lambda_handler(batch=SQSEvent[Order])
    async def charge(record: SQSRecord[Order]) -> None:
        seen.append(record.body.id)
        if record.body.amount < 0:
            raise ValueError("negative")

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke(_sqs('{"id": "a", "amount": 1}', '{"id": "b", "amount": -1}'))
    assert seen == ["a", "b"]
    assert result.json() == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


class Checked(msgspec.Struct):
    d: dict[str, int]

    def __post_init__(self) -> None:
        self.d["required"]  # a KeyError, which msgspec lets through


def test_an_exception_from_the_event_types_post_init_is_an_error_not_a_crash():
    @lambda_handler
    def use(event: Checked) -> int:
        return event.d["required"]

    with LocalRuntime(use) as runtime:
        bad = runtime.invoke({"d": {}})
        good = runtime.invoke({"d": {"required": 3}})
    assert bad.error_type == "KeyError" and bad.json()["errorMessage"] == "'required'"
    assert good.json() == 3


def test_a_name_that_collides_with_another_function_is_not_taken_for_a_wrapper():
    module = types.ModuleType("billing_collision")

    def charge(event):  # the module's own function, nothing to do with the handler
        return "the module's charge"

    module.charge = charge
    sys.modules["billing_collision"] = module
    try:
        @lambda_handler(name="billing_collision.charge")
        def handle(event):
            return "the registered handler"

        chosen = select("billing_collision.charge")
        assert chosen.func is handle
        with LocalRuntime("billing_collision.charge") as runtime:
            assert runtime.invoke({}).json() == "the registered handler"
    finally:
        del sys.modules["billing_collision"]


def test_context_log_takes_any_value_as_the_official_runtime_does(capfd):
    @lambda_handler
    def note(event, context) -> str:
        context.log(123)
        context.log(b"bytes\n")
        context.log(0)
        return "ok"

    with LocalRuntime(note) as runtime:
        assert runtime.invoke({}).json() == "ok"
    assert "123bytes\n0" in capfd.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("concurrency", [None, "2"], ids=["sequential", "concurrent"])
def test_a_failing_shutdown_hook_does_not_stop_the_others(concurrency):
    port = _free_port()
    p = subprocess.Popen([sys.executable, "-m", "minlambda", "local", "hooks_fail_app.handler",
                          "--port", str(port)],
                         env=clean_env(AWS_LAMBDA_MAX_CONCURRENCY=concurrency), cwd=APPS,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert b"serving" in p.stdout.readline()
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/2015-03-31/functions/function/invocations", body=b"{}")
        assert json.loads(conn.getresponse().read()) == "ok"
        conn.close()
        time.sleep(0.1)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    # newest first: the failing one, then the first one, on the handler's own loop
    assert "the shutdown hook failing failed: RuntimeError: the database is gone" in err.decode()
    assert "first ran, same loop: True" in out.decode()
