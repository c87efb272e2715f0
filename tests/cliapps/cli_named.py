"""Handlers registered under names of their own (name=): one plain, one wrapped by a
decorator (functools.wraps), which is what a name must serve, as module.function would."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from minlambda import lambda_handler


def tagged(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(event: Any, context: Any) -> Any:
        return {**func(event, context), "wrapped": True}

    return wrapper


@lambda_handler(name="charge")
def create_charge(event: Any, context: Any) -> dict[str, Any]:
    return {"handler": "create_charge", "event": event}


@tagged
@lambda_handler(name="refund")
def create_refund(event: Any, context: Any) -> dict[str, Any]:
    return {"handler": "create_refund", "event": event}
