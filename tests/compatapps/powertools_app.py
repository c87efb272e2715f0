"""minlambda handlers that use Powertools for AWS Lambda (Python): Logger, the
parser's `event_parser` and `parse`, next to minlambda's own event models.

tests/test_compat.py serves them with `python -m minlambda` (and the Logger one with
`python -m awslambdaric` too) or with `LocalRuntime`.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import envelopes, event_parser, parse
from aws_lambda_powertools.utilities.parser.models import SqsModel
from pydantic import BaseModel

from minlambda import Context, lambda_handler
from minlambda.events import SQSEvent, SQSRecord

logger = Logger(service="orders")


# -- Logger ---------------------------------------------------------------------------


@lambda_handler
@logger.inject_lambda_context
def logged(event: dict[str, Any], context: Context) -> dict[str, str]:
    logger.info("charging", extra={"order_id": event["id"]})
    return {"logged": event["id"]}


# -- event_parser, in both decorator orders ----------------------------------------------


# @lambda_handler outermost: minlambda serves what event_parser returns. The
# function's annotation is a pydantic model, which is not a msgspec schema, so the
# event type is given as Any (plain JSON values: event_parser does the parsing).
@lambda_handler(event=Any)
@event_parser(model=SqsModel)
def parsed(event: SqsModel, context: Context) -> list[str]:
    return [record.messageId for record in event.Records]


# the same, unannotated: no event= needed
@lambda_handler
@event_parser(model=SqsModel)
def parsed_untyped(event, context):
    return [record.messageId for record in event.Records]


# event_parser outermost: @lambda_handler registers the inner, unparsed function.
# `python -m minlambda module.parsed_outer` (or LocalRuntime(parsed_outer)) serves the
# module attribute, the parser's wrapper, and works; serve() and a registered-name
# lookup pick the registered inner function and skip the parser.
@event_parser(model=SqsModel)
@lambda_handler
def parsed_outer(event, context):
    return [record.messageId for record in event.Records]


# parse() inside the handler: no decorator order to get wrong
@lambda_handler
def parsed_inside(event: dict[str, Any], context: Context) -> list[str]:
    sqs = parse(event=event, model=SqsModel)
    return [record.messageId for record in sqs.Records]


# -- the same SQS event, Powertools' model next to minlambda's ----------------------------


@lambda_handler
def summary_minlambda(event: SQSEvent, context: Context) -> list[dict[str, Any]]:
    return [
        {
            "message_id": record.message_id,
            "receipt_handle": record.receipt_handle,
            "body": record.body,
            "approximate_receive_count": record.attributes.approximate_receive_count,
            "sent_timestamp_ms": int(record.attributes.sent_timestamp),
            "sender_id": record.attributes.sender_id,
            "message_attributes": {
                name: [attr.data_type, attr.string_value, attr.binary_value]
                for name, attr in record.message_attributes.items()
            },
            "md5_of_body": record.md5_of_body,
            "event_source": record.event_source,
            "event_source_arn": record.event_source_arn,
            "aws_region": record.aws_region,
        }
        for record in event.records
    ]


@lambda_handler(event=Any)
@event_parser(model=SqsModel)
def summary_powertools(event: SqsModel, context: Context) -> list[dict[str, Any]]:
    return [
        {
            "message_id": record.messageId,
            "receipt_handle": record.receiptHandle,
            "body": record.body,
            "approximate_receive_count": record.attributes.ApproximateReceiveCount,
            # Powertools parses the millisecond timestamps into datetimes
            "sent_timestamp_ms": round(record.attributes.SentTimestamp.timestamp() * 1000),
            "sender_id": record.attributes.SenderId,
            "message_attributes": {
                name: [attr.dataType, attr.stringValue, attr.binaryValue]
                for name, attr in record.messageAttributes.items()
            },
            "md5_of_body": record.md5OfBody,
            "event_source": record.eventSource,
            "event_source_arn": record.eventSourceARN,
            "aws_region": record.awsRegion,
        }
        for record in event.Records
    ]


# -- an envelope: Powertools' SqsEnvelope and minlambda's SQSEvent[Order] -------------------


class PydanticOrder(BaseModel):
    id: str
    amount: int


class Order(msgspec.Struct):
    id: str
    amount: int


@lambda_handler(event=Any)
@event_parser(model=PydanticOrder, envelope=envelopes.SqsEnvelope)
def total_powertools(event: list[PydanticOrder], context: Context) -> int:
    return sum(order.amount for order in event)


@lambda_handler
def total_minlambda(event: SQSEvent[Order], context: Context) -> int:
    return sum(record.body.amount for record in event.records)


@lambda_handler(batch=SQSEvent[Order])
def charge_each(record: SQSRecord[Order]) -> None:
    if record.body.amount < 0:
        raise ValueError("negative amount")
