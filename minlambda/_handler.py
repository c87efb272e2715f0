# @lambda_handler, the handler record and the registry.
#
# A `Handler` is everything the loop needs to run one function: how to call it
# (no arguments, the event, or the event and the context; sync or async), how to
# decode an event (a prebuilt msgspec Decoder, or nothing for raw `bytes`) and how
# to encode what it returns (a prebuilt Encoder, a conversion when the value is not
# already of the declared response type). All of it is built once, at decoration,
# and a type msgspec cannot use is refused right there with a TypeError that names
# the function. The decorator returns the function unchanged.
#
# Rules: no I/O and no environment variables here.
from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

import msgspec
import msgspec.inspect as mi

from minlambda._errors import InvalidSchemaError, RuntimeFault, validation_details

if TYPE_CHECKING:
    import inspect

__all__ = [
    "Handler",
    "handler_for",
    "lambda_handler",
    "registered",
    "select",
    "served",
    "wrapper_of",
]

F = TypeVar("F", bound=Callable[..., Any])

_UNSET: Any = object()
_ATTRIBUTE: Final = "__minlambda_handler__"
_RAW_TYPES: Final = (bytes, bytearray, memoryview)
_REGISTRY: dict[str, Handler] = {}
_DECODE_ERRORS: Final = (
    msgspec.DecodeError,
    UnicodeDecodeError,
    RecursionError,
    ValueError,
    TypeError,
)


