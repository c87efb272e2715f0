"""The keep-alive connection of minlambda._transport over real TCP sockets.

Every test drives a `Connection` against a scripted server on 127.0.0.1 written here
with the standard library only: a listening socket and one thread that accepts the
connections one after the other and follows, per connection, a script of `Answer`s
(read one request, send given bytes in given writes, then keep the connection, close
it, reset it or hang). The server records every request's exact bytes per connection,
so the tests can say which connection each request arrived on.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import minlambda._transport as transport
from minlambda._http import ProtocolError, request_head
from minlambda._transport import (
    _JOIN_LIMIT,
    CONNECT_ATTEMPTS,
    CONNECT_FIRST_PAUSE,
    Connection,
    TransportError,
)

HOST = "127.0.0.1"
WAIT = 5.0  # upper bound for waits on events that happen at once when all goes well
SILENCE_LIMIT = 10.0  # the server drops a connection silent for this long (a hung test)

GET_NEXT = request_head("GET", "/2018-06-01/runtime/invocation/next", "127.0.0.1:9001")


def post(target: str, body: bytes | bytearray | memoryview) -> bytes:
    return request_head(
        "POST",
        target,
        "127.0.0.1:9001",
        [("Content-Type", "application/json")],
        content_length=len(body),
    )


def ok(body: bytes = b"", *, extra: str = "") -> bytes:
    """A Content-Length framed 200 response."""
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%b\r\n%b" % (
        len(body),
        extra.encode(),
        body,
    )


def chunked(*pieces: bytes, trailers: bytes = b"") -> bytes:
    """A chunked 200 response with one chunk per piece."""
    out = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]
    out += [b"%x\r\n%b\r\n" % (len(p), p) for p in pieces]
    out.append(b"0\r\n" + trailers + b"\r\n")
    return b"".join(out)


def trickle(data: bytes) -> list[bytes]:
    """The bytes as one-byte writes."""
    return [data[i : i + 1] for i in range(len(data))]


# -- the scripted server ---------------------------------------------------------------


@dataclass
class Answer:
    """What the server does for one request on a connection."""

    writes: bytes | list[bytes] = b""  # sent in order, one sendall each
    read: str = "request"  # "request": head and Content-Length body; "head": head only
    delay: float = 0.0  # wait this long after reading, before writing
    gap: float = 0.0  # pause between two writes
    then: str = "keep"  # "keep" | "close" (FIN) | "reset" (RST) | "hang" (never answer more)


@dataclass
class Conn:
    """What the server saw on one accepted connection."""

    requests: list[bytes] = field(default_factory=list)  # raw head + body of each request
    unread: bytes = b""  # bytes received while hanging
    peer_closed: threading.Event = field(default_factory=threading.Event)  # EOF from client
    ended: threading.Event = field(default_factory=threading.Event)  # server closed it


class _Stop(Exception):
    pass


class ScriptedServer:
    """Accepts connections in turn; the n-th connection follows the n-th script.

    A connection without a script (or past the end of its script) waits for the next
    request, records it and closes without answering; it ends when the client closes.
    """

    def __init__(self, *, rcvbuf: int | None = None, listen: bool = True) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind((HOST, 0))
        self.port: int = self.listener.getsockname()[1]
        self.conns: list[Conn] = []
        self.errors: list[BaseException] = []
        self._scripts: deque[list[Answer]] = deque()
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if listen:
            self.start()

    def start(self) -> None:
        self.listener.listen(8)
        self._thread.start()

    def script(self, *answers: Answer) -> None:
        """Add the script of the next connection to be accepted."""
        self._scripts.append(list(answers))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        with self._changed:
            assert self._changed.wait_for(predicate, timeout), "the server did not get there"

    def wait_requests(self, conn: int, count: int) -> None:
        self.wait_for(lambda: len(self.conns) > conn and len(self.conns[conn].requests) >= count)

    def requests(self) -> list[list[bytes]]:
        """The requests received, per connection."""
        return [list(c.requests) for c in self.conns]

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(WAIT)
            if self._thread.is_alive():
                self.errors.append(AssertionError("the server thread did not stop"))
        self.listener.close()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.listener], [], [], 0.01)[0]:
                continue
            sock, _ = self.listener.accept()
            rec = Conn()
            with self._changed:
                self.conns.append(rec)
                self._changed.notify_all()
            answers = self._scripts.popleft() if self._scripts else []
            try:
                self._serve(sock, rec, answers)
            except (_Stop, OSError):
                pass
            except BaseException as exc:  # a bug of the test server: reported at teardown
                self.errors.append(exc)
            finally:
                sock.close()
                rec.ended.set()
                self._notify()

    def _recv(self, sock: socket.socket) -> bytes:
        deadline = time.monotonic() + SILENCE_LIMIT
        while not select.select([sock], [], [], 0.01)[0]:
            if self._stop.is_set():
                raise _Stop
            if time.monotonic() > deadline:
                # a client stuck waiting for us would hang the test: fail it instead
                self.errors.append(
                    AssertionError(f"no bytes from the client for {SILENCE_LIMIT} s")
                )
                raise _Stop
        return sock.recv(1 << 20)

    def _read_head(self, sock: socket.socket, buf: bytearray) -> bytes | None:
        while b"\r\n\r\n" not in buf:
            data = self._recv(sock)
            if not data:
                return None
            buf += data
        end = buf.index(b"\r\n\r\n") + 4
        head = bytes(buf[:end])
        del buf[:end]
        return head

    def _read_request(self, sock: socket.socket, rec: Conn, buf: bytearray, whole: bool) -> bool:
        head = self._read_head(sock, buf)
        if head is None:
            rec.peer_closed.set()
            return False
        length = 0
        chunked_body = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            if name.strip().lower() == b"transfer-encoding":
                chunked_body = True
        body = b""
        if whole and chunked_body:
            body = self._read_chunked(sock, rec, buf)
            if body is None:
                return False
        elif whole:
            while len(buf) < length:
                data = self._recv(sock)
                if not data:
                    rec.peer_closed.set()
                    return False
                buf += data
            body = bytes(buf[:length])
            del buf[:length]
        with self._changed:
            rec.requests.append(head + body)
            self._changed.notify_all()
        return True

    def _read_chunked(self, sock: socket.socket, rec: Conn, buf: bytearray) -> bytes | None:
        """The raw bytes of a chunked body, framing and trailers included."""
        start = 0
        while True:
            while b"\r\n" not in buf[start:]:
                data = self._recv(sock)
                if not data:
                    rec.peer_closed.set()
                    return None
                buf += data
            line_end = buf.index(b"\r\n", start)
            size = int(bytes(buf[start:line_end]).split(b";")[0], 16)
            if size == 0:
                while b"\r\n\r\n" not in buf[line_end:]:
                    data = self._recv(sock)
                    if not data:
                        rec.peer_closed.set()
                        return None
                    buf += data
                end = buf.index(b"\r\n\r\n", line_end) + 4
                body = bytes(buf[:end])
                del buf[:end]
                return body
            start = line_end + 2 + size + 2
            while len(buf) < start:
                data = self._recv(sock)
                if not data:
                    rec.peer_closed.set()
                    return None
                buf += data

    def _serve(self, sock: socket.socket, rec: Conn, answers: list[Answer]) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray()
        for answer in answers:
            if not self._read_request(sock, rec, buf, answer.read == "request"):
                return
            if answer.delay and self._stop.wait(answer.delay):
                return
            writes = [answer.writes] if isinstance(answer.writes, bytes) else answer.writes
            for i, data in enumerate(writes):
                if i and answer.gap:
                    time.sleep(answer.gap)
                if data:
                    sock.sendall(data)
            if answer.then == "close":
                return
            if answer.then == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if answer.then == "hang":
                while more := self._recv(sock):
                    rec.unread += more
                rec.peer_closed.set()
                return
            assert answer.then == "keep", answer.then
        # past the script: record what comes, answer nothing
        self._read_request(sock, rec, buf, True)


class Call:
    """A call in a thread, with its result or exception."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self.thread.start()

    def _run(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.result = fn(*args)
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float = WAIT) -> bool:
        """True when the call has ended."""
        self.thread.join(timeout)
        return not self.thread.is_alive()


