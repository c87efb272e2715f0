"""later_types.py without `from __future__ import annotations`: legal from Python 3.14
(PEP 649, annotations are evaluated when asked for), a NameError at import before."""
from typing import TYPE_CHECKING

import msgspec

from minlambda import lambda_handler

if TYPE_CHECKING:
    from minlambda import Context


@lambda_handler
def handle(event: Order, context: Context) -> Receipt:
    return Receipt(id=event.id, total=event.amount * 2)


def plain(event: Order, context: Context) -> Receipt:  # undecorated: never evaluated
    return event


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


if __name__ == "__main__":  # `python later_types.py`: serve() in a script
    from minlambda import serve

    serve(handle)
