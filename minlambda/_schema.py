# `python -m minlambda schema HANDLER`: the JSON Schemas of a handler's event and
# response, from the same types its decoder and encoder were built from.
from __future__ import annotations

from typing import Any

import msgspec

from minlambda._handler import Handler

__all__ = ["schemas"]


def schemas(handler: Handler) -> str:
    """`{"event": <JSON Schema>, "response": <JSON Schema>}` as JSON text."""
    if handler.raw_event:
        event: dict[str, Any] = {"description": "the raw payload, as bytes"}
    else:
        event = _schema(handler.event_type)
    if handler.stream:
        response: dict[str, Any] = {"description": "a stream of bytes"}
    else:
        response = _schema(handler.response_type)
    return msgspec.json.format(msgspec.json.encode({"event": event, "response": response}).decode())


def _schema(tp: Any) -> dict[str, Any]:
    if tp is Any:
        return {}  # any JSON value
    if tp is bytes:
        return {"description": "bytes, sent as they are"}
    return msgspec.json.schema(tp)
