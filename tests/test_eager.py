"""An `async def` handler's coroutine takes its first step at once, in a real Task,
and the event loop turns only when that step leaves something to wait for or to do
(minlambda._eager). What a handler can see must be what it saw under
run_until_complete: its Task, a running loop, asyncio.timeout(), contextvars of
its own, callbacks and tasks it started without awaiting them, async generators
closed on the loop, and its own frames in a stack trace."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import sys
import time
from typing import Any

import pytest

from minlambda import current_context, lambda_handler
from minlambda._eager import EagerLoop
from minlambda.testing import LocalRuntime

VAR: contextvars.ContextVar[Any] = contextvars.ContextVar("VAR", default="unset")


class CountingLoop(asyncio.SelectorEventLoop):
    """A standard loop that counts its turns."""

    turns = 0

    def _run_once(self) -> None:
        self.turns += 1
        super()._run_once()  # type: ignore[misc]


@pytest.fixture
def eager():
    loop = CountingLoop()
    loop.set_debug(False)  # (python -X dev: a loop in debug mode runs the usual way)
    runner = EagerLoop(loop)
    hooks = runner.install_hooks()
    yield runner
    runner.remove_hooks(hooks)
    loop.close()


async def _what_it_sees() -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    return {"task": task, "loop": loop, "running": loop.is_running(),
            "in_all_tasks": task in asyncio.all_tasks()}  # fmt: skip


def test_a_coroutine_that_never_waits_is_done_without_a_turn_of_the_loop(eager):
    seen = eager.run(_what_it_sees())
    assert isinstance(seen["task"], asyncio.Task) and seen["task"].done()
    assert seen["loop"] is eager.loop and seen["running"] and seen["in_all_tasks"]
    assert eager.loop.turns == 0
    assert not eager.loop.is_running()
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()  # the loop is no longer running here


def test_a_coroutine_that_waits_runs_on_the_loop_until_done(eager):
    async def waits() -> Any:
        first = asyncio.current_task()
        await asyncio.sleep(0.01)
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, future.set_result, "answer")
        return await future, asyncio.current_task() is first

    assert eager.run(waits()) == ("answer", True)
    assert eager.loop.turns > 0


def test_an_exception_before_or_after_waiting_is_raised_with_the_users_frames(eager):
    async def before() -> None:
        raise KeyError("before")

    async def after() -> None:
        await asyncio.sleep(0)
        raise KeyError("after")

    for coroutine in (before(), after()):
        with pytest.raises(KeyError) as info:
            eager.run(coroutine)
        names = [frame.name for frame in info.traceback]
        assert names[-1] in ("before", "after")


def test_asyncio_timeout_works_and_leaves_no_timer_behind(eager):
    async def within() -> str:
        async with asyncio.timeout(5):
            return "in time"

    async def too_slow() -> None:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(5)

    for _ in range(300):
        assert eager.run(within()) == "in time"
    assert eager.loop._scheduled == [] and eager.loop.turns == 0  # cancelled timers cleared
    with pytest.raises(TimeoutError):
        eager.run(too_slow())


def test_callbacks_and_tasks_started_without_waiting_run_before_it_returns(eager):
    seen: list[str] = []

    async def background() -> None:
        seen.append("task started")

    async def fire_and_forget() -> str:
        asyncio.get_running_loop().call_soon(seen.append, "callback")
        asyncio.create_task(background())
        return "answer"

    assert eager.run(fire_and_forget()) == "answer"
    assert seen == ["callback", "task started"]


def test_a_timer_set_by_a_handler_that_never_waits_fires_once_it_is_due(eager):
    seen: list[str] = []

    async def later() -> None:
        asyncio.get_running_loop().call_later(0.05, seen.append, "fired")

    async def nothing() -> None:
        pass

    eager.run(later())
    eager.run(nothing())
    assert seen == []
    time.sleep(0.06)
    eager.run(nothing())  # the loop turns for the timer that is due
    assert seen == ["fired"]


def test_each_coroutine_has_a_context_of_its_own(eager):
    async def sets(value: str) -> str:
        before = VAR.get()
        VAR.set(value)
        return before

    assert [eager.run(sets("a")), eager.run(sets("b"))] == ["unset", "unset"]
    assert VAR.get() == "unset"


def test_an_async_generator_left_open_is_closed_on_the_loop(eager):
    closed: list[str] = []

    async def numbers() -> Any:
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0)  # only the loop's finalizer can run this
            closed.append("closed")

    async def first() -> int:
        return await numbers().__anext__()  # the generator is dropped here, open

    assert eager.run(first()) == 1
    gc.collect()
    eager.run(asyncio.sleep(0))
    assert closed == ["closed"]


def test_system_exit_leaves_the_loop_as_it_was(eager, caplog):
    async def exits() -> None:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        eager.run(exits())
    gc.collect()
    assert "never retrieved" not in caplog.text  # consumed, as run_until_complete does
    assert not eager.loop.is_running()
    assert eager.run(_what_it_sees())["running"]


def test_a_loop_in_debug_mode_or_with_a_task_factory_runs_the_usual_way(eager):
    made: list[Any] = []

    def factory(loop: Any, coroutine: Any, **options: Any) -> asyncio.Task[Any]:
        made.append(coroutine)
        return asyncio.Task(coroutine, loop=loop, **options)

    eager.loop.set_task_factory(factory)
    assert eager.run(_what_it_sees())["running"]
    assert len(made) == 1 and eager.loop.turns > 0
    eager.loop.set_task_factory(None)
    eager.loop.set_debug(True)
    turns = eager.loop.turns
    assert eager.run(_what_it_sees())["running"]
    assert eager.loop.turns > turns


def test_an_awaitable_that_is_not_a_coroutine_runs_the_usual_way(eager):
    async def numbers() -> Any:
        yield "chunk"

    chunks = numbers()
    assert eager.run(chunks.__anext__()) == "chunk"
    eager.run(chunks.aclose())


def test_the_watchdog_gets_the_task(eager):
    class Watch:
        task = None

    watch = Watch()
    seen = eager.run(_what_it_sees(), watch)
    assert watch.task is seen["task"]


def test_a_loop_it_does_not_know_runs_the_usual_way():
    class Other:
        """Not an asyncio.BaseEventLoop (as uvloop's is not)."""

        def run_until_complete(self, coroutine: Any) -> Any:
            # (not asyncio.Runner: it would set this thread's event loop, then None,
            # dropping one that code imported at collection made: Mangum's, unclosed)
            loop = asyncio.new_event_loop()
            try:
                return loop.run_until_complete(coroutine)
            finally:
                loop.close()

    assert EagerLoop(Other()).run(_what_it_sees())["running"]


# -- through the runtime -------------------------------------------------------------


@lambda_handler
async def sees(event: dict[str, Any]) -> dict[str, Any]:
    task = asyncio.current_task()
    before = VAR.get()
    VAR.set(event["n"])
    if event.get("wait"):
        await asyncio.sleep(0.001)
    async with asyncio.timeout(5):
        pass
    context = current_context()
    return {"task": task is not None and not task.done(), "before": before, "n": VAR.get(),
            "request_id": context is not None and context.aws_request_id == event["id"]}  # fmt: skip


def test_an_async_handler_sees_its_task_its_context_and_a_running_loop():
    with LocalRuntime(sees) as local:
        answers = [local.invoke({"n": n, "wait": n % 2, "id": ""}) for n in range(4)]
    for n, answer in enumerate(answers):
        assert answer.ok, answer.payload
        assert answer.json() == {"task": True, "before": "unset", "n": n, "request_id": False}


@lambda_handler
async def keeps_its_context(event: dict[str, Any]) -> str:
    context = current_context()
    assert context is not None
    if event.get("wait"):
        await asyncio.sleep(0.05)  # the loop turns: the first invocation's task ends
        return context.aws_request_id

    async def later() -> None:
        await asyncio.sleep(0.01)
        seen = current_context()
        KEPT.append(seen is not None and seen.aws_request_id == context.aws_request_id)

    asyncio.create_task(later())
    return context.aws_request_id


KEPT: list[bool] = []


def test_a_task_a_handler_started_keeps_its_invocations_context():
    KEPT.clear()
    with LocalRuntime(keeps_its_context) as local:
        first = local.invoke({})
        local.invoke({"wait": True})
    assert first.ok and KEPT == [True]


async def _fails_later() -> None:
    await asyncio.sleep(0)
    raise ValueError("after waiting")


@lambda_handler
async def fails(event: dict[str, Any]) -> None:
    if event["wait"]:
        await _fails_later()
    raise ValueError("before waiting")


@pytest.mark.parametrize("wait", [False, True])
def test_an_async_handlers_stack_trace_is_its_own_whether_it_waited_or_not(wait, capfd):
    with LocalRuntime(fails) as local:
        result = local.invoke({"wait": wait})
    assert result.error_type == "ValueError"
    stack = result.error["stackTrace"]
    assert f'"{__file__}"' in stack[0] and "in fails" in stack[0], stack
    assert all(__file__ in frame for frame in stack if frame.startswith('  File "')), stack
    assert ("in _fails_later" in stack[-1]) is wait
    log = capfd.readouterr()
    logged = log.out + log.err
    assert "[ERROR]" in logged and "asyncio" not in logged.split("[ERROR]", 1)[1]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager tasks are Python 3.12+")
def test_on_3_12_the_task_is_an_eager_one(eager):
    assert eager.run(_what_it_sees())["task"].done()


def test_an_invocation_outliving_close_makes_no_new_event_loop(fake, runtime):
    """close() while an async invocation still runs (LocalRuntime waits 10 s for the
    runner thread, then closes anyway): the loop is closed and the runner makes no
    new one behind it, which nobody would close (a ResourceWarning at some later
    garbage collection)."""
    import threading

    from fakeapi import Event

    entered = threading.Event()
    release = threading.Event()

    async def slow(event: Any, context: Any) -> Any:
        entered.set()
        release.wait(10)  # (blocking on purpose: close() runs meanwhile)
        return event

    api = fake([Event({"n": 1})])
    rt = runtime(slow, api)
    assert entered.wait(10)
    loop = rt.runner._loop
    rt.stop.set()
    rt.runner.close()
    release.set()
    assert rt.wait_exit() is None
    assert rt.runner._loop is None and rt.runner._eager is None
    assert loop.is_closed()


def test_a_call_soon_a_library_set_on_the_loop_stays(eager):
    """(3.11 takes the Task's first step by standing in for loop.call_soon for a
    moment: a loop whose call_soon was replaced on the instance runs the usual way,
    and keeps its replacement.)"""
    calls = []
    original = eager.loop.call_soon

    def patched(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    eager.loop.call_soon = patched
    assert eager.run(_what_it_sees())["running"]
    assert eager.loop.__dict__["call_soon"] is patched


def test_the_result_is_not_kept_after_the_invocation(eager):
    import weakref

    class Result:
        pass

    async def make() -> Result:
        return Result()

    kept = weakref.ref(eager.run(make()))
    gc.collect()
    assert kept() is None
