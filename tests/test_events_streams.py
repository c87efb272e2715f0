"""The stream source models of `minlambda.events._streams`: every real sample of Kinesis,
Firehose, DynamoDB Streams, CloudWatch Logs, Kafka and the stream on-failure record,
the embedded payloads with a user type, batch mode, and the responses."""

from __future__ import annotations

import base64
import json
import pathlib
import zlib
from decimal import Decimal
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from eventkeys import unknown_keys

from minlambda import lambda_handler
from minlambda.events._base import EnvelopeDecoder
from minlambda.events._batch import plan
from minlambda.events._sqs import BatchItemFailure, SQSRecord
from minlambda.events._streams import (
    CloudWatchLogsData,
    CloudWatchLogsEvent,
    DynamoDBStreamEvent,
    DynamoDBStreamRecord,
    KafkaEvent,
    KafkaRecord,
    KinesisFirehoseEvent,
    KinesisFirehoseResponse,
    KinesisFirehoseResponseRecord,
    KinesisStreamEvent,
    KinesisStreamRecord,
    StreamFailureRecord,
    StreamsEventResponse,
    dynamodb_item,
    dynamodb_value,
)
from minlambda.testing import LocalRuntime

EVENTS = pathlib.Path(__file__).parent / "events"


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()




def assert_every_key_read(data: bytes, model: Any) -> None:
    assert unknown_keys(json.loads(data), mi.type_info(model)) == []


STREAM_SAMPLES = {
    "kinesisStreamEvent.json": KinesisStreamEvent,
    "kinesisStreamEventOneRecord.json": KinesisStreamEvent,
    "kinesisStreamTumblingWindowEvent.json": KinesisStreamEvent,
    "kinesisStreamCloudWatchLogsEvent.json": KinesisStreamEvent,
    "kinesisFirehoseKinesisEvent.json": KinesisFirehoseEvent,
    "kinesisFirehosePutEvent.json": KinesisFirehoseEvent,
    "kinesisFirehoseSQSEvent.json": KinesisFirehoseEvent,
    "dynamoStreamEvent.json": DynamoDBStreamEvent,
    "dynamoStreamTumblingWindowEvent.json": DynamoDBStreamEvent,
    "dynamoStreamLambdaInvocationEvent.json": StreamFailureRecord,
    "cloudWatchLogEvent.json": CloudWatchLogsEvent,
    "cloudWatchLogEventWithPolicyLevel.json": CloudWatchLogsEvent,
    "kafkaEventMsk.json": KafkaEvent,
    "kafkaEventSelfManaged.json": KafkaEvent,
}


