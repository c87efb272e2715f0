"""A Chalice app (tests/compat/frameworks/chalice_app.py): its REST routes served as
the app object itself (`chalice_app.app`, a callable instance, not a function), a
`@app.lambda_function()` and an `@app.on_sqs_message` handler, under
`python -m awslambdaric` and `python -m minlambda`, `LocalRuntime` and
`python -m minlambda invoke`, and the routes four at a time with
AWS_LAMBDA_MAX_CONCURRENCY=4 (`app.current_request` is an attribute of the one app
object: concurrent requests must not share it), and the two functions two at a
time with AWS_LAMBDA_MAX_CONCURRENCY=2."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("chalice")

from compat.frameworks import chalice_app  # noqa: E402
from compat.frameworks.checks import (  # noqa: E402
    Apps,
    assert_logged_once,
    assert_same_http,
    body_json,
    check_four_at_once,
    check_lambda_context,
    check_minlambda_invoke,
    check_same_result_everywhere,
    check_threads_share_the_app,
    http_everywhere,
    serve_two,
)
from compat.frameworks.http_events import http_event  # noqa: E402
from compat.harness import FUNCTION, ML, RIC, cli_invoke, load_event  # noqa: E402

MODULE = "compat.frameworks.chalice_app"
ROUTES_HANDLER = f"{MODULE}.app"


def rest(method: str, path: str, resource: str, params: dict[str, str] | None = None, **options):
    """An API Gateway REST event as Chalice needs it: the route template
    (`resource`) and the path parameters, as API Gateway sends them."""
    return http_event("apigw-v1", method, path, resource=resource, path_params=params, **options)


# (name, event, status, body as JSON)
REQUESTS: list[tuple[str, dict[str, Any], int, Any]] = [
    ("path-and-query", rest("GET", "/items/5", "/items/{item_id}", {"item_id": "5"},
                            query={"q": ["pens"]}), 200, {"item_id": "5", "q": "pens"}),
    ("not-found-error", rest("GET", "/items/0", "/items/{item_id}", {"item_id": "0"}), 404,
     {"Code": "NotFoundError", "Message": "item 0 not found"}),
    ("json-body", rest("POST", "/orders", "/orders", body={"id": "o-1", "amount": 3}), 201,
     {"id": "o-1", "total": 6}),
    ("exception", rest("GET", "/boom", "/boom"), 500,
     {"Code": "InternalServerError", "Message": "An internal server error occurred."}),
    ("method-not-allowed", rest("DELETE", "/boom", "/boom"), 405,
     {"Code": "MethodNotAllowedError", "Message": "Unsupported method: DELETE"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def apps():
    with Apps() as started:
        yield started


@pytest.mark.parametrize(
    ("name", "event", "status", "body"), REQUESTS, ids=[r[0] for r in REQUESTS]
)
def test_routes_same_response_under_every_serving_path(apps, name, event, status, body):
    theirs, ours, local = http_everywhere(apps, ROUTES_HANDLER, chalice_app.app, event)
    assert theirs["statusCode"] == status, theirs
    assert body_json(theirs) == body
    assert_same_http(theirs, ours, "python -m minlambda")
    assert_same_http(theirs, local, "LocalRuntime")


def test_cookies_and_headers(apps):
    ric, ml = apps.both(ROUTES_HANDLER)
    event = rest("POST", "/orders", "/orders", body={"id": "o-5", "amount": 1})
    theirs, ours = ric.invoke(event).json(), ml.invoke(event).json()
    assert theirs["headers"]["X-Order"] == "o-5"
    assert theirs["multiValueHeaders"] == {"Set-Cookie": ["a=1", "b=2"]}
    assert_same_http(theirs, ours)


def test_lambda_context_of_the_app(apps):
    event = rest("GET", "/context", "/context")
    check_lambda_context(apps, ROUTES_HANDLER, chalice_app.app, event)


def test_route_exception_is_logged_by_chalice(apps):
    # Chalice logs on its own logger, with its own handler and format (not the
    # runtime's): the same line under both runtimes
    ric, ml = apps.both(ROUTES_HANDLER)
    event = rest("GET", "/boom", "/boom")
    for server in (ric, ml):
        assert server.invoke(event).json()["statusCode"] == 500
    lines = {
        server.runtime: [line for line in server.stdout.splitlines() if "Caught exception" in line]
        for server in (ric, ml)
    }
    assert lines[RIC] and lines[ML] == lines[RIC]
    assert lines[RIC][-1] == "shop - ERROR - Caught exception for path /boom"


def _sqs_orders() -> dict[str, Any]:
    event = load_event("sqsEvent.json")
    event["Records"][0]["body"] = '{"id": "o-1"}'
    return event


# (handler, event, response)
FUNCTIONS: list[tuple[str, Any, Any]] = [
    ("hello", {"name": "ada"}, {"hello": "ada", "function": FUNCTION}),
    ("on_message", _sqs_orders(), {"bodies": ['{"id": "o-1"}', '{"message": "foo1"}'], "count": 2}),
]


@pytest.mark.parametrize(("name", "event", "expected"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_under_every_serving_path(apps, name, event, expected):
    handler = f"{MODULE}.{name}"
    check_same_result_everywhere(apps, handler, getattr(chalice_app, name), event, expected)
    done = cli_invoke(handler, event)
    assert (done.returncode, done.json()) == (0, expected), done.stderr


def test_minlambda_invoke_routes(apps):
    check_minlambda_invoke(apps, ROUTES_HANDLER, REQUESTS[2][1], 201)


def _slow(i: int, batch: str) -> dict[str, Any]:
    return rest("GET", f"/slow/{i}", "/slow/{i}", {"i": str(i)}, query={"batch": [batch]})


def test_four_at_once(tmp_path):
    check_four_at_once(ROUTES_HANDLER, _slow, tmp_path)


def test_threads_mode_would_share_the_app(tmp_path):
    check_threads_share_the_app(ROUTES_HANDLER, _slow, tmp_path)


def test_two_at_once_functions_each_callers_own(tmp_path):
    # @app.lambda_function(): two calls at once (each waits for the other), each
    # answered with its own event and request id, by a worker of its own
    def greetings(batch):
        return [{"name": "ada", "batch": batch}, {"name": "bob", "batch": batch}]

    served = serve_two(f"{MODULE}.hello", greetings, tmp_path / "hello")
    for runtime, (results, _) in served.items():
        replies = [result.json() for result in results]
        assert [(r["hello"], r["function"], r["met"]) for r in replies] == [
            ("ada", FUNCTION, 2), ("bob", FUNCTION, 2),
        ], runtime  # fmt: skip
        assert [r["request_id"] for r in replies] == [result.request_id for result in results]
        assert len({r["pid"] for r in replies}) == 2, runtime

    # @app.on_sqs_message: two batches sent at once, each caller its own bodies,
    # each body logged with its own invocation's request id
    def batches(batch):
        events = []
        for tag in ("a", "b"):
            event = load_event("sqsEvent.json")
            for index, record in enumerate(event["Records"]):
                record["body"] = f"{tag}-{index}-{batch}"
            events.append(event)
        return events

    served = serve_two(f"{MODULE}.on_message", batches, tmp_path / "sqs")
    for runtime, (results, stdout) in served.items():
        replies = [result.json() for result in results]
        batch = replies[0]["bodies"][0].rsplit("-", 1)[1]
        assert replies == [
            {"bodies": [f"{tag}-0-{batch}", f"{tag}-1-{batch}"], "count": 2} for tag in ("a", "b")
        ], runtime
        for result, reply in zip(results, replies, strict=True):
            for body in reply["bodies"]:
                assert_logged_once(runtime, stdout, f"message {body}", result.request_id)
