"""The invocation loop over real sockets against the scripted fake Runtime API:
every framing, every status, the exact bytes sent back, and every error payload."""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import msgspec
import pytest
from conftest import (
    MODERATE_DEPTH,
    PATHOLOGICAL_ARRAY_DEPTH,
    PATHOLOGICAL_OBJECT_DEPTH,
    RUNTIME_DIR,
    deep_arrays,
    deep_objects,
)
from fakeapi import Event

from minlambda import Context, lambda_handler
from minlambda._local.samples import sample as _sample
from minlambda._runtime_api import RuntimeAPIError
from minlambda.events import SQSEvent
from minlambda.testing import LocalRuntime


def echo(event: Any, context: Context) -> Any:
    return event


class Order(msgspec.Struct):
    id: str
    amount: int


class Receipt(msgspec.Struct):
    id: str
    total: int


@lambda_handler
def charge(event: Order, context: Context) -> Receipt:
    return Receipt(id=event.id, total=event.amount * 2)


class PaymentDeclined(Exception):
    pass


def _decline(card: str) -> None:
    raise PaymentDeclined(f"card {card} declined")


def failing(event: dict[str, Any]) -> Any:
    kind = event.get("kind")
    if kind == "custom":
        _decline("4000")
    if kind == "chained":
        try:
            {}["inner"]  # noqa: B018 - raising KeyError on purpose
        except KeyError as exc:
            raise PaymentDeclined("outer") from exc
    if kind == "context":
        try:
            {}["inner"]  # noqa: B018
        except KeyError:
            if event.get("suppress"):
                raise ValueError("while handling") from None
            raise ValueError("while handling")  # noqa: B904 - the implicit context is the point
    if kind == "digits":
        raise type("Error_42", (Exception,), {})("odd name")
    if kind == "noletters":
        raise type("_1", (Exception,), {})("no letters")
    if kind == "broken_str":
        class Broken(Exception):
            def __str__(self) -> str:
                raise RuntimeError("no str")

        raise Broken()
    return {"ok": True}


# -- framing -------------------------------------------------------------------------


FRAMINGS = {
    "content-length": {},
    "chunked": {"chunked": True},
    "chunked-ext-trailers": {"chunked": True, "chunk_ext": True, "trailers": True},
    "trickled": {"trickle": True},
    "trickled-chunked": {"trickle": True, "chunked": True},
    "lower-case-headers": {"header_case": "lower"},
    "upper-case-headers": {"header_case": "upper", "chunked": True},
    "connection-close": {"close": True},
    "idle-connection-dropped": {"drop_after_result": True},
}


@pytest.mark.parametrize("options", FRAMINGS.values(), ids=FRAMINGS.keys())
def test_every_framing_delivers_the_event_and_the_answer(fake, runtime, options):
    payloads = [{"i": i, "text": "x" * (i * 1500)} for i in range(4)]
    api = fake([Event(p, **options) for p in payloads])
    rt = runtime(echo, api)
    results = api.wait_results(4)
    api.wait_holding()
    assert [r.json() for r in results] == payloads
    assert [r.kind for r in results] == ["response"] * 4
    assert api.malformed == [] and rt.warnings == []


def test_keep_alive_connection_is_reused(fake, runtime):
    api = fake([Event({"i": i}) for i in range(20)])
    runtime(echo, api)
    api.wait_results(20)
    api.wait_holding()
    assert api.connections == 1
    assert {r.conn for r in api.requests} == {1}


def test_connection_close_opens_a_new_connection_per_request(fake, runtime):
    api = fake([Event({"i": i}, close=True) for i in range(3)])
    runtime(echo, api)
    api.wait_results(3)
    api.wait_holding()
    # each /next was answered with close; each result and next /next went on a new one
    assert api.connections == 4
    for request in api.requests:
        same = [r for r in api.requests if r.conn == request.conn]
        assert len(same) <= 2