def test_the_samples_cover_every_file_of_the_stream_sources():
    sources = {
        "kinesis_stream",
        "kinesis_firehose",
        "dynamodb_stream",
        "cloudwatch_logs",
        "kafka",
        "lambda_destination_record",
    }
    lines = (EVENTS / "MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    col = header.index("event_source_type_guess")
    files = {row.split("\t")[0] for row in lines[1:] if row.split("\t")[col] in sources}
    assert files == set(STREAM_SAMPLES)


@pytest.mark.parametrize("name", sorted(STREAM_SAMPLES))
def test_every_key_of_every_sample_is_read_by_a_field(name):
    assert_every_key_read(sample(name), STREAM_SAMPLES[name])


# -- Kinesis Data Streams ---------------------------------------------------------------


class Message(msgspec.Struct):
    message: str
    username: str


class Order(msgspec.Struct):
    id: str
    amount: int


def test_kinesis_stream_event():
    event = msgspec.json.decode(sample("kinesisStreamEvent.json"), type=KinesisStreamEvent)
    assert len(event.records) == 2
    first, second = event.records
    assert first.kinesis.kinesis_schema_version == "1.0"
    assert first.kinesis.partition_key == "1"
    assert (
        first.kinesis.sequence_number == "49590338271490256608559692538361571095921575989136588898"
    )
    assert first.kinesis.data == "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg=="  # as it came
    assert first.kinesis.approximate_arrival_timestamp == 1545084650.987
    assert first.event_source == "aws:kinesis"
    assert first.event_version == "1.0"
    assert first.event_id == (
        "shardId-000000000006:49590338271490256608559692538361571095921575989136588898"
    )
    assert first.event_name == "aws:kinesis:record"
    assert first.invoke_identity_arn == "arn:aws:iam::123456789012:role/lambda-role"
    assert first.aws_region == "us-east-2"
    assert first.event_source_arn == "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
    assert second.kinesis.approximate_arrival_timestamp == 1545084711.166
    # no tumbling window
    assert event.window is None and event.state == {} and event.shard_id is None
    assert event.event_source_arn is None and event.is_final_invoke_for_window is None


def test_kinesis_stream_event_as_bytes():
    event = EnvelopeDecoder(KinesisStreamEvent[bytes]).decode(sample("kinesisStreamEvent.json"))
    assert [r.kinesis.data for r in event.records] == [
        b"Hello, this is a test.",
        b"This is only a test.",
    ]


def test_kinesis_stream_event_one_record_with_a_user_type():
    data = sample("kinesisStreamEventOneRecord.json")
    plain = msgspec.json.decode(data, type=KinesisStreamEvent)
    assert plain.records[0].kinesis.data == (
        "eyJtZXNzYWdlIjogInRlc3QgbWVzc2FnZSIsICJ1c2VybmFtZSI6ICJ0ZXN0In0="
    )
    event = EnvelopeDecoder(KinesisStreamEvent[Message]).decode(data)
    assert event.records[0].kinesis.data == Message(message="test message", username="test")
    assert event.records[0].kinesis.partition_key == "1"
    assert event.records[0].aws_region == "us-east-2"


def test_a_kinesis_payload_that_does_not_fit_names_its_path():
    data = sample("kinesisStreamEventOneRecord.json")
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisStreamEvent[Order]).decode(data)
    assert str(info.value) == "Object missing required field `id` - at `$.Records[0].kinesis.data`"

    class Typed(msgspec.Struct):
        username: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisStreamEvent[Typed]).decode(data)
    assert str(info.value) == (
        "Expected `int`, got `str` - at `$.Records[0].kinesis.data.username`"
    )
    # plain text in the base64: not JSON
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisStreamEvent[Order]).decode(sample("kinesisStreamEvent.json"))
    message = str(info.value)
    assert message.startswith("Invalid JSON in the payload")
    assert message.endswith(" - at `$.Records[0].kinesis.data`")


def test_kinesis_data_that_is_not_base64_is_a_validation_error():
    event = json.loads(sample("kinesisStreamEventOneRecord.json"))
    event["Records"][0]["kinesis"]["data"] = "not base64!"
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisStreamEvent[bytes]).decode(json.dumps(event))
    assert str(info.value) == "Invalid base64 data - at `$.Records[0].kinesis.data`"


def test_kinesis_stream_tumbling_window_event():
    data = sample("kinesisStreamTumblingWindowEvent.json")
    event = msgspec.json.decode(data, type=KinesisStreamEvent)
    assert event.window is not None
    assert event.window.start == "2020-12-09T07:04:00Z"
    assert event.window.end == "2020-12-09T07:06:00Z"
    assert event.state == {"1": 282, "2": 715}
    assert event.shard_id == "shardId-000000000006"
    assert event.event_source_arn == "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream"
    assert event.is_final_invoke_for_window is False
    assert event.is_window_terminated_early is False
    record = event.records[0]
    assert record.kinesis.approximate_arrival_timestamp == 1607497475.0
    assert record.invoke_identity_arn == "arn:aws:iam::123456789012:role/lambda-kinesis-role"
    assert record.aws_region == "us-east-1"


