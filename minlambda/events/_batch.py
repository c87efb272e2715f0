# Per-record batch mode: `@lambda_handler(batch=SQSEvent[Order])`.
#
# The runtime decodes the envelope (the records with their payloads as they came),
# then for each record decodes its payload as the user's type and calls the handler
# with the record. A record whose payload does not decode, or whose call raises,
# becomes a `batchItemFailures` entry (its message id or sequence number) and is
# logged as one event; the others succeed. On a FIFO queue and on a stream (Kinesis,
# DynamoDB: ordered shards) processing stops at the first failure and every record
# after it is reported too, so they are redelivered in order. The response is the partial batch response Lambda expects; the event source
# mapping must have ReportBatchItemFailures turned on.
from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

from minlambda.events._base import payload_converter
from minlambda.events._sqs import BatchItemFailure, SQSBatchResponse

__all__ = ["BatchPlan", "plan"]


class BatchPlan:
    """What the handler record needs for batch mode: the envelope type to decode,
    the response type, and the function the loop calls with (event, context)."""

    __slots__ = ("envelope", "response", "call")

    def __init__(self, envelope: type, response: type, call: Callable[[Any, Any], Any]) -> None:
        self.envelope = envelope
        self.response = response
        self.call = call


def plan(batch: Any, func: Callable[..., Any], arity: int, is_async: bool, where: str) -> BatchPlan:
    """The batch plan for `func` over `batch` (`SQSEvent[Order]`, `KinesisStreamEvent`...)."""
    origin = typing.get_origin(batch) or batch
    if not (isinstance(origin, type) and hasattr(origin, "_batch_items")):
        from minlambda._errors import InvalidSchemaError

        raise InvalidSchemaError(
            f"{where}: batch={batch!r} is not a batch event type; use SQSEvent[T], "
            "KinesisStreamEvent[T] or DynamoDBStreamEvent from minlambda.events"
        )
    args = typing.get_args(batch)
    convert = payload_converter(args[0] if args else Any)
    response: type = getattr(origin, "_batch_response", SQSBatchResponse)

    def call_one(record: Any, context: Any) -> Any:
        if arity == 2:
            return func(record, context)
        if arity == 1:
            return func(record)
        return func()

    def prepare(record: Any, index: int) -> None:
        if convert is not None:
            for holder, attribute, kind, path in record._payloads(f"$.Records[{index}]"):
                setattr(holder, attribute, convert(getattr(holder, attribute), kind, holder, path))

    if is_async:

        async def run_async(event: Any, context: Any) -> Any:
            failed = _Failures(event, context)
            for index, (record, identifier) in enumerate(event._batch_items()):
                if failed.stopped:
                    failed.add(identifier)
                    continue
                try:
                    prepare(record, index)
                    await call_one(record, context)
                except Exception as exc:
                    failed.record(identifier, exc)
            return failed.response(response)

        return BatchPlan(origin, response, run_async)

    def run(event: Any, context: Any) -> Any:
        failed = _Failures(event, context)
        for index, (record, identifier) in enumerate(event._batch_items()):
            if failed.stopped:
                failed.add(identifier)
                continue
            try:
                prepare(record, index)
                result = call_one(record, context)
                if hasattr(result, "__await__"):  # never count an un-run record as done
                    getattr(result, "close", lambda: None)()
                    raise TypeError("the handler returned an awaitable; make it `async def`")
            except Exception as exc:
                failed.record(identifier, exc)
        return failed.response(response)

    return BatchPlan(origin, response, run)


class _Failures:
    __slots__ = ("identifiers", "ordered", "stopped", "request_id")

    def __init__(self, event: Any, context: Any) -> None:
        self.identifiers: list[str] = []
        self.ordered = bool(event._ordered())
        self.stopped = False
        self.request_id = getattr(context, "aws_request_id", "")

    def add(self, identifier: str) -> None:
        self.identifiers.append(identifier)

    def record(self, identifier: str, exc: Exception) -> None:
        import msgspec

        from minlambda._errors import exception_fault
        from minlambda._logging import log_unhandled

        stack: list[str] = []
        if isinstance(exc, msgspec.ValidationError):
            error_type, message = "Runtime.ValidationError", str(exc)
        else:
            error_type, message, stack = exception_fault(exc)
        log_unhandled(
            error_type, f"batch item {identifier} failed: {message}", stack, self.request_id
        )
        self.identifiers.append(identifier)
        self.stopped = self.ordered

    def response(self, response: type) -> Any:
        failures = [BatchItemFailure(item_identifier=i) for i in self.identifiers]
        return response(batch_item_failures=failures)
