"""FastAPI and Starlette behind Mangum (tests/compat/frameworks/asgi_apps.py), served
by `python -m awslambdaric` and `python -m minlambda`, by `LocalRuntime` and by
`python -m minlambda invoke`, and four at a time with AWS_LAMBDA_MAX_CONCURRENCY=4.

Mangum calls asyncio.get_event_loop() in its sync handler: it needs a current event
loop in whichever thread runs the handler."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

pytest.importorskip("mangum")
pytest.importorskip("fastapi")
pytest.importorskip("starlette")

from compat.frameworks.checks import (  # noqa: E402
    Apps,
    assert_same_http,
    body_json,
    check_four_at_once,
    check_lambda_context,
    check_logged_traceback,
    check_minlambda_invoke,
    http_everywhere,
    http_response,
    slow_requests,
)
from compat.frameworks.http_events import SOURCES, http_event  # noqa: E402

with warnings.catch_warnings():
    # Mangum() calls asyncio.get_event_loop() when the app module is imported: from
    # Python 3.12 that warns when it has to create the loop (this is pytest's main
    # thread, with no loop of its own)
    warnings.simplefilter("ignore", DeprecationWarning)
    from compat.frameworks import asgi_apps

FASTAPI = "compat.frameworks.asgi_apps.fastapi_handler"
STARLETTE = "compat.frameworks.asgi_apps.starlette_handler"
HANDLERS = {FASTAPI: asgi_apps.fastapi_handler, STARLETTE: asgi_apps.starlette_handler}
NAMES = {FASTAPI: "fastapi", STARLETTE: "starlette"}

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"

# (name, method, path, options of http_event, status, content type, body: JSON value or text)
FASTAPI_ROUTES: list[tuple[str, str, str, dict[str, Any], int, str, Any]] = [
    ("path-param", "GET", "/items/5", {}, 200, JSON, {"item_id": 5, "q": None, "limit": 10}),
    ("query", "GET", "/items/7", {"query": {"q": ["shoes"], "limit": ["3"]}}, 200, JSON,
     {"item_id": 7, "q": "shoes", "limit": 3}),
    ("json-body", "POST", "/items", {"body": {"name": "pen", "price": 2.5, "tags": ["office"]}},
     201, JSON, {"created": {"name": "pen", "price": 2.5, "tags": ["office"]}, "total": 3.0}),
    ("invalid-body", "POST", "/items", {"body": {"name": "pen"}}, 422, JSON, None),
    ("invalid-param", "GET", "/items/five", {}, 422, JSON, None),
    ("cookies", "GET", "/cookies", {}, 200, JSON, {"cookies": 2}),
    ("http-exception", "GET", "/teapot", {}, 418, JSON, {"detail": "short and stout"}),
    ("not-found", "GET", "/nowhere", {}, 404, JSON, {"detail": "Not Found"}),
    ("exception", "GET", "/boom", {}, 500, TEXT, "Internal Server Error"),
]  # fmt: skip
STARLETTE_ROUTES: list[tuple[str, str, str, dict[str, Any], int, str, Any]] = [
    ("text", "GET", "/", {}, 200, TEXT, "hello from starlette"),
    ("path-and-query", "GET", "/users/ada", {"query": {"sort": ["asc"]}}, 200, JSON,
     {"user": "ada", "sort": "asc"}),
    ("json-body", "POST", "/echo", {"body": {"a": [1, 2], "b": None}}, 200, JSON,
     {"echo": {"a": [1, 2], "b": None}, "type": "application/json"}),
    ("not-found", "GET", "/missing", {}, 404, TEXT, "Not Found"),
    ("method-not-allowed", "DELETE", "/echo", {}, 405, TEXT, "Method Not Allowed"),
]  # fmt: skip

CASES = [
    pytest.param(handler, source, route, id=f"{NAMES[handler]}-{source}-{route[0]}")
    for handler, routes in ((FASTAPI, FASTAPI_ROUTES), (STARLETTE, STARLETTE_ROUTES))
    for source in SOURCES
    for route in routes
]


@pytest.fixture(scope="module")
def apps():
    with Apps() as started:
        yield started


def _content_type(response: dict[str, Any]) -> str:
    if "multiValueHeaders" in response and "content-type" in response["multiValueHeaders"]:
        (value,) = response["multiValueHeaders"]["content-type"]
        return str(value)
    return str(response["headers"]["content-type"])


@pytest.mark.parametrize(("handler", "source", "route"), CASES)
def test_same_response_under_every_serving_path(apps, handler, source, route):
    _, method, path, options, status, content_type, expected = route
    event = http_event(source, method, path, **options)
    theirs, ours, local = http_everywhere(apps, handler, HANDLERS[handler], event)
    # the app answered the request (under awslambdaric, the reference)
    assert theirs["statusCode"] == status, theirs
    assert _content_type(theirs) == content_type
    if expected is not None:
        assert (body_json(theirs) if content_type == JSON else theirs["body"]) == expected
    # and minlambda gives the same answer, field by field
    assert_same_http(theirs, ours, "python -m minlambda")
    assert_same_http(theirs, local, "LocalRuntime")


def test_cookies_by_source(apps):
    # what Mangum makes of two Set-Cookie headers depends on the source; the same
    # under both runtimes (checked above), and here what it is
    ml = apps.server("minlambda", FASTAPI)
    cookies = [
        "session=abc123; HttpOnly; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]
    v1 = http_response(ml.invoke(http_event("apigw-v1", "GET", "/cookies")), "v1")
    assert v1["multiValueHeaders"] == {"set-cookie": cookies}
    v2 = http_response(ml.invoke(http_event("apigw-v2", "GET", "/cookies")), "v2")
    assert v2["cookies"] == cookies and "set-cookie" not in v2["headers"]
    alb = http_response(ml.invoke(http_event("alb-multi", "GET", "/cookies")), "alb")
    assert alb["multiValueHeaders"]["set-cookie"] == cookies


@pytest.mark.parametrize("source", ["apigw-v1", "apigw-v2", "alb"])
def test_lambda_context_in_the_asgi_scope(apps, source):
    event = http_event(source, "GET", "/context")
    check_lambda_context(apps, FASTAPI, asgi_apps.fastapi_handler, event)


def test_unhandled_exception_is_logged_with_the_request_id(apps):
    event = http_event("apigw-v2", "GET", "/boom")
    ric, ml = apps.both(FASTAPI)
    check_logged_traceback(
        ric, ml, event, "An error occurred running the application.",
        "RuntimeError: the kitchen is on fire",
    )  # fmt: skip


@pytest.mark.parametrize("handler", [FASTAPI, STARLETTE], ids=["fastapi", "starlette"])
def test_minlambda_invoke(apps, handler):
    path = "/items/5" if handler == FASTAPI else "/users/ada"
    event = http_event("apigw-v1", "GET", path, query={"sort": ["asc"]})
    check_minlambda_invoke(apps, handler, event, 200)


@pytest.mark.parametrize(
    ("handler", "source"),
    [(FASTAPI, "apigw-v1"), (STARLETTE, "apigw-v2")],
    ids=["fastapi", "starlette"],
)
def test_four_at_once(handler, source, tmp_path):
    check_four_at_once(handler, slow_requests(source), tmp_path)