def test_kinesis_stream_carrying_cloudwatch_logs():
    data = sample("kinesisStreamCloudWatchLogsEvent.json")
    event = EnvelopeDecoder(KinesisStreamEvent[bytes]).decode(data)
    assert len(event.records) == 2
    record = event.records[0]
    assert record.aws_region == "eu-west-1"
    assert record.kinesis.partition_key == "da10bf66b1f54bff5d96eae99149ad1f"
    assert record.kinesis.approximate_arrival_timestamp == 1668093033.744
    assert record.event_source_arn.endswith(
        ":stream/pt-1488-KinesisStreamCloudWatchLogs-D8tHs0im0aJG"
    )
    assert record.kinesis.data[:2] == b"\x1f\x8b"  # gzip
    logs = CloudWatchLogsData.decompress(record.kinesis.data)
    assert logs.message_type == "DATA_MESSAGE"
    assert logs.owner == "231436140809"
    assert logs.log_group == "/aws/lambda/pt-1488-DummyLogDataFunction-gnWXPvL6jJyG"
    assert logs.log_stream == "2022/11/10/[$LATEST]26b6a45d574f442ea28438923cbf7bf7"
    assert logs.subscription_filters == [
        "pt-1488-CloudWatchLogsToKinesisSubscriptionFilter-5gkxsK0HpHDI"
    ]
    assert len(logs.log_events) == 3
    assert logs.log_events[0].id == "37199717562907174288355125807040114704837640994633613312"
    assert logs.log_events[0].timestamp == 1668093027015
    assert logs.log_events[0].message.startswith("START RequestId: 06e46194")
    second = CloudWatchLogsData.decompress(event.records[1].kinesis.data)
    assert second.log_events[2].message.startswith("REPORT RequestId: 4dfec460")


def test_kinesis_batch_items_and_order():
    event = msgspec.json.decode(sample("kinesisStreamEvent.json"), type=KinesisStreamEvent)
    items = list(event._batch_items())
    assert [identifier for _, identifier in items] == [
        "49590338271490256608559692538361571095921575989136588898",
        "49590338271490256608559692540925702759324208523137515618",
    ]
    assert [record for record, _ in items] == event.records
    assert event._ordered() is True
    assert KinesisStreamEvent._batch_response is StreamsEventResponse


def kinesis_event(*payloads: bytes) -> dict[str, Any]:
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": "p",
                    "sequenceNumber": f"{i}00",
                    "data": base64.b64encode(payload).decode(),
                    "approximateArrivalTimestamp": 1545084650.987,
                },
                "eventSource": "aws:kinesis",
                "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
            }
            for i, payload in enumerate(payloads)
        ]
    }


def test_kinesis_batch_plan_reports_the_failed_sequence_numbers():
    seen: list[tuple[str, int]] = []

    def charge(record: KinesisStreamRecord[Order]) -> None:
        seen.append((record.kinesis.data.id, record.kinesis.data.amount))
        if record.kinesis.data.amount < 0:
            raise ValueError("negative")

    batch = plan(KinesisStreamEvent[Order], charge, 1, False, "test")
    assert batch.envelope is KinesisStreamEvent and batch.response is StreamsEventResponse
    body = kinesis_event(
        b'{"id": "a", "amount": 1}',
        b'{"id": "b", "amount": -1}',
        b"nope",
        b'{"id": "d", "amount": 4}',
    )
    event = msgspec.json.decode(json.dumps(body), type=batch.envelope)
    response = batch.call(event, None)
    assert isinstance(response, StreamsEventResponse)
    assert msgspec.json.decode(msgspec.json.encode(response)) == {
        "batchItemFailures": [
            {"itemIdentifier": "100"}, {"itemIdentifier": "200"}, {"itemIdentifier": "300"}
        ]
    }
    # a shard is ordered: nothing after the first failure runs, all of it is reported
    assert seen == [("a", 1), ("b", -1)]


def test_kinesis_batch_mode_through_the_runtime(capfd):
    seen: list[str] = []

    @lambda_handler(batch=KinesisStreamEvent[Order])
    def charge(record: KinesisStreamRecord[Order]) -> None:
        seen.append(record.kinesis.data.id)
        if record.kinesis.data.amount < 0:
            raise ValueError("negative")

    with LocalRuntime(charge) as runtime:
        result = runtime.invoke(
            kinesis_event(
                b'{"id": "a", "amount": 1}',
                b'{"id": "b", "amount": "x"}',
                b'{"id": "c", "amount": -1}',
            )
        )
    assert result.ok, result.payload
    assert result.json() == {
        "batchItemFailures": [{"itemIdentifier": "100"}, {"itemIdentifier": "200"}]
    }
    assert seen == ["a"]  # the decode failure of the second record stops the shard
    out = capfd.readouterr().out
    assert (
        "batch item 100 failed: Expected `int`, got `str` - at `$.Records[1].kinesis.data.amount`"
        in out
    )


