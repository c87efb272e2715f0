"""The HTTP sources of `local --http` (minlambda._local.sources), as pure functions: the
events they make decode with minlambda's models (and Powertools') and have the keys of
real samples; results become the responses each source gives; the error answers."""

from __future__ import annotations

import base64
import dataclasses
import json
import pathlib
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from aws_lambda_powertools.utilities.parser import models as powertools
from eventkeys import unknown_keys

from minlambda._local.sources import Request, Response, alb, source, v1, v2
from minlambda.events import (
    ALBEvent,
    ALBResponse,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    APIGatewayProxyResponse,
    APIGatewayProxyResponseV2,
    LambdaFunctionUrlEvent,
    decode,
)

EVENTS = pathlib.Path(__file__).parent / "events"
WHEN = 1583348638.390  # 2020-03-04 19:03:58.390 UTC
REQUEST_ID = "8f3c2a51-7d6e-4b8a-9c1d-0e2f3a4b5c6d"
CLIENT = "203.0.113.7"
PNG = bytes(range(256))


def request(
    method: str = "GET",
    target: str = "/",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    src: str = "function-url",
) -> Request:
    fields = [("Host", "127.0.0.1:9000")] if headers is None else headers
    return Request(method, target, fields, body, CLIENT, REQUEST_ID, WHEN, source=src)


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def payload(value: Any) -> bytes:
    return json.dumps(value).encode()


