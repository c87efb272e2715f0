# `python -m minlambda event SOURCE [--set PATH=VALUE ...]`: sample events.
#
# A realistic event for each common source, shaped as the real ones are (the samples
# in tests/events, captured from AWS, are the reference; SAM's `generate-event` and
# cargo-lambda's `--data-example` are what people expect of such a command): fresh
# request and message ids, the current time, ARNs in us-east-1 under account
# 123456789012. Every one decodes with its minlambda.events model (tests/
# test_event_command.py), so it can be piped into `python -m minlambda invoke`.
#
# The HTTP sources are built by the --http mode's own mappings (sources/), so a sample
# is the event a request to `local --http` would make, then dressed as deployed: the
# platform's domain names, https, the sample account, a REST API's "prod" stage.
#
# `--set` is checked against the model as well as the event: a path the model does not
# know (a typo) is refused rather than silently added, a field the event leaves out but
# the model has (`requestContext.authorizer`, a map entry) may be filled in, and an
# event a VALUE no longer lets decode is refused, so what is printed always decodes.
from __future__ import annotations

import base64
import difflib
import gzip
import hashlib
import json
import secrets
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

import msgspec
from msgspec import inspect as mi

__all__ = ["SOURCES", "Source", "main", "sample"]

REGION: Final = "us-east-1"
ACCOUNT: Final = "123456789012"
QUEUE: Final = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
TOPIC: Final = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"
TABLE: Final = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STREAM: Final = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/orders"
API_ID: Final = "a1b2c3d4e5"
STAGE: Final = "prod"  # a REST API's stage (an HTTP API's is "$default")
BODY: Final = '{"id": "o-1", "amount": 2}'

Given = dict[str, str]  # the shortcuts given on the command line, by name
Builder = Callable[[Given], dict[str, Any]]


class Source(NamedTuple):
    what: str  # one line for the listing
    model: str  # its minlambda.events model
    build: Builder
    aliases: tuple[str, ...]  # the --set shortcuts it understands
    records: Callable[[dict[str, Any]], list[Any]] | None = None  # a batch's records


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _iso(ms: int | None = None, *, millis: bool = True) -> str:
    moment = datetime.fromtimestamp((ms if ms is not None else _now_ms()) / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return (text + f".{moment.microsecond // 1000:03d}Z") if millis else text + "Z"


def _b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _digits(count: int) -> str:
    """A fresh decimal id of `count` digits (Kinesis sequence numbers and the like)."""
    return str(secrets.randbelow(9 * 10 ** (count - 1)) + 10 ** (count - 1))


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(f"bad --set value for {what}: {text!r} is not JSON") from None


# -- the HTTP sources ---------------------------------------------------------------------

_HOSTS: Final = {
    "apigw-v1": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
    "apigw-v2": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
    "function-url": f"a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.{REGION}.on.aws",
    "alb": f"orders-alb-1234567890.{REGION}.elb.amazonaws.com",
    "alb-multi-value": f"orders-alb-1234567890.{REGION}.elb.amazonaws.com",
}


def _http(source: str) -> Builder:
    def build(given: Given) -> dict[str, Any]:
        from minlambda._local.sources import Request
        from minlambda._local.sources import source as mapping

        body = given.get("body")
        method = given.get("method") or ("POST" if body is not None else "GET")
        target = given.get("path", "/orders/o-1?expand=items")
        if not target.startswith("/"):
            target = "/" + target
        # as a client sends it: percent-encoded (escapes already there kept), so each
        # source decodes it, or not, as the platform does
        target = urllib.parse.quote(target, safe="/?&=%:@!$'()*+,;~")
        headers = [
            ("Host", _HOSTS[source]),
            ("User-Agent", "curl/8.5.0"),
            ("Accept", "*/*"),
            ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"),
        ]
        if body is not None:
            kind = "application/json" if _is_json(body) else "text/plain; charset=utf-8"
            headers += [("Content-Type", kind), ("Content-Length", str(len(body.encode())))]
        request = Request(
            method=method.upper(),
            target=target,
            headers=headers,
            body=(body or "").encode(),
            source_ip="203.0.113.7",
            request_id=str(uuid.uuid4()),
            time=time.time(),
            source=source,
        )
        event: dict[str, Any] = mapping(source).event(request)
        return _as_deployed(event, source)

    return build


def _as_deployed(event: dict[str, Any], source: str) -> dict[str, Any]:
    """The local mapping's event as the platform sends it: over https, under the sample
    account; a REST API's requestContext.path carries its stage."""
    for name in ("headers", "multiValueHeaders"):
        fields = event.get(name) or {}
        for key in fields:
            value = {"x-forwarded-proto": "https", "x-forwarded-port": "443"}.get(key.lower())
            if value is not None:
                fields[key] = [value] if isinstance(fields[key], list) else value
    context = event["requestContext"]
    if context.get("accountId") not in (None, "anonymous"):  # a function URL's stays so
        context["accountId"] = ACCOUNT
    if source == "apigw-v1":
        context["stage"] = STAGE
        context["path"] = f"/{STAGE}{event['path']}"
    if source.startswith("alb"):
        context["elb"]["targetGroupArn"] = (
            f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/orders/4c1a2f8e9b3d7a60"
        )
    return event


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _authorizer_token(given: Given) -> dict[str, Any]:
    return {
        "type": "TOKEN",
        "authorizationToken": given.get("token", "Bearer allow"),
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/GET/orders",
    }


def _authorizer_request(given: Given) -> dict[str, Any]:
    event = _http("apigw-v1")(given)
    method, path = event["httpMethod"], event["path"]
    event = {"type": "REQUEST", "methodArn": "", **event}
    event["methodArn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"
    token = given.get("token", "Bearer allow")
    event["headers"]["Authorization"] = token
    event["multiValueHeaders"]["Authorization"] = [token]
    for key in ("body", "isBase64Encoded"):  # an authorizer never sees the body
        event.pop(key, None)
    return event


def _authorizer_v2(given: Given) -> dict[str, Any]:
    event = _http("apigw-v2")(given)
    method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    token = given.get("token", "Bearer allow")
    event = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/{method}{path}",
        "identitySource": [token],
        **event,
    }
    event["headers"]["authorization"] = token
    for key in ("body", "isBase64Encoded"):
        event.pop(key, None)
    return event


# -- queues, topics, buckets, buses -------------------------------------------------------


def _sqs_record(given: Given) -> dict[str, Any]:
    sent = _now_ms()
    body = given.get("body", BODY)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEB" + _b64(secrets.token_bytes(96)),
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(sent),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(sent + 3),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE,
        "awsRegion": REGION,
    }


def _sns(given: Given) -> dict[str, Any]:
    message_id = str(uuid.uuid4())
    subscription = f"{TOPIC}:{uuid.uuid4()}"
    return {
        "Records": [  # SNS invokes a function with one notification at a time
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": _iso(),
                    "Signature": _b64(secrets.token_bytes(256)),
                    "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/"
                    f"SimpleNotificationService-{secrets.token_hex(16)}.pem",
                    "MessageId": message_id,
                    "Message": given.get("message", BODY),
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": f"https://sns.{REGION}.amazonaws.com/"
                    f"?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "TopicArn": TOPIC,
                    "Subject": given.get("subject"),
                },
            }
        ]
    }


def _s3(given: Given) -> dict[str, Any]:
    bucket = given.get("bucket", "orders-bucket")
    # S3 sends the key URL-encoded, a space as "+": a test sees what the handler will
    key = urllib.parse.quote_plus(given.get("key", "incoming/order-1.json"), safe="/")
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": _iso(),
                "eventName": given.get("event-name", "ObjectCreated:Put"),
                "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
                "requestParameters": {"sourceIPAddress": "203.0.113.7"},
                "responseElements": {
                    "x-amz-request-id": secrets.token_hex(8).upper(),
                    "x-amz-id-2": _b64(secrets.token_bytes(48)),
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "orders-created",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": key,
                        "size": 1024,
                        "eTag": secrets.token_hex(16),
                        "sequencer": f"{time.time_ns() // 1000:018X}",
                    },
                },
            }
        ]
    }


def _eventbridge(given: Given) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": given.get("detail-type", "Order Placed"),
        "source": given.get("source", "com.example.orders"),
        "account": ACCOUNT,
        "time": _iso(millis=False),
        "region": REGION,
        "resources": [],
        "detail": _json(given.get("detail", BODY), "detail"),
    }


def _schedule(given: Given) -> dict[str, Any]:
    rule = given.get("rule", "every-hour")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": _iso(millis=False),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


# -- streams ------------------------------------------------------------------------------


def _dynamodb_record(given: Given) -> dict[str, Any]:
    name = given.get("event-name", "INSERT")
    image = _json(given.get("new-image", '{"id": {"S": "o-1"}, "amount": {"N": "2"}}'), "new-image")
    if not isinstance(image, dict):
        raise ValueError("bad --set value for new-image: give an item, a JSON object")
    keys = (
        _json(given["keys"], "keys") if "keys" in given else {"id": image.get("id", {"S": "o-1"})}
    )
    change: dict[str, Any] = {"ApproximateCreationDateTime": int(time.time()), "Keys": keys}
    # what a NEW_AND_OLD_IMAGES stream carries: no old image for an INSERT, no new one
    # for a REMOVE
    if name != "INSERT":
        change["OldImage"] = {**image, "amount": {"N": "1"}} if name == "MODIFY" else image
    if name != "REMOVE":
        change["NewImage"] = image
    change["SequenceNumber"] = _digits(21)
    change["SizeBytes"] = len(json.dumps(change))
    change["StreamViewType"] = "NEW_AND_OLD_IMAGES"
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": change,
        "eventSourceARN": f"{TABLE}/stream/2026-01-15T09:30:00.000",
    }


def _kinesis_record(given: Given) -> dict[str, Any]:
    sequence = "49" + _digits(54)
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": given.get("partition-key", "o-1"),
            "sequenceNumber": sequence,
            "data": _b64(given.get("data", BODY)),
            "approximateArrivalTimestamp": round(time.time(), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/orders-consumer",
        "awsRegion": REGION,
        "eventSourceARN": STREAM,
    }


def _firehose(given: Given) -> dict[str, Any]:
    return {
        "invocationId": str(uuid.uuid4()),
        "deliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/orders",
        "region": REGION,
        "records": [_firehose_record(given)],
    }


def _firehose_record(given: Given) -> dict[str, Any]:
    return {
        "recordId": "49" + _digits(54),
        "approximateArrivalTimestamp": _now_ms(),
        "data": _b64(given.get("data", BODY)),
    }


def _kafka(self_managed: bool) -> Builder:
    def build(given: Given) -> dict[str, Any]:
        topic = given.get("topic", "orders")
        event: dict[str, Any] = {"eventSource": "SelfManagedKafka" if self_managed else "aws:kafka"}
        if not self_managed:
            event["eventSourceArn"] = (
                f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/orders/{uuid.uuid4()}-2"
            )
        event["bootstrapServers"] = (
            f"b-1.orders.abc123.c2.kafka.{REGION}.amazonaws.com:9092,"
            f"b-2.orders.abc123.c2.kafka.{REGION}.amazonaws.com:9092"
        )
        offset = secrets.randbelow(1_000_000)  # where this batch starts in the partition
        event["records"] = {f"{topic}-0": [_kafka_record(given, topic, offset)]}
        return event

    return build


def _kafka_record(given: Given, topic: str, offset: int) -> dict[str, Any]:
    return {
        "topic": topic,
        "partition": 0,
        "offset": offset,
        "timestamp": _now_ms(),
        "timestampType": "CREATE_TIME",
        "key": _b64(given.get("key", "o-1")),
        "value": _b64(given.get("data", BODY)),
        "headers": [{"source": list(b"orders-service")}],  # header values come as byte lists
    }


def _kafka_records(event: dict[str, Any]) -> list[Any]:
    (records,) = event["records"].values()
    assert isinstance(records, list)
    return records


def _cloudwatch_logs(given: Given) -> dict[str, Any]:
    now = _now_ms()
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": given.get("log-group", "/aws/lambda/orders"),
        "logStream": _iso(now)[:10].replace("-", "/") + "/[$LATEST]" + uuid.uuid4().hex,
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {
                "id": _digits(56),
                "timestamp": now,
                "message": given.get("message", "[ERROR] order o-1 failed"),
            }
        ],
    }
    packed = gzip.compress(json.dumps(data).encode())
    return {"awslogs": {"data": _b64(packed)}}


def _cloudformation(given: Given) -> dict[str, Any]:
    request = given.get("request-type", "Create")
    token = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-custom-resource"
    stack = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/orders/{uuid.uuid4()}"
    event: dict[str, Any] = {
        "RequestType": request,
        "ServiceToken": token,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
        + urllib.parse.quote(f"{stack}|OrdersTable|{uuid.uuid4()}", safe=""),
        "StackId": stack,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "OrdersTable",
        "ResourceType": "Custom::OrdersTable",
        "ResourceProperties": {"ServiceToken": token, "TableName": "orders"},
    }
    if request != "Create":
        event["PhysicalResourceId"] = "orders-table-1"
    if request == "Update":
        event["OldResourceProperties"] = {"ServiceToken": token, "TableName": "orders-old"}
    return event