class Handler:
    """A registered handler with its prebuilt decoder and encoder."""

    __slots__ = (
        "func",
        "call",
        "batch",
        "name",
        "event_type",
        "response_type",
        "arity",
        "is_async",
        "uses_loop",
        "stream",
        "raw_event",
        "decoder",
        "json_encode",
        "response_class",
        "response_any",
        "concurrency",
        "pending",
    )

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        event: Any = _UNSET,
        response: Any = _UNSET,
        name: str | None = None,
        stream: bool = False,
        batch: Any = None,
        typed: bool = True,
        concurrency: str | None = None,
    ) -> None:
        where = _describe(func)
        if not callable(func):
            raise TypeError(f"{where} is not callable, so it cannot be a Lambda handler")
        if concurrency not in CONCURRENCY_MODES:
            raise InvalidSchemaError(
                f"{where}: concurrency={concurrency!r}: expected 'processes' or 'threads'"
            )
        self.concurrency = concurrency
        self.func = func
        self.name = (
            name
            or f"{getattr(func, '__module__', None) or '?'}.{getattr(func, '__qualname__', where)}"
        )
        params, first = _parameters(func, where)
        self.arity = params
        self.is_async = _is_async(func)
        self.uses_loop = self.is_async or _is_async_generator(func)
        # a streaming handler's chunks need no response schema; an async generator
        # needs the event loop as much as a coroutine does
        self.stream = stream
        if stream:
            response = Any
        self.call = func  # what the loop calls: the function, or the batch runner
        self.batch = batch
        if batch is not None:
            if event is not _UNSET or response is not _UNSET or stream:
                raise InvalidSchemaError(
                    f"{where}: batch= sets the event and response types; "
                    "it cannot be combined with event=, response= or stream="
                )
            from minlambda.events._batch import plan

            batch_plan = plan(batch, func, params, self.is_async, where)
            self.call = batch_plan.call
            self.arity = 2
            event, response = batch_plan.envelope, batch_plan.response
        if not typed:
            # typing is opt-in: a function that is not decorated gets plain JSON values
            # whatever its annotations say (Powertools' event_parser, TypedDicts...)
            event = Any if event is _UNSET else event
            response = Any if response is _UNSET else response
        annotations = _annotations(func) if event is _UNSET or response is _UNSET else {}
        if event is _UNSET:
            event = _resolve(func, annotations.get(first, Any), where, "event") if first else Any
        if response is _UNSET:
            response = _resolve(func, annotations.get("return", Any), where, "response")
        # Decimal as a JSON number, as the official runtime sends boto3's DynamoDB numbers
        self.json_encode = msgspec.json.Encoder(decimal_format="number").encode
        self.pending: tuple[Any, Any] | None = None
        self.response_class: type | None
        self.decoder: Callable[[bytes | bytearray], Any] | None
        if isinstance(event, _Later) or isinstance(response, _Later):
            # a name not defined yet (a class below the function, PEP 649 on 3.14):
            # resolved by ready(), which serving calls at init (and the first event
            # at the latest)
            self.pending = (event, response)
            self._set_types(Any, Any, where)
            self.decoder = self._decode_when_ready
            self.response_any = False
        else:
            self._set_types(event, response, where)

    def _set_types(self, event: Any, response: Any, where: str) -> None:
        self.event_type = _normalize(event)
        self.response_type = _normalize(response)
        self.raw_event = self.event_type is bytes
        self.decoder = None if self.raw_event else _decoder(self.event_type, where)
        self.response_class = None
        # the loop encodes a result directly when it is of this class, or of any
        # class but the raw ones when the response type is Any (see `encode`)
        self.response_any = self.response_type is Any
        if self.response_type is not Any and self.response_type not in _RAW_TYPES:
            _check_schema(self.response_type, where, "response")
            if isinstance(self.response_type, type):
                self.response_class = self.response_type

    def ready(self) -> Handler:
        """The handler with its annotations resolved: InvalidSchemaError naming the
        function and the name when one still names nothing."""
        pending = self.pending
        if pending is not None:
            where = _describe(self.func)
            event, response = (
                _resolve(self.func, p.annotation, where, role, final=True)
                if isinstance(p, _Later)
                else p
                for p, role in zip(pending, ("event", "response"), strict=True)
            )
            self._set_types(event, response, where)
            self.pending = None
        return self

    def _decode_when_ready(self, body: bytes | bytearray) -> Any:
        try:
            self.ready()
        except InvalidSchemaError as exc:
            raise RuntimeFault("Runtime.InvalidSchema", str(exc)) from None
        decode = self.decoder
        return (body if type(body) is bytes else bytes(body)) if decode is None else decode(body)

    def around(self, wrapper: Callable[..., Any]) -> Handler:
        """The same handler options for a decorator's wrapper around this function."""
        if self.batch is not None:
            return Handler(
                wrapper, name=self.name, batch=self.batch, concurrency=self.concurrency
            )
        self.ready()
        return Handler(
            wrapper,
            event=self.event_type,
            response=Any if self.stream else self.response_type,
            name=self.name,
            stream=self.stream,
            concurrency=self.concurrency,
        )

    @property
    def mode(self) -> str:
        """How N concurrent invocations run (Lambda Managed Instances) unless
        MINLAMBDA_CONCURRENCY says otherwise: the declared mode, else worker
        processes for `def` handlers and tasks on one loop for `async def` ones."""
        return self.concurrency or ("tasks" if self.uses_loop else "processes")

    def decode(self, body: bytes | bytearray) -> Any:
        """The event for a /next body; RuntimeFault when it is not valid JSON or does not fit."""
        decode = self.decoder
        if decode is None:
            return body if type(body) is bytes else bytes(body)
        try:
            return decode(body)
        except Exception as exc:
            raise decode_fault(exc, body) from None

    def encode(self, result: Any) -> tuple[bytes, str]:
        """The response body and its content type; RuntimeFault when the value does not fit."""
        if self.pending is not None:
            self.ready()
        kind = type(result)
        if kind is bytes:
            return result, "application/unknown"
        if kind is msgspec.Raw:
            return bytes(result), "application/json"
        if kind is bytearray or kind is memoryview:
            return bytes(result), "application/unknown"
        response_type = self.response_type
        if response_type is not Any and kind is not self.response_class:
            try:
                result = msgspec.convert(result, response_type, from_attributes=True)
            except msgspec.ValidationError as exc:
                raise RuntimeFault(
                    "Runtime.MarshalError",
                    f"Unable to marshal response: {exc}",
                    details=validation_details(exc, "response"),
                ) from None
            except Exception as exc:
                raise marshal_fault(exc) from None
        try:
            return self.json_encode(result), "application/json"
        except Exception as exc:
            raise marshal_fault(exc) from None

    def __repr__(self) -> str:
        return f"<Handler {self.name} event={_type_name(self.event_type)} response={_type_name(self.response_type)}>"


# what @lambda_handler(concurrency=...) takes (None: the default for the handler)
CONCURRENCY_MODES: Final = (None, "processes", "threads")

# results that `encode` sends as they are, not as JSON
RAW_RESULTS: Final = frozenset({bytes, bytearray, memoryview, msgspec.Raw})


