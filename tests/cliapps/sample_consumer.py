"""A handler typed with the minlambda.events model named by SAMPLE_MODEL, for piping
`python -m minlambda event SOURCE` into `python -m minlambda invoke`. It answers with
the part of the decoded event a test cares about (the body, the message, the key...),
so a test sees that what it set on the command line reached the handler's fields."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import minlambda.events as events
from minlambda import lambda_handler

NAME = os.environ.get("SAMPLE_MODEL", "SQSEvent")
# the base64 payloads decoded for us: the handler gets the bytes the producer sent
BYTES = ("KinesisStreamEvent", "KinesisFirehoseEvent", "KafkaEvent")
MODEL: Any = getattr(events, NAME)[bytes] if NAME in BYTES else getattr(events, NAME)


def _http_v2(event: Any) -> Any:
    return [event.request_context.http.method, event.raw_path, event.body]


SEEN: dict[str, Callable[[Any], Any]] = {
    "APIGatewayProxyEvent": lambda e: [e.http_method, e.path, e.body],
    "APIGatewayProxyEventV2": _http_v2,
    "LambdaFunctionUrlEvent": _http_v2,
    "ALBEvent": lambda e: [e.http_method, e.path, e.body],
    "APIGatewayAuthorizerTokenEvent": lambda e: e.authorization_token,
    "APIGatewayAuthorizerRequestEvent": lambda e: [e.http_method, e.path, e.headers],
    "APIGatewayAuthorizerEventV2": lambda e: [e.identity_source, e.raw_path],
    "SQSEvent": lambda e: [r.body for r in e.records],
    "SNSEvent": lambda e: [e.records[0].sns.message, e.records[0].sns.subject],
    "S3Event": lambda e: [e.records[0].s3.bucket.name, e.records[0].s3.object.key],
    "EventBridgeEvent": lambda e: [e.source, e.detail_type, e.detail, e.resources],
    "DynamoDBStreamEvent": lambda e: [r.dynamodb.new_image for r in e.records],
    "KinesisStreamEvent": lambda e: [r.kinesis.data.decode() for r in e.records],
    "KinesisFirehoseEvent": lambda e: [r.data.decode() for r in e.records],
    "KafkaEvent": lambda e: [r.value.decode() for rs in e.records.values() for r in rs],
    "CloudWatchLogsEvent": lambda e: [line.message for line in e.decode().log_events],
    "CloudFormationCustomResourceEvent": lambda e: e.request_type,
}


@lambda_handler(event=MODEL)
def handler(event: Any) -> dict[str, Any]:
    seen = SEEN.get(NAME, lambda e: e.user_name)(event)  # the Cognito triggers
    return {"model": type(event).__name__, "seen": seen}