# -- Cognito triggers ---------------------------------------------------------------------


def _cognito(trigger: str, **request: Any) -> Builder:
    def build(given: Given) -> dict[str, Any]:
        attributes = {
            "sub": str(uuid.uuid4()),
            "cognito:user_status": "CONFIRMED",
            "email": given.get("email", "ada@example.com"),
            "email_verified": "true",
        }
        return {
            "version": "1",
            "triggerSource": trigger,
            "region": REGION,
            "userPoolId": f"{REGION}_AbCdEfGhI",
            "userName": given.get("username", "ada"),
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": "1example23456789abcdefghij",
            },
            "request": {"userAttributes": attributes, **request},
            "response": {},
        }

    return build


# -- the table ----------------------------------------------------------------------------

_HTTP: Final = ("path", "method", "body")
_COGNITO: Final = ("username", "email")


def _one(key: str) -> Callable[[dict[str, Any]], list[Any]]:
    def records(event: dict[str, Any]) -> list[Any]:
        found = event[key]
        assert isinstance(found, list)
        return found

    return records


SOURCES: Final[dict[str, Source]] = {
    "apigw-v1": Source(
        "API Gateway REST API request (payload 1.0)",
        "APIGatewayProxyEvent",
        _http("apigw-v1"),
        _HTTP,
    ),
    "apigw-v2": Source(
        "API Gateway HTTP API request (payload 2.0)",
        "APIGatewayProxyEventV2",
        _http("apigw-v2"),
        _HTTP,
    ),
    "function-url": Source(
        "Lambda function URL request", "LambdaFunctionUrlEvent", _http("function-url"), _HTTP
    ),
    "alb": Source("Application Load Balancer request", "ALBEvent", _http("alb"), _HTTP),
    "alb-multi-value": Source(
        "Application Load Balancer request, multi-value headers on",
        "ALBEvent",
        _http("alb-multi-value"),
        _HTTP,
    ),
    "apigw-authorizer-token": Source(
        "API Gateway TOKEN authorizer",
        "APIGatewayAuthorizerTokenEvent",
        _authorizer_token,
        ("token",),
    ),
    "apigw-authorizer-request": Source(
        "API Gateway REQUEST authorizer (REST API)",
        "APIGatewayAuthorizerRequestEvent",
        _authorizer_request,
        ("path", "method", "token"),
    ),
    "apigw-v2-authorizer": Source(
        "API Gateway HTTP API Lambda authorizer (payload 2.0)",
        "APIGatewayAuthorizerEventV2",
        _authorizer_v2,
        ("path", "method", "token"),
    ),
    "sqs": Source(
        "SQS messages",
        "SQSEvent",
        lambda given: {"Records": [_sqs_record(given)]},
        ("body",),
        _one("Records"),
    ),
    "sns": Source("SNS notification", "SNSEvent", _sns, ("message", "subject")),
    "s3": Source("S3 object notification", "S3Event", _s3, ("bucket", "key", "event-name")),
    "eventbridge": Source(
        "EventBridge event",
        "EventBridgeEvent",
        _eventbridge,
        ("detail", "detail-type", "source"),
    ),
    "schedule": Source("EventBridge scheduled event", "EventBridgeEvent", _schedule, ("rule",)),
    "dynamodb": Source(
        "DynamoDB stream records",
        "DynamoDBStreamEvent",
        lambda given: {"Records": [_dynamodb_record(given)]},
        ("new-image", "keys", "event-name"),
        _one("Records"),
    ),
    "kinesis": Source(
        "Kinesis data stream records",
        "KinesisStreamEvent",
        lambda given: {"Records": [_kinesis_record(given)]},
        ("data", "partition-key"),
        _one("Records"),
    ),
    "firehose": Source(
        "Data Firehose transformation records",
        "KinesisFirehoseEvent",
        _firehose,
        ("data",),
        _one("records"),
    ),
    "kafka": Source(
        "Amazon MSK records",
        "KafkaEvent",
        _kafka(False),
        ("data", "key", "topic"),
        _kafka_records,
    ),
    "kafka-self-managed": Source(
        "self-managed Apache Kafka records",
        "KafkaEvent",
        _kafka(True),
        ("data", "key", "topic"),
        _kafka_records,
    ),
    "cloudwatch-logs": Source(
        "CloudWatch Logs subscription",
        "CloudWatchLogsEvent",
        _cloudwatch_logs,
        ("message", "log-group"),
    ),
    "cloudformation": Source(
        "CloudFormation custom resource request",
        "CloudFormationCustomResourceEvent",
        _cloudformation,
        ("request-type",),
    ),
    "cognito-pre-signup": Source(
        "Cognito pre sign-up trigger",
        "CognitoPreSignUpEvent",
        _cognito("PreSignUp_SignUp", validationData={}),
        _COGNITO,
    ),
    "cognito-post-confirmation": Source(
        "Cognito post confirmation trigger",
        "CognitoPostConfirmationEvent",
        _cognito("PostConfirmation_ConfirmSignUp"),
        _COGNITO,
    ),
    "cognito-pre-authentication": Source(
        "Cognito pre authentication trigger",
        "CognitoPreAuthenticationEvent",
        _cognito("PreAuthentication_Authentication", validationData={}),
        _COGNITO,
    ),
    "cognito-post-authentication": Source(
        "Cognito post authentication trigger",
        "CognitoPostAuthenticationEvent",
        _cognito("PostAuthentication_Authentication", newDeviceUsed=False),
        _COGNITO,
    ),
    "cognito-pre-token-generation": Source(
        "Cognito pre token generation trigger",
        "CognitoPreTokenGenerationEvent",
        _cognito(
            "TokenGeneration_Authentication",
            groupConfiguration={
                "groupsToOverride": [],
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
        ),
        _COGNITO,
    ),
    "cognito-custom-message": Source(
        "Cognito custom message trigger",
        "CognitoCustomMessageEvent",
        _cognito(
            "CustomMessage_SignUp",
            codeParameter="{####}",
            linkParameter="{##Click Here##}",
            usernameParameter=None,
        ),
        _COGNITO,
    ),
}


def sample(name: str, settings: list[tuple[str, str]] | None = None, records: int = 1) -> Any:
    """The sample event of source `name`, with `settings` ((PATH or shortcut, VALUE)
    pairs) applied; ValueError (one line) for an unknown source or a bad setting."""
    if name not in SOURCES:
        close = difflib.get_close_matches(name, SOURCES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown event source {name!r}{hint}: `event` alone lists them")
    source = SOURCES[name]
    given: Given = {}
    paths: list[tuple[str, str]] = []
    for key, value in settings or []:
        if key in source.aliases:  # a shortcut wins over a top-level field of that name
            given[key] = value
        else:
            paths.append((key, value))
    event = source.build(given)
    if records > 1:
        if source.records is None:
            raise ValueError(f"--records: {name} events carry one record")
        batch = source.records(event)
        for _ in range(records - 1):  # each with its own ids, as a real batch
            batch.append(source.records(source.build(given))[0])
        if name.startswith("kafka"):
            for offset, record in enumerate(batch, start=batch[0]["offset"]):
                record["offset"] = offset
    model = _model(source.model)
    for path, value in paths:
        _set(event, path, value, model)
    try:
        _check(event, model)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:  # one line, "- at `$.x`"
        raise ValueError(
            f"bad --set value: the event does not decode as {source.model}: {exc}"
        ) from None
    return event


def _model(name: str) -> Any:
    import minlambda.events

    return getattr(minlambda.events, name)


def _check(event: Any, model: Any) -> None:
    import minlambda.events

    minlambda.events.decode(json.dumps(event), model)


# -- --set PATH=VALUE ---------------------------------------------------------------------


# the model types a field left out may be started as an object for
_OBJECTS: Final = (mi.StructType, mi.DictType, mi.TypedDictType, mi.DataclassType, mi.AnyType)


def _set(event: Any, path: str, value: str, model: Any) -> None:
    """Set the field at dotted `path` (list indexes as numbers) to `value`: as text
    where the field holds a string, else parsed as JSON. A field the event leaves out
    (or holds null) may be set where the model has it; it is then text where the
    model takes a string."""
    parts = path.split(".")
    kind: mi.Type | None = mi.type_info(model)
    node = event
    for depth, part in enumerate(parts):
        where = ".".join(parts[: depth + 1])
        last = depth == len(parts) - 1
        kind = _member(kind, part) if kind is not None else None
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"bad --set path {path!r}: no item {where} ({len(node)} items)")
            key: Any = int(part)
        elif isinstance(node, dict):
            if part not in node and kind is None:
                raise ValueError(f"bad --set path {path!r}: no field {where}")
            key = part
        else:
            above = ".".join(parts[:depth])
            raise ValueError(f"bad --set path {path!r}: {above} holds a value, not fields")
        current = node[key] if isinstance(node, list) or key in node else None
        if last:
            node[key] = _value(value, current, kind, path)
            return
        if current is None:  # a field left out or null: start it where the model has one
            if not _takes(kind, _OBJECTS):
                raise ValueError(f"bad --set path {path!r}: no field {where}")
            node[key] = current = {}
        node = current


def _value(value: str, current: Any, kind: mi.Type | None, path: str) -> Any:
    if isinstance(current, str) or (current is None and _takes(kind, (mi.StrType,))):
        return value
    try:
        return json.loads(value)
    except ValueError:
        if current is None and _takes(kind, (mi.AnyType,)):  # free-form: a bare word is text
            return value
        held = "null" if current is None else type(current).__name__
        raise ValueError(
            f"bad --set value for {path}: {value!r} is not JSON (the field holds {held})"
        ) from None


def _member(kind: mi.Type, part: str) -> mi.Type | None:
    """The type the model gives `part` of a value of type `kind`; None if it has none."""
    if isinstance(kind, mi.Metadata):
        kind = kind.type
    if isinstance(kind, mi.UnionType):
        found = [t for t in (_member(t, part) for t in kind.types) if t is not None]
        return found[0] if found else None
    if isinstance(kind, (mi.StructType, mi.TypedDictType, mi.DataclassType)):
        return next((f.type for f in kind.fields if f.encode_name == part), None)
    if isinstance(kind, mi.DictType):
        return kind.value_type
    if isinstance(kind, (mi.ListType, mi.VarTupleType)) and part.isdigit():
        return kind.item_type
    if isinstance(kind, mi.AnyType):  # the user's payload, free-form JSON: anything goes
        return kind
    return None


def _takes(kind: mi.Type | None, types: tuple[type[mi.Type], ...]) -> bool:
    """Whether a field of type `kind` may hold one of `types` (Any holds anything)."""
    if isinstance(kind, mi.Metadata):
        kind = kind.type
    if isinstance(kind, mi.UnionType):
        return any(_takes(t, types) for t in kind.types)
    return isinstance(kind, types)


# -- the command --------------------------------------------------------------------------


def _listing() -> str:
    width = max(len(name) for name in SOURCES)
    lines = ["Sources (python -m minlambda event SOURCE [--set PATH=VALUE ...]):"]
    for name, source in SOURCES.items():
        shortcuts = f"  --set {', '.join(source.aliases)}" if source.aliases else ""
        batch = "  --records N" if source.records is not None else ""
        lines.append(f"  {name:<{width}}  {source.what} ({source.model}){shortcuts}{batch}")
    return "\n".join(lines) + "\n"


# the largest batch any source delivers (SQS, Kinesis, DynamoDB streams, Kafka)
MAX_RECORDS = 10_000


def main(args: list[str]) -> int:
    from minlambda._cli import usage_parser

    parser = usage_parser(
        "event",
        description="Print a sample event of SOURCE as JSON, decodable by its "
        "minlambda.events model (pipe it into `python -m minlambda invoke HANDLER`); "
        "`event` alone lists the sources.",
    )
    parser.add_argument("source", nargs="?", help="the event source (see the list)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="set a field (repeatable): one of the source's shortcuts (body, message, "
        "key, data, path...: the list shows them) or a dotted PATH into the event "
        "(Records.0.body, requestContext.http.method); VALUE is taken as text where "
        "the field holds a string, else parsed as JSON",
    )
    parser.add_argument(
        "--records",
        type=int,
        default=1,
        metavar="N",
        help="N records in a batch event (sqs, dynamodb, kinesis, firehose, kafka)",
    )
    options = parser.parse_args(args)
    if options.source is None:
        sys.stdout.write(_listing())
        return 0
    settings: list[tuple[str, str]] = []
    for item in options.set:
        key, equals, value = item.partition("=")
        if not equals or not key:
            sys.stderr.write(f"minlambda: bad --set {item!r}: use PATH=VALUE\n")
            return 2
        settings.append((key, value))
    if not 1 <= options.records <= MAX_RECORDS:
        sys.stderr.write(
            f"minlambda: --records must be 1 to {MAX_RECORDS}, got {options.records}\n"
        )
        return 2
    try:
        event = sample(options.source, settings, options.records)
    except ValueError as exc:
        sys.stderr.write(f"minlambda: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(event, indent=2) + "\n")
    return 0
