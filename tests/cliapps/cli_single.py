"""A file with one decorated handler (for the `file.py` form)."""

from __future__ import annotations

from typing import Any

from minlambda import lambda_handler


def helper(event: Any) -> Any:  # not a handler
    return event


@lambda_handler
def only(event: Any) -> dict[str, Any]:
    return {"handler": "only", "event": event}
