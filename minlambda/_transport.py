# One keep-alive HTTP/1.1 connection to the Runtime API, driving the codec of _http.
#
# Contract: `Connection.request(head, body)` sends one request and returns the
# response's Head and body bytes. The socket is reused across requests; it is
# closed after a response that says `Connection: close` (or is delimited by the
# close), and the next request opens a new one. When a reused connection turns
# out to be dead (the idle peer closed it, so the request met EOF or a reset before
# any byte of a response), the request is sent once more on a new connection: the
# peer never saw it. Connecting is retried a few times, quickly, then given up.
#
# Rules: byte parsing belongs to _http; every OSError becomes TransportError here
# (`raise ... from exc`); there is no timeout while waiting for a response head,
# because the Runtime API long-polls GET /next and the environment may be frozen
# for any time meanwhile.
from __future__ import annotations

import socket
import time
from typing import Any, Final

from minlambda._http import (
    NEED_DATA,
    Data,
    Head,
    ProtocolError,
    ResponseReader,
    _Sentinel,
    chunk,
    last_chunk,
)

__all__ = ["Connection", "TransportError", "peer_closed"]

# Connecting: Lambda's API is on the same host and answers at once; a refused or
# unreachable port means it is not up (yet) or gone. Five tries with doubling
# pauses give up after about 3 s, inside the 5 s the platform and API.md allow.
CONNECT_ATTEMPTS: Final = 5
CONNECT_FIRST_PAUSE: Final = 0.1
CONNECT_TIMEOUT: Final = 1.0
# 64 KiB: larger reads get a fresh mmap (and munmap) from malloc at every recv()
RECV_SIZE: Final = 64 * 1024
# Once a response head has arrived the rest of the message is due promptly; a peer
# that stops sending mid-body for this long is treated as gone, so a short body
# (Content-Length larger than what is sent) cannot hang the runtime forever.
BODY_STALL_TIMEOUT: Final = 60.0
# Bodies larger than this go out in a second send call rather than being copied
# onto the head.
_JOIN_LIMIT: Final = 64 * 1024
# Answers up to this size are remembered with their meaning (see `request`)
_MEMO_SIZE: Final = 256


class TransportError(Exception):
    """The connection to the Runtime API failed (refused, reset, closed early)."""


