"""Undecorated handlers in a module without `from __future__ import annotations`:
names imported only under TYPE_CHECKING appear as string annotations (a bare name would
be a NameError at def time before Python 3.14), and nothing evaluates them."""

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # never imported at run time
    from typing import Any

    from minlambda_untyped_missing_module import Missing


def seen(event):
    return {"type": type(event).__name__, "event": event}


def type_checking_only(event: "Missing", context: "Missing") -> "Missing":
    return seen(event)


def any_wrapper(event: "Any", context: "Any") -> "Any":
    """A wrapper as a library writes one, annotated "Any" with Any not importable here."""
    return _inner(event, context)


def _inner(event: "Missing", context: "Any") -> "Missing":
    return seen(event)


def logged(func):
    @functools.wraps(func)
    def wrapper(event: "Any", context: "Any") -> "Any":
        return func(event, context)

    return wrapper


@logged
def wrapped(event: "Missing", context: "Any") -> "Missing":
    return seen(event)