# the requests every source is tried with
REQUESTS: dict[str, Request] = {
    "get-repeated-query": request(
        target="/search?q=caf%C3%A9%20au%20lait&tag=a&tag=b&empty=&flag&x=1%2B1",
        headers=[("Host", "127.0.0.1:9000"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")],
    ),
    "post-json": request(
        "POST",
        "/orders",
        [
            ("Host", "127.0.0.1:9000"),
            ("Content-Type", "application/json"),
            ("Content-Length", "23"),
        ],
        b'{"id": "a", "amount": 2}',
    ),
    "binary": request(
        "PUT", "/upload/logo.png", [("Host", "localhost:9000"), ("Content-Type", "image/png")], PNG
    ),
    "repeated-headers": request(
        target="/headers",
        headers=[("Host", "127.0.0.1:9000"), ("X-Trace", "one"), ("x-trace", "two")],
    ),
    "cookies": request(
        target="/me",
        headers=[("Host", "127.0.0.1:9000"), ("Cookie", "a=1; b=2"), ("Cookie", "c=3")],
    ),
    "head": request("HEAD", "/items/7"),
    "put-text": request(
        "PUT", "/items/7", [("Host", "127.0.0.1:9000"), ("Content-Type", "text/plain")], b"hello"
    ),
    "delete": request("DELETE", "/items/7"),
    "root": request(),
    "trailing-slash": request(target="/orders/"),
    "no-host": request(target="/x", headers=[]),
}

SOURCES = ["function-url", "apigw-v2", "apigw-v1", "alb", alb.MULTI_VALUE]
MODELS: dict[str, Any] = {
    "function-url": LambdaFunctionUrlEvent,
    "apigw-v2": APIGatewayProxyEventV2,
    "apigw-v1": APIGatewayProxyEvent,
    "alb": ALBEvent,
    alb.MULTI_VALUE: ALBEvent,
}
POWERTOOLS: dict[str, Any] = {
    "function-url": powertools.LambdaFunctionUrlModel,
    "apigw-v2": powertools.APIGatewayProxyEventV2Model,
    "apigw-v1": powertools.APIGatewayProxyEventModel,
    "alb": powertools.AlbModel,
    # Powertools' AlbModel wants the single-value maps: the real multi-value sample
    # (albMultiValueHeadersEvent.json) fails it too
    alb.MULTI_VALUE: None,
}


def event_of(name: str, src: str) -> dict[str, Any]:
    module = source("alb" if src == alb.MULTI_VALUE else src)
    made: dict[str, Any] = module.event(dataclasses.replace(REQUESTS[name], source=src))
    return made


# -- every source, every request: the models read the event, key by key ---------------------


@pytest.mark.parametrize("name", REQUESTS)
@pytest.mark.parametrize("src", SOURCES)
def test_the_event_decodes_with_the_model_of_its_source(src, name):
    made = event_of(name, src)
    model = MODELS[src]
    decoded = decode(json.dumps(made), model)
    assert msgspec.json.decode(json.dumps(made), type=model) == decoded
    assert unknown_keys(made, mi.type_info(model)) == []  # no key the model does not read
    assert decoded.header("host")  # the platform always has a Host
    # a second reader, the one many functions use
    if POWERTOOLS[src] is not None:
        POWERTOOLS[src].model_validate(made)


@pytest.mark.parametrize("src", SOURCES)
def test_a_body_survives_the_event_byte_for_byte(src):
    for name, sent in [("binary", PNG), ("post-json", REQUESTS["post-json"].body)]:
        made = event_of(name, src)
        got = base64.b64decode(made["body"]) if made["isBase64Encoded"] else made["body"].encode()
        assert got == sent


# -- the keys of real samples ----------------------------------------------------------------


def keys(value: dict[str, Any]) -> set[str]:
    return set(value)


def test_function_url_events_have_the_keys_of_a_real_one():
    real = sample("lambdaFunctionUrlEvent.json")  # a capture: GET /, no query, no body
    made = event_of("root", "function-url")
    assert keys(made) == keys(real)
    assert keys(made["requestContext"]) == keys(real["requestContext"])
    assert keys(made["requestContext"]["http"]) == keys(real["requestContext"]["http"])
    with_query = sample("lambdaFunctionUrlEventWithHeaders.json")
    assert keys(event_of("get-repeated-query", "function-url")) == keys(with_query)
    # with cookies, a query and a body, the keys of the documented example, but those a
    # function URL without IAM auth leaves out: no path parameters or stage variables
    # (the documentation: "sets this to null or excludes this"), no authorizer, no
    # mutual TLS
    documented = sample("lambdaFunctionUrlIAMEvent.json")
    names = ("cookies", "post-json", "get-repeated-query")
    found = set().union(*(keys(event_of(name, "function-url")) for name in names))
    assert keys(documented) - found == {"pathParameters", "stageVariables"}
    assert found <= keys(documented)
    assert keys(documented["requestContext"]) - keys(made["requestContext"]) == {
        "authentication",
        "authorizer",
    }


def test_http_api_events_have_the_keys_of_the_sample():
    real = sample("apiGatewayProxyV2Event.json")
    made = [event_of(name, "apigw-v2") for name in ("cookies", "post-json", "get-repeated-query")]
    found = set().union(*(keys(m) for m in made))
    # the $default route has no path parameters, the stage no variables
    assert keys(real) - found == {"pathParameters", "stageVariables"}
    assert found <= keys(real)
    # no JWT or Lambda authorizer, no mutual TLS
    assert keys(real["requestContext"]) - keys(made[0]["requestContext"]) == {
        "authentication",
        "authorizer",
    }
    assert keys(made[0]["requestContext"]) <= keys(real["requestContext"])


def test_rest_api_events_have_the_keys_of_the_samples():
    real = sample("apiGatewayProxyEvent_noVersionAuth.json")
    made = event_of("get-repeated-query", "apigw-v1")
    assert keys(made) == keys(real)
    assert keys(made["requestContext"]) == keys(real["requestContext"])
    # no mutual TLS: no client certificate
    assert keys(real["requestContext"]["identity"]) - keys(made["requestContext"]["identity"]) == {
        "clientCert"
    }
    # "version" is what an HTTP API adds to its payload 1.0 (the documentation's REST
    # API input format has none); no authorizer is configured
    http_api = sample("apiGatewayProxyEvent.json")
    assert keys(http_api) - keys(made) == {"version"}
    assert keys(http_api["requestContext"]) - keys(made["requestContext"]) == {"authorizer"}


def test_alb_events_have_the_keys_of_the_samples():
    assert keys(event_of("post-json", "alb")) == keys(sample("albEvent.json"))
    made = event_of("get-repeated-query", alb.MULTI_VALUE)
    assert keys(made) == keys(sample("albMultiValueQueryStringEvent.json"))
    assert keys(made["requestContext"]["elb"]) == {"targetGroupArn"}


# -- payload 2.0 events -----------------------------------------------------------------------


def test_a_function_url_get_with_repeated_query_keys():
    made = event_of("get-repeated-query", "function-url")
    assert made["version"] == "2.0"
    assert made["routeKey"] == "$default"
    assert made["rawPath"] == "/search"
    assert made["rawQueryString"] == "q=caf%C3%A9%20au%20lait&tag=a&tag=b&empty=&flag&x=1%2B1"
    assert made["queryStringParameters"] == {
        "q": "café au lait",
        "tag": "a,b",
        "empty": "",
        "flag": "",
        "x": "1+1",
    }
    assert made["headers"] == {
        "host": "127.0.0.1:9000",
        "user-agent": "curl/8.5.0",
        "accept": "*/*",
        "x-forwarded-for": CLIENT,
        "x-forwarded-proto": "http",
        "x-forwarded-port": "9000",
    }
    assert "cookies" not in made and "body" not in made
    assert made["isBase64Encoded"] is False
    assert made["requestContext"] == {
        "accountId": "anonymous",
        "apiId": "127.0.0.1",
        "domainName": "127.0.0.1:9000",
        "domainPrefix": "127.0.0.1",
        "http": {
            "method": "GET",
            "path": "/search",
            "protocol": "HTTP/1.1",
            "sourceIp": CLIENT,
            "userAgent": "curl/8.5.0",
        },
        "requestId": REQUEST_ID,
        "routeKey": "$default",
        "stage": "$default",
        "time": "04/Mar/2020:19:03:58 +0000",
        "timeEpoch": 1583348638390,
    }


def test_an_http_api_decodes_the_path_a_function_url_does_not():
    sent = request(target="/files/a%20b%2Fc?k=v%20w")
    url = v2.event(sent)
    api = v2.event(dataclasses.replace(sent, source="apigw-v2"))
    assert url["rawPath"] == url["requestContext"]["http"]["path"] == "/files/a%20b%2Fc"
    assert api["rawPath"] == api["requestContext"]["http"]["path"] == "/files/a b/c"
    for made in (url, api):
        assert made["rawQueryString"] == "k=v%20w"
        assert made["queryStringParameters"] == {"k": "v w"}
    assert api["requestContext"]["accountId"] == "012345678912"


def test_payload_2_cookies_leave_the_headers():
    made = event_of("cookies", "apigw-v2")
    assert made["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in made["headers"]


def test_payload_2_joins_repeated_headers_with_commas_under_lower_case_names():
    made = event_of("repeated-headers", "function-url")
    assert made["headers"]["x-trace"] == "one,two"


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("text/html", True),
        ("TEXT/CSV", True),
        ("application/javascript", True),
        ("application/xml", True),
        ("application/x-www-form-urlencoded", False),
        ("application/octet-stream", False),
        ("application/problem+json", False),
        (None, False),
    ],
)
def test_which_bodies_are_text(content_type, text):
    fields = [("Host", "h")] + ([("Content-Type", content_type)] if content_type else [])
    for src, module in [("function-url", v2), ("apigw-v1", v1), ("alb", alb)]:
        made = module.event(request("POST", "/", fields, b"a=1&b=2", src))
        assert made["isBase64Encoded"] is not text
        assert made["body"] == ("a=1&b=2" if text else "YT0xJmI9Mg==")


def test_a_text_body_that_is_not_utf8_comes_base64():
    made = v2.event(request("POST", "/", [("Content-Type", "text/plain")], b"caf\xe9"))
    assert made == made | {"body": "Y2Fm6Q==", "isBase64Encoded": True}


def test_the_platform_adds_x_forwarded_headers_after_the_clients():
    sent = request(
        headers=[
            ("Host", "example.test"),
            ("X-Forwarded-For", "198.51.100.1"),
            ("X-Forwarded-Proto", "https"),
        ]
    )
    made = v2.event(sent)
    assert made["headers"]["x-forwarded-for"] == f"198.51.100.1, {CLIENT}"
    assert made["headers"]["x-forwarded-proto"] == "http"
    assert made["headers"]["x-forwarded-port"] == "80"
    assert made["requestContext"]["domainName"] == "example.test"
    assert made["requestContext"]["domainPrefix"] == made["requestContext"]["apiId"] == "example"


def test_the_domain_is_the_host_and_the_emulators_address_without_one():
    made = event_of("no-host", "function-url")
    assert made["headers"]["host"] == "127.0.0.1:9000"
    assert made["requestContext"]["domainName"] == "127.0.0.1:9000"
    named = v2.event(request(headers=[("Host", "abc123.lambda-url.us-east-1.on.aws")]))
    assert named["requestContext"]["apiId"] == "abc123"


def test_an_absolute_form_target_is_a_path_and_a_query():
    made = v2.event(request(target="http://127.0.0.1:9000/a/b?c=d"))
    assert (made["rawPath"], made["rawQueryString"]) == ("/a/b", "c=d")


@pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_every_method_is_passed_as_sent(method):
    assert v2.event(request(method))["requestContext"]["http"]["method"] == method
    assert v1.event(request(method))["httpMethod"] == method
    assert v1.event(request(method))["requestContext"]["httpMethod"] == method
    assert alb.event(request(method))["httpMethod"] == method


# -- payload 1.0 (REST API) events ------------------------------------------------------------


def test_a_rest_api_get_with_repeated_query_keys():
    made = event_of("get-repeated-query", "apigw-v1")
    assert made["resource"] == "/{proxy+}"
    assert made["path"] == "/search"
    assert made["httpMethod"] == "GET"
    assert made["pathParameters"] == {"proxy": "search"}
    assert made["queryStringParameters"] == {
        "q": "café au lait",
        "tag": "b",
        "empty": "",
        "flag": "",
        "x": "1+1",
    }
    assert made["multiValueQueryStringParameters"] == {
        "q": ["café au lait"],
        "tag": ["a", "b"],
        "empty": [""],
        "flag": [""],
        "x": ["1+1"],
    }
    assert made["headers"] == {
        "Host": "127.0.0.1:9000",
        "User-Agent": "curl/8.5.0",
        "Accept": "*/*",
        "X-Forwarded-For": CLIENT,
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Port": "9000",
    }
    assert made["multiValueHeaders"] == {k: [v] for k, v in made["headers"].items()}
    assert made["stageVariables"] is None
    assert made["body"] is None and made["isBase64Encoded"] is False
    context = made["requestContext"]
    assert {k: v for k, v in context.items() if k not in ("identity", "extendedRequestId")} == {
        "accountId": "012345678912",
        "apiId": "127.0.0.1",
        "domainName": "127.0.0.1:9000",
        "domainPrefix": "127.0.0.1",
        "httpMethod": "GET",
        "path": "/search",
        "protocol": "HTTP/1.1",
        "requestId": REQUEST_ID,
        "requestTime": "04/Mar/2020:19:03:58 +0000",
        "requestTimeEpoch": 1583348638390,
        "resourceId": "proxid",
        "resourcePath": "/{proxy+}",
        "stage": "local",
    }
    assert context["identity"]["sourceIp"] == CLIENT
    assert context["identity"]["userAgent"] == "curl/8.5.0"
    assert len(context["extendedRequestId"]) == 16 and context["extendedRequestId"].endswith("=")


def test_a_rest_api_keeps_repeated_headers_and_their_first_spelling():
    made = event_of("repeated-headers", "apigw-v1")
    assert made["headers"]["X-Trace"] == "two"
    assert made["multiValueHeaders"]["X-Trace"] == ["one", "two"]
    assert "x-trace" not in made["headers"]
    cookies = event_of("cookies", "apigw-v1")
    assert cookies["multiValueHeaders"]["Cookie"] == ["a=1; b=2", "c=3"]


def test_a_rest_api_path_keeps_its_encoding_the_proxy_parameter_is_decoded():
    made = v1.event(request(target="/files/a%20b/c%2Bd"))
    assert made["path"] == made["requestContext"]["path"] == "/files/a%20b/c%2Bd"
    assert made["pathParameters"] == {"proxy": "files/a b/c+d"}


def test_the_root_path_is_its_own_resource():
    made = event_of("root", "apigw-v1")
    assert (made["resource"], made["path"], made["pathParameters"]) == ("/", "/", None)
    assert made["requestContext"]["resourcePath"] == "/"
    assert made["queryStringParameters"] is None
    assert made["multiValueQueryStringParameters"] is None


def test_a_trailing_slash_stays_in_the_path_and_the_proxy_parameter():
    made = event_of("trailing-slash", "apigw-v1")
    assert made["path"] == "/orders/"
    assert made["pathParameters"] == {"proxy": "orders/"}
    assert event_of("trailing-slash", "function-url")["rawPath"] == "/orders/"
    assert event_of("trailing-slash", "alb")["path"] == "/orders/"


def test_a_rest_api_post():
    made = event_of("post-json", "apigw-v1")
    assert made["body"] == '{"id": "a", "amount": 2}'
    assert made["isBase64Encoded"] is False
    binary = event_of("binary", "apigw-v1")
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == PNG
    assert binary["requestContext"]["domainPrefix"] == "localhost"


# -- ALB events -------------------------------------------------------------------------------


def test_an_alb_event_without_multi_value_headers():
    made = event_of("get-repeated-query", "alb")
    assert made["requestContext"] == {
        "elb": {
            "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:012345678912:"
            "targetgroup/minlambda/0123456789abcdef"
        }
    }
    assert made["path"] == "/search"
    # not decoded, the last of repeated values
    assert made["queryStringParameters"] == {
        "q": "caf%C3%A9%20au%20lait",
        "tag": "b",
        "empty": "",
        "flag": "",
        "x": "1%2B1",
    }
    assert made["headers"] == {
        "host": "127.0.0.1:9000",
        "user-agent": "curl/8.5.0",
        "accept": "*/*",
        "x-forwarded-for": CLIENT,
        "x-forwarded-proto": "http",
        "x-forwarded-port": "9000",
    }
    assert (made["body"], made["isBase64Encoded"]) == ("", False)
    assert "multiValueHeaders" not in made and "multiValueQueryStringParameters" not in made
    assert event_of("repeated-headers", "alb")["headers"]["x-trace"] == "two"
    assert event_of("cookies", "alb")["headers"]["cookie"] == "c=3"
    assert event_of("root", "alb")["queryStringParameters"] == {}


def test_an_alb_event_with_multi_value_headers():
    made = event_of("get-repeated-query", alb.MULTI_VALUE)
    assert made["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert made["multiValueQueryStringParameters"]["q"] == ["caf%C3%A9%20au%20lait"]
    assert made["multiValueHeaders"]["user-agent"] == ["curl/8.5.0"]
    assert "headers" not in made and "queryStringParameters" not in made
    assert event_of("repeated-headers", alb.MULTI_VALUE)["multiValueHeaders"]["x-trace"] == [
        "one",
        "two",
    ]
    assert event_of("cookies", alb.MULTI_VALUE)["multiValueHeaders"]["cookie"] == [
        "a=1; b=2",
        "c=3",
    ]
    assert event_of("root", alb.MULTI_VALUE)["multiValueQueryStringParameters"] == {}


def test_an_alb_path_keeps_its_encoding():
    assert alb.event(request(target="/a%20b"))["path"] == "/a%20b"


# -- payload 2.0 results ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "result",
    [
        {"message": "Hello, world!"},
        {"body": "not a response without statusCode"},
        [1, 2, 3],
        "Hello, world!",
        42,
        3.5,
        True,
        None,
    ],
)
@pytest.mark.parametrize("src", ["function-url", "apigw-v2"])
def test_a_result_without_status_code_is_the_body_of_a_200(src, result):
    sent = payload(result)
    answer = v2.response(sent, source=src)
    assert answer == Response(200, [("Content-Type", "application/json")], sent)


def test_a_string_result_keeps_its_quotes():
    # the function URL guide: "Hello, world!" goes out as "Hello, world!", quotes and all
    assert v2.response(b'"Hello, world!"').body == b'"Hello, world!"'


def test_a_payload_2_response():
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "text/html", "X-Custom": "yes", "X-Count": 5},
        "cookies": ["a=1; Max-Age=60", "b=2; HttpOnly"],
        "body": "<p>made</p>",
        "isBase64Encoded": False,
    }
    for src in ("function-url", "apigw-v2"):
        assert v2.response(payload(result), source=src) == Response(
            201,
            [
                ("Content-Type", "text/html"),
                ("X-Custom", "yes"),
                ("X-Count", "5"),
                ("Set-Cookie", "a=1; Max-Age=60"),
                ("Set-Cookie", "b=2; HttpOnly"),
            ],
            b"<p>made</p>",
        )


