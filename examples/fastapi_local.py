# fastapi_local: a FastAPI app behind a Function URL, through Mangum, developed as a
# web app: served on http://127.0.0.1:9000 by the local emulator in --http mode, and
# restarted on every save with --watch. Nothing to change for Lambda: the handler is
# the same object that `python -m minlambda examples/fastapi_local.py:handler` serves
# in a container image.
#
#   pip install fastapi mangum
#   python -m minlambda local examples/fastapi_local.py:handler --http --watch
#   curl -s http://127.0.0.1:9000/orders/42
#   curl -s -d '{"item": "lamp"}' -H 'Content-Type: application/json' http://127.0.0.1:9000/orders
from fastapi import FastAPI, HTTPException, Response
from mangum import Mangum
from pydantic import BaseModel

app = FastAPI(title="orders")
ORDERS: dict[str, dict[str, object]] = {"42": {"id": "42", "item": "lamp", "quantity": 1}}
# a 1x1 transparent PNG: a binary response, which Mangum sends base64-encoded
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4e30000000049454e44ae426082"
)


class NewOrder(BaseModel):
    item: str
    quantity: int = 1


@app.get("/orders/{order_id}")
def get_order(order_id: str) -> dict[str, object]:
    if order_id not in ORDERS:
        raise HTTPException(status_code=404, detail=f"no order {order_id}")
    return ORDERS[order_id]


@app.post("/orders", status_code=201)
def create_order(order: NewOrder) -> dict[str, object]:
    order_id = str(len(ORDERS) + 100)
    ORDERS[order_id] = {"id": order_id, **order.model_dump()}
    return ORDERS[order_id]


@app.get("/pixel.png")
def pixel() -> Response:
    return Response(content=PIXEL, media_type="image/png")


handler = Mangum(app, lifespan="off")