# -- Data Firehose ----------------------------------------------------------------------


def test_kinesis_firehose_kinesis_event():
    data = sample("kinesisFirehoseKinesisEvent.json")
    event = msgspec.json.decode(data, type=KinesisFirehoseEvent)
    assert event.invocation_id == "2b4d1ad9-2f48-94bd-a088-767c317e994a"
    assert (
        event.source_kinesis_stream_arn
        == "arn:aws:kinesis:us-east-1:123456789012:stream/kinesis-source"
    )
    assert event.delivery_stream_arn == (
        "arn:aws:firehose:us-east-2:123456789012:deliverystream/delivery-stream-name"
    )
    assert event.region == "us-east-2"
    first, second = event.records
    assert first.record_id == "record1"
    assert first.data == "SGVsbG8gV29ybGQ="
    assert first.approximate_arrival_timestamp == 1664028820148
    meta = first.kinesis_record_metadata
    assert meta is not None
    assert meta.shard_id == "shardId-000000000000"
    assert meta.partition_key == "4d1ad2b9-24f8-4b9d-a088-76e9947c317a"
    assert meta.approximate_arrival_timestamp == 1664028820148
    assert meta.sequence_number == "49546986683135544286507457936321625675700192471156785154"
    assert meta.subsequence_number == 0
    assert second.kinesis_record_metadata is not None
    assert second.kinesis_record_metadata.shard_id == "shardId-000000000001"
    raw = EnvelopeDecoder(KinesisFirehoseEvent[bytes]).decode(data)
    assert [r.data for r in raw.records] == [b"Hello World", b'{"Hello": "World"}']


def test_kinesis_firehose_put_event():
    data = sample("kinesisFirehosePutEvent.json")
    event = msgspec.json.decode(data, type=KinesisFirehoseEvent)
    assert event.invocation_id == "2b4d1ad9-2f48-94bd-a088-767c317e994a"
    assert event.source_kinesis_stream_arn is None
    assert event.region == "us-east-2"
    assert [r.record_id for r in event.records] == ["record1", "record2"]
    assert [r.approximate_arrival_timestamp for r in event.records] == [
        1664029185290,
        1664029186945,
    ]
    assert event.records[1].data == "eyJIZWxsbyI6ICJXb3JsZCJ9"
    assert event.records[0].kinesis_record_metadata is None
    # the first record is not JSON: the error names it
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisFirehoseEvent[dict[str, str]]).decode(data)
    assert str(info.value).endswith(" - at `$.records[0].data`")
    assert str(info.value).startswith("Invalid JSON in the payload")


def test_kinesis_firehose_sqs_event_with_a_user_type():
    data = sample("kinesisFirehoseSQSEvent.json")
    event = msgspec.json.decode(data, type=KinesisFirehoseEvent)
    assert event.invocation_id == "556b67a3-48fc-4385-af49-e133aade9cb9"
    assert event.delivery_stream_arn.endswith(":deliverystream/PUT-S3-tdyyE")
    assert event.region == "us-east-1"
    assert (
        event.records[0].record_id
        == "49640912821178817833517986466168945147170627572855734274000000"
    )
    assert event.records[0].approximate_arrival_timestamp == 1684864917398
    # the payload is an SQS message in JSON
    typed = EnvelopeDecoder(KinesisFirehoseEvent[SQSRecord]).decode(data)
    message = typed.records[0].data
    assert message.message_id == "5ab807d4-5644-4c55-97a3-47396635ac74"
    assert message.body == "Test message."
    assert message.attributes.sent_timestamp == "1684864852491"
    assert message.event_source_arn == "arn:aws:sqs:us-east-1:200984112386:SNS"

    class Strict(msgspec.Struct):
        messageId: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KinesisFirehoseEvent[Strict]).decode(data)
    assert str(info.value) == "Expected `int`, got `str` - at `$.records[0].data.messageId`"


