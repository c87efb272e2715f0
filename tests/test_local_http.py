"""`python -m minlambda local --http` and `.http()`: real HTTP requests, from the
standard library's client and curl, become the events an HTTP source sends, and the
handler's results the responses that source gives. Streams arrive as they are made;
errors are 502, timeouts 504, and the invoke endpoint keeps working on the same port."""

from __future__ import annotations

import base64
import http.client
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cliapps import web_app
from test_cli import INVOKE_PATH, Server, child_env, free_port

from minlambda import lambda_handler
from minlambda._local.sources import SOURCE_NAMES, source
from minlambda.events import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    LambdaFunctionUrlEvent,
)
from minlambda.testing import LocalRuntime

MODELS: dict[str, Any] = {
    "function-url": LambdaFunctionUrlEvent[Any],
    "apigw-v2": APIGatewayProxyEventV2[Any],
    "apigw-v1": APIGatewayProxyEvent[Any],
    "alb": ALBEvent[Any],
    "alb-multi-value": ALBEvent[Any],
}


def request(
    port: int,
    method: str,
    path: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers or []:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture
def server() -> Iterator[Callable[..., Server]]:
    """server(ARGS, **env) starts `python ARGS` in tests/cliapps; killed afterwards."""
    started: list[Server] = []

    def start(*args: str, **env: str) -> Server:
        process = Server(list(args), child_env(**env))
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def web(server: Callable[..., Server]) -> Iterator[tuple[int, Server]]:
    """`local web_app.handler --http` (a Function URL) with a 1 s timeout."""
    port = free_port()
    process = server(
        "-m", "minlambda", "local", "web_app.handler", "--http", "--port", str(port),
        "--timeout", "1",
    )  # fmt: skip
    process.wait_port(port)
    yield port, process


def echoed(body: bytes) -> dict[str, Any]:
    return json.loads(body)["event"]  # type: ignore[no-any-return]


def test_a_get_with_query_headers_and_cookies_is_a_function_url_event(web):
    port, process = web
    status, headers, body = request(
        port,
        "GET",
        "/orders/42?a=1&a=2&q=hello%20world",
        [("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c1=x; c2=y")],
    )
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    event = echoed(body)
    msgspec.convert(event, LambdaFunctionUrlEvent[Any])  # what the platform sends decodes
    assert event["rawPath"] == "/orders/42"
    assert event["rawQueryString"] == "a=1&a=2&q=hello%20world"
    assert event["queryStringParameters"] == {"a": "1,2", "q": "hello world"}
    assert event["headers"]["x-multi"] == "one,two"
    assert event["cookies"] == ["c1=x", "c2=y"]
    assert "cookie" not in event["headers"]
    context = event["requestContext"]
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == "/orders/42"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["http"]["protocol"] == "HTTP/1.1"
    assert event.get("body") is None and event["isBase64Encoded"] is False


def test_text_and_binary_bodies_both_ways(web):
    port, _ = web
    status, _, body = request(
        port, "POST", "/echo", [("Content-Type", "application/json")], b'{"amount": 2}'
    )
    assert status == 200
    event = echoed(body)
    assert event["body"] == '{"amount": 2}' and event["isBase64Encoded"] is False
    raw = bytes(range(256)) * 3
    status, _, body = request(
        port, "PUT", "/echo", [("Content-Type", "application/octet-stream")], raw
    )
    event = echoed(body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    assert event["requestContext"]["http"]["method"] == "PUT"
    status, headers, body = request(port, "GET", "/bin")
    assert (status, headers["Content-Type"], body) == (200, "image/png", web_app.BINARY)


def test_payload_2_results_without_a_status_code_are_200_json(web):
    port, _ = web
    status, headers, body = request(port, "GET", "/plain")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"hello": "plain", "n": [1, 2]}


def test_cookies_become_set_cookie_fields(web):
    port, _ = web
    status, headers, body = request(port, "GET", "/cookies")
    assert (status, body) == (201, b"ok")
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2; Path=/"]


def test_head_gets_the_head_alone(web):
    port, _ = web
    status, headers, body = request(port, "HEAD", "/plain")
    assert status == 200 and body == b""
    assert (
        int(headers["Content-Length"]) == len(b'{"hello":"plain","n":[1,2]}')
        or int(headers["Content-Length"]) > 0
    )


def test_a_handler_error_is_a_502_and_is_printed(web):
    port, process = web
    status, headers, body = request(port, "GET", "/boom")
    expected = source("function-url").error("error", source="function-url")
    assert (status, body) == (expected.status, expected.body) and status == 502
    assert headers["X-Minlambda-Error"] == "ValueError: boom at /boom"
    status, _, _ = request(port, "GET", "/plain")
    assert status == 200  # it keeps serving
    code, _, out, err = process.interrupt()
    assert code == 0
    assert b"ValueError" in out + err and b"boom at /boom" in out + err
    assert b"GET /boom -> 502" in err
    assert b"GET /plain 200" in err  # the request log


def test_a_timeout_is_a_504(web):
    port, process = web
    status, headers, body = request(port, "GET", "/slow")
    expected = source("function-url").error("timeout", source="function-url")
    assert (status, body) == (expected.status, expected.body) and status == 504
    assert headers["X-Minlambda-Error"].startswith("Sandbox.Timedout: ")
    _, _, _, err = process.interrupt()
    assert b"GET /slow -> 504" in err


def test_the_invoke_endpoint_keeps_working_on_the_same_port(web):
    port, _ = web
    status, headers, body = request(
        port, "POST", INVOKE_PATH, [("Content-Type", "application/json")],
        b'{"rawPath": "/plain"}',
    )  # fmt: skip
    assert status == 200
    assert json.loads(body) == {"hello": "plain", "n": [1, 2]}
    assert headers["X-Amzn-RequestId"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not on this machine")
def test_curl(web):
    port, _ = web
    url = f"http://127.0.0.1:{port}"
    out = subprocess.run(
        ["curl", "-s", "-i", "-b", "session=abc", "-H", "X-Api-Key: k",
         f"{url}/orders/7?expand=items"],
        capture_output=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    event = echoed(body)
    assert event["rawPath"] == "/orders/7"
    assert event["queryStringParameters"] == {"expand": "items"}
    assert event["cookies"] == ["session=abc"]
    assert event["headers"]["x-api-key"] == "k"
    assert event["headers"]["user-agent"].startswith("curl/")
    posted = subprocess.run(
        ["curl", "-s", "--data-binary", "@-", "-H", "Content-Type: image/png", f"{url}/up"],
        input=web_app.BINARY, capture_output=True, check=True, timeout=30,
    ).stdout  # fmt: skip
    event = echoed(posted)
    assert base64.b64decode(event["body"]) == web_app.BINARY
    fetched = subprocess.run(
        ["curl", "-s", f"{url}/bin"], capture_output=True, check=True, timeout=30
    ).stdout
    assert fetched == web_app.BINARY


def test_every_source_on_the_command_line(server: Callable[..., Server]) -> None:
    for name in SOURCE_NAMES:
        port = free_port()
        process = server(
            "-m", "minlambda", "local", "web_app.handler", "--http", name, "--port", str(port)
        )
        process.wait_port(port)
        assert "behind" in process.first_line()
        status, _, body = request(port, "GET", "/orders/9?x=1")
        assert status == 200
        msgspec.convert(echoed(body), MODELS[name])
        status, _, body = request(port, "GET", "/boom")
        assert (status, body) == (
            source(name).error("error", source=name).status,
            source(name).error("error", source=name).body,
        )
        process.stop()


def test_an_unknown_source_is_a_usage_error(server: Callable[..., Server]) -> None:
    process = server("-m", "minlambda", "local", "web_app.handler", "--http", "gopher")
    code, out, err = process.finish()
    assert code == 2
    assert b"invalid choice: 'gopher'" in err


# -- streaming --------------------------------------------------------------------------


@pytest.fixture
def streaming(server: Callable[..., Server], tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    marker = tmp_path / "go"
    process = server(
        "-m", "minlambda", "local", "web_stream.handler", "--http", "--port", str(port),
        MINLAMBDA_TEST_MARKER=str(marker),
    )  # fmt: skip
    process.wait_port(port)
    yield port, marker


def test_a_streamed_body_arrives_as_it_is_made(streaming):
    port, marker = streaming
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/stream")
        response = conn.getresponse()
        assert response.status == 207  # the prelude's
        assert response.headers["X-Streamed"] == "yes"
        assert response.headers["Content-Type"] == "text/plain"
        assert response.headers.get_all("Set-Cookie") == ["s=1; Path=/"]
        got = b""
        while not got.endswith(b"\n"):
            got += response.read1(100)
        # the handler cannot make its second part before the marker exists
        assert got == b"first\n" and not marker.exists()
        marker.touch()
        assert response.read() == b"second\n"
    finally:
        conn.close()


def test_a_plain_stream_is_a_200_of_its_content_type(streaming):
    port, _ = streaming
    status, headers, body = request(port, "GET", "/raw")
    assert (status, body) == (200, b"raw bytes")
    assert headers["Content-Type"] == "application/octet-stream"


def test_a_stream_that_fails_before_its_body_is_a_502(streaming):
    port, _ = streaming
    status, headers, body = request(port, "GET", "/empty-broken")
    assert (status, body) == (
        502,
        source("function-url").error("error", source="function-url").body,
    )
    assert headers["X-Minlambda-Error"] == "RuntimeError: nothing to stream"


def test_a_stream_that_fails_midway_is_cut_short(streaming):
    port, _ = streaming
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/broken")
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
        assert caught.value.partial == b"partial\n"
    finally:
        conn.close()


# -- .http() in pytest ------------------------------------------------------------------


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_runtime_http_for_every_source(name: str) -> None:
    with LocalRuntime(web_app.handler) as runtime:
        result = runtime.http(
            "POST",
            "/orders/42?a=1&a=2",
            headers=[("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c=1")],
            json={"amount": 2},
            source=name,
        )
        assert result.status == 200
        assert result.headers["content-type"] == result.headers["Content-Type"]
        event = echoed(result.body)
        decoded = msgspec.convert(event, MODELS[name])
        assert decoded.body == '{"amount": 2}'
        headers = event.get("headers") or event["multiValueHeaders"]
        assert "x-multi" in {k.lower() for k in headers}
        assert "x-minlambda-source" not in {k.lower() for k in headers}
        boom = runtime.http("GET", "/boom", source=name)
        expected = source(name).error("error", source=name)
        assert (boom.status, boom.body) == (expected.status, expected.body)
        binary = runtime.http("GET", "/bin", source=name)
        assert binary.body == web_app.BINARY


def test_runtime_http_cookies_and_json() -> None:
    with LocalRuntime(web_app.handler) as runtime:
        result = runtime.http("GET", "/cookies")
        assert result.status == 201 and result.cookies == ["a=1", "b=2; Path=/"]
        assert runtime.http("GET", "/plain").json() == {"hello": "plain", "n": [1, 2]}
        v1 = runtime.http("GET", "/cookies", source="apigw-v1")
        assert v1.cookies == ["a=1", "b=2; Path=/"]


def test_runtime_http_timeout_is_a_504() -> None:
    def slow(event: Any, context: Any) -> Any:
        time.sleep(1.5)
        return {"statusCode": 200}

    with LocalRuntime(slow, timeout=0.3) as runtime:
        for name in SOURCE_NAMES:
            result = runtime.http("GET", "/", source=name)
            expected = source(name).error("timeout", source=name)
            assert (result.status, result.body) == (expected.status, expected.body)
            assert result.status == 504


class Order(msgspec.Struct):
    id: str
    amount: int


def test_a_typed_handler_gets_the_event_it_declares() -> None:
    @lambda_handler
    def place(event: APIGatewayProxyEventV2[Order], context: Any) -> dict[str, Any]:
        assert event.body is not None
        return {"statusCode": 201, "body": f"{event.body.id}:{event.body.amount * 2}"}

    with LocalRuntime(place) as runtime:
        result = runtime.http("POST", "/orders", json={"id": "o-1", "amount": 21})
        assert (result.status, result.body) == (201, b"o-1:42")


def test_an_unknown_source_in_http_is_a_400() -> None:
    with LocalRuntime(web_app.handler) as runtime:
        result = runtime.http("GET", "/", source="gopher")
        assert result.status == 400 and b"gopher" in result.body


# -- framing on a kept-alive connection ---------------------------------------------------


def exchange(port: int, raw: bytes, answers: int = 2) -> bytes:
    """Send `raw` (pipelined requests) on one connection; everything read until
    `answers` answers arrived (counted by their status lines) and a short silence."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        got = b""
        sock.settimeout(0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                if got.count(b"HTTP/1.1 ") >= answers:
                    break
                continue
            if not data:
                break
            got += data
        return got


def answers_of(raw: bytes) -> list[tuple[str, bytes]]:
    """The status lines and what follows each head, for pipelined answers."""
    out = []
    for part in raw.split(b"HTTP/1.1 ")[1:]:
        head, _, rest = part.partition(b"\r\n\r\n")
        out.append((head.split(b"\r\n", 1)[0].decode(), rest))
    return out


def test_a_204_or_304_result_has_no_body_on_the_wire() -> None:
    def bodies(event: Any, context: Any) -> Any:
        status = int(event["rawPath"][1:])
        return {"statusCode": status, "body": "should not be sent"}

    with LocalRuntime(bodies) as runtime:
        for status in (204, 304):
            one = f"GET /{status} HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n\r\n"
            two = "GET /200 HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n\r\n"
            got = exchange(runtime.emulator.port, (one + two).encode())
            assert b"should not" not in got.split(b"HTTP/1.1 200")[0]
            (first, rest), (second, body) = answers_of(got)
            assert first.startswith(str(status)) and rest == b""
            assert second.startswith("200") and body == b"should not be sent"


def test_a_1xx_status_code_is_a_502() -> None:
    def interim(event: Any, context: Any) -> Any:
        return {"statusCode": 100, "body": "hello"}

    with LocalRuntime(interim) as runtime:
        result = runtime.http("GET", "/")
        expected = source("function-url").error("error", source="function-url")
        assert (result.status, result.body) == (502, expected.body)


def test_head_of_a_stream_sends_no_last_chunk() -> None:
    @lambda_handler(stream=True)
    def streamed(event: Any, context: Any) -> Any:
        return iter([b"a", b"b"])

    with LocalRuntime(streamed) as runtime:
        head = "HEAD / HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n\r\n"
        get = "GET / HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n\r\n"
        got = exchange(runtime.emulator.port, (head + get).encode())
        (first, rest), (second, body) = answers_of(got)
        assert first.startswith("200") and rest == b""
        assert second.startswith("200") and body == b"1\r\na\r\n1\r\nb\r\n0\r\n\r\n"


def test_conflicting_content_lengths_are_a_400() -> None:
    with LocalRuntime(web_app.handler) as runtime:
        raw = (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n"
            b"Content-Length: 5\r\nContent-Length: 7\r\n\r\nabcdefg"
        )
        got = exchange(runtime.emulator.port, raw, answers=1)
        assert got.startswith(b"HTTP/1.1 400 ")
        assert got.count(b"HTTP/1.1 ") == 1
        raw = (
            b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Minlambda-Source: function-url\r\n"
            b"Transfer-Encoding: gzip\r\n\r\nabcdefg"
        )
        assert exchange(runtime.emulator.port, raw, answers=1).startswith(b"HTTP/1.1 400 ")
