"""A decorated handler whose event type is never defined: Runtime.InvalidSchema."""
from __future__ import annotations

from minlambda import lambda_handler


@lambda_handler
def handle(event: NeverDefined) -> dict:  # noqa: F821
    return {}