def test_the_exact_bytes_of_a_response_post(fake, runtime):
    event = Event({"a": 1}, request_id="8476a536-e9f4-11e8-9739-2dfe598c3fcd")
    api = fake([event])
    runtime(echo, api)
    (result,) = api.wait_results(1)
    assert result.raw == (
        b"POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response HTTP/1.1\r\n"
        b"Host: " + api.address.encode() + b"\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 7\r\n"
        b'\r\n{"a":1}'
    )
    first = api.requests[0]
    assert first.raw.startswith(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: ")
    assert first.body == b"" and first.framing == "none"


def test_the_exact_bytes_of_an_error_post(fake, runtime):
    api = fake([Event({"kind": "custom"}, request_id="req-1")])
    runtime(failing, api)
    (result,) = api.wait_results(1)
    head, _, body = result.raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    cause = b"Lambda-Runtime-Function-XRay-Error-Cause: "
    assert lines[4].startswith(cause)  # checked field by field in test_an_invocation_error_carries...
    assert lines[:4] + lines[5:] == [
        b"POST /2018-06-01/runtime/invocation/req-1/error HTTP/1.1",
        b"Host: " + api.address.encode(),
        b"Content-Type: application/json",
        b"Lambda-Runtime-Function-Error-Type: Function.PaymentDeclined",
        b"Content-Length: %d" % len(body),
    ]
    error = json.loads(body)
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorType"] == "PaymentDeclined"
    assert error["errorMessage"] == "card 4000 declined"
    assert error["requestId"] == "req-1"
    assert any("_decline" in frame for frame in error["stackTrace"])
    assert any("in failing" in frame for frame in error["stackTrace"])
    assert not any(RUNTIME_DIR in frame for frame in error["stackTrace"])


# -- statuses --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 410, 413])
def test_a_4xx_answer_to_a_post_is_logged_and_the_loop_goes_on(fake, runtime, status):
    api = fake([Event({"i": 0}, result_status=status), Event({"kind": "custom"}, result_status=status),
                Event({"i": 2})])
    rt = runtime(failing, api)
    results = api.wait_results(3)
    api.wait_holding()
    assert [r.kind for r in results] == ["response", "error", "response"]
    assert len(rt.warnings) == 2 and all(f"answered {status}" in w for w in rt.warnings)
    assert rt.failure is None


@pytest.mark.parametrize("status", [403, 500, 404])
def test_a_failed_next_ends_the_loop(fake, runtime, status):
    api = fake([Event({"i": 0}), Event(status=status)])
    rt = runtime(echo, api)
    failure = rt.wait_exit()
    assert isinstance(failure, RuntimeAPIError)
    assert f"GET /next answered {status}" in str(failure)
    assert len(api.results) == 1


def test_a_500_answer_to_a_post_ends_the_loop(fake, runtime):
    api = fake([Event({"i": 0}, result_status=500), Event({"i": 1})])
    rt = runtime(echo, api)
    failure = rt.wait_exit()
    assert isinstance(failure, RuntimeAPIError) and "answered 500" in str(failure)
    assert len(api.of_kind("next")) == 1


def test_the_api_going_away_ends_the_loop_within_5_seconds(fake, runtime):
    api = fake([Event({"i": 0})], after="gone")
    rt = runtime(echo, api)
    api.wait_results(1)
    started = time.monotonic()
    failure = rt.wait_exit(10)
    assert isinstance(failure, RuntimeAPIError)
    assert time.monotonic() - started < 5


# -- invocation id and request ids ---------------------------------------------------


def test_the_invocation_id_is_echoed_on_the_result_of_its_invocation(fake, runtime):
    api = fake([
        Event({"kind": "ok"}, extra_headers=[("Lambda-Runtime-Invocation-Id", "inv-1")]),
        Event({"kind": "custom"}, extra_headers=[("Lambda-Runtime-Invocation-Id", "inv-2")]),
        Event({"kind": "ok"}),
        Event({"kind": "ok"}, extra_headers=[("Lambda-Runtime-Invocation-Id", "bad\x01id")]),
    ])
    runtime(failing, api)
    results = api.wait_results(4)
    assert [r.header("Lambda-Runtime-Invocation-Id") for r in results] == ["inv-1", "inv-2", None, None]


HOSTILE_IDS = {
    "slash": "a/b",
    "dot-dot": "..",
    "dot": ".",
    "percent": "a%2Fb",
    "space": "a b",
    "query": "a?b#c",
    "non-ascii": "añ😀",
    "nul-in-value": "a\x00b",
    "traversal": "../../init/error",
}


@pytest.mark.parametrize("request_id", HOSTILE_IDS.values(), ids=HOSTILE_IDS.keys())
def test_a_hostile_request_id_cannot_bend_the_request_path(fake, runtime, request_id):
    api = fake([Event({"i": 0}, request_id=request_id), Event({"i": 1}, request_id="fine")])
    runtime(echo, api)
    results = api.wait_results(2)
    bad = results[0]
    assert bad.target.startswith("/2018-06-01/runtime/invocation/")
    segments = bad.target.split("/")
    assert len(segments) == 6 and segments[-1] == "response", bad.target
    assert segments[4] not in (".", "..")
    assert all(0x21 <= c < 0x7F for c in bad.target.encode())
    assert results[1].target == "/2018-06-01/runtime/invocation/fine/response"
    assert api.malformed == []
    assert api.of_kind("init_error") == []


def test_a_request_id_with_crlf_injection_is_one_path_segment(fake, runtime):
    # the id's CRLF ends the header line in the /next answer, so the rest is a new
    # header: our reader must not let it become part of our request
    event = Event({"i": 0}, headers=[("Content-Type", "application/json"),
                                      ("Lambda-Runtime-Aws-Request-Id", "abc\r\n def"),
                                      ("Lambda-Runtime-Deadline-Ms", "1")])
    api = fake([event, Event({"i": 1}, request_id="next-one")])
    runtime(echo, api)
    results = api.wait_results(2)
    assert results[0].target == "/2018-06-01/runtime/invocation/abc%20def/response"
    assert results[1].target.endswith("/next-one/response")
    assert api.malformed == []


def test_an_event_without_request_id_is_skipped(fake, runtime):
    api = fake([Event({"i": 0}, headers=[("Content-Type", "application/json")]), Event({"i": 1}, request_id="ok")])
    rt = runtime(echo, api)
    (result,) = api.wait_results(1)
    assert result.target.endswith("/ok/response")
    assert any("without a Lambda-Runtime-Aws-Request-Id" in w for w in rt.warnings)


GARBAGE = {
    "not-http": b"garbage\r\n\r\n",
    "both-framings": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
    "bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "huge-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
    "negative-length": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "short-body": b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: x\r\nContent-Length: 100\r\n\r\n{}",
}


@pytest.mark.parametrize("raw", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_malformed_next_answer_is_logged_and_the_loop_goes_on(fake, runtime, raw):
    api = fake([Event(raw=raw), Event({"i": 1}, request_id="after")])
    rt = runtime(echo, api)
    (result,) = api.wait_results(1)
    assert result.target.endswith("/after/response") and result.json() == {"i": 1}
    assert len(rt.warnings) == 1 and "malformed" in rt.warnings[0]
    assert rt.failure is None


# -- the error table ---------------------------------------------------------------------


def _error(result):
    assert result.kind == "error", result
    body = result.json()
    assert result.header("Lambda-Runtime-Function-Error-Type") == (
        body["errorType"] if body["errorType"].startswith("Runtime.") else "Function." + "".join(
            c for c in body["errorType"] if c.isascii() and c.isalpha()) or "Function.Unhandled")
    return body


UNMARSHAL = {
    "invalid-json": b"{not json",
    "empty": b"",
    "invalid-utf8": b'"\xff\xfe"',
    # refused by every interpreter (see conftest); typed, the objects are an unknown
    # field msgspec skips, which recurses as well
    "deep-nesting": deep_arrays(PATHOLOGICAL_ARRAY_DEPTH),
    "deep-objects": deep_objects(PATHOLOGICAL_OBJECT_DEPTH),
    "truncated": b'{"a": [1, 2',
}


@pytest.mark.parametrize("body", UNMARSHAL.values(), ids=UNMARSHAL.keys())
@pytest.mark.parametrize("handler", [echo, charge], ids=["untyped", "typed"])
def test_undecodable_events_are_unmarshal_errors(fake, runtime, body, handler):
    api = fake([Event(body), Event({"id": "a", "amount": 1})])
    runtime(handler, api)
    results = api.wait_results(2)
    error = _error(results[0])
    assert error["errorType"] in ("Runtime.UnmarshalError", "Runtime.ValidationError")
    if handler is echo:
        assert error["errorType"] == "Runtime.UnmarshalError"
        assert error["errorMessage"].startswith("Unable to unmarshal input: ")
    assert results[1].kind == "response"


def test_a_moderately_deep_unknown_field_is_skipped_or_refused_cleanly(fake, runtime):
    """An Order with a deep field it does not declare: 3.13 and later skip it and serve
    the order, 3.11 refuses it (see conftest); either way the next event is served."""
    order = b'{"id":"a","amount":2,"extra":' + deep_objects(MODERATE_DEPTH) + b"}"
    api = fake([Event(order), Event({"id": "b", "amount": 1})])
    runtime(charge, api)
    first, second = api.wait_results(2)
    if first.kind == "response":
        assert first.json() == {"id": "a", "total": 4}
    else:
        error = _error(first)
        assert error["errorType"] == "Runtime.UnmarshalError"
        assert error["errorMessage"].startswith("Unable to unmarshal input: ")
    assert second.kind == "response" and second.json() == {"id": "b", "total": 2}


def test_a_validation_error_names_the_path(fake, runtime):
    api = fake([Event({"id": "a", "amount": "x"})])
    runtime(charge, api)
    error = _error(api.wait_results(1)[0])
    assert error["errorType"] == "Runtime.ValidationError"
    assert error["errorMessage"] == "Expected `int`, got `str` - at `$.amount`"
    assert error["errorDetails"] == {"location": "event", "path": "$.amount", "reason": "Expected `int`, got `str`"}


@pytest.mark.parametrize("body", [b"", b" \r\n\t"], ids=["empty", "whitespace"])
@pytest.mark.parametrize("handler", [echo, charge], ids=["untyped", "typed"])
def test_an_empty_event_is_an_unmarshal_error_that_says_so(fake, runtime, body, handler):
    api = fake([Event(body)])
    runtime(handler, api)
    error = _error(api.wait_results(1)[0])
    what = f" (only {len(body)} bytes of whitespace)" if body else ""
    assert error["errorType"] == "Runtime.UnmarshalError"
    assert error["errorMessage"] == f"Unable to unmarshal input: the event is empty{what}"
    assert "errorDetails" not in error


class Address(msgspec.Struct):
    street: str
    zip: str = msgspec.field(name="zip-code")


class Customer(msgspec.Struct):
    name: str
    address: Address


class Shipment(msgspec.Struct):
    customer: Customer
    parcels: list[Order] = []


@lambda_handler
def ship(event: Shipment) -> str:
    return event.customer.name


@lambda_handler
def consume(event: SQSEvent[Order]) -> int:
    return sum(record.body.amount for record in event.records)


def _sqs(body: str) -> dict[str, Any]:
    return _sample("sqs", [("body", body)])


MISSING_FIELDS = {
    # (handler, event, the errorDetails path): the path names the missing field itself,
    # where msgspec names the object that lacks it; the reason is msgspec's
    "at the root": (charge, {"id": "a"}, "$.amount", "amount", ""),
    "nested": (ship, {"customer": {"name": "n", "address": {"street": "s"}}},
               "$.customer.address.zip-code", "zip-code", " - at `$.customer.address`"),
    "in a list": (ship, {"customer": {"name": "n", "address": {"street": "s", "zip-code": "1"}},
                         "parcels": [{"id": "a", "amount": 1}, {"amount": 2}]},
                  "$.parcels[1].id", "id", " - at `$.parcels[1]`"),
    "in an SQS body": (consume, _sqs('{"id": "a"}'), "$.Records[0].body.amount", "amount",
                       " - at `$.Records[0].body`"),
}


@pytest.mark.parametrize(("handler", "event", "path", "field", "at"), MISSING_FIELDS.values(),
                         ids=MISSING_FIELDS.keys())
def test_a_missing_field_is_a_validation_error_whose_path_names_it(
        fake, runtime, handler, event, path, field, at):
    api = fake([Event(event)])
    runtime(handler, api)
    error = _error(api.wait_results(1)[0])
    reason = f"Object missing required field `{field}`"
    assert error["errorType"] == "Runtime.ValidationError"
    assert error["errorMessage"] == reason + at  # msgspec's text, unchanged
    assert error["errorDetails"] == {"location": "event", "path": path, "reason": reason}


@lambda_handler
def returns(event: dict[str, Any]) -> Receipt:
    return event["value"]


def returns_any(event: dict[str, Any]) -> Any:
    return {"value": object()} if event.get("object") else event["value"]


def test_a_response_that_does_not_fit_is_a_marshal_error(fake, runtime):
    api = fake([Event({"value": {"id": "a", "total": "many"}}), Event({"value": {"id": "a", "total": 3}}),
                Event({"value": [1]})])
    runtime(returns, api)
    results = api.wait_results(3)
    error = _error(results[0])
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorDetails"] == {"location": "response", "path": "$.total",
                                     "reason": "Expected `int`, got `str`"}
    assert results[1].json() == {"id": "a", "total": 3}  # a dict converted to the Struct
    assert _error(results[2])["errorDetails"]["path"] == "$"


def test_an_unencodable_response_is_a_marshal_error(fake, runtime):
    api = fake([Event({"object": True}), Event({"value": 1})])
    runtime(returns_any, api)
    results = api.wait_results(2)
    error = _error(results[0])
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorDetails"]["location"] == "response"
    assert "unsupported" in error["errorMessage"]
    assert results[1].json() == 1


@pytest.mark.parametrize(("kind", "header"), [("digits", "Function.Error"), ("noletters", "Function.Unhandled"),
                                              ("custom", "Function.PaymentDeclined")])
def test_the_error_type_header_keeps_letters_only(fake, runtime, kind, header):
    api = fake([Event({"kind": kind})])
    runtime(failing, api)
    (result,) = api.wait_results(1)
    assert result.header("Lambda-Runtime-Function-Error-Type") == header


def test_chained_exceptions_are_kept_in_the_stack_trace(fake, runtime):
    api = fake([Event({"kind": "chained"}), Event({"kind": "context"}), Event({"kind": "context", "suppress": 1})])
    runtime(failing, api)
    chained, context, suppressed = (_error(r) for r in api.wait_results(3))
    assert chained["errorType"] == "PaymentDeclined" and chained["errorMessage"] == "outer"
    trace = "".join(chained["stackTrace"])
    assert "KeyError: 'inner'" in trace
    assert "The above exception was the direct cause of the following exception" in trace
    assert trace.index("KeyError") < trace.index("direct cause")
    assert "During handling of the above exception" in "".join(context["stackTrace"])
    assert "KeyError" not in "".join(suppressed["stackTrace"])


def test_an_exception_whose_str_fails_is_still_reported(fake, runtime):
    api = fake([Event({"kind": "broken_str"}), Event({"kind": "ok"})])
    runtime(failing, api)
    results = api.wait_results(2)
    error = _error(results[0])
    assert error["errorType"] == "Broken" and "str() failed" in error["errorMessage"]
    assert results[1].kind == "response"


# -- raw bytes, context, trace id, async ---------------------------------------------


@lambda_handler
def raw_bytes(event: bytes) -> bytes:
    return b"got:" + event


def raw_json(event: Any) -> msgspec.Raw:
    return msgspec.Raw(b'{"pre":"encoded"}')


def test_bytes_events_are_raw_and_bytes_responses_verbatim(fake, runtime):
    api = fake([Event(b"\xff\x00not json")])
    runtime(raw_bytes, api)
    (result,) = api.wait_results(1)
    assert result.body == b"got:\xff\x00not json"
    assert result.header("Content-Type") == "application/unknown"


def test_a_raw_response_is_sent_verbatim_as_json(fake, runtime):
    api = fake([Event({})])
    runtime(raw_json, api)
    (result,) = api.wait_results(1)
    assert result.body == b'{"pre":"encoded"}' and result.header("Content-Type") == "application/json"


def context_report(event: Any, context: Context) -> dict[str, Any]:
    return {
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "tenant_id": context.tenant_id,
        "deadline_ms": context.deadline_ms,
        "remaining": context.get_remaining_time_in_millis(),
        "trace_id": context.trace_id,
        "env_trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if context.client_context is None else {
            "custom": context.client_context.custom, "env": context.client_context.env,
            "installation_id": context.client_context.client and context.client_context.client.installation_id},
    }


