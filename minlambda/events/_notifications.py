# Notification and storage sources: SNS, EventBridge (S3 notifications through it
# included), S3 (notifications, Batch Operations, Object Lambda), SES, Amazon MQ
# (ActiveMQ and RabbitMQ) and the Secrets Manager rotation event.
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, Literal

import msgspec

from minlambda.events._base import BASE64, JSON, Model, PayloadSlot, T, record_payloads

__all__ = [
    "ActiveMQDestination",
    "ActiveMQEvent",
    "ActiveMQMessage",
    "EventBridgeEvent",
    "RabbitMQBasicProperties",
    "RabbitMQEvent",
    "RabbitMQMessage",
    "S3BatchOperationEvent",
    "S3BatchOperationJob",
    "S3BatchOperationResponse",
    "S3BatchOperationResult",
    "S3BatchOperationTask",
    "S3Bucket",
    "S3Entity",
    "S3Event",
    "S3EventBridgeBucket",
    "S3EventBridgeDetail",
    "S3EventBridgeObject",
    "S3EventRecord",
    "S3GlacierEventData",
    "S3IntelligentTieringEventData",
    "S3Object",
    "S3ObjectLambdaConfiguration",
    "S3ObjectLambdaContext",
    "S3ObjectLambdaEvent",
    "S3ObjectLambdaGetObjectContext",
    "S3ObjectLambdaSessionAttributes",
    "S3ObjectLambdaSessionContext",
    "S3ObjectLambdaSessionIssuer",
    "S3ObjectLambdaUserIdentity",
    "S3ObjectLambdaUserRequest",
    "S3OwnerIdentity",
    "S3RequestParameters",
    "S3ResponseElements",
    "S3RestoreEventData",
    "S3UserIdentity",
    "SESAction",
    "SESCommonHeaders",
    "SESEvent",
    "SESEventRecord",
    "SESHeader",
    "SESMail",
    "SESMessage",
    "SESReceipt",
    "SESVerdict",
    "SNSEvent",
    "SNSMessage",
    "SNSMessageAttribute",
    "SNSRecord",
    "SecretsManagerRotationEvent",
]