def decode_fault(exc: Exception, body: bytes | bytearray | None = None) -> RuntimeFault:
    """What a decoder's exception means for the invocation (`body`: the event it
    was given, to tell an empty event from a truncated one)."""
    if isinstance(exc, RuntimeFault):
        return exc
    if isinstance(exc, msgspec.ValidationError):
        return RuntimeFault(
            "Runtime.ValidationError", str(exc), details=validation_details(exc, "event")
        )
    if isinstance(exc, _DECODE_ERRORS):
        if body is not None and not body.strip():
            # msgspec says "Input data was truncated", true of `{"a":` too
            what = f" (only {len(body)} bytes of whitespace)" if body else ""
            return RuntimeFault(
                "Runtime.UnmarshalError", f"Unable to unmarshal input: the event is empty{what}"
            )
        return RuntimeFault("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}")
    # raised by the user's type (a Struct's __post_init__)
    from minlambda._errors import exception_fault

    error_type, message, stack = exception_fault(exc)
    return RuntimeFault(error_type, message, stack=stack)


def marshal_fault(exc: Exception) -> RuntimeFault:
    return RuntimeFault(
        "Runtime.MarshalError",
        f"Unable to marshal response: {exc}",
        details={"location": "response", "path": "$", "reason": str(exc)},
    )


@overload
def lambda_handler(func: F, /) -> F: ...


@overload
def lambda_handler(
    *,
    event: Any = ...,
    response: Any = ...,
    name: str | None = None,
    stream: bool = False,
    batch: Any = None,
    concurrency: str | None = None,
) -> Callable[[F], F]: ...


def lambda_handler(
    func: Any = None,
    /,
    *,
    event: Any = _UNSET,
    response: Any = _UNSET,
    name: str | None = None,
    stream: bool = False,
    batch: Any = None,
    concurrency: str | None = None,
) -> Any:
    """Register a function as a Lambda handler.

    Use it bare (``@lambda_handler``) or with options
    (``@lambda_handler(event=Order, response=Receipt, name="charge")``).

    Parameters
    ----------
    event : type, optional
        The event schema; defaults to the first parameter's annotation, else ``Any``.
        ``bytes`` receives the raw payload undecoded.
    response : type, optional
        The response schema; defaults to the return annotation, else ``Any``.
    name : str, optional
        The registered name; defaults to ``"<module>.<function>"``.
    stream : bool, optional
        Stream the response: the handler returns (or is) an iterator or async
        iterator of bytes/str chunks, or a `StreamingResponse`; each chunk is sent
        as it is produced.
    batch : type, optional
        Per-record batch mode: ``SQSEvent[T]``, ``KinesisStreamEvent[T]`` or
        ``DynamoDBStreamEvent`` from `minlambda.events`. The handler is called once
        per record, with the record (its payload decoded as ``T``); a record that
        fails to decode or raises becomes a ``batchItemFailures`` entry of the
        response (on a FIFO queue or a stream, with every record after it).
    concurrency : {"processes", "threads"}, optional
        How N invocations run at once under Lambda Managed Instances
        (``AWS_LAMBDA_MAX_CONCURRENCY``): N worker processes (the default for
        ``def`` handlers: module globals stay per invocation) or N threads in one
        process (for thread-safe code: one init, less memory). ``async def``
        handlers default to N tasks on one event loop. The environment variable
        ``MINLAMBDA_CONCURRENCY`` wins over this.

    Returns
    -------
    The function itself, unchanged and still directly callable.

    Raises
    ------
    TypeError
        When a schema is not one msgspec can decode or encode, or the function does
        not take ``(event)``, ``(event, context)`` or ``()``.
    """

    def register(fn: F) -> F:
        handler = Handler(
            fn,
            event=event,
            response=response,
            name=name,
            stream=stream,
            batch=batch,
            concurrency=concurrency,
        )
        try:
            setattr(fn, _ATTRIBUTE, handler)
        except (AttributeError, TypeError):
            pass  # a callable without __dict__: found through the registry instead
        _REGISTRY[handler.name] = handler
        return fn

    if func is None:
        return register
    return register(func)


