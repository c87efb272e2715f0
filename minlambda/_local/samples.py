# `python -m minlambda event SOURCE [--set PATH=VALUE ...]`: sample events.
#
# A realistic event for each common source, shaped as the real ones are (the samples
# in tests/events, captured from AWS, are the reference; SAM's `generate-event` and
# cargo-lambda's `--data-example` are what people expect of such a command): fresh
# request and message ids, the current time, ARNs in us-east-1 under account
# 123456789012. Every one decodes with its minlambda.events model (tests/
# test_event_command.py), so it can be piped into `python -m minlambda invoke`.
#
# The HTTP sources are built by the --http mode's own mappings (sources/): the event
# a request to `local --http` would make, for the path, method and body given.
from __future__ import annotations

import argparse
import base64
import difflib
import gzip
import json
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

__all__ = ["SOURCES", "main", "sample"]

REGION: Final = "us-east-1"
ACCOUNT: Final = "123456789012"
QUEUE: Final = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
TOPIC: Final = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"
TABLE: Final = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STREAM: Final = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/orders"
BODY: Final = '{"id": "o-1", "amount": 2}'


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso(ms: int | None = None) -> str:
    moment = datetime.fromtimestamp((ms if ms is not None else _now_ms()) / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- the HTTP sources ---------------------------------------------------------------------


def _http(source: str) -> Callable[[dict[str, str]], dict[str, Any]]:
    def build(given: dict[str, str]) -> dict[str, Any]:
        from minlambda._local.sources import Request
        from minlambda._local.sources import source as mapping

        body = given.get("body")
        method = given.get("method") or ("POST" if body is not None else "GET")
        headers = [("Host", "abcdefghij.example.com"), ("User-Agent", "curl/8.5.0")]
        headers.append(("Accept", "*/*"))
        if body is not None:
            kind = "application/json" if _is_json(body) else "text/plain"
            headers.append(("Content-Type", kind))
        request = Request(
            method=method.upper(),
            target=given.get("path", "/orders/o-1?expand=items"),
            headers=headers,
            body=(body or "").encode(),
            source_ip="203.0.113.7",
            request_id=str(uuid.uuid4()),
            time=time.time(),
            source=source,
        )
        event: dict[str, Any] = mapping(source).event(request)
        return event

    return build


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _authorizer_token(given: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "TOKEN",
        "authorizationToken": given.get("token", "Bearer allow"),
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/prod/GET/orders",
    }


def _authorizer_request(given: dict[str, str]) -> dict[str, Any]:
    event = _http("apigw-v1")(given)
    event["type"] = "REQUEST"
    event["methodArn"] = (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/prod/{event['httpMethod']}"
        f"{event['path']}"
    )
    token = given.get("token", "Bearer allow")
    event["headers"]["Authorization"] = token
    event["multiValueHeaders"]["Authorization"] = [token]
    event.pop("body", None)
    event.pop("isBase64Encoded", None)
    return event


def _authorizer_v2(given: dict[str, str]) -> dict[str, Any]:
    event = _http("apigw-v2")(given)
    token = given.get("token", "Bearer allow")
    event["type"] = "REQUEST"
    event["routeArn"] = (
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/$default/"
        f"{event['requestContext']['http']['method']}{event['rawPath']}"
    )
    event["identitySource"] = [token]
    event["headers"]["authorization"] = token
    for key in ("body", "isBase64Encoded"):
        event.pop(key, None)
    return event


# -- queues, topics, buckets, buses -------------------------------------------------------


def _sqs_record(given: dict[str, str]) -> dict[str, Any]:
    sent = _now_ms()
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "AQEB" + _b64(uuid.uuid4().hex * 2),
        "body": given.get("body", BODY),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(sent),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(sent + 3),
        },
        "messageAttributes": {},
        "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE,
        "awsRegion": REGION,
    }


def _sns(given: dict[str, str]) -> dict[str, Any]:
    message_id = str(uuid.uuid4())
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{TOPIC}:{uuid.uuid4()}",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": _iso(),
                    "Signature": _b64("EXAMPLE signature " + message_id),
                    "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/"
                    "SimpleNotificationService-0000000000000000000000.pem",
                    "MessageId": message_id,
                    "Message": given.get("message", BODY),
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/"
                    f"?Action=Unsubscribe&SubscriptionArn={TOPIC}:{uuid.uuid4()}",
                    "TopicArn": TOPIC,
                    "Subject": given.get("subject"),
                },
            }
        ]
    }


