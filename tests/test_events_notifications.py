"""The notification and storage source models of `minlambda.events._notifications`: every
real sample of SNS, EventBridge, S3 (notifications, Batch Operations, Object Lambda), SES,
Amazon MQ and Secrets Manager rotation, the embedded payloads with a user type, and the
S3 Batch Operations response."""

from __future__ import annotations

import base64
import json
import pathlib
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from eventkeys import unknown_keys

import minlambda.events
from minlambda.events._base import EnvelopeDecoder, is_envelope
from minlambda.events._notifications import (
    ActiveMQEvent,
    EventBridgeEvent,
    RabbitMQBasicProperties,
    RabbitMQEvent,
    S3BatchOperationEvent,
    S3BatchOperationResponse,
    S3BatchOperationResult,
    S3BatchOperationTask,
    S3Event,
    S3EventBridgeDetail,
    S3ObjectLambdaEvent,
    SecretsManagerRotationEvent,
    SESEvent,
    SNSEvent,
    SNSMessage,
)
from minlambda.events._sqs import SQSEvent

EVENTS = pathlib.Path(__file__).parent / "events"


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()




S3_EVENTBRIDGE = EventBridgeEvent[S3EventBridgeDetail]

SAMPLES: dict[str, Any] = {
    "snsEvent.json": SNSEvent,
    "eventBridgeEvent.json": EventBridgeEvent,
    "eventBridgeEventBase.json": EventBridgeEvent,
    "eventBridgeEventMinInfo.json": EventBridgeEvent,
    "eventBridgeSchedulerEvent.json": EventBridgeEvent,
    "s3EventBridgeNotificationObjectCreatedEvent.json": S3_EVENTBRIDGE,
    "s3EventBridgeNotificationObjectDeletedEvent.json": S3_EVENTBRIDGE,
    "s3EventBridgeNotificationObjectExpiredEvent.json": S3_EVENTBRIDGE,
    "s3EventBridgeNotificationObjectRestoreCompletedEvent.json": S3_EVENTBRIDGE,
    "s3Event.json": S3Event,
    "s3EventDecodedKey.json": S3Event,
    "s3EventDeleteObject.json": S3Event,
    "s3EventGlacier.json": S3Event,
    "s3BatchOperationEventSchemaV1.json": S3BatchOperationEvent,
    "s3BatchOperationEventSchemaV2.json": S3BatchOperationEvent,
    "s3ObjectEventIAMUser.json": S3ObjectLambdaEvent,
    "s3ObjectEventTempCredentials.json": S3ObjectLambdaEvent,
    "sesEvent.json": SESEvent,
    "activeMQEvent.json": ActiveMQEvent,
    "rabbitMQEvent.json": RabbitMQEvent,
    "secretsManagerEvent.json": SecretsManagerRotationEvent,
}

# keys that are not AWS's: the sample's authors added them
NOT_AWS_KEYS = {
    "s3EventDecodedKey.json": ["$.Records[0].s3.object.urlDecodedKey"],
}


def test_the_samples_cover_every_file_of_these_sources():
    sources = {
        "sns",
        "eventbridge",
        "s3",
        "s3_batch_operations",
        "s3_object_lambda",
        "ses",
        "activemq",
        "rabbitmq",
        "secretsmanager_rotation",
    }
    lines = (EVENTS / "MANIFEST.tsv").read_text().splitlines()
    col = lines[0].split("\t").index("event_source_type_guess")
    files = {row.split("\t")[0] for row in lines[1:] if row.split("\t")[col] in sources}
    assert files == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_key_of_every_sample_is_read_by_a_field(name):
    found = unknown_keys(json.loads(sample(name)), mi.type_info(SAMPLES[name]))
    assert found == NOT_AWS_KEYS.get(name, [])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_survives_an_encode_decode_round_trip(name):
    model = SAMPLES[name]
    event = msgspec.json.decode(sample(name), type=model)
    assert msgspec.json.decode(msgspec.json.encode(event), type=model) == event


class Message(msgspec.Struct):
    message: str
    username: str


class Order(msgspec.Struct):
    id: str
    amount: int


# -- SNS ------------------------------------------------------------------------------------


def test_sns_event():
    event = msgspec.json.decode(sample("snsEvent.json"), type=SNSEvent)
    (record,) = event.records
    assert record.event_version == "1.0"
    assert record.event_subscription_arn == "arn:aws:sns:us-east-2:123456789012:sns-la ..."
    assert record.event_source == "aws:sns"
    sns = record.sns
    assert sns.type == "Notification"
    assert sns.message_id == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
    assert sns.topic_arn == "arn:aws:sns:us-east-2:123456789012:sns-lambda"
    assert sns.subject == "TestInvoke"
    assert sns.message == "Hello from SNS!"  # as it came
    assert sns.timestamp == "2019-01-02T12:45:07.000Z"
    assert sns.signature_version == "1"
    assert sns.signature.startswith("tcc6faL2yUC6dgZdmrwh1Y4cGa/")
    assert sns.signing_cert_url == "https://sns.us-east-2.amazonaws.com/SimpleNotification"
    assert sns.unsubscribe_url == "https://sns.us-east-2.amazonaws.com/?Action=Unsubscribe"
    assert sns.message_attributes["Test"].type == "String"
    assert sns.message_attributes["Test"].value == "TestString"
    assert sns.message_attributes["TestBinary"].type == "Binary"
    assert sns.message_attributes["TestBinary"].value == "TestBinary"
    assert sns.sequence_number is None


