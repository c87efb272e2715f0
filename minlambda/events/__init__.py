"""Typed msgspec models of AWS event sources (placeholder, completed below)."""

from minlambda.events._sqs import (
    BatchItemFailure,
    SQSAttributes,
    SQSBatchResponse,
    SQSEvent,
    SQSMessageAttribute,
    SQSRecord,
)

__all__ = [
    "BatchItemFailure",
    "SQSAttributes",
    "SQSBatchResponse",
    "SQSEvent",
    "SQSMessageAttribute",
    "SQSRecord",
]
