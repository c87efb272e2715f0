"""The local emulator (minlambda._local.emulator) from both of its sides, over real sockets:

- the invoker's side (the RIE invoke endpoint), driven by `LocalRuntime` for a runtime
  in a thread, by `Emulator()` plus a real `python -m minlambda` subprocess, and by raw
  `http.client` requests;
- the runtime's side (the Runtime API), driven by raw `http.client` requests that play
  the runtime.

Handler modules live in tests/cliapps (the subprocesses run there).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cliapps import emu_app
from conftest import assert_same_error_but_carets

from minlambda.testing import Emulator, InvokeResult, LocalRuntime

HERE = Path(__file__).resolve().parent
CLIAPPS = HERE / "cliapps"
ROOT = HERE.parent
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
RUNTIME = "/2018-06-01/runtime"
ARN = "arn:aws:lambda:us-east-1:012345678912:function:"
MAX_REQUEST = 6_291_456
MAX_RESPONSE = 6_291_556
TRACE = re.compile(r"Root=1-([0-9a-f]{8})-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_SCRUB = (
    "AWS_LAMBDA_",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "LAMBDA_TASK_ROOT",
    "_LAMBDA_",
    "MINLAMBDA_",
)


# -- helpers and fixtures ----------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """os.environ without anything that steers the runtime, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def frame(module_file: str, function: str, code: str) -> str:
    """One stackTrace entry as the runtime formats it, for the line of `module_file`
    holding `code`."""
    path = CLIAPPS / module_file
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.strip() == code)
    return f'  File "{path}", line {number}, in {function}\n    {code}\n'


