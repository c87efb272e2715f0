# An Application Load Balancer's Lambda target group (`alb`): the request as the event
# the load balancer would send, the result as its response.
#
# Sources of truth, and what we took from each:
#   - Elastic Load Balancing guide, "Lambda functions as targets" (receive events,
#     respond, multi-value headers): header names lower-cased; a body is text for
#     text/*, application/json, application/javascript and application/xml, base64 for
#     anything else; query parameters passed without decoding; without multi-value
#     headers, a repeated header or query key gives its last value and only `headers`
#     and `queryStringParameters` come (and a result's `headers` is read), with them only
#     `multiValueHeaders` and `multiValueQueryStringParameters` (and a result's
#     `multiValueHeaders` is read); a result needs an integer statusCode.
#   - Its "Troubleshoot your Application Load Balancers": a function that fails or gives
#     a result the load balancer cannot use is a 502. So is one that runs past its own
#     timeout, but minlambda answers every timeout with a 504, so that one is told from
#     an error at a glance: the load balancer's 504, which it gives when Lambda does not
#     answer in time.
#   - Real events (tests/events/albEvent.json, albMultiValueHeadersEvent.json): the
#     keys; an empty body is "", empty maps are {}.
#   - Reports of the real thing: the path is passed as sent (middleapi/standard-server#93);
#     a result without Content-Type goes out as application/octet-stream, and one that
#     gives only multiValueHeaders to a target group without multi-value headers loses
#     them (CodeGenieApp/serverless-express#435, aws/serverless-java-container#347);
#     with multi-value headers on, a result with only `headers` is "not in the expected
#     format"; the 502 and 504 are the load balancer's own HTML pages (text/html,
#     awselb/2.0).
#
# Multi-value headers are a target group attribute (lambda.multi_value_headers.enabled),
# off by default. The source "alb" is a target group without them; the source name
# MULTI_VALUE ("alb-multi-value") is one with them, read from `request.source` for the
# event and from the `source` keyword for results.
from __future__ import annotations

from typing import Any, Final

from minlambda._local.sources import Request, Response
from minlambda._local.sources.v2 import (
    ACCOUNT_ID,
    Malformed,
    body_bytes,
    encode_body,
    header_fields,
    header_value,
    load_result,
    platform_headers,
    query_pairs,
    split_target,
    status_code,
)

__all__ = ["MULTI_VALUE", "error", "event", "response"]

MULTI_VALUE: Final = "alb-multi-value"
TARGET_GROUP_ARN: Final = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT_ID}:targetgroup/minlambda/0123456789abcdef"
)
_PAGE: Final = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n"
    "<center><h1>{0}</h1></center>\r\n</body>\r\n</html>\r\n"
)


def event(request: Request) -> dict[str, Any]:
    """The load balancer's event for `request`."""
    raw_path, raw_query = split_target(request.target)
    headers = [(name.lower(), value) for name, value in platform_headers(request)]
    query = query_pairs(raw_query, decode=False)
    result: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": request.method,
        "path": raw_path,
    }
    if request.source == MULTI_VALUE:
        result["multiValueQueryStringParameters"] = _grouped(query)
        result["multiValueHeaders"] = _grouped(headers)
    else:
        result["queryStringParameters"] = dict(query)  # the last value of a repeated key
        result["headers"] = dict(headers)
    body, encoded = "", False
    if request.body:
        body, encoded = encode_body(request.body, header_value(headers, "content-type"))
    result["body"] = body
    result["isBase64Encoded"] = encoded
    return result


def response(payload: bytes, *, source: str = "alb") -> Response:
    """The HTTP response for the function's result, as the load balancer makes it."""
    note = ""
    try:
        result = load_result(payload)
        status = status_code(result)
        if source == MULTI_VALUE:
            if "multiValueHeaders" not in result and "headers" in result:
                raise Malformed("multi-value headers are on: give multiValueHeaders, not headers")
            fields, given = header_fields(None, result.get("multiValueHeaders"))
        else:
            fields, given = header_fields(result.get("headers"), None)
            if result.get("multiValueHeaders"):
                note = "multiValueHeaders ignored: multi-value headers are off, give headers"
        body = body_bytes(result)
    except Malformed as exc:
        answer = error("error")
        answer.note = f"The response from the Lambda function is not in the expected format: {exc}"
        return answer
    if "content-type" not in given:
        fields.append(("Content-Type", "application/octet-stream"))
    return Response(status, fields, body, note)


def error(kind: str, *, source: str = "alb") -> Response:
    """What the load balancer answers when the invocation failed ("error") or timed out."""
    status, title = (504, "504 Gateway Time-out") if kind == "timeout" else (502, "502 Bad Gateway")
    page = _PAGE.format(title).encode()
    return Response(status, [("Content-Type", "text/html"), ("Server", "awselb/2.0")], page)


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped
