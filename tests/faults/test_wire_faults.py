"""Faults on the wire (RUNTIME_API.md sections 3 and 12): each status on each
endpoint, connections dropped before, during and after each request, trickled and
chunked answers, a /next that blocks for long, the API going away. For each: what
the runtime does, and that no invocation is lost or answered twice."""

from __future__ import annotations

import collections
import time
from typing import Any

import pytest
from fakeapi import Event, FakeAPI

from minlambda._runtime_api import RuntimeAPIError


def echo(event: Any) -> Any:
    return event


def boom(event: Any) -> Any:
    raise ValueError("boom")


def _answered_once(api: FakeAPI, events: list[Event]) -> None:
    """Every event has exactly one result POST the fake acknowledged (2xx) and no
    result was posted for an id that was never served."""
    by_id = collections.Counter(r.target.split("/")[-2] for r in api.results)
    for event in events:
        assert by_id[event.request_id] >= 1, f"invocation {event.request_id} was lost"
    served = {e.request_id for e in events}
    assert set(by_id) <= served, f"results for ids never served: {set(by_id) - served}"


# -- statuses ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 410, 413])
@pytest.mark.parametrize("handler", [echo, boom], ids=["response", "error"])
def test_a_4xx_on_a_result_post_is_logged_and_the_loop_goes_on(fake, runtime, status, handler):
    events = [Event({"i": 0}, result_status=status), Event({"i": 1})]
    api = fake(events)
    rt = runtime(handler, api)
    results = api.wait_results(2)
    api.wait_holding()
    assert len(results) == 2 and rt.failure is None
    assert [w for w in rt.warnings if f"answered {status}" in w] and len(rt.warnings) == 1
    _answered_once(api, events)


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("handler", [echo, boom], ids=["response", "error"])
def test_a_5xx_on_a_result_post_ends_the_loop(fake, runtime, status, handler):
    api = fake([Event({"i": 0}, result_status=status), Event({"i": 1})])
    rt = runtime(handler, api)
    assert isinstance(rt.wait_exit(), RuntimeAPIError)
    assert len(api.of_kind("next")) == 1, "the loop fetched another event after a 5xx"


@pytest.mark.parametrize("status", [400, 403, 404, 410, 413, 500, 503])
def test_anything_but_200_on_next_ends_the_loop(fake, runtime, status):
    api = fake([Event(status=status), Event({"i": 1})])
    rt = runtime(echo, api)
    failure = rt.wait_exit()
    assert isinstance(failure, RuntimeAPIError) and f"answered {status}" in str(failure)
    assert api.results == []


# -- connections dropped ------------------------------------------------------------------


def test_next_dropped_before_its_answer_on_a_kept_alive_connection_is_asked_again(fake, runtime):
    events = [Event({"i": 0}), Event({"i": 1}, drop_next="before"), Event({"i": 2})]
    api = fake(events)
    rt = runtime(echo, api)
    api.wait_results(3)
    api.wait_holding()
    _answered_once(api, events)
    assert rt.warnings == [] and api.connections == 2


def test_next_dropped_in_the_middle_of_its_answer_is_asked_again(fake, runtime):
    events = [Event({"i": 0, "pad": "x" * 3000}, drop_next="during"), Event({"i": 1})]
    api = fake(events)
    rt = runtime(echo, api)
    results = api.wait_results(2)
    _answered_once(api, events)
    assert [r.json()["i"] for r in results] == [0, 1]
    assert len(rt.warnings) == 1 and "malformed" in rt.warnings[0]


def test_a_result_post_dropped_before_its_answer_is_sent_again_once(fake, runtime):
    events = [Event({"i": 0}), Event({"i": 1}, drop_result=True), Event({"i": 2})]
    api = fake(events)
    rt = runtime(echo, api)
    api.wait_results(4)
    api.wait_holding()
    posts = collections.Counter(r.target.split("/")[-2] for r in api.results)
    assert posts[events[1].request_id] == 2  # the first was never acknowledged
    assert posts[events[0].request_id] == posts[events[2].request_id] == 1
    assert rt.failure is None


def test_a_connection_dropped_after_each_result_is_reopened(fake, runtime):
    events = [Event({"i": i}, drop_after_result=True) for i in range(5)]
    api = fake(events)
    rt = runtime(echo, api)
    api.wait_results(5)
    api.wait_holding()
    _answered_once(api, events)
    assert api.connections == 6 and rt.warnings == []


def test_connection_close_on_every_answer(fake, runtime):
    events = [Event({"i": i}, close=True, chunked=bool(i % 2)) for i in range(6)]
    api = fake(events)
    runtime(echo, api)
    api.wait_results(6)
    _answered_once(api, events)


# -- slow and strange answers -------------------------------------------------------------


def test_a_long_poll_never_times_out(fake, runtime, monkeypatch):
    import minlambda._transport as transport

    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)  # would fire on any head wait
    events = [Event({"i": 0}, delay=2.5), Event({"i": 1})]
    api = fake(events)
    rt = runtime(echo, api)
    api.wait_results(2, timeout=15)
    _answered_once(api, events)
    assert rt.warnings == []


@pytest.mark.parametrize("options", [
    {"trickle": True}, {"trickle": True, "chunked": True, "chunk_ext": True, "trailers": True},
    {"chunked": True, "chunk_sizes": (1,)}, {"chunked": True, "chunk_sizes": (65521,)},
], ids=["trickle", "trickle-chunked-ext-trailers", "one-byte-chunks", "big-chunks"])
def test_odd_framings_of_big_events(fake, runtime, options):
    payloads = [{"i": i, "blob": "y" * size} for i, size in enumerate((0, 2047, 2049, 300_000))]
    if options.get("trickle"):
        payloads = payloads[:3]
    events = [Event(p, **options) for p in payloads]
    api = fake(events)
    runtime(echo, api)
    results = api.wait_results(len(events), timeout=30)
    assert [r.json() for r in results] == payloads


def test_the_api_going_away_mid_loop_ends_it_within_5_seconds(fake, runtime):
    events = [Event({"i": i}) for i in range(3)]
    api = fake(events, after="gone")
    rt = runtime(echo, api)
    api.wait_results(3)
    started = time.monotonic()
    assert isinstance(rt.wait_exit(10), RuntimeAPIError)
    assert time.monotonic() - started < 5
    _answered_once(api, events)


# -- /runtime/init/error ------------------------------------------------------------------


@pytest.mark.parametrize(("status", "line"), [
    (202, None), (403, "answered 403"), (500, "reporting it failed too"),
])
def test_init_error_statuses_all_end_in_exit_1(fake, proc, status, line):
    api = fake([Event({"i": 0})], init_status=status)
    code, _, err = proc(["nowhere.handler"], api.address).wait()
    assert code == 1
    assert len(api.of_kind("init_error")) == 1 and api.of_kind("next") == []
    if line:
        assert line in err
