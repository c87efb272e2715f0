"""A scripted fake Lambda Runtime API on real sockets, for wire-level tests.

Written apart from minlambda's client (standard library only, its own request
parser) so that both sides of every test are independent. Each `Event` of the
script answers one GET /next, framed and delivered as the event says; every request
the runtime sends is recorded with its exact bytes.

    with FakeAPI([Event({"a": 1}), Event(b"{bad", chunked=True)]) as api:
        ... run the runtime against api.address ...
        api.wait_results(2)
        api.results[0].body
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

NEXT = "/2018-06-01/runtime/invocation/next"
INIT_ERROR = "/2018-06-01/runtime/init/error"


@dataclass
class Event:
    """One answer to GET /next."""

    payload: Any = None  # bytes are sent as they are, anything else as JSON
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    headers: list[tuple[str, str]] | None = None  # replaces the default Lambda-Runtime-* set
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    status: int = 200  # anything else: /next answers this status with an error body
    chunked: bool = False
    chunk_sizes: tuple[int, ...] = (1, 7, 3, 2048, 5)
    chunk_ext: bool = False
    trailers: bool = False
    trickle: bool = False  # write the answer one byte at a time
    header_case: str = "canonical"  # or lower, upper
    close: bool = False  # answer with Connection: close and close
    raw: bytes | None = None  # send these bytes instead of a well-formed answer, then close
    result_status: int = 202  # how to answer this invocation's POST
    drop_after_result: bool = False  # close the connection, unannounced, after the result
    drop_next: str | None = None  # "before": read /next, close without answering; "during": half an answer
    drop_result: bool = False  # read this invocation's first POST, then close without answering
    delay: float = 0.0  # hold the /next this long before answering (a long poll)
    trace_id: str | None = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    deadline_ms: int | None = None

    def body(self) -> bytes:
        if isinstance(self.payload, bytes):
            return self.payload
        return json.dumps(self.payload).encode()

    def head_fields(self) -> list[tuple[str, str]]:
        if self.headers is not None:
            return list(self.headers) + self.extra_headers
        deadline = self.deadline_ms if self.deadline_ms is not None else int(time.time() * 1000) + 60_000
        fields = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:fn"),
        ]
        if self.trace_id is not None:
            fields.append(("Lambda-Runtime-Trace-Id", self.trace_id))
        return fields + self.extra_headers


@dataclass
class Request:
    """One request exactly as the runtime sent it."""

    conn: int
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes  # the head and body bytes as received (chunked bodies as framed)
    framing: str  # "length", "chunked" or "none"
    trailers: list[tuple[str, str]] = field(default_factory=list)
    chunk_times: list[float] = field(default_factory=list)  # time.monotonic() when each chunk arrived
    size: int = 0  # body bytes received (the body itself may be cut at keep_body)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def kind(self) -> str:
        if self.target == NEXT:
            return "next"
        if self.target == INIT_ERROR:
            return "init_error"
        if self.target.startswith("/2018-06-01/runtime/restore/"):
            return "restore_" + self.target.rsplit("/", 1)[-1]
        if self.target.startswith("/2020-01-01/extension/"):
            return "extension_" + self.target.rsplit("/", 1)[-1]
        return self.target.rsplit("/", 1)[-1]

    def json(self) -> Any:
        return json.loads(self.body)


class _Malformed(Exception):
    pass


class FakeAPI:
    """The fake Runtime API; `after` says what a /next gets once the script is used up:
    "hold" (wait until stop), "500", "403" or "gone" (stop listening, close everything)."""

    def __init__(self, script: list[Event] | None = None, *, after: str = "hold", init_status: int = 202,
                 keep_body: int = 64 * 1024 * 1024, read_delay: float = 0.0) -> None:
        self.script = list(script or [])
        self.keep_body = keep_body
        self.restore_status = 200
        self.chunk_log: list[tuple[float, int]] = []  # every chunk of a chunked request, as it arrives
        self.read_delay = read_delay  # pause before each chunk of a streamed body: a slow reader
        self.init_status = init_status
        self.after = after
        self.requests: list[Request] = []
        self.malformed: list[str] = []
        self.connections = 0
        self.served: list[Event] = []
        self.holding = False
        self._cv = threading.Condition()
        self._by_id: dict[str, Event] = {}
        self._stopping = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> FakeAPI:
        self._accept.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._accept.join(5)
        for sock in list(self._socks):
            _shut(sock)
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    # -- queries -----------------------------------------------------------------------
    @property
    def results(self) -> list[Request]:
        with self._cv:
            return [r for r in self.requests if r.kind in ("response", "error")]

    def of_kind(self, kind: str) -> list[Request]:
        with self._cv:
            return [r for r in self.requests if r.kind == kind]

    def wait(self, predicate: Any, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        with self._cv:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.05))
            return True

    def wait_results(self, n: int, timeout: float = 10) -> list[Request]:
        ok = self.wait(lambda: len([r for r in self.requests if r.kind in ("response", "error")]) >= n, timeout)
        assert ok, f"expected {n} results, got {self.requests}"
        return self.results

    def wait_holding(self, timeout: float = 10) -> None:
        assert self.wait(lambda: self.holding, timeout), f"the runtime never came back to /next: {self.requests}"

    # -- serving -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            with self._cv:
                self.connections += 1
                conn_id = self.connections
                self._socks.append(sock)
                thread = threading.Thread(target=self._serve, args=(sock, conn_id), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, conn_id: int) -> None:
        reader = sock.makefile("rb")
        try:
            while not self._stopping:
                try:
                    request = self._read(reader, conn_id)
                except _Malformed as exc:
                    with self._cv:
                        self.malformed.append(str(exc))
                        self._cv.notify_all()
                    return
                if request is None:
                    return
                with self._cv:
                    self.requests.append(request)
                    self._cv.notify_all()
                if not self._answer(sock, request):
                    return
        except OSError:
            return
        finally:
            reader.close()
            _shut(sock)

    def _read(self, reader: Any, conn_id: int) -> Request | None:
        line = reader.readline(65537)
        if not line:
            return None
        raw = bytearray(line)
        if not line.endswith(b"\r\n"):
            raise _Malformed(f"request line not ended by CRLF: {line!r}")
        parts = line[:-2].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
            raise _Malformed(f"bad request line {line!r}")
        method, target, version = (p.decode("ascii") for p in parts)
        headers: list[tuple[str, str]] = []
        while True:
            line = reader.readline(65537)
            raw += line
            if not line.endswith(b"\r\n") or b"\r" in line[:-2] or b"\n" in line[:-2] or b"\x00" in line:
                raise _Malformed(f"bad header line {line!r}")
            if line == b"\r\n":
                break
            name, colon, value = line[:-2].partition(b":")
            if not colon or not name or name != name.strip():
                raise _Malformed(f"bad header line {line!r}")
            headers.append((name.decode("ascii"), value.strip().decode("utf-8")))
        names = [k.lower() for k, _ in headers]
        if "transfer-encoding" in names and "content-length" in names:
            raise _Malformed("both framings")
        trailers: list[tuple[str, str]] = []
        chunk_times: list[float] = []
        total = 0
        if "transfer-encoding" in names:
            body = bytearray()
            while True:
                size_line = reader.readline(4098)
                raw += size_line
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    break
                if self.read_delay:
                    time.sleep(self.read_delay)
                chunk = reader.read(size + 2)
                chunk_times.append(time.monotonic())
                with self._cv:
                    self.chunk_log.append((time.monotonic(), size))
                    self._cv.notify_all()
                total += size
                if len(raw) < self.keep_body:
                    raw += chunk
                if chunk[-2:] != b"\r\n":
                    raise _Malformed("chunk not followed by CRLF")
                body += chunk[:-2] if len(body) < self.keep_body else b""
            while True:
                trailer = reader.readline(65537)
                raw += trailer
                if trailer == b"\r\n":
                    break
                name, _, value = trailer[:-2].partition(b":")
                trailers.append((name.decode("ascii"), value.strip().decode("utf-8")))
            framing = "chunked"
        elif "content-length" in names:
            length = int(dict((k.lower(), v) for k, v in headers)["content-length"])
            body = bytearray(reader.read(length))
            total = length
            raw += body
            framing = "length"
        else:
            body, framing = bytearray(), "none"
        if len(raw) > self.keep_body:
            raw = raw[: self.keep_body]  # a 50 MB stream is counted, not kept
        return Request(conn_id, method, target, version[5:], headers, bytes(body), bytes(raw), framing,
                       trailers, chunk_times, total)

    def _take(self) -> Event | str | None:
        with self._cv:
            while not self._stopping:
                if self.script:
                    event = self.script.pop(0)
                    self.served.append(event)
                    self._by_id[event.request_id] = event
                    self.holding = False
                    return event
                if self.after != "hold":
                    return self.after
                self.holding = True
                self._cv.notify_all()
                self._cv.wait(0.05)
            return None

    def push(self, *events: Event) -> None:
        with self._cv:
            self.script.extend(events)
            self._cv.notify_all()

    def _answer(self, sock: socket.socket, request: Request) -> bool:
        if request.kind == "next":
            event = self._take()
            if event is None:
                return False
            if event == "gone":
                self._go_away()
                return False
            if isinstance(event, str):
                return _send(sock, int(event), [("Content-Type", "application/json")], b'{"errorType":"X"}')
            if event.raw is not None:
                sock.sendall(event.raw)
                return False
            if event.status != 200:
                return _send(sock, event.status, [], b'{"errorMessage":"no","errorType":"Forbidden"}')
            if event.delay:
                time.sleep(event.delay)
            if event.drop_next == "before":
                event.drop_next = None  # the runtime asks again: then it gets the event
                with self._cv:
                    self.script.insert(0, event)
                return False
            if event.drop_next == "during":
                event.drop_next = None
                with self._cv:
                    self.script.insert(0, event)
                data = _answer_bytes(200, event.head_fields(), event.body(), event)
                sock.sendall(data[: len(data) // 2])
                return False
            return _send(sock, 200, event.head_fields(), event.body(), event=event)
        if request.kind in ("response", "error"):
            rid = request.target.split("/")[-2]
            event = self._by_id.get(_unquote(rid))
            if event is not None and event.drop_result:
                event.drop_result = False
                return False
            status = event.result_status if event is not None else 400
            ok = _send(sock, status, [("Content-Type", "application/json")], b'{"status":"OK"}')
            return ok and not (event is not None and event.drop_after_result)
        if request.kind == "extension_register":
            return _send(sock, 200, [("Content-Type", "application/json"),
                                     ("Lambda-Extension-Identifier", "ext-0001")],
                         b'{"functionName":"fn","functionVersion":"$LATEST","handler":"h"}')
        if request.kind == "extension_next":
            with self._cv:  # no events: the poll is held until the fake stops
                while not self._stopping:
                    self._cv.wait(0.05)
            return False
        if request.kind == "restore_next":
            return _send(sock, self.restore_status, [("Content-Type", "application/json")], b"")
        if request.kind == "restore_error":
            return _send(sock, 202, [("Content-Type", "application/json")], b'{"status":"OK"}')
        if request.kind == "init_error":
            return _send(sock, self.init_status, [("Content-Type", "application/json")], b'{"status":"OK"}')
        return _send(sock, 404, [], b'{"errorType":"NotFound"}')

    def _go_away(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        self._listener.close()
        for sock in list(self._socks):
            _shut(sock)


def _unquote(text: str) -> str:
    import urllib.parse

    return urllib.parse.unquote(text, errors="surrogateescape")


def _send(sock: socket.socket, status: int, fields: list[tuple[str, str]], body: bytes,
          event: Event | None = None) -> bool:
    data = _answer_bytes(status, fields, body, event)
    try:
        if event is not None and event.trickle:
            for i in range(len(data)):
                sock.sendall(data[i : i + 1])
        else:
            sock.sendall(data)
    except OSError:
        return False
    return not (event is not None and event.close)


def _answer_bytes(status: int, fields: list[tuple[str, str]], body: bytes, event: Event | None) -> bytes:
    case = event.header_case if event else "canonical"
    fields = list(fields)
    chunked = event is not None and event.chunked
    if chunked:
        fields.append(("Transfer-Encoding", "chunked"))
    else:
        fields.append(("Content-Length", str(len(body))))
    if event is not None and event.close:
        fields.append(("Connection", "close"))
    head = f"HTTP/1.1 {status} Whatever\r\n"
    for name, value in fields:
        name = name.lower() if case == "lower" else name.upper() if case == "upper" else name
        head += f"{name}: {value}\r\n"
    data = head.encode("utf-8", "surrogateescape") + b"\r\n"
    return data + (_chunk(body, event) if chunked and event is not None else body)


def _chunk(body: bytes, event: Event) -> bytes:
    out, pos, i = bytearray(), 0, 0
    while pos < len(body):
        size = event.chunk_sizes[i % len(event.chunk_sizes)]
        piece = body[pos : pos + size]
        pos += len(piece)
        out += b"%X" % len(piece) if i % 2 else b"%x" % len(piece)
        if event.chunk_ext:
            out += (b";ext=1", b';name="quoted value"', b" ;spaced")[i % 3]
        out += b"\r\n" + piece + b"\r\n"
        i += 1
    out += b"0;last\r\n" if event.chunk_ext else b"0\r\n"
    if event.trailers:
        out += b"X-Trailer: yes\r\nX-Other: 1\r\n"
    return bytes(out + b"\r\n")


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
