"""minlambda._agents, the stand-in for awslambdaric's bootstrap that runtime-hooking
agents patch, driven by an agent written here the way Sentry's and Honeybadger's
integrations are (they replace `handle_event_request` with a function that wraps
the request handler and calls the original, and the runtime client's post methods
with ones that flush first). The handlers `attach()` returns are served for real by
LocalRuntime (the emulator and the runtime loop, over sockets).

Also: `python -m minlambda` exposes the module where Sentry looks for it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ROOT, clean_env

from minlambda import _agents, lambda_handler
from minlambda._handler import handler_for
from minlambda.testing import LocalRuntime


class Agent:
    """Patches _agents as Sentry's AwsLambdaIntegration.setup_once patches
    awslambdaric's bootstrap, and records what runs, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, posts: bool = True) -> None:
        self.seen: list[str] = []
        original = _agents.handle_event_request

        def wrap(request_handler: Any) -> Any:
            def wrapped(event: Any, context: Any) -> Any:
                self.seen.append(f"enter {context.aws_request_id}")
                try:
                    return request_handler(event, context)
                except Exception as exc:
                    self.seen.append(f"captured {type(exc).__name__}")
                    raise
                finally:
                    self.seen.append("exit")

            return wrapped

        def handle_event_request(client: Any, request_handler: Any, *args: Any, **kw: Any) -> Any:
            return original(client, wrap(request_handler), *args, **kw)

        monkeypatch.setattr(_agents, "handle_event_request", handle_event_request)
        if posts:
            for name in ("post_invocation_result", "post_invocation_error", "post_init_error"):
                monkeypatch.setattr(
                    _agents.LambdaRuntimeClient,
                    name,
                    self._flushing(name, getattr(_agents.LambdaRuntimeClient, name)),
                )

    def _flushing(self, name: str, post: Any) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            self.seen.append(f"flush before {name}")
            if name == "post_init_error":
                self.seen.append(json.dumps(args[1], sort_keys=True))
            return post(*args, **kwargs)

        return inner


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Agent]:
    yield Agent(monkeypatch)


def two(event, context):
    if event.get("fail"):
        raise ValueError("two failed")
    return {"n": event["n"], "request_id": context.aws_request_id}


def one(event):
    return {"n": event["n"]}


def none():
    return "none"


async def coroutine(event, context):
    await asyncio.sleep(0)
    if event.get("fail"):
        raise KeyError("async failed")
    return {"n": event["n"]}


def test_nothing_patched_nothing_changed():
    handler = handler_for(two)
    assert _agents.attach(handler) is handler


def test_the_agent_wraps_each_invocation_and_flushes_before_the_post(agent):
    attached = _agents.attach(handler_for(two))
    assert attached.func is two and attached.name.endswith("two")
    with LocalRuntime(attached) as runtime:
        ok = runtime.invoke({"n": 1})
        assert ok.json() == {"n": 1, "request_id": ok.request_id}
        assert agent.seen == [
            f"enter {ok.request_id}",
            "exit",
            "flush before post_invocation_result",
        ]
        agent.seen.clear()
        failed = runtime.invoke({"fail": True})
        assert failed.error_type == "ValueError"
        assert agent.seen == [
            f"enter {failed.request_id}",
            "captured ValueError",
            "exit",
            "flush before post_invocation_error",
        ]


@pytest.mark.parametrize(("func", "expected"), [(one, {"n": 2}), (none, "none")])
def test_handlers_of_fewer_arguments_get_the_agents_two(agent, func, expected):
    with LocalRuntime(_agents.attach(handler_for(func))) as runtime:
        result = runtime.invoke({"n": 2})
    assert result.json() == expected
    assert agent.seen == [
        f"enter {result.request_id}",
        "exit",
        "flush before post_invocation_result",
    ]


def test_typed_handlers_keep_their_schemas(agent):
    @lambda_handler
    def typed(event: int) -> str:
        return f"got {event}"

    attached = _agents.attach(handler_for(typed))
    with LocalRuntime(attached) as runtime:
        assert runtime.invoke(3).json() == "got 3"
        assert runtime.invoke("x").error_type == "Runtime.ValidationError"
    # a bad event never reaches the handler, so neither the agent
    assert len([s for s in agent.seen if s.startswith("enter")]) == 1


def test_async_handlers_keep_the_flush_hooks(agent):
    attached = _agents.attach(handler_for(coroutine))
    assert attached.is_async
    with LocalRuntime(attached) as runtime:
        assert runtime.invoke({"n": 4}).json() == {"n": 4}
        assert runtime.invoke({"fail": True}).error_type == "KeyError"
    # the agents' wrappers are sync: an async def handler is not given to them
    assert agent.seen == [
        "flush before post_invocation_result",
        "flush before post_invocation_error",
    ]


def test_streaming_handlers_are_left_alone(agent):
    @lambda_handler(stream=True)
    def chunks(event):
        yield b"a"

    handler = handler_for(chunks)
    assert _agents.attach(handler) is handler


def test_an_agent_that_gives_nothing_back_is_not_used(monkeypatch, capfd):
    monkeypatch.setattr(_agents, "handle_event_request", lambda client, request_handler: None)
    with LocalRuntime(_agents.attach(handler_for(two))) as runtime:
        result = runtime.invoke({"n": 5})
    assert result.json() == {"n": 5, "request_id": result.request_id}
    assert "does not give back the request handler" in capfd.readouterr().err


def test_only_the_posts_patched(monkeypatch):
    agent = Agent(monkeypatch)
    monkeypatch.setattr(_agents, "handle_event_request", _agents._HANDLE)
    with LocalRuntime(_agents.attach(handler_for(two))) as runtime:
        runtime.invoke({"n": 6})
    assert agent.seen == ["flush before post_invocation_result"]


def test_init_failed_tells_the_agent(agent):
    _agents.init_failed("Runtime.ImportModuleError", "no module", ["  File x\n"])
    assert agent.seen == [
        "flush before post_init_error",
        json.dumps(
            {
                "errorMessage": "no module",
                "errorType": "Runtime.ImportModuleError",
                "stackTrace": ["  File x\n"],
            },
            sort_keys=True,
        ),
    ]


def test_init_failed_without_an_agent_does_nothing():
    _agents.init_failed("Runtime.ImportModuleError", "no module", [])


def test_python_m_minlambda_exposes_the_bootstrap_sentry_looks_for():
    pytest.importorskip("sentry_sdk")
    probe = (
        "from sentry_sdk.integrations.aws_lambda import get_lambda_bootstrap\n"
        "def where(event, context):\n"
        "    import sys\n"
        "    found = get_lambda_bootstrap()\n"
        "    return [found.__name__, 'bootstrap' in sys.modules]\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_MAIN, probe],
        env=clean_env(), cwd=ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == ["minlambda._agents", False]


# `python -m minlambda invoke probe.where`, with the probe module made in memory:
# runpy runs minlambda.__main__ as __main__, exactly as `-m` does
_RUN_MAIN = """
import runpy, sys, types
module = types.ModuleType("probe")
exec(sys.argv[1], module.__dict__)
sys.modules["probe"] = module
sys.argv = ["minlambda", "invoke", "probe.where", "--event", "{}"]
runpy.run_module("minlambda", run_name="__main__", alter_sys=True)
"""