def handler_for(func: Callable[..., Any], name: str | None = None) -> Handler:
    """The Handler of a decorated function, or a new one for a plain function."""
    marked = getattr(func, _ATTRIBUTE, None)
    if isinstance(marked, Handler):
        inner = marked.func
        if inner is func:
            return marked
        import inspect

        if inspect.unwrap(func, stop=lambda f: f is inner) is inner:
            return marked.around(func)  # a decorator's wrapper (functools.wraps)
    for handler in _REGISTRY.values():
        if handler.func is func:
            return handler
    return Handler(func, name=name, typed=False)


def registered() -> list[Handler]:
    """Every registered handler, in registration order."""
    return list(_REGISTRY.values())


def select(
    wanted: str | None, candidates: list[Handler] | None = None, *, path: str | None = None
) -> Handler:
    """The handler to serve among those registered.

    With one candidate, that one; with several, the one `wanted` names (as
    ``module.function``, ``module:function``, the function's name or ``name=``).
    RuntimeFault(Runtime.HandlerNotFound) otherwise, listing what is registered
    (`path`: the file the candidates come from, as the command line named it, for
    the forms that name each one there: ``two.py:a``).
    """
    pool = registered() if candidates is None else candidates
    if not pool:
        raise RuntimeFault(
            "Runtime.HandlerNotFound", "No handler is registered: decorate one with @lambda_handler"
        )
    if wanted:
        matches = [h for h in pool if _matches(h, wanted)]
        if len(matches) == 1:
            return served(matches[0], wanted)
        if not matches and len(pool) == 1:
            return served(pool[0])
        names = ", ".join(h.name for h in pool)
        reason = "matches several" if matches else "matches none"
        raise RuntimeFault(
            "Runtime.HandlerNotFound",
            f"Handler '{wanted}' {reason} of the registered handlers: {names}",
        )
    if len(pool) == 1:
        return served(pool[0])
    names = ", ".join(h.name for h in pool)
    if path is not None:
        forms = _or([f"{path}:{_short_name(h)}" for h in pool])
        how = f"name one on the command line ({forms}) or with _HANDLER"
    else:
        how = f"name one with _HANDLER ({_or([_short_name(h) for h in pool])}) or serve(handler)"
    raise RuntimeFault("Runtime.HandlerNotFound", f"Several handlers are registered ({names}): {how}")


def served(handler: Handler, wanted: str | None = None) -> Handler:
    """What to serve for a registered handler: the decorator's wrapper around it
    that its module holds (under `wanted`, or the function's own name), as
    `python -m minlambda module.function` would serve it; else the handler itself."""
    func = handler.func
    home = f"{getattr(func, '__module__', None)}.{getattr(func, '__name__', None)}"
    wrapper = (wrapper_of(handler, wanted) if wanted else None) or wrapper_of(handler, home)
    if wrapper is None:
        return handler
    try:
        return handler_for(wrapper, wanted)
    except InvalidSchemaError as exc:
        raise RuntimeFault("Runtime.InvalidSchema", str(exc)) from None


def _short_name(handler: Handler) -> str:
    """What names `handler` within its module: its function's name, or its name=."""
    func = handler.func
    default = f"{getattr(func, '__module__', None) or '?'}.{getattr(func, '__qualname__', '')}"
    name = getattr(func, "__name__", None)
    return name if handler.name == default and isinstance(name, str) else handler.name


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def wrapper_of(handler: Handler, name: str) -> Any:
    """What `module.function` names when it is a decorator's wrapper around the
    registered function (functools.wraps) (Powertools' event_parser...), which is what to serve,
    as `python -m minlambda module.function` does. None otherwise."""
    import sys

    module, _, function = name.replace(":", ".").rpartition(".")
    found = getattr(sys.modules.get(module), function, None) if module else None
    if not callable(found) or found is handler.func:
        return None
    inner = handler.func
    import inspect

    return found if inspect.unwrap(found, stop=lambda f: f is inner) is inner else None


def _matches(handler: Handler, wanted: str) -> bool:
    if wanted == handler.name:
        return True
    module, _, function = wanted.replace(":", ".").rpartition(".")
    func_name = getattr(handler.func, "__name__", None)
    if function not in (func_name, handler.name):
        return False
    func_module = getattr(handler.func, "__module__", None)
    return (
        not module or module == func_module or func_module == "__main__" or module.endswith(".py")
    )


# -- building a handler --------------------------------------------------------------


# what inspect would read from a plain function's code object (inspect itself, with
# ast, dis and tokenize, is about 7 ms of cold start that an undecorated handler does
# not need: it is imported only for the other kinds of callable)
_CO_VARARGS: Final = 0x04
_CO_COROUTINE: Final = 0x80
_CO_ASYNC_GENERATOR: Final = 0x200