def sns_event_with(message: str) -> bytes:
    event = json.loads(sample("snsEvent.json"))
    event["Records"][0]["Sns"]["Message"] = message
    return json.dumps(event).encode()


def test_sns_event_with_a_user_type():
    assert is_envelope(SNSEvent[Order])
    data = sns_event_with('{"id": "o-1", "amount": 3}')
    event = EnvelopeDecoder(SNSEvent[Order]).decode(data)
    assert event.records[0].sns.message == Order(id="o-1", amount=3)
    assert event.records[0].sns.subject == "TestInvoke"
    # str keeps the text, bytes gives its bytes
    assert EnvelopeDecoder(SNSEvent[str]).decode(data).records[0].sns.message == (
        '{"id": "o-1", "amount": 3}'
    )
    raw = EnvelopeDecoder(SNSEvent[bytes]).decode(sample("snsEvent.json"))
    assert raw.records[0].sns.message == b"Hello from SNS!"


def test_an_sns_message_that_does_not_fit_names_its_path():
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(SNSEvent[Order]).decode(sns_event_with('{"id": "o-1", "amount": "3"}'))
    assert str(info.value) == "Expected `int`, got `str` - at `$.Records[0].Sns.Message.amount`"
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(SNSEvent[Order]).decode(sns_event_with('{"amount": 3}'))
    assert str(info.value) == ("Object missing required field `id` - at `$.Records[0].Sns.Message`")
    # the sample's plain text is not JSON
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(SNSEvent[Order]).decode(sample("snsEvent.json"))
    message = str(info.value)
    assert message.startswith("Invalid JSON in the payload")
    assert message.endswith(" - at `$.Records[0].Sns.Message`")


def sqs_body(name: str) -> str:
    body = json.loads(sample(name))["Records"][0]["body"]
    assert isinstance(body, str)
    return body


def test_sns_message_decodes_the_body_sqs_receives():
    body = sqs_body("snsSqsEvent.json")
    assert '"SigningCertURL"' in body and '"UnsubscribeURL"' in body
    sns = msgspec.json.decode(body, type=SNSMessage)
    assert sns.type == "Notification"
    assert sns.message_id == "d88d4479-6ec0-54fe-b63f-1cf9df4bb16e"
    assert sns.topic_arn == "arn:aws:sns:eu-west-1:231436140809:powertools265"
    assert sns.message == '{"message": "hello world", "username": "lessa"}'
    assert sns.timestamp == "2021-01-19T10:07:07.287Z"
    assert sns.signature_version == "1"
    assert sns.signature.startswith("tEo2i6Lw6/Dr7Jdlulh0sXgnkF0idd3hq")
    # the URL spelling lands in the same fields as the Lambda event's Url spelling
    assert sns.signing_cert_url == (
        "https://sns.eu-west-1.amazonaws.com/"
        "SimpleNotificationService-010a507c1833636cd94bdb98bd93083a.pem"
    )
    assert sns.unsubscribe_url == (
        "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
        "arn:aws:sns:eu-west-1:231436140809:powertools265:15189ad7-870e-40e5-a7dd-a48898cd9f86"
    )
    assert sns.subject is None and sns.message_attributes == {}
    # encoded once, in the Lambda event's spelling
    encoded = json.loads(msgspec.json.encode(sns))
    assert encoded["SigningCertUrl"] == sns.signing_cert_url
    assert encoded["UnsubscribeUrl"] == sns.unsubscribe_url
    assert "SigningCertURL" not in encoded and "UnsubscribeURL" not in encoded
    assert msgspec.json.decode(msgspec.json.encode(sns), type=SNSMessage) == sns


def test_sns_message_from_a_fifo_topic_through_sqs():
    sns = msgspec.json.decode(sqs_body("snsSqsFifoEvent.json"), type=SNSMessage)
    assert sns.topic_arn == "arn:aws:sns:eu-west-1:231436140809:Test.fifo"
    assert sns.sequence_number == "10000000000000004000"
    assert sns.message_id == "a7c9d2fa-77fa-5184-9de9-89391027cc7d"
    # FIFO notifications are not signed
    assert sns.signature == "" and sns.signature_version == "" and sns.signing_cert_url == ""
    assert sns.unsubscribe_url.endswith(":Test.fifo:bb81d3de-a0f9-46e4-b619-d3152a4d545f")


def test_sns_message_through_sqs_with_a_user_type():
    body = sqs_body("snsSqsEvent.json")
    sns = EnvelopeDecoder(SNSMessage[Message]).decode(body)
    assert sns.message == Message(message="hello world", username="lessa")
    assert sns.topic_arn == "arn:aws:sns:eu-west-1:231436140809:powertools265"

    class Typed(msgspec.Struct):
        username: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(SNSMessage[Typed]).decode(body)
    assert str(info.value) == "Expected `int`, got `str` - at `$.Message.username`"


