# Stream sources: Kinesis Data Streams, Data Firehose (transformation), DynamoDB
# Streams, CloudWatch Logs subscriptions, Kafka (MSK and self-managed), the
# on-failure destination record of a stream invocation, and the stream responses.
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal

import msgspec

from minlambda.events._base import BASE64, Model, PayloadSlot, T, record_payloads
from minlambda.events._sqs import BatchItemFailure

__all__ = [
    "CloudWatchLogEvent",
    "CloudWatchLogsData",
    "CloudWatchLogsEvent",
    "CloudWatchLogsRawData",
    "DynamoDBStreamData",
    "DynamoDBStreamEvent",
    "DynamoDBStreamRecord",
    "DynamoDBUserIdentity",
    "KafkaEvent",
    "KafkaRecord",
    "KafkaSchemaMetadata",
    "KinesisData",
    "KinesisFirehoseEvent",
    "KinesisFirehoseRecord",
    "KinesisFirehoseRecordMetadata",
    "KinesisFirehoseResponse",
    "KinesisFirehoseResponseMetadata",
    "KinesisFirehoseResponseRecord",
    "KinesisStreamEvent",
    "KinesisStreamRecord",
    "StreamBatchInfo",
    "StreamFailureRecord",
    "StreamFailureRequestContext",
    "StreamFailureResponseContext",
    "StreamsEventResponse",
    "TumblingWindow",
    "dynamodb_item",
    "dynamodb_value",
]


# -- the responses and the tumbling window -------------------------------------------------


class StreamsEventResponse(Model, kw_only=True, omit_defaults=False):
    """The partial batch response of a Kinesis or DynamoDB stream: the sequence numbers
    that failed (Lambda retries from the lowest one); an empty list (always encoded) means
    the whole batch succeeded. With a tumbling window, `state` is passed to the next
    invocation of the window; it is left out of the JSON unless set."""

    batch_item_failures: list[BatchItemFailure] = []
    state: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class TumblingWindow(Model, kw_only=True):
    """The time window of a tumbling window invocation (ISO 8601 strings)."""

    start: str
    end: str


# -- Kinesis Data Streams ----------------------------------------------------------------


class KinesisData(Model, Generic[T], kw_only=True):
    """The Kinesis part of a record. `data` is base64 as it came, or a `T` decoded from
    it (`bytes` for the raw bytes); the 56-digit sequence number stays a string and the
    arrival time is in seconds, with milliseconds as the fraction."""

    kinesis_schema_version: str = ""
    partition_key: str
    sequence_number: str
    data: T
    approximate_arrival_timestamp: float
    encryption_type: str | None = None  # "KMS" on an encrypted stream


class KinesisStreamRecord(Model, Generic[T], kw_only=True):
    """One record of a Kinesis stream; the payload is `record.kinesis.data`."""

    kinesis: KinesisData[T]
    event_source: str = "aws:kinesis"
    event_version: str = ""
    event_id: str = msgspec.field(default="", name="eventID")  # "shardId-...:<sequence number>"
    event_name: str = ""
    invoke_identity_arn: str = ""
    aws_region: str = ""
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self.kinesis, "data", BASE64, f"{at}.kinesis.data"


class KinesisStreamEvent(Model, Generic[T], kw_only=True):
    """The event of a Kinesis stream trigger. The tumbling window fields are set only
    when the event source mapping has a tumbling window."""

    records: list[KinesisStreamRecord[T]] = msgspec.field(name="Records")
    window: TumblingWindow | None = None
    state: dict[str, Any] = {}
    shard_id: str | None = None
    event_source_arn: str | None = msgspec.field(default=None, name="eventSourceARN")
    is_final_invoke_for_window: bool | None = None
    is_window_terminated_early: bool | None = None

    _batch_response = StreamsEventResponse

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return record_payloads(self.records, f"{at}.Records")

    def _batch_items(self) -> Iterator[tuple[KinesisStreamRecord[T], str]]:
        for record in self.records:
            yield record, record.kinesis.sequence_number

    def _ordered(self) -> bool:
        """Lambda retries a shard from the lowest failed sequence number, so records
        after a failure would be processed now and again on the retry, out of order:
        processing stops at the first failure and the rest are reported with it."""
        return True


# -- Data Firehose ---------------------------------------------------------------------


