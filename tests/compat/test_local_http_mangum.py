"""A FastAPI app through Mangum, as a web developer runs it locally: `python -m
minlambda local HANDLER --http` with curl-like requests from the standard library's
client, and `runtime.http(...)` in pytest: GET, POST JSON, 404, a binary response,
cookies and an error."""

from __future__ import annotations

import http.client
import json
import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip("mangum")
pytest.importorskip("fastapi")

from conftest import ROOT  # noqa: E402
from test_cli import Server, child_env, free_port  # noqa: E402

from minlambda.testing import LocalRuntime  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # see test_frameworks_asgi
    from compat.frameworks import asgi_apps

FASTAPI = "compat.frameworks.asgi_apps.fastapi_handler"


def request(
    port: int, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[int, Server]]:
    port = free_port()
    process = Server(
        ["-m", "minlambda", "local", FASTAPI, "--http", "--port", str(port)],
        child_env(PYTHONPATH=f"{ROOT}:{ROOT / 'tests'}"),
    )
    try:
        process.wait_port(port)
        yield port, process
    finally:
        process.stop()


def test_get_with_path_and_query(served):
    port, _ = served
    status, headers, body = request(port, "GET", "/items/5?q=lamp&limit=3")
    assert (status, headers["content-type"]) == (200, "application/json")
    assert json.loads(body) == {"item_id": 5, "q": "lamp", "limit": 3}


def test_post_json(served):
    port, _ = served
    item = {"name": "lamp", "price": 10.0, "tags": ["home"]}
    status, headers, body = request(
        port, "POST", "/items", json.dumps(item).encode(), **{"Content-Type": "application/json"}
    )
    assert status == 201
    assert headers["x-item-name"] == "lamp"
    assert json.loads(body) == {"created": item, "total": 12.0}


def test_validation_error_and_not_found(served):
    port, _ = served
    status, _, body = request(port, "POST", "/items", b"{}", **{"Content-Type": "application/json"})
    assert status == 422 and json.loads(body)["detail"][0]["loc"] == ["body", "name"]
    status, _, body = request(port, "GET", "/nowhere")
    assert (status, json.loads(body)) == (404, {"detail": "Not Found"})


def test_a_binary_response(served):
    port, _ = served
    status, headers, body = request(port, "GET", "/logo.png")
    assert (status, headers["content-type"], body) == (200, "image/png", asgi_apps.LOGO)


def test_cookies_and_an_error(served):
    port, _ = served
    status, headers, _ = request(port, "GET", "/cookies")
    assert status == 200
    cookies = headers.get_all("Set-Cookie")
    assert len(cookies) == 2 and cookies[0].startswith("session=abc123")
    status, _, body = request(port, "GET", "/boom")
    assert status == 500 or status == 502, body  # Mangum answers; or the source does


@pytest.fixture(scope="module")
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(FASTAPI) as runtime:
        yield runtime


@pytest.mark.parametrize("source", ["function-url", "apigw-v2", "apigw-v1", "alb"])
def test_runtime_http_for_every_source(runtime: LocalRuntime, source: str) -> None:
    got = runtime.http("GET", "/items/7?q=x", source=source)
    assert (got.status, got.json()) == (200, {"item_id": 7, "q": "x", "limit": 10})
    created = runtime.http("POST", "/items", json={"name": "pen", "price": 2.5}, source=source)
    assert created.status == 201 and created.headers["X-Item-Name"] == "pen"
    assert created.json() == {"created": {"name": "pen", "price": 2.5, "tags": []}, "total": 3.0}
    missing = runtime.http("GET", "/nowhere", source=source)
    assert (missing.status, missing.json()) == (404, {"detail": "Not Found"})
    logo = runtime.http("GET", "/logo.png", source=source)
    assert (logo.status, logo.headers["content-type"], logo.body) == (
        200,
        "image/png",
        asgi_apps.LOGO,
    )
    cookies = runtime.http("GET", "/cookies", source=source)
    assert [c.split("=")[0] for c in cookies.cookies] == ["session", "theme"]
