"""@lambda_handler: forms, schema resolution, what is refused at decoration, the
registry, and how events are decoded and responses encoded (no I/O here)."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Annotated, Any, Literal, TypedDict

import msgspec
import pytest

from minlambda import Context, lambda_handler
from minlambda._errors import RuntimeFault
from minlambda._handler import _REGISTRY, Handler, handler_for, registered, select


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


class Cat(msgspec.Struct, tag=True):
    name: str


class Dog(msgspec.Struct, tag=True):
    barks: bool


class Plain:
    def __init__(self, x: int) -> None:
        self.x = x


@pytest.fixture(autouse=True)
def _clean_registry():
    saved = dict(_REGISTRY)
    yield
    _REGISTRY.clear()
    _REGISTRY.update(saved)


def test_the_bare_decorator_returns_the_function_unchanged():
    def charge(event: Order, context: Context) -> Receipt:
        return Receipt(event.id, event.amount * 2)

    assert lambda_handler(charge) is charge
    assert charge(Order("a", 2), None) == Receipt("a", 4)  # still directly callable
    handler = handler_for(charge)
    assert handler.name == f"{__name__}.test_the_bare_decorator_returns_the_function_unchanged.<locals>.charge"
    assert (handler.event_type, handler.response_type, handler.arity) == (Order, Receipt, 2)
    assert _REGISTRY[handler.name] is handler


def test_the_decorator_with_options_overrides_annotations():
    @lambda_handler(event=Point, response=list[int], name="points")
    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return [event.x, event.y]  # type: ignore[return-value]

    handler = handler_for(handle)
    assert handler.name == "points" and handler.event_type is Point and handler.response_type == list[int]
    assert handler.decode(b'{"x":1,"y":2}') == Point(1, 2)
    assert handler.encode(handle(Point(1, 2)))[0] == b"[1,2]"


def test_string_annotations_are_resolved():
    # this module uses `from __future__ import annotations`: every annotation is a string
    @lambda_handler
    def handle(event: Movie, context: Context) -> datetime.date:
        return datetime.date(event["year"], 1, 1)

    handler = handler_for(handle)
    assert handler.event_type is Movie and handler.response_type is datetime.date
    assert handler.encode(handle(handler.decode(b'{"title":"x","year":1999}'), None))[0] == b'"1999-01-01"'


def test_an_unresolvable_context_annotation_does_not_matter():
    def handle(event: int, context: UndefinedContextType) -> int:  # noqa: F821
        return event

    assert handler_for(lambda_handler(handle)).event_type is int


def test_an_annotation_that_never_resolves_is_a_type_error_once_served():
    def handle(event: UndefinedEventType) -> int:  # noqa: F821
        return 1

    handler = Handler(handle)  # decorating waits: the name may be defined below
    with pytest.raises(TypeError, match="handle: cannot evaluate the event annotation 'UndefinedEventType'"):
        handler.ready()


def test_an_event_class_defined_below_the_handler_is_resolved_when_served():
    namespace: dict[str, object] = {"lambda_handler": lambda_handler}
    exec(  # a module as written: the decorated function first, its event type after it
        "from __future__ import annotations\n"
        "import msgspec\n"
        "@lambda_handler\n"
        "def handle(event: Later) -> Later:\n"
        "    return event\n"
        "class Later(msgspec.Struct):\n"
        "    n: int\n",
        namespace,
    )
    handler = handler_for(namespace["handle"])  # type: ignore[arg-type]
    assert handler.pending is not None
    assert handler.decode(b'{"n": 3}') == namespace["Later"](3)  # type: ignore[operator]
    assert handler.pending is None and handler.event_type is namespace["Later"]
    assert handler.response_type is namespace["Later"]
    with pytest.raises(RuntimeFault) as caught:
        handler.decode(b'{"n": "x"}')
    assert caught.value.error_type == "Runtime.ValidationError"


SCHEMAS = [
    (Order, b'{"id":"a","amount":1}', Order("a", 1)),
    (Point, b'{"x":1,"y":2}', Point(1, 2)),
    (Movie, b'{"title":"t","year":1}', {"title": "t", "year": 1}),
    (Cat | Dog, b'{"type":"Dog","barks":true}', Dog(True)),
    (Literal["a", "b"], b'"b"', "b"),
    (list[int], b"[1,2]", [1, 2]),
    (dict[str, float], b'{"a":1.5}', {"a": 1.5}),
    (datetime.datetime, b'"2024-01-02T03:04:05Z"',
     datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)),
    (uuid.UUID, b'"8476a536-e9f4-11e8-9739-2dfe598c3fcd"', uuid.UUID("8476a536-e9f4-11e8-9739-2dfe598c3fcd")),
    (Annotated[int, msgspec.Meta(ge=0)], b"5", 5),
    (Order | None, b"null", None),
    (Any, b'{"any":[1,"x",null]}', {"any": [1, "x", None]}),
    (bytes, b"\xffraw", b"\xffraw"),
    (msgspec.Raw, b'{"a": 1}', msgspec.Raw(b'{"a": 1}')),
]


@pytest.mark.parametrize(("schema", "body", "expected"), SCHEMAS, ids=[repr(s[0]) for s in SCHEMAS])
def test_any_msgspec_type_is_an_event_schema(schema, body, expected):
    handler = Handler(lambda event: event, event=schema)
    assert handler.decode(body) == expected


@pytest.mark.parametrize("schema", [Plain, list[Plain], dict[str, Plain], Plain | None, tuple[int, Plain]],
                         ids=["class", "list", "dict", "optional", "tuple"])
@pytest.mark.parametrize("role", ["event", "response"])
def test_a_plain_class_is_not_a_schema(schema, role):
    def handle(event):
        return event

    with pytest.raises(TypeError, match=r"handle: .* Plain is a plain class"):
        lambda_handler(**{role: schema})(handle)
    assert registered() == [h for h in registered() if h.func is not handle]


def test_a_type_msgspec_rejects_is_a_type_error_naming_the_function():
    def handle(event):
        return event

    with pytest.raises(TypeError, match=r"handle: event type .* is not supported by msgspec"):
        lambda_handler(event=Order | Receipt)(handle)  # two untagged Structs in a union


@pytest.mark.parametrize("signature", ["(a, b, c)", "(*, key)", "(a, b, c, d=1)"])
def test_a_function_that_cannot_be_called_as_a_handler_is_refused(signature):
    namespace: dict[str, Any] = {}
    exec(f"def handle{signature}: pass", namespace)
    with pytest.raises(TypeError, match="a handler takes"):
        lambda_handler(namespace["handle"])


def test_arity_is_taken_from_the_signature():
    def zero():
        return 0

    def one(event):
        return 1

    def two(event, context=None):
        return 2

    def star(*args):
        return 3

    def defaults(event, context, extra=1):
        return 4

    assert [handler_for(f).arity for f in (zero, one, two, star, defaults)] == [0, 1, 2, 2, 2]


def test_async_functions_are_marked():
    async def handle(event):
        return event

    assert handler_for(handle).is_async and not handler_for(lambda e: e).is_async


def test_a_callable_instance_is_a_handler():
    class Handle:
        def __call__(self, event: int, context: Any) -> int:
            return event + 1

    handler = handler_for(lambda_handler(Handle()))
    assert handler.event_type is int and handler.arity == 2
    plain = handler_for(Handle())  # undecorated: its annotations are not read
    assert plain.event_type is Any and plain.response_type is Any and plain.arity == 2


def test_a_bound_method_is_a_handler():
    class Service:
        def handle(self, event: Order) -> int:
            return event.amount

    handler = handler_for(lambda_handler(Service().handle))
    assert handler.event_type is Order and handler.arity == 1
    plain = handler_for(Service().handle)  # undecorated: its annotations are not read
    assert plain.event_type is Any and plain.response_type is Any and plain.arity == 1


# -- encoding --------------------------------------------------------------------------


def _handler(response: Any) -> Handler:
    return Handler(lambda event: event, response=response)


def test_a_response_of_the_declared_type_is_encoded_as_is():
    assert _handler(Receipt).encode(Receipt("a", 1)) == (b'{"id":"a","total":1}', "application/json")


def test_a_dict_is_converted_to_the_declared_struct():
    assert _handler(Receipt).encode({"id": "a", "total": 1})[0] == b'{"id":"a","total":1}'


def test_an_object_with_attributes_is_converted():
    @dataclasses.dataclass
    class Bill:
        id: str
        total: int

    assert _handler(Receipt).encode(Bill("b", 3))[0] == b'{"id":"b","total":3}'
    with pytest.raises(RuntimeFault) as info:
        _handler(Receipt).encode(Point(1, 2))
    assert info.value.error_type == "Runtime.MarshalError"


@pytest.mark.parametrize(("value", "path", "reason"), [
    ({"id": "a", "total": "x"}, "$.total", "Expected `int`, got `str`"),
    ({"id": "a"}, "$.total", "Object missing required field `total`"),
    ([1], "$", "Expected `object`, got `array`"),
])
def test_a_response_that_does_not_fit_is_a_marshal_error_with_its_path(value, path, reason):
    with pytest.raises(RuntimeFault) as info:
        _handler(Receipt).encode(value)
    fault = info.value
    assert fault.error_type == "Runtime.MarshalError"
    assert fault.details == {"location": "response", "path": path, "reason": reason}
    assert fault.message.startswith("Unable to marshal response: ")


def test_bool_is_not_an_int_response():
    with pytest.raises(RuntimeFault):
        _handler(int).encode(True)


@pytest.mark.parametrize(("value", "body", "content_type"), [
    (b"\x00raw", b"\x00raw", "application/unknown"),
    (bytearray(b"ba"), b"ba", "application/unknown"),
    (memoryview(b"mv"), b"mv", "application/unknown"),
    (msgspec.Raw(b'{"x":1}'), b'{"x":1}', "application/json"),
])
@pytest.mark.parametrize("response", [Any, Receipt, bytes])
def test_bytes_and_raw_are_sent_verbatim_whatever_the_schema(value, body, content_type, response):
    assert _handler(response).encode(value) == (body, content_type)


def test_none_and_no_annotation():
    def handle(event) -> None:
        return None

    assert handler_for(handle).encode(None) == (b"null", "application/json")
    assert _handler(Any).encode({"a": [1, None]})[0] == b'{"a":[1,null]}'


@pytest.mark.parametrize("value", [{1, 2}, object(), float("nan"), 2**70])
def test_encoding_never_raises_anything_but_a_marshal_error(value):
    try:
        body, _ = _handler(Any).encode(value)
    except RuntimeFault as fault:
        assert fault.error_type == "Runtime.MarshalError"
        assert fault.details is not None and fault.details["location"] == "response"
    else:
        assert body in (b"[1,2]", b"null", b"1180591620717411303424")


# -- the registry ----------------------------------------------------------------------


def _register(name: str) -> Handler:
    def fn(event):
        return name

    fn.__name__ = fn.__qualname__ = name.rpartition(".")[2]
    fn.__module__ = name.rpartition(".")[0] or "app"
    lambda_handler(fn)
    return handler_for(fn)


def test_select_picks_the_only_handler():
    _REGISTRY.clear()
    only = _register("app.charge")
    assert select(None) is only
    assert select("anything.else") is only  # one handler: a stray _HANDLER does not matter


@pytest.mark.parametrize("wanted", ["app.refund", "app:refund", "refund"])
def test_select_by_HANDLER_forms(wanted):
    _REGISTRY.clear()
    _register("app.charge")
    refund = _register("app.refund")
    assert select(wanted) is refund


def test_select_among_several_without_a_name_lists_them():
    _REGISTRY.clear()
    _register("app.charge")
    _register("app.refund")
    with pytest.raises(RuntimeFault) as info:
        select(None)
    assert info.value.error_type == "Runtime.HandlerNotFound"
    assert info.value.message == ("Several handlers are registered (app.charge, app.refund): "
                                  "name one with _HANDLER (charge or refund) or serve(handler)")
    with pytest.raises(RuntimeFault) as info:  # chosen among a file's: its command-line forms
        select(None, registered(), path="src/app.py")
    assert info.value.message == ("Several handlers are registered (app.charge, app.refund): "
                                  "name one on the command line (src/app.py:charge or "
                                  "src/app.py:refund) or with _HANDLER")
    with pytest.raises(RuntimeFault, match="matches none"):
        select("app.nothing")


def test_select_with_nothing_registered():
    _REGISTRY.clear()
    with pytest.raises(RuntimeFault, match="No handler is registered"):
        select(None)