def test_the_payload_2_default_content_type_differs():
    result = payload({"statusCode": 200, "body": "hi"})
    url = v2.response(result, source="function-url")
    api = v2.response(result, source="apigw-v2")
    assert url == Response(200, [("Content-Type", "application/json")], b"hi")
    assert api == Response(200, [("Content-Type", "text/plain; charset=utf-8")], b"hi")
    # the default of the function URL is what the emulator's default source gives
    assert v2.response(result) == url
    # a null Content-Type asks for none
    bare = v2.response(payload({"statusCode": 204, "headers": {"content-type": None}}))
    assert bare == Response(204, [], b"")


def test_a_payload_2_base64_body_is_decoded():
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG).decode(),
        "isBase64Encoded": True,
    }
    assert v2.response(payload(result)).body == PNG


@pytest.mark.parametrize(
    ("result", "why"),
    [
        ({"statusCode": "200"}, 'statusCode must be an integer HTTP status, not "200"'),
        ({"statusCode": 99}, "statusCode must be an integer HTTP status, not 99"),
        ({"statusCode": 200, "body": {"a": 1}}, "body must be a string, not an object"),
        ({"statusCode": 200, "cookies": "a=1"}, "cookies must be a list of strings"),
        ({"statusCode": 200, "headers": ["a"]}, "headers must be an object"),
        ({"statusCode": 200, "headers": {"a": [1]}}, "the value of header 'a' is not a string"),
        (
            {"statusCode": 200, "body": "@@", "isBase64Encoded": True},
            "isBase64Encoded is true but body is not base64",
        ),
    ],
)
def test_a_malformed_payload_2_response_is_the_sources_error(result, why):
    url = v2.response(payload(result), source="function-url")
    assert (url.status, url.body, url.note) == (
        502,
        b"Internal Server Error",
        f"malformed result: {why}",
    )
    api = v2.response(payload(result), source="apigw-v2")
    assert (api.status, api.body) == (502, b'{"message":"Internal Server Error"}')
    assert api.note == f"malformed result: {why}"


