"""A decorated handler with a msgspec event schema."""

from __future__ import annotations

import msgspec

from minlambda import Context, lambda_handler


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


@lambda_handler
def charge(event: Order, context: Context) -> Receipt:
    return Receipt(id=event.id, total=event.amount * 2)
