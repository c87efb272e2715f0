"""Powertools for AWS Lambda (Python) in plain, undecorated handlers
(tests/compat/frameworks/powertools_apps.py): the REST, HTTP and ALB resolvers,
Logger, Metrics, the parser, the data classes and the batch processor, served by
`python -m awslambdaric` and `python -m minlambda`, by `LocalRuntime` and by
`python -m minlambda invoke`, and the resolvers four at a time with
AWS_LAMBDA_MAX_CONCURRENCY=4 (a resolver keeps the current event in a module
global: concurrent requests must not share it); Metrics, the parser, the data
classes and the batch processor two at a time with AWS_LAMBDA_MAX_CONCURRENCY=2."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytest.importorskip("aws_lambda_powertools")
pytest.importorskip("pydantic")

from compat.frameworks import powertools_apps  # noqa: E402
from compat.frameworks.checks import (  # noqa: E402
    Apps,
    assert_same_error,
    assert_same_http,
    body_json,
    check_four_at_once,
    check_lambda_context,
    check_same_result_everywhere,
    check_threads_share_the_app,
    http_everywhere,
    http_response,
    serve_two,
    slow_requests,
)
from compat.frameworks.http_events import http_event  # noqa: E402
from compat.harness import ARN, FUNCTION, ML, RIC, cli_invoke, load_event  # noqa: E402

MODULE = "compat.frameworks.powertools_apps"
REST, HTTP, ALB = f"{MODULE}.rest_handler", f"{MODULE}.http_handler", f"{MODULE}.alb_handler"
HANDLERS = {
    REST: powertools_apps.rest_handler,
    HTTP: powertools_apps.http_handler,
    ALB: powertools_apps.alb_handler,
}
# each resolver with the sources it serves
RESOLVERS = [(REST, "apigw-v1"), (HTTP, "apigw-v2"), (ALB, "alb"), (ALB, "alb-multi")]
SQS_IDS = ["059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da"]

# (name, method, path, options of http_event, status, body as JSON)
ROUTES: list[tuple[str, str, str, dict[str, Any], int, Any]] = [
    ("path-and-query", "GET", "/items/5", {"query": {"q": ["shoes"]}}, 200,
     {"item_id": "5", "q": "shoes"}),
    ("not-found-error", "GET", "/items/0", {}, 404,
     {"statusCode": 404, "message": "item 0 not found"}),
    ("json-body", "POST", "/orders", {"body": {"id": "o-1", "amount": 3}}, 201,
     {"id": "o-1", "total": 6}),
    ("no-route", "GET", "/nowhere", {}, 404, {"statusCode": 404, "message": "Not found"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def apps():
    with Apps() as started:
        yield started


def _short(handler: str) -> str:
    return handler.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    ("handler", "source", "route"),
    [pytest.param(h, s, r, id=f"{_short(h)}-{s}-{r[0]}") for h, s in RESOLVERS for r in ROUTES],
)
def test_resolvers_same_response_under_every_serving_path(apps, handler, source, route):
    _, method, path, options, status, expected = route
    event = http_event(source, method, path, **options)
    theirs, ours, local = http_everywhere(apps, handler, HANDLERS[handler], event)
    assert theirs["statusCode"] == status, theirs
    assert body_json(theirs) == expected
    assert_same_http(theirs, ours, "python -m minlambda")
    assert_same_http(theirs, local, "LocalRuntime")


@pytest.mark.parametrize(("handler", "source"), RESOLVERS[:3], ids=["rest", "http", "alb"])
def test_resolver_exception_is_the_function_error(apps, handler, source):
    # an exception in a route is not caught by the resolver: a function error
    event = http_event(source, "GET", "/boom")
    ric, ml = apps.both(handler)
    theirs, ours = ric.invoke(event), ml.invoke(event)
    error = assert_same_error(theirs, ours)
    assert (error["errorType"], error["errorMessage"]) == (
        "RuntimeError",
        "the resolver is on fire",
    )
    assert 'raise RuntimeError("the resolver is on fire")' in error["stackTrace"][-1]
    local = apps.local(HANDLERS[handler]).invoke(event)
    assert local.error is not None
    assert (local.error["errorType"], local.error["errorMessage"]) == (
        "RuntimeError", "the resolver is on fire",
    )  # fmt: skip


@pytest.mark.parametrize(("handler", "source"), RESOLVERS[:3], ids=["rest", "http", "alb"])
def test_resolver_lambda_context(apps, handler, source):
    event = http_event(source, "GET", "/context")
    check_lambda_context(apps, handler, HANDLERS[handler], event)


def _line_of(text: str) -> int:
    """The line number of `text` in powertools_apps.py."""
    with open(powertools_apps.__file__) as file:
        (number,) = [n for n, line in enumerate(file, 1) if text in line]
    return number


def _records(stdout: str, message: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [record for record in records if record.get("message") == message]


def test_logger_inject_lambda_context_in_a_resolver(apps):
    ric, ml = apps.both(REST)
    event = http_event("apigw-v1", "POST", "/orders", body={"id": "o-42", "amount": 1})
    records = {}
    for server in (ric, ml):
        result = server.invoke(event)
        assert http_response(result, server.runtime)["statusCode"] == 201
        (record,) = [
            r for r in _records(server.stdout, "order received")
            if r["function_request_id"] == result.request_id
        ]  # fmt: skip
        assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", record.pop("xray_trace_id"))
        record.pop("function_request_id")
        record.pop("timestamp")
        records[server.runtime] = record
    # the same record, keys in the same order, but for the memory size: the
    # context's own type (a str under awslambdaric, an int under minlambda)
    expected = {
        "level": "INFO",
        "location": "create_order:" + str(_line_of('logger.info("order received"')),
        "message": "order received",
        "service": "shop",
        "cold_start": records[RIC]["cold_start"],
        "function_name": FUNCTION,
        "function_memory_size": "256",
        "function_arn": ARN,
        "correlation_id": "id=",
        "order_id": "o-42",
    }
    assert list(records[RIC]) == list(records[ML]) == list(expected)
    assert records[RIC] == expected
    assert records[ML] == {**expected, "function_memory_size": 256}


# -- Metrics, parser, data classes, batch ---------------------------------------------------


def _emf(stdout: str) -> list[dict[str, Any]]:
    """The EMF blobs printed, each without its timestamp."""
    blobs = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    for blob in blobs:
        assert isinstance(blob["_aws"].pop("Timestamp"), int)
    return blobs


def test_metrics_log_metrics_prints_the_same_emf(apps):
    handler = f"{MODULE}.metrics_handler"
    ric, ml = apps.both(handler)
    event = {"channel": "web", "orders": 3}
    for server in (ric, ml):
        assert server.invoke(event).json() == {"recorded": 3}
        assert server.invoke({"channel": "app", "orders": 1}).json() == {"recorded": 1}
    theirs, ours = _emf(ric.stdout), _emf(ml.stdout)
    assert ours == theirs
    # the cold start metric (first invocation only, with the function's name), then
    # one blob per invocation
    assert [sorted(k for k in blob if k != "_aws") for blob in theirs] == [
        ["ColdStart", "function_name", "service"],
        ["OrdersPlaced", "channel", "service"],
        ["OrdersPlaced", "channel", "service"],
    ]
    assert theirs[0]["function_name"] == FUNCTION
    assert [blob.get("OrdersPlaced") for blob in theirs[1:]] == [[3.0], [1.0]]
    local = apps.local(powertools_apps.metrics_handler)
    assert local.invoke(event).json() == {"recorded": 3}
    assert cli_invoke(handler, event).json() == {"recorded": 3}


def _orders_event(amounts: list[Any]) -> dict[str, Any]:
    event = load_event("sqsEvent.json")
    for index, (record, amount) in enumerate(zip(event["Records"], amounts, strict=True)):
        record["body"] = json.dumps({"id": f"o-{index}", "amount": amount})
    return event


def _eventbridge_order() -> dict[str, Any]:
    event = load_event("eventBridgeEvent.json")
    event["detail"] = {"id": "o-9", "amount": 5}
    return event


# (handler, event, the response) for a handler that works
EVENT_HANDLERS: list[tuple[str, Any, Any]] = [
    # typing is opt-in: the annotation `event: Order` (a pydantic model) is the
    # parser's business, the runtime passes the plain dict
    ("parsed", {"id": "o-1", "amount": 2}, {"id": "o-1", "total": 4, "model": "Order"}),
    ("parsed_envelope", _orders_event([2, 3]), 5),
    ("sourced", load_event("sqsEvent.json"), [
        {"id": SQS_IDS[0], "body": "Test message.", "sent": "1545082649183",
         "queue": "https://sqs.us-east-2.amazonaws.com/123456789012/my-queue"},
        {"id": SQS_IDS[1], "body": '{"message": "foo1"}', "sent": "1545082650636",
         "queue": "https://sqs.us-east-2.amazonaws.com/123456789012/my-queue"},
    ]),
    ("parse_inside", _eventbridge_order(), {"id": "o-9", "amount": 5}),
    ("batch_handler", _orders_event([2, -1]), {"batchItemFailures": [{"itemIdentifier": SQS_IDS[1]}]}),
    ("batch_handler", _orders_event([2, 1]), {"batchItemFailures": []}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "event", "expected"),
    EVENT_HANDLERS,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(EVENT_HANDLERS)],
)
def test_event_handlers_under_every_serving_path(apps, name, event, expected):
    handler = f"{MODULE}.{name}"
    check_same_result_everywhere(apps, handler, getattr(powertools_apps, name), event, expected)


@pytest.mark.parametrize("name", ["parsed", "parse_inside", "batch_handler"])
def test_minlambda_invoke(name):
    event = dict(EVENT_HANDLERS[[case[0] for case in EVENT_HANDLERS].index(name)][1])
    expected = EVENT_HANDLERS[[case[0] for case in EVENT_HANDLERS].index(name)][2]
    done = cli_invoke(f"{MODULE}.{name}", event)
    assert (done.returncode, done.json()) == (0, expected), done.stderr


@pytest.mark.parametrize(
    ("name", "event", "message"),
    [
        ("parsed", {"id": "o-2", "amount": "lots"}, "1 validation error for Order\namount\n"),
        ("parsed_envelope", _orders_event([2, "three"]), "1 validation error for Order\namount\n"),
        # the sample's own detail: no id, no amount
        (
            "parse_inside",
            load_event("eventBridgeEvent.json"),
            "2 validation errors for Order\nid\n  Field required",
        ),
    ],
    ids=["parsed", "parsed_envelope", "parse_inside"],
)
def test_parser_validation_error_is_the_function_error(apps, name, event, message):
    # pydantic's ValidationError, raised in the handler, under both runtimes alike
    # (minlambda's own Runtime.ValidationError is for @lambda_handler's schemas only)
    ric, ml = apps.both(f"{MODULE}.{name}")
    error = assert_same_error(ric.invoke(event), ml.invoke(event))
    assert error["errorType"] == "ValidationError"
    assert error["errorMessage"].startswith(message)
    local = apps.local(getattr(powertools_apps, name)).invoke(event).error
    assert local is not None
    assert (local["errorType"], local["errorMessage"]) == ("ValidationError", error["errorMessage"])
    done = cli_invoke(f"{MODULE}.{name}", event)
    assert done.returncode == 1
    assert {k: done.json()[k] for k in ("errorType", "errorMessage")} == {
        "errorType": "ValidationError", "errorMessage": error["errorMessage"],
    }  # fmt: skip


@pytest.mark.parametrize(("handler", "source"), RESOLVERS[:3], ids=["rest", "http", "alb"])
def test_four_at_once_resolvers_share_nothing(handler, source, tmp_path):
    # each /slow/{i} reads the resolver's current_event and lambda_context after
    # all four have started: shared between them, three would see another's path
    check_four_at_once(handler, slow_requests(source), tmp_path)


def test_threads_mode_would_share_the_resolver(tmp_path):
    check_threads_share_the_app(REST, slow_requests("apigw-v1"), tmp_path)


# -- two at once (AWS_LAMBDA_MAX_CONCURRENCY=2) -------------------------------------------


def test_two_at_once_metrics_one_emf_blob_per_invocation(tmp_path):
    # each invocation waits for the other, then prints its own blob, with its own
    # request id (as metadata) and dimension; each worker its own cold start
    def events(batch):
        return [{"channel": "web", "orders": 3, "batch": batch},
                {"channel": "app", "orders": 1, "batch": batch}]  # fmt: skip

    served = serve_two(f"{MODULE}.metrics_handler", events, tmp_path)
    shapes = {}
    for runtime, (results, stdout) in served.items():
        assert [r.json() for r in results] == [{"recorded": 3}, {"recorded": 1}], runtime
        blobs = _emf(stdout)
        orders = sorted(
            (blob["request_id"], blob["channel"], blob["OrdersPlaced"])
            for blob in blobs
            if "OrdersPlaced" in blob
        )
        assert orders == sorted(
            [(results[0].request_id, "web", [3.0]), (results[1].request_id, "app", [1.0])]
        ), (runtime, blobs)
        cold = [blob for blob in blobs if "ColdStart" in blob]
        assert [blob["function_name"] for blob in cold] == [FUNCTION] * 2, runtime
        shapes[runtime] = sorted(
            json.dumps({k: v for k, v in blob.items() if k != "request_id"}, sort_keys=True)
            for blob in blobs
        )
    assert shapes[ML] == shapes[RIC]


def _batch_of_orders(amounts: list[Any], batch: str, tag: str) -> dict[str, Any]:
    event = load_event("sqsEvent.json")
    for index, (record, amount) in enumerate(zip(event["Records"], amounts, strict=True)):
        record["messageId"] = f"{tag}-{index}"
        record["body"] = json.dumps({"id": f"{tag}-{index}", "amount": amount, "batch": batch})
    return event


def test_two_at_once_parser_data_classes_and_batch_each_callers_own(tmp_path):
    # two batches processed at once (their first records wait for each other), each
    # with the failures of its own records: the module's one BatchProcessor is not
    # shared between them
    def batches(batch):
        return [_batch_of_orders([2, -1], batch, "a"), _batch_of_orders([-1, 1], batch, "b")]

    served = serve_two(f"{MODULE}.batch_handler", batches, tmp_path)
    for runtime, (results, _) in served.items():
        assert [r.json() for r in results] == [
            {"batchItemFailures": [{"itemIdentifier": "a-1"}]},
            {"batchItemFailures": [{"itemIdentifier": "b-0"}]},
        ], runtime
    # the parser and the data classes, two different events at once, each caller
    # its own answer
    other_sqs = load_event("sqsEvent.json")
    other_sqs["Records"] = other_sqs["Records"][1:]
    cases = {
        "parsed": [
            ({"id": "o-1", "amount": 2}, {"id": "o-1", "total": 4, "model": "Order"}),
            ({"id": "o-2", "amount": 5}, {"id": "o-2", "total": 10, "model": "Order"}),
        ],
        "parse_inside": [
            (_eventbridge_order(), {"id": "o-9", "amount": 5}),
            ({**_eventbridge_order(), "detail": {"id": "o-3", "amount": 1}}, {"id": "o-3", "amount": 1}),
        ],
        "sourced": [
            (load_event("sqsEvent.json"), [SQS_IDS[0], SQS_IDS[1]]),
            (other_sqs, [SQS_IDS[1]]),
        ],
    }  # fmt: skip
    for name, pairs in cases.items():
        events = [event for event, _ in pairs]
        served = serve_two(f"{MODULE}.{name}", lambda batch, events=events: events, tmp_path / name)
        for runtime, (results, _) in served.items():
            replies = [r.json() for r in results]
            if name == "sourced":
                replies = [[record["id"] for record in reply] for reply in replies]
            assert replies == [expected for _, expected in pairs], (runtime, name)
