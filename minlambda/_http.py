# A sans-I/O HTTP/1.1 client codec: requests out as bytes, responses in as events.
#
# Rules of this file: it never imports socket, os or msgspec, and it knows nothing
# of Lambda. `request_head` turns a request into bytes; `ResponseReader` takes the
# bytes a server sent (`receive_data`, b"" for end of file) and hands back, one
# `next_event()` at a time, a `Head`, `Data` for each piece of body, `Done` at the
# end of a message, `NEED_DATA` when it cannot go on without more bytes, or
# `CLOSED` when the peer closed the connection cleanly between two messages.
#
# Invariant: any byte sequence either parses or raises ProtocolError with a message
# saying what was expected and what came instead; IndexError, ValueError and
# UnicodeError never escape. What is ambiguous is refused rather than guessed: both
# framings at once, unequal Content-Length values, unknown transfer codings, a head
# or a chunk-size line over its limit. RFC 9112 section numbers mark each rule.
from __future__ import annotations

import re
from typing import Final

__all__ = [
    "CLOSED",
    "NEED_DATA",
    "Data",
    "Done",
    "Head",
    "ProtocolError",
    "ResponseReader",
    "chunk",
    "last_chunk",
    "request_head",
]

# A response head (status line and header fields) larger than this is refused: the
# Runtime API's heads are a few hundred bytes; the biggest field it sends, the client
# context, is capped at 3,583 bytes by the Invoke API. The cap keeps a hostile peer
# from making us buffer without end while we look for the blank line.
MAX_HEAD_SIZE: Final = 64 * 1024
# The largest body we accept. Sync events are capped at 6 MB by the platform (AWS's
# emulator truncates at 6,291,556 bytes); ten times that leaves room for platform
# growth while bounding what a broken peer can make us allocate.
MAX_BODY_SIZE: Final = 64 * 1024 * 1024
# A chunk-size line: up to 16 hex digits plus extensions, which we skip. 16 digits is
# 2**64 - 1; longer sizes are refused before int() ever sees them (RFC 9112 7.1).
MAX_CHUNK_LINE: Final = 4096
# Content-Length digits: 19 digits already exceed MAX_BODY_SIZE by far; the cap keeps
# int() from parsing thousands of digits (and from Python's digit-count ValueError).
MAX_LENGTH_DIGITS: Final = 19
# Trailer section after a chunked body, held to the same cap as a head.
MAX_TRAILER_SIZE: Final = MAX_HEAD_SIZE


class ProtocolError(Exception):
    """The server sent something that is not a well-formed HTTP/1.1 response."""


class _Sentinel:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA: Final = _Sentinel("NEED_DATA")
CLOSED: Final = _Sentinel("CLOSED")


class Head:
    """Status line and header fields of a response.

    Header names are lower-cased; repeated fields are joined with ", " (RFC 9110
    5.3); obs-fold continuation lines are joined with one space (RFC 9112 5.2).
    """

    __slots__ = ("status", "reason", "headers", "keep_alive")

    def __init__(
        self, status: int, reason: bytes, headers: dict[str, str], keep_alive: bool
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.keep_alive = keep_alive

    def __repr__(self) -> str:
        return f"Head(status={self.status}, headers={self.headers!r})"


_new_head = object.__new__


class Data:
    """A piece of response body."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Data({self.data[:60]!r}{'...' if len(self.data) > 60 else ''})"


class Done:
    """The end of a response; `trailers` holds the trailer fields of a chunked body."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: dict[str, str]) -> None:
        self.trailers = trailers

    def __repr__(self) -> str:
        return f"Done(trailers={self.trailers!r})"


Event = Head | Data | Done | _Sentinel

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9]{2})(?: ([^\r\n]*))?")
_CHUNK_SIZE = re.compile(rb"0*([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n\x00]*)?")
# RFC 9110 5.5: a recipient may replace CR, LF and NUL inside a field value with SP.
_CTL_TO_SPACE = bytes.maketrans(b"\x00\r\n", b"   ")
_VALUE_FORBIDDEN = re.compile(r"[\x00\r\n]")
_TARGET = re.compile(r"/[\x21-\x7e]*")
_HOST = re.compile(r"[\x21-\x7e]+")
_OWN_FIELDS = frozenset({"host", "content-length", "transfer-encoding"})
_NAME_CACHE: dict[bytes, str] = {}
_NAME_CACHE_SIZE: Final = 512
# The same names and status lines as text, for `ResponseReader.whole`: learned by
# the careful parser, so only what it accepted is ever recognised there.
_TEXT_NAMES: dict[str, str] = {}
_STATUS_LINES: dict[str, tuple[int, bytes]] = {}
_STATUS_LINES_SIZE: Final = 64

