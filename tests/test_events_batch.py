"""Typed envelopes and per-record batch mode through the runtime, over real sockets:
`SQSEvent[Order]` as a handler's event type, and `@lambda_handler(batch=...)`."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from minlambda import lambda_handler
from minlambda.events import SQSEvent, SQSRecord
from minlambda.testing import LocalRuntime


class Order(msgspec.Struct):
    id: str
    amount: int


def sqs_event(*bodies: str, fifo: bool = False) -> dict[str, Any]:
    queue = "arn:aws:sqs:eu-west-1:123456789012:orders" + (".fifo" if fifo else "")
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"rh{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183"},
                "messageAttributes": {},
                "md5OfBody": "x",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue,
                "awsRegion": "eu-west-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def order(id: str, amount: Any = 1) -> str:
    return json.dumps({"id": id, "amount": amount})


# -- a typed envelope as the event type ---------------------------------------------------


def test_an_envelope_event_type_decodes_each_body():
    @lambda_handler
    def total(event: SQSEvent[Order]) -> dict[str, Any]:
        return {"ids": [r.body.id for r in event.records], "sum": sum(r.body.amount for r in event.records)}

    with LocalRuntime(total) as runtime:
        ok = runtime.invoke(sqs_event(order("a", 2), order("b", 3)))
        bad = runtime.invoke(sqs_event(order("a"), order("b", "three")))
        again = runtime.invoke(sqs_event(order("c", 5)))
    assert ok.json() == {"ids": ["a", "b"], "sum": 5}
    assert bad.error_type == "Runtime.ValidationError"
    assert bad.json()["errorDetails"] == {
        "location": "event",
        "path": "$.Records[1].body.amount",
        "reason": "Expected `int`, got `str`",
    }
    assert again.json() == {"ids": ["c"], "sum": 5}


def test_a_body_that_is_not_json_is_a_validation_error_at_its_path():
    @lambda_handler
    def total(event: SQSEvent[Order]) -> int:
        return len(event.records)

    with LocalRuntime(total) as runtime:
        result = runtime.invoke(sqs_event("Test message."))
    assert result.error_type == "Runtime.ValidationError"
    details = result.json()["errorDetails"]
    assert details["path"] == "$.Records[0].body" and "Invalid JSON" in details["reason"]


def test_an_unparameterized_envelope_keeps_the_bodies_as_text():
    @lambda_handler
    def bodies(event: SQSEvent) -> list[str]:
        return [r.body for r in event.records]

    with LocalRuntime(bodies) as runtime:
        result = runtime.invoke(sqs_event("plain", order("a")))
    assert result.json() == ["plain", order("a")]


# -- batch mode -----------------------------------------------------------------------------


def test_batch_mode_reports_each_failing_record(capfd):
    seen: list[tuple[str, str, int]] = []

    @lambda_handler(batch=SQSEvent[Order])
    def charge(record: SQSRecord[Order]) -> None:
        seen.append((record.message_id, record.body.id, record.body.amount))
        if record.body.amount < 0:
            raise ValueError(f"negative amount in {record.body.id}")

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke(sqs_event(order("a", 1), order("b", -1), "not json", order("d", 4)))
        clean = runtime.invoke(sqs_event(order("e", 5)))
    assert result.ok, result.payload
    assert result.json() == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert seen[:3] == [("m0", "a", 1), ("m1", "b", -1), ("m3", "d", 4)]
    assert clean.json() == {"batchItemFailures": []}
    out = capfd.readouterr().out
    # one log event per failed record, with the request id and the reason
    assert "[ERROR] ValueError: batch item m1 failed: negative amount in b" in out
    assert "[ERROR] Runtime.ValidationError: batch item m2 failed: Invalid JSON" in out
    assert out.count("[ERROR]") == 2


def test_a_fifo_queue_stops_at_the_first_failure():
    called: list[str] = []

    @lambda_handler(batch=SQSEvent[Order])
    def charge(record: SQSRecord[Order]) -> None:
        called.append(record.message_id)
        if record.body.id == "bad":
            raise RuntimeError("declined")

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke(
            sqs_event(order("a"), order("bad"), order("c"), order("d"), fifo=True)
        )
    assert called == ["m0", "m1"]  # nothing after the failure runs
    assert [f["itemIdentifier"] for f in result.json()["batchItemFailures"]] == ["m1", "m2", "m3"]


def test_an_async_batch_handler_with_the_context():
    import asyncio

    seen: list[tuple[str, str]] = []

    @lambda_handler(batch=SQSEvent[Order])
    async def charge(record: SQSRecord[Order], context) -> None:
        await asyncio.sleep(0)
        seen.append((record.body.id, context.aws_request_id))
        if record.body.amount == 0:
            raise ValueError("zero")

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke(sqs_event(order("a", 1), order("b", 0)))
    assert result.json() == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert [id for id, _ in seen] == ["a", "b"]
    assert {rid for _, rid in seen} == {result.request_id}


def test_an_unparameterized_batch_passes_the_text():
    bodies: list[str] = []

    @lambda_handler(batch=SQSEvent)
    def collect(record: SQSRecord[str]) -> None:
        bodies.append(record.body)

    with LocalRuntime(collect) as runtime:
        result = runtime.invoke(sqs_event("one", "two"))
    assert result.json() == {"batchItemFailures": []} and bodies == ["one", "two"]


def test_an_event_that_is_not_the_batch_source_fails_the_invocation():
    @lambda_handler(batch=SQSEvent[Order])
    def charge(record: SQSRecord[Order]) -> None:
        pass

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke({"detail": {}})
    assert result.error_type == "Runtime.ValidationError"
    assert result.json()["errorDetails"]["path"] == "$.Records"


def test_batch_is_refused_for_other_types_and_with_event():
    with pytest.raises(TypeError, match="is not a batch event type"):
        lambda_handler(batch=Order)(lambda record: None)
    with pytest.raises(TypeError, match="cannot be combined"):
        lambda_handler(batch=SQSEvent[Order], event=dict)(lambda record: None)