def test_kinesis_firehose_response_json():
    response = KinesisFirehoseResponse(
        records=[
            KinesisFirehoseResponseRecord.ok("record1", b"Hello World\n"),
            KinesisFirehoseResponseRecord.ok("record2", b"{}", partition_keys={"customer": "c1"}),
            KinesisFirehoseResponseRecord.dropped("record3"),
            KinesisFirehoseResponseRecord.failed("record4", b"\xff"),
        ]
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "records": [
            {"recordId": "record1", "result": "Ok", "data": "SGVsbG8gV29ybGQK"},
            {
                "recordId": "record2",
                "result": "Ok",
                "data": "e30=",
                "metadata": {"partitionKeys": {"customer": "c1"}},
            },
            {"recordId": "record3", "result": "Dropped", "data": ""},
            {"recordId": "record4", "result": "ProcessingFailed", "data": "/w=="},
        ]
    }
    assert msgspec.json.decode(encoded, type=KinesisFirehoseResponse) == response
    assert msgspec.json.encode(KinesisFirehoseResponse()) == b'{"records":[]}'
    with pytest.raises(msgspec.ValidationError, match="Invalid enum value 'OK'"):
        msgspec.json.decode(
            b'{"records":[{"recordId":"r","result":"OK","data":""}]}', type=KinesisFirehoseResponse
        )


# -- DynamoDB Streams -------------------------------------------------------------------


def test_dynamodb_stream_event():
    event = msgspec.json.decode(sample("dynamoStreamEvent.json"), type=DynamoDBStreamEvent)
    first, second = event.records
    assert first.event_id == "1"
    assert first.event_version == "1.0"
    assert first.event_name == "INSERT"
    assert first.event_source == "aws:dynamodb"
    assert first.event_source_arn == "eventsource_arn"
    assert first.aws_region == "us-west-2"
    assert first.user_identity is None
    change = first.dynamodb
    assert change.approximate_creation_date_time == 1693997155.0
    assert change.keys == {"Id": {"N": "101"}}
    assert change.new_image == {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    assert change.old_image == {}
    assert change.stream_view_type == "NEW_AND_OLD_IMAGES"
    assert change.sequence_number == "111"
    assert change.size_bytes == 26
    assert change.key() == {"Id": 101}
    assert change.new_item() == {"Message": "New item!", "Id": 101}
    assert second.event_name == "MODIFY"
    assert second.event_source_arn == "source_arn"
    assert second.dynamodb.approximate_creation_date_time is None
    assert second.dynamodb.old_item() == {"Message": "New item!", "Id": 101}
    assert second.dynamodb.new_item() == {"Message": "This item has changed", "Id": 101}
    assert second.dynamodb.size_bytes == 59
    assert event.window is None and event.state == {}


def test_dynamodb_stream_tumbling_window_event():
    data = sample("dynamoStreamTumblingWindowEvent.json")
    event = msgspec.json.decode(data, type=DynamoDBStreamEvent)
    assert [r.event_name for r in event.records] == ["INSERT", "MODIFY", "REMOVE"]
    assert [r.dynamodb.sequence_number for r in event.records] == ["111", "222", "333"]
    removed = event.records[2]
    assert removed.aws_region == "us-east-1"
    assert removed.event_source_arn == "stream-ARN"
    assert removed.dynamodb.new_image == {}
    assert removed.dynamodb.old_item() == {"Message": "This item has changed", "Id": 101}
    assert removed.dynamodb.size_bytes == 38
    assert event.window is not None
    assert (event.window.start, event.window.end) == (
        "2020-07-30T17:00:00Z",
        "2020-07-30T17:05:00Z",
    )
    assert event.state == {"1": "state1"}
    assert event.shard_id == "shard123456789"
    assert event.event_source_arn == "stream-ARN"
    assert event.is_final_invoke_for_window is False
    assert event.is_window_terminated_early is False


def test_dynamodb_event_name_is_checked_and_ttl_deletes_have_a_user_identity():
    record = {
        "eventID": "9",
        "eventName": "REMOVE",
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"Keys": {"Id": {"S": "x"}}, "SequenceNumber": "900", "SizeBytes": 5},
    }
    event = msgspec.json.decode(json.dumps({"Records": [record]}), type=DynamoDBStreamEvent)
    identity = event.records[0].user_identity
    assert identity is not None
    assert (identity.type, identity.principal_id) == ("Service", "dynamodb.amazonaws.com")
    record["eventName"] = "UPSERT"
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(json.dumps({"Records": [record]}), type=DynamoDBStreamEvent)
    assert str(info.value) == "Invalid enum value 'UPSERT' - at `$.Records[0].eventName`"


