"""A decorated handler that takes and returns raw bytes (only @lambda_handler reads the
`bytes` annotations: undecorated, the same function would get decoded JSON)."""

from __future__ import annotations

from typing import Any

from minlambda import lambda_handler


@lambda_handler
def raw(event: bytes, context: Any) -> bytes:
    return b"<" + event + b">"
