# Payload format 2.0: Lambda function URLs (`function-url`) and API Gateway HTTP APIs
# (`apigw-v2`). The request becomes the event the platform would send, the function's
# result the response it would give; `request.source`, and the `source` keyword of
# response() and error(), say which of the two.
#
# Sources of truth, and what we took from each:
#   - Lambda developer guide, "Invoking Lambda function URLs" (request and response
#     payloads, cookies) and API Gateway developer guide, "Working with AWS Lambda proxy
#     integrations for HTTP APIs": the event's shape; repeated headers and query keys
#     joined with commas; Cookie headers split into `cookies`; a result without
#     `statusCode` is a 200 application/json response whose body is the result's JSON,
#     quotes and all for a string (the function URL guide's "Hello, world!" example).
#   - Real events (tests/events/lambdaFunctionUrlEvent.json, a capture): header names
#     lower-cased; keys with nothing to say (cookies, queryStringParameters, body,
#     pathParameters, stageVariables, authorizer, authentication) left out.
#   - Captures published with other emulators' fixes: a function URL passes the path as
#     sent, an HTTP API decodes it (middleapi/standard-server#93); rawQueryString stays
#     percent-encoded (ministackorg/ministack#1035); a body is text only for text/*,
#     application/json, application/javascript and application/xml, anything else
#     (no Content-Type, x-www-form-urlencoded) is base64 (ministackorg/ministack#766).
#   - Defaults and errors, from reports of the real thing: a result without Content-Type
#     gets application/json from a function URL (aws/aws-lambda-go#508) and text/plain;
#     charset=utf-8 from an HTTP API; a function error, a timed-out function included,
#     is a 502 "Internal Server Error" from a function URL (awslabs/aws-lambda-cpp#200)
#     and a 500 {"message":"Internal Server Error"} from an HTTP API (denoland/
#     deno_registry2#87), which sends its errors without a Content-Type
#     (cortexlabs/cortex#1225).
#
# Timeouts: neither source answers a function that ran out of time with a 504 (a
# function URL gives the 502 above, an HTTP API the 500 above, or a 503
# {"message":"Service Unavailable"} when its own 30 s integration timeout comes first),
# but minlambda answers every timeout with a 504, so that one is told from an error at
# a glance, with the body the source gives a timed-out function.
#
# Locally the emulator stands for the API's own domain: domainName is the Host header,
# the API id its first label, the stage "$default" and the route the catch-all
# "$default". The X-Forwarded-* headers the platform adds say what the local
# connection was (plain http, the emulator's port).
#
# The helpers below the first line of dashes are shared with v1.py and alb.py.
from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import time
import urllib.parse
from typing import Any, Final

from minlambda._local.sources import DEFAULT_SOURCE, Request, Response

__all__ = ["error", "event", "response"]

HTTP_API: Final = "apigw-v2"
# the function's account, as in the emulator's function ARN
ACCOUNT_ID: Final = "012345678912"


def event(request: Request) -> dict[str, Any]:
    """The payload 2.0 event for `request`, as a function URL or an HTTP API sends it."""
    raw_path, raw_query = split_target(request.target)
    # an HTTP API decodes the path, a function URL passes it as sent
    path = urllib.parse.unquote(raw_path) if request.source == HTTP_API else raw_path
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in platform_headers(request):
        name = name.lower()
        if name == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    parameters: dict[str, str] = {}
    for name, value in query_pairs(raw_query):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    domain, prefix = domain_of(request)
    result: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
    }
    if cookies:
        result["cookies"] = cookies
    result["headers"] = headers
    if parameters:
        result["queryStringParameters"] = parameters
    result["requestContext"] = {
        # "anonymous" is what a function URL without IAM auth sends
        "accountId": ACCOUNT_ID if request.source == HTTP_API else "anonymous",
        "apiId": prefix,
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method,
            "path": path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request.request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": clf_time(request.time),
        "timeEpoch": epoch_ms(request.time),
    }
    if request.body:
        result["body"], result["isBase64Encoded"] = encode_body(
            request.body, headers.get("content-type")
        )
    else:
        result["isBase64Encoded"] = False
    return result