# -- EventBridge ----------------------------------------------------------------------------


def test_eventbridge_event():
    event = msgspec.json.decode(sample("eventBridgeEvent.json"), type=EventBridgeEvent)
    assert event.version == "0"
    assert event.id == "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert event.detail_type == "EC2 Instance State-change Notification"
    assert event.source == "aws.ec2"
    assert event.account == "111122223333"
    assert event.time == "2017-12-22T18:43:48Z"
    assert event.region == "us-west-1"
    assert event.resources == ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"]
    assert event.detail == {"instance_id": "i-1234567890abcdef0", "state": "terminated"}
    assert event.replay_name == "replay_archive"
    encoded = json.loads(msgspec.json.encode(event))
    assert encoded["detail-type"] == "EC2 Instance State-change Notification"
    assert encoded["replay-name"] == "replay_archive"


def test_eventbridge_events_with_the_least_information():
    event = msgspec.json.decode(sample("eventBridgeEventBase.json"), type=EventBridgeEvent)
    assert event.detail_type == "EC2 Instance State-change Notification"
    assert event.source == "aws.ec2"
    assert event.detail == {"instance_id": "i-1234567890abcdef0", "state": "terminated"}
    assert event.id == "" and event.account == "" and event.resources == []
    assert event.replay_name is None
    event = msgspec.json.decode(sample("eventBridgeEventMinInfo.json"), type=EventBridgeEvent)
    assert event.detail_type == "My custom event"
    assert event.source == "my-custom-source"
    assert event.detail == {"custom_field": "cool"}


def test_eventbridge_scheduler_event():
    data = sample("eventBridgeSchedulerEvent.json")
    event = msgspec.json.decode(data, type=EventBridgeEvent)
    assert event.detail_type == "Scheduled Event"
    assert event.source == "aws.scheduler"
    assert event.account == "533568316194"
    assert event.time == "2025-02-20T16:03:00Z"
    assert event.region == "us-east-1"
    assert event.resources == ["arn:aws:scheduler:us-east-1:123456789012:schedule/default/aaaaa"]
    assert event.detail == "{}"  # the scheduler's input, a string
    assert msgspec.json.decode(data, type=EventBridgeEvent[str]).detail == "{}"


class InstanceState(msgspec.Struct):
    instance_id: str
    state: str


def test_eventbridge_event_with_a_user_type():
    # detail is a JSON object in the event: msgspec decodes it in one pass, no envelope
    assert not is_envelope(EventBridgeEvent[InstanceState])
    data = sample("eventBridgeEvent.json")
    event = msgspec.json.decode(data, type=EventBridgeEvent[InstanceState])
    assert event.detail == InstanceState(instance_id="i-1234567890abcdef0", state="terminated")
    assert event.detail_type == "EC2 Instance State-change Notification"
    event = minlambda.events.decode(data, EventBridgeEvent[InstanceState])
    assert event.detail.state == "terminated"

    class Typed(msgspec.Struct):
        state: int

    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(data, type=EventBridgeEvent[Typed])
    assert str(info.value) == "Expected `int`, got `str` - at `$.detail.state`"
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(sample("eventBridgeEventMinInfo.json"), type=EventBridgeEvent[Order])
    assert str(info.value) == "Object missing required field `id` - at `$.detail`"


def test_s3_eventbridge_object_created():
    data = sample("s3EventBridgeNotificationObjectCreatedEvent.json")
    event = msgspec.json.decode(data, type=S3_EVENTBRIDGE)
    assert event.detail_type == "Object Created"
    assert event.source == "aws.s3"
    assert event.region == "eu-west-1"
    assert event.resources == ["arn:aws:s3:::example-bucket"]
    detail = event.detail
    assert detail.version == "0"
    assert detail.bucket.name == "example-bucket"
    assert detail.object.key == "IMG_m7fzo3.jpg"
    assert detail.object.size == 184662
    assert detail.object.etag == "4e68adba0abe2dc8653dc3354e14c01d"
    assert detail.object.sequencer == "006408CAD69598B05E"
    assert detail.object.version_id is None
    assert detail.request_id == "57H08PA84AB1JZW0"
    assert detail.requester == "123456789012"
    assert detail.source_ip_address == "34.252.34.74"
    assert detail.reason == "PutObject"
    assert detail.deletion_type is None
    encoded = json.loads(msgspec.json.encode(event))["detail"]
    assert encoded["request-id"] == "57H08PA84AB1JZW0"
    assert encoded["source-ip-address"] == "34.252.34.74"


def test_s3_eventbridge_object_deleted():
    data = sample("s3EventBridgeNotificationObjectDeletedEvent.json")
    event = msgspec.json.decode(data, type=S3_EVENTBRIDGE)
    assert event.detail_type == "Object Deleted"
    assert event.id == "2ee9cc15-d022-99ea-1fb8-1b1bac4850f9"
    assert event.region == "ca-central-1"
    detail = event.detail
    assert detail.object.key == "IMG_m7fzo3.jpg"
    assert detail.object.size is None and detail.object.etag is None  # a delete marker
    assert detail.request_id == "0BH729840619AG5K"
    assert detail.source_ip_address == "34.252.34.74"
    assert detail.reason == "DeleteObject"
    assert detail.deletion_type == "Delete Marker Created"


def test_s3_eventbridge_object_expired():
    data = sample("s3EventBridgeNotificationObjectExpiredEvent.json")
    event = msgspec.json.decode(data, type=S3_EVENTBRIDGE)
    assert event.detail_type == "Object Deleted"
    detail = event.detail
    assert detail.requester == "s3.amazonaws.com"
    assert detail.reason == "Lifecycle Expiration"
    assert detail.deletion_type == "Delete Marker Created"
    assert detail.source_ip_address is None
    assert detail.object.size == 184662
    assert detail.request_id == "20EB74C14654DC47"


def test_s3_eventbridge_object_restore_completed():
    data = sample("s3EventBridgeNotificationObjectRestoreCompletedEvent.json")
    event = msgspec.json.decode(data, type=S3_EVENTBRIDGE)
    assert event.detail_type == "Object Restore Completed"
    detail = event.detail
    assert detail.restore_expiry_time == "2021-11-13T00:00:00Z"
    assert detail.source_storage_class == "GLACIER"
    assert detail.request_id == "189F19CB7FB1B6A4"
    assert detail.object.etag == "4e68adba0abe2dc8653dc3354e14c01d"
    assert detail.reason is None


def test_an_eventbridge_event_that_is_not_from_s3_does_not_fit_s3_detail():
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(sample("eventBridgeEvent.json"), type=S3_EVENTBRIDGE)
    assert str(info.value) == "Object missing required field `bucket` - at `$.detail`"


# -- S3 notifications -----------------------------------------------------------------------


