"""Powertools for AWS Lambda (Python) as its users write it: plain, undecorated
handlers (no minlambda import), served by handler string.

HTTP: `rest_handler` (APIGatewayRestResolver, with Logger.inject_lambda_context),
`http_handler` (APIGatewayHttpResolver), `alb_handler` (ALBResolver).
Events: `metrics_handler` (Metrics, EMF on stdout), `parsed` (@event_parser, a
pydantic model in the annotation), `parsed_envelope` (the same through the SQS
envelope), `sourced` (@event_source SQSEvent), `parse_inside` (parse()),
`batch_handler` (BatchProcessor with process_partial_response).
"""

from __future__ import annotations

import json
import logging
import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import (
    ALBResolver,
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import envelopes, event_parser, parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from compat.frameworks.rendezvous import meet

logger = Logger(service="shop")
log = logging.getLogger("compat.powertools")  # the runtime's log format, with the request id


def _query(app, name: str) -> str | None:
    # resolved_query_string_parameters: the single- and multi-value forms alike
    values = app.current_event.resolved_query_string_parameters.get(name) or [None]
    return values[-1]


def _routes(app):
    """The same routes on each resolver: what differs is the event source."""

    @app.get("/items/<item_id>")
    def get_item(item_id: str):
        if item_id == "0":
            raise NotFoundError(f"item {item_id} not found")
        return {"item_id": item_id, "q": _query(app, "q")}

    @app.post("/orders")
    def create_order():
        order = app.current_event.json_body
        logger.info("order received", extra={"order_id": order["id"]})
        return Response(
            status_code=201,
            content_type=content_types.APPLICATION_JSON,
            body={"id": order["id"], "total": order["amount"] * 2},
            headers={"x-order": order["id"]},
            cookies=["last-order=" + order["id"]],
        )

    @app.get("/boom")
    def boom():
        raise RuntimeError("the resolver is on fire")

    @app.get("/context")
    def lambda_context():
        context = app.lambda_context
        return {
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "request_id": context.aws_request_id,
            "remaining_ms_positive": context.get_remaining_time_in_millis() > 0,
        }

    @app.get("/slow/<i>")
    def slow(i: str):
        log.warning("slow %s", i)
        met = meet(_query(app, "batch"), i)
        # read after the meeting: a resolver shared between concurrent requests
        # would by now hold another request's event and context
        return {
            "i": int(i),
            "path": app.current_event.path,
            "request_id": app.lambda_context.aws_request_id,
            "pid": os.getpid(),
            "met": met,
        }


rest = APIGatewayRestResolver()
_routes(rest)
http = APIGatewayHttpResolver()
_routes(http)
alb = ALBResolver()
_routes(alb)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def rest_handler(event: dict, context: LambdaContext) -> dict:
    return rest.resolve(event, context)


def http_handler(event: dict, context: LambdaContext) -> dict:
    return http.resolve(event, context)


def alb_handler(event, context):
    return alb.resolve(event, context)


# -- Metrics --------------------------------------------------------------------------

metrics = Metrics(namespace="Shop", service="orders")


@metrics.log_metrics(capture_cold_start_metric=True)
def metrics_handler(event, context):
    if event.get("batch"):  # two at once (processes mode): wait for the other
        meet(event["batch"], context.aws_request_id, parties=2)
        metrics.add_metadata(key="request_id", value=context.aws_request_id)
    metrics.add_dimension(name="channel", value=event["channel"])
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=event["orders"])
    return {"recorded": event["orders"]}


# -- parser and data classes -----------------------------------------------------------


class Order(BaseModel):
    id: str
    amount: int


@event_parser(model=Order)
def parsed(event: Order, context: LambdaContext) -> dict:
    return {"id": event.id, "total": event.amount * 2, "model": type(event).__name__}


@event_parser(model=Order, envelope=envelopes.SqsEnvelope)
def parsed_envelope(event: list[Order], context: LambdaContext) -> int:
    return sum(order.amount for order in event)


@event_source(data_class=SQSEvent)
def sourced(event: SQSEvent, context: LambdaContext) -> list[dict]:
    return [
        {
            "id": record.message_id,
            "body": record.body,
            "sent": record.attributes.sent_timestamp,
            "queue": record.queue_url,
        }
        for record in event.records
    ]


def parse_inside(event: dict, context: LambdaContext) -> dict:
    order = parse(event=event, model=Order, envelope=envelopes.EventBridgeEnvelope)
    return {"id": order.id, "amount": order.amount}


# -- batch processing ------------------------------------------------------------------

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> int:
    order = json.loads(record.body)
    if order.get("batch"):  # two batches at once (processes mode): wait for the other
        meet(order["batch"], f"{os.getpid()}-{record.message_id}", parties=2)
    if order["amount"] < 0:
        raise ValueError(f"negative amount in {order['id']}")
    return order["amount"]


def batch_handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