def _s3(given: dict[str, str]) -> dict[str, Any]:
    bucket = given.get("bucket", "orders-bucket")
    key = given.get("key", "incoming/order-1.json")
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
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": _b64(uuid.uuid4().hex * 2),
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
                        "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                        "sequencer": f"{_now_ms():X}",
                    },
                },
            }
        ]
    }


def _eventbridge(given: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": given.get("detail-type", "Order Placed"),
        "source": given.get("source", "com.example.orders"),
        "account": ACCOUNT,
        "time": _iso()[:19] + "Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(given.get("detail", BODY)),
    }


def _schedule(given: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": _iso()[:19] + "Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{given.get('rule', 'every-hour')}"],
        "detail": {},
    }


# -- streams ------------------------------------------------------------------------------


def _dynamodb_record(given: dict[str, str]) -> dict[str, Any]:
    keys = json.loads(given.get("keys", '{"id": {"S": "o-1"}}'))
    image = json.loads(given.get("new-image", '{"id": {"S": "o-1"}, "amount": {"N": "2"}}'))
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": given.get("event-name", "INSERT"),
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": str(_now_ms() * 1000),
            "SizeBytes": len(json.dumps(image)),
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": f"{TABLE}/stream/2026-01-01T00:00:00.000",
    }


def _kinesis_record(given: dict[str, str]) -> dict[str, Any]:
    sequence = f"{_now_ms():049d}"
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


def _firehose(given: dict[str, str]) -> dict[str, Any]:
    return {
        "invocationId": str(uuid.uuid4()),
        "deliveryStreamArn": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/orders",
        "region": REGION,
        "records": [
            {
                "recordId": f"{_now_ms():056d}",
                "approximateArrivalTimestamp": _now_ms(),
                "data": _b64(given.get("data", BODY)),
            }
        ],
    }


def _kafka(self_managed: bool) -> Callable[[dict[str, str]], dict[str, Any]]:
    def build(given: dict[str, str]) -> dict[str, Any]:
        topic = given.get("topic", "orders")
        event: dict[str, Any] = {
            "eventSource": "SelfManagedKafka" if self_managed else "aws:kafka",
            "bootstrapServers": "b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9092,"
            "b-2.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9092",
            "records": {
                f"{topic}-0": [
                    {
                        "topic": topic,
                        "partition": 0,
                        "offset": 15,
                        "timestamp": _now_ms(),
                        "timestampType": "CREATE_TIME",
                        "key": _b64(given.get("key", "o-1")),
                        "value": _b64(given.get("value", BODY)),
                        "headers": [{"source": list(b"orders-service")}],
                    }
                ]
            },
        }
        if not self_managed:
            event["eventSourceArn"] = (
                f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/orders/{uuid.uuid4()}-2"
            )
        return event

    return build


def _cloudwatch_logs(given: dict[str, str]) -> dict[str, Any]:
    now = _now_ms()
    data = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": given.get("log-group", "/aws/lambda/orders"),
        "logStream": "2026/01/01/[$LATEST]" + uuid.uuid4().hex,
        "subscriptionFilters": ["errors"],
        "logEvents": [
            {
                "id": f"{now:056d}",
                "timestamp": now,
                "message": given.get("message", "[ERROR] order o-1 failed"),
            }
        ],
    }
    packed = gzip.compress(json.dumps(data).encode())
    return {"awslogs": {"data": base64.b64encode(packed).decode()}}


def _cloudformation(given: dict[str, str]) -> dict[str, Any]:
    request = given.get("request-type", "Create")
    token = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-custom-resource"
    stack = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/orders/{uuid.uuid4()}"
    event: dict[str, Any] = {
        "RequestType": request,
        "ServiceToken": token,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
        + uuid.uuid4().hex,
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


def _cognito(trigger: str, **request: Any) -> Callable[[dict[str, str]], dict[str, Any]]:
    def build(given: dict[str, str]) -> dict[str, Any]:
        attributes = {
            "sub": str(uuid.uuid4()),
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
                "clientId": "1example23456789",
            },
            "request": {"userAttributes": attributes, **request},
            "response": {},
        }

    return build


# -- the table ----------------------------------------------------------------------------

Builder = Callable[[dict[str, str]], dict[str, Any]]

# name: (what it is, its minlambda.events model, builder, aliases for --set)
SOURCES: Final[dict[str, tuple[str, str, Builder, tuple[str, ...]]]] = {
    "apigw-v1": (
        "API Gateway REST API request (payload 1.0)",
        "APIGatewayProxyEvent",
        _http("apigw-v1"),
        ("path", "method", "body"),
    ),
    "apigw-v2": (
        "API Gateway HTTP API request (payload 2.0)",
        "APIGatewayProxyEventV2",
        _http("apigw-v2"),
        ("path", "method", "body"),
    ),
    "function-url": (
        "Lambda function URL request",
        "LambdaFunctionUrlEvent",
        _http("function-url"),
        ("path", "method", "body"),
    ),
    "alb": (
        "Application Load Balancer request",
        "ALBEvent",
        _http("alb"),
        ("path", "method", "body"),
    ),
    "apigw-authorizer-token": (
        "API Gateway TOKEN authorizer",
        "APIGatewayAuthorizerTokenEvent",
        _authorizer_token,
        ("token",),
    ),
    "apigw-authorizer-request": (
        "API Gateway REQUEST authorizer (REST API)",
        "APIGatewayAuthorizerRequestEvent",
        _authorizer_request,
        ("path", "method", "token"),
    ),
    "apigw-v2-authorizer": (
        "API Gateway HTTP API Lambda authorizer (payload 2.0)",
        "APIGatewayAuthorizerEventV2",
        _authorizer_v2,
        ("path", "method", "token"),
    ),
    "sqs": ("SQS messages", "SQSEvent", lambda g: {"Records": [_sqs_record(g)]}, ("body",)),
    "sns": ("SNS notification", "SNSEvent", _sns, ("message", "subject")),
    "s3": ("S3 object notification", "S3Event", _s3, ("bucket", "key", "event-name")),
    "eventbridge": (
        "EventBridge event",
        "EventBridgeEvent",
        _eventbridge,
        ("detail", "detail-type", "source"),
    ),
    "schedule": ("EventBridge scheduled event", "EventBridgeEvent", _schedule, ("rule",)),
    "dynamodb": (
        "DynamoDB stream records",
        "DynamoDBStreamEvent",
        lambda g: {"Records": [_dynamodb_record(g)]},
        ("keys", "new-image", "event-name"),
    ),
    "kinesis": (
        "Kinesis data stream records",
        "KinesisStreamEvent",
        lambda g: {"Records": [_kinesis_record(g)]},
        ("data", "partition-key"),
    ),
    "firehose": (
        "Data Firehose transformation records",
        "KinesisFirehoseEvent",
        _firehose,
        ("data",),
    ),
    "kafka": ("Amazon MSK records", "KafkaEvent", _kafka(False), ("value", "key", "topic")),
    "kafka-self-managed": (
        "self-managed Apache Kafka records",
        "KafkaEvent",
        _kafka(True),
        ("value", "key", "topic"),
    ),
    "cloudwatch-logs": (
        "CloudWatch Logs subscription",
        "CloudWatchLogsEvent",
        _cloudwatch_logs,
        ("message", "log-group"),
    ),
    "cloudformation": (
        "CloudFormation custom resource request",
        "CloudFormationCustomResourceEvent",
        _cloudformation,
        ("request-type",),
    ),
    "cognito-pre-signup": (
        "Cognito pre sign-up trigger",
        "CognitoPreSignUpEvent",
        _cognito("PreSignUp_SignUp", validationData={}),
        ("username", "email"),
    ),
    "cognito-post-confirmation": (
        "Cognito post confirmation trigger",
        "CognitoPostConfirmationEvent",
        _cognito("PostConfirmation_ConfirmSignUp"),
        ("username", "email"),
    ),
    "cognito-pre-authentication": (
        "Cognito pre authentication trigger",
        "CognitoPreAuthenticationEvent",
        _cognito("PreAuthentication_Authentication", validationData={}),
        ("username", "email"),
    ),
    "cognito-post-authentication": (
        "Cognito post authentication trigger",
        "CognitoPostAuthenticationEvent",
        _cognito("PostAuthentication_Authentication", newDeviceUsed=False),
        ("username", "email"),
    ),
    "cognito-pre-token-generation": (
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
        ("username", "email"),
    ),
    "cognito-custom-message": (
        "Cognito custom message trigger",
        "CognitoCustomMessageEvent",
        _cognito(
            "CustomMessage_SignUp",
            codeParameter="{####}",
            linkParameter="{##Click Here##}",
            usernameParameter=None,
        ),
        ("username", "email"),
    ),
}

