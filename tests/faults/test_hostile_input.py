"""Hostile input from both sides. From the API: ids that try to inject or bend the
request path, oversized heads, lying lengths. From the user: events and responses at
the edges of JSON. Each gets a structured error or a correct answer, nothing is
injected into our requests, and the next invocation works."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from conftest import (
    MODERATE_DEPTH,
    PATHOLOGICAL_ARRAY_DEPTH,
    PATHOLOGICAL_OBJECT_DEPTH,
    deep_arrays,
    deep_objects,
)
from fakeapi import Event

from minlambda import lambda_handler


def echo(event: Any) -> Any:
    return event


class Item(msgspec.Struct):
    n: int


@lambda_handler
def typed(event: Item) -> Item:
    return event


def _then_ok(api, rt, n_before: int = 1):
    """The invocation after the hostile one was served normally."""
    results = api.wait_results(n_before + 1)
    assert results[-1].kind == "response" and results[-1].json() == {"n": "after"}
    assert api.malformed == [], api.malformed
    assert rt.failure is None
    return results


AFTER = Event({"n": "after"}, request_id="after")

# -- from the Runtime API -------------------------------------------------------------------


@pytest.mark.parametrize("request_id", [
    "a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", " spaced id ", "a/b", "..", "%2F", "%2e%2e", "é-ü-😀",
    "a\tb", "?x=1", "#frag",
], ids=["crlf", "lf", "cr", "nul", "spaces", "slash", "dotdot", "pct2F", "pct-dots", "non-ascii", "tab",
        "query", "fragment"])
def test_request_ids_cannot_inject_or_bend_the_path(fake, runtime, request_id):
    api = fake([Event({"n": 1}, request_id=request_id), AFTER])
    rt = runtime(echo, api)
    results = _then_ok(api, rt)
    for result in results:
        assert result.raw.count(b"\r\n\r\n") == 1  # one head: nothing was added to it
        assert [k.lower() for k, _ in result.headers] == ["host", "content-type", "content-length"]
        segments = result.target.split("/")
        assert len(segments) == 6 and segments[:4] == ["", "2018-06-01", "runtime", "invocation"]
        assert segments[4] not in ("", ".", "..") and all(0x21 <= c < 0x7F for c in result.target.encode())


def test_an_invocation_id_cannot_inject_a_header(fake, runtime):
    api = fake([Event({"n": 1}, extra_headers=[("Lambda-Runtime-Invocation-Id", "a\x00b\x7f")]), AFTER])
    rt = runtime(echo, api)
    first, _ = _then_ok(api, rt)
    assert first.header("Lambda-Runtime-Invocation-Id") is None


def test_a_head_over_the_limit_is_refused_and_the_loop_goes_on(fake, runtime):
    api = fake([Event({"n": 1}, extra_headers=[("X-Huge", "h" * 70_000)]), AFTER])
    rt = runtime(echo, api)
    (result,) = api.wait_results(1)
    assert result.json() == {"n": "after"}
    assert len(rt.warnings) == 1 and "at most 65536 bytes" in rt.warnings[0]


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nLambda-Runtime-Aws-Request-Id: x\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"\x00\xff" * 100,
], ids=["short-body", "negative", "non-numeric", "huge-length", "chunk-2**64", "chunk-2**64-1",
        "two-lengths", "gzip", "binary"])
def test_lying_framing_is_refused_without_allocating(fake, runtime, raw):
    api = fake([Event(raw=raw), AFTER])
    rt = runtime(echo, api)
    (result,) = api.wait_results(1)
    assert result.json() == {"n": "after"}
    assert len(rt.warnings) == 1 and "malformed" in rt.warnings[0]


# -- from the user ----------------------------------------------------------------------------

USER_EVENTS = {
    # refused by every interpreter (see conftest): no crash, no stack overflow
    "deep-nesting": (deep_arrays(PATHOLOGICAL_ARRAY_DEPTH), "Runtime.UnmarshalError"),
    "deep-objects": (deep_objects(PATHOLOGICAL_OBJECT_DEPTH), "Runtime.UnmarshalError"),
    "invalid-utf8": (b'{"s": "\xc3\x28"}', "Runtime.UnmarshalError"),
    "nan": (b'{"x": NaN}', "Runtime.UnmarshalError"),
    "infinity": (b"[Infinity]", "Runtime.UnmarshalError"),
    "empty": (b"", "Runtime.UnmarshalError"),
    "whitespace": (b"   ", "Runtime.UnmarshalError"),
    "trailing-garbage": (b"{} x", "Runtime.UnmarshalError"),
}


@pytest.mark.parametrize(("body", "error_type"), USER_EVENTS.values(), ids=USER_EVENTS.keys())
def test_malformed_user_events_are_structured_errors(fake, runtime, body, error_type):
    api = fake([Event(body), AFTER])
    rt = runtime(echo, api)
    first, _ = _then_ok(api, rt)
    error = first.json()
    assert first.kind == "error" and error["errorType"] == error_type
    assert error["errorMessage"].startswith("Unable to unmarshal input: ")


@pytest.mark.parametrize("body", [deep_arrays(MODERATE_DEPTH), deep_objects(MODERATE_DEPTH)],
                         ids=["deep-nesting", "deep-objects"])
def test_moderately_deep_events_are_served_or_refused_cleanly(fake, runtime, body):
    """Within the interpreter's bound (3.13 and later) the event is decoded and echoed
    unchanged, past it (3.11) it is an UnmarshalError; nothing else, and the runtime
    goes on."""
    api = fake([Event(body), AFTER])
    rt = runtime(echo, api)
    first, _ = _then_ok(api, rt)
    if first.kind == "response":
        assert first.body == body
    else:
        error = first.json()
        assert first.kind == "error" and error["errorType"] == "Runtime.UnmarshalError"
        assert error["errorMessage"].startswith("Unable to unmarshal input: ")
        assert "recursion" in error["errorMessage"] or "Stack overflow" in error["errorMessage"]


CORRECT = {
    "big-int": (b"[123456789012345678901234567890]", [123456789012345678901234567890]),
    "negative-big-int": (b"-98765432109876543210", -98765432109876543210),
    "duplicate-keys": (b'{"a": 1, "a": 2}', {"a": 2}),
    "escaped-unicode": (b'"\\u00e9\\ud83d\\ude00"', "é😀"),
    "float-edge": (b"[1e308, 5e-324, -0.0]", [1e308, 5e-324, -0.0]),
}


@pytest.mark.parametrize(("body", "expected"), CORRECT.values(), ids=CORRECT.keys())
def test_edge_events_get_a_correct_answer(fake, runtime, body, expected):
    api = fake([Event(body), AFTER])
    rt = runtime(echo, api)
    first, _ = _then_ok(api, rt)
    assert first.kind == "response" and json.loads(first.body) == expected


def test_a_lone_surrogate_cannot_be_answered_and_is_a_marshal_error(fake, runtime):
    api = fake([Event(b'"\\ud800"'), AFTER])
    rt = runtime(echo, api)
    first, _ = _then_ok(api, rt)
    error = first.json()
    if first.kind == "response":  # a decoder that replaced it is fine too
        assert error != "\ud800"
    else:
        assert error["errorType"] in ("Runtime.UnmarshalError", "Runtime.MarshalError")


def test_an_integer_past_64_bits_in_a_typed_field_round_trips(fake, runtime):
    api = fake([Event(b'{"n": 123456789012345678901234567890}'), Event(b'{"n": 1.5}'), Event({"n": 5})])
    runtime(typed, api)
    big, wrong, small = api.wait_results(3)
    assert big.kind == "response" and json.loads(big.body) == {"n": 123456789012345678901234567890}
    assert wrong.json()["errorType"] == "Runtime.ValidationError"
    assert wrong.json()["errorDetails"]["path"] == "$.n"
    assert small.json() == {"n": 5}


def nan_result(event: Any) -> Any:
    return {"nan": float("nan"), "inf": float("inf")}


def test_nan_and_infinity_in_a_response_become_null(fake, runtime):
    api = fake([Event({})])
    runtime(nan_result, api)
    (result,) = api.wait_results(1)
    assert json.loads(result.body) == {"nan": None, "inf": None}


@pytest.mark.slow
def test_a_6_mb_event_and_response_go_through_chunked_and_plain(fake, runtime):
    blob = "z" * (6 * 1024 * 1024 - 64)
    events = [Event({"blob": blob}, chunked=True), Event({"blob": blob}), AFTER]
    api = fake(events)
    rt = runtime(echo, api)
    results = api.wait_results(3, timeout=60)
    assert results[0].json() == results[1].json() == {"blob": blob}
    assert len(results[0].body) > 6 * 1024 * 1024 - 64 and rt.failure is None