def test_the_context_carries_every_attribute(fake, runtime):
    deadline = int(time.time() * 1000) + 30_000
    cc = {"client": {"installation_id": "inst", "app_title": "t"}, "custom": {"k": "v"}, "env": {"e": 1}}
    api = fake([
        Event({}, request_id="r1", deadline_ms=deadline, extra_headers=[
            ("Lambda-Runtime-Aws-Tenant-Id", "tenant-7"),
            ("Lambda-Runtime-Client-Context", json.dumps(cc)),
            ("Lambda-Runtime-Cognito-Identity", '{"cognitoIdentityId":"id1","cognitoIdentityPoolId":"pool1"}')]),
        Event({}, request_id="r2", trace_id=None, deadline_ms=1000),
    ])
    runtime(context_report, api)
    first, second = (r.json() for r in api.wait_results(2))
    assert first["aws_request_id"] == "r1"
    assert first["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert (first["function_name"], first["function_version"], first["memory_limit_in_mb"]) == ("fn", "7", 512)
    assert (first["log_group_name"], first["log_stream_name"]) == ("/aws/lambda/fn", "stream")
    assert first["tenant_id"] == "tenant-7"
    assert first["deadline_ms"] == deadline and 25_000 < first["remaining"] <= 30_000
    assert first["trace_id"] == first["env_trace_id"] == Event().trace_id
    assert first["identity"] == ["id1", "pool1"]
    assert first["client_context"] == {"custom": {"k": "v"}, "env": {"e": 1}, "installation_id": "inst"}
    # no trace header: the variable is removed; a passed deadline gives 0, not a negative
    assert second["trace_id"] is None and second["env_trace_id"] is None
    assert second["remaining"] == 0 and second["tenant_id"] is None
    assert second["identity"] == [None, None] and second["client_context"] is None


def test_a_bad_client_context_is_reported_and_the_loop_goes_on(fake, runtime):
    api = fake([Event({}, extra_headers=[("Lambda-Runtime-Client-Context", "{nope")]), Event({})])
    runtime(context_report, api)
    results = api.wait_results(2)
    assert _error(results[0])["errorType"] == "Runtime.LambdaContextUnmarshalError"
    assert results[1].kind == "response"


def test_a_bad_deadline_is_taken_as_passed(fake, runtime):
    api = fake([Event({}, extra_headers=[], headers=[("Lambda-Runtime-Aws-Request-Id", "r"),
                                                      ("Lambda-Runtime-Deadline-Ms", "soon")])])
    rt = runtime(context_report, api)
    (result,) = api.wait_results(1)
    assert result.json()["remaining"] == 0 and result.json()["deadline_ms"] == 0
    assert any("Deadline" in w for w in rt.warnings)


_loops: list[int] = []


async def async_echo(event: Any, context: Context) -> Any:
    _loops.append(id(asyncio.get_running_loop()))
    await asyncio.sleep(0)
    return {"echo": event, "request": context.aws_request_id}


async def async_fail(event: Any) -> Any:
    await asyncio.sleep(0)
    raise KeyError("missing")


def test_async_handlers_run_on_one_loop_for_the_life_of_the_process(fake, runtime):
    _loops.clear()
    api = fake([Event({"i": i}, request_id=f"r{i}") for i in range(3)])
    runtime(async_echo, api)
    results = api.wait_results(3)
    assert [r.json() for r in results] == [{"echo": {"i": i}, "request": f"r{i}"} for i in range(3)]
    assert len(_loops) == 3 and len(set(_loops)) == 1


def test_an_async_handler_error_is_reported(fake, runtime):
    api = fake([Event({})])
    runtime(async_fail, api)
    error = _error(api.wait_results(1)[0])
    assert error["errorType"] == "KeyError" and error["errorMessage"] == "'missing'"


def no_args() -> str:
    return "constant"


def event_only(event: Any) -> Any:
    return [event]


@pytest.mark.parametrize(("func", "expected"), [(no_args, "constant"), (event_only, [{"a": 1}])])
def test_handlers_may_take_fewer_arguments(fake, runtime, func, expected):
    api = fake([Event({"a": 1})])
    runtime(func, api)
    assert api.wait_results(1)[0].json() == expected


# -- X-Ray error cause and the response size guard ------------------------------------------


def _recurse(n: int) -> None:
    if n:
        _recurse(n - 1)
    raise RuntimeError("deep " * 5000)


def xray_handler(event: dict[str, Any]) -> Any:
    if event.get("deep"):
        _recurse(900)
    if event.get("big"):
        return "x" * (6_291_556 - 1)  # with its JSON quotes: one byte over
    if event.get("fits"):
        return "x" * (6_291_556 - 2)  # exactly at the limit
    if event.get("seven"):
        return {"blob": "y" * 7_000_000}
    _decline("1")


def test_an_invocation_error_carries_the_xray_cause(fake, runtime):
    api = fake([Event({})])
    runtime(xray_handler, api)
    (result,) = api.wait_results(1)
    cause = json.loads(result.header("Lambda-Runtime-Function-XRay-Error-Cause"))
    assert cause["working_directory"] == os.getcwd()
    (exception,) = cause["exceptions"]
    assert exception["type"] == "PaymentDeclined" and exception["message"] == "card 1 declined"
    labels = [frame["label"] for frame in exception["stack"]]
    assert labels == ["xray_handler", "_decline"]
    assert all(isinstance(frame["line"], int) for frame in exception["stack"])
    assert cause["paths"] == [__file__]


def test_the_xray_cause_is_cropped_to_64_kib(fake, runtime):
    api = fake([Event({"deep": True}), Event({})])
    runtime(xray_handler, api)
    first, second = api.wait_results(2)
    header = first.header("Lambda-Runtime-Function-XRay-Error-Cause")
    assert len(header) <= 64 * 1024 and header.isascii()
    cause = json.loads(header)
    stack = cause["exceptions"][0]["stack"]
    assert 0 < len(stack) < 900 and stack[-1]["label"] == "_recurse"  # the innermost kept
    assert second.kind == "error"  # and the loop goes on


def test_a_response_over_the_limit_is_a_structured_error(fake, runtime):
    api = fake([Event({"big": True}), Event({"fits": True}), Event({"seven": True})])
    runtime(xray_handler, api)
    over, fits, seven = api.wait_results(3, timeout=30)
    assert seven.json()["errorType"] == "Function.ResponseSizeTooLarge"
    assert "(7000011 bytes)" in seven.json()["errorMessage"]
    error = over.json()
    assert error["errorType"] == "Function.ResponseSizeTooLarge"
    assert error["errorMessage"] == (
        "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).")
    assert over.header("Lambda-Runtime-Function-Error-Type") == "Function.ResponseSizeTooLarge"
    assert fits.kind == "response" and len(fits.body) == 6_291_556


async def _declined_later(card: str) -> None:
    await asyncio.sleep(0)
    _decline(card)


async def async_failing(event: dict[str, Any]) -> Any:
    # through asyncio.wait_for: asyncio's frames inside the user's story stay
    await asyncio.wait_for(_declined_later("4000"), 10)


def _only_user_frames(stack: list[str]) -> None:
    files = [frame.split('"')[1] for frame in stack if frame.startswith('  File "')]
    assert files[0] == __file__ and "in async_failing" in stack[0], stack
    assert files[-1] == __file__ and "in _decline" in stack[-1], stack
    assert any("in _declined_later" in frame for frame in stack), stack
    assert not any(RUNTIME_DIR in frame for frame in stack), stack


def test_an_async_handlers_stack_trace_starts_in_user_code(fake, runtime):
    # not in asyncio's run_until_complete or the runtime, as a def handler's does
    api = fake([Event({}, request_id="req-1")])
    runtime(async_failing, api)
    (result,) = api.wait_results(1)
    error = _error(result)
    assert error["errorType"] == "PaymentDeclined"
    _only_user_frames(error["stackTrace"])


@pytest.mark.parametrize("concurrency", [None, "tasks", "threads"])
def test_an_async_handlers_stack_trace_in_every_mode(concurrency):
    options = {} if concurrency is None else {"max_concurrency": 2, "concurrency": concurrency}
    with LocalRuntime(lambda_handler(async_failing), **options) as local:
        result = local.invoke({})
    assert result.error_type == "PaymentDeclined"
    _only_user_frames(result.error["stackTrace"])