def _plain(func: Any) -> bool:
    """A plain `def` or `async def` whose code object tells all inspect would: no
    decorator's wrapper, no explicit signature, no coroutine marker."""
    return (
        type(func) is types.FunctionType
        and not hasattr(func, "__wrapped__")
        and not hasattr(func, "__signature__")
        and not hasattr(func, "_is_coroutine_marker")
    )


def _is_async(func: Any) -> bool:
    """An `async def`, an object with `async def __call__`, or a sync decorator's
    wrapper (functools.wraps) around an `async def`: all return a coroutine."""
    if _plain(func):
        return bool(func.__code__.co_flags & _CO_COROUTINE)
    import inspect

    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(inspect.unwrap(func)):
        return True
    if inspect.isroutine(func) or inspect.isclass(func):
        return False
    return inspect.iscoroutinefunction(type(func).__call__)  # an instance with async __call__


def _is_async_generator(func: Any) -> bool:
    if _plain(func):
        return bool(func.__code__.co_flags & _CO_ASYNC_GENERATOR)
    import inspect

    return inspect.isasyncgenfunction(func)


def _describe(func: Any) -> str:
    qualname = getattr(func, "__qualname__", None) or repr(func)
    module = getattr(func, "__module__", None)
    return f"handler {module}.{qualname}" if module else f"handler {qualname}"


def _parameters(func: Callable[..., Any], where: str) -> tuple[int, str | None]:
    """How many positional arguments to pass (0, 1 or 2) and the first one's name."""
    if _plain(func):
        return _plain_parameters(func, where)
    try:
        signature = _signature(func)
    except (TypeError, ValueError):
        return 2, None  # a builtin or C callable: call it like the official runtime does
    positional: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            return 2, positional[0].name if positional else None
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            positional.append(param)
        elif param.kind is param.KEYWORD_ONLY and param.default is param.empty:
            raise InvalidSchemaError(
                f"{where} has a required keyword-only parameter '{param.name}'; "
                "a handler takes (event), (event, context) or ()"
            )
    required_extra = [p.name for p in positional[2:] if p.default is p.empty]
    if required_extra:
        raise InvalidSchemaError(
            f"{where} requires {len(positional)} arguments ({', '.join(p.name for p in positional)}); "
            "a handler takes (event), (event, context) or ()"
        )
    return min(len(positional), 2), positional[0].name if positional else None


def _plain_parameters(func: Any, where: str) -> tuple[int, str | None]:
    """_parameters of a plain function, from its code object (the same answers and
    errors as from its signature)."""
    code = func.__code__
    names = code.co_varnames
    count = code.co_argcount  # positional-only ones included
    positional = names[:count]
    if code.co_flags & _CO_VARARGS:
        return 2, positional[0] if positional else None
    keyword_only = names[count : count + code.co_kwonlyargcount]
    with_defaults = func.__kwdefaults__ or {}
    for name in keyword_only:
        if name not in with_defaults:
            raise InvalidSchemaError(
                f"{where} has a required keyword-only parameter '{name}'; "
                "a handler takes (event), (event, context) or ()"
            )
    required = count - len(func.__defaults__ or ())
    if required > 2:
        raise InvalidSchemaError(
            f"{where} requires {count} arguments ({', '.join(positional)}); "
            "a handler takes (event), (event, context) or ()"
        )
    return min(count, 2), positional[0] if positional else None


def _signature(func: Callable[..., Any]) -> inspect.Signature:
    """The signature, without evaluating annotations that cannot be (PEP 649 on 3.14:
    a name imported only under TYPE_CHECKING, a class defined later)."""
    import inspect

    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        raise
    except Exception:
        try:
            import annotationlib  # type: ignore[import-not-found,unused-ignore]  # 3.14+
        except ImportError:
            raise InvalidSchemaError(f"{_describe(func)}: cannot read its signature") from None
        signature: Any = inspect.signature
        return signature(func, annotation_format=annotationlib.Format.FORWARDREF)  # type: ignore[no-any-return]


def _annotations(func: Any) -> dict[str, Any]:
    import inspect

    target = inspect.unwrap(func) if callable(func) else func
    if isinstance(target, types.MethodType):
        target = target.__func__
    if not inspect.isroutine(target) and not inspect.isclass(target):
        target = type(func).__call__  # a callable instance
    return _read_annotations(target) or {}