def _int_from_text(model: Any, *names: str) -> None:
    # numbers that some generators write as strings: "1500" is 1500; an arrival time
    # as an ISO 8601 date ("2012-04-23T18:25:43.511Z") is its epoch milliseconds
    for name in names:
        value = getattr(model, name)
        if type(value) is not str:
            continue
        try:
            setattr(model, name, int(value))
            continue
        except ValueError:
            pass
        try:
            from datetime import UTC, datetime

            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            setattr(model, name, round(moment.timestamp() * 1000))
        except ValueError:
            raise ValueError(
                f"Expected `int`, a string of digits or an ISO 8601 date, got {value!r} "
                f"(`{_camel(name)}`)"
            ) from None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class KinesisFirehoseRecordMetadata(Model, kw_only=True):
    """Where a record came from when the delivery stream reads a Kinesis stream
    (the arrival time is in milliseconds here)."""

    shard_id: str = ""
    partition_key: str = ""
    sequence_number: str = ""
    if TYPE_CHECKING:
        approximate_arrival_timestamp: int = 0
        subsequence_number: int = 0
    else:  # numbers as strings too, as some generators write them
        approximate_arrival_timestamp: int | str = 0
        subsequence_number: int | str = 0

    def __post_init__(self) -> None:
        _int_from_text(self, "approximate_arrival_timestamp", "subsequence_number")


class KinesisFirehoseRecord(Model, Generic[T], kw_only=True):
    """One record to transform. `data` is base64 as it came, or a `T` decoded from it;
    the arrival time is in milliseconds."""

    record_id: str
    if TYPE_CHECKING:
        approximate_arrival_timestamp: int
    else:  # a number as a string too, as some generators write it
        approximate_arrival_timestamp: int | str
    data: T
    kinesis_record_metadata: KinesisFirehoseRecordMetadata | None = None

    def __post_init__(self) -> None:
        _int_from_text(self, "approximate_arrival_timestamp")

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "data", BASE64, f"{at}.data"


class KinesisFirehoseEvent(Model, Generic[T], kw_only=True):
    """The event of a Firehose data transformation; answer with a `KinesisFirehoseResponse`
    holding one record per record, with the same `record_id`."""

    invocation_id: str
    delivery_stream_arn: str | None = None  # left out by some senders
    source_kinesis_stream_arn: str | None = None  # when the source is a Kinesis stream
    region: str = ""
    records: list[KinesisFirehoseRecord[T]] = []

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return record_payloads(self.records, f"{at}.records")


class KinesisFirehoseResponseMetadata(Model, kw_only=True):
    """The partition keys of a record, for dynamic partitioning."""

    partition_keys: dict[str, str] = {}


class KinesisFirehoseResponseRecord(Model, kw_only=True):
    """One transformed record: `data` is base64 (build it from bytes with `ok`,
    `dropped` or `failed`)."""

    record_id: str
    result: Literal["Ok", "Dropped", "ProcessingFailed"]
    data: str
    metadata: KinesisFirehoseResponseMetadata | None = None

    @classmethod
    def ok(
        cls, record_id: str, data: bytes, partition_keys: dict[str, str] | None = None
    ) -> KinesisFirehoseResponseRecord:
        """A transformed record, `data` base64-encoded for you."""
        metadata = None
        if partition_keys is not None:
            metadata = KinesisFirehoseResponseMetadata(partition_keys=partition_keys)
        return cls(record_id=record_id, result="Ok", data=_b64(data), metadata=metadata)

    @classmethod
    def dropped(cls, record_id: str, data: bytes = b"") -> KinesisFirehoseResponseRecord:
        """A record left out of the delivery on purpose."""
        return cls(record_id=record_id, result="Dropped", data=_b64(data))

    @classmethod
    def failed(cls, record_id: str, data: bytes = b"") -> KinesisFirehoseResponseRecord:
        """A record that could not be transformed (Firehose sends it to the error output)."""
        return cls(record_id=record_id, result="ProcessingFailed", data=_b64(data))


class KinesisFirehoseResponse(Model, kw_only=True, omit_defaults=False):
    """The answer to a Firehose data transformation: one record per input record."""

    records: list[KinesisFirehoseResponseRecord] = []


def _b64(data: bytes) -> str:
    import binascii

    return binascii.b2a_base64(data, newline=False).decode("ascii")


# -- DynamoDB Streams ------------------------------------------------------------------


class DynamoDBUserIdentity(Model, kw_only=True):
    """Who made the change: set for items deleted by TTL (`Service`, `dynamodb.amazonaws.com`)."""

    type: str
    principal_id: str


