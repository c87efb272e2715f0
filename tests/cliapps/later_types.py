"""A decorated handler whose event and response types are defined after it, and one
whose context type is imported only for type checkers: resolved when served."""
from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from minlambda import lambda_handler

if TYPE_CHECKING:
    from minlambda import Context


@lambda_handler
def handle(event: Order, context: Context) -> Receipt:
    return Receipt(id=event.id, total=event.amount * 2)


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


if __name__ == "__main__":  # `python later_types.py`: serve() in a script
    from minlambda import serve

    serve(handle)
