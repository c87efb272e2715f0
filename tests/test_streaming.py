"""Response streaming over real sockets: the chunked POST, its headers and
trailers, the HTTP-integration prelude, chunks sent as produced, errors before and
during a stream, and a 50 MB stream with bounded memory."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import tracemalloc
from typing import Any

import pytest
from fakeapi import Event

from minlambda import StreamingResponse, lambda_handler
from minlambda._handler import handler_for

MODE = "Lambda-Runtime-Function-Response-Mode"
TRAILER_NAMES = "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"


@lambda_handler(stream=True)
def words(event: dict[str, Any]):
    yield from event["words"]


@lambda_handler(stream=True)
async def async_words(event: dict[str, Any]):
    for word in event["words"]:
        await asyncio.sleep(0)
        yield word.encode()


@lambda_handler(stream=True)
def page(event: dict[str, Any]) -> StreamingResponse:
    def body():
        yield "<h1>"
        yield event["title"]
        yield "</h1>"

    return StreamingResponse(status_code=201, headers={"Content-Type": "text/html"}, cookies=["a=1"], body=body())


@lambda_handler(stream=True)
def fails(event: dict[str, Any]):
    if event.get("at") == "start":
        raise ValueError("before anything")
    yield "one,"
    yield ""  # skipped: an empty chunk would end the body
    yield "two,"
    raise KeyError("mid-stream")


def test_chunks_go_out_as_a_chunked_streaming_post(fake, runtime):
    api = fake([Event({"words": ["alpha ", "", "beta ", "gamma"]}, request_id="s1")])
    rt = runtime(words, api)
    (result,) = api.wait_results(1)
    assert result.target == "/2018-06-01/runtime/invocation/s1/response"
    assert result.framing == "chunked" and result.body == b"alpha beta gamma"
    assert result.header(MODE) == "streaming"
    assert result.header("Content-Type") == "application/octet-stream"
    assert result.header("Trailer") == TRAILER_NAMES
    assert result.header("Content-Length") is None
    assert result.trailers == []
    assert len(result.chunk_times) == 3  # the empty chunk was skipped
    assert rt.failure is None


def test_an_async_generator_streams(fake, runtime):
    api = fake([Event({"words": ["a", "b", "c"]})])
    runtime(async_words, api)
    (result,) = api.wait_results(1)
    assert result.body == b"abc" and result.header(MODE) == "streaming"


def test_a_streaming_response_sends_the_http_integration_prelude(fake, runtime):
    api = fake([Event({"title": "Hi"})])
    runtime(page, api)
    (result,) = api.wait_results(1)
    assert result.header("Content-Type") == "application/vnd.awslambda.http-integration-response"
    prelude, delimiter, body = result.body.partition(b"\x00" * 8)
    assert delimiter and body == b"<h1>Hi</h1>"
    assert b"\x00" not in prelude
    assert json.loads(prelude) == {"statusCode": 201, "headers": {"Content-Type": "text/html"}, "cookies": ["a=1"]}


def test_an_exception_mid_stream_ends_it_with_error_trailers(fake, runtime):
    api = fake([Event({"at": "middle"}, request_id="m1"), Event({"at": "end"})])
    runtime(fails, api)
    first, _ = api.wait_results(2)
    assert first.kind == "response" and first.body == b"one,two,"
    trailers = dict(first.trailers)
    assert trailers["Lambda-Runtime-Function-Error-Type"] == "Function.KeyError"
    error = json.loads(base64.b64decode(trailers["Lambda-Runtime-Function-Error-Body"]))
    assert error["errorType"] == "KeyError" and error["errorMessage"] == "'mid-stream'"
    assert error["requestId"] == "m1" and any("in fails" in f for f in error["stackTrace"])


def test_an_exception_before_the_first_chunk_is_an_ordinary_error(fake, runtime):
    api = fake([Event({"at": "start"}), Event({"words": ["ok"]})])
    rt = runtime(fails, api)
    first, _ = api.wait_results(2)
    assert first.kind == "error" and first.json()["errorType"] == "ValueError"
    assert first.header(MODE) is None
    assert rt.failure is None


def test_the_first_chunk_is_sent_before_the_handler_finishes(fake, runtime):
    release = threading.Event()

    @lambda_handler(stream=True)
    def slow(event):
        yield "first"
        release.wait(10)
        yield "second"

    api = fake([Event({})])
    runtime(slow, api)
    try:
        # the first chunk arrives while the handler still waits for the second
        assert api.wait(lambda: len(api.chunk_log) >= 1, 10), "no chunk arrived"
        assert api.chunk_log[0][1] == 5 and api.results == []
    finally:
        release.set()
    (result,) = api.wait_results(1)
    assert result.body == b"firstsecond"


@pytest.mark.slow
def test_a_50_mb_stream_with_bounded_memory(fake, runtime):
    block = b"z" * (1 << 20)

    @lambda_handler(stream=True)
    def big(event):
        for _ in range(50):
            yield block

    api = fake([Event({})], keep_body=1024)
    tracemalloc.start()
    try:
        runtime(big, api)
        (result,) = api.wait_results(1, timeout=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.size == 50 * (1 << 20) and result.trailers == []
    # the runtime holds a chunk or two at a time, never the stream
    assert peak < 12 * (1 << 20), f"peak traced memory {peak / (1 << 20):.1f} MiB"


def test_a_slow_reader_gets_the_chunks_as_it_reads_them(fake, runtime):
    produced: list[float] = []
    n, size = 200, 65536

    @lambda_handler(stream=True)
    def paced(event):
        for _ in range(n):
            produced.append(time.monotonic())
            yield b"p" * size

    api = fake([Event({})], read_delay=0.002, keep_body=1024)
    runtime(paced, api)
    (result,) = api.wait_results(1, timeout=60)
    assert result.size == n * size
    # back-pressure: when the handler made its last chunk, the reader had long been
    # reading; at most the socket buffers' worth (here under 8 MiB) was ahead of it
    ahead = (8 << 20) // size
    assert produced[-1] > result.chunk_times[n - ahead - 1]


def not_streaming_types(event):
    return 42


def test_a_streaming_handler_returning_something_else_is_an_error(fake, runtime):
    api = fake([Event({})])
    runtime(handler_for_stream(not_streaming_types), api)
    (result,) = api.wait_results(1)
    assert result.kind == "error" and result.json()["errorType"] == "TypeError"


def handler_for_stream(func):
    from minlambda._handler import Handler

    return Handler(func, stream=True)


def test_stream_flag_is_recorded():
    assert handler_for(words).stream and not handler_for(not_streaming_types).stream


# -- through the local emulator ------------------------------------------------------------


def test_the_emulator_streams_to_its_caller(lambda_runtime):
    runtime = lambda_runtime(words)
    result = runtime.invoke({"words": ["a", "b", "c"]})
    assert result.ok and result.payload == b"abc"
    assert result.headers["transfer-encoding"] == "chunked"
    assert result.headers["content-type"] == "application/octet-stream"
    assert result.trailers == {}


def test_the_emulator_turns_error_trailers_into_an_error(lambda_runtime):
    runtime = lambda_runtime(fails)
    result = runtime.invoke({"at": "middle"})
    assert not result.ok and result.payload == b"one,two,"
    assert result.trailers["x-amz-function-error"] == "Unhandled"
    assert result.error_type == "KeyError" and result.error["errorMessage"] == "'mid-stream'"
    early = runtime.invoke({"at": "start"})  # before the first chunk: an ordinary error
    assert not early.ok and early.error_type == "ValueError" and early.trailers == {}
    assert early.headers["x-amz-function-error"] == "Unhandled"


def test_the_emulator_passes_the_prelude_through(lambda_runtime):
    result = lambda_runtime(page).invoke({"title": "x"})
    assert result.headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    assert result.payload.endswith(b"\x00" * 8 + b"<h1>x</h1>")


def test_an_http_caller_gets_the_first_chunk_before_the_handler_ends(lambda_runtime):
    import http.client

    release = threading.Event()

    @lambda_handler(stream=True)
    def slow(event):
        yield "data: first\n\n"
        release.wait(10)
        yield "data: second\n\n"

    runtime = lambda_runtime(slow)
    conn = http.client.HTTPConnection(runtime.emulator.host, runtime.emulator.port, timeout=10)
    try:
        conn.request("POST", "/2015-03-31/functions/function/invocations", body=b"{}")
        answer = conn.getresponse()
        assert answer.status == 200
        assert answer.read1() == b"data: first\n\n"  # while the handler still waits
        release.set()
        assert answer.read() == b"data: second\n\n"
    finally:
        release.set()
        conn.close()


def test_async_streams_under_managed_instances_concurrency():
    from concurrent.futures import ThreadPoolExecutor

    from minlambda.testing import LocalRuntime

    with LocalRuntime(async_words, max_concurrency=3) as runtime:
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(runtime.invoke, [{"words": [str(i)] * 3} for i in range(3)]))
    assert [r.payload for r in results] == [b"000", b"111", b"222"]
