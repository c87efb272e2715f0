# orders: typed events and responses with msgspec Structs; a bad event is a
# structured Runtime.ValidationError that names the offending field.
#
#   python examples/orders.py
#   curl -s -d '{"id": "o-1", "items": [{"sku": "A", "quantity": 2, "unit_price": 250}]}' \
#        http://127.0.0.1:9000/2015-03-31/functions/function/invocations
#   curl -s -d '{"id": "o-1", "items": [{"sku": "A", "quantity": "two", "unit_price": 250}]}' \
#        http://127.0.0.1:9000/2015-03-31/functions/function/invocations
from typing import Annotated

import msgspec

from minlambda import Context, lambda_handler, serve

Positive = Annotated[int, msgspec.Meta(gt=0)]


class Item(msgspec.Struct):
    sku: str
    quantity: Positive
    unit_price: Positive  # in cents


class Order(msgspec.Struct):
    id: str
    items: list[Item]
    coupon: str | None = None


class Receipt(msgspec.Struct):
    order_id: str
    total: int
    discounted: bool


@lambda_handler
def place_order(order: Order, context: Context) -> Receipt:
    total = sum(item.quantity * item.unit_price for item in order.items)
    if order.coupon == "HALF":
        return Receipt(order.id, total // 2, discounted=True)
    return Receipt(order.id, total, discounted=False)


if __name__ == "__main__":
    serve()
