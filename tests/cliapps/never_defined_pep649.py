"""never_defined.py without `from __future__ import annotations` (Python 3.14+)."""
from minlambda import lambda_handler


@lambda_handler
def handle(event: NeverDefined) -> dict:  # noqa: F821
    return {}