def response(payload: bytes, *, source: str = DEFAULT_SOURCE) -> Response:
    """The HTTP response for the function's result, as `source` makes it."""
    try:
        result = json.loads(payload)
    except ValueError:
        return _malformed(source, "the result is not JSON")
    if not isinstance(result, dict) or "statusCode" not in result:
        # no statusCode: a 200 whose body is the result's JSON as the function gave it
        return Response(200, [("Content-Type", "application/json")], payload)
    try:
        status = status_code(result)
        fields, given = header_fields(result.get("headers"), None)
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise Malformed("cookies must be a list of strings")
        body = body_bytes(result)
    except Malformed as exc:
        return _malformed(source, str(exc))
    if "content-type" not in given:
        default = "text/plain; charset=utf-8" if source == HTTP_API else "application/json"
        fields.append(("Content-Type", default))
    fields += [("Set-Cookie", cookie) for cookie in cookies]
    return Response(status, fields, body)


def error(kind: str, *, source: str = DEFAULT_SOURCE) -> Response:
    """What `source` answers when the invocation failed ("error") or timed out (the
    platform's answer to a function error, with the status 504 for a timeout)."""
    if source == HTTP_API:
        # its errors come without a Content-Type; one report has a function error as a
        # 500, the contract (API.md: "502 for API Gateway") makes it a 502 like REST's
        answer = Response(502, [], b'{"message":"Internal Server Error"}')
    else:
        answer = Response(502, [("Content-Type", "application/json")], b"Internal Server Error")
    if kind == "timeout":
        answer.status = 504
    return answer


def _malformed(source: str, why: str) -> Response:
    answer = error("error", source=source)
    answer.note = f"malformed result: {why}"
    return answer


# -- shared with v1.py and alb.py --------------------------------------------------------

