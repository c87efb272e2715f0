"""A file with two decorated handlers, picked with _HANDLER."""

from __future__ import annotations

from typing import Any

from minlambda import lambda_handler


@lambda_handler
def first(event: Any) -> dict[str, Any]:
    return {"handler": "first", "event": event}


@lambda_handler(name="second-one")
def second(event: Any) -> dict[str, Any]:
    return {"handler": "second", "event": event}
