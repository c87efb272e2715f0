"""One Flask app served through apig-wsgi (`apig_handler`) and through serverless-wsgi
(`sls_handler`)."""

from __future__ import annotations

import logging
import os

import serverless_wsgi
from apig_wsgi import make_lambda_handler
from flask import Flask, abort, jsonify, make_response, request

from compat.frameworks.rendezvous import meet

log = logging.getLogger("compat.wsgi")
app = Flask(__name__)


def _lambda_context():
    # each adapter puts the Lambda context in the WSGI environ under its own key
    return request.environ.get("apig_wsgi.context") or request.environ["serverless.context"]


@app.get("/items/<int:item_id>")
def get_item(item_id):
    return {"item_id": item_id, "q": request.args.get("q"), "all_q": request.args.getlist("q")}


@app.post("/orders")
def create_order():
    order = request.get_json()
    response = make_response(jsonify(id=order["id"], total=order["amount"] * 2), 201)
    response.headers["X-Order"] = order["id"]
    response.set_cookie("last-order", order["id"])
    response.set_cookie("visits", "1")
    return response


@app.get("/text")
def text():
    return "plain text", 200, {"Content-Type": "text/plain; charset=utf-8"}


@app.get("/gone")
def gone():
    abort(410)


@app.get("/boom")
def boom():
    raise RuntimeError("the flask is cracked")


@app.get("/context")
def lambda_context():
    context = _lambda_context()
    return {
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
    }


@app.get("/slow/<int:i>")
def slow(i):
    log.warning("slow %s", i)
    met = meet(request.args.get("batch"), str(i))
    return {
        "i": i,
        "path": request.path,
        "request_id": _lambda_context().aws_request_id,
        "pid": os.getpid(),
        "met": met,
    }


apig_handler = make_lambda_handler(app)


def sls_handler(event, context):
    return serverless_wsgi.handle_request(app, event, context)