@pytest.fixture
def servers() -> Iterator[Callable[..., ScriptedServer]]:
    started: list[ScriptedServer] = []

    def start(**options: Any) -> ScriptedServer:
        srv = ScriptedServer(**options)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
    for srv in started:
        assert not srv.errors, srv.errors


@pytest.fixture
def server(servers: Callable[..., ScriptedServer]) -> ScriptedServer:
    return servers()


@pytest.fixture
def connect(server: ScriptedServer) -> Iterator[Callable[..., Connection]]:
    """Connections to `server` (or to a given port), all closed at teardown."""
    made: list[Connection] = []

    def make(port: int | None = None, **options: Any) -> Connection:
        options.setdefault("connect_pause", 0.01)
        conn = Connection(HOST, server.port if port is None else port, **options)
        made.append(conn)
        return conn

    yield make
    for conn in made:
        conn.close()


@pytest.fixture
def refused_port() -> Iterator[int]:
    """A port nothing listens on: bound (so nobody else takes it) but not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    yield sock.getsockname()[1]
    sock.close()


def wait_reset_arrived(conn: Connection) -> None:
    """Block until the RST the peer sent has reached the client socket."""
    sock = conn._sock
    assert sock is not None
    assert select.select([sock], [], [], WAIT)[0], "the reset never arrived"


# -- keep-alive reuse --------------------------------------------------------------------


def test_keep_alive_reuses_one_connection(server, connect):
    """Three requests, answered with Content-Length, chunked (with trailers) and 204
    responses, all go out on one connection, in order and byte for byte."""
    server.script(
        Answer(ok(b'{"a":1}', extra="Lambda-Runtime-Aws-Request-Id: r1\r\n")),
        Answer(chunked(b"hel", b"lo", b" world", trailers=b"X-T: 1\r\n")),
        Answer(b"HTTP/1.1 204 No Content\r\n\r\n"),
    )
    conn = connect()
    body = b'{"result": true}'
    post_head = post("/2018-06-01/runtime/invocation/r1/response", body)

    head, data = conn.request(GET_NEXT)
    assert (head.status, data) == (200, b'{"a":1}')
    assert head.headers["lambda-runtime-aws-request-id"] == "r1"
    assert head.keep_alive
    head, data = conn.request(post_head, body)
    assert (head.status, data) == (200, b"hello world")
    head, data = conn.request(GET_NEXT)
    assert (head.status, data) == (204, b"")

    assert conn.connects == 1
    server.wait_requests(0, 3)
    assert server.requests() == [[GET_NEXT, post_head + body, GET_NEXT]]
    assert not server.conns[0].peer_closed.is_set()


def test_answers_on_a_kept_connection_mean_what_they_say_however_often_they_repeat(
    server, connect, fresh_http_caches
):
    """The same short answer again is recognised without parsing it again (the Runtime
    API's 202s); any other answer, however like it, is parsed."""
    accepted = b'HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n'
    too_large = b'HTTP/1.1 413 Too Large\r\nContent-Length: 16\r\n\r\n{"status":"no"}\n'
    odd = b'HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\nX-A: 1\r\nx-a: 2\r\n\r\n{"status":"OK"}\n'
    server.script(
        *[Answer(a) for a in (accepted, accepted, too_large, accepted, odd, odd, accepted)]
    )
    conn = connect()
    seen = [conn.request(GET_NEXT) for _ in range(7)]
    assert [(h.status, h.headers.get("x-a"), body) for h, body in seen] == [
        (202, None, b'{"status":"OK"}\n'),
        (202, None, b'{"status":"OK"}\n'),
        (413, None, b'{"status":"no"}\n'),
        (202, None, b'{"status":"OK"}\n'),
        (202, "1, 2", b'{"status":"OK"}\n'),
        (202, "1, 2", b'{"status":"OK"}\n'),
        (202, None, b'{"status":"OK"}\n'),
    ]
    # the first 202 was parsed carefully and the second by the fast path; later ones
    # are recognised. The odd answers are parsed carefully every time.
    assert seen[1] is not seen[0]
    assert seen[3] is seen[1] and seen[6] is seen[1]
    assert seen[5] is not seen[4]
    assert conn.connects == 1


@pytest.mark.parametrize(
    "response, body",
    [
        (ok(b"0123456789" * 3), b"0123456789" * 3),
        (chunked(b"abc", b"d", b"efgh"), b"abcdefgh"),
        (b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"xyz"), b"xyz"),
    ],
    ids=["content-length", "chunked", "interim-100"],
)
def test_responses_trickled_one_byte_per_send(server, connect, response, body):
    """Responses written one byte per send (head and body split everywhere) are each
    read whole, twice in a row on one connection."""
    server.script(
        Answer(trickle(response), gap=0.0005),
        Answer(trickle(response), gap=0.0005),
    )
    conn = connect()
    for _ in range(2):
        head, data = conn.request(GET_NEXT)
        assert (head.status, data) == (200, body)
    assert conn.connects == 1
    assert server.requests() == [[GET_NEXT, GET_NEXT]]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_large_response_body_over_many_reads(server, connect, framing):
    """A 3 MiB response body, larger than one recv, arrives intact and the
    connection is reused after it."""
    big = bytes(range(256)) * (3 * 4096)
    response = ok(big) if framing == "content-length" else chunked(big[:1000], big[1000:])
    server.script(Answer(response), Answer(ok(b"next")))
    conn = connect()
    assert conn.request(GET_NEXT)[1] == big
    assert conn.request(GET_NEXT)[1] == b"next"
    assert conn.connects == 1


