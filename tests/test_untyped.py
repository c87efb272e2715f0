"""Typing is opt-in: only @lambda_handler reads annotations. Undecorated handlers
(tests/cliapps/untyped_app.py, untyped_eager.py) get plain JSON values in and out
whatever their annotations say, and decorated ones beside them still validate, over
real sockets, whichever way the handler is served: LocalRuntime given the function or
its "module.function" string, `python -m minlambda invoke module.function`, and the
Emulator with a `python -m minlambda module.function` subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cliapps import untyped_app, untyped_eager
from conftest import clean_env

from minlambda import _handler
from minlambda.testing import Emulator, LocalRuntime

HERE = Path(__file__).resolve().parent
CLIAPPS = HERE / "cliapps"
ROOT = HERE.parent
MODULES = {"untyped_app": untyped_app, "untyped_eager": untyped_eager}

pytestmark = pytest.mark.usefixtures("isolated_cliapps")  # each test on its own (tests/conftest.py)


def child_env(**extra: str) -> dict[str, str]:
    """A clean environment (conftest.clean_env) with only the repository on PYTHONPATH."""
    return clean_env(PYTHONPATH=str(ROOT), **extra)


# -- the ways a handler is served: each runs one event, gives (ok, payload) -------------

Run = Callable[[str, bytes], tuple[bool, bytes]]


def _local_function(target: str, event: bytes) -> tuple[bool, bytes]:
    module, function = target.split(".")
    with LocalRuntime(getattr(MODULES[module], function)) as runtime:
        result = runtime.invoke(event)
    assert runtime.init_error is None and runtime.failure is None
    return result.ok, result.payload


def _local_string(target: str, event: bytes) -> tuple[bool, bytes]:
    with LocalRuntime(target) as runtime:
        result = runtime.invoke(event)
    assert runtime.init_error is None and runtime.failure is None
    return result.ok, result.payload


def _cli_invoke(target: str, event: bytes) -> tuple[bool, bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "minlambda", "invoke", target],
        cwd=CLIAPPS, env=child_env(), input=event, capture_output=True, timeout=30,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode == 0, done.stdout


def _emulator_subprocess(target: str, event: bytes) -> tuple[bool, bytes]:
    emulator = Emulator(timeout=10, function_name="untyped").start()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "minlambda", target],
            cwd=CLIAPPS,
            env=child_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api,
                          AWS_LAMBDA_FUNCTION_NAME="untyped"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            result = emulator.invoke(event)
            assert result.status == 200, (result.payload, process)
            assert process.poll() is None  # still serving
        finally:
            process.kill()
            process.wait(10)
            assert process.stderr is not None
            process.stderr.close()
    finally:
        emulator.close()
    return result.ok, result.payload


PATHS: dict[str, Run] = {
    "local-function": _local_function,
    "local-string": _local_string,
    "cli-invoke": _cli_invoke,
    "emulator-subprocess": _emulator_subprocess,
}


@pytest.fixture(params=list(PATHS))
def run(request: pytest.FixtureRequest) -> Run:
    return PATHS[request.param]


def _json(event: Any) -> bytes:
    return json.dumps(event).encode()


# -- undecorated: annotations ignored ---------------------------------------------------


UNTYPED = {
    # an `event: Order` annotation: the dict arrives, even one that would not fit Order
    "struct-annotation": ("untyped_app.struct_event", {"id": "a", "amount": "many"},
                          {"type": "dict", "event": {"id": "a", "amount": "many"}}),
    # a name imported only under TYPE_CHECKING (the module has `from __future__ ...`)
    "type-checking-name": ("untyped_app.type_checking_only", {"a": 1},
                           {"type": "dict", "event": {"a": 1}}),
    # the same as a string annotation in a module without `from __future__ ...`
    "type-checking-name-eager": ("untyped_eager.type_checking_only", [1, 2],
                                 {"type": "list", "event": [1, 2]}),
    # `event: dict` given a list, `-> dict` returning it
    "dict-given-a-list": ("untyped_app.dict_event", [1, "x", None], [1, "x", None]),
    # a TypedDict (total=True) with a key missing
    "typeddict-missing-key": ("untyped_app.typed_dict", {"title": "Alien"},
                              {"type": "dict", "event": {"title": "Alien"}}),
    # `event: bytes`: the decoded JSON, not the raw payload
    "bytes-annotation-string": ("untyped_app.bytes_event", "abc", {"type": "str", "event": "abc"}),
    "bytes-annotation-object": ("untyped_app.bytes_event", {"k": [1]},
                                {"type": "dict", "event": {"k": [1]}}),
    # a wrapper annotated "Any" where Any is not importable
    "wrapper-annotated-any": ("untyped_eager.any_wrapper", {"n": 1}, {"type": "dict", "event": {"n": 1}}),
    # a functools.wraps wrapper annotated "Any" around a function annotated "Missing"
    "wraps-wrapper-annotated-any": ("untyped_eager.wrapped", "s", {"type": "str", "event": "s"}),
}


@pytest.mark.parametrize(("target", "event", "expected"), UNTYPED.values(), ids=UNTYPED.keys())
def test_an_undecorated_handler_gets_plain_json_whatever_its_annotations(
    run: Run, target: str, event: Any, expected: Any
) -> None:
    ok, payload = run(target, _json(event))
    assert ok, payload
    assert json.loads(payload) == expected


def test_an_undecorated_handler_annotated_to_return_a_dict_may_return_none(run: Run) -> None:
    ok, payload = run("untyped_app.returns_none", b"{}")
    assert ok, payload
    assert payload == b"null"


def test_an_event_that_is_not_json_is_still_an_unmarshal_error_for_a_bytes_annotation(run: Run) -> None:
    # `event: bytes` undecorated is not the raw-payload special case: the payload is JSON
    ok, payload = run("untyped_app.bytes_event", b"not json")
    assert not ok
    assert json.loads(payload)["errorType"] == "Runtime.UnmarshalError"


# -- decorated: annotations read --------------------------------------------------------


@pytest.mark.parametrize("target", ["untyped_app.checked", "untyped_app.checked_traced"],
                         ids=["decorated", "wrapper-around-decorated"])
def test_a_decorated_handler_still_validates(run: Run, target: str) -> None:
    ok, payload = run(target, _json({"id": "a", "amount": "many"}))
    assert not ok
    error = json.loads(payload)
    assert error["errorType"] == "Runtime.ValidationError"
    assert error["errorDetails"] == {"location": "event", "path": "$.amount",
                                     "reason": "Expected `int`, got `str`"}
    ok, payload = run(target, _json({"id": "a", "amount": 2}))
    assert ok and json.loads(payload) == {"id": "a", "amount": 4}


def test_a_decorated_bytes_handler_gets_the_raw_payload(run: Run) -> None:
    ok, payload = run("untyped_app.raw", b"not json \xff")
    assert ok and payload == b"<not json \xff>"


def test_the_same_annotations_decorated_are_read() -> None:
    # what the undecorated handlers above are spared: decorated, these annotations are
    # evaluated, and a name imported only under TYPE_CHECKING cannot be: an init
    # error (InvalidSchema) once served
    with pytest.raises(TypeError, match="cannot evaluate the event annotation 'Missing'"):
        _handler.Handler(untyped_eager.type_checking_only).ready()
    typed = _handler.Handler(untyped_app.typed_dict)  # what @lambda_handler builds
    assert typed.event_type is untyped_app.Movie
    assert _handler.handler_for(untyped_app.typed_dict).event_type is Any