(
    _S_HEAD,
    _S_LENGTH,
    _S_CHUNK_SIZE,
    _S_CHUNK_DATA,
    _S_CHUNK_END,
    _S_TRAILERS,
    _S_UNTIL_CLOSE,
    _S_EOF,
) = range(8)


def _cut(data: bytes | bytearray, n: int = 60) -> str:
    return repr(bytes(data[:n])) + ("..." if len(data) > n else "")


def _take(buf: bytearray, start: int, end: int) -> bytes:
    if end - start < 4096:
        return bytes(buf[start:end])
    # bytes(buf[a:b]) copies twice (the slice, then the bytes): for large parts, once
    with memoryview(buf) as view:
        return bytes(view[start:end])


def _field_name(raw: bytes) -> str:
    name = _NAME_CACHE.get(raw)
    if name is None:
        # RFC 9112 5.1: no whitespace between the field name and the colon
        if _TOKEN.fullmatch(raw) is None:
            raise ProtocolError(f"Expected a header field name, got {_cut(raw)}")
        text = raw.decode("ascii")
        name = text.lower()
        if len(_NAME_CACHE) < _NAME_CACHE_SIZE:
            _NAME_CACHE[raw] = name
            _TEXT_NAMES[text] = name
    return name


def _parse_fields(lines: list[bytes], clean: bool) -> dict[str, str]:
    """Header (or trailer) field lines, CRLFs removed. `clean`: the caller checked
    that no line holds a CR, LF or NUL."""
    if not clean:
        return _parse_odd_fields(lines)
    fields: dict[str, str] = {}
    cached = _NAME_CACHE.get
    for line in lines:
        # the common case: a known field name, once; anything else is parsed anew,
        # carefully, by _parse_odd_fields (which also learns new names)
        raw, colon, value = line.partition(b":")
        name = cached(raw)
        if name is None or name in fields or not colon:
            return _parse_odd_fields(lines)
        fields[name] = value.strip(b" \t").decode("utf-8", "surrogateescape")
    return fields


def _clean_lines(block: bytes, lines: list[bytes]) -> bool:
    # two byte counts and a memchr for the whole block: no CR, LF or NUL but the CRLFs
    crlfs = len(lines) - 1
    return block.count(b"\n") == crlfs and block.count(b"\r") == crlfs and b"\x00" not in block


def _parse_odd_fields(lines: list[bytes]) -> dict[str, str]:
    # obs-fold, CR/LF/NUL inside values, or malformed lines
    fields: dict[str, str] = {}
    last = ""
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            # RFC 9112 5.2: obs-fold in a response is replaced by SP before use
            if not last:
                raise ProtocolError(
                    f"Expected a header field, got a continuation line {_cut(line)}"
                )
            folded = _clean(line)
            fields[last] = f"{fields[last]} {folded}" if folded else fields[last]
            continue
        colon = line.find(b":")
        if colon <= 0:
            raise ProtocolError(f"Expected 'name: value' in a header line, got {_cut(line)}")
        name = _field_name(line[:colon])
        value = _clean(line[colon + 1 :])
        previous = fields.get(name)
        fields[name] = value if previous is None else f"{previous}, {value}"
        last = name
    return fields


def _clean(value: bytes) -> str:
    # RFC 9110 5.5: CR, LF and NUL in a value become SP; then the OWS is trimmed
    return value.translate(_CTL_TO_SPACE).strip(b" \t").decode("utf-8", "surrogateescape")


def _content_length(value: str, max_body: int) -> int:
    if value.isdigit() and value.isascii() and len(value) <= MAX_LENGTH_DIGITS:
        length = int(value)  # the common case: one plain number
        if length <= max_body:
            return length
    # RFC 9112 6.3 (5): a list of identical values is one value; anything else is fatal
    values = {v.strip(" \t") for v in value.split(",")}
    if len(values) != 1:
        raise ProtocolError(f"Expected one Content-Length, got {value[:60]!r}")
    text = values.pop()
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > MAX_LENGTH_DIGITS:
        raise ProtocolError(f"Expected a decimal Content-Length, got {text[:60]!r}")
    length = int(text.lstrip("0") or "0")
    if length > max_body:
        raise ProtocolError(
            f"Expected a body of at most {max_body} bytes, got Content-Length {length}"
        )
    return length