class DynamoDBStreamData(Model, kw_only=True, rename="pascal"):
    """The change itself (AWS's keys are PascalCase here). `keys`, `new_image` and
    `old_image` are in DynamoDB's typed JSON (`{"Id": {"N": "101"}}`); `key()`,
    `new_item()` and `old_item()` give plain Python values. The images are empty when
    the stream view type leaves them out."""

    approximate_creation_date_time: float | None = None  # seconds
    keys: dict[str, dict[str, Any]] = {}
    new_image: dict[str, dict[str, Any]] = {}
    old_image: dict[str, dict[str, Any]] = {}
    sequence_number: str
    size_bytes: int = 0
    stream_view_type: str = ""  # KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES

    def key(self) -> dict[str, Any]:
        """The item's key as plain Python values."""
        return dynamodb_item(self.keys)

    def new_item(self) -> dict[str, Any]:
        """The item after the change as plain Python values ({} when absent)."""
        return dynamodb_item(self.new_image)

    def old_item(self) -> dict[str, Any]:
        """The item before the change as plain Python values ({} when absent)."""
        return dynamodb_item(self.old_image)


class DynamoDBStreamRecord(Model, kw_only=True):
    """One change to a table item."""

    event_id: str = msgspec.field(name="eventID")
    event_name: Literal["INSERT", "MODIFY", "REMOVE"]
    event_version: str = ""
    event_source: str = "aws:dynamodb"
    aws_region: str = ""
    event_source_arn: str = msgspec.field(default="", name="eventSourceARN")
    user_identity: DynamoDBUserIdentity | None = None
    dynamodb: DynamoDBStreamData

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        """No embedded payload (the images are already JSON): nothing to decode."""
        return iter(())


class DynamoDBStreamEvent(Model, kw_only=True):
    """The event of a DynamoDB stream trigger. The tumbling window fields are set only
    when the event source mapping has a tumbling window."""

    records: list[DynamoDBStreamRecord] = msgspec.field(name="Records")
    window: TumblingWindow | None = None
    state: dict[str, Any] = {}
    shard_id: str | None = None
    event_source_arn: str | None = msgspec.field(default=None, name="eventSourceARN")
    is_final_invoke_for_window: bool | None = None
    is_window_terminated_early: bool | None = None

    _batch_response = StreamsEventResponse

    def _batch_items(self) -> Iterator[tuple[DynamoDBStreamRecord, str]]:
        for record in self.records:
            yield record, record.dynamodb.sequence_number

    def _ordered(self) -> bool:
        """Lambda retries a shard from the lowest failed sequence number, so records
        after a failure would be processed now and again on the retry, out of order:
        processing stops at the first failure and the rest are reported with it."""
        return True