def test_s3_event():
    event = msgspec.json.decode(sample("s3Event.json"), type=S3Event)
    (record,) = event.records
    assert record.event_version == "2.1"
    assert record.event_source == "aws:s3"
    assert record.aws_region == "us-east-2"
    assert record.event_time == "2019-09-03T19:37:27.192Z"
    assert record.event_name == "ObjectCreated:Put"
    assert record.user_identity.principal_id == "AWS:AIDAINPONIXQXHT3IKHL2"
    assert record.request_parameters.source_ip_address == "205.255.255.255"
    assert record.response_elements.x_amz_request_id == "D82B88E5F771F645"
    assert record.response_elements.x_amz_id_2.startswith("vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQ")
    s3 = record.s3
    assert s3.s3_schema_version == "1.0"
    assert s3.configuration_id == "828aa6fc-f7b5-4305-8584-487c791949c1"
    assert s3.bucket.name == "lambda-artifacts-deafc19498e3f2df"
    assert s3.bucket.owner_identity.principal_id == "A3I5XTEXAMAI3E"
    assert s3.bucket.arn == "arn:aws:s3:::lambda-artifacts-deafc19498e3f2df"
    assert s3.object.key == "b21b84d653bb07b05b1e6b33684dc11b"
    assert s3.object.size == 1305107
    assert s3.object.e_tag == "b21b84d653bb07b05b1e6b33684dc11b"
    assert s3.object.sequencer == "0C0F6F405D6ED209E1"
    assert s3.object.version_id is None
    assert record.glacier_event_data is None
    encoded = json.loads(msgspec.json.encode(event))["Records"][0]
    assert encoded["requestParameters"] == {"sourceIPAddress": "205.255.255.255"}
    assert set(encoded["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert encoded["s3"]["object"]["eTag"] == "b21b84d653bb07b05b1e6b33684dc11b"


def test_s3_event_decoded_key():
    event = msgspec.json.decode(sample("s3EventDecodedKey.json"), type=S3Event)
    (record,) = event.records
    assert record.event_version == "2.0"
    assert record.event_time == "1970-01-01T00:00:00.123Z"
    assert record.s3.configuration_id == "testConfigRule"
    assert record.s3.bucket.name == "sourcebucket"
    assert record.s3.bucket.arn == "arn:aws:s3:::mybucket"
    obj = record.s3.object
    assert obj.key == "Happy%20Face.jpg"  # as it came
    assert obj.decoded_key() == "Happy Face.jpg"
    assert obj.version_id == "version"
    assert obj.size == 1024
    assert obj.e_tag == "d41d8cd98f00b204e9800998ecf8427e"
    assert obj.sequencer == "Happy Sequencer"
    # S3 encodes a space as "+" too
    obj.key = "my+folder/r%C3%A9sum%C3%A9+%282%29.pdf"
    assert obj.decoded_key() == "my folder/résumé (2).pdf"


def test_s3_event_delete_object():
    event = msgspec.json.decode(sample("s3EventDeleteObject.json"), type=S3Event)
    record = event.records[0]
    assert record.event_name == "ObjectRemoved:Delete"
    assert record.s3.object.key == "b21b84d653bb07b05b1e6b33684dc11b"
    assert record.s3.object.size is None and record.s3.object.e_tag is None  # a delete
    assert record.s3.object.sequencer == "0C0F6F405D6ED209E1"
    assert record.response_elements.x_amz_request_id == "D82B88E5F771F645"
    assert "size" not in json.loads(msgspec.json.encode(event))["Records"][0]["s3"]["object"]


def test_s3_event_glacier():
    event = msgspec.json.decode(sample("s3EventGlacier.json"), type=S3Event)
    record = event.records[0]
    assert record.event_name == "ObjectCreated:Put"
    assert record.glacier_event_data is not None
    restore = record.glacier_event_data.restore_event_data
    assert restore.lifecycle_restoration_expiry_time == "1970-01-01T00:01:00.000Z"
    assert restore.lifecycle_restore_storage_class == "standard"
    assert record.s3.object.size == 1305107
    assert record.intelligent_tiering_event_data is None


def test_s3_event_through_sqs():
    event = EnvelopeDecoder(SQSEvent[S3Event]).decode(sample("s3SqsEvent.json"))
    s3_event = event.records[0].body
    assert isinstance(s3_event, S3Event)
    record = s3_event.records[0]
    assert record.event_name == "ObjectCreated:Put"
    assert record.aws_region == "us-east-1"
    assert record.s3.bucket.name == "xxx"
    assert record.s3.object.key == "test.pdf"
    assert record.s3.object.size == 104681
    assert record.s3.object.version_id == "yd3d4HaWOT2zguDLvIQLU6ptDTwKBnQV"
    assert record.request_parameters.source_ip_address == "93.108.161.96"


def test_an_s3_event_without_its_object_names_the_path():
    event = json.loads(sample("s3Event.json"))
    del event["Records"][0]["s3"]["object"]["key"]
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(json.dumps(event), type=S3Event)
    assert str(info.value) == "Object missing required field `key` - at `$.Records[0].s3.object`"


# -- S3 Batch Operations --------------------------------------------------------------------


def test_s3_batch_operation_event_schema_v1():
    event = msgspec.json.decode(
        sample("s3BatchOperationEventSchemaV1.json"), type=S3BatchOperationEvent
    )
    assert event.invocation_schema_version == "1.0"
    assert event.invocation_id == "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo"
    assert event.job.id == "f3cc4f60-61f6-4a2b-8a21-d07600c373ce"
    assert event.job.user_arguments is None
    (task,) = event.tasks
    assert task.task_id == "dGFza2lkZ29lc2hlcmUK"
    assert task.s3_key == "prefix/dataset/dataset.20231222.json.gz"
    assert task.s3_version_id == "1"
    assert task.s3_bucket_arn == "arn:aws:s3:::powertools-dataset"
    assert task.s3_bucket is None
    assert task.bucket_name() == "powertools-dataset"


def test_s3_batch_operation_event_schema_v2():
    event = msgspec.json.decode(
        sample("s3BatchOperationEventSchemaV2.json"), type=S3BatchOperationEvent
    )
    assert event.invocation_schema_version == "2.0"
    assert event.job.id == "f3cc4f60-61f6-4a2b-8a21-d07600c373ce"
    assert event.job.user_arguments == {"k1": "v1", "k2": "v2"}
    (task,) = event.tasks
    assert task.task_id == "dGFza2lkZ29lc2hlcmUK"
    assert task.s3_key == "prefix/dataset/dataset.20231222.json.gz"
    assert task.s3_version_id is None  # null in the event
    assert task.s3_bucket == "powertools-dataset"
    assert task.s3_bucket_arn is None
    assert task.bucket_name() == "powertools-dataset"


def test_s3_batch_operation_task_decoded_key():
    task = S3BatchOperationTask(task_id="t", s3_key="a+b%2Fc.txt", s3_bucket="b")
    assert task.decoded_key() == "a b/c.txt"


def test_s3_batch_operation_response():
    event = msgspec.json.decode(
        sample("s3BatchOperationEventSchemaV1.json"), type=S3BatchOperationEvent
    )
    response = S3BatchOperationResponse(
        invocation_schema_version=event.invocation_schema_version,
        invocation_id=event.invocation_id,
        results=[
            S3BatchOperationResult(
                task_id=event.tasks[0].task_id,
                result_code="Succeeded",
                result_string='["Mary Major", "John Stiles"]',
            )
        ],
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "invocationSchemaVersion": "1.0",
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
        "results": [
            {
                "taskId": "dGFza2lkZ29lc2hlcmUK",
                "resultCode": "Succeeded",
                "resultString": '["Mary Major", "John Stiles"]',
            }
        ],
    }
    assert msgspec.json.decode(encoded, type=S3BatchOperationResponse) == response
    # every key is always sent, the defaults included
    bare = S3BatchOperationResponse(invocation_schema_version="2.0", invocation_id="i")
    assert json.loads(msgspec.json.encode(bare)) == {
        "invocationSchemaVersion": "2.0",
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": "i",
        "results": [],
    }
    retry = S3BatchOperationResult(task_id="t", result_code="TemporaryFailure")
    assert json.loads(msgspec.json.encode(retry)) == {
        "taskId": "t",
        "resultCode": "TemporaryFailure",
        "resultString": "",
    }


def test_an_s3_batch_result_code_is_validated():
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.json.decode(
            b'{"invocationSchemaVersion": "1.0", "invocationId": "i",'
            b' "results": [{"taskId": "t", "resultCode": "Done"}]}',
            type=S3BatchOperationResponse,
        )
    assert str(info.value) == ("Invalid enum value 'Done' - at `$.results[0].resultCode`")


# -- S3 Object Lambda -----------------------------------------------------------------------


def test_s3_object_lambda_event_iam_user():
    event = msgspec.json.decode(sample("s3ObjectEventIAMUser.json"), type=S3ObjectLambdaEvent)
    assert event.x_amz_request_id == "1a5ed718-5f53-471d-b6fe-5cf62d88d02a"
    assert event.get_object_context is not None
    assert event.get_object_context.input_s3_url == (
        "https://myap-123412341234.s3-accesspoint.us-east-1.amazonaws.com/s3.txt"
        "?X-Amz-Security-Token=..."
    )
    assert event.get_object_context.output_route == "io-iad-cell001"
    assert event.get_object_context.output_token == "..."
    assert event.head_object_context is None and event.list_objects_v2_context is None
    assert event.configuration.access_point_arn == (
        "arn:aws:s3-object-lambda:us-east-1:123412341234:accesspoint/myolap"
    )
    assert event.configuration.supporting_access_point_arn == (
        "arn:aws:s3:us-east-1:123412341234:accesspoint/myap"
    )
    assert event.configuration.payload == "test"
    assert event.user_request.url == "/s3.txt"
    assert event.user_request.headers["Accept-Encoding"] == "identity"
    assert event.user_request.headers["X-Amz-Content-SHA256"].startswith("e3b0c442")
    identity = event.user_identity
    assert identity.type == "IAMUser"
    assert identity.arn == "arn:aws:iam::123412341234:user/myuser"
    assert identity.account_id == "123412341234"
    assert identity.access_key_id == "..."
    assert identity.user_name == "Alice"
    assert identity.session_context is None
    assert event.protocol_version == "1.00"
    encoded = json.loads(msgspec.json.encode(event))
    assert encoded["getObjectContext"]["inputS3Url"] == event.get_object_context.input_s3_url
    assert encoded["xAmzRequestId"] == "1a5ed718-5f53-471d-b6fe-5cf62d88d02a"


def test_s3_object_lambda_event_temporary_credentials():
    event = msgspec.json.decode(
        sample("s3ObjectEventTempCredentials.json"), type=S3ObjectLambdaEvent
    )
    assert event.x_amz_request_id == "requestId"
    assert event.get_object_context is not None
    assert event.get_object_context.output_route == "io-use1-001"
    assert event.get_object_context.output_token == "OutputToken"
    assert event.configuration.payload == "{}"
    assert event.user_request.url == (
        "https://object-lambda-111122223333.s3-object-lambda.us-east-1.amazonaws.com/example"
    )
    identity = event.user_identity
    assert identity.type == "AssumedRole"
    assert identity.principal_id == "principalId"
    assert identity.arn == "arn:aws:sts::111122223333:assumed-role/Admin/example"
    assert identity.user_name is None
    session = identity.session_context
    assert session is not None
    assert session.attributes.mfa_authenticated == "false"
    assert session.attributes.creation_date == "Wed Mar 10 23:41:52 UTC 2021"
    assert session.session_issuer is not None
    assert session.session_issuer.type == "Role"
    assert session.session_issuer.arn == "arn:aws:iam::111122223333:role/Admin"
    assert session.session_issuer.user_name == "Admin"


def test_s3_object_lambda_head_object_event():
    event = json.loads(sample("s3ObjectEventIAMUser.json"))
    del event["getObjectContext"]
    event["headObjectContext"] = {"inputS3Url": "https://ap.example/s3.txt?sig"}
    decoded = msgspec.json.decode(json.dumps(event), type=S3ObjectLambdaEvent)
    assert decoded.get_object_context is None
    assert decoded.head_object_context is not None
    assert decoded.head_object_context.input_s3_url == "https://ap.example/s3.txt?sig"


# -- SES ------------------------------------------------------------------------------------


def test_ses_event():
    event = msgspec.json.decode(sample("sesEvent.json"), type=SESEvent)
    (record,) = event.records
    assert record.event_source == "aws:ses"
    assert record.event_version == "1.0"
    mail = record.ses.mail
    assert mail.source == "janedoe@example.com"
    assert mail.timestamp == "1970-01-01T00:00:00.000Z"
    assert mail.message_id == "o3vrnil0e2ic28tr"
    assert mail.destination == ["johndoe@example.com"]
    assert mail.headers_truncated is False
    assert len(mail.headers) == 10
    assert (mail.headers[0].name, mail.headers[0].value) == ("Return-Path", "<janedoe@example.com>")
    assert mail.headers[-1].value == "text/plain; charset=UTF-8"
    common = mail.common_headers
    assert common.from_ == ["Jane Doe <janedoe@example.com>"]
    assert common.to == ["johndoe@example.com"]
    assert common.return_path == "janedoe@example.com"
    assert common.message_id == "<0123456789example.com>"
    assert common.date == "Wed, 7 Oct 2015 12:34:56 -0700"
    assert common.subject == "Test Subject"
    assert common.cc == [] and common.reply_to == []
    receipt = record.ses.receipt
    assert receipt.recipients == ["johndoe@example.com"]
    assert receipt.timestamp == "1970-01-01T00:00:00.000Z"
    assert receipt.processing_time_millis == 574
    assert receipt.dmarc_policy == "reject"
    for verdict in (
        receipt.spam_verdict,
        receipt.virus_verdict,
        receipt.spf_verdict,
        receipt.dkim_verdict,
        receipt.dmarc_verdict,
    ):
        assert verdict is not None and verdict.status == "PASS"
    assert receipt.action.type == "Lambda"
    assert receipt.action.invocation_type == "Event"
    assert receipt.action.function_arn == "arn:aws:lambda:us-west-2:012345678912:function:Example"
    encoded = json.loads(msgspec.json.encode(event))
    assert encoded["Records"][0]["ses"]["mail"]["commonHeaders"]["from"] == common.from_


# -- Amazon MQ ------------------------------------------------------------------------------


def test_activemq_event():
    event = msgspec.json.decode(sample("activeMQEvent.json"), type=ActiveMQEvent)
    assert event.event_source == "aws:amq"
    assert event.event_source_arn == (
        "arn:aws:mq:us-west-2:112556298976:broker:test:b-9bcfa592-423a-4942-879d-eb284b418fc8"
    )
    assert len(event.messages) == 3
    first, second, third = event.messages
    assert first.message_id == (
        "ID:b-9bcfa592-423a-4942-879d-eb284b418fc8-1.mq.us-west-2.amazonaws.com"
        "-37557-1234520418293-4:1:1:1:1"
    )
    assert first.message_type == "jms/text-message"
    assert first.data == "QUJDOkFBQUE="  # as it came
    assert first.connection_id == "myJMSCoID"
    assert first.redelivered is False
    assert first.destination is not None and first.destination.physical_name == "testQueue"
    assert first.timestamp == 1598827811958
    assert first.broker_in_time == 1598827811958
    assert first.broker_out_time == 1598827811959
    assert first.properties == {"testKey": "testValue"}
    assert second.connection_id == "myJMSCoID2"
    assert third.message_type == "jms/bytes-message"
    assert third.persistent is False
    assert third.connection_id == "myJMSCoID1"
    encoded = json.loads(msgspec.json.encode(event))
    assert encoded["eventSourceArn"] == event.event_source_arn
    assert encoded["messages"][0]["messageID"] == first.message_id


def test_activemq_event_as_bytes():
    event = EnvelopeDecoder(ActiveMQEvent[bytes]).decode(sample("activeMQEvent.json"))
    first, second, third = event.messages
    assert first.data == b"ABC:AAAA"
    assert second.data == b'{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}'
    assert third.data == base64.b64decode("3DTOOW7crj51prgVLQaGQ82S48k=")


class Timeout(msgspec.Struct):
    timeout: int
    data: str


def activemq_event_with(*payloads: bytes) -> bytes:
    event = json.loads(sample("activeMQEvent.json"))
    template = event["messages"][1]
    event["messages"] = [
        {**template, "data": base64.b64encode(payload).decode()} for payload in payloads
    ]
    return json.dumps(event).encode()


def test_activemq_event_with_a_user_type():
    assert is_envelope(ActiveMQEvent[Timeout])
    data = activemq_event_with(b'{"timeout": 0, "data": "a"}', b'{"timeout": 5, "data": "b"}')
    event = EnvelopeDecoder(ActiveMQEvent[Timeout]).decode(data)
    assert [m.data for m in event.messages] == [Timeout(0, "a"), Timeout(5, "b")]
    assert event.messages[1].connection_id == "myJMSCoID2"


def test_an_activemq_payload_that_does_not_fit_names_its_path():
    data = activemq_event_with(b'{"timeout": 0, "data": "a"}', b'{"timeout": "5", "data": "b"}')
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(ActiveMQEvent[Timeout]).decode(data)
    assert str(info.value) == "Expected `int`, got `str` - at `$.messages[1].data.timeout`"
    # the sample's first message is plain text
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(ActiveMQEvent[Timeout]).decode(sample("activeMQEvent.json"))
    message = str(info.value)
    assert message.startswith("Invalid JSON in the payload")
    assert message.endswith(" - at `$.messages[0].data`")
    event = json.loads(data)
    event["messages"][0]["data"] = "not base64!"
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(ActiveMQEvent[bytes]).decode(json.dumps(event))
    assert str(info.value) == "Invalid base64 data - at `$.messages[0].data`"


def test_activemq_message_with_the_documented_fields():
    event = json.loads(sample("activeMQEvent.json"))
    event["messages"][0].update(
        deliveryMode=1,
        correlationID="myJMSCoID",
        replyTo="null",
        type="",
        expiration="60000",
        priority=1,
        properties=None,
    )
    event["messages"][1].update(expiration=0)
    decoded = msgspec.json.decode(json.dumps(event), type=ActiveMQEvent)
    first = decoded.messages[0]
    assert first.delivery_mode == 1
    assert first.correlation_id == "myJMSCoID"
    assert first.reply_to == "null"
    assert first.type == ""
    assert first.expiration == "60000"
    assert first.priority == 1
    assert first.properties is None
    assert decoded.messages[1].expiration == 0


def test_rabbitmq_event():
    event = msgspec.json.decode(sample("rabbitMQEvent.json"), type=RabbitMQEvent)
    assert event.event_source == "aws:rmq"
    assert event.event_source_arn == (
        "arn:aws:mq:us-west-2:112556298976:broker:pizzaBroker:b-9bcfa592-423a-4942-879d-eb284b418fc8"
    )
    assert list(event.rmq_messages_by_queue) == ["pizzaQueue::/"]
    (message,) = event.rmq_messages_by_queue["pizzaQueue::/"]
    assert message.redelivered is False
    assert message.data == "eyJ0aW1lb3V0IjowLCJkYXRhIjoiQ1pybWYwR3c4T3Y0YnFMUXhENEUifQ=="
    props = message.basic_properties
    assert props.content_type == "text/plain"
    assert props.content_encoding is None
    assert props.delivery_mode == 1
    assert props.priority == 34
    assert props.correlation_id is None and props.reply_to is None and props.message_id is None
    assert props.expiration == "60000"
    assert props.timestamp == "Jan 1, 1970, 12:33:41 AM"
    assert props.type is None
    assert props.user_id == "AIDACKCEVSQ6C2EXAMPLE"
    assert props.app_id is None and props.cluster_id is None
    assert props.body_size == 80
    assert props.headers is not None
    assert props.headers["header1"] == {"bytes": [118, 97, 108, 117, 101, 49]}
    assert props.decoded_headers() == {
        "header1": b"value1",
        "header2": b"value2",
        "numberInHeader": 10,
    }
    assert RabbitMQBasicProperties().decoded_headers() == {}
    encoded = json.loads(msgspec.json.encode(event))
    assert encoded["rmqMessagesByQueue"]["pizzaQueue::/"][0]["basicProperties"]["bodySize"] == 80


def test_rabbitmq_event_with_a_user_type():
    data = sample("rabbitMQEvent.json")
    event = EnvelopeDecoder(RabbitMQEvent[Timeout]).decode(data)
    message = event.rmq_messages_by_queue["pizzaQueue::/"][0]
    assert message.data == Timeout(timeout=0, data="CZrmf0Gw8Ov4bqLQxD4E")
    assert message.basic_properties.user_id == "AIDACKCEVSQ6C2EXAMPLE"
    raw = EnvelopeDecoder(RabbitMQEvent[bytes]).decode(data)
    assert raw.rmq_messages_by_queue["pizzaQueue::/"][0].data == (
        b'{"timeout":0,"data":"CZrmf0Gw8Ov4bqLQxD4E"}'
    )


def test_a_rabbitmq_payload_that_does_not_fit_names_its_path():
    data = sample("rabbitMQEvent.json")
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(RabbitMQEvent[Order]).decode(data)
    assert str(info.value) == (
        'Object missing required field `id` - at `$.rmqMessagesByQueue["pizzaQueue::/"][0].data`'
    )

    class Typed(msgspec.Struct):
        data: int

    event = json.loads(data)
    queue = event["rmqMessagesByQueue"]["pizzaQueue::/"]
    event["rmqMessagesByQueue"]["other::/vhost"] = queue
    event["rmqMessagesByQueue"]["pizzaQueue::/"] = []
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(RabbitMQEvent[Typed]).decode(json.dumps(event))
    assert str(info.value) == (
        'Expected `int`, got `str` - at `$.rmqMessagesByQueue["other::/vhost"][0].data.data`'
    )


# -- Secrets Manager ------------------------------------------------------------------------


def test_secrets_manager_rotation_event():
    event = msgspec.json.decode(
        sample("secretsManagerEvent.json"), type=SecretsManagerRotationEvent
    )
    assert event.secret_id == (
        "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3"
    )
    assert event.client_request_token == "550e8400-e29b-41d4-a716-446655440000"
    assert event.step == "createSecret"
    assert event.rotation_token is None
    assert json.loads(msgspec.json.encode(event)) == json.loads(sample("secretsManagerEvent.json"))
    with_token = msgspec.json.decode(
        b'{"SecretId": "s", "ClientRequestToken": "c", "Step": "setSecret", "RotationToken": "r"}',
        type=SecretsManagerRotationEvent,
    )
    assert with_token.rotation_token == "r" and with_token.step == "setSecret"
