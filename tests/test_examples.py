"""Every example runs as `python examples/NAME.py` on the local emulator and answers
over HTTP as its comment says; Ctrl-C stops it cleanly."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time

import pytest
from conftest import ROOT, RUNTIME_DIR, clean_env

INVOKE = "/2015-03-31/functions/function/invocations"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, name: str, **env: str) -> None:
        self.port = _free_port()
        self.popen = subprocess.Popen([sys.executable, str(ROOT / "examples" / f"{name}.py")],
                                      env=clean_env(MINLAMBDA_LOCAL_PORT=str(self.port), **env),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        assert self.popen.stdout is not None
        self.first_line = self.popen.stdout.readline().decode()

    def post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", INVOKE, body=body)
            answer = conn.getresponse()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
        finally:
            conn.close()

    def interrupt(self) -> tuple[int, str]:
        self.popen.send_signal(signal.SIGINT)
        _, err = self.popen.communicate(timeout=10)
        return self.popen.returncode, err.decode()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.communicate()


@pytest.fixture
def serve():
    started: list[Served] = []

    def start(name: str, **env: str) -> Served:
        served = Served(name, **env)
        started.append(served)
        return served

    yield start
    for served in started:
        served.kill()


def test_hello(serve):
    served = serve("hello")
    url = f"http://127.0.0.1:{served.port}{INVOKE}"
    assert url in served.first_line and "curl" in served.first_line
    status, headers, body = served.post(b'{"name": "Ada"}')
    assert status == 200
    reply = json.loads(body)
    assert reply["message"] == "Hello, Ada!" and reply["request_id"] == headers["x-amzn-requestid"]
    assert json.loads(served.post(b"[]")[2])["message"] == "Hello, world!"
    code, err = served.interrupt()
    assert code == 0 and "Traceback" not in err


def test_orders_typed_with_a_validation_failure(serve):
    served = serve("orders")
    status, _, body = served.post(b'{"id": "o-1", "items": [{"sku": "A", "quantity": 2, "unit_price": 250}],'
                                  b' "coupon": "HALF"}')
    assert status == 200 and json.loads(body) == {"order_id": "o-1", "total": 250, "discounted": True}
    status, headers, body = served.post(b'{"id": "o-1", "items": [{"sku": "A", "quantity": "two",'
                                        b' "unit_price": 250}]}')
    error = json.loads(body)
    assert status == 200 and headers["x-amz-function-error"] == "Unhandled"
    assert error["errorType"] == "Runtime.ValidationError"
    assert error["errorDetails"] == {"location": "event", "path": "$.items[0].quantity",
                                     "reason": "Expected `int`, got `str`"}
    assert served.interrupt()[0] == 0


def test_async_reuses_its_pool_across_invocations(serve):
    served = serve("async_handler")
    first = json.loads(served.post(b'{"keys": "a,b"}')[2])
    second = json.loads(served.post(b'{"keys": "c"}')[2])
    assert first == {"values": ["A", "B"], "pool_calls": 2}
    assert second == {"values": ["C"], "pool_calls": 3}
    assert served.interrupt()[0] == 0


def test_raw_bytes(serve):
    served = serve("raw_bytes")
    status, headers, body = served.post(b"\xffnot json")
    assert status == 200 and "x-amz-function-error" not in headers
    assert body.startswith(b"sha256 ") and body.endswith(b" 9 bytes\n")
    assert served.interrupt()[0] == 0


def test_streaming_sse_sends_events_as_they_are_made(serve):
    served = serve("streaming_sse")
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        conn.request("POST", INVOKE, body=b'{"count": 3}')
        answer = conn.getresponse()
        assert answer.status == 200
        assert answer.getheader("Content-Type") == "application/vnd.awslambda.http-integration-response"
        first = answer.read1()
        while b"tick 0" not in first:  # the prelude and the first event, before the others
            first += answer.read1()
        assert b"tick 1" not in first
        rest = answer.read()
    finally:
        conn.close()
    prelude, _, body = (first + rest).partition(b"\x00" * 8)
    assert json.loads(prelude) == {"statusCode": 200, "cookies": [],
                                   "headers": {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}}
    assert body == b"".join(b"id: %d\ndata: tick %d of 3\n\n" % (i, i) for i in range(3))
    assert served.interrupt()[0] == 0


def test_concurrent_async_overlaps_eight_invocations(serve):
    from concurrent.futures import ThreadPoolExecutor

    served = serve("concurrent_async", AWS_LAMBDA_MAX_CONCURRENCY="8")
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: served.post(b'{"item": "x%d"}' % i), range(8)))
    elapsed = time.monotonic() - started
    replies = [json.loads(body) for status, _, body in answers]
    assert [r["value"] for r in replies] == [f"X{i}" for i in range(8)]
    assert len({r["request_id"] for r in replies}) == 8
    assert all(200 <= r["took_ms"] < 1000 for r in replies)
    assert elapsed < 1.0  # one at a time, the eight would take 1.6 s
    assert served.interrupt()[0] == 0


def test_concurrent_processes_gives_each_caller_its_own_answer(serve):
    from concurrent.futures import ThreadPoolExecutor

    served = serve("concurrent_processes", AWS_LAMBDA_MAX_CONCURRENCY="4")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: served.post(b'{"path": "/orders/%d"}' % i), range(4)))
    replies = [json.loads(body) for status, _, body in answers]
    assert [r["path"] for r in replies] == [f"/orders/{i}" for i in range(4)]
    assert len({r["worker_pid"] for r in replies}) == 4
    assert served.interrupt()[0] == 0


@pytest.mark.parametrize("name", ["hello", "orders", "async_handler", "raw_bytes", "streaming_sse", "concurrent_async",
                                  "concurrent_processes",
                                  "operations", "sqs_batch", "http_api"])
def test_each_example_starts_within_seconds(serve, name):
    started = time.monotonic()
    served = serve(name)
    assert "serving" in served.first_line
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_operations_logs_warns_and_runs_its_shutdown_hook(serve, stop):
    served = serve("operations", AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_FUNCTION_TIMEOUT="1",
                   MINLAMBDA_DEADLINE_WARNING_MS="800")
    status, _, body = served.post(b'{"order": "A1", "work_s": 0.5}')
    reply = json.loads(body)
    assert status == 200 and reply["order"] == "A1"
    served.popen.send_signal(stop)
    out, err = served.popen.communicate(timeout=10)
    assert served.popen.returncode == 0, err
    lines = out.decode().splitlines()
    assert lines[-1] == "shutting down after 1 orders"
    records = [json.loads(line) for line in lines if line.startswith("{")]
    info, warning = records
    assert info["level"] == "INFO" and info["message"] == "processing order"
    assert info["order"] == "A1" and info["requestId"] == reply["request_id"]
    assert warning["level"] == "WARNING" and warning["logger"] == "minlambda"
    assert warning["requestId"] == reply["request_id"]
    # the handler's own frame, not the runtime's or the script's
    stack = warning["message"].split("the handler is at:\n")[1]
    assert stack.startswith('  File "') and "in handle\n" in stack and "time.sleep" in stack
    assert RUNTIME_DIR not in stack and "serve()" not in stack


def test_sqs_batch_reports_the_failed_messages(serve):
    served = serve("sqs_batch")
    records = [
        {"messageId": "m1", "body": json.dumps({"id": "a", "amount": 5})},
        {"messageId": "m2", "body": json.dumps({"id": "b", "amount": 0})},
        {"messageId": "m3", "body": "not an order"},
        {"messageId": "m4", "body": json.dumps({"id": "d", "amount": 7})},
    ]
    status, _, body = served.post(json.dumps({"Records": records}).encode())
    assert status == 200
    assert json.loads(body) == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    served.popen.send_signal(signal.SIGINT)
    out, _ = served.popen.communicate(timeout=10)
    printed = out.decode()
    assert "charged 5 for order a (m1)" in printed and "charged 7 for order d (m4)" in printed
    assert "ValueError: batch item m2 failed: order b: the amount must be positive" in printed


def test_http_api_decodes_the_body_and_answers_201(serve):
    served = serve("http_api")
    sample = json.loads((ROOT / "tests" / "events" / "apiGatewayProxyV2Event.json").read_text())
    sample["body"] = json.dumps({"name": "Ada", "email": "ada@example.com"})
    sample["isBase64Encoded"] = False
    status, _, body = served.post(json.dumps(sample).encode())
    answer = json.loads(body)
    assert status == 200 and answer["statusCode"] == 201
    assert answer["headers"] == {"content-type": "application/json"}
    assert json.loads(answer["body"]) == {"name": "Ada", "email": "ada@example.com", "via": "POST"}
    sample["body"] = json.dumps({"name": "Ada"})
    status, headers, body = served.post(json.dumps(sample).encode())
    error = json.loads(body)
    assert headers["x-amz-function-error"] == "Unhandled"
    assert error["errorType"] == "Runtime.ValidationError"
    assert error["errorDetails"]["path"] == "$.body.email"
