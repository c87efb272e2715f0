# The local emulator: a Lambda Runtime API for a runtime, an invoke endpoint for callers.
#
# One HTTP server on 127.0.0.1 serves both sides:
#   - the Runtime API under /2018-06-01/runtime/ (GET next, POST response/error,
#     POST init/error), for a runtime in a thread or a subprocess that has
#     AWS_LAMBDA_RUNTIME_API set to `Emulator.runtime_api`;
#   - POST /2015-03-31/functions/function/invocations, the invoke endpoint of AWS's
#     Runtime Interface Emulator, answered the way Lambda answers an Invoke: 200
#     with the payload; 200 with X-Amz-Function-Error: Unhandled and the error JSON
#     for a function error or a timeout; 502 for an init failure or a runtime that
#     went away; 413 for a request over 6 MB;
#   - in --http mode (`http_source`, or a request that names its source in
#     X-Minlambda-Source, as .http() does), any other method and path: the request
#     becomes the event that source would send (minlambda._local.sources) and the
#     result the HTTP response that source would give, a streamed one as it comes.
#
# Rule: this file speaks HTTP through the standard library's http.server and
# never through minlambda._http, so a bug in our client codec cannot hide behind a
# matching bug in the emulator.
from __future__ import annotations

import base64
import binascii
import http.client
import http.server
import json
import os
import queue
import re
import select
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from minlambda._local.caller import HttpResult, InvokeResult

__all__ = ["Emulator", "INVOKE_PATH"]

INVOKE_PATH: Final = "/2015-03-31/functions/function/invocations"
RUNTIME_PREFIX: Final = "/2018-06-01/runtime/"
EXTENSION_PREFIX: Final = "/2020-01-01/extension/"
# Invoke API and Runtime API limits (RUNTIME_API.md section 8).
MAX_REQUEST: Final = 6_291_456
MAX_RESPONSE: Final = 6_291_556
MAX_STREAM: Final = 200 * 1024 * 1024  # a streamed response (the platform's limit)
# A runtime whose connection closed with an invocation in hand has this long to
# reconnect and post before the invocation is reported as a crash.
ORPHAN_GRACE: Final = 2.0
# How long an invocation may wait for a runtime to ask for it, beyond its timeout
# (the platform's init phase may take up to 10 s).
INIT_ALLOWANCE: Final = 10.0
DEFAULT_TIMEOUT: Final = 300.0
ARN_PREFIX: Final = "arn:aws:lambda:us-east-1:012345678912:function:"
HTTP_INTEGRATION: Final = "application/vnd.awslambda.http-integration-response"
PRELUDE_DELIMITER: Final = b"\x00" * 8
SOURCE_HEADER: Final = "X-Minlambda-Source"  # a request that names its --http source
_PRINTABLE: Final = re.compile(r"[\x20-\x7e]{1,256}")
_ERROR_TRAILERS: Final = (
    "Lambda-Runtime-Function-Error-Type",
    "Lambda-Runtime-Function-Error-Body",
)
# chunks of a stream held between the runtime's POST and the invoker: a slow invoker
# holds up the runtime (through TCP) instead of making the emulator buffer the stream
STREAM_QUEUE: Final = 16


class _Invocation:
    __slots__ = (
        "id",
        "payload",
        "headers",
        "timeout",
        "created",
        "delivered",
        "deadline",
        "conn",
        "orphaned",
        "outcome",
    )

    def __init__(
        self, request_id: str, payload: bytes, headers: dict[str, str], timeout: float
    ) -> None:
        self.id = request_id
        self.payload = payload
        self.headers = headers  # Lambda-Runtime-* headers other than id and deadline
        self.timeout = timeout
        self.created = time.monotonic()
        self.delivered: float | None = None
        self.deadline = 0.0
        self.conn = 0
        self.orphaned: float | None = None
        self.outcome: tuple[int, dict[str, str], bytes] | _Stream | None = None


class _Stream:
    """A streamed response on its way from the runtime's POST to the invoker."""

    def __init__(self, content_type: str) -> None:
        self.content_type = _one_line(content_type)
        self.trailers: dict[str, str] = {}
        self._queue: queue.Queue[bytes | None] = queue.Queue(STREAM_QUEUE)
        self._abandoned = False

    def put(self, data: bytes | None) -> None:
        while not self._abandoned:
            try:
                self._queue.put(data, timeout=0.2)
                return
            except queue.Full:
                continue

    def finish(self, trailers: dict[str, str]) -> None:
        self.trailers = trailers
        self.put(None)

    def get(self, deadline: float) -> bytes | None:
        """The next chunk, None at the end (or, past the deadline, a timeout)."""
        try:
            return self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.trailers = {"lambda-runtime-function-error-type": "Sandbox.Timedout"}
            self.abandon()
            return None

    def abandon(self) -> None:
        self._abandoned = True


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