# The media types whose bodies the platform passes as text (the ALB guide lists the same
# ones); any other body, or one without a Content-Type, comes base64-encoded.
TEXT_TYPES: Final = frozenset({"application/json", "application/javascript", "application/xml"})
_MONTHS: Final = tuple("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())
_JSON_KINDS: Final = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


class Malformed(Exception):
    """A result the source cannot turn into a response; the message says why."""


def split_target(target: str) -> tuple[str, str]:
    """The path and the raw query string of a request target, percent-encoding kept."""
    if not target.startswith("/"):  # absolute-form, as a proxy sends it
        parts = urllib.parse.urlsplit(target)
        target = parts.path + ("?" + parts.query if parts.query else "")
    path, _, query = target.partition("?")
    return path or "/", query


def query_pairs(query: str, *, decode: bool = True) -> list[tuple[str, str]]:
    """The name=value pairs of a raw query string in order, percent-decoded if `decode`
    ("+" stays a "+": the gateways decode percent-escapes only)."""
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            if decode:
                name, value = urllib.parse.unquote(name), urllib.parse.unquote(value)
            pairs.append((name, value))
    return pairs


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    """The last value of a header, by its name in lower case (names are case-insensitive)."""
    found = None
    for key, value in headers:
        if key.lower() == name:
            found = value
    return found


def platform_headers(request: Request) -> list[tuple[str, str]]:
    """The request's header fields with those the platform adds: X-Forwarded-For (the
    client's address after any the client sent), -Proto and -Port (here: plain http
    on the emulator's port), and a Host if the client sent none."""
    host = header_value(request.headers, "host")
    own = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port")
    fields = [(n, v) for n, v in request.headers if n.lower() not in own]
    if host is None:
        host = request.host
        fields.append(("Host", host))
    sent = [v for n, v in request.headers if n.lower() == "x-forwarded-for"]
    try:
        port = urllib.parse.urlsplit("//" + host).port or 80
    except ValueError:  # not a number: the platform's Host is never like that
        port = 80
    fields.append(("X-Forwarded-For", ", ".join([*sent, request.source_ip])))
    fields.append(("X-Forwarded-Proto", "http"))
    fields.append(("X-Forwarded-Port", str(port)))
    return fields


def domain_of(request: Request) -> tuple[str, str]:
    """The domain name the request came to (its Host) and that name's first label,
    which the platform's own domains make the API's id (an IP address stays whole)."""
    host = header_value(request.headers, "host") or request.host
    name = urllib.parse.urlsplit("//" + host).hostname or host
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return host, name.split(".", 1)[0]
    return host, name


def encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """The event's body and isBase64Encoded: text for a text type, base64 otherwise."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith("text/") or media in TEXT_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # not UTF-8 after all: base64 keeps every byte
    return base64.b64encode(body).decode("ascii"), True


def clf_time(when: float) -> str:
    """A time as the gateways write it: "12/Mar/2020:19:03:58 +0000" (in any locale)."""
    t = time.gmtime(when)
    month = _MONTHS[t.tm_mon - 1]
    return (
        f"{t.tm_mday:02d}/{month}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def epoch_ms(when: float) -> int:
    return int(when * 1000)


def status_code(result: dict[str, Any]) -> int:
    """The result's statusCode, an integer HTTP status (Malformed otherwise)."""
    if "statusCode" not in result:
        raise Malformed("no statusCode")
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise Malformed(f"statusCode must be an integer HTTP status, not {json.dumps(status)}")
    return status


def _header_text(name: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)  # 5 -> "5", true -> "true"
    raise Malformed(f"the value of header {name!r} is not a string")


def header_fields(single: Any, multi: Any) -> tuple[list[tuple[str, str]], set[str]]:
    """The header fields of a result's `headers` and `multiValueHeaders` (either None
    when the source does not read it), and the lower-cased names it gave, null values
    included: a null Content-Type is how a function asks for none at all.

    A field in both maps comes once, from multiValueHeaders (the REST API guide: "If
    the same key-value pair is specified in both, only the values from
    multiValueHeaders will appear")."""
    given: set[str] = set()
    multi_fields: list[tuple[str, str]] = []
    if multi is not None:
        if not isinstance(multi, dict):
            raise Malformed("multiValueHeaders must be an object of lists")
        for name, values in multi.items():
            if not isinstance(values, list):
                raise Malformed(f"multiValueHeaders[{name!r}] is not a list")
            given.add(name.lower())
            for value in values:
                text = _header_text(name, value)
                if text is not None:
                    multi_fields.append((name, text))
    fields: list[tuple[str, str]] = []
    if single is not None:
        if not isinstance(single, dict):
            raise Malformed("headers must be an object")
        pairs = {(n.lower(), v) for n, v in multi_fields}
        for name, value in single.items():
            given.add(name.lower())
            text = _header_text(name, value)
            if text is not None and (name.lower(), text) not in pairs:
                fields.append((name, text))
    return fields + multi_fields, given


def body_bytes(result: dict[str, Any]) -> bytes:
    """The result's body: its text, or the bytes of its base64 with isBase64Encoded."""
    body = result.get("body")
    encoded = result.get("isBase64Encoded", False)
    if body is None:
        return b""
    if not isinstance(body, str):
        raise Malformed(f"body must be a string, not {json_kind(body)}")
    if encoded is None or encoded is False:
        return body.encode("utf-8", "replace")  # a lone surrogate ("\\ud800") becomes "?"
    if encoded is not True:
        raise Malformed(f"isBase64Encoded must be true or false, not {json.dumps(encoded)}")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("isBase64Encoded is true but body is not base64") from None


def load_result(payload: bytes) -> dict[str, Any]:
    """The function's result as a JSON object (Malformed otherwise)."""
    try:
        result = json.loads(payload)
    except ValueError:
        raise Malformed("the result is not JSON") from None
    if not isinstance(result, dict):
        raise Malformed(f"the result is {json_kind(result)}, not an object")
    return result


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words: "an object", "null"..."""
    if value is None:
        return "null"
    return _JSON_KINDS.get(type(value), "a number")