# the batch sources, and where a record sits in their events (--records N)
_RECORDS: Final = {
    "sqs": ("Records",),
    "dynamodb": ("Records",),
    "kinesis": ("Records",),
    "firehose": ("records",),
}


def sample(name: str, settings: list[tuple[str, str]] | None = None, records: int = 1) -> Any:
    """The sample event of source `name`, with `settings` ((PATH or alias, VALUE)
    pairs) applied; ValueError for an unknown source or a bad setting."""
    if name not in SOURCES:
        close = difflib.get_close_matches(name, SOURCES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown event source {name!r}{hint}: `event` alone lists them")
    _, _, build, aliases = SOURCES[name]
    given: dict[str, str] = {}
    paths: list[tuple[str, str]] = []
    for key, value in settings or []:
        if key in aliases:
            given[key] = value
        else:
            paths.append((key, value))
    try:
        event = build(given)
    except ValueError as exc:  # a --set detail/keys that is not JSON
        raise ValueError(f"bad --set value: {exc}") from None
    if records > 1:
        if name not in _RECORDS:
            raise ValueError(f"--records: {name} events carry one record")
        (key,) = _RECORDS[name]
        event[key] = [event[key][0]] + [build(given)[key][0] for _ in range(records - 1)]
    for path, value in paths:
        _set(event, path, value)
    return event


def _set(event: Any, path: str, value: str) -> None:
    """Set the field at dotted `path` (list indexes as numbers) to `value`: as text
    where the field holds a string (or nothing yet), else parsed as JSON."""
    parts = path.split(".")
    node = event
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"bad --set path {path!r}: no item {where}")
            key: Any = int(part)
        elif isinstance(node, dict):
            if part not in node and not last:
                raise ValueError(f"bad --set path {path!r}: no field {where}")
            key = part
        else:
            raise ValueError(f"bad --set path {path!r}: {'.'.join(parts[:depth])} is a value")
        if last:
            current = node[key] if isinstance(node, list) or key in node else None
            if current is None or isinstance(current, str):
                node[key] = value
            else:
                try:
                    node[key] = json.loads(value)
                except ValueError:
                    raise ValueError(
                        f"bad --set value for {path}: {value!r} is not JSON "
                        f"(the field holds {type(current).__name__})"
                    ) from None
            return
        node = node[key]


def _listing() -> str:
    width = max(len(name) for name in SOURCES)
    lines = ["Sources (python -m minlambda event SOURCE [--set PATH=VALUE ...]):"]
    for name, (what, model, _, aliases) in SOURCES.items():
        sets = f"  --set {', '.join(aliases)}" if aliases else ""
        lines.append(f"  {name:<{width}}  {what} ({model}){sets}")
    return "\n".join(lines) + "\n"


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m minlambda event",
        description="Print a sample event of SOURCE, decodable by its minlambda.events "
        "model; `event` alone lists the sources.",
    )
    parser.add_argument("source", nargs="?", help="the event source (see the list)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="set a field: a dotted PATH (Records.0.body) or one of the source's "
        "shortcuts (body, message, key...); VALUE is text where the field holds a "
        "string, else JSON",
    )
    parser.add_argument(
        "--records", type=int, default=1, help="records in a batch event (sqs, kinesis...)"
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
    if options.records < 1:
        sys.stderr.write("minlambda: --records must be at least 1\n")
        return 2
    try:
        event = sample(options.source, settings, options.records)
    except ValueError as exc:
        sys.stderr.write(f"minlambda: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(event, indent=2) + "\n")
    return 0