class Emulator:
    """A local Lambda Runtime API plus the RIE invoke endpoint, on 127.0.0.1.

    Parameters
    ----------
    host, port : where to listen (port 0: a free port).
    timeout : the function timeout in seconds (default AWS_LAMBDA_FUNCTION_TIMEOUT or 300).
    function_name : the name in the invoked function ARN.
    http_source : serve every other path as HTTP requests from this source
        ("function-url", "apigw-v2", "apigw-v1" or "alb"); None: only requests that
        name their source (what .http() sends) are.
    log_requests : print a line per HTTP request on stderr (`local --http`).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        timeout: float | None = None,
        function_name: str | None = None,
        http_source: str | None = None,
        log_requests: bool = False,
    ) -> None:
        env_timeout = os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "")
        if timeout is None:
            timeout = (
                float(env_timeout) if env_timeout.replace(".", "", 1).isdigit() else DEFAULT_TIMEOUT
            )
        if not 0 < timeout < 1e9:
            raise ValueError(
                f"The function timeout must be a positive number of seconds, got {timeout!r}"
            )
        self.timeout = timeout
        self.function_name = (
            function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "test_function"
        )
        if http_source is not None:
            from minlambda._local.sources import source

            source(http_source)  # ValueError for a name that is not a source
        self.http_source = http_source
        self.log_requests = log_requests
        self._cv = threading.Condition()
        self._pending: deque[_Invocation] = deque()
        self._running: dict[str, _Invocation] = {}
        self._timed_out: set[str] = set()
        self._init_error: tuple[str, bytes] | None = None
        self._polled = False  # a runtime asked for an event: init is over
        self._completed: deque[str] = deque(
            maxlen=1024
        )  # ids with a result, for 403 on a second one
        self._busy = 0  # requests being answered (close() lets them finish)
        self._closed = False
        self._conns: dict[int, socket.socket] = {}
        self._conn_ids = iter(range(1, 1 << 62))
        self._live_from = 0  # connections older than this belong to a replaced runtime
        self._held = False  # a runtime is being replaced: invocations wait for the next
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------
    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def runtime_api(self) -> str:
        """The AWS_LAMBDA_RUNTIME_API value for a runtime served by this emulator."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The invoke URL (as AWS's Runtime Interface Emulator serves it)."""
        return f"http://{self.host}:{self.port}{INVOKE_PATH}"

    def start(self) -> Emulator:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._serve, name="minlambda-emulator", daemon=True
            )
            self._thread.start()
        return self

    def _serve(self) -> None:
        # Signals go to the main thread only: a SIGINT the kernel hands to one of our
        # threads would not wake a main thread blocked in recv(), and Ctrl-C would be
        # lost. The threads that answer requests inherit this mask.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        self._server.serve_forever(poll_interval=0.05)

    def close(self) -> None:
        with self._cv:
            if self._closed:
                return
            self._closed = True
            self._cv.notify_all()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
        with self._cv:
            # waiting invokers and polls wake up on _closed and answer: let them finish
            self._cv.wait_for(lambda: self._busy == 0, timeout=2)
            conns = list(self._conns.values())
        for sock in conns:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the invoker's side ----------------------------------------------------------
    def invoke(
        self,
        event: Any = None,
        *,
        client_context: Any = None,
        identity: Any = None,
        tenant_id: str | None = None,
        timeout: float | None = None,
    ) -> InvokeResult:
        """Invoke the function through the HTTP invoke endpoint and wait for the result.

        `event` is sent as JSON (bytes are sent as they are); `client_context` (a dict)
        goes base64-encoded in X-Amz-Client-Context, `tenant_id` in X-Amz-Tenant-Id,
        `identity` ({"cognitoIdentityId": ..., "cognitoIdentityPoolId": ...}) and
        `timeout` (seconds, this invocation only) in minlambda's own headers.
        """
        from minlambda._local.caller import invoke

        return invoke(
            self.host,
            self.port,
            event,
            client_context=client_context,
            identity=identity,
            tenant_id=tenant_id,
            timeout=timeout,
        )

    def http(
        self,
        method: str,
        path: str,
        *,
        headers: Any = None,
        body: bytes | str | None = None,
        json: Any = None,
        source: str = "function-url",
    ) -> HttpResult:
        """Send one HTTP request, which the emulator turns into the event `source`
        would send, and return the HTTP response that source would give.

        `path` may carry a query string; `headers` is a mapping or a list of (name,
        value) pairs (repeats kept); `json` is sent as a JSON body.
        """
        from minlambda._local.caller import http

        return http(
            self.host,
            self.port,
            method,
            path,
            headers=headers,
            body=body,
            json=json,
            source=source,
        )

    def drain(self, timeout: float) -> None:
        """The runtime is about to be replaced (`local --watch`): it gets no more
        invocations (they wait for the next runtime: see `restart`), and this waits, at
        most `timeout` seconds, until those it is running have their results, as in
        Lambda, where a new version never cuts an invocation short."""
        deadline = time.monotonic() + timeout
        with self._cv:
            self._held = True
            self._cv.notify_all()
            while any(invocation.orphaned is None for invocation in self._running.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cv.wait(min(left, 0.5))

    def restart(self) -> None:
        """The next runtime is about to start (`local --watch`): the connections open
        now belong to the old one and take no more invocations (a poll waiting on one
        is closed), invocations flow again after a `drain`, the old init error is
        forgotten, and the next runtime may post its own."""
        with self._cv:
            self._live_from = next(self._conn_ids)
            self._held = False
            self._init_error = None
            self._polled = False
            self._cv.notify_all()

    @property
    def init_error(self) -> tuple[str, bytes] | None:
        """The error type and body a runtime posted to /runtime/init/error, if any."""
        with self._cv:
            return self._init_error

    def _invoke(
        self, payload: bytes, headers: dict[str, str], timeout: float, request_id: str
    ) -> tuple[int, dict[str, str], bytes] | _Stream:
        invocation = _Invocation(request_id, payload, headers, timeout)
        with self._cv:
            if self._init_error is not None:
                return self._init_failure(invocation)
            self._pending.append(invocation)
            self._cv.notify_all()
            while True:
                if invocation.outcome is not None:
                    return invocation.outcome
                if self._closed:
                    return _platform_error(
                        502, "Runtime.Unavailable", "The emulator is shutting down", request_id
                    )
                now = time.monotonic()
                if invocation.delivered is None:
                    if self._init_error is not None:
                        self._pending.remove(invocation)
                        return self._init_failure(invocation)
                    wait_until = invocation.created + timeout + INIT_ALLOWANCE
                    if now >= wait_until:
                        self._pending.remove(invocation)
                        return _platform_error(
                            502,
                            "Runtime.Unavailable",
                            f"No runtime asked for the invocation within {timeout + INIT_ALLOWANCE:g} s",
                            request_id,
                        )
                else:
                    wait_until = invocation.deadline
                    if invocation.orphaned is not None:
                        wait_until = min(wait_until, invocation.orphaned + ORPHAN_GRACE)
                    if now >= invocation.deadline:
                        self._forget(invocation, timed_out=True)
                        return _function_error(
                            {
                                "errorType": "Sandbox.Timedout",
                                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
                            },
                            request_id,
                        )
                    if (
                        invocation.orphaned is not None
                        and now >= invocation.orphaned + ORPHAN_GRACE
                    ):
                        self._forget(invocation, timed_out=False)
                        return _platform_error(
                            502,
                            "Runtime.ExitError",
                            f"RequestId: {request_id} Error: Runtime exited without providing a reason",
                            request_id,
                        )
                self._cv.wait(min(wait_until - now, 0.5))

    def _init_failure(self, invocation: _Invocation) -> tuple[int, dict[str, str], bytes]:
        assert self._init_error is not None
        error_type, body = self._init_error
        if not body:
            body = json.dumps({"errorType": error_type, "errorMessage": "Init failed"}).encode()
        return 502, _headers(invocation.id, error=True), body

    def _forget(self, invocation: _Invocation, *, timed_out: bool) -> None:
        self._running.pop(invocation.id, None)
        if timed_out:
            self._timed_out.add(invocation.id)

    # -- the runtime's side ------------------------------------------------------------
    def _next(self, conn_id: int) -> _Invocation | None:
        with self._cv:
            if conn_id < self._live_from:
                return None
            self._polled = True
            while not self._pending or self._held:
                if self._closed or conn_id < self._live_from:
                    return None
                self._cv.wait(0.5)
            invocation = self._pending.popleft()
            invocation.delivered = time.monotonic()
            invocation.deadline = invocation.delivered + invocation.timeout
            invocation.conn = conn_id
            self._running[invocation.id] = invocation
            self._cv.notify_all()  # the invoker's wait now ends at the deadline
            return invocation

    def _undeliver(self, invocation: _Invocation) -> None:
        """The poll that took `invocation` belonged to a dead connection: queue it again."""
        with self._cv:
            if self._running.pop(invocation.id, None) is not None:
                invocation.delivered = None
                invocation.conn = 0
                self._pending.appendleft(invocation)
                self._cv.notify_all()

    def _result(
        self, request_id: str, kind: str, body: bytes, size: int, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        with self._cv:
            invocation = self._running.get(request_id)
            if invocation is None:
                return self._unknown_result(request_id)
            del self._running[request_id]
            self._completed.append(request_id)
            if size > MAX_RESPONSE:
                invocation.outcome = _function_error(
                    {
                        "errorType": "Function.ResponseSizeTooLarge",
                        "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
                        f"({MAX_RESPONSE} bytes).",
                    },
                    request_id,
                )
                status, answer = (
                    413,
                    _api_error(
                        f"Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes).",
                        "RequestEntityTooLarge",
                    ),
                )
            elif kind == "response":
                out = _headers(request_id)
                out["Content-Type"] = headers.get("content-type") or "application/json"
                invocation.outcome = (200, out, body)
                status, answer = 202, b'{"status":"OK"}\n'
            else:
                invocation.outcome = (200, _headers(request_id, error=True), body)
                status, answer = 202, b'{"status":"OK"}\n'
            self._cv.notify_all()
            return status, answer

    def _start_stream(self, request_id: str, content_type: str) -> _Stream | tuple[int, bytes]:
        """A streamed response begins: the invoker gets a _Stream to forward."""
        with self._cv:
            invocation = self._running.get(request_id)
            if invocation is None:
                return self._unknown_result(request_id)
            del self._running[request_id]
            self._completed.append(request_id)
            stream = invocation.outcome = _Stream(content_type)
            self._cv.notify_all()
            return stream

    def _unknown_result(self, request_id: str) -> tuple[int, bytes]:
        if request_id in self._timed_out:
            return 410, _api_error("Invoke timeout", "InvokeTimeout")
        if request_id in self._completed:
            return 403, _api_error(
                "State transition from ResponseSent to ResponseSent failed for runtime. "
                "Error: State transition is not allowed",
                "InvalidStateTransition",
            )
        return 400, _api_error("Invalid request ID", "InvalidRequestID")

    def _post_init_error(self, error_type: str, body: bytes) -> tuple[int, bytes]:
        with self._cv:
            if self._polled or self._init_error is not None:
                return 403, _api_error(
                    "State transition from Ready to InitError failed for runtime. "
                    "Error: State transition is not allowed",
                    "InvalidStateTransition",
                )
            self._init_error = (error_type, body)
            self._cv.notify_all()
            return 202, b'{"status":"OK"}\n'

    def _connection_opened(self, sock: socket.socket) -> int:
        with self._cv:
            conn_id = next(self._conn_ids)
            self._conns[conn_id] = sock
            return conn_id

    def _connection_closed(self, conn_id: int) -> None:
        with self._cv:
            self._conns.pop(conn_id, None)
            now = time.monotonic()
            for invocation in self._running.values():
                if invocation.conn == conn_id and invocation.orphaned is None:
                    invocation.orphaned = now
            self._cv.notify_all()


def _headers(request_id: str, *, error: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Amzn-RequestId": request_id,
        "X-Amz-Executed-Version": "$LATEST",
    }
    if error:
        headers["X-Amz-Function-Error"] = "Unhandled"
    return headers


def _function_error(error: dict[str, str], request_id: str) -> tuple[int, dict[str, str], bytes]:
    return 200, _headers(request_id, error=True), json.dumps(error).encode()


def _platform_error(
    status: int, error_type: str, message: str, request_id: str
) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
    return status, _headers(request_id, error=True), body


def _api_error(message: str, error_type: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode() + b"\n"


_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# the emulator sets these itself; a function's own would corrupt the framing
_OWN_FIELDS: Final = frozenset(("content-length", "transfer-encoding", "connection", "trailer"))


def _sendable(name: str) -> bool:
    """Whether a function's header field may go out: a token, not a framing field."""
    return bool(_TOKEN.fullmatch(name)) and name.lower() not in _OWN_FIELDS


def _status(status: int) -> int:
    # a 1xx is an interim answer in HTTP/1.1, never the final one: a client given one
    # would wait for the real answer
    return status if 200 <= status <= 599 else 502


def _bodyless(status: int) -> bool:
    """A 204 or 304 has no body, whatever the function gave (RFC 9110, 6.4.1): one
    sent anyway would be read as the start of the next answer on the connection."""
    return status in (204, 304)


def _prelude(text: bytes) -> tuple[int, list[tuple[str, str]]] | None:
    """The status and header fields of an HTTP-integration prelude, None if malformed."""
    try:
        prelude = json.loads(text)
        status = prelude.get("statusCode", 200)
        headers = prelude.get("headers") or {}
        cookies = prelude.get("cookies") or []
        if type(status) is not int or not 200 <= status <= 599 or not isinstance(headers, dict):
            return None
        fields = [(str(k), str(v)) for k, v in headers.items()]
        fields += [("Set-Cookie", str(cookie)) for cookie in cookies]
    except (ValueError, AttributeError, TypeError):
        return None
    return status, fields


def _stream_error(trailers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """A stream that failed before its body, as an ordinary error outcome."""
    error_type = trailers.get(_ERROR_TRAILERS[0].lower(), "Unknown")
    body = trailers.get(_ERROR_TRAILERS[1].lower(), "")
    try:
        error = base64.b64decode(body)
        json.loads(error)
    except (binascii.Error, ValueError):
        error = json.dumps({"errorType": error_type, "errorMessage": ""}).encode()
    return 200, _headers("", error=True), error


def _peer_closed(sock: socket.socket) -> bool:
    """True when the peer has closed `sock`: a runtime waiting for /next sends
    nothing, so a readable socket with nothing to read is one that went away."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the sixth of a burst of connections,
    # and a dropped SYN is sent again only a second later
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a peer that reset or closed its connection: nothing to report
        super().handle_error(request, client_address)  # pragma: no cover - a bug of ours

    def __init__(
        self, address: tuple[str, int], handler: type[_Handler], emulator: Emulator
    ) -> None:
        self.emulator = emulator
        super().__init__(address, handler)


class _BadRequest(Exception):
    pass


class _Busy:
    """Counts the requests being answered, so close() can let them finish."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __enter__(self) -> None:
        with self.emulator._cv:
            self.emulator._busy += 1

    def __exit__(self, *exc: object) -> None:
        with self.emulator._cv:
            self.emulator._busy -= 1
            self.emulator._cv.notify_all()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    conn_id = 0

    def version_string(self) -> str:
        return "minlambda-emulator"  # the Server field (not "BaseHTTP/0.6 Python/3.x")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # the emulator is quiet; the runtime's own output is what matters

    def setup(self) -> None:
        super().setup()
        # head and body go out in two writes: without this, Nagle's algorithm holds
        # the body until the peer's delayed ACK (40 ms per answer)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn_id = self.server.emulator._connection_opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._connection_closed(self.conn_id)

    # -- plumbing ----------------------------------------------------------------------
    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self, limit: int) -> tuple[bytes, int]:
        """The request body (chunked or Content-Length) and its size; bytes past
        `limit` are read and dropped, so the size can still be reported."""
        coding = self.headers.get("Transfer-Encoding")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                # the body's end is not known: what follows would be read as a request
                raise _BadRequest(f"unsupported Transfer-Encoding {coding!r}")
            return self._chunked_body(limit)
        # repeated or listed Content-Length values must agree (RFC 9112, 6.3): with two
        # sizes, the bytes past the first would be read as the next request
        lengths = {
            text.strip() or "0"
            for field in self.headers.get_all("Content-Length") or ["0"]
            for text in field.split(",")
        }
        length_text = lengths.pop()
        if lengths or not length_text.isdigit():
            raise _BadRequest(f"bad Content-Length {self.headers.get('Content-Length')!r}")
        length = int(length_text)
        kept = self.rfile.read(min(length, limit + 1))
        left = length - len(kept)
        if left and len(kept) < limit + 1:
            raise _BadRequest(f"truncated body: {len(kept)} of {length} bytes")
        while left > 0:
            got = self.rfile.read(min(left, 1 << 20))
            if not got:
                raise _BadRequest(f"truncated body: {length - left} of {length} bytes")
            left -= len(got)
        return kept, length

    def _chunked_body(self, limit: int) -> tuple[bytes, int]:
        parts: list[bytes] = []
        size_total = 0
        trailers: dict[str, str] = {}
        for data in self._chunks(trailers):
            if size_total <= limit:
                parts.append(data)
            size_total += len(data)
        return b"".join(parts)[: limit + 1], size_total

    def _chunks(self, trailers: dict[str, str]) -> Iterator[bytes]:
        """The chunks of a chunked request body, as they arrive; its trailer fields
        go into `trailers` (names lower-cased) at the end."""
        while True:
            line = self.rfile.readline(4098)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(f"bad chunk size line {line[:40]!r}") from None
            if size == 0:
                break
            data = self.rfile.read(size)
            if len(data) < size or self.rfile.read(2) != b"\r\n":
                raise _BadRequest("truncated chunk")
            yield data
        while (line := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, colon, value = line.decode("latin-1").partition(":")
            if colon:
                trailers[name.strip().lower()] = _one_line(value.strip())

    # -- routes ------------------------------------------------------------------------
    def _route(self) -> None:
        with _Busy(self.server.emulator):
            path = self.path.split("?", 1)[0]
            source = self._http_source(path)
            if source is not None:
                self._serve_http(source)
            elif self.command == "GET":
                self._route_get()
            elif self.command in ("POST", "PUT"):
                self._route_post()
            else:
                self.close_connection = True  # its body, if any, is left unread
                self._reply(404, _api_error("Unknown path", "NotFound"))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _route

    def __getattr__(self, name: str) -> Any:
        # any other method (PROPFIND, say) is an HTTP request in --http mode too:
        # http.server looks for do_<METHOD>
        if name.startswith("do_") and name[3:].isupper():
            return self._route
        raise AttributeError(name)

    def _http_source(self, path: str) -> str | None:
        """The source this request comes from in --http mode, or None for a request
        to the Runtime API or the invoke endpoint (paths the function never sees)."""
        if path == INVOKE_PATH or path.startswith((RUNTIME_PREFIX, EXTENSION_PREFIX)):
            return None
        return self.headers.get(SOURCE_HEADER) or self.server.emulator.http_source

    def _route_get(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == RUNTIME_PREFIX + "invocation/next":
            self._serve_next()
        elif path == INVOKE_PATH:
            self._serve_invoke()
        elif path == EXTENSION_PREFIX + "event/next":
            self._serve_extension_next()
        else:
            self._reply(404, _api_error("Unknown path", "NotFound"))

    def _route_post(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            if path == INVOKE_PATH:
                self._serve_invoke()
            elif path == EXTENSION_PREFIX + "register":
                self._body(MAX_RESPONSE)
                self._serve_extension_register()
            elif path == RUNTIME_PREFIX + "init/error":
                body, _ = self._body(MAX_RESPONSE)
                error_type = self.headers.get(
                    "Lambda-Runtime-Function-Error-Type", "Runtime.Unknown"
                )
                self._reply(*self.server.emulator._post_init_error(error_type, body))
            elif path.startswith(RUNTIME_PREFIX + "invocation/"):
                self._serve_result(path)
            else:
                self._body(MAX_RESPONSE)
                self._reply(404, _api_error("Unknown path", "NotFound"))
        except _BadRequest as exc:
            self.close_connection = True
            self._reply(400, _api_error(f"Bad request: {exc}", "InvalidRequest"))

    # -- --http mode -------------------------------------------------------------------
    def _serve_http(self, name: str) -> None:
        from minlambda._local.sources import Request, Response, source

        emulator = self.server.emulator
        started = time.monotonic()
        try:
            module = source(name)
            body, size = self._body(MAX_REQUEST)
        except (ValueError, _BadRequest) as exc:
            self.close_connection = True
            self._send_http(Response(400, [("Content-Type", "text/plain")], f"{exc}\n".encode()))
            return
        if size > MAX_REQUEST:
            response = Response(413, [("Content-Type", "application/json")])
            response.body = b'{"message":"Request Entity Too Large"}'
            self._send_http(response)
            self._log_request(response.status, started)
            return
        request_id = str(uuid.uuid4())
        target = self.path
        if not target.startswith("/"):
            # the absolute form a proxy is sent (http://host/path): its path and query
            target = "/" + target.split("://", 1)[-1].partition("/")[2]
        request = Request(
            method=self.command,
            target=target,
            headers=[(k, v) for k, v in self.headers.items() if k.lower() != "x-minlambda-source"],
            body=body,
            source_ip=str(self.client_address[0]),
            request_id=request_id,
            time=time.time(),
            host=emulator.runtime_api,
            protocol=self.request_version,
            source=name,
        )
        event = json.dumps(module.event(request)).encode()
        trace = {"Lambda-Runtime-Trace-Id": _trace_id()}
        outcome = emulator._invoke(event, trace, emulator.timeout, request_id)
        if isinstance(outcome, _Stream):
            deadline = started + emulator.timeout
            status = self._send_http_stream(module, name, outcome, deadline)
        else:
            response = self._http_answer(module, name, outcome)
            self._send_http(response)
            status = response.status
        self._log_request(status, started)

    def _http_answer(
        self, module: Any, name: str, outcome: tuple[int, dict[str, str], bytes]
    ) -> Any:
        """The HTTP response for an invocation's outcome, as the source gives it."""
        status, headers, payload = outcome
        if status == 200 and "X-Amz-Function-Error" not in headers:
            response = module.response(payload, source=name)
            if not 200 <= response.status <= 599:
                # a 1xx is an interim answer in HTTP/1.1: the client would wait on
                why = f"statusCode {response.status} cannot be the final answer"
                response = module.error("error", source=name)
                response.note = why
            if response.note:
                self._say(f"{response.status}: {response.note}")
            return response
        try:
            error = json.loads(payload)
            error_type, message = str(error["errorType"]), str(error.get("errorMessage", ""))
        except (ValueError, TypeError, KeyError):
            error_type, message = "Unknown", payload[:200].decode("utf-8", "replace")
        kind = "timeout" if error_type == "Sandbox.Timedout" else "error"
        response = module.error(kind, source=name)
        # not the platform's: the error where a browser's developer tools show it
        response.headers.append(("X-Minlambda-Error", f"{error_type}: {_one_line(message)}"[:1000]))
        what = "the function failed" if status == 200 else "the function could not run"
        self._say(f"{response.status}: {what}: {error_type}: {_one_line(message)}")
        return response

    def _send_http(self, response: Any) -> None:
        status = _status(response.status)
        self.send_response(status)
        for name, value in response.headers:
            if _sendable(name):
                self.send_header(name, _one_line(value))
        if _bodyless(status):
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _send_http_stream(self, module: Any, name: str, stream: _Stream, deadline: float) -> int:
        """A streamed response, forwarded to the HTTP client as its chunks come, the
        HTTP-integration prelude (status, headers, cookies) applied; the status sent."""
        first = stream.get(deadline)
        held = first or b""
        fields: list[tuple[str, str]] = [("Content-Type", stream.content_type)]
        status = 200
        if stream.content_type.split(";")[0].strip() == HTTP_INTEGRATION:
            # the prelude ends at 8 NUL bytes; it may span chunks
            while PRELUDE_DELIMITER not in held and first is not None and len(held) < 1 << 20:
                first = stream.get(deadline)
                held += first or b""
            prelude, found, held = held.partition(PRELUDE_DELIMITER)
            parsed = _prelude(prelude) if found else None
            if parsed is None and not stream.trailers:
                self._send_http(module.error("error", source=name))
                self._say("502: the streamed response has no valid HTTP-integration prelude")
                stream.abandon()
                return 502
            if parsed is not None:
                status, fields = parsed
        if first is None and not held and stream.trailers.get(_ERROR_TRAILERS[0].lower()):
            # it failed before a byte of the body: the source's error response
            response = self._http_answer(module, name, _stream_error(stream.trailers))
            self._send_http(response)
            return int(response.status)
        status = _status(status)
        self.send_response(status)
        for name, value in fields:
            if _sendable(name):
                self.send_header(name, _one_line(value))
        if self.command == "HEAD" or _bodyless(status):
            # no body at all, not even the last chunk: the head alone
            if not _bodyless(status):
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            stream.abandon()
            return status
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            while True:
                if held:
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(held), held))
                    self.wfile.flush()
                if first is None:
                    break
                first = stream.get(deadline)
                held = first or b""
        except OSError:
            stream.abandon()  # the HTTP client went away
            raise
        error_type = stream.trailers.get(_ERROR_TRAILERS[0].lower())
        if error_type:
            # the body is cut short, as the platform's is: no last chunk
            self._say(f"{status}: the stream ended with an error: {error_type}")
            self.close_connection = True
        else:
            self.wfile.write(b"0\r\n\r\n")
        return status

    def _say(self, message: str) -> None:
        sys.stderr.write(f"minlambda: {self.command} {_one_line(self.path)[:200]} -> {message}\n")
        sys.stderr.flush()

    def _log_request(self, status: int, started: float) -> None:
        if self.server.emulator.log_requests:
            took = (time.monotonic() - started) * 1000
            sys.stderr.write(
                f"minlambda: {self.command} {_one_line(self.path)[:200]} {status} {took:.1f} ms\n"
            )
            sys.stderr.flush()

    def _serve_extension_register(self) -> None:
        # the Extensions API, for the internal extension that shutdown hooks register
        emulator = self.server.emulator
        name = self.headers.get("Lambda-Extension-Name", "")
        if not name:
            self._reply(400, _api_error("Missing Lambda-Extension-Name", "InvalidRequest"))
            return
        body = json.dumps(
            {"functionName": emulator.function_name, "functionVersion": "$LATEST", "handler": ""}
        ).encode()
        self._reply(
            200,
            body,
            {"Content-Type": "application/json", "Lambda-Extension-Identifier": str(uuid.uuid4())},
        )

    def _serve_extension_next(self) -> None:
        # no events are sent (internal extensions subscribe to none): the poll is
        # held until the emulator closes
        emulator = self.server.emulator
        with emulator._cv:
            while not emulator._closed:
                emulator._cv.wait(0.5)
        self.close_connection = True

    def _serve_next(self) -> None:
        emulator = self.server.emulator
        invocation = emulator._next(self.conn_id)
        if invocation is None:
            self.close_connection = True
            return
        deadline_ms = int(time.time() * 1000 + invocation.timeout * 1000)
        headers = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": invocation.id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": ARN_PREFIX + emulator.function_name,
        }
        headers.update(invocation.headers)
        if _peer_closed(self.connection):
            # a poll left behind by a runtime that died while idle: the event is for
            # the runtime that replaces it
            emulator._undeliver(invocation)
            self.close_connection = True
            return
        try:
            self._reply(200, invocation.payload, headers)
        except OSError:
            emulator._undeliver(invocation)
            self.close_connection = True

    def _serve_result(self, path: str) -> None:
        rest = path[len(RUNTIME_PREFIX + "invocation/") :]
        raw_id, _, kind = rest.rpartition("/")
        streaming = (
            self.headers.get("Lambda-Runtime-Function-Response-Mode", "").strip() == "streaming"
        )
        if kind == "response" and raw_id and streaming:
            return self._serve_stream(urllib.parse.unquote(raw_id))
        body, size = self._body(MAX_RESPONSE)
        if kind not in ("response", "error") or not raw_id:
            self._reply(404, _api_error("Unknown path", "NotFound"))
            return
        request_id = urllib.parse.unquote(raw_id)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self._reply(*self.server.emulator._result(request_id, kind, body, size, headers))

    def _serve_stream(self, request_id: str) -> None:
        emulator = self.server.emulator
        content_type = self.headers.get("Content-Type") or "application/octet-stream"
        stream = emulator._start_stream(request_id, content_type)
        if not isinstance(stream, _Stream):
            self._body(0)
            self._reply(*stream)
            return
        trailers: dict[str, str] = {}
        try:
            if self.headers.get("Transfer-Encoding", "").strip().lower() == "chunked":
                for data in self._chunks(trailers):
                    stream.put(data)
            else:
                stream.put(self._body(MAX_STREAM)[0])
        except (_BadRequest, OSError):
            stream.finish({"lambda-runtime-function-error-type": "Runtime.TruncatedResponse"})
            raise
        stream.finish(trailers)
        self._reply(202, b'{"status":"OK"}\n')

    def _reply_stream(self, stream: _Stream, request_id: str, deadline: float) -> None:
        # the invoker's side of a streamed response: chunked, as the chunks come,
        # and an error the runtime reported in its trailers goes out in ours
        self.send_response(200)
        for name, value in _headers(request_id).items():
            self.send_header(name, stream.content_type if name == "Content-Type" else value)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Trailer", "X-Amz-Function-Error, " + ", ".join(_ERROR_TRAILERS))
        self.end_headers()
        try:
            while (data := stream.get(deadline)) is not None:
                self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))
        except OSError:
            stream.abandon()  # the invoker went away: the runtime's chunks are dropped
            raise
        end = b"0\r\n"
        error_type = stream.trailers.get("lambda-runtime-function-error-type")
        if error_type:
            end += b"X-Amz-Function-Error: Unhandled\r\n"
            for trailer in _ERROR_TRAILERS:
                text = stream.trailers.get(trailer.lower())
                if text:
                    end += f"{trailer}: {text}\r\n".encode("latin-1", "replace")
        self.wfile.write(end + b"\r\n")

    def _serve_invoke(self) -> None:
        emulator = self.server.emulator
        request_id = self.headers.get("X-Amzn-RequestId") or str(uuid.uuid4())
        body, size = self._body(MAX_REQUEST)
        if size > MAX_REQUEST:
            self._reply(
                413,
                json.dumps(
                    {
                        "errorType": "RequestEntityTooLargeException",
                        "errorMessage": f"Request must be smaller than {MAX_REQUEST} bytes for the InvokeFunction operation",
                    }
                ).encode(),
                {"Content-Type": "application/json", "X-Amzn-RequestId": request_id},
            )
            return
        try:
            runtime_headers = self._runtime_headers()
            timeout = self._timeout()
        except ValueError as exc:
            self._reply(
                400,
                json.dumps(
                    {"errorType": "InvalidRequestContentException", "errorMessage": str(exc)}
                ).encode(),
                {"Content-Type": "application/json", "X-Amzn-RequestId": request_id},
            )
            return
        outcome = emulator._invoke(body, runtime_headers, timeout, request_id)
        if isinstance(outcome, _Stream):
            self._reply_stream(outcome, request_id, time.monotonic() + timeout)
        else:
            status, headers, payload = outcome
            self._reply(status, payload, headers)

    def _runtime_headers(self) -> dict[str, str]:
        # every value is re-serialised or checked: nothing a caller sends reaches
        # the runtime's /next head unless it is one clean header line
        headers = {"Lambda-Runtime-Trace-Id": _trace_id()}
        client_context = self.headers.get("X-Amz-Client-Context")
        if client_context:
            try:
                decoded = json.loads(
                    base64.b64decode(client_context, validate=True).decode("utf-8")
                )
                if not isinstance(decoded, dict):
                    raise ValueError
            except (binascii.Error, ValueError):
                raise ValueError(
                    "Client context must be a valid Base64-encoded JSON object."
                ) from None
            headers["Lambda-Runtime-Client-Context"] = json.dumps(decoded, separators=(",", ":"))
        identity = self.headers.get("X-Minlambda-Cognito-Identity")
        if identity:
            try:
                parsed = json.loads(identity)
                if not isinstance(parsed, dict):
                    raise ValueError
            except ValueError:
                raise ValueError("The Cognito identity must be a JSON object.") from None
            headers["Lambda-Runtime-Cognito-Identity"] = json.dumps(parsed, separators=(",", ":"))
        tenant = self.headers.get("X-Amz-Tenant-Id")
        if tenant:
            if not _PRINTABLE.fullmatch(tenant):
                raise ValueError("The tenant id must be printable ASCII.")
            headers["Lambda-Runtime-Aws-Tenant-Id"] = tenant
        return headers

    def _timeout(self) -> float:
        text = self.headers.get("X-Minlambda-Timeout")
        if not text:
            return self.server.emulator.timeout
        value = float(text)
        if not 0 < value < 1e9:
            raise ValueError(f"The timeout must be a positive number of seconds, got {text!r}")
        return value
