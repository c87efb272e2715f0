"""Undecorated handlers with annotations that mean nothing to minlambda (typing is
opt-in: only @lambda_handler reads them), and decorated ones beside them that do
validate. This module uses `from __future__ import annotations`; untyped_eager.py is
the same without it."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypedDict

import msgspec

from minlambda import lambda_handler

if TYPE_CHECKING:  # never imported at run time: evaluating the annotation would fail
    from minlambda_untyped_missing_module import Missing


class Order(msgspec.Struct):
    id: str
    amount: int


class Movie(TypedDict):  # total=True: both keys required, were it read
    title: str
    year: int


def seen(event: Any) -> dict[str, Any]:
    return {"type": type(event).__name__, "event": event}


def struct_event(event: Order, context: Any) -> Order:
    return seen(event)  # a dict, not an Order, in and out


def type_checking_only(event: Missing, context: Missing) -> Missing:
    return seen(event)


def dict_event(event: dict, context: Any) -> dict:
    return event  # a list in, the same list out


def returns_none(event: dict, context: Any) -> dict:
    return None


def typed_dict(event: Movie, context: Any) -> Movie:
    return seen(event)


def bytes_event(event: bytes, context: Any) -> bytes:
    return seen(event)  # the decoded JSON, not the raw payload


def traced(func: Any) -> Any:
    @functools.wraps(func)
    def wrapper(*args: Any) -> Any:
        return func(*args)

    return wrapper


@lambda_handler
def checked(event: Order, context: Any) -> Order:
    return Order(id=event.id, amount=event.amount * 2)


@lambda_handler
def raw(event: bytes, context: Any) -> bytes:
    return b"<" + event + b">"


checked_traced = traced(checked)  # a wrapper around a decorated function keeps its schemas