def test_a_payload_2_result_that_is_not_json():
    answer = v2.response(b"{not json")
    assert (answer.status, answer.note) == (502, "malformed result: the result is not JSON")


def test_minlambdas_own_v2_response_model_makes_the_response():
    model = APIGatewayProxyResponseV2(
        status_code=302, headers={"Location": "/next"}, cookies=["s=1"], body=""
    )
    assert v2.response(msgspec.json.encode(model)) == Response(
        302,
        [("Location", "/next"), ("Content-Type", "application/json"), ("Set-Cookie", "s=1")],
        b"",
    )


# -- REST API results -------------------------------------------------------------------------


def test_a_rest_api_response():
    result = {"statusCode": 200, "headers": {"X-Id": "7"}, "body": '{"ok": true}'}
    assert v1.response(payload(result)) == Response(
        200, [("X-Id", "7"), ("Content-Type", "application/json")], b'{"ok": true}'
    )
    assert v1.response(payload({"statusCode": 204})) == Response(
        204, [("Content-Type", "application/json")], b""
    )


def test_rest_api_headers_and_multi_value_headers_are_merged():
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "text/plain", "X-Both": "same", "X-Single": "s"},
        "multiValueHeaders": {
            "Set-Cookie": ["a=1", "b=2"],
            "X-Both": ["same", "other"],
        },
        "body": "ok",
    }
    assert v1.response(payload(result)) == Response(
        200,
        [
            ("Content-Type", "text/plain"),
            ("X-Single", "s"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("X-Both", "same"),
            ("X-Both", "other"),
        ],
        b"ok",
    )


def test_a_rest_api_null_content_type_means_none():
    # what Amazon.Lambda.AspNetCoreServer sends to keep API Gateway from adding one
    result = {"statusCode": 204, "headers": {}, "multiValueHeaders": {"Content-Type": [None]}}
    assert v1.response(payload(result)) == Response(204, [], b"")


def test_a_rest_api_base64_body_is_decoded():
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(PNG).decode(),
        "isBase64Encoded": True,
    }
    assert v1.response(payload(result)) == Response(200, [("Content-Type", "image/png")], PNG)


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        (b"{not json", "the result is not JSON"),
        (payload("Hello"), "the result is a string, not an object"),
        (payload([1]), "the result is an array, not an object"),
        (payload(None), "the result is null, not an object"),
        (payload({"body": "x"}), "no statusCode"),
        (payload({"statusCode": 200, "body": {"a": 1}}), "body must be a string, not an object"),
        (payload({"statusCode": 200, "body": 5}), "body must be a string, not a number"),
        (payload({"statusCode": 200, "cookies": ["a=1"]}), "unexpected key 'cookies'"),
        (payload({"statusCode": "200"}), 'statusCode must be an integer HTTP status, not "200"'),
        (payload({"statusCode": 200, "headers": "x"}), "headers must be an object"),
        (
            payload({"statusCode": 200, "multiValueHeaders": {"a": "b"}}),
            "multiValueHeaders['a'] is not a list",
        ),
        (
            payload({"statusCode": 200, "body": "x", "isBase64Encoded": "yes"}),
            'isBase64Encoded must be true or false, not "yes"',
        ),
        (
            payload({"statusCode": 200, "body": "%%%", "isBase64Encoded": True}),
            "isBase64Encoded is true but body is not base64",
        ),
    ],
)
def test_a_malformed_rest_api_response_is_a_502(sent, why):
    assert v1.response(sent) == Response(
        502,
        [("Content-Type", "application/json")],
        b'{"message": "Internal server error"}',
        f"Malformed Lambda proxy response: {why}",
    )


