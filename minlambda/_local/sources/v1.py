# Payload format 1.0 of an API Gateway REST API's Lambda proxy integration (`apigw-v1`):
# the request as the event the REST API would send, the result as its response.
#
# Sources of truth, and what we took from each:
#   - API Gateway developer guide, "Set up Lambda proxy integrations in API Gateway"
#     (input and output formats, the `{proxy+}` greedy resource): the event's shape;
#     `headers` and `queryStringParameters` with the last of repeated values,
#     `multiValueHeaders` and `multiValueQueryStringParameters` with all of them, names
#     as sent; a result's `headers` and `multiValueHeaders` merged; any other result a
#     502 {"message": "Internal server error"} ("Handling Lambda errors with an API
#     Gateway API", Lambda developer guide, which also gives that body for a function
#     error), as is a result with keys of its own (a `cookies` of payload 2.0:
#     anomalyco/sst#2760, unjs/nitro#544, fujiwara/ridge#25) or a body not a string.
#   - Real events (tests/events/apiGatewayProxyEvent_noVersionAuth.json): the keys of a
#     REST API's event, without the `version` an HTTP API's payload 1.0 adds; absent maps
#     are null, as is the body of a request without one.
#   - Captures published with other emulators' fixes: `path` keeps the client's
#     percent-encoding, path parameters and query parameters are decoded
#     (localstack/localstack#7728); a body is base64 only when its Content-Type is one
#     of the API's binaryMediaTypes, and a base64 result is decoded only then
#     (ministackorg/ministack#767). We serve an API whose binaryMediaTypes are every
#     type that is not text (text as in v2.py): text comes as text, anything else as
#     base64, and a result with isBase64Encoded is decoded.
#   - A result without Content-Type gets application/json, a null one gets none
#     (aws/aws-sam-cli#1218); a request that outlives the integration timeout (29 s)
#     gets 504 {"message": "Endpoint request timed out"}, which is what a timeout gets
#     here (a function that times out sooner is a function error, a 502, on the
#     platform; minlambda answers every timeout with a 504, so that one is told from an
#     error at a glance).
#
# Locally the emulator stands for a custom domain name mapped to the API's stage at its
# root, so the stage is not in the path: an `ANY /{proxy+}` method (`resource`
# "/{proxy+}", `pathParameters` {"proxy": "orders/42"}) and an `ANY /` one for the root
# path, on the stage "local".
from __future__ import annotations

import base64
import hashlib
import urllib.parse
from typing import Any, Final

from minlambda._local.sources import Request, Response
from minlambda._local.sources.v2 import (
    ACCOUNT_ID,
    Malformed,
    body_bytes,
    clf_time,
    domain_of,
    encode_body,
    epoch_ms,
    header_fields,
    header_value,
    load_result,
    platform_headers,
    query_pairs,
    split_target,
    status_code,
)

__all__ = ["error", "event", "response"]

STAGE: Final = "local"
PROXY_RESOURCE: Final = "/{proxy+}"
_RESOURCE_IDS: Final = {"/": "rootid", PROXY_RESOURCE: "proxid"}
_RESULT_KEYS: Final = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
)


def event(request: Request) -> dict[str, Any]:
    """The REST API proxy event for `request`."""
    raw_path, raw_query = split_target(request.target)
    multi_headers: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}  # a header's name as it was first sent
    for name, value in platform_headers(request):
        multi_headers.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs(raw_query):
        multi_query.setdefault(name, []).append(value)
    resource = "/" if raw_path == "/" else PROXY_RESOURCE
    domain, prefix = domain_of(request)
    body, encoded = None, False
    if request.body:
        body, encoded = encode_body(request.body, header_value(request.headers, "content-type"))
    return {
        "resource": resource,
        "path": raw_path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": (
            {"proxy": urllib.parse.unquote(raw_path[1:])} if resource == PROXY_RESOURCE else None
        ),
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": prefix,
            "domainName": domain,
            "domainPrefix": prefix,
            "extendedRequestId": _extended_id(request.request_id),
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.source_ip,
                "user": None,
                "userAgent": header_value(request.headers, "user-agent"),
                "userArn": None,
            },
            "path": raw_path,
            "protocol": request.protocol,
            "requestId": request.request_id,
            "requestTime": clf_time(request.time),
            "requestTimeEpoch": epoch_ms(request.time),
            "resourceId": _RESOURCE_IDS[resource],
            "resourcePath": resource,
            "stage": STAGE,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def response(payload: bytes, *, source: str = "apigw-v1") -> Response:
    """The HTTP response for the function's result, as the REST API makes it (`source`
    is for a call that is the same for every source)."""
    try:
        result = load_result(payload)
        unknown = sorted(set(result) - _RESULT_KEYS)
        if unknown:
            raise Malformed(f"unexpected key {unknown[0]!r}")
        status = status_code(result)
        fields, given = header_fields(result.get("headers"), result.get("multiValueHeaders"))
        body = body_bytes(result)
    except Malformed as exc:
        answer = error("error")
        answer.note = f"Malformed Lambda proxy response: {exc}"
        return answer
    if "content-type" not in given:
        fields.append(("Content-Type", "application/json"))
    return Response(status, fields, body)


def error(kind: str, *, source: str = "apigw-v1") -> Response:
    """What the REST API answers when the invocation failed ("error") or timed out (its
    answer when the function outlives the integration's 29 s)."""
    if kind == "timeout":
        return Response(
            504,
            [("Content-Type", "application/json")],
            b'{"message": "Endpoint request timed out"}',
        )
    return Response(
        502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
    )


def _extended_id(request_id: str) -> str:
    # the shape of API Gateway's own ids ("IDWwxFFxoAMEbkA="), derived from the request id
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()[:11]).decode()