def test_socket_options(server, connect):
    """The socket is blocking (no timeout) with TCP_NODELAY, also after a body that
    needed several reads (the stall timer is lifted again)."""
    server.script(Answer([ok(b"abcdef")[:-3], b"def"], gap=0.01))
    conn = connect()
    assert conn.request(GET_NEXT)[1] == b"abcdef"
    sock = conn._sock
    assert sock is not None
    assert sock.gettimeout() is None
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


# -- responses that end the connection -------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        ok(b"bye", extra="Connection: close\r\n"),
        ok(b"bye", extra="Connection: keep-alive, Close\r\n"),
        b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nbye",
    ],
    ids=["close", "close-in-list", "http10"],
)
def test_connection_close_response_closes_socket(server, connect, response):
    """A response that says the connection ends (Connection: close, or HTTP/1.0
    without keep-alive) makes the client close its socket at once, although the
    server keeps its side open; the next request opens a new connection."""
    server.script(Answer(response))
    server.script(Answer(ok(b"second")))
    conn = connect()
    assert conn.request(GET_NEXT)[1] == b"bye"
    assert server.conns[0].peer_closed.wait(WAIT), "the client kept the socket open"
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [GET_NEXT]]


def test_http10_keep_alive_response_is_reused(server, connect):
    """An HTTP/1.0 response with Connection: keep-alive and a Content-Length keeps the
    connection."""
    response = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi"
    server.script(Answer(response), Answer(response))
    conn = connect()
    conn.request(GET_NEXT)
    conn.request(GET_NEXT)
    assert conn.connects == 1


def test_close_delimited_body_read_to_eof(server, connect):
    """A response without framing has its body delimited by the close: it is read, in
    several writes, to EOF; the next request opens a new connection."""
    server.script(
        Answer([b"HTTP/1.1 200 OK\r\n\r\n", b"part one, ", b"part two"], gap=0.01, then="close")
    )
    server.script(Answer(ok(b"again")))
    conn = connect()
    head, data = conn.request(GET_NEXT)
    assert (head.status, data, head.keep_alive) == (200, b"part one, part two", False)
    assert conn.request(GET_NEXT)[1] == b"again"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [GET_NEXT]]


@pytest.mark.parametrize(
    "extra",
    [ok(b"unasked"), b"HTTP/1.1 200 OK\r\nContent-Le", b"\r\n"],
    ids=["whole-response", "partial-response", "stray-crlf"],
)
def test_unsolicited_bytes_after_response_prevent_reuse(server, connect, extra):
    """Bytes after a complete response, in the same write, were not asked for: the
    response is returned, the connection is closed rather than reused, and the next
    request goes out on a new connection and gets its own answer."""
    server.script(Answer(ok(b"mine") + extra))
    server.script(Answer(ok(b"second")))
    conn = connect()
    assert conn.request(GET_NEXT)[1] == b"mine"
    assert server.conns[0].peer_closed.wait(WAIT), "the client kept the socket open"
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [GET_NEXT]]


