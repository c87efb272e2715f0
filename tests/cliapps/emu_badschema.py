"""A decorated handler whose event schema msgspec cannot use (a plain class): importing
the module fails with Runtime.InvalidSchema."""

from __future__ import annotations

from minlambda import lambda_handler


class NotASchema:  # a plain class: msgspec cannot decode into it
    pass


@lambda_handler
def handler(event: NotASchema) -> None:  # pragma: no cover - never called
    return None
