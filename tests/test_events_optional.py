"""The optionality rule of docs/events.md, field by field: an event without a field
AWS does not always send decodes (the field is None), and one without a field that
stays required fails with its path. Real samples (tests/events) with one field taken out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest

from minlambda import events, lambda_handler
from minlambda.events import decode
from minlambda.testing import LocalRuntime

EVENTS = Path(__file__).parent / "events"


def sample(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


def _drop(path: tuple[Any, ...]) -> Callable[[Any], None]:
    def edit(event: Any) -> None:
        *parents, last = path
        for key in parents:
            event = event[key]
        del event[last]

    return edit


def _null(path: tuple[Any, ...]) -> Callable[[Any], None]:
    def edit(event: Any) -> None:
        *parents, last = path
        for key in parents:
            event = event[key]
        event[last] = None

    return edit


# (sample, model, how the field is taken out, how the handler reads it)
NEWLY_OPTIONAL = {
    "CloudFormation ServiceToken": (
        "cloudformationCustomResourceCreate.json", "CloudFormationCustomResourceEvent",
        _drop(("ServiceToken",)), lambda e: e.service_token,
    ),
    "Function URL routeKey": (
        "lambdaFunctionUrlEvent.json", "LambdaFunctionUrlEvent",
        _drop(("routeKey",)), lambda e: e.route_key,
    ),
    "Firehose deliveryStreamArn": (
        "kinesisFirehoseKinesisEvent.json", "KinesisFirehoseEvent",
        _drop(("deliveryStreamArn",)), lambda e: e.delivery_stream_arn,
    ),
    "EventBridge detail": (
        "eventBridgeEvent.json", "EventBridgeEvent",
        _drop(("detail",)), lambda e: e.detail,
    ),
    "API Gateway REST extendedRequestId absent": (
        "apiGatewayProxyEvent.json", "APIGatewayProxyEvent",
        _drop(("requestContext", "extendedRequestId")),
        lambda e: e.request_context.extended_request_id,
    ),
    "API Gateway REST extendedRequestId null (sam local)": (
        "apiGatewayProxyEvent.json", "APIGatewayProxyEvent",
        _null(("requestContext", "extendedRequestId")),
        lambda e: e.request_context.extended_request_id,
    ),
}


@pytest.mark.parametrize("case", NEWLY_OPTIONAL.values(), ids=NEWLY_OPTIONAL.keys())
def test_an_event_without_a_newly_optional_field_decodes(case: tuple[Any, ...]) -> None:
    name, model_name, edit, read = case
    event = sample(name)
    model = getattr(events, model_name)
    assert read(decode(json.dumps(event), model)) is not None  # the sample has it
    edit(event)
    assert read(decode(json.dumps(event), model)) is None


def test_firehose_numbers_as_text_give_ints() -> None:
    event = sample("kinesisFirehoseKinesisEvent.json")
    record = event["records"][0]
    stamp = record["approximateArrivalTimestamp"]
    record["approximateArrivalTimestamp"] = str(stamp)
    record["kinesisRecordMetadata"]["subsequenceNumber"] = "3"
    record["kinesisRecordMetadata"]["approximateArrivalTimestamp"] = "2012-04-23T18:25:43.511Z"
    decoded = decode(json.dumps(event), events.KinesisFirehoseEvent).records[0]
    assert decoded.approximate_arrival_timestamp == stamp
    assert decoded.kinesis_record_metadata is not None
    assert decoded.kinesis_record_metadata.subsequence_number == 3
    assert decoded.kinesis_record_metadata.approximate_arrival_timestamp == 1335205543511
    record["approximateArrivalTimestamp"] = "yesterday"
    with pytest.raises(msgspec.ValidationError, match=r"approximateArrivalTimestamp.*\$\.records\[0\]"):
        decode(json.dumps(event), events.KinesisFirehoseEvent)


STILL_REQUIRED = {
    "SQS messageId": ("sqsEvent.json", "SQSEvent", ("Records", 0, "messageId"), "$.Records[0].messageId"),
    "S3 bucket name": ("s3Event.json", "S3Event", ("Records", 0, "s3", "bucket", "name"),
                       "$.Records[0].s3.bucket.name"),
    "EventBridge source": ("eventBridgeEvent.json", "EventBridgeEvent", ("source",), "$.source"),
    "Firehose invocationId": ("kinesisFirehoseKinesisEvent.json", "KinesisFirehoseEvent",
                              ("invocationId",), "$.invocationId"),
}


@pytest.mark.parametrize("case", STILL_REQUIRED.values(), ids=STILL_REQUIRED.keys())
def test_an_event_without_a_required_field_fails_with_its_path(case: tuple[Any, ...]) -> None:
    name, model_name, path, where = case
    event = sample(name)
    _drop(path)(event)
    model = getattr(events, model_name)
    parent, field = where.rsplit(".", 1)
    with pytest.raises(msgspec.ValidationError) as raised:
        decode(json.dumps(event), model)
    at = "" if parent == "$" else f" - at `{parent}`"  # msgspec names no path at the root
    # decode() names the model it tried, then msgspec's reason and the path
    assert str(raised.value) == f"{model_name}: Object missing required field `{field}`{at}"

    # served, the error names the missing field itself
    @lambda_handler(event=model)
    def handler(event: Any) -> None:
        return None

    with LocalRuntime(handler) as runtime:
        result = runtime.invoke(event)
    assert result.error_type == "Runtime.ValidationError"
    assert result.error["errorDetails"]["path"] == where


def test_the_s3_test_event_decodes_with_no_records() -> None:
    # what S3 sends once when a bucket notification is set up
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-12-03T10:00:00.000Z",
                  "Bucket": "uploads", "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkw"}
    decoded = decode(json.dumps(test_event), events.S3Event)
    assert decoded.records == [] and decoded.event == "s3:TestEvent"
    assert decode(json.dumps(sample("s3Event.json")), events.S3Event).event is None


def test_a_kafka_tombstone_has_no_value() -> None:
    event = sample("kafkaEventMsk.json")
    records = next(iter(event["records"].values()))
    del records[0]["value"]
    decoded = decode(json.dumps(event), events.KafkaEvent)
    assert next(iter(decoded.records.values()))[0].value is None
    # a typed value: a tombstone decodes where the type allows None
    assert next(iter(decode(json.dumps(event), events.KafkaEvent[dict[str, Any] | None]).records.values()))[0].value is None
    with pytest.raises(msgspec.ValidationError, match=r"\.value"):
        decode(json.dumps(event), events.KafkaEvent[dict[str, Any]])