# -- a kept-alive connection the peer closed -----------------------------------------------


@pytest.mark.parametrize("how", ["close", "reset"])
def test_idle_connection_closed_by_peer_is_retried_once(server, connect, how):
    """The server answers, then closes the idle connection (FIN, or RST with SO_LINGER
    0). The next request meets the dead connection, is sent again on a new one and
    succeeds; the server saw it once, on the new connection."""
    server.script(Answer(ok(b"first"), then=how))
    server.script(Answer(ok(b"second")))
    conn = connect()
    body = b'{"x": 1}'
    post_head = post("/2018-06-01/runtime/invocation/r1/response", body)
    assert conn.request(GET_NEXT)[1] == b"first"
    assert server.conns[0].ended.wait(WAIT)

    head, data = conn.request(post_head, body)
    assert (head.status, data) == (200, b"second")
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [post_head + body]]


@pytest.mark.parametrize("size", [0, _JOIN_LIMIT + 1], ids=["no-body", "body-sent-apart"])
def test_send_error_on_reused_connection_is_retried_once(server, connect, size):
    """The peer reset the idle connection and the reset has arrived, so sending the
    next request fails with an OSError: the request is sent again on a new connection,
    where the server sees it once. (A body over the join limit is sent after the head,
    on another path through the client.)"""
    server.script(Answer(ok(b"first"), then="reset"))
    server.script(Answer(ok(b"second")))
    conn = connect()
    conn.request(GET_NEXT)
    assert server.conns[0].ended.wait(WAIT)
    wait_reset_arrived(conn)

    body = b"b" * size
    head = post("/2018-06-01/runtime/invocation/r1/response", body) if size else GET_NEXT
    assert conn.request(head, body)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [head + body]]


def test_a_large_request_on_a_connection_closed_in_flight_is_retried(server, connect):
    """A body over the join limit, sent fine on the kept-alive connection, then EOF
    before any byte of the answer: sent once more on a new connection."""
    server.script(Answer(ok(b"first")), Answer(then="close"))
    server.script(Answer(ok(b"second")))
    conn = connect()
    conn.request(GET_NEXT)
    body = b"b" * (_JOIN_LIMIT + 1)
    head = post("/2018-06-01/runtime/invocation/r1/response", body)
    assert conn.request(head, body)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT, head + body], [head + body]]


def test_plain_answers_over_the_memo_size_are_parsed_every_time(server, connect, fresh_http_caches):
    """A /next answer is larger than what the connection remembers: the same bytes
    twice are parsed twice (by the careful parser, then by the fast path)."""
    big = ok(b"x" * 300, extra="Lambda-Runtime-Aws-Request-Id: r1\r\n")
    server.script(Answer(big), Answer(big), Answer(big))
    conn = connect()
    seen = [conn.request(GET_NEXT) for _ in range(3)]
    assert [(h.status, h.headers["lambda-runtime-aws-request-id"], b) for h, b in seen] == [
        (200, "r1", b"x" * 300)
    ] * 3
    assert seen[2] is not seen[1] and seen[2][0] is not seen[1][0]


@pytest.mark.parametrize("how", ["close", "reset"])
def test_reused_connection_closed_while_request_in_flight_is_retried(server, connect, how):
    """The request was sent fine on the kept-alive connection, then EOF (or a reset)
    came before any byte of a response: to the client this is the peer's idle close
    racing the request, so it is sent once more on a new connection and succeeds.
    (This server did read it first; the client cannot tell.)"""
    server.script(Answer(ok(b"first")), Answer(then=how))
    server.script(Answer(ok(b"second")))
    conn = connect()
    conn.request(GET_NEXT)
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT, GET_NEXT], [GET_NEXT]]


@pytest.mark.parametrize("how", ["close", "reset"])
def test_retry_happens_only_once(server, connect, how):
    """The idle connection is dead and the retry's new connection also closes before
    answering: TransportError, without a third connection (which would have answered;
    the next request is the first to reach it)."""
    server.script(Answer(ok(b"first"), then="close"))
    server.script(Answer(then=how))
    server.script(Answer(ok(b"third")))
    conn = connect()
    conn.request(GET_NEXT)
    assert server.conns[0].ended.wait(WAIT)

    with pytest.raises(TransportError):
        conn.request(GET_NEXT)
    assert conn.connects == 2
    assert conn.request(GET_NEXT)[1] == b"third"
    assert conn.connects == 3
    assert server.requests() == [[GET_NEXT], [GET_NEXT], [GET_NEXT]]


@pytest.mark.parametrize("how", ["close", "reset"])
def test_fresh_connection_closed_before_answer_is_not_retried(server, connect, how):
    """On a connection opened for this request, EOF (or a reset) before any byte of a
    response is a TransportError: the peer saw the request, so it is not sent again.
    The next request opens a new connection."""
    server.script(Answer(then=how))
    server.script(Answer(ok(b"second")))
    conn = connect()
    with pytest.raises(TransportError) as caught:
        conn.request(GET_NEXT)
    if how == "reset":
        assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert conn.connects == 1
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [GET_NEXT]]


# -- failures in the middle of a response --------------------------------------------------

