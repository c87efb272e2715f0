"""One Flask app (tests/compat/frameworks/wsgi_apps.py) through apig-wsgi and through
serverless-wsgi, served by `python -m awslambdaric` and `python -m minlambda`, by
`LocalRuntime` and by `python -m minlambda invoke`, and four at a time with
AWS_LAMBDA_MAX_CONCURRENCY=4."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("flask")
pytest.importorskip("apig_wsgi")
pytest.importorskip("serverless_wsgi")

from compat.frameworks import wsgi_apps  # noqa: E402
from compat.frameworks.checks import (  # noqa: E402
    Apps,
    assert_same_http,
    check_four_at_once,
    check_lambda_context,
    check_logged_traceback,
    check_minlambda_invoke,
    http_everywhere,
    slow_requests,
)
from compat.frameworks.http_events import SOURCES, http_event  # noqa: E402

APIG = "compat.frameworks.wsgi_apps.apig_handler"
SLS = "compat.frameworks.wsgi_apps.sls_handler"
HANDLERS = {APIG: wsgi_apps.apig_handler, SLS: wsgi_apps.sls_handler}
ADAPTERS = {APIG: "apig-wsgi", SLS: "serverless-wsgi"}

JSON = "application/json"
HTML = "text/html; charset=utf-8"

# (name, method, path, options of http_event, status, content type, start of the body)
ROUTES: list[tuple[str, str, str, dict[str, Any], int, str, str]] = [
    ("path-and-query", "GET", "/items/5", {"query": {"q": ["pens"]}}, 200, JSON,
     '{"all_q":["pens"],"item_id":5,"q":"pens"}'),
    ("json-body-cookies", "POST", "/orders", {"body": {"id": "o-1", "amount": 3}}, 201, JSON,
     '{"id":"o-1","total":6}'),
    ("text", "GET", "/text", {}, 200, "text/plain; charset=utf-8", "plain text"),
    ("abort", "GET", "/gone", {}, 410, HTML, "<!doctype html>\n<html lang=en>\n<title>410 Gone"),
    ("not-found", "GET", "/nowhere", {}, 404, HTML,
     "<!doctype html>\n<html lang=en>\n<title>404 Not Found"),
    ("method-not-allowed", "DELETE", "/text", {}, 405, HTML,
     "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed"),
    ("exception", "GET", "/boom", {}, 500, HTML,
     "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error"),
]  # fmt: skip


@pytest.fixture(scope="module")
def apps():
    with Apps() as started:
        yield started


def _header(response: dict[str, Any], name: str) -> str:
    for key in ("headers", "multiValueHeaders"):
        for header, value in (response.get(key) or {}).items():
            if header.lower() == name:
                return value if isinstance(value, str) else ",".join(value)
    raise KeyError(name)


@pytest.mark.parametrize(
    ("handler", "source", "route"),
    [
        pytest.param(h, s, r, id=f"{ADAPTERS[h]}-{s}-{r[0]}")
        for h in (APIG, SLS)
        for s in SOURCES
        for r in ROUTES
    ],
)
def test_same_response_under_every_serving_path(apps, handler, source, route):
    _, method, path, options, status, content_type, body = route
    event = http_event(source, method, path, **options)
    theirs, ours, local = http_everywhere(apps, handler, HANDLERS[handler], event)
    assert theirs["statusCode"] == status, theirs
    assert _header(theirs, "content-type") == content_type
    assert theirs["isBase64Encoded"] is False and theirs["body"].startswith(body), theirs
    if status == 405:
        # werkzeug lists the allowed methods from a set: their order depends on each
        # process's hash seed, whatever the runtime
        for response in (theirs, ours, local):
            _sort_allow(response)
        assert _header(theirs, "allow") == "GET, HEAD, OPTIONS"
    assert_same_http(theirs, ours, "python -m minlambda")
    assert_same_http(theirs, local, "LocalRuntime")


def _sort_allow(response: dict[str, Any]) -> None:
    for key in ("headers", "multiValueHeaders"):
        headers = response.get(key) or {}
        for name, value in headers.items():
            if name.lower() == "allow":
                methods = ", ".join(
                    sorted((value if isinstance(value, str) else value[0]).split(", "))
                )
                headers[name] = methods if isinstance(value, str) else [methods]


@pytest.mark.parametrize("handler", [APIG, SLS], ids=["apig-wsgi", "serverless-wsgi"])
def test_multi_value_query_and_cookies(apps, handler):
    ric, ml = apps.both(handler)
    event = http_event("apigw-v1", "GET", "/items/5", query={"q": ["a", "b"]})
    theirs, ours = ric.invoke(event).json(), ml.invoke(event).json()
    assert theirs["body"] == '{"all_q":["a","b"],"item_id":5,"q":"a"}\n'
    assert_same_http(theirs, ours)
    event = http_event("apigw-v1", "POST", "/orders", body={"id": "o-7", "amount": 1})
    theirs, ours = ric.invoke(event).json(), ml.invoke(event).json()
    assert theirs["multiValueHeaders"]["Set-Cookie"] == [
        "last-order=o-7; Path=/",
        "visits=1; Path=/",
    ]
    assert_same_http(theirs, ours)


@pytest.mark.parametrize("handler", [APIG, SLS], ids=["apig-wsgi", "serverless-wsgi"])
def test_lambda_context_in_the_wsgi_environ(apps, handler):
    event = http_event("apigw-v2", "GET", "/context")
    check_lambda_context(apps, handler, HANDLERS[handler], event)


@pytest.mark.parametrize("handler", [APIG, SLS], ids=["apig-wsgi", "serverless-wsgi"])
def test_unhandled_exception_is_logged_with_the_request_id(apps, handler):
    # Flask logs it on app.logger, which propagates to the runtime's root handler
    ric, ml = apps.both(handler)
    check_logged_traceback(
        ric, ml, http_event("apigw-v1", "GET", "/boom"), "Exception on /boom [GET]",
        'RuntimeError: the flask is cracked',
    )  # fmt: skip


@pytest.mark.parametrize("handler", [APIG, SLS], ids=["apig-wsgi", "serverless-wsgi"])
def test_minlambda_invoke(apps, handler):
    event = http_event("apigw-v2", "POST", "/orders", body={"id": "o-3", "amount": 5})
    check_minlambda_invoke(apps, handler, event, 201)


@pytest.mark.parametrize(
    ("handler", "source"), [(APIG, "apigw-v1"), (SLS, "alb")], ids=["apig-wsgi", "serverless-wsgi"]
)
def test_four_at_once(handler, source, tmp_path):
    check_four_at_once(handler, slow_requests(source), tmp_path)