def dynamodb_item(image: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """An item (or key) in DynamoDB's typed JSON as plain Python values; see `dynamodb_value`."""
    return {name: dynamodb_value(value) for name, value in image.items()}


def dynamodb_value(value: Mapping[str, Any]) -> Any:
    """One attribute value in DynamoDB's typed JSON as a plain Python value: S -> str,
    N -> int (or decimal.Decimal when it is not an integer literal), B -> bytes, BOOL ->
    bool, NULL -> None, M -> dict, L -> list, SS / NS / BS -> set."""
    if len(value) != 1:
        raise ValueError(f"not a DynamoDB attribute value: {value!r}")
    ((tag, inner),) = value.items()
    if tag == "S":
        return inner
    if tag == "N":
        return _number(inner)
    if tag == "BOOL":
        return bool(inner)
    if tag == "NULL":
        return None
    if tag == "M":
        return {name: dynamodb_value(v) for name, v in inner.items()}
    if tag == "L":
        return [dynamodb_value(v) for v in inner]
    if tag == "B":
        return _bytes(inner)
    if tag == "SS":
        return set(inner)
    if tag == "NS":
        return {_number(n) for n in inner}
    if tag == "BS":
        return {_bytes(b) for b in inner}
    raise ValueError(f"unknown DynamoDB attribute type {tag!r}")


def _number(text: str) -> Any:
    if "." in text or "e" in text or "E" in text:
        from decimal import Decimal

        return Decimal(text)
    return int(text)


def _bytes(text: str | bytes) -> bytes:
    import binascii

    return binascii.a2b_base64(text)


# -- CloudWatch Logs -------------------------------------------------------------------


class CloudWatchLogEvent(Model, kw_only=True):
    """One log line (`timestamp` in milliseconds)."""

    id: str
    timestamp: int
    message: str
    extracted_fields: dict[str, Any] = {}


class CloudWatchLogsData(Model, kw_only=True):
    """The log lines a subscription filter delivers. `message_type` is `DATA_MESSAGE`,
    or `CONTROL_MESSAGE` for the check CloudWatch Logs sends when it sets up the filter."""

    message_type: str
    owner: str
    log_group: str
    log_stream: str
    subscription_filters: list[str] = []
    log_events: list[CloudWatchLogEvent] = []
    policy_level: str | None = None  # "ACCOUNT_LEVEL_POLICY" for an account-level policy

    @classmethod
    def decompress(cls, data: bytes) -> CloudWatchLogsData:
        """Decodes the compressed JSON CloudWatch Logs writes, gzip or zlib (what
        `KinesisStreamEvent[bytes]` gives for a stream that a subscription feeds)."""
        import zlib

        return msgspec.json.decode(zlib.decompress(data, 47), type=cls)


class CloudWatchLogsRawData(Model, kw_only=True):
    """The logs as they arrive: base64 of compressed JSON."""

    data: str


class CloudWatchLogsEvent(Model, kw_only=True):
    """The event of a CloudWatch Logs subscription filter. The logs are compressed
    inside `awslogs.data`; `decode()` gives them as `CloudWatchLogsData`."""

    awslogs: CloudWatchLogsRawData

    def decode(self) -> CloudWatchLogsData:
        """The log lines: base64-decoded, decompressed (gzip or zlib), validated."""
        import binascii

        return CloudWatchLogsData.decompress(binascii.a2b_base64(self.awslogs.data))


# -- Kafka (Amazon MSK and self-managed) -------------------------------------------------


class KafkaSchemaMetadata(Model, kw_only=True):
    """The schema registry details of a key or value (`AVRO`, `JSON`, `PROTOBUF`)."""

    data_format: str = ""
    schema_id: str = ""


class KafkaRecord(Model, Generic[T], kw_only=True):
    """One Kafka message. `value` is base64 as it came, or a `T` decoded from it; `key`
    stays base64 (`decoded_key()`); header values are lists of byte values
    (`decoded_headers()`); `timestamp` is in milliseconds."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    timestamp_type: str = ""  # CREATE_TIME or LOG_APPEND_TIME
    key: str | None = None
    value: T = None  # type: ignore[assignment]  # None for a tombstone (a null value)
    headers: list[dict[str, list[int]]] = []
    key_schema_metadata: KafkaSchemaMetadata | None = None
    value_schema_metadata: KafkaSchemaMetadata | None = None

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "value", BASE64, f"{at}.value"

    def decoded_key(self) -> bytes | None:
        """The key's bytes, None when the message has no key."""
        return None if self.key is None else _bytes(self.key)

    def decoded_headers(self) -> list[tuple[str, bytes]]:
        """The headers as (name, bytes) pairs, in order (a name may repeat)."""
        return [(name, bytes(value)) for header in self.headers for name, value in header.items()]


class KafkaEvent(Model, Generic[T], kw_only=True):
    """The event of an Amazon MSK or self-managed Kafka trigger: `records` maps
    "topic-partition" to that partition's messages."""

    event_source: str  # "aws:kafka" or "aws:SelfManagedKafka"
    event_source_arn: str | None = None  # MSK only
    bootstrap_servers: str = ""
    records: dict[str, list[KafkaRecord[T]]] = {}

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        for partition, records in self.records.items():
            yield from record_payloads(records, f'{at}.records["{partition}"]')


# -- the on-failure destination record of a stream invocation ------------------------------


class StreamFailureRequestContext(Model, kw_only=True):
    """The failed invocation: why the batch was given up (`condition`)."""

    request_id: str
    function_arn: str
    condition: str  # RetryAttemptsExhausted, RecordAgeExceeded, ...
    approximate_invoke_count: int


class StreamFailureResponseContext(Model, kw_only=True):
    """The function's last answer to the failed batch."""

    status_code: int
    executed_version: str = ""
    function_error: str | None = None  # "Unhandled", "Handled"


class StreamBatchInfo(Model, kw_only=True):
    """The records of the failed batch, to read them again from the stream."""

    shard_id: str
    start_sequence_number: str
    end_sequence_number: str
    approximate_arrival_of_first_record: str  # ISO 8601
    approximate_arrival_of_last_record: str
    batch_size: int
    stream_arn: str


class StreamFailureRecord(Model, kw_only=True):
    """The record a Kinesis or DynamoDB stream's on-failure destination (SQS, SNS, S3)
    receives for a batch given up: it names the records, it does not hold them. Exactly
    one of `ddb_stream_batch_info` (key `DDBStreamBatchInfo`) and `kinesis_batch_info`
    (`KinesisBatchInfo`) is set; `batch_info()` gives whichever it is."""

    request_context: StreamFailureRequestContext
    response_context: StreamFailureResponseContext | None = None
    version: str = ""
    timestamp: str = ""  # ISO 8601
    ddb_stream_batch_info: StreamBatchInfo | None = msgspec.field(
        default=None, name="DDBStreamBatchInfo"
    )
    kinesis_batch_info: StreamBatchInfo | None = msgspec.field(
        default=None, name="KinesisBatchInfo"
    )

    def batch_info(self) -> StreamBatchInfo | None:
        """The batch's details, whichever stream it came from."""
        return self.ddb_stream_batch_info or self.kinesis_batch_info