PARTIAL = {
    "head": b"HTTP/1.1 200 OK\r\nContent-Le",
    "status-line": b"H",
    "length-body": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
    "chunked-body": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    "after-interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2",
}


@pytest.mark.parametrize("partial", list(PARTIAL.values()), ids=list(PARTIAL))
def test_eof_inside_response_is_protocol_error_without_retry(server, connect, partial):
    """On a reused connection, EOF after some bytes of a response raises ProtocolError
    and the request is not sent again; the next request reconnects."""
    server.script(Answer(ok(b"first")), Answer(partial, then="close"))
    server.script(Answer(ok(b"third")))
    conn = connect()
    conn.request(GET_NEXT)
    with pytest.raises(ProtocolError):
        conn.request(GET_NEXT)
    assert conn.connects == 1
    assert conn.request(GET_NEXT)[1] == b"third"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT, GET_NEXT], [GET_NEXT]]


@pytest.mark.parametrize("partial", [PARTIAL["head"], PARTIAL["length-body"]], ids=["head", "body"])
def test_reset_inside_response_is_transport_error_without_retry(server, connect, partial):
    """On a reused connection, a reset after some bytes of a response (inside the
    head, or inside the body) raises TransportError from the OSError, and the request
    is not sent again; the next request reconnects."""
    server.script(Answer(ok(b"first")), Answer(partial, then="reset"))
    server.script(Answer(ok(b"third")))
    conn = connect()
    conn.request(GET_NEXT)
    with pytest.raises(TransportError) as caught:
        conn.request(GET_NEXT)
    assert isinstance(caught.value.__cause__, ConnectionResetError)
    assert conn.connects == 1
    assert conn.request(GET_NEXT)[1] == b"third"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT, GET_NEXT], [GET_NEXT]]


@pytest.mark.parametrize(
    "garbage",
    [b"XTTP/1.1 200 OK\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"],
    ids=["status-line", "content-length"],
)
def test_protocol_error_closes_connection(server, connect, garbage):
    """A malformed response raises ProtocolError and the client closes its socket
    (the server, keeping its side open, sees EOF); the next request reconnects."""
    server.script(Answer(garbage))
    server.script(Answer(ok(b"second")))
    conn = connect()
    with pytest.raises(ProtocolError):
        conn.request(GET_NEXT)
    assert server.conns[0].peer_closed.wait(WAIT), "the client kept the socket open"
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2