class Connection:
    """A keep-alive client connection to host:port."""

    __slots__ = (
        "host",
        "port",
        "_sock",
        "_reader",
        "connects",
        "_pause",
        "_aborted",
        "_address",
        "_last",
        "_last_answer",
    )

    def __init__(self, host: str, port: int, *, connect_pause: float = CONNECT_FIRST_PAUSE) -> None:
        self.host = host
        self.port = port
        # an ASCII host as bytes: getaddrinfo() would import the idna codec (1 ms of
        # cold start) to encode a str
        self._address: Any = (host.encode() if host.isascii() else host, port)
        self._sock: socket.socket | None = None
        self._reader = ResponseReader()
        self.connects = 0  # connections opened so far (for tests and diagnostics)
        self._pause = connect_pause
        self._aborted = False
        # the last short plain answer and what it meant: the Runtime API acknowledges
        # every post with the same bytes, recognised here without parsing them again
        self._last = b""
        self._last_answer: tuple[Head, bytes] = (Head(0, b"", {}, False), b"")

    def abort(self) -> None:
        """Shut the connection down for good, from any thread: a request blocked on
        it fails at once, and no new connection is opened."""
        self._aborted = True
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:  # pragma: no cover - close() of a socket does not fail on Linux
                pass

    def request(
        self, head: bytes, body: bytes | bytearray | memoryview = b""
    ) -> tuple[Head, bytes | bytearray]:
        """Send one request and read its whole response."""
        sock = self._sock
        if sock is None:
            sock = self._connect()
            fresh = True
        elif len(body) > _JOIN_LIMIT and peer_closed(sock):
            # a large body goes out after its head, and a send that fails between
            # the two cannot be retried: a kept-alive connection the idle peer has
            # closed is replaced before, not after
            self.close()
            sock = self._connect()
            fresh = True
        else:
            fresh = False
        while True:
            # flat, for every event: one send (two for a large body), one read, and
            # the whole answer in it, or its head and the start of its body
            try:
                if len(body) <= _JOIN_LIMIT:
                    sock.sendall(head + body)
                else:
                    sock.sendall(head)
                    self._send_body(sock, body)
                data = sock.recv(RECV_SIZE)
            except OSError as exc:
                data = None  # reset before any byte of an answer: as stale as EOF
                error = exc
            if data:
                if data == self._last:
                    return self._last_answer  # (the Head is shared: nobody changes it)
                reader = self._reader
                whole = reader.whole(data)
                if whole is not None:
                    if len(data) <= _MEMO_SIZE:
                        self._last, self._last_answer = data, whole
                    return whole
                started = reader.started
                if started is None:
                    return self._receive(sock, data)
                # a large body: the rest straight into its buffer, behind what came
                reader.started = None
                response, start, size = started
                return response, self._recv_body(sock, memoryview(data)[start:], size)
            self.close()
            if fresh:
                if data is not None:
                    raise TransportError("The Runtime API closed the connection before answering")
                raise TransportError(
                    f"The connection to the Runtime API failed: {error}"
                ) from error
            # the idle keep-alive connection was closed by the peer: once more, on a
            # new one (the peer never saw this request)
            fresh = True
            sock = self._connect()

    def start_stream(self, head: bytes) -> None:
        """Send the head of a request whose body follows in chunks (`send_chunk`,
        then `end_stream`). A stream cannot be sent twice, so a kept-alive connection
        the idle peer has closed is replaced before, not after."""
        if self._sock is not None and peer_closed(self._sock):
            self.close()
        if self._sock is None:
            self._connect()
        self._send(head)

    def send_chunk(self, data: bytes) -> None:
        """One chunk of the body of the request `start_stream` began (not empty)."""
        if len(data) <= _JOIN_LIMIT:
            self._send(chunk(data))
        else:
            self._send(b"%x\r\n" % len(data))
            self._send(data)
            self._send(b"\r\n")

    def end_stream(self, trailers: list[tuple[str, str]]) -> tuple[Head, bytes | bytearray]:
        """End the streamed body with `trailers` and read the response."""
        self._send(last_chunk(trailers))
        sock = self._sock
        assert sock is not None
        try:
            return self._receive(sock)
        except _StaleConnection as exc:
            self.close()
            raise TransportError(str(exc)) from exc.__cause__

    def _send(self, data: bytes | bytearray | memoryview) -> None:
        sock = self._sock
        if sock is None:
            raise TransportError(
                "The connection to the Runtime API was closed in the middle of a request"
            )
        try:
            sock.sendall(data)
        except OSError as exc:
            self.close()
            raise TransportError(f"Sending to the Runtime API failed: {exc}") from exc

    def _connect(self) -> socket.socket:
        pause = self._pause
        attempt = 0
        while True:
            attempt += 1
            if self._aborted:
                raise TransportError("The connection to the Runtime API was shut down")
            try:
                sock = socket.create_connection(self._address, timeout=CONNECT_TIMEOUT)
                if self._aborted:  # abort() ran while we were connecting
                    sock.close()
                    raise TransportError("The connection to the Runtime API was shut down")
            except OSError as exc:
                if attempt == CONNECT_ATTEMPTS:
                    raise TransportError(
                        f"Cannot connect to the Runtime API at {self.host}:{self.port} "
                        f"after {attempt} attempts: {exc}"
                    ) from exc
                time.sleep(pause)
                pause *= 2
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sock = sock
            self._reader = ResponseReader()
            self.connects += 1
            return sock

    def _send_body(self, sock: socket.socket, body: bytes | bytearray | memoryview) -> None:
        """The body of a request whose head went out alone: the peer saw the head,
        so when this fails the request is never sent again."""
        try:
            sock.sendall(body)
        except OSError as exc:
            self.close()
            raise TransportError(
                f"Sending a request body to the Runtime API failed: {exc}"
            ) from exc

    def _receive(self, sock: socket.socket, first: bytes = b"") -> tuple[Head, bytes | bytearray]:
        """Read a response; `first`: its first bytes, read already."""
        reader = self._reader
        received = bool(first)  # any byte of this response: from then on nothing is retried
        try:
            # nothing is buffered between responses (else the connection was closed)
            result: tuple[Head, bytes | None] | _Sentinel = NEED_DATA
            if first:
                reader.receive_data(first)
                result = reader.read_response()
            while not isinstance(result, tuple):
                if result is NEED_DATA:
                    data = self._recv(sock, received)
                    received = received or bool(data)
                    reader.receive_data(data)
                    result = reader.read_response()
                elif received:  # CLOSED after an interim (1xx) response
                    self.close()
                    raise TransportError(
                        "The Runtime API closed the connection in the middle of an answer"
                    )
                else:  # CLOSED before any byte
                    raise _StaleConnection("The Runtime API closed the connection before answering")
            response, buffered_body = result
            body = self._read_body(sock) if buffered_body is None else buffered_body
        except ProtocolError as exc:
            self.close()
            if self._aborted:
                raise TransportError("The connection to the Runtime API was shut down") from exc
            raise
        if not response.keep_alive or reader.buffered or not reader.at_message_start:
            # told to close, delimited by the close, or bytes nobody asked for: never reuse
            self.close()
        return response, body

    def _read_body(self, sock: socket.socket) -> bytes | bytearray:
        """The rest of a body that was not all there with its head."""
        reader = self._reader
        direct = reader.direct_body()
        if direct is not None:
            part, still = direct
            return self._recv_body(sock, part, len(part) + still)
        sock.settimeout(BODY_STALL_TIMEOUT)
        try:
            parts: list[bytes] = []
            while True:
                event = reader.next_event()
                if event is NEED_DATA:
                    reader.receive_data(self._recv(sock, True))
                elif type(event) is Data:
                    parts.append(event.data)
                else:  # Done
                    return b"".join(parts)
        finally:
            if self._sock is not None:
                sock.settimeout(None)

    def _recv_body(self, sock: socket.socket, part: bytes | memoryview, size: int) -> bytearray:
        """A Content-Length body of `size` bytes, `part` of it received already: the
        rest goes straight from the socket into its final buffer, which the runtime
        decodes in place (one copy, by the kernel)."""
        body = bytearray(size)
        got = len(part)
        body[:got] = part
        view = memoryview(body)
        timeout = sock.gettimeout()
        sock.settimeout(BODY_STALL_TIMEOUT)
        try:
            while got < size:
                try:
                    n = sock.recv_into(view[got:])
                except OSError as exc:
                    raise self._read_failed(exc, True) from exc
                if n == 0:
                    if self._aborted:
                        raise TransportError("The connection to the Runtime API was shut down")
                    raise ProtocolError(f"Connection closed after {got} of {size} body bytes")
                got += n
        except BaseException:
            self.close()  # (what it had of the body is lost: the connection is no use)
            raise
        sock.settimeout(timeout)
        return body

    def _recv(self, sock: socket.socket, received: bool) -> bytes:
        try:
            return sock.recv(RECV_SIZE)
        except OSError as exc:
            raise self._read_failed(exc, received) from exc

    def _read_failed(self, exc: OSError, received: bool) -> Exception:
        if not received and not isinstance(exc, TimeoutError):
            return _StaleConnection(f"Reading from the Runtime API failed: {exc}")
        self.close()
        if isinstance(exc, TimeoutError):
            return TransportError(
                f"The Runtime API stopped sending in the middle of a response for {BODY_STALL_TIMEOUT:g} s"
            )
        return TransportError(f"Reading from the Runtime API failed: {exc}")


def peer_closed(sock: socket.socket) -> bool:
    """True when the peer has closed `sock` (readable at EOF, or reset): a look at
    the socket that neither blocks nor consumes anything."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class _StaleConnection(Exception):
    """The request met a closed connection before any byte of the response."""