def _read_annotations(target: Any) -> dict[str, Any] | None:
    """The annotations as written: on 3.14 (PEP 649) without evaluating them, a name
    that is not defined (yet) a ForwardRef; before, what `__annotations__` holds."""
    if sys.version_info >= (3, 14):
        import annotationlib  # type: ignore[import-not-found,unused-ignore]

        try:
            found = annotationlib.get_annotations(target, format=annotationlib.Format.FORWARDREF)
        except TypeError:
            return None
        return dict(found)
    annotations = getattr(target, "__annotations__", None)
    return dict(annotations) if isinstance(annotations, dict) else None


class _Later:
    """An annotation naming something not defined yet; resolved by Handler.ready()."""

    __slots__ = ("annotation",)

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation


def _resolve(func: Any, annotation: Any, where: str, role: str, final: bool = False) -> Any:
    """Evaluate one annotation (a string under `from __future__ import annotations`,
    a ForwardRef on 3.14); a name that is not defined yet gives a _Later unless
    `final`."""
    import inspect

    if annotation is Any or annotation is inspect.Parameter.empty:
        return Any
    forward = getattr(annotation, "__forward_arg__", None)
    if isinstance(forward, str) and not isinstance(annotation, type):
        annotation = forward  # a ForwardRef (PEP 649): evaluated like a string
    target = inspect.unwrap(func)
    target = getattr(target, "__func__", target)
    globalns = getattr(target, "__globals__", None)
    if globalns is None:
        globalns = getattr(inspect.getmodule(type(func)), "__dict__", {})
    holder = types.SimpleNamespace(__annotations__={role: annotation})
    try:
        return typing.get_type_hints(holder, globalns=globalns, include_extras=True)[role]
    except NameError as exc:
        if not final:
            return _Later(annotation)
        raise InvalidSchemaError(
            f"{where}: cannot evaluate the {role} annotation {annotation!r}: {exc}"
        ) from None
    except Exception as exc:
        raise InvalidSchemaError(
            f"{where}: cannot evaluate the {role} annotation {annotation!r}: {exc}"
        ) from None


def _normalize(tp: Any) -> Any:
    if tp is None:
        return type(None)
    return tp


def _decoder(tp: Any, where: str) -> Callable[[bytes | bytearray], Any]:
    if tp is Any:
        return msgspec.json.Decoder().decode
    _check_schema(tp, where, "event")
    try:
        origin = typing.get_origin(tp) or tp
        if isinstance(origin, type) and hasattr(origin, "_payloads"):
            # a minlambda.events model with embedded payloads: SQSEvent[Order]...
            from minlambda.events._base import EnvelopeDecoder

            return EnvelopeDecoder(tp).decode
        return msgspec.json.Decoder(tp).decode
    except Exception as exc:
        raise InvalidSchemaError(
            f"{where}: event type {_type_name(tp)} is not supported by msgspec: {exc}"
        ) from None


def _check_schema(tp: Any, where: str, role: str) -> None:
    try:
        info = mi.type_info(tp)
    except Exception as exc:
        raise InvalidSchemaError(
            f"{where}: {role} type {_type_name(tp)} is not supported by msgspec: {exc}"
        ) from None
    custom = _find_custom(info, set())
    if custom is not None:
        raise InvalidSchemaError(
            f"{where}: {role} type {_type_name(tp)} is not a schema msgspec can use: "
            f"{_type_name(custom)} is a plain class (use a msgspec.Struct, a dataclass, a TypedDict, ...)"
        )


def _find_custom(node: Any, seen: set[int]) -> Any:
    """The class of the first CustomType in a msgspec.inspect tree, else None."""
    if id(node) in seen:
        return None
    seen.add(id(node))
    if isinstance(node, mi.CustomType):
        return None if node.cls is object else node.cls  # msgspec takes `object` as Any
    for field in node.__struct_fields__:
        value = getattr(node, field)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, mi.Field):
                item = item.type
            if isinstance(item, mi.Type):
                found = _find_custom(item, seen)
                if found is not None:
                    return found
    return None


def _type_name(tp: Any) -> str:
    if isinstance(tp, type) and not isinstance(tp, types.GenericAlias):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")
