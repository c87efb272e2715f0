# Amazon SQS: the event a queue trigger delivers, and the partial batch response.
from __future__ import annotations

from collections.abc import Iterator
from typing import Generic

import msgspec

from minlambda.events._base import JSON, Model, PayloadSlot, T, record_payloads

__all__ = [
    "BatchItemFailure",
    "SQSAttributes",
    "SQSBatchResponse",
    "SQSEvent",
    "SQSMessageAttribute",
    "SQSRecord",
]


class SQSAttributes(Model, kw_only=True, rename="pascal"):
    """A message's system attributes (numbers and timestamps arrive as strings)."""

    approximate_receive_count: str = ""
    sent_timestamp: str = ""
    sender_id: str = ""
    approximate_first_receive_timestamp: str = ""
    sequence_number: str | None = None  # FIFO queues
    message_group_id: str | None = None  # FIFO queues
    message_deduplication_id: str | None = None  # FIFO queues
    dead_letter_queue_source_arn: str | None = None
    aws_trace_header: str | None = msgspec.field(default=None, name="AWSTraceHeader")


class SQSMessageAttribute(Model, kw_only=True):
    """A message attribute set by the sender."""

    data_type: str
    string_value: str | None = None
    binary_value: str | None = None  # base64
    string_list_values: list[str] = []
    binary_list_values: list[str] = []


class SQSRecord(Model, Generic[T], kw_only=True):
    """One message. `body` is the text as sent, or a `T` decoded from its JSON."""

    message_id: str
    receipt_handle: str = ""
    body: T
    attributes: SQSAttributes = msgspec.field(default_factory=SQSAttributes)
    message_attributes: dict[str, SQSMessageAttribute] = {}
    md5_of_body: str = ""
    md5_of_message_attributes: str | None = None
    event_source: str = "aws:sqs"
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    aws_region: str = ""

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "body", JSON, f"{at}.body"


class SQSEvent(Model, Generic[T], kw_only=True):
    """The event of an SQS trigger: up to 10,000 messages (10 for FIFO queues)."""

    records: list[SQSRecord[T]] = msgspec.field(name="Records")

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return record_payloads(self.records, f"{at}.Records")

    def _batch_items(self) -> Iterator[tuple[SQSRecord[T], str]]:
        for record in self.records:
            yield record, record.message_id

    def _ordered(self) -> bool:
        """FIFO queues: processing stops at the first failure."""
        return any(r.event_source_arn.endswith(".fifo") for r in self.records)


class BatchItemFailure(Model, kw_only=True):
    """One failed item of a batch: its message id or sequence number."""

    item_identifier: str


class SQSBatchResponse(Model, kw_only=True, omit_defaults=False):
    """The partial batch response: the messages to retry (the rest are deleted).
    An empty list (always encoded) means the whole batch succeeded."""

    batch_item_failures: list[BatchItemFailure] = []