def _keep_alive(version: bytes, connection: str | None) -> bool:
    tokens = {t.strip(" \t").lower() for t in connection.split(",")} if connection else set()
    if version == b"1":
        return "close" not in tokens
    return "keep-alive" in tokens  # HTTP/1.0: close unless asked otherwise (RFC 9112 9.3)


class ResponseReader:
    """Incremental parser of the responses arriving on one connection.

    Bytes after the end of one response stay buffered and start the next one, so a
    reader lives as long as its connection.
    """

    __slots__ = (
        "_buf",
        "_pos",
        "_state",
        "_remaining",
        "_total",
        "_eof",
        "_scan",
        "_max_body",
        "started",
    )

    def __init__(self, max_body: int = MAX_BODY_SIZE) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._state = _S_HEAD
        self._remaining = 0
        self._total = 0
        self._eof = False
        self._scan = 0
        self._max_body = max_body
        # set by whole(): the head of a plain response whose body has only started,
        # where that body starts in the bytes whole() was given, and its size
        self.started: tuple[Head, int, int] | None = None

    @property
    def buffered(self) -> int:
        """How many received bytes are not consumed yet."""
        return len(self._buf) - self._pos

    @property
    def at_message_start(self) -> bool:
        """True between two responses (nothing of the next one consumed)."""
        return self._state == _S_HEAD

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the connection; b"" means the peer closed it."""
        if not data:
            self._eof = True
            return
        if self._pos:
            if self._pos == len(self._buf):
                self._buf.clear()
                self._scan -= self._pos
                self._pos = 0
            elif self._pos > 65536:
                del self._buf[: self._pos]
                self._scan -= self._pos
                self._pos = 0
        self._buf += data

    def next_event(self) -> Event:
        """The next event parsed from the bytes received so far."""
        state = self._state
        if state == _S_HEAD:
            return self._read_head()
        if state == _S_LENGTH:
            return self._read_length()
        if state == _S_CHUNK_SIZE or state == _S_CHUNK_DATA or state == _S_CHUNK_END:
            return self._read_chunked()
        if state == _S_TRAILERS:
            return self._read_trailers()
        if state == _S_UNTIL_CLOSE:
            return self._read_until_close()
        return CLOSED

    def read_response(self) -> tuple[Head, bytes | None] | _Sentinel:
        """The next response's Head, and its body when that is already buffered.

        A shortcut for the common case, called between two responses: a whole
        Content-Length response in the buffer is one call. When the body is not all
        there yet (or is chunked, or runs to the close), the second item is None and
        next_event() goes on with the body. NEED_DATA, CLOSED and ProtocolError as
        next_event() would give them.
        """
        head = self._read_head()
        if type(head) is not Head:
            return head  # type: ignore[return-value]
        remaining = self._remaining
        if self._state == _S_LENGTH and len(self._buf) - self._pos >= remaining:
            start = self._pos
            self._pos = start + remaining
            self._total = remaining
            self._remaining = 0
            self._state = _S_HEAD
            return head, _take(self._buf, start, start + remaining)
        return head, None

    def whole(self, data: bytes) -> tuple[Head, bytes] | None:
        """The response in `data` when it is the whole of one plain response, else None.

        The fast path of the runtime's every exchange, tried on the first bytes read
        after a request while nothing else is buffered: a status line and field names
        the careful parser has accepted before, no CR, LF or NUL but the line ends,
        each field once, one Content-Length and exactly that many body bytes, kept
        alive. Anything else is None, with nothing consumed: the caller then hands
        `data` to `receive_data` and the careful parser decides. Where `data` is such
        a response but for the rest of its body, still to come, `started` tells the
        caller (who may read that rest straight from the connection instead).
        """
        if self._state != _S_HEAD or self._pos != len(self._buf):
            return None
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return None
        text = data[:end].decode("utf-8", "surrogateescape")
        lines = text.split("\r\n")
        status = _STATUS_LINES.get(lines[0])
        if status is None:
            return None
        joined = "".join(lines)
        if "\r" in joined or "\n" in joined or "\x00" in joined:
            return None  # obs-fold, bare CR or LF, NUL: the careful parser's cases
        del lines[0]
        fields: dict[str | None, str] = {}
        name_of = _TEXT_NAMES.get
        try:
            for line in lines:
                raw, value = line.split(":", 1)  # ValueError without a colon
                fields[name_of(raw)] = value.strip(" \t")
        except ValueError:
            return None
        if None in fields or len(fields) != len(lines):
            return None  # a name not seen before, or one seen twice
        length = fields.get("content-length")
        if (
            length is None
            or "transfer-encoding" in fields
            or "connection" in fields
            or not (length.isdigit() and length.isascii())
            or len(length) > MAX_LENGTH_DIGITS
        ):
            return None
        size = int(length)
        head = _new_head(Head)  # (no __init__: a Python call less for every event)
        head.status, head.reason = status
        head.headers = fields  # type: ignore[assignment]  # (no None key: checked above)
        head.keep_alive = True
        if len(data) == end + 4 + size and size <= self._max_body:
            return head, data[end + 4 :]
        if len(data) < end + 4 + size and size <= self._max_body:
            self.started = head, end + 4, size
        return None  # too big (refused by the careful parser), more than one, or partial

    def direct_body(self) -> tuple[bytes, int] | None:
        """Hand a Content-Length body still in progress over to the caller.

        Returns the part of it buffered so far and how many bytes are still to come,
        and counts the whole body as read: the caller receives the rest straight into
        a buffer of its own (no copy through this reader). None when no such body is
        in progress (chunked, delimited by the close, or complete).
        """
        if self._state != _S_LENGTH or self._remaining == 0:
            return None
        start = self._pos
        part = _take(self._buf, start, len(self._buf))
        self._pos = len(self._buf)
        still = self._remaining - len(part)
        self._total += self._remaining
        self._remaining = 0
        self._state = _S_HEAD
        return part, still

    # -- head ------------------------------------------------------------------------
    def _read_head(self) -> Event:
        while True:
            buf = self._buf
            end = buf.find(b"\r\n\r\n", max(self._scan, self._pos))
            if end < 0:
                return self._need_head()
            if end - self._pos > MAX_HEAD_SIZE:
                raise ProtocolError(
                    f"Expected a response head of at most {MAX_HEAD_SIZE} bytes, got {end - self._pos}"
                )
            head = bytes(buf[self._pos : end])
            self._pos = end + 4
            self._scan = self._pos
            # (the repeated 202 never gets here: the connection recognises its bytes)
            event = self._parse_head(head)
            if event is not None:
                return event
            # a 1xx interim response (RFC 9110 15.2): skip it and read the real one

    def _need_head(self) -> _Sentinel:
        pending = len(self._buf) - self._pos
        if pending > MAX_HEAD_SIZE:
            raise ProtocolError(
                f"Expected a response head of at most {MAX_HEAD_SIZE} bytes, got {pending} without an end"
            )
        self._scan = max(self._pos, len(self._buf) - 3)
        if self._eof:
            if pending:
                raise ProtocolError(
                    f"Connection closed inside a response head after {pending} bytes: {_cut(self._buf[self._pos :])}"
                )
            self._state = _S_EOF
            return CLOSED
        return NEED_DATA

    def _parse_head(self, head: bytes) -> Head | None:
        lines = head.split(b"\r\n")
        status_line = _STATUS_LINE.fullmatch(lines[0])
        if status_line is None:
            raise ProtocolError(
                f"Expected a status line 'HTTP/1.1 NNN reason', got {_cut(lines[0])}"
            )
        version, code, reason = status_line.groups()
        status = int(code)
        if (
            version == b"1"
            and status >= 200
            and status != 204
            and status != 304
            and len(_STATUS_LINES) < _STATUS_LINES_SIZE
        ):
            _STATUS_LINES[lines[0].decode("utf-8", "surrogateescape")] = (status, reason or b"")
        headers = _parse_fields(lines[1:], _clean_lines(head, lines))
        length = headers.get("content-length")
        if (
            length is not None
            and version == b"1"
            and "transfer-encoding" not in headers
            and "connection" not in headers
            and status >= 200
            and status != 204
            and status != 304
        ):
            # the common case, framed by one Content-Length and kept alive
            self._state, self._remaining, self._total = (
                _S_LENGTH,
                _content_length(length, self._max_body),
                0,
            )
            return Head(status, reason or b"", headers, True)
        if 100 <= status < 200:
            if status == 101:
                raise ProtocolError(
                    "Expected a response, got 101 Switching Protocols to a request that asked for none"
                )
            return None
        keep_alive = _keep_alive(version, headers.get("connection"))
        self._set_framing(status, headers)
        if self._state == _S_UNTIL_CLOSE or (version == b"0" and "transfer-encoding" in headers):
            keep_alive = False  # RFC 9112 6.1: chunked in HTTP/1.0 is faulty framing; close after
        return Head(status, reason or b"", headers, keep_alive)

    def _set_framing(self, status: int, headers: dict[str, str]) -> None:
        # RFC 9112 6.3: how the body of a response is delimited
        self._total = 0
        if status == 204 or status == 304:
            self._state, self._remaining = _S_LENGTH, 0
            return
        te = headers.get("transfer-encoding")
        cl = headers.get("content-length")
        if te is not None:
            if cl is not None:
                raise ProtocolError(
                    "Expected one body framing, got both Transfer-Encoding and Content-Length"
                )
            codings = [c.strip(" \t").lower() for c in te.split(",")]
            if codings != ["chunked"]:
                raise ProtocolError(f"Expected Transfer-Encoding 'chunked', got {te[:60]!r}")
            self._state = _S_CHUNK_SIZE
        elif cl is not None:
            self._state, self._remaining = _S_LENGTH, _content_length(cl, self._max_body)
        else:
            self._state = _S_UNTIL_CLOSE

    # -- Content-Length body -----------------------------------------------------------
    def _read_length(self) -> Event:
        remaining = self._remaining
        if remaining == 0:
            self._state = _S_HEAD
            return Done({})
        available = len(self._buf) - self._pos
        if available == 0:
            if self._eof:
                got = self._total
                raise ProtocolError(
                    f"Connection closed after {got} of {got + remaining} body bytes"
                )
            return NEED_DATA
        take = remaining if remaining < available else available
        start = self._pos
        data = _take(self._buf, start, start + take)
        self._pos = start + take
        self._remaining = remaining - take
        self._total += take
        return Data(data)

    # -- chunked body (RFC 9112 7.1) ---------------------------------------------------
    def _read_chunked(self) -> Event:
        if self._state == _S_CHUNK_SIZE:
            line = self._line(MAX_CHUNK_LINE, "chunk-size line")
            if line is None:
                return NEED_DATA
            match = _CHUNK_SIZE.fullmatch(line)
            if match is None:
                raise ProtocolError(
                    f"Expected a chunk size in hex (at most 16 digits), got {_cut(line)}"
                )
            size = int(match.group(1), 16)
            if size == 0:
                self._state = _S_TRAILERS
                return self._read_trailers()
            if self._total + size > self._max_body:
                raise ProtocolError(
                    f"Expected a body of at most {self._max_body} bytes, got a chunk of {size} after {self._total}"
                )
            self._state, self._remaining = _S_CHUNK_DATA, size
        if self._state == _S_CHUNK_DATA:
            available = len(self._buf) - self._pos
            if available == 0:
                return self._short("chunk data")
            take = min(self._remaining, available)
            start = self._pos
            self._pos = start + take
            self._remaining -= take
            self._total += take
            if self._remaining == 0:
                self._state = _S_CHUNK_END
            return Data(_take(self._buf, start, start + take))
        if len(self._buf) - self._pos < 2:
            return self._short("the CRLF after chunk data")
        if self._buf[self._pos : self._pos + 2] != b"\r\n":
            got = self._buf[self._pos : self._pos + 2]
            raise ProtocolError(
                f"Expected CRLF after {self._total} bytes of chunk data, got {_cut(got)}"
            )
        self._pos += 2
        self._state = _S_CHUNK_SIZE
        return self._read_chunked()

    def _read_trailers(self) -> Event:
        buf, pos = self._buf, self._pos
        if buf[pos : pos + 2] == b"\r\n":
            end, lines, clean = pos, [], True
        else:
            end = buf.find(b"\r\n\r\n", max(self._scan, pos))
            if end < 0:
                if len(buf) - pos > MAX_TRAILER_SIZE:
                    raise ProtocolError(
                        f"Expected a trailer section of at most {MAX_TRAILER_SIZE} bytes"
                    )
                self._scan = max(pos, len(buf) - 3)
                return self._short("the trailer section")
            if end - pos > MAX_TRAILER_SIZE:
                raise ProtocolError(
                    f"Expected a trailer section of at most {MAX_TRAILER_SIZE} bytes"
                )
            block = bytes(buf[pos:end])
            lines = block.split(b"\r\n")
            clean = _clean_lines(block, lines)
        trailers = _parse_fields(lines, clean)
        self._pos = (end + 2) if end == pos else (end + 4)
        self._scan = self._pos
        self._state = _S_HEAD
        return Done(trailers)

    def _line(self, limit: int, what: str) -> bytes | None:
        end = self._buf.find(b"\r\n", self._pos)
        if end < 0 or end - self._pos > limit:
            # a CR at the very end may be the first half of the CRLF: it is not line
            pending = len(self._buf) - self._pos - (self._buf[-1:] == b"\r")
            if pending > limit:
                raise ProtocolError(
                    f"Expected a {what} of at most {limit} bytes, got more without CRLF"
                )
            self._short(what)
            return None
        line = bytes(self._buf[self._pos : end])
        self._pos = end + 2
        return line

    def _short(self, what: str) -> _Sentinel:
        if self._eof:
            raise ProtocolError(f"Connection closed inside a chunked body, waiting for {what}")
        return NEED_DATA

    # -- body delimited by the end of the connection (RFC 9112 6.3 (8)) ---------------
    def _read_until_close(self) -> Event:
        available = len(self._buf) - self._pos
        if available:
            if self._total + available > self._max_body:
                raise ProtocolError(f"Expected a body of at most {self._max_body} bytes, got more")
            data = _take(self._buf, self._pos, len(self._buf))
            self._pos = len(self._buf)
            self._total += available
            return Data(data)
        if self._eof:
            self._state = _S_EOF
            return Done({})
        return NEED_DATA


def request_head(
    method: str,
    target: str,
    host: str,
    headers: list[tuple[str, str]] | tuple[()] = (),
    content_length: int | None = None,
    chunked: bool = False,
) -> bytes:
    """The bytes of a request line and header section (RFC 9112 3 and 5).

    Exactly one framing is written for a request with a body: Content-Length when
    `content_length` is given, Transfer-Encoding: chunked when `chunked` is true.
    Raises ValueError for a target or field that would change the request's meaning
    (CR, LF or NUL anywhere, a target that is not an absolute path).
    """
    if _TOKEN.fullmatch(method.encode("ascii", "replace")) is None:
        raise ValueError(f"Expected an HTTP method token, got {method!r}")
    if _TARGET.fullmatch(target) is None:
        raise ValueError(
            f"Expected a request target of visible ASCII starting with '/', got {target[:60]!r}"
        )
    if _HOST.fullmatch(host) is None:
        raise ValueError(f"Expected a Host of visible ASCII, got {host[:60]!r}")
    if content_length is not None and (type(content_length) is not int or content_length < 0):
        raise ValueError(f"Expected a non-negative int Content-Length, got {content_length!r}")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    for name, value in headers:
        if _TOKEN.fullmatch(name.encode("ascii", "replace")) is None:
            raise ValueError(f"Expected a header field name token, got {name!r}")
        if name.lower() in _OWN_FIELDS:
            raise ValueError(f"Expected no {name} among the headers: request_head writes it")
        if _VALUE_FORBIDDEN.search(value) is not None:
            raise ValueError(
                f"Expected a header value without CR, LF or NUL for {name}, got {value[:60]!r}"
            )
        lines.append(f"{name}: {value}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("utf-8")


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked request body; never call it with b"" (that ends the body)."""
    if not data:
        raise ValueError("Expected a non-empty chunk: a zero-size chunk ends the body")
    return b"%x\r\n%b\r\n" % (len(data), data)


def last_chunk(trailers: list[tuple[str, str]] | tuple[()] = ()) -> bytes:
    """The zero-size chunk that ends a chunked body, with its trailer fields."""
    out = [b"0\r\n"]
    for name, value in trailers:
        if _TOKEN.fullmatch(name.encode("ascii", "replace")) is None or _VALUE_FORBIDDEN.search(
            value
        ):
            raise ValueError(f"Expected a valid trailer field, got {name!r}: {value[:60]!r}")
        out.append(f"{name}: {value}\r\n".encode())
    out.append(b"\r\n")
    return b"".join(out)