def test_dynamodb_batch_items_and_order():
    data = sample("dynamoStreamTumblingWindowEvent.json")
    event = msgspec.json.decode(data, type=DynamoDBStreamEvent)
    items = list(event._batch_items())
    assert [identifier for _, identifier in items] == ["111", "222", "333"]
    assert [record for record, _ in items] == event.records
    assert event._ordered() is True
    assert list(event.records[0]._payloads("$.Records[0]")) == []
    assert DynamoDBStreamEvent._batch_response is StreamsEventResponse


def test_dynamodb_batch_mode_through_the_runtime(capfd):
    seen: list[str] = []

    @lambda_handler(batch=DynamoDBStreamEvent)
    def apply(record: DynamoDBStreamRecord) -> None:
        seen.append(record.event_name)
        if record.event_name == "MODIFY":
            raise RuntimeError("conflict")

    with LocalRuntime(apply) as runtime:
        result = runtime.invoke(json.loads(sample("dynamoStreamTumblingWindowEvent.json")))
    assert result.ok, result.payload
    assert result.json() == {
        "batchItemFailures": [{"itemIdentifier": "222"}, {"itemIdentifier": "333"}]
    }
    assert seen == ["INSERT", "MODIFY"]
    assert "RuntimeError: batch item 222 failed: conflict" in capfd.readouterr().out


def test_dynamodb_values_to_python():
    image = {
        "s": {"S": "text"},
        "n": {"N": "123"},
        "negative": {"N": "-7"},
        "price": {"N": "19.99"},
        "big": {"N": "1E+3"},
        "b": {"B": "aGVsbG8="},
        "yes": {"BOOL": True},
        "nothing": {"NULL": True},
        "map": {"M": {"inner": {"L": [{"S": "a"}, {"N": "1"}, {"M": {}}]}}},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": ["AA==", "AQ=="]},
    }
    item = dynamodb_item(image)
    assert item == {
        "s": "text",
        "n": 123,
        "negative": -7,
        "price": Decimal("19.99"),
        "big": Decimal("1E+3"),
        "b": b"hello",
        "yes": True,
        "nothing": None,
        "map": {"inner": ["a", 1, {}]},
        "ss": {"a", "b"},
        "ns": {1, Decimal("2.5")},
        "bs": {b"\x00", b"\x01"},
    }
    assert type(item["n"]) is int and type(item["price"]) is Decimal
    with pytest.raises(ValueError, match="unknown DynamoDB attribute type 'X'"):
        dynamodb_value({"X": "1"})
    with pytest.raises(ValueError, match="not a DynamoDB attribute value"):
        dynamodb_value({"S": "a", "N": "1"})


# -- the streams response ---------------------------------------------------------------


def test_streams_event_response_json():
    empty = StreamsEventResponse()
    assert msgspec.json.encode(empty) == b'{"batchItemFailures":[]}'
    response = StreamsEventResponse(batch_item_failures=[BatchItemFailure(item_identifier="222")])
    encoded = msgspec.json.encode(response)
    assert encoded == b'{"batchItemFailures":[{"itemIdentifier":"222"}]}'
    assert msgspec.json.decode(encoded, type=StreamsEventResponse) == response
    # a tumbling window passes its state on
    windowed = StreamsEventResponse(state={"total": 3})
    encoded = msgspec.json.encode(windowed)
    assert json.loads(encoded) == {"batchItemFailures": [], "state": {"total": 3}}
    assert msgspec.json.decode(encoded, type=StreamsEventResponse) == windowed


# -- CloudWatch Logs --------------------------------------------------------------------


