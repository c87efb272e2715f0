# What every event model shares: the base Struct (AWS's camelCase names, unknown
# fields ignored, None fields left out when encoding) and the embedded payloads.
#
# An embedded payload is a field whose *content* is the user's: an SQS record's
# `body` (a JSON document in a string), a Kinesis record's `data` (base64 of one),
# an API Gateway `body` (a string, base64 when `isBase64Encoded`). Models that carry
# one are generic in its type, `SQSEvent[Order]`, and say where it lives with a
# `_payloads(at="$")` method yielding (holder, attribute, kind, path), paths
# starting with `at`. Decoding is two
# passes: the envelope with the payload fields as they come (a string), then each
# payload with the user's type; a failure names the full path, `$.Records[0].body.id`.
#
# The payload type decides what the second pass does: `str` (or no type at all)
# keeps the text as it came; `bytes` gives the raw bytes (base64 decoded where
# AWS encoded them); anything else is decoded from JSON with msgspec.
from __future__ import annotations

import binascii
import typing
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

import msgspec

__all__ = [
    "BASE64",
    "BODY",
    "JSON",
    "EnvelopeDecoder",
    "Model",
    "PayloadSlot",
    "T",
    "is_envelope",
    "record_payloads",
]

T = TypeVar("T")

JSON: Final = "json"  # a JSON document in a string
BASE64: Final = "base64"  # base64 of the payload (Kinesis, Firehose, Kafka)
BODY: Final = "body"  # an HTTP body: text, or base64 when the holder's is_base64_encoded

PayloadSlot = tuple[Any, str, str, str]  # (holder, attribute, kind, path from the event root)


class Model(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """The base of every event model: AWS's camelCase names, unknown fields ignored.

    `gc=False`: instances are not tracked by the cycle collector, which makes
    decoding 20-40% faster; an event is a tree, so this is safe unless you make a
    model instance part of a reference cycle yourself.
    """


def is_envelope(tp: Any) -> bool:
    """True for a model with embedded payloads, parameterized or not (`SQSEvent[Order]`)."""
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and hasattr(origin, "_payloads")


class EnvelopeDecoder:
    """Decodes a model with embedded payloads, both passes, from JSON bytes."""

    __slots__ = ("envelope", "convert")

    def __init__(self, tp: Any) -> None:
        origin = typing.get_origin(tp) or tp
        args = typing.get_args(tp)
        # the envelope pass: the payload fields as they come (the TypeVar is Any)
        self.envelope = msgspec.json.Decoder(origin)
        self.convert = payload_converter(args[0] if args else Any)

    def decode(self, data: bytes | bytearray | memoryview | str) -> Any:
        event = self.envelope.decode(data)
        convert = self.convert
        if convert is not None:
            for holder, attribute, kind, path in event._payloads():
                setattr(holder, attribute, convert(getattr(holder, attribute), kind, holder, path))
        return event


Converter = Callable[[Any, str, Any, str], Any]


def payload_converter(tp: Any) -> Converter | None:
    """How to turn one payload as it came into `tp`; None when it stays as it came."""
    if tp is Any or tp is str:
        return None
    if tp is bytes:
        return _raw_bytes
    # a payload may be an envelope itself: an SNS notification in an SQS body
    decoder: Any = EnvelopeDecoder(tp) if is_envelope(tp) else msgspec.json.Decoder(tp)

    def convert(value: Any, kind: str, holder: Any, path: str) -> Any:
        data = _to_bytes(value, kind, holder, path)
        try:
            return decoder.decode(data)
        except msgspec.ValidationError as exc:
            reason, sep, inner = str(exc).rpartition(" - at `")
            if sep:  # "$.id`" -> the path from the event's root
                raise msgspec.ValidationError(f"{reason} - at `{path}{inner[1:]}") from None
            raise msgspec.ValidationError(f"{exc} - at `{path}`") from None
        except msgspec.DecodeError as exc:
            raise msgspec.ValidationError(f"Invalid JSON in the payload: {exc} - at `{path}`") from None

    return convert


def _raw_bytes(value: Any, kind: str, holder: Any, path: str) -> bytes:
    return b"" if value is None or value == "" else _to_bytes(value, kind, holder, path)


def _to_bytes(value: Any, kind: str, holder: Any, path: str) -> bytes:
    if value is None or (kind == BODY and value == ""):
        return b"null"  # no body (ALB sends ""): only a type that allows None takes it
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise msgspec.ValidationError(f"Expected `str`, got `{type(value).__name__}` - at `{path}`")
    if kind == BASE64 or (kind == BODY and getattr(holder, "is_base64_encoded", False)):
        try:
            return binascii.a2b_base64(value, strict_mode=True)
        except (binascii.Error, ValueError):
            if kind == BASE64:
                raise msgspec.ValidationError(f"Invalid base64 data - at `{path}`") from None
            # some sources flag plain text as base64: take the text as it is
    return value.encode("utf-8", "surrogatepass")


def record_payloads(records: list[Any], at: str) -> Iterator[PayloadSlot]:
    """The payload slots of each record of a list, with `at[i]` paths."""
    for index, record in enumerate(records):
        yield from record._payloads(f"{at}[{index}]")
