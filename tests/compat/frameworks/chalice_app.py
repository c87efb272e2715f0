"""A Chalice app: its REST routes (the handler string names the app object itself,
`chalice_app.app`, as `chalice package` does), a `@app.lambda_function()` (`hello`)
and an `@app.on_sqs_message` handler (`on_message`)."""

from __future__ import annotations

import logging
import os

from chalice import Chalice, NotFoundError, Response

from compat.frameworks.rendezvous import meet

log = logging.getLogger("compat.chalice")
app = Chalice(app_name="shop")


@app.route("/items/{item_id}")
def get_item(item_id):
    query = app.current_request.query_params or {}
    if item_id == "0":
        raise NotFoundError(f"item {item_id} not found")
    return {"item_id": item_id, "q": query.get("q")}


@app.route("/orders", methods=["POST"])
def create_order():
    order = app.current_request.json_body
    return Response(
        body={"id": order["id"], "total": order["amount"] * 2},
        status_code=201,
        headers={"X-Order": order["id"], "Set-Cookie": ["a=1", "b=2"]},
    )


@app.route("/boom")
def boom():
    raise RuntimeError("the chalice is empty")


@app.route("/context")
def lambda_context():
    context = app.lambda_context
    return {
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }


@app.route("/slow/{i}")
def slow(i):
    log.warning("slow %s", i)
    met = meet((app.current_request.query_params or {}).get("batch"), i)
    # read after the meeting: app.current_request and app.lambda_context are
    # attributes of the one app object
    return {
        "i": int(i),
        "path": "/slow/" + app.current_request.uri_params["i"],
        "request_id": app.lambda_context.aws_request_id,
        "pid": os.getpid(),
        "met": met,
    }


@app.lambda_function()
def hello(event, context):
    reply = {"hello": event.get("name", "world"), "function": context.function_name}
    if event.get("batch"):  # two at once (processes mode): wait for the other
        met = meet(event["batch"], context.aws_request_id, parties=2)
        reply.update(request_id=context.aws_request_id, pid=os.getpid(), met=met)
    return reply


@app.on_sqs_message(queue="orders", batch_size=10)
def on_message(event):
    bodies = []
    for record in event:
        bodies.append(record.body)
        log.warning("message %s", record.body)
    return {"bodies": bodies, "count": len(bodies)}