def test_cloudwatch_logs_event_gzip():
    data = sample("cloudWatchLogEvent.json")
    event = msgspec.json.decode(data, type=CloudWatchLogsEvent)
    assert event.awslogs.data.startswith("H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK")  # decoded on demand
    logs = event.decode()
    assert isinstance(logs, CloudWatchLogsData)
    assert logs.message_type == "DATA_MESSAGE"
    assert logs.owner == "123456789123"
    assert logs.log_group == "testLogGroup"
    assert logs.log_stream == "testLogStream"
    assert logs.subscription_filters == ["testFilter"]
    assert [(e.id, e.timestamp, e.message) for e in logs.log_events] == [
        ("eventId1", 1440442987000, "[ERROR] First test message"),
        ("eventId2", 1440442987001, "[ERROR] Second test message"),
    ]
    assert logs.policy_level is None


def test_cloudwatch_logs_event_zlib_with_policy_level():
    data = sample("cloudWatchLogEventWithPolicyLevel.json")
    event = msgspec.json.decode(data, type=CloudWatchLogsEvent)
    assert event.awslogs.data.startswith("eNqF")  # zlib, not gzip
    logs = event.decode()
    assert logs.policy_level == "ACCOUNT_LEVEL_POLICY"
    assert logs.owner == "123456789123"
    assert logs.log_group == "testLogGroup"
    assert logs.log_events[1].id == "eventId2"
    assert logs.log_events[1].message == "[ERROR] Second test message"
    decompressed = zlib.decompress(base64.b64decode(event.awslogs.data))
    assert_every_key_read(decompressed, CloudWatchLogsData)


def test_cloudwatch_logs_every_key_of_the_decoded_data_is_read():
    event = msgspec.json.decode(sample("cloudWatchLogEvent.json"), type=CloudWatchLogsEvent)
    assert_every_key_read(
        zlib.decompress(base64.b64decode(event.awslogs.data), 31), CloudWatchLogsData
    )


def test_cloudwatch_logs_data_that_does_not_fit():
    payload = base64.b64encode(zlib.compress(b'{"messageType": "DATA_MESSAGE"}')).decode()
    event = msgspec.json.decode(
        json.dumps({"awslogs": {"data": payload}}), type=CloudWatchLogsEvent
    )
    with pytest.raises(msgspec.ValidationError, match="Object missing required field `owner`"):
        event.decode()


# -- Kafka ------------------------------------------------------------------------------


class KeyValue(msgspec.Struct):
    key: str


def test_kafka_msk_event():
    data = sample("kafkaEventMsk.json")
    event = msgspec.json.decode(data, type=KafkaEvent)
    assert event.event_source == "aws:kafka"
    assert event.event_source_arn == (
        "arn:aws:kafka:us-east-1:0123456789019:cluster/SalesCluster/abcd1234-abcd-cafe-abab-9876543210ab-4"
    )
    assert event.bootstrap_servers.startswith("b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1")
    assert list(event.records) == ["mytopic-0"]
    record = event.records["mytopic-0"][0]
    assert record.topic == "mytopic"
    assert record.partition == 0
    assert record.offset == 15
    assert record.timestamp == 1545084650987
    assert record.timestamp_type == "CREATE_TIME"
    assert record.key == "cmVjb3JkS2V5"
    assert record.decoded_key() == b"recordKey"
    assert record.value == "eyJrZXkiOiJ2YWx1ZSJ9"
    assert record.headers == [{"headerKey": [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101]}]
    assert record.decoded_headers() == [("headerKey", b"headerValue")]
    typed = EnvelopeDecoder(KafkaEvent[KeyValue]).decode(data)
    assert typed.records["mytopic-0"][0].value == KeyValue(key="value")
    raw = EnvelopeDecoder(KafkaEvent[bytes]).decode(data)
    assert raw.records["mytopic-0"][0].value == b'{"key":"value"}'


def test_kafka_self_managed_event():
    data = sample("kafkaEventSelfManaged.json")
    event = msgspec.json.decode(data, type=KafkaEvent)
    assert event.event_source == "aws:SelfManagedKafka"
    assert event.event_source_arn is None
    assert event.bootstrap_servers.endswith("kafka.us-east-1.amazonaws.com:9092")
    record = event.records["mytopic-0"][0]
    assert (record.topic, record.partition, record.offset) == ("mytopic", 0, 15)
    assert record.key_schema_metadata is None and record.value_schema_metadata is None
    typed = EnvelopeDecoder(KafkaEvent[dict[str, str]]).decode(data)
    assert typed.records["mytopic-0"][0].value == {"key": "value"}