def _unquote_plus(key: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(key)


# -- Amazon SNS ------------------------------------------------------------------------------


class SNSMessageAttribute(Model, kw_only=True, rename="pascal"):
    """A message attribute: `type` is "String", "String.Array", "Number" or "Binary";
    the value is always a string (base64 for Binary, a JSON array for String.Array)."""

    type: str
    value: str


class SNSMessage(Model, Generic[T], kw_only=True, rename="pascal"):
    """An SNS notification: the `Sns` part of a Lambda record, and also the JSON body an
    SQS queue subscribed to a topic receives (which spells `SigningCertURL` and
    `UnsubscribeURL`: both spellings land in `signing_cert_url` / `unsubscribe_url`).
    `message` is the text as published, or a `T` decoded from its JSON."""

    type: str  # "Notification"
    message_id: str
    topic_arn: str
    subject: str | None = None  # null when the publisher set none
    message: T
    timestamp: str  # ISO 8601
    signature_version: str = ""  # absent for FIFO topics
    signature: str = ""
    signing_cert_url: str = msgspec.field(default="", name="SigningCertUrl")
    unsubscribe_url: str = msgspec.field(default="", name="UnsubscribeUrl")
    message_attributes: dict[str, SNSMessageAttribute] = {}
    sequence_number: str | None = None  # FIFO topics
    # the spelling of the SQS-delivered envelope, moved to the fields above
    _signing_cert_url: str | None = msgspec.field(default=None, name="SigningCertURL")
    _unsubscribe_url: str | None = msgspec.field(default=None, name="UnsubscribeURL")

    def __post_init__(self) -> None:
        if self._signing_cert_url is not None:
            if not self.signing_cert_url:
                self.signing_cert_url = self._signing_cert_url
            self._signing_cert_url = None
        if self._unsubscribe_url is not None:
            if not self.unsubscribe_url:
                self.unsubscribe_url = self._unsubscribe_url
            self._unsubscribe_url = None

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "message", JSON, f"{at}.Message"


class SNSRecord(Model, Generic[T], kw_only=True, rename="pascal"):
    """One notification delivered to a subscribed function."""

    event_version: str
    event_subscription_arn: str
    event_source: str  # "aws:sns"
    sns: SNSMessage[T]

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return self.sns._payloads(f"{at}.Sns")


class SNSEvent(Model, Generic[T], kw_only=True, rename="pascal"):
    """The event of an SNS subscription (one record per invocation in practice)."""

    records: list[SNSRecord[T]]

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return record_payloads(self.records, f"{at}.Records")


# -- Amazon EventBridge ----------------------------------------------------------------------


class EventBridgeEvent(Model, Generic[T], kw_only=True):
    """An EventBridge event (a rule or EventBridge Scheduler target). `detail` is already a
    JSON object, decoded straight as `T` (a dict unparameterized); EventBridge Scheduler
    sends the configured input, e.g. the string "{}", so give such events `T = str`."""

    version: str = ""
    id: str = ""
    detail_type: str = msgspec.field(name="detail-type")
    source: str
    account: str = ""
    time: str = ""  # ISO 8601, seconds
    region: str = ""
    resources: list[str] = []
    detail: T = None  # type: ignore[assignment]  # None when absent (a composite alarm's suppressor)
    replay_name: str | None = msgspec.field(default=None, name="replay-name")  # replayed events


class S3EventBridgeBucket(Model, kw_only=True):
    """The bucket of an S3 event delivered through EventBridge."""

    name: str


class S3EventBridgeObject(Model, kw_only=True, rename="kebab"):
    """The object of an S3 event delivered through EventBridge (`size` and `etag` are
    absent on a delete-marker creation, `version_id` outside versioned buckets)."""

    key: str
    size: int | None = None
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None


class S3EventBridgeDetail(Model, kw_only=True, rename="kebab"):
    """The `detail` of an S3 event through EventBridge ("Object Created", "Object Deleted",
    "Object Restore Completed", ...): use `EventBridgeEvent[S3EventBridgeDetail]`.
    Keys are kebab-case; which optional ones appear depends on the detail-type."""

    version: str = ""
    bucket: S3EventBridgeBucket
    object: S3EventBridgeObject
    request_id: str = ""
    requester: str = ""
    source_ip_address: str | None = None
    reason: str | None = None  # "PutObject", "DeleteObject", "Lifecycle Expiration", ...
    deletion_type: str | None = None  # "Permanently Deleted" or "Delete Marker Created"
    restore_expiry_time: str | None = None
    source_storage_class: str | None = None
    destination_storage_class: str | None = None  # Object Storage Class Changed
    destination_access_tier: str | None = None  # Object Access Tier Changed


# -- Amazon S3 event notifications -----------------------------------------------------------


class S3UserIdentity(Model, kw_only=True):
    """Who made the request that caused the event."""

    principal_id: str = ""


class S3RequestParameters(Model, kw_only=True):
    """The request that caused the event."""

    source_ip_address: str = msgspec.field(default="", name="sourceIPAddress")


class S3ResponseElements(Model, kw_only=True):
    """S3's ids of the request (for AWS support)."""

    x_amz_request_id: str = msgspec.field(default="", name="x-amz-request-id")
    x_amz_id_2: str = msgspec.field(default="", name="x-amz-id-2")


class S3OwnerIdentity(Model, kw_only=True):
    """The bucket owner."""

    principal_id: str = ""


class S3Bucket(Model, kw_only=True):
    """The bucket of an S3 notification."""

    name: str
    owner_identity: S3OwnerIdentity = msgspec.field(default_factory=S3OwnerIdentity)
    arn: str = ""


class S3Object(Model, kw_only=True):
    """The object of an S3 notification. `key` is URL-encoded as it came (a space is
    "+"): `decoded_key()` gives the real key. `size` is absent on deletes."""

    key: str
    size: int | None = None
    e_tag: str | None = None
    version_id: str | None = None  # versioned buckets
    sequencer: str | None = None

    def decoded_key(self) -> str:
        """The object key, URL-decoded."""
        return _unquote_plus(self.key)


class S3Entity(Model, kw_only=True):
    """The `s3` part of a record: the bucket and the object."""

    s3_schema_version: str = ""
    configuration_id: str = ""
    bucket: S3Bucket
    object: S3Object


class S3RestoreEventData(Model, kw_only=True):
    """A completed restore from S3 Glacier: when the restored copy expires."""

    lifecycle_restoration_expiry_time: str = ""
    lifecycle_restore_storage_class: str = ""


class S3GlacierEventData(Model, kw_only=True):
    """The data of an `ObjectRestore:Completed` event."""

    restore_event_data: S3RestoreEventData = msgspec.field(default_factory=S3RestoreEventData)


class S3IntelligentTieringEventData(Model, kw_only=True):
    """The data of an `IntelligentTiering` event: the tier the object moved to."""

    destination_access_tier: str = ""


class S3EventRecord(Model, kw_only=True):
    """One S3 notification: `event_name` is e.g. "ObjectCreated:Put" (no "s3:" prefix)."""

    event_version: str
    event_source: str  # "aws:s3"
    aws_region: str
    event_time: str  # ISO 8601, milliseconds
    event_name: str
    user_identity: S3UserIdentity
    request_parameters: S3RequestParameters
    response_elements: S3ResponseElements
    s3: S3Entity
    glacier_event_data: S3GlacierEventData | None = None
    intelligent_tiering_event_data: S3IntelligentTieringEventData | None = None


class S3Event(Model, kw_only=True):
    """The event of an S3 bucket notification (also the JSON body S3 sends to an SQS
    queue or SNS topic, and what `SQSEvent[S3Event]` decodes). The test message S3
    sends when a notification is set up (`"Event": "s3:TestEvent"`) has no records:
    `records` is empty and `event` says so."""

    records: list[S3EventRecord] = msgspec.field(name="Records", default_factory=list)
    event: str | None = msgspec.field(name="Event", default=None)  # "s3:TestEvent"


# -- Amazon S3 Batch Operations --------------------------------------------------------------


class S3BatchOperationJob(Model, kw_only=True):
    """The batch job; `user_arguments` are the job's key-value pairs (schema 2.0)."""

    id: str
    user_arguments: dict[str, str] | None = None


class S3BatchOperationTask(Model, kw_only=True):
    """One object to process. Schema 1.0 names the bucket by `s3_bucket_arn`, 2.0 by
    `s3_bucket`; `s3_key` is URL-encoded (`decoded_key()`)."""

    task_id: str
    s3_key: str
    s3_version_id: str | None = None
    s3_bucket_arn: str | None = None  # invocationSchemaVersion 1.0
    s3_bucket: str | None = None  # invocationSchemaVersion 2.0

    def decoded_key(self) -> str:
        """The object key, URL-decoded."""
        return _unquote_plus(self.s3_key)

    def bucket_name(self) -> str:
        """The bucket's name, whichever schema version named it."""
        if self.s3_bucket is not None:
            return self.s3_bucket
        return (self.s3_bucket_arn or "").rpartition(":")[2]


class S3BatchOperationEvent(Model, kw_only=True):
    """The event of an S3 Batch Operations "Invoke AWS Lambda function" job (one task per
    invocation); answer with an `S3BatchOperationResponse`."""

    invocation_schema_version: str  # "1.0" or "2.0"
    invocation_id: str
    job: S3BatchOperationJob
    tasks: list[S3BatchOperationTask]


S3BatchResultCode = Literal["Succeeded", "TemporaryFailure", "PermanentFailure"]


class S3BatchOperationResult(Model, kw_only=True, omit_defaults=False):
    """The outcome of one task; `result_string` goes to the job's completion report."""

    task_id: str
    result_code: S3BatchResultCode
    result_string: str = ""


class S3BatchOperationResponse(Model, kw_only=True, omit_defaults=False):
    """The answer to an S3 Batch Operations invocation: echo the event's
    `invocation_schema_version` and `invocation_id`; `treat_missing_keys_as` is the
    result of tasks missing from `results`."""

    invocation_schema_version: str
    treat_missing_keys_as: S3BatchResultCode = "PermanentFailure"
    invocation_id: str
    results: list[S3BatchOperationResult] = []


# -- Amazon S3 Object Lambda -----------------------------------------------------------------


class S3ObjectLambdaGetObjectContext(Model, kw_only=True):
    """A GetObject request: fetch the original from `input_s3_url` (presigned), answer with
    WriteGetObjectResponse using `output_route` and `output_token`."""

    input_s3_url: str
    output_route: str
    output_token: str


class S3ObjectLambdaContext(Model, kw_only=True):
    """A HeadObject, ListObjects or ListObjectsV2 request: the presigned original request."""

    input_s3_url: str


class S3ObjectLambdaConfiguration(Model, kw_only=True):
    """The Object Lambda access point; `payload` is the text configured on it."""

    access_point_arn: str
    supporting_access_point_arn: str
    payload: str | None = None


class S3ObjectLambdaUserRequest(Model, kw_only=True):
    """The caller's request: its URL and headers (names as sent)."""

    url: str
    headers: dict[str, str] = {}


class S3ObjectLambdaSessionAttributes(Model, kw_only=True):
    """The temporary credentials' attributes (`mfa_authenticated` is "true"/"false")."""

    mfa_authenticated: str = ""
    creation_date: str = ""


class S3ObjectLambdaSessionIssuer(Model, kw_only=True):
    """Where temporary credentials came from (a role, ...)."""

    type: str = ""
    principal_id: str = ""
    arn: str = ""
    account_id: str = ""
    user_name: str | None = None


class S3ObjectLambdaSessionContext(Model, kw_only=True):
    """The session of a caller with temporary credentials."""

    attributes: S3ObjectLambdaSessionAttributes = msgspec.field(
        default_factory=S3ObjectLambdaSessionAttributes
    )
    session_issuer: S3ObjectLambdaSessionIssuer | None = None


class S3ObjectLambdaUserIdentity(Model, kw_only=True):
    """The caller (`type` is "IAMUser", "AssumedRole", ...)."""

    type: str
    principal_id: str = ""
    arn: str = ""
    account_id: str = ""
    access_key_id: str = ""
    user_name: str | None = None  # IAM users
    invoked_by: str | None = None
    session_context: S3ObjectLambdaSessionContext | None = None  # temporary credentials


class S3ObjectLambdaEvent(Model, kw_only=True):
    """The event of an S3 Object Lambda access point. One of the contexts is set, by the
    request: `get_object_context` (GetObject), `head_object_context`, ..."""

    x_amz_request_id: str
    get_object_context: S3ObjectLambdaGetObjectContext | None = None
    head_object_context: S3ObjectLambdaContext | None = None
    list_objects_context: S3ObjectLambdaContext | None = None
    list_objects_v2_context: S3ObjectLambdaContext | None = None
    configuration: S3ObjectLambdaConfiguration
    user_request: S3ObjectLambdaUserRequest
    user_identity: S3ObjectLambdaUserIdentity
    protocol_version: str  # "1.00"


# -- Amazon SES ------------------------------------------------------------------------------


class SESHeader(Model, kw_only=True):
    """One header of the mail, in order."""

    name: str
    value: str


class SESCommonHeaders(Model, kw_only=True):
    """The headers every mail has, decoded (`from_` is the "from" key)."""

    from_: list[str] = msgspec.field(default=[], name="from")
    to: list[str] = []
    cc: list[str] = []
    bcc: list[str] = []
    sender: list[str] = []
    reply_to: list[str] = []
    return_path: str | None = None
    message_id: str | None = None
    date: str | None = None
    subject: str | None = None


class SESMail(Model, kw_only=True):
    """The received mail (not its content: that needs an S3 action)."""

    timestamp: str  # ISO 8601
    source: str
    message_id: str
    destination: list[str] = []
    headers_truncated: bool = False
    headers: list[SESHeader] = []
    common_headers: SESCommonHeaders = msgspec.field(default_factory=SESCommonHeaders)


class SESVerdict(Model, kw_only=True):
    """A check's result: "PASS", "FAIL", "GRAY" or "PROCESSING_FAILED"."""

    status: str


class SESAction(Model, kw_only=True):
    """The receipt rule action that invoked the function."""

    type: str  # "Lambda"
    function_arn: str = ""
    invocation_type: str = ""  # "Event" or "RequestResponse"


class SESReceipt(Model, kw_only=True):
    """How SES received the mail: recipients, the spam/virus/SPF/DKIM/DMARC verdicts."""

    timestamp: str
    processing_time_millis: int = 0
    recipients: list[str] = []
    spam_verdict: SESVerdict | None = None
    virus_verdict: SESVerdict | None = None
    spf_verdict: SESVerdict | None = None
    dkim_verdict: SESVerdict | None = None
    dmarc_verdict: SESVerdict | None = None
    dmarc_policy: str | None = None  # only when the DMARC verdict is FAIL
    action: SESAction


class SESMessage(Model, kw_only=True):
    """The `ses` part of a record: the mail and its receipt."""

    mail: SESMail
    receipt: SESReceipt


class SESEventRecord(Model, kw_only=True):
    """One received mail."""

    event_source: str = "aws:ses"
    event_version: str = ""
    ses: SESMessage


class SESEvent(Model, kw_only=True):
    """The event of an SES receipt rule's Lambda action."""

    records: list[SESEventRecord] = msgspec.field(name="Records")


# -- Amazon MQ: ActiveMQ ---------------------------------------------------------------------


class ActiveMQDestination(Model, kw_only=True):
    """The queue the message came from."""

    physical_name: str


class ActiveMQMessage(Model, Generic[T], kw_only=True):
    """One ActiveMQ message. `data` is base64 as it came, or a `T` decoded from it; the
    times are in milliseconds; `expiration` is a number or a numeric string."""

    message_id: str = msgspec.field(name="messageID")
    message_type: str = ""  # "jms/text-message" or "jms/bytes-message"
    data: T
    timestamp: int | None = None
    delivery_mode: int | None = None
    correlation_id: str | None = msgspec.field(default=None, name="correlationID")
    reply_to: str | None = None
    destination: ActiveMQDestination | None = None
    redelivered: bool = False
    persistent: bool | None = None
    type: str | None = None
    expiration: int | str | None = None
    priority: int | None = None
    connection_id: str | None = None
    broker_in_time: int | None = None
    broker_out_time: int | None = None
    properties: dict[str, Any] | None = None  # the JMS properties (null when none)

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "data", BASE64, f"{at}.data"


class ActiveMQEvent(Model, Generic[T], kw_only=True):
    """The event of an Amazon MQ for ActiveMQ trigger."""

    event_source: str = "aws:mq"
    event_source_arn: str = ""
    messages: list[ActiveMQMessage[T]] = []

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        return record_payloads(self.messages, f"{at}.messages")


# -- Amazon MQ: RabbitMQ ---------------------------------------------------------------------


class RabbitMQBasicProperties(Model, kw_only=True):
    """The AMQP properties of a message (most are null when unset). A string header
    arrives as `{"bytes": [...]}`: `decoded_headers()` turns those into bytes."""

    content_type: str | None = None
    content_encoding: str | None = None
    headers: dict[str, Any] | None = None
    delivery_mode: int | None = None
    priority: int | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    expiration: str | None = None
    message_id: str | None = None
    timestamp: str | None = None  # as the broker formats it: "Jan 1, 1970, 12:33:41 AM"
    type: str | None = None
    user_id: str | None = None
    app_id: str | None = None
    cluster_id: str | None = None
    body_size: int = 0

    def decoded_headers(self) -> dict[str, Any]:
        """The headers, `{"bytes": [...]}` values as bytes, the rest as they came."""
        decoded: dict[str, Any] = {}
        for name, value in (self.headers or {}).items():
            if isinstance(value, dict) and isinstance(value.get("bytes"), list) and len(value) == 1:
                value = bytes(value["bytes"])
            decoded[name] = value
        return decoded


class RabbitMQMessage(Model, Generic[T], kw_only=True):
    """One RabbitMQ message. `data` is base64 as it came, or a `T` decoded from it."""

    basic_properties: RabbitMQBasicProperties = msgspec.field(
        default_factory=RabbitMQBasicProperties
    )
    redelivered: bool = False
    data: T

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "data", BASE64, f"{at}.data"


class RabbitMQEvent(Model, Generic[T], kw_only=True):
    """The event of an Amazon MQ for RabbitMQ trigger: `rmq_messages_by_queue` maps
    "queue::virtual-host" to that queue's messages."""

    event_source: str = "aws:rmq"
    event_source_arn: str = ""
    rmq_messages_by_queue: dict[str, list[RabbitMQMessage[T]]] = {}

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        for queue, messages in self.rmq_messages_by_queue.items():
            yield from record_payloads(messages, f'{at}.rmqMessagesByQueue["{queue}"]')


# -- AWS Secrets Manager ---------------------------------------------------------------------


class SecretsManagerRotationEvent(Model, kw_only=True, rename="pascal"):
    """The event of a Secrets Manager rotation function, once per step: `step` is
    "createSecret", "setSecret", "testSecret" or "finishSecret"."""

    secret_id: str  # the secret's ARN
    client_request_token: str  # the new version's id
    step: str
    rotation_token: str | None = None  # cross-account rotation