def test_minlambdas_own_v1_response_model_makes_the_response():
    model = APIGatewayProxyResponse(
        status_code=200, multi_value_headers={"Set-Cookie": ["a=1", "b=2"]}, body="ok"
    )
    assert v1.response(msgspec.json.encode(model)) == Response(
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "application/json")],
        b"ok",
    )


# -- ALB results ------------------------------------------------------------------------------


def test_an_alb_response():
    result = {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {"Content-Type": "text/html", "Set-Cookie": "s=1"},
        "body": "<p>hi</p>",
        "isBase64Encoded": False,
    }
    assert alb.response(payload(result)) == Response(
        200, [("Content-Type", "text/html"), ("Set-Cookie", "s=1")], b"<p>hi</p>"
    )


def test_an_alb_response_without_content_type_is_octet_stream():
    assert alb.response(payload({"statusCode": 200, "body": "x"})) == Response(
        200, [("Content-Type", "application/octet-stream")], b"x"
    )


def test_alb_without_multi_value_headers_ignores_them_and_says_so():
    result = {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["text/plain"]}}
    answer = alb.response(payload(result))
    assert answer.headers == [("Content-Type", "application/octet-stream")]
    assert answer.note == "multiValueHeaders ignored: multi-value headers are off, give headers"


def test_alb_with_multi_value_headers_reads_them():
    result = {
        "statusCode": 200,
        "headers": {"X-Ignored": "1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["text/plain"]},
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }
    assert alb.response(payload(result), source=alb.MULTI_VALUE) == Response(
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/plain")],
        b"\x00\x01",
    )


def test_alb_with_multi_value_headers_refuses_headers_alone():
    answer = alb.response(payload({"statusCode": 200, "headers": {}}), source=alb.MULTI_VALUE)
    assert answer.status == 502
    assert answer.note == (
        "The response from the Lambda function is not in the expected format: "
        "multi-value headers are on: give multiValueHeaders, not headers"
    )


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        (b"", "the result is not JSON"),
        (payload({"body": "x"}), "no statusCode"),
        (payload({"statusCode": 200.5}), "statusCode must be an integer HTTP status, not 200.5"),
        (payload({"statusCode": 200, "body": ["x"]}), "body must be a string, not an array"),
        (
            payload({"statusCode": 200, "headers": {"a": {}}}),
            "the value of header 'a' is not a string",
        ),
    ],
)
def test_a_malformed_alb_response_is_a_502(sent, why):
    assert alb.response(sent) == Response(
        502,
        [("Content-Type", "text/html"), ("Server", "awselb/2.0")],
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
        f"The response from the Lambda function is not in the expected format: {why}",
    )


