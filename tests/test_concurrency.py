"""Lambda Managed Instances in threads and tasks modes: N invocations at once in one
process, per-invocation state in contextvars, init once, failures isolated. Real
sockets, real threads and processes. (Processes mode: tests/test_processes.py.)"""

from __future__ import annotations

import asyncio
import contextvars
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from conftest import APPS, clean_env
from fakeapi import Event

from minlambda import current_context, lambda_handler
from minlambda.testing import Emulator, LocalRuntime


def sleepy(event: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    time.sleep(event["sleep"])
    if event.get("fail"):
        raise RuntimeError("this one fails")
    if event.get("exit"):
        raise SystemExit(3)
    context = current_context()
    return {"started": started, "ended": time.monotonic(), "request_id": context.aws_request_id,
            "thread": threading.get_ident()}


async def napping(event: dict[str, Any]) -> dict[str, Any]:
    mine = current_context().aws_request_id
    started = time.monotonic()
    await asyncio.sleep(event["sleep"])
    return {"started": started, "ended": time.monotonic(), "loop": id(asyncio.get_running_loop()),
            "request_id": mine, "same_context": current_context().aws_request_id == mine}


def _all(runtime: LocalRuntime, events: list[dict[str, Any]]):
    with ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(runtime.invoke, events))


def _overlap(replies: list[dict[str, Any]]) -> bool:
    """Every invocation was running at one moment: the last start precedes the first end."""
    return max(r["started"] for r in replies) < min(r["ended"] for r in replies)


@pytest.mark.parametrize("handler", [sleepy, napping], ids=["threads", "async-tasks"])
def test_n_invocations_run_at_once(handler):
    with LocalRuntime(handler, max_concurrency=4, concurrency="threads") as runtime:
        results = _all(runtime, [{"sleep": 0.4}] * 4)
    assert all(r.ok for r in results), results
    replies = [r.json() for r in results]
    assert _overlap(replies)
    assert [r["request_id"] for r in replies] == [r.request_id for r in results]


def test_async_invocations_share_one_loop_and_keep_their_context():
    with LocalRuntime(napping, max_concurrency=6) as runtime:
        replies = [r.json() for r in _all(runtime, [{"sleep": 0.05 * i} for i in range(6)])]
    assert len({r["loop"] for r in replies}) == 1
    assert all(r["same_context"] for r in replies)
    assert len({r["request_id"] for r in replies}) == 6


def test_sync_invocations_run_in_worker_threads():
    with LocalRuntime(sleepy, max_concurrency=3, concurrency="threads") as runtime:
        replies = [r.json() for r in _all(runtime, [{"sleep": 0.3}] * 3)]
    assert len({r["thread"] for r in replies}) == 3
    assert current_context() is None  # nothing leaks into the caller's thread


def test_one_failing_invocation_leaves_the_others_intact():
    events = [{"sleep": 0.3}, {"sleep": 0.1, "fail": True}, {"sleep": 0.3}, {"sleep": 0.1, "exit": True}]
    with LocalRuntime(sleepy, max_concurrency=4, timeout=3, concurrency="threads") as runtime:
        results = _all(runtime, events)
        assert results[0].ok and results[2].ok
        assert results[1].error_type == "RuntimeError"
        # SystemExit took its worker down: that worker is started again
        after = _all(runtime, [{"sleep": 0.2}] * 4)
    assert all(r.ok for r in after), after
    assert _overlap([r.json() for r in after])


def test_contextvars_never_leak_between_invocations():
    seen: list[tuple[str, str | None]] = []

    @lambda_handler(concurrency="threads")
    def record(event, context):
        before = current_context()
        time.sleep(0.05)
        seen.append((context.aws_request_id, before and before.aws_request_id))
        return current_context().aws_request_id

    with LocalRuntime(record, max_concurrency=3) as runtime:
        results = _all(runtime, [{}] * 9)
    assert [r.json() for r in results] == [r.request_id for r in results]
    assert all(mine == seen_id for mine, seen_id in seen)


# -- one at a time: the runner's slot -----------------------------------------------------

INHERIT = bool(getattr(sys.flags, "thread_inherit_context", 0))


def test_the_sequential_runtime_gives_each_invocation_its_context_and_none_outside():
    @lambda_handler
    def where(event, context):
        in_thread: list[object] = []
        worker = threading.Thread(target=lambda: in_thread.append(current_context()))
        worker.start()
        worker.join()
        return {
            "mine": current_context() is context,
            "request_id": current_context().aws_request_id,
            # threads start with no context, unless they inherit their starter's
            # (free-threaded builds): then they see the invocation that started them
            "in_a_new_thread": in_thread[0] is (context if INHERIT else None),
        }

    with LocalRuntime(where) as runtime:
        results = [runtime.invoke({}) for _ in range(3)]
        assert current_context() is None
    assert [r.json() for r in results] == [
        {"mine": True, "request_id": r.request_id, "in_a_new_thread": True} for r in results
    ]
    assert current_context() is None


def test_an_invocation_inside_an_invocation_gives_the_outer_one_its_context_back():
    @lambda_handler
    def inner(event, context):
        return current_context().aws_request_id

    @lambda_handler
    def outer(event, context):
        with LocalRuntime(inner) as nested:
            got = nested.invoke({}).json()
        return {"inner": got, "outer_after": current_context().aws_request_id}

    with LocalRuntime(outer) as runtime:
        result = runtime.invoke({})
    reply = result.json()
    assert reply["outer_after"] == result.request_id
    assert reply["inner"] != result.request_id


def test_a_sync_handlers_copied_context_follows_the_runner_not_the_invocation():
    """A sync handler's runner sets its slot once: a context copied during one
    invocation and run later sees the invocation running then (None between two)."""
    copies: list[contextvars.Context] = []

    @lambda_handler
    def copier(event, context):
        if event["step"] == 1:
            copies.append(contextvars.copy_context())
            return copies[0].run(lambda: current_context().aws_request_id)
        return copies[0].run(lambda: current_context().aws_request_id)

    with LocalRuntime(copier) as runtime:
        first = runtime.invoke({"step": 1})
        second = runtime.invoke({"step": 2})
        if INHERIT:
            # where threads inherit contexts, each invocation has a slot of its own
            # (as async ones do): a copy keeps the invocation it was made in
            assert copies[0].run(current_context).aws_request_id == first.request_id
            assert second.json() == first.request_id
            return
        # between invocations (the runner clears it just after posting the result)
        deadline = time.monotonic() + 5
        while copies[0].run(current_context) is not None and time.monotonic() < deadline:
            time.sleep(0.001)
        assert copies[0].run(current_context) is None
    assert first.json() == first.request_id
    assert second.json() == second.request_id


def test_an_async_task_keeps_the_context_of_the_invocation_that_started_it():
    """Tasks copy the context they start in: one spawned by an invocation still sees
    that invocation after the next one has begun (the sequential runtime, one loop)."""
    waiting: list[asyncio.Future[None]] = []
    spawned: list[asyncio.Task[str | None]] = []

    async def report() -> str | None:
        await waiting[0]
        context = current_context()
        return None if context is None else context.aws_request_id

    @lambda_handler
    async def spawner(event, context):
        if event["step"] == 1:
            waiting.append(asyncio.get_running_loop().create_future())
            spawned.append(asyncio.ensure_future(report()))
            return None
        waiting[0].set_result(None)
        return {"task_saw": await spawned[0], "now": current_context().aws_request_id}

    with LocalRuntime(spawner) as runtime:
        first = runtime.invoke({"step": 1})
        second = runtime.invoke({"step": 2})
    assert second.json() == {"task_saw": first.request_id, "now": second.request_id}


@pytest.mark.parametrize("inherit", ["0", "1"])
def test_a_thread_started_by_an_invocation_sees_it_only_where_threads_inherit_context(inherit):
    if inherit == "1" and sys.version_info < (3, 14):
        pytest.skip("-X thread_inherit_context is Python 3.14+")
    flags = ["-X", f"thread_inherit_context={inherit}"] if sys.version_info >= (3, 14) else []
    with Emulator() as emulator:
        proc = subprocess.Popen(
            [sys.executable, *flags, "-m", "minlambda", "thread_ctx.handler"],
            env=clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api), cwd=APPS,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            first = emulator.invoke({"step": 1})
            second = emulator.invoke({"step": 2})
        finally:
            proc.kill()
            proc.communicate(timeout=10)
    if inherit == "1":
        # the invocation that started the thread, even once the next one runs
        assert first.json() == first.request_id and second.json() == first.request_id
    else:
        assert first.json() is None and second.json() is None


# -- the process, as Lambda runs it ---------------------------------------------------------


def test_the_process_keeps_n_polls_in_flight(fake, proc):
    api = fake([])
    p = proc(["concurrent_app.sleepy"], api.address, AWS_LAMBDA_MAX_CONCURRENCY="3",
             MINLAMBDA_CONCURRENCY="threads")
    assert api.wait(lambda: len(api.of_kind("next")) >= 3, 10), api.requests
    assert len({r.conn for r in api.of_kind("next")}) == 3  # a connection each
    events = [Event({"sleep": 0.3}) for _ in range(3)]
    api.push(*events)
    results = api.wait_results(3)
    replies = [r.json() for r in results]
    assert _overlap(replies)
    assert [r["trace_env"] for r in replies] == [None] * 3  # not touched in this mode
    p.kill()


def test_init_runs_once_and_errors_are_json_lines(fake, proc):
    api = fake([Event({"sleep": 0, "fail": True}, request_id="bad-1"), Event({"sleep": 0})])
    p = proc(["concurrent_app.sleepy"], api.address, AWS_LAMBDA_MAX_CONCURRENCY="4",
             MINLAMBDA_CONCURRENCY="threads")
    api.wait_results(2)
    p.popen.kill()
    out, err = p.popen.communicate(timeout=10)
    assert out.decode().count("init ran") == 1
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    (record,) = [r for r in lines if r.get("errorType") == "RuntimeError"]
    assert record["requestId"] == "bad-1" and record["level"] == "ERROR"
    assert record["errorMessage"] == "this one fails" and record["stackTrace"]


def test_the_process_exits_when_the_api_fails(fake, proc):
    api = fake([Event({"sleep": 0})], after="500")
    p = proc(["concurrent_app.sleepy"], api.address, AWS_LAMBDA_MAX_CONCURRENCY="2",
             MINLAMBDA_CONCURRENCY="threads")
    code, _, err = p.wait(20)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and "the Runtime API failed, exiting" in lines[0]
