"""An undecorated handler's arity and kind are read from its code object, without
importing inspect (7 ms of cold start with ast, dis and tokenize): the answers, and the
errors, are the ones inspect's signature gives."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pytest
from conftest import APPS, Proc, clean_env
from fakeapi import Event

from minlambda import _handler
from minlambda._errors import InvalidSchemaError


def _shapes() -> dict[str, Any]:
    def none(): ...
    def one(event): ...
    def two(event, context): ...
    def two_default(event, context=None): ...
    def three_default(event, context, extra=1): ...
    def three_required(event, context, extra): ...
    def star(*args): ...
    def one_star(event, *rest): ...
    def kw_default(event, *, flag=True): ...
    def kw_required(event, *, flag): ...
    def only_kwargs(**kwargs): ...
    def posonly(event, /, context): ...
    def all_defaults(event=None, context=None): ...
    def annotated(event: NotDefinedAnywhere, context: int) -> Nope: ...  # type: ignore[name-defined]  # noqa: F821

    async def async_two(event, context): ...

    async def async_gen(event):
        yield event

    def gen(event):
        yield event

    return {name: value for name, value in locals().items()}


SHAPES = _shapes()


def _by_inspect(func: Any) -> Any:
    # the same function behind a functools.wraps wrapper: not "plain", so the
    # signature (which follows __wrapped__) decides
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _answer(func: Any) -> Any:
    try:
        return _handler._parameters(func, "handler x")
    except InvalidSchemaError as exc:
        return str(exc)


@pytest.mark.parametrize("name", SHAPES)
def test_a_plain_function_gets_what_its_signature_says(name: str) -> None:
    func = SHAPES[name]
    assert _handler._plain(func) and not _handler._plain(_by_inspect(func))
    assert _answer(func) == _answer(_by_inspect(func))
    assert _handler._is_async(func) == inspect.iscoroutinefunction(func)
    assert _handler._is_async_generator(func) == inspect.isasyncgenfunction(func)


def test_callables_that_are_not_plain_functions_still_go_through_inspect() -> None:
    class Callable_:
        async def __call__(self, event: Any) -> Any: ...

    marked = SHAPES["two"]
    assert not _handler._plain(Callable_()) and _handler._is_async(Callable_())
    assert not _handler._plain(functools.partial(marked, 1))
    assert _handler._parameters(functools.partial(marked, 1), "x") == (1, "context")
    assert not _handler._plain(len) and _handler._parameters(len, "x") == (1, "obj")


# `python -m minlambda ARGS` where typing_extensions is not installed (a plain
# `pip install minlambda`): msgspec imports inspect through it when it is there
WITHOUT_TYPING_EXTENSIONS = (
    "import sys; sys.modules['typing_extensions'] = None; import runpy; "
    "runpy.run_module('minlambda', run_name='__main__', alter_sys=True)"
)


def test_serving_an_undecorated_handler_does_not_import_inspect(fake) -> None:
    # (not `ast`: on 3.14 `typing` itself imports it, through annotationlib)
    names = ["inspect", "dis", "tokenize", "minlambda._handler"]
    api = fake([Event({"names": names})])
    served = Proc(["-c", WITHOUT_TYPING_EXTENSIONS, "plain.loaded_modules"],
                  clean_env(AWS_LAMBDA_RUNTIME_API=api.address), APPS)
    try:
        (result,) = api.wait_results(1)
    finally:
        served.kill()
    assert result.json() == {"inspect": False, "dis": False, "tokenize": False,
                             "minlambda._handler": True}