def test_minlambdas_own_alb_response_model_makes_the_response():
    model = ALBResponse(
        status_code=404, status_description="404 Not Found", headers={"X": "y"}, body="no"
    )
    assert alb.response(msgspec.json.encode(model)) == Response(
        404, [("X", "y"), ("Content-Type", "application/octet-stream")], b"no"
    )


# -- what each source answers when the invocation failed ---------------------------------------

URL_ERROR = [("Content-Type", "application/json")], b"Internal Server Error"
API_ERROR: tuple[list[tuple[str, str]], bytes] = ([], b'{"message":"Internal Server Error"}')
REST_ERROR = [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
REST_TIMEOUT = [("Content-Type", "application/json")], b'{"message": "Endpoint request timed out"}'
ERRORS = [
    ("function-url", "error", 502, *URL_ERROR),
    ("apigw-v2", "error", 502, *API_ERROR),
    ("apigw-v1", "error", 502, *REST_ERROR),
    # every timeout is a 504, with the body the source gives a function that timed out
    ("function-url", "timeout", 504, *URL_ERROR),
    ("apigw-v2", "timeout", 504, *API_ERROR),
    ("apigw-v1", "timeout", 504, *REST_TIMEOUT),
]


@pytest.mark.parametrize(("src", "kind", "status", "headers", "body"), ERRORS)
def test_the_error_answers(src, kind, status, headers, body):
    assert source(src).error(kind, source=src) == Response(status, headers, body)


@pytest.mark.parametrize(
    ("kind", "status", "title"),
    [("error", 502, "502 Bad Gateway"), ("timeout", 504, "504 Gateway Time-out")],
)
@pytest.mark.parametrize("src", ["alb", alb.MULTI_VALUE])
def test_the_load_balancers_pages(src, kind, status, title):
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    assert alb.error(kind, source=src) == Response(
        status, [("Content-Type", "text/html"), ("Server", "awselb/2.0")], page
    )


def test_the_emulators_calls_without_source_give_the_default_sources_answers():
    assert v2.error("error") == v2.error("error", source="function-url")
    assert v2.error("timeout").status == 504
    assert v1.error("timeout") == v1.error("timeout", source="apigw-v1")
    assert alb.error("error") == alb.error("error", source="alb")


def test_an_error_answer_is_a_fresh_object():
    # the emulator appends its X-Minlambda-Error header to the answer it gets
    for module in (v2, v1, alb):
        first = module.error("error")
        first.headers.append(("X-Minlambda-Error", "boom"))
        assert ("X-Minlambda-Error", "boom") not in module.error("error").headers


def test_source_picks_the_module():
    assert source("function-url") is v2 and source("apigw-v2") is v2
    assert source("apigw-v1") is v1
    assert source("alb") is alb