def wait_for(condition: Callable[[], bool], timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def exchange(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    **options: Any,
) -> tuple[int, dict[str, str], bytes]:
    """One request on `conn`; the status, lower-cased headers and the whole body."""
    conn.request(method, path, body=body, headers=headers or {}, **options)
    response = conn.getresponse()
    try:
        data = response.read()
    finally:
        response.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def api_error(message: str, error_type: str) -> dict[str, str]:
    return {"errorMessage": message, "errorType": error_type}


pytestmark = pytest.mark.usefixtures("isolated_cliapps")  # each test on its own (tests/conftest.py)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    emu = Emulator(timeout=10, function_name="orders").start()
    yield emu
    emu.close()


class Background:
    """Invocations run in threads, so the test can play the runtime meanwhile."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def invoke(self, target: Any, *args: Any, **options: Any) -> Callable[..., InvokeResult]:
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["result"] = target.invoke(*args, **options)
            except BaseException as exc:  # handed to the test by result()
                box["error"] = exc

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

        def result(timeout: float = 15) -> InvokeResult:
            thread.join(timeout)
            assert not thread.is_alive(), "the invocation did not finish"
            if "error" in box:
                raise box["error"]
            return box["result"]

        return result


@pytest.fixture
def background(emulator: Emulator) -> Iterator[Background]:
    bg = Background()
    yield bg
    emulator.close()  # answers whatever is still waiting (502), so the threads end
    for thread in bg.threads:
        thread.join(10)
        assert not thread.is_alive()


@pytest.fixture
def connect(emulator: Emulator) -> Iterator[Callable[[], http.client.HTTPConnection]]:
    """Raw HTTP connections to the emulator (either side), closed afterwards."""
    opened: list[http.client.HTTPConnection] = []

    def make() -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
        opened.append(conn)
        return conn

    yield make
    for conn in opened:
        conn.close()


class RuntimeProcess:
    """A `python -m minlambda ...` (or script) subprocess, output kept in files."""

    def __init__(self, args: list[str], env: dict[str, str], directory: Path) -> None:
        self.out_path = directory / "stdout.txt"
        self.err_path = directory / "stderr.txt"
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=CLIAPPS,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait(self, timeout: float = 10) -> int:
        return self.popen.wait(timeout)

    def stderr(self) -> str:
        return self.err_path.read_text()

    def stdout(self) -> str:
        return self.out_path.read_text()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)
        self._out.close()
        self._err.close()


@pytest.fixture
def spawn(emulator: Emulator, tmp_path: Path) -> Iterator[Callable[..., RuntimeProcess]]:
    """spawn("emu_app.describe") starts `python -m minlambda emu_app.describe` served by
    the emulator; spawn(script="x.py") runs a script instead; keyword arguments are
    extra environment variables."""
    started: list[RuntimeProcess] = []

    def start(*args: str, script: str | None = None, **env: str) -> RuntimeProcess:
        directory = tmp_path / f"runtime{len(started)}"
        directory.mkdir()
        command = [script] if script else ["-m", "minlambda", *args]
        environment = child_env(
            AWS_LAMBDA_RUNTIME_API=emulator.runtime_api,
            AWS_LAMBDA_FUNCTION_NAME=emulator.function_name,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            **env,
        )
        process = RuntimeProcess(command, environment, directory)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def describe_expectations(payload: dict[str, Any], result: InvokeResult, name: str) -> None:
    """What every `emu_app.describe` answer must hold, whoever ran it."""
    assert payload["aws_request_id"] == result.request_id == result.headers["x-amzn-requestid"]
    assert UUID.fullmatch(payload["aws_request_id"])
    assert payload["function_name"] == name
    assert payload["function_version"] == "$LATEST"
    assert payload["invoked_function_arn"] == ARN + name
    match = TRACE.fullmatch(payload["trace_id"])
    assert match, payload["trace_id"]
    assert abs(int(match.group(1), 16) - time.time()) < 120  # Root=1-<epoch seconds, hex>
    assert payload["trace_env"] == payload["trace_id"]


# -- the invoker's side, with a runtime in a thread ------------------------------------


def test_success_status_headers_payload_and_context() -> None:
    with LocalRuntime(emu_app.describe, timeout=7, function_name="orders") as runtime:
        before = time.time() * 1000
        result = runtime.invoke({"id": "a", "amount": 2})
        after = time.time() * 1000
    assert result.status == 200
    assert result.ok
    assert result.headers["content-type"] == "application/json"
    assert "x-amz-function-error" not in result.headers
    assert result.headers["x-amz-executed-version"] == "$LATEST"
    payload = result.json()
    describe_expectations(payload, result, "orders")
    assert payload["event"] == {"id": "a", "amount": 2}
    assert payload["memory_limit_in_mb"] == 3008 and type(payload["memory_limit_in_mb"]) is int
    assert 6000 < payload["remaining_ms"] <= 7000
    assert before + 7000 - 1 <= payload["deadline_ms"] <= after + 7000
    assert payload["identity"] == [None, None]
    assert payload["client_context"] is None
    assert payload["tenant_id"] is None
    assert payload["pid"] == os.getpid()


def test_memory_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    with LocalRuntime(emu_app.describe) as runtime:
        payload = runtime.invoke({}).json()
    assert payload["memory_limit_in_mb"] == 512
    assert payload["function_name"] == "test_function"
    assert payload["invoked_function_arn"] == ARN + "test_function"


def test_each_invocation_has_its_own_trace_id() -> None:
    with LocalRuntime(emu_app.describe) as runtime:
        first, second = runtime.invoke(1).json(), runtime.invoke(2).json()
    assert TRACE.fullmatch(first["trace_id"]) and TRACE.fullmatch(second["trace_id"])
    assert first["trace_id"] != second["trace_id"]
    assert (first["trace_env"], second["trace_env"]) == (first["trace_id"], second["trace_id"])
    assert first["aws_request_id"] != second["aws_request_id"]


def test_bytes_event_and_bytes_response_pass_verbatim_with_their_content_type() -> None:
    data = b"\x00\xffnot json at all\r\n"
    with LocalRuntime(emu_app.raw) as runtime:
        result = runtime.invoke(data)
    assert result.status == 200 and result.ok
    assert result.payload == bytes(reversed(data))
    assert result.headers["content-type"] == "application/unknown"


def test_handler_exception_is_an_unhandled_function_error() -> None:
    with LocalRuntime(emu_app.fail) as runtime:
        result = runtime.invoke({"card": "4000"})
        after = runtime.invoke({"card": "5000"})
    assert result.status == 200
    assert not result.ok
    assert result.headers["x-amz-function-error"] == "Unhandled"
    assert result.headers["content-type"] == "application/json"
    assert result.error_type == "PaymentDeclined"
    assert_same_error_but_carets(result.json(), {
        "errorMessage": "card 4000 declined",
        "errorType": "PaymentDeclined",
        "requestId": result.request_id,
        "stackTrace": [
            frame("emu_app.py", "fail", 'decline(event["card"])'),
            frame("emu_app.py", "decline", 'raise PaymentDeclined(f"card {card} declined")'),
        ],
    })
    assert result.error == result.json()
    # the loop goes on: the next invocation is handled (and fails on its own terms)
    assert after.json()["errorMessage"] == "card 5000 declined"
    assert after.request_id != result.request_id


def test_event_that_does_not_fit_the_schema_is_a_validation_error() -> None:
    with LocalRuntime("emu_typed.charge") as runtime:
        bad = runtime.invoke({"id": "a", "amount": "2"})
        good = runtime.invoke({"id": "a", "amount": 2})
        garbage = runtime.invoke(b"{not json")
    assert bad.status == 200 and bad.headers["x-amz-function-error"] == "Unhandled"
    assert bad.json() == {
        "errorMessage": "Expected `int`, got `str` - at `$.amount`",
        "errorType": "Runtime.ValidationError",
        "requestId": bad.request_id,
        "stackTrace": [],
        "errorDetails": {
            "location": "event",
            "path": "$.amount",
            "reason": "Expected `int`, got `str`",
        },
    }
    assert good.ok and good.payload == b'{"id":"a","total":4}'
    assert garbage.status == 200 and garbage.error_type == "Runtime.UnmarshalError"
    assert garbage.json()["errorMessage"].startswith("Unable to unmarshal input: ")


INIT_FAILURES = {
    "raises at import": (
        "emu_raise.handler",
        {
            "errorMessage": "DB_URL is not set",
            "errorType": "ConfigError",
            "requestId": "",
            "stackTrace": [
                frame("emu_raise.py", "<module>", "_load_config()"),
                frame("emu_raise.py", "_load_config", 'raise ConfigError("DB_URL is not set")'),
            ],
        },
    ),
    "missing dependency": (
        "emu_badimport.handler",
        {
            "errorMessage": "Unable to import module 'emu_badimport': "
            "No module named 'minlambda_missing_dependency_xyz'",
            "errorType": "Runtime.ImportModuleError",
            "requestId": "",
            "stackTrace": [],
        },
    ),
    "missing function": (
        "emu_app.nope",
        {
            "errorMessage": "Handler 'nope' missing on module 'emu_app'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        },
    ),
    "malformed name": (
        "nodots",
        {
            "errorMessage": "Bad handler 'nodots': expected module.function, module:function, "
            "path/to/file.py or path/to/file.py:function",
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        },
    ),
}


@pytest.mark.parametrize("target, error", INIT_FAILURES.values(), ids=INIT_FAILURES.keys())
def test_init_failure_in_a_local_runtime_answers_502(target: str, error: dict[str, Any]) -> None:
    with LocalRuntime(target) as runtime:
        assert runtime.init_error is not None
        assert runtime.init_error.error_type == error["errorType"]
        first = runtime.invoke({})
        second = runtime.invoke({})
    for result in (first, second):
        assert result.status == 502
        assert not result.ok
        assert result.error_type == error["errorType"]
        assert_same_error_but_carets(result.json(), error)
        assert UUID.fullmatch(result.request_id or "")
    assert first.request_id != second.request_id


@pytest.mark.slow
def test_timeout_is_reported_and_the_next_invocation_works(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LocalRuntime(emu_app.slow) as runtime:
        start = time.monotonic()
        timed_out = runtime.invoke({"sleep": 0.8}, timeout=0.25)
        elapsed = time.monotonic() - start
        after = runtime.invoke({"sleep": 0})
    assert 0.25 <= elapsed < 0.75
    assert timed_out.status == 200
    assert timed_out.headers["x-amz-function-error"] == "Unhandled"
    assert timed_out.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {timed_out.request_id} Error: Task timed out after 0.25 seconds",
    }
    assert after.ok and after.json() == {"slept": 0, "pid": os.getpid()}
    # the handler did finish in the end; its late result was turned away with 410
    err = capsys.readouterr().err
    assert f"POST invocation/{timed_out.request_id}/response answered 410" in err


@pytest.mark.slow
def test_function_timeout_applies_to_every_invocation() -> None:
    with LocalRuntime(emu_app.slow, timeout=0.6) as runtime:
        start = time.monotonic()
        result = runtime.invoke({"sleep": 1.0})
        elapsed = time.monotonic() - start
    assert 0.6 <= elapsed < 0.9
    assert result.error_type == "Sandbox.Timedout"
    assert result.json()["errorMessage"].endswith("Error: Task timed out after 0.60 seconds")


def test_per_invocation_timeout_sets_the_remaining_time() -> None:
    with LocalRuntime(emu_app.describe, timeout=5) as runtime:
        default = runtime.invoke({}).json()["remaining_ms"]
        short = runtime.invoke({}, timeout=2).json()["remaining_ms"]
        long = runtime.invoke({}, timeout=30).json()["remaining_ms"]
    assert 4000 < default <= 5000
    assert 1000 < short <= 2000
    assert 29000 < long <= 30000


def test_client_context_identity_and_tenant_reach_the_context() -> None:
    client_context = {
        "client": {
            "installation_id": "inst-1",
            "app_title": "Shop",
            "app_version_name": "1.2",
            "app_version_code": "12",
            "app_package_name": "com.example.shop",
        },
        "custom": {"cart": "c-9", "n": 3},
        "env": {"platform": "Android", "locale": "en_US"},
    }
    identity = {"cognitoIdentityId": "us-east-1:id-1", "cognitoIdentityPoolId": "us-east-1:pool-1"}
    with LocalRuntime(emu_app.describe) as runtime:
        result = runtime.invoke(
            {"x": 1}, client_context=client_context, identity=identity, tenant_id="tenant-42"
        )
        plain = runtime.invoke({"x": 2})
    payload = result.json()
    assert payload["client_context"] == client_context
    assert payload["identity"] == ["us-east-1:id-1", "us-east-1:pool-1"]
    assert payload["tenant_id"] == "tenant-42"
    # nothing carries over to the next invocation
    assert plain.json()["client_context"] is None
    assert plain.json()["identity"] == [None, None]
    assert plain.json()["tenant_id"] is None


def test_request_size_limit() -> None:
    with LocalRuntime(emu_app.raw) as runtime:
        at_limit = runtime.invoke(b"a" * (MAX_REQUEST - 1) + b"b")
        over = runtime.invoke(b"a" * (MAX_REQUEST + 1))
        after = runtime.invoke(b"ok")
    assert at_limit.ok
    assert len(at_limit.payload) == MAX_REQUEST and at_limit.payload[:2] == b"ba"
    assert over.status == 413
    assert not over.ok
    assert over.headers["content-type"] == "application/json"
    assert UUID.fullmatch(over.request_id or "")
    assert over.json() == {
        "errorType": "RequestEntityTooLargeException",
        "errorMessage": "Request must be smaller than 6291456 bytes for the InvokeFunction operation",
    }
    assert over.error_type == "RequestEntityTooLargeException"
    assert after.payload == b"ko"


def test_response_size_limit_and_the_runtime_keeps_serving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LocalRuntime(emu_app.sized) as runtime:
        at_limit = runtime.invoke({"size": MAX_RESPONSE})
        over = runtime.invoke({"size": MAX_RESPONSE + 1})
        after = runtime.invoke({"size": 3})
    assert at_limit.ok and at_limit.payload == b"x" * MAX_RESPONSE
    assert over.status == 200
    assert over.headers["x-amz-function-error"] == "Unhandled"
    # the runtime's size guard reports it before the platform (here the emulator) has to
    assert over.error_type == "Function.ResponseSizeTooLarge"
    assert over.error["errorMessage"] == (
        "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    )
    assert over.error["requestId"] == over.request_id
    assert after.ok and after.payload == b"xxx"
    assert "answered 413" not in capsys.readouterr().err


def test_concurrent_invocations_are_served_one_after_the_other() -> None:
    with LocalRuntime(emu_app.describe) as runtime:
        bg = Background()
        results = [bg.invoke(runtime, {"n": n}) for n in range(4)]
        answers = [get() for get in results]
    assert [a.json()["event"] for a in answers] == [{"n": n} for n in range(4)]
    assert len({a.request_id for a in answers}) == 4


# -- the invoker's side, raw HTTP --------------------------------------------------------


def test_curl_like_post_to_the_rie_endpoint() -> None:
    with LocalRuntime("emu_typed.charge") as runtime:
        assert runtime.url == f"http://127.0.0.1:{runtime.emulator.port}{INVOKE_PATH}"
        conn = http.client.HTTPConnection(runtime.emulator.host, runtime.emulator.port, timeout=10)
        try:
            # what `curl -d '{"id":"a","amount":2}' URL` sends
            status, headers, body = exchange(
                conn,
                "POST",
                INVOKE_PATH,
                b'{"id":"a","amount":2}',
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "*/*"},
            )
        finally:
            conn.close()
    assert status == 200
    assert body == b'{"id":"a","total":4}'
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(body))
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert "x-amz-function-error" not in headers


def test_a_request_id_sent_by_the_caller_is_the_invocations_id() -> None:
    with LocalRuntime(emu_app.describe) as runtime:
        conn = http.client.HTTPConnection(runtime.emulator.host, runtime.emulator.port, timeout=10)
        try:
            status, headers, body = exchange(
                conn, "POST", INVOKE_PATH, b"{}", {"X-Amzn-RequestId": "my-request-1"}
            )
        finally:
            conn.close()
    assert status == 200
    assert headers["x-amzn-requestid"] == "my-request-1"
    assert json.loads(body)["aws_request_id"] == "my-request-1"


BAD_INVOKE_HEADERS = {
    "client context not base64": (
        {"X-Amz-Client-Context": "not base64!!"},
        "Client context must be a valid Base64-encoded JSON object.",
    ),
    "client context not an object": (
        {"X-Amz-Client-Context": base64.b64encode(b"[1, 2]").decode()},
        "Client context must be a valid Base64-encoded JSON object.",
    ),
    "client context not JSON": (
        {"X-Amz-Client-Context": base64.b64encode(b"{nope").decode()},
        "Client context must be a valid Base64-encoded JSON object.",
    ),
    "identity not an object": (
        {"X-Minlambda-Cognito-Identity": '"abc"'},
        "The Cognito identity must be a JSON object.",
    ),
    "tenant too long": ({"X-Amz-Tenant-Id": "t" * 257}, "The tenant id must be printable ASCII."),
    "negative timeout": (
        {"X-Minlambda-Timeout": "-1"},
        "The timeout must be a positive number of seconds, got '-1'",
    ),
}


@pytest.mark.parametrize(
    "headers, message", BAD_INVOKE_HEADERS.values(), ids=BAD_INVOKE_HEADERS.keys()
)
def test_bad_invoke_headers_answer_400(headers: dict[str, str], message: str) -> None:
    with LocalRuntime(emu_app.describe) as runtime:
        conn = http.client.HTTPConnection(runtime.emulator.host, runtime.emulator.port, timeout=10)
        try:
            status, answer_headers, body = exchange(conn, "POST", INVOKE_PATH, b"{}", headers)
        finally:
            conn.close()
        after = runtime.invoke({"still": "works"})
    assert status == 400
    assert answer_headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "errorType": "InvalidRequestContentException",
        "errorMessage": message,
    }
    # the handler never saw it: the next invocation is the first it handles
    assert after.ok and after.json()["event"] == {"still": "works"}


def test_unknown_paths_answer_404(emulator: Emulator, connect: Callable[[], Any]) -> None:
    conn = connect()
    assert exchange(conn, "GET", "/nothing/here")[::2] == (
        404,
        b'{"errorMessage": "Unknown path", "errorType": "NotFound"}\n',
    )
    status, _, body = exchange(conn, "POST", "/2015-03-31/functions/other/invocations", b"{}")
    assert (status, json.loads(body)) == (404, api_error("Unknown path", "NotFound"))
    status, _, body = exchange(conn, "POST", f"{RUNTIME}/invocation/abc/bogus", b"{}")
    assert (status, json.loads(body)) == (404, api_error("Unknown path", "NotFound"))


def test_close_ends_a_waiting_invocation_promptly(emulator: Emulator) -> None:
    bg = Background()
    result = bg.invoke(emulator, {"nobody": "serves this"})
    wait_for(lambda: len(emulator._pending) == 1, what="the invocation to be queued")
    start = time.monotonic()
    emulator.close()
    answer = result(timeout=5)  # close() lets the answer finish before cutting connections
    assert time.monotonic() - start < 1.0
    assert answer.status == 502
    assert answer.json() == {
        "errorType": "Runtime.Unavailable",
        "errorMessage": "The emulator is shutting down",
    }


def test_emulator_settings_and_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_TIMEOUT", "2.5")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "from-env")
    emu = Emulator()
    try:
        assert (emu.timeout, emu.function_name) == (2.5, "from-env")
        assert emu.runtime_api == f"127.0.0.1:{emu.port}" and emu.port > 0
        assert emu.url == f"http://127.0.0.1:{emu.port}{INVOKE_PATH}"
    finally:
        emu.close()
    emu = Emulator(timeout=4, function_name="given")
    try:
        assert (emu.timeout, emu.function_name) == (4, "given")
    finally:
        emu.close()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_TIMEOUT", "soon")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    emu = Emulator()
    try:
        assert (emu.timeout, emu.function_name) == (300.0, "test_function")
    finally:
        emu.close()


# -- the runtime's side, raw HTTP ---------------------------------------------------------


def test_next_delivers_the_event_with_its_headers(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    before = time.time() * 1000
    result = background.invoke(emulator, {"k": [1, "two"]}, timeout=3)
    runtime = connect()
    status, headers, body = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    after = time.time() * 1000
    assert status == 200
    assert body == b'{"k": [1, "two"]}'  # the invoker's bytes, untouched
    request_id = headers["lambda-runtime-aws-request-id"]
    assert UUID.fullmatch(request_id)
    assert before + 3000 - 1 <= int(headers["lambda-runtime-deadline-ms"]) <= after + 3000
    assert headers["lambda-runtime-invoked-function-arn"] == ARN + "orders"
    assert TRACE.fullmatch(headers["lambda-runtime-trace-id"])
    assert headers["content-type"] == "application/json"
    for absent in ("client-context", "cognito-identity", "aws-tenant-id"):
        assert f"lambda-runtime-{absent}" not in headers
    # answer with a chunked body: the invoker gets it decoded, with our content type
    status, _, answer = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/invocation/{request_id}/response",
        iter([b"hello, ", b"chunked ", b"world"]),
        {"Content-Type": "text/plain; charset=utf-8"},
        encode_chunked=True,
    )
    assert (status, answer) == (202, b'{"status":"OK"}\n')
    final = result()
    assert final.status == 200 and final.ok
    assert final.payload == b"hello, chunked world"
    assert final.headers["content-type"] == "text/plain; charset=utf-8"
    assert final.request_id == request_id


def test_next_carries_client_context_identity_and_tenant(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(
        emulator,
        {},
        client_context={"custom": {"a": "b"}},
        identity={"cognitoIdentityId": "i-1", "cognitoIdentityPoolId": "p-1"},
        tenant_id="acme",
    )
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    assert json.loads(headers["lambda-runtime-client-context"]) == {"custom": {"a": "b"}}
    assert json.loads(headers["lambda-runtime-cognito-identity"]) == {
        "cognitoIdentityId": "i-1",
        "cognitoIdentityPoolId": "p-1",
    }
    assert headers["lambda-runtime-aws-tenant-id"] == "acme"
    request_id = headers["lambda-runtime-aws-request-id"]
    exchange(runtime, "POST", f"{RUNTIME}/invocation/{request_id}/response", b"1")
    assert result().payload == b"1"


def test_error_post_reaches_the_invoker_verbatim(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(emulator, {})
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    request_id = headers["lambda-runtime-aws-request-id"]
    error = b'{"errorMessage":"bad","errorType":"Custom","stackTrace":[],"extra":1}'
    status, _, answer = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/invocation/{request_id}/error",
        error,
        {
            "Content-Type": "application/json",
            "Lambda-Runtime-Function-Error-Type": "Function.Custom",
        },
    )
    assert (status, answer) == (202, b'{"status":"OK"}\n')
    final = result()
    assert final.status == 200
    assert final.headers["x-amz-function-error"] == "Unhandled"
    assert final.payload == error
    assert final.error_type == "Custom"


def test_posts_for_an_unknown_request_id_answer_400(
    emulator: Emulator, connect: Callable[[], Any]
) -> None:
    runtime = connect()
    for kind in ("response", "error"):
        status, headers, body = exchange(
            runtime, "POST", f"{RUNTIME}/invocation/no-such-id/{kind}", b"{}"
        )
        assert status == 400
        assert headers["content-type"] == "application/json"
        assert json.loads(body) == api_error("Invalid request ID", "InvalidRequestID")


def test_init_error_after_an_event_was_delivered_answers_403(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(emulator, {})
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    request_id = headers["lambda-runtime-aws-request-id"]
    status, _, body = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/init/error",
        b'{"errorMessage":"late","errorType":"Runtime.Late"}',
        {"Lambda-Runtime-Function-Error-Type": "Runtime.Late"},
    )
    assert status == 403
    assert json.loads(body) == api_error(
        "State transition from Ready to InitError failed for runtime. "
        "Error: State transition is not allowed",
        "InvalidStateTransition",
    )
    # the invocation is not affected
    exchange(runtime, "POST", f"{RUNTIME}/invocation/{request_id}/response", b'"fine"')
    assert result().payload == b'"fine"'


def test_init_error_is_every_invocations_answer(
    emulator: Emulator, connect: Callable[[], Any]
) -> None:
    runtime = connect()
    error = b'{"errorMessage":"boom","errorType":"Runtime.Boom","requestId":"","stackTrace":[]}'
    status, _, body = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/init/error",
        error,
        {"Lambda-Runtime-Function-Error-Type": "Runtime.Boom"},
    )
    assert (status, body) == (202, b'{"status":"OK"}\n')
    status, _, body = exchange(runtime, "POST", f"{RUNTIME}/init/error", error)
    assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"
    for _ in range(2):
        result = emulator.invoke({})
        assert result.status == 502
        assert result.payload == error
        assert result.error_type == "Runtime.Boom"


def test_empty_init_error_body_is_filled_from_the_error_type_header(
    emulator: Emulator, connect: Callable[[], Any]
) -> None:
    runtime = connect()
    status, _, _ = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/init/error",
        b"",
        {"Lambda-Runtime-Function-Error-Type": "Runtime.NoBody"},
    )
    assert status == 202
    result = emulator.invoke({})
    assert (result.status, result.json()) == (
        502,
        {"errorType": "Runtime.NoBody", "errorMessage": "Init failed"},
    )


def test_a_late_result_for_a_timed_out_invocation_answers_410(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(emulator, {"n": 1}, timeout=0.3)
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    request_id = headers["lambda-runtime-aws-request-id"]
    timed_out = result()
    assert timed_out.status == 200
    assert timed_out.headers["x-amz-function-error"] == "Unhandled"
    assert timed_out.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 0.30 seconds",
    }
    for kind in ("response", "error"):
        status, _, body = exchange(
            runtime, "POST", f"{RUNTIME}/invocation/{request_id}/{kind}", b'"late"'
        )
        assert (status, json.loads(body)) == (410, api_error("Invoke timeout", "InvokeTimeout"))
    # the next invocation works, on the same connection
    result = background.invoke(emulator, {"n": 2})
    _, headers, body = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    assert body == b'{"n": 2}'
    request_id = headers["lambda-runtime-aws-request-id"]
    exchange(runtime, "POST", f"{RUNTIME}/invocation/{request_id}/response", b'"on time"')
    assert result().payload == b'"on time"'


def test_oversized_result_post_answers_413(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(emulator, {})
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    request_id = headers["lambda-runtime-aws-request-id"]
    status, _, body = exchange(
        runtime,
        "POST",
        f"{RUNTIME}/invocation/{request_id}/response",
        iter([b"y" * MAX_RESPONSE, b"yy"]),
        encode_chunked=True,
    )
    assert (status, json.loads(body)) == (
        413,
        api_error(
            "Exceeded maximum allowed payload size (6291556 bytes).", "RequestEntityTooLarge"
        ),
    )
    assert result().json() == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (6291558 bytes) exceeded maximum allowed "
        "payload size (6291556 bytes).",
    }


def test_a_percent_encoded_request_id_is_matched(
    emulator: Emulator, connect: Callable[[], Any]
) -> None:
    odd_id = "id with/slash?"
    invoker = connect()
    invoker.request("POST", INVOKE_PATH, body=b"{}", headers={"X-Amzn-RequestId": odd_id})
    runtime = connect()
    _, headers, _ = exchange(runtime, "GET", f"{RUNTIME}/invocation/next")
    assert headers["lambda-runtime-aws-request-id"] == odd_id
    status, _, _ = exchange(
        runtime, "POST", f"{RUNTIME}/invocation/id%20with%2Fslash%3F/response", b'"ok"'
    )
    assert status == 202
    answer = invoker.getresponse()
    try:
        assert (answer.status, answer.read(), answer.getheader("X-Amzn-RequestId")) == (
            200,
            b'"ok"',
            odd_id,
        )
    finally:
        answer.close()


def raw_request(emulator: Emulator, data: bytes) -> bytes:
    """Send bytes as they are; everything the emulator answers until it closes."""
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        sock.sendall(data)
        parts = []
        while chunk := sock.recv(65536):
            parts.append(chunk)
    return b"".join(parts)


@pytest.mark.parametrize(
    "request_bytes, reason",
    [
        (
            b"POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: h\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
            "bad chunk size line b'zz\\r\\n'",
        ),
        (
            b"POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nHost: h\r\n"
            b"Content-Length: twelve\r\n\r\n",
            "bad Content-Length 'twelve'",
        ),
    ],
    ids=["bad chunk", "bad length"],
)
def test_malformed_request_bodies_answer_400_and_close(
    emulator: Emulator, request_bytes: bytes, reason: str
) -> None:
    answer = raw_request(emulator, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body) == api_error(f"Bad request: {reason}", "InvalidRequest")


def test_emulator_as_a_context_manager() -> None:
    with Emulator(timeout=3) as emu:
        assert emu.start() is emu  # starting twice changes nothing
        port = emu.port
        conn = http.client.HTTPConnection(emu.host, port, timeout=10)
        try:
            assert exchange(conn, "GET", "/")[0] == 404
        finally:
            conn.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_get_on_the_invoke_endpoint_is_an_invocation_too() -> None:
    # AWS's emulator takes any method; a GET has no body: the raw event is empty
    with LocalRuntime(emu_app.raw) as runtime:
        conn = http.client.HTTPConnection(runtime.emulator.host, runtime.emulator.port, timeout=10)
        try:
            status, headers, body = exchange(conn, "GET", INVOKE_PATH)
        finally:
            conn.close()
    assert (status, body, headers["content-type"]) == (200, b"", "application/unknown")


def test_an_invocation_already_waiting_gets_the_init_error(
    emulator: Emulator, background: Background, connect: Callable[[], Any]
) -> None:
    result = background.invoke(emulator, {})
    wait_for(lambda: len(emulator._pending) == 1, what="the invocation to be queued")
    error = b'{"errorMessage":"late init failure","errorType":"Runtime.Slow"}'
    status, _, _ = exchange(connect(), "POST", f"{RUNTIME}/init/error", error)
    assert status == 202
    answer = result()
    assert (answer.status, answer.payload) == (502, error)
    assert answer.headers["x-amz-function-error"] == "Unhandled"


def read_response(sock: socket.socket, buffered: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One Content-Length-framed HTTP response from a raw socket."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before the head: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "closed in the body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def raw_next(sock: socket.socket) -> str:
    """GET /next on a raw socket; the request id."""
    sock.sendall(f"GET {RUNTIME}/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    status, headers, _ = read_response(sock)
    assert status == 200
    return headers["lambda-runtime-aws-request-id"]


def test_chunked_response_with_extensions_and_trailers(
    emulator: Emulator, background: Background
) -> None:
    result = background.invoke(emulator, {})
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        request_id = raw_next(sock)
        sock.sendall(
            f"POST {RUNTIME}/invocation/{request_id}/response HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
            "5;name=value\r\nhello\r\n"
            "1\r\n \r\n"
            "5\r\nworld\r\n"
            "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n".encode()
        )
        status, _, body = read_response(sock)
        assert (status, body) == (202, b'{"status":"OK"}\n')
        # the connection is still in step: the trailers were consumed
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock)[0] == 404
    assert result().payload == b"hello world"


@pytest.mark.slow
def test_a_truncated_chunked_response_is_refused_and_reported_as_a_crash(
    emulator: Emulator, background: Background
) -> None:
    result = background.invoke(emulator, {})
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        request_id = raw_next(sock)
        sock.sendall(
            f"POST {RUNTIME}/invocation/{request_id}/response HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\n\r\na\r\n01234".encode()
        )
        sock.shutdown(socket.SHUT_WR)  # the runtime died in the middle of its post
        status, _, body = read_response(sock)
        assert (status, json.loads(body)) == (
            400,
            api_error("Bad request: truncated chunk", "InvalidRequest"),
        )
    answer = result()
    assert answer.status == 502
    assert answer.error_type == "Runtime.ExitError"


# -- the invoker's side, with a `python -m minlambda` subprocess ------------------------


def test_subprocess_runtime_success_and_context(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    process = spawn("emu_app.describe")
    first = emulator.invoke({"id": "a"})
    second = emulator.invoke(
        [1, 2],
        client_context={"custom": {"k": "v"}},
        identity={"cognitoIdentityId": "i", "cognitoIdentityPoolId": "p"},
        tenant_id="t-1",
        timeout=4,
    )
    assert first.status == 200 and first.ok
    assert first.headers["content-type"] == "application/json"
    payload = first.json()
    describe_expectations(payload, first, "orders")
    assert payload["event"] == {"id": "a"}
    assert payload["memory_limit_in_mb"] == 256
    assert payload["pid"] == process.pid
    assert 9000 < payload["remaining_ms"] <= 10000
    payload = second.json()
    describe_expectations(payload, second, "orders")
    assert payload["event"] == [1, 2]
    assert payload["client_context"] == {"client": None, "custom": {"k": "v"}, "env": None}
    assert payload["identity"] == ["i", "p"]
    assert payload["tenant_id"] == "t-1"
    assert 3000 < payload["remaining_ms"] <= 4000
    assert process.popen.poll() is None  # still serving


def test_subprocess_runtime_from_handler_env_and_bytes(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    spawn(_HANDLER="emu_app.raw")  # no argument: _HANDLER names the handler
    result = emulator.invoke(b"\x01\x02\x03")
    assert (result.status, result.payload) == (200, b"\x03\x02\x01")
    assert result.headers["content-type"] == "application/unknown"


def test_subprocess_runtime_function_error(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    process = spawn("emu_app.fail")
    result = emulator.invoke({"card": "1234"})
    assert result.status == 200
    assert result.headers["x-amz-function-error"] == "Unhandled"
    assert_same_error_but_carets(result.json(), {
        "errorMessage": "card 1234 declined",
        "errorType": "PaymentDeclined",
        "requestId": result.request_id,
        "stackTrace": [
            frame("emu_app.py", "fail", 'decline(event["card"])'),
            frame("emu_app.py", "decline", 'raise PaymentDeclined(f"card {card} declined")'),
        ],
    })
    assert emulator.invoke({"card": "9"}).error_type == "PaymentDeclined"
    assert process.popen.poll() is None
    assert "[ERROR] PaymentDeclined: card 1234 declined" in process.stdout()  # the platform's log stream


@pytest.mark.parametrize("target, error", INIT_FAILURES.values(), ids=INIT_FAILURES.keys())
def test_subprocess_init_failure_answers_502(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess], target: str, error: dict[str, Any]
) -> None:
    process = spawn(target)
    assert process.wait() == 1  # reported, then exit without asking for an event
    assert f"[ERROR] {error['errorType']}: {error['errorMessage']}" in process.stdout()
    for _ in range(2):
        result = emulator.invoke({})
        assert result.status == 502
        assert_same_error_but_carets(result.json(), error)
        assert result.error_type == error["errorType"]


def test_subprocess_validation_error(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    spawn("emu_typed:charge")
    bad = emulator.invoke({"id": 1, "amount": 2})
    assert bad.status == 200 and bad.error_type == "Runtime.ValidationError"
    assert bad.json()["errorDetails"] == {
        "location": "event",
        "path": "$.id",
        "reason": "Expected `str`, got `int`",
    }
    assert emulator.invoke({"id": "z", "amount": 5}).payload == b'{"id":"z","total":10}'


@pytest.mark.slow
def test_subprocess_killed_mid_invocation_answers_502_exit_error(
    emulator: Emulator,
    spawn: Callable[..., RuntimeProcess],
    background: Background,
    tmp_path: Path,
) -> None:
    process = spawn("emu_app.slow")
    mark = tmp_path / "started"
    result = background.invoke(emulator, {"mark": str(mark), "sleep": 30}, timeout=20)
    wait_for(mark.exists, what="the handler to start")
    start = time.monotonic()
    os.kill(process.pid, signal.SIGKILL)
    answer = result()
    assert time.monotonic() - start < 5
    assert answer.status == 502
    assert not answer.ok
    assert answer.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {answer.request_id} Error: Runtime exited without providing a reason",
    }
    assert process.wait() == -signal.SIGKILL


@pytest.mark.slow
def test_subprocess_handler_that_exits_answers_502_exit_error(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    process = spawn("emu_app.bail_out")
    answer = emulator.invoke({"code": 3})
    assert answer.status == 502
    assert answer.error_type == "Runtime.ExitError"
    assert process.wait() == 3


@pytest.mark.slow
def test_subprocess_timeout_then_the_next_invocation_works(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    process = spawn("emu_app.slow")
    timed_out = emulator.invoke({"sleep": 0.8}, timeout=0.3)
    assert timed_out.status == 200
    assert timed_out.headers["x-amz-function-error"] == "Unhandled"
    assert timed_out.json() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {timed_out.request_id} Error: Task timed out after 0.30 seconds",
    }
    after = emulator.invoke({"sleep": 0})
    assert after.ok and after.json() == {"slept": 0, "pid": process.pid}
    assert f"POST invocation/{timed_out.request_id}/response answered 410" in process.stderr()


def test_subprocess_oversized_response_and_the_runtime_keeps_serving(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    process = spawn("emu_app.sized")
    over = emulator.invoke({"size": MAX_RESPONSE + 100})
    assert over.status == 200
    assert over.error_type == "Function.ResponseSizeTooLarge"
    assert over.error["errorMessage"] == (
        "Response payload size (6291656 bytes) exceeded maximum allowed payload size (6291556 bytes)."
    )
    assert emulator.invoke({"size": 2}).payload == b"xx"
    assert process.popen.poll() is None


def test_script_calling_serve_inside_lambda(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess]
) -> None:
    spawn(script="serve_script.py")
    result = emulator.invoke({"name": "Ada"})
    assert result.ok and result.json() == {"hello": "Ada", "function_name": "orders"}


def test_warm_invocations_are_fast() -> None:
    # each reply goes out as two writes (head, body): with Nagle's algorithm on, every
    # reply on a kept-alive connection waited for the delayed ACK (~85 ms an invocation)
    with LocalRuntime(emu_app.describe) as runtime:
        runtime.invoke({})  # warm up
        start = time.monotonic()
        for _ in range(10):
            assert runtime.invoke({}).ok
        elapsed = time.monotonic() - start
    assert elapsed < 0.5, f"10 warm invocations took {elapsed:.3f} s"


def test_request_ids_are_fresh_uuids() -> None:
    with LocalRuntime(emu_app.describe) as runtime:
        ids = {runtime.invoke({}).request_id for _ in range(3)}
    assert len(ids) == 3
    assert all(uuid.UUID(i).version == 4 for i in ids if i)


# -- known bugs ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_restarted_runtime_gets_the_event_a_dead_idle_one_was_waiting_for(
    emulator: Emulator, spawn: Callable[..., RuntimeProcess], background: Background
) -> None:
    first = spawn("emu_app.describe")
    assert emulator.invoke({}).ok
    time.sleep(0.2)  # idle in GET /next
    first.popen.kill()
    first.wait()
    result = background.invoke(emulator, {"after": "restart"})
    time.sleep(0.3)
    second = spawn("emu_app.describe")
    answer = result()
    assert answer.status == 200, answer.payload
    assert answer.json()["pid"] == second.pid


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_handler_that_exits_in_a_local_runtime_answers_502_exit_error() -> None:
    with LocalRuntime(emu_app.bail_out, timeout=3) as runtime:
        start = time.monotonic()
        answer = runtime.invoke({"code": 3})
        elapsed = time.monotonic() - start
        assert isinstance(runtime.failure, SystemExit)
    assert (answer.status, answer.error_type) == (502, "Runtime.ExitError")
    assert elapsed < 2.9


def test_a_short_timeout_is_enforced() -> None:
    with LocalRuntime(emu_app.slow) as runtime:
        start = time.monotonic()
        result = runtime.invoke({"sleep": 0.35}, timeout=0.1)
        elapsed = time.monotonic() - start
    assert result.error_type == "Sandbox.Timedout", result
    assert elapsed < 0.3


def test_a_peer_that_resets_its_connection_causes_no_traceback(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        sock.sendall(b"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)  # the 404 is sent and left unread: closing now sends a reset
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.2)
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        assert exchange(conn, "GET", "/still/there")[0] == 404  # the emulator is unharmed
    finally:
        conn.close()
    err = capsys.readouterr().err
    assert "Traceback" not in err, err


@pytest.mark.slow
def test_a_truncated_response_body_is_not_delivered_as_the_payload(
    emulator: Emulator, background: Background
) -> None:
    result = background.invoke(emulator, {})
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        request_id = raw_next(sock)
        sock.sendall(
            f"POST {RUNTIME}/invocation/{request_id}/response HTTP/1.1\r\nHost: x\r\n"
            "Content-Length: 100\r\n\r\n0123456789".encode()
        )
        sock.shutdown(socket.SHUT_WR)  # the runtime died after 10 of its 100 bytes
        try:
            sock.recv(65536)
        except OSError:
            pass
    answer = result()
    assert answer.status == 502, answer
    assert answer.error_type in ("Runtime.ExitError", "Runtime.TruncatedResponse")


def test_emulator_threads_leave_sigint_to_the_main_thread() -> None:
    """Regression: the kernel may hand SIGINT to any thread that does not block it; if
    that is an emulator thread, a main thread blocked in recv() never wakes and Ctrl-C
    is lost. Every thread the emulator starts (the server's and each connection's)
    blocks SIGINT and SIGTERM."""
    import signal
    import threading

    def blocked(tid: int) -> int | None:
        try:
            with open(f"/proc/self/task/{tid}/status") as status:
                for line in status:
                    if line.startswith("SigBlk:"):
                        return int(line.split()[1], 16)
        except FileNotFoundError:
            return None  # the thread has ended meanwhile
        raise AssertionError("no SigBlk")

    mask = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    with LocalRuntime(lambda event: event) as runtime:
        assert runtime.invoke({}).ok  # a runtime connection and an invoker connection exist
        ours = [t for t in threading.enumerate()
                if t.name.startswith("minlambda") or "process_request_thread" in t.name]
        masks = {t.name: blocked(t.native_id) for t in ours if t.native_id is not None}
        names = {name for name, value in masks.items() if value is not None}
        assert {"minlambda-emulator", "minlambda-runtime"} <= names
        assert any("process_request_thread" in name for name in names)  # a connection's thread
        for name, value in masks.items():
            assert value is None or value & mask == mask, name
    assert blocked(threading.main_thread().native_id) & mask == 0