def test_protocol_error_in_body_after_stall_timer_closes(server, connect):
    """A malformed chunked body detected after a second read (with the body stall
    timer running) raises ProtocolError and closes the connection."""
    server.script(
        Answer([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", b"cXX"], gap=0.02)
    )
    server.script(Answer(ok(b"second")))
    conn = connect()
    with pytest.raises(ProtocolError):
        conn.request(GET_NEXT)
    assert server.conns[0].peer_closed.wait(WAIT)
    assert conn.request(GET_NEXT)[1] == b"second"


# -- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
@pytest.mark.parametrize(
    "size",
    [0, 1, _JOIN_LIMIT, _JOIN_LIMIT + 1, 1 << 20],
    ids=["0", "1", "limit", "limit+1", "1MiB"],
)
def test_request_bodies_arrive_intact(server, connect, kind, size):
    """Request bodies of every size around the join limit, up to 1 MiB, given as
    bytes, bytearray or memoryview, arrive byte for byte after their head; two in a row
    on one connection."""
    payload = (bytes(range(251)) * (size // 251 + 1))[:size]
    body = kind(payload)
    head = post("/2018-06-01/runtime/invocation/r1/response", payload)
    server.script(Answer(ok(b"1")), Answer(ok(b"2")))
    conn = connect()
    assert conn.request(head, body)[1] == b"1"
    assert conn.request(head, body)[1] == b"2"
    assert conn.connects == 1
    server.wait_requests(0, 2)
    assert server.requests() == [[head + payload, head + payload]]


def test_memoryview_slice_body(server, connect):
    """A memoryview over part of a larger buffer sends just that part."""
    backing = bytearray(b"x" * 10 + b"payload" + b"y" * 10)
    body = memoryview(backing)[10:17]
    head = post("/r", body)
    server.script(Answer(ok()))
    conn = connect()
    conn.request(head, body)
    server.wait_requests(0, 1)
    assert server.requests() == [[head + b"payload"]]


# -- connecting ------------------------------------------------------------------------------


def test_connection_refused_gives_up_within_5s(refused_port):
    """With the default pauses, a refused port is tried CONNECT_ATTEMPTS times with
    doubling pauses, then TransportError (from the OSError) well inside the 5 s the
    platform allows."""
    conn = Connection(HOST, refused_port)
    start = time.monotonic()
    with pytest.raises(TransportError, match=f"after {CONNECT_ATTEMPTS} attempts") as caught:
        conn.request(GET_NEXT)
    elapsed = time.monotonic() - start
    pauses = sum(CONNECT_FIRST_PAUSE * 2**i for i in range(CONNECT_ATTEMPTS - 1))
    assert pauses <= elapsed < 5.0
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert conn.connects == 0
    assert conn._sock is None


def test_connection_refused_with_short_pause(connect, refused_port):
    """connect_pause sets the first pause; they double between attempts."""
    conn = connect(refused_port, connect_pause=0.02)
    start = time.monotonic()
    with pytest.raises(TransportError, match=f"{HOST}:{refused_port}"):
        conn.request(GET_NEXT)
    elapsed = time.monotonic() - start
    assert 0.02 * (2 ** (CONNECT_ATTEMPTS - 1) - 1) <= elapsed < 2.0
    assert conn.connects == 0


def test_connect_succeeds_once_the_port_listens(servers, connect):
    """A port that refuses for a while (the API not up yet) is connected to on a later
    attempt, and the request goes through."""
    srv = servers(listen=False)
    srv.script(Answer(ok(b"up")))
    conn = connect(srv.port, connect_pause=0.1)
    timer = threading.Timer(0.25, srv.start)
    timer.start()
    try:
        assert conn.request(GET_NEXT)[1] == b"up"
    finally:
        timer.join()
    assert conn.connects == 1
    assert srv.requests() == [[GET_NEXT]]


# -- timeouts --------------------------------------------------------------------------------


def test_body_stall_times_out(server, connect, monkeypatch):
    """A head with Content-Length: 100 then 10 bytes and silence: TransportError once
    nothing came for BODY_STALL_TIMEOUT; the socket is closed and the next request
    reconnects."""
    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)
    server.script(Answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", then="hang"))
    server.script(Answer(ok(b"second")))
    conn = connect()
    start = time.monotonic()
    with pytest.raises(TransportError, match="0.2 s") as caught:
        conn.request(GET_NEXT)
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 2.0
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert server.conns[0].peer_closed.wait(WAIT), "the client kept the socket open"
    assert conn.request(GET_NEXT)[1] == b"second"
    assert conn.connects == 2


def test_chunked_body_stall_times_out(server, connect, monkeypatch):
    """The same silence in the middle of a chunked body: TransportError, socket closed."""
    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)
    server.script(Answer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", then="hang"))
    conn = connect()
    with pytest.raises(TransportError, match="0.2 s") as caught:
        conn.request(GET_NEXT)
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert server.conns[0].peer_closed.wait(WAIT), "the client kept the socket open"


def test_a_reset_in_the_middle_of_a_content_length_body(server, connect):
    """A reset after part of a Content-Length body: TransportError (not a retry)."""
    server.script(Answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", then="reset"))
    conn = connect()
    with pytest.raises(TransportError, match="Reading from the Runtime API failed"):
        conn.request(GET_NEXT)
    assert conn.connects == 1


def test_body_stall_timer_restarts_on_every_read(server, connect, monkeypatch):
    """The stall timeout bounds each silence, not the whole body: a body trickled in
    pieces 0.05 s apart over more than the timeout arrives whole."""
    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)
    body = b"abcdefgh"
    server.script(
        Answer([b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n", *trickle(body)], gap=0.05)
    )
    conn = connect()
    start = time.monotonic()
    assert conn.request(GET_NEXT)[1] == body
    assert time.monotonic() - start > 0.2


def test_no_timeout_waiting_for_head(server, connect, monkeypatch):
    """The /next long poll: a server that answers only after 1.5 s, with the stall
    timeout at 0.2 s, is waited for."""
    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)
    server.script(Answer(ok(b"late"), delay=1.5))
    conn = connect()
    start = time.monotonic()
    assert conn.request(GET_NEXT)[1] == b"late"
    assert time.monotonic() - start >= 1.5


def test_no_timeout_for_head_after_a_timed_body(server, connect, monkeypatch):
    """After a body read under the stall timer, the next request on the same
    connection again waits without a timeout: for a late head (0.5 s), and for a head
    that itself trickles in slowly."""
    monkeypatch.setattr(transport, "BODY_STALL_TIMEOUT", 0.2)
    response = ok(b"body")
    server.script(
        Answer([response[:-2], response[-2:]], gap=0.02),
        Answer(ok(b"late"), delay=0.5),
        Answer([b"HTTP/1.1 200 OK\r\n", b"Content-Length: 0\r\n", b"\r\n"], gap=0.3),
    )
    conn = connect()
    assert conn.request(GET_NEXT)[1] == b"body"
    assert conn.request(GET_NEXT)[1] == b"late"
    assert conn.request(GET_NEXT)[0].status == 200
    assert conn.connects == 1


# -- abort and close ------------------------------------------------------------------------


def test_abort_wakes_request_waiting_for_head_on_fresh_connection(server, connect):
    """A request waiting for a head on a new connection is woken by abort() from
    another thread: TransportError at once; later requests fail without connecting."""
    server.script(Answer(then="hang"))
    conn = connect()
    call = Call(conn.request, GET_NEXT)
    server.wait_requests(0, 1)
    start = time.monotonic()
    conn.abort()
    assert call.join(), "abort() did not wake the request"
    assert time.monotonic() - start < 1.0
    assert isinstance(call.error, TransportError)
    assert server.conns[0].peer_closed.wait(WAIT)
    assert server.conns[0].unread == b""
    with pytest.raises(TransportError, match="shut down"):
        conn.request(GET_NEXT)
    assert conn.connects == 1
    assert len(server.conns) == 1


def test_abort_wakes_request_waiting_for_head_on_reused_connection(server, connect):
    """On a reused connection the woken request looks like a dead idle connection, but
    abort() forbids the retry: TransportError, no new connection."""
    server.script(Answer(ok(b"first")), Answer(then="hang"))
    server.script(Answer(ok(b"must not be reached")))
    conn = connect()
    conn.request(GET_NEXT)
    call = Call(conn.request, GET_NEXT)
    server.wait_requests(0, 2)
    conn.abort()
    assert call.join(), "abort() did not wake the request"
    assert isinstance(call.error, TransportError)
    assert "shut down" in str(call.error)
    assert conn.connects == 1
    assert len(server.conns) == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
        # a body the careful parser reads
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n01234",
    ],
    ids=["content-length", "chunked"],
)
def test_abort_in_the_middle_of_a_body_is_a_transport_error(server, connect, answer):
    """abort() while half a body has arrived: the reader sees the connection end
    early, but the caller learns that the connection was shut down, not that the
    peer broke the protocol."""
    server.script(Answer(answer, then="hang"))
    conn = connect()
    call = Call(conn.request, GET_NEXT)
    server.wait_requests(0, 1)
    time.sleep(0.1)  # let the head and the first bytes arrive
    conn.abort()
    assert call.join(), "abort() did not wake the request"
    assert isinstance(call.error, TransportError) and "shut down" in str(call.error)


def test_abort_between_requests_prevents_reconnecting(server, connect):
    """abort() on an idle kept-alive connection: the next request fails with
    TransportError (sending on the shut socket fails, and no retry connection is
    opened)."""
    server.script(Answer(ok(b"first")))
    server.script(Answer(ok(b"must not be reached")))
    conn = connect()
    conn.request(GET_NEXT)
    conn.abort()
    with pytest.raises(TransportError, match="shut down"):
        conn.request(GET_NEXT)
    assert conn.connects == 1
    assert server.conns[0].peer_closed.wait(WAIT)
    assert len(server.conns) == 1


def test_abort_before_first_request(connect):
    """abort() before anything was connected: the first request fails at once without
    connecting."""
    conn = connect()
    conn.abort()
    conn.abort()
    with pytest.raises(TransportError, match="shut down"):
        conn.request(GET_NEXT)
    assert conn.connects == 0


def test_abort_stops_connect_retries(connect, refused_port):
    """abort() while connect attempts are pausing (default pauses: ~1.5 s in all) ends
    them at the next attempt."""
    conn = connect(refused_port, connect_pause=CONNECT_FIRST_PAUSE)
    call = Call(conn.request, GET_NEXT)
    time.sleep(0.05)  # inside the first pause
    start = time.monotonic()
    conn.abort()
    assert call.join()
    assert time.monotonic() - start < 1.0
    assert isinstance(call.error, TransportError)
    assert "shut down" in str(call.error)


def test_abort_of_reset_connection_is_quiet(server, connect):
    """abort() on a socket the peer already reset (shutdown() fails with ENOTCONN)
    does not raise, and twice is fine."""
    server.script(Answer(ok(), then="reset"))
    conn = connect()
    conn.request(GET_NEXT)
    assert server.conns[0].ended.wait(WAIT)
    wait_reset_arrived(conn)
    conn.abort()
    conn.abort()
    with pytest.raises(TransportError):
        conn.request(GET_NEXT)


def test_close_is_idempotent_and_next_request_reconnects(server, connect):
    """close() before connecting, twice after a request: no error; the next request
    opens a new connection and the server saw the old one closed."""
    server.script(Answer(ok(b"one")))
    server.script(Answer(ok(b"two")))
    conn = connect()
    conn.close()
    conn.request(GET_NEXT)
    conn.close()
    conn.close()
    assert conn._sock is None
    assert server.conns[0].peer_closed.wait(WAIT)
    assert conn.request(GET_NEXT)[1] == b"two"
    assert conn.connects == 2


# -- regressions: bugs this suite found ---------------------------------------------------------


def test_abort_during_connect_is_not_lost(server, connect, monkeypatch):
    """abort() from another thread lands while connect() is in progress (simulated by
    calling it from inside socket.create_connection, right after the real connect).
    Expected: the request fails promptly and no connection is used. Observed: the
    socket is stored after abort() returned, the request is sent and waits for a head
    forever (here until a second abort())."""
    server.script(Answer(then="hang"))
    conn = connect()
    real = socket.create_connection
    aborted: list[bool] = []

    def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
        sock = real(*args, **kwargs)
        if not aborted:
            aborted.append(True)
            conn.abort()
        return sock

    monkeypatch.setattr(socket, "create_connection", create_connection)
    call = Call(conn.request, GET_NEXT)
    finished = call.join(1.0)
    if not finished:
        conn.abort()  # wake it for the cleanup
        assert call.join()
    assert finished, "the request blocked after abort()"
    assert isinstance(call.error, TransportError)
    assert conn.connects == 0


def test_interim_response_then_eof_is_not_retried(server, connect):
    """The server answers the second request on a kept-alive connection with
    `100 Continue` and closes. The contract retries only when EOF comes before any
    byte of a response; here the peer demonstrably saw the request. Expected: an
    error, the request not sent again. Observed: it is re-sent on a new connection."""
    server.script(Answer(ok(b"first")), Answer(b"HTTP/1.1 100 Continue\r\n\r\n", then="close"))
    server.script(Answer(ok(b"second")))
    conn = connect()
    conn.request(GET_NEXT)
    with pytest.raises((TransportError, ProtocolError)):
        conn.request(GET_NEXT)
    assert server.requests() == [[GET_NEXT, GET_NEXT]]


def test_early_answer_to_large_body_is_not_resent(servers, connect):
    """On a kept-alive connection, a 16 MiB POST; the server reads only the head,
    answers 413 with Connection: close and closes (a reset, as the body is unread), so
    sendall() of the body fails. Expected: not sent again (the 413, or a
    TransportError). Observed: the whole request is sent again on a new connection."""
    srv = servers(rcvbuf=4096)
    too_large = b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    srv.script(Answer(ok(b"first")), Answer(too_large, read="head", then="close"))
    srv.script(Answer(ok(b"second")))
    conn = connect(srv.port)
    body = b"z" * (16 << 20)
    head = post("/2018-06-01/runtime/invocation/r1/response", body)
    conn.request(GET_NEXT)
    try:
        status = conn.request(head, body)[0].status
    except TransportError:
        status = None
    assert status in (413, None)
    assert conn.connects == 1
    assert len(srv.conns) == 1


# -- streamed request bodies -----------------------------------------------------------------

STREAM_HEAD = request_head(
    "POST", "/2018-06-01/runtime/invocation/r1/response", "127.0.0.1:9001", chunked=True
)


def test_a_stream_goes_out_as_chunks_with_trailers(server, connect):
    """start_stream, small and large chunks (the large one in three sends), trailers:
    the exact bytes arrive, and the response is read after the last chunk."""
    server.script(Answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok"))
    conn = connect()
    big = b"B" * (_JOIN_LIMIT + 10)
    conn.start_stream(STREAM_HEAD)
    conn.send_chunk(b"abc")
    conn.send_chunk(big)
    response, body = conn.end_stream([("X-Error-Type", "Function.Boom")])
    assert (response.status, body) == (202, b"ok")
    assert server.requests() == [[
        STREAM_HEAD + b"3\r\nabc\r\n" + b"%x\r\n" % len(big) + big + b"\r\n0\r\nX-Error-Type: Function.Boom\r\n\r\n"
    ]]


def test_a_stream_does_not_start_on_a_connection_the_peer_closed(server, connect):
    """The idle kept-alive connection was closed by the peer: a stream cannot be sent
    twice, so the closed connection is noticed first and the stream goes on a new one."""
    server.script(Answer(ok(b"first"), then="close"))
    server.script(Answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    conn = connect()
    conn.request(GET_NEXT)
    server.wait_for(lambda: bool(server.conns) and server.conns[0].ended.is_set())
    conn.start_stream(STREAM_HEAD)
    conn.send_chunk(b"x")
    assert conn.end_stream([])[0].status == 202
    assert conn.connects == 2
    assert server.requests()[1] == [STREAM_HEAD + b"1\r\nx\r\n0\r\n\r\n"]


def test_a_stream_reuses_a_live_connection(server, connect):
    server.script(Answer(ok(b"first")), Answer(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"))
    conn = connect()
    conn.request(GET_NEXT)
    conn.start_stream(STREAM_HEAD)
    conn.send_chunk(b"y")
    assert conn.end_stream([])[0].status == 202
    assert conn.connects == 1


def test_a_send_failure_mid_stream_is_a_transport_error(server, connect):
    """The peer resets the connection while the stream is being sent: TransportError,
    the connection is closed, and a chunk after that fails at once."""
    server.script(Answer(b"", read="head", then="reset"))
    conn = connect()
    conn.start_stream(STREAM_HEAD)
    server.wait_for(lambda: bool(server.conns) and server.conns[0].ended.is_set())
    with pytest.raises(TransportError, match="Sending to the Runtime API failed"):
        for _ in range(100):  # the first sends may still be buffered
            conn.send_chunk(b"z" * 65536)
            time.sleep(0.001)
    with pytest.raises(TransportError, match="closed in the middle of a request"):
        conn.send_chunk(b"more")


@pytest.mark.parametrize(
    ("how", "says"),
    [("close", "closed the connection before answering"), ("reset", "Reading from the Runtime API failed")],
)
def test_a_stream_answered_by_a_close_is_a_transport_error(server, connect, how, says):
    """The peer reads the whole stream, then closes (or resets) without an answer."""
    server.script(Answer(b"", then=how))
    conn = connect()
    conn.start_stream(STREAM_HEAD)
    conn.send_chunk(b"x")
    with pytest.raises(TransportError, match=says):
        conn.end_stream([])


def test_peer_closed_tells_open_closed_and_reset_apart(server, connect):
    server.script(Answer(ok(b"a")), Answer(ok(b"b"), then="close"))
    conn = connect()
    conn.request(GET_NEXT)
    assert conn._sock is not None and not transport.peer_closed(conn._sock)
    conn.request(GET_NEXT)  # answered with a close: the client closed its socket too
    left, right = socket.socketpair()
    try:
        right.close()
        assert transport.peer_closed(left)  # EOF
    finally:
        left.close()
    dead = socket.socket()
    try:
        assert transport.peer_closed(dead)  # not connected: an error, taken as closed
    finally:
        dead.close()


@pytest.mark.parametrize("how", ["close", "reset"])
def test_a_large_request_after_the_idle_peer_closed_goes_on_a_new_connection(server, connect, how):
    """The idle peer closed the kept-alive connection and that has arrived: a body over
    the join limit (sent after its head, so a failure between the two could not be
    retried) goes out on a new connection, once."""
    server.script(Answer(ok(b"first"), then=how))
    server.script(Answer(ok(b"second")))
    conn = connect()
    conn.request(GET_NEXT)
    assert server.conns[0].ended.wait(WAIT)
    wait_reset_arrived(conn)
    body = b"b" * (_JOIN_LIMIT * 4)
    head = post("/2018-06-01/runtime/invocation/r1/response", body)
    assert conn.request(head, body)[1] == b"second"
    assert conn.connects == 2
    assert server.requests() == [[GET_NEXT], [head + body]]