def test_kafka_payload_paths_walk_the_partitions():
    event = msgspec.json.decode(sample("kafkaEventMsk.json"), type=KafkaEvent)
    extra = KafkaRecord(topic="other", partition=3, offset=1, timestamp=0, value="e30=")
    event.records["other-3"] = [extra, extra]
    paths = [path for _, _, _, path in event._payloads()]
    assert paths == [
        '$.records["mytopic-0"][0].value',
        '$.records["other-3"][0].value',
        '$.records["other-3"][1].value',
    ]


def test_a_kafka_value_that_does_not_fit_names_its_path():
    class Wrong(msgspec.Struct):
        key: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(KafkaEvent[Wrong]).decode(sample("kafkaEventSelfManaged.json"))
    assert str(info.value) == 'Expected `int`, got `str` - at `$.records["mytopic-0"][0].value.key`'


def test_a_kafka_record_without_key_and_with_schema_metadata():
    event = {
        "eventSource": "aws:kafka",
        "records": {
            "t-1": [
                {
                    "topic": "t",
                    "partition": 1,
                    "offset": 2,
                    "timestamp": 3,
                    "timestampType": "LOG_APPEND_TIME",
                    "value": "eyJrZXkiOiJ2In0=",
                    "headers": [],
                    "valueSchemaMetadata": {"dataFormat": "JSON", "schemaId": "abc"},
                }
            ]
        },
    }
    decoded = EnvelopeDecoder(KafkaEvent[KeyValue]).decode(json.dumps(event))
    record = decoded.records["t-1"][0]
    assert record.key is None and record.decoded_key() is None
    assert record.value == KeyValue(key="v")
    assert record.value_schema_metadata is not None
    assert record.value_schema_metadata.data_format == "JSON"
    assert record.value_schema_metadata.schema_id == "abc"
    assert record.decoded_headers() == []


# -- the stream on-failure destination record -------------------------------------------


def test_stream_failure_record():
    data = sample("dynamoStreamLambdaInvocationEvent.json")
    record = msgspec.json.decode(data, type=StreamFailureRecord)
    assert record.request_context.request_id == "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81"
    assert record.request_context.function_arn == (
        "arn:aws:lambda:us-east-2:123456789012:function:myfunction"
    )
    assert record.request_context.condition == "RetryAttemptsExhausted"
    assert record.request_context.approximate_invoke_count == 1
    assert record.response_context is not None
    assert record.response_context.status_code == 200
    assert record.response_context.executed_version == "$LATEST"
    assert record.response_context.function_error == "Unhandled"
    assert record.version == "1.0"
    assert record.timestamp == "2019-11-14T00:13:49Z"
    assert record.kinesis_batch_info is None
    info = record.ddb_stream_batch_info
    assert info is not None and record.batch_info() is info
    assert info.shard_id == "shardId-00000001573689847184-864758bb"
    assert info.start_sequence_number == "800000000003126276362"
    assert info.end_sequence_number == "800000000003126276362"
    assert info.approximate_arrival_of_first_record == "2019-11-14T00:13:19Z"
    assert info.approximate_arrival_of_last_record == "2019-11-14T00:13:19Z"
    assert info.batch_size == 1
    assert info.stream_arn == (
        "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388"
    )


def test_stream_failure_record_of_kinesis():
    source = json.loads(sample("dynamoStreamLambdaInvocationEvent.json"))
    source["KinesisBatchInfo"] = source.pop("DDBStreamBatchInfo")
    source["KinesisBatchInfo"]["streamArn"] = "arn:aws:kinesis:us-east-2:123456789012:stream/s"
    record = msgspec.json.decode(json.dumps(source), type=StreamFailureRecord)
    assert record.ddb_stream_batch_info is None
    assert record.batch_info() is record.kinesis_batch_info
    assert record.kinesis_batch_info is not None
    assert record.kinesis_batch_info.stream_arn.endswith(":stream/s")
    assert json.loads(msgspec.json.encode(record)) == source
