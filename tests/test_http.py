"""Tests of the sans-I/O HTTP/1.1 client codec, minlambda._http.

Every response is fed to a fresh ResponseReader in several ways (whole, one byte at a
time, with the start of a next response behind it, in random pieces) and the events
are compared, as plain tuples, with what the bytes mean: ("head", status, reason,
headers, keep_alive), ("data", all body bytes) and ("done", trailers).
"""

from __future__ import annotations

import random
import re
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minlambda._http import (
    CLOSED,
    MAX_BODY_SIZE,
    MAX_CHUNK_LINE,
    MAX_HEAD_SIZE,
    MAX_TRAILER_SIZE,
    NEED_DATA,
    Data,
    Done,
    Head,
    ProtocolError,
    ResponseReader,
    chunk,
    last_chunk,
    request_head,
)

# -- helpers -------------------------------------------------------------------------


def head(status: int, reason: bytes, headers: dict[str, str], keep_alive: bool = True) -> tuple:
    return ("head", status, reason, headers, keep_alive)


def data(body: bytes) -> tuple:
    return ("data", body)


def done(trailers: dict[str, str] | None = None) -> tuple:
    return ("done", trailers or {})


def as_tuple(event: Any) -> tuple:
    if type(event) is Head:
        assert type(event.status) is int and type(event.reason) is bytes
        assert all(type(k) is str and type(v) is str for k, v in event.headers.items())
        assert type(event.keep_alive) is bool
        return head(event.status, event.reason, event.headers, event.keep_alive)
    if type(event) is Data:
        assert type(event.data) is bytes
        assert event.data, "a Data event must never be empty"
        return data(event.data)
    assert type(event) is Done, f"unexpected event {event!r}"
    return done(event.trailers)


def drain(reader: ResponseReader, out: list[tuple]) -> object:
    """next_event() until NEED_DATA or CLOSED, appending the other events to `out`."""
    for _ in range(100_000):
        event = reader.next_event()
        if event is NEED_DATA or event is CLOSED:
            return event
        out.append(as_tuple(event))
    raise AssertionError("the reader produced events without end")


def merged(events: list[tuple]) -> list[tuple]:
    """The events with adjacent Data joined: how a body is cut into Data is free."""
    out: list[tuple] = []
    for event in events:
        if event[0] == "data" and out and out[-1][0] == "data":
            out[-1] = data(out[-1][1] + event[1])
        else:
            out.append(event)
    return out


def feed(pieces: list[bytes], *, eof: bool = True, max_body: int = MAX_BODY_SIZE) -> list[tuple]:
    """Feed the pieces to a new reader, draining after each; then EOF and drain again."""
    reader = ResponseReader(max_body=max_body)
    events: list[tuple] = []
    for piece in pieces:
        assert piece, "an empty piece would mean EOF"
        reader.receive_data(piece)
        assert drain(reader, events) is NEED_DATA
    if eof:
        reader.receive_data(b"")
        # after EOF the reader can never need data again: it ends or it fails
        assert drain(reader, events) is CLOSED
        assert reader.next_event() is CLOSED
        assert reader.next_event() is CLOSED
    return merged(events)


def whole(raw: bytes) -> list[bytes]:
    return [raw] if raw else []


def bytewise(raw: bytes) -> list[bytes]:
    return [raw[i : i + 1] for i in range(len(raw))]


def pieces_of(raw: bytes, size: int) -> list[bytes]:
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def split_at(raw: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(raw)]
    return [raw[a:b] for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def outcome(pieces: list[bytes], max_body: int = MAX_BODY_SIZE) -> tuple:
    """("ok", events) or ("error", message); only ProtocolError may escape the reader."""
    try:
        return ("ok", feed(pieces, max_body=max_body))
    except ProtocolError as exc:
        message = str(exc)
        assert message.startswith(("Expected", "Connection closed")), message
        return ("error", message)


OK_HEAD = b"HTTP/1.1 200 OK\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
# the next response on the connection, for the "trailing bytes" runs
NEXT = b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\nX-Next: yes\r\n\r\nabc"
NEXT_EVENTS = [
    head(201, b"Created", {"content-length": "3", "x-next": "yes"}),
    data(b"abc"),
    done(),
]


# -- the table of valid responses ------------------------------------------------------


class Case(NamedTuple):
    raw: bytes
    events: list[tuple]
    until_close: bool = False  # no framing: the body ends at EOF


CASES: dict[str, Case] = {
    "content-length": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        [head(200, b"OK", {"content-length": "5"}), data(b"hello"), done()],
    ),
    "content-length-zero": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        [head(200, b"OK", {"content-length": "0"}), done()],
    ),
    "content-length-leading-zeros": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0003\r\n\r\nabc",
        [head(200, b"OK", {"content-length": "0003"}), data(b"abc"), done()],
    ),
    "content-length-19-digits": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0000000000000000002\r\n\r\nab",
        [head(200, b"OK", {"content-length": "0000000000000000002"}), data(b"ab"), done()],
    ),
    "content-length-repeated-equal": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc",
        [head(200, b"OK", {"content-length": "3, 3"}), data(b"abc"), done()],
    ),
    "content-length-list-equal": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3 ,3,\t3\r\n\r\nabc",
        [head(200, b"OK", {"content-length": "3 ,3,\t3"}), data(b"abc"), done()],
    ),
    "content-length-body-looks-like-a-head": Case(
        b"HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n\r\n\r\nHTTP/1.1 200 OK\r\n0\r\n\r\n\x00",
        [
            head(200, b"OK", {"content-length": "27"}),
            data(b"\r\n\r\nHTTP/1.1 200 OK\r\n0\r\n\r\n\x00"),
            done(),
        ],
    ),
    "chunked": Case(
        CHUNKED + b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n",
        [head(200, b"OK", {"transfer-encoding": "chunked"}), data(b"hello world"), done()],
    ),
    "chunked-odd-sizes": Case(
        CHUNKED + b"1\r\na\r\n3\r\nbcd\r\n11\r\n" + b"e" * 17 + b"\r\nf\r\n" + b"f" * 15 + b"\r\n0\r\n\r\n",
        [
            head(200, b"OK", {"transfer-encoding": "chunked"}),
            data(b"abcd" + b"e" * 17 + b"f" * 15),
            done(),
        ],
    ),
    "chunked-upper-hex-leading-zeros": Case(
        CHUNKED + b"00A\r\n0123456789\r\n1F\r\n" + b"x" * 31 + b"\r\n"
        b"0000000000000002\r\nyz\r\n000\r\n\r\n",
        [
            head(200, b"OK", {"transfer-encoding": "chunked"}),
            data(b"0123456789" + b"x" * 31 + b"yz"),
            done(),
        ],
    ),
    "chunked-data-contains-crlf": Case(
        CHUNKED + b"4\r\n\r\n\r\n\r\n5\r\n0\r\n\r\n\r\n0\r\n\r\n",
        [head(200, b"OK", {"transfer-encoding": "chunked"}), data(b"\r\n\r\n0\r\n\r\n"), done()],
    ),
    "chunked-extensions": Case(
        CHUNKED + b"5;ext=1\r\nhello\r\n"
        b'6;name="quoted value"\r\n world\r\n'
        b"1 ;spaced=ok\r\n!\r\n"
        b"1;flag;other=2\r\n?\r\n"
        b"2\t;tab\r\nok\r\n"
        b"3;\r\nend\r\n"
        b"3  \r\n...\r\n"
        b"0;last=yes\r\n\r\n",
        [
            head(200, b"OK", {"transfer-encoding": "chunked"}),
            data(b"hello world!?okend..."),
            done(),
        ],
    ),
    "chunked-empty-body": Case(
        CHUNKED + b"0\r\n\r\n",
        [head(200, b"OK", {"transfer-encoding": "chunked"}), done()],
    ),
    "chunked-trailers": Case(
        CHUNKED + b"3\r\nabc\r\n0\r\nX-Checksum: abc\r\nServer-Timing: a;dur=1\r\n"
        b"x-checksum:def\r\nX-Fold: one\r\n two\r\n\r\n",
        [
            head(200, b"OK", {"transfer-encoding": "chunked"}),
            data(b"abc"),
            done({"x-checksum": "abc, def", "server-timing": "a;dur=1", "x-fold": "one two"}),
        ],
    ),
    "chunked-coding-any-case": Case(
        b"HTTP/1.1 200 OK\r\nTRANSFER-ENCODING:  Chunked \r\n\r\n2\r\nhi\r\n0\r\n\r\n",
        [head(200, b"OK", {"transfer-encoding": "Chunked"}), data(b"hi"), done()],
    ),
    "204-no-body": Case(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
        [head(204, b"No Content", {"content-length": "7"}), done()],
    ),
    "204-transfer-encoding-ignored": Case(
        b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n",
        [head(204, b"No Content", {"transfer-encoding": "gzip"}), done()],
    ),
    "304-no-body": Case(
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\nETag: \"x\"\r\n\r\n",
        [head(304, b"Not Modified", {"content-length": "1234", "etag": '"x"'}), done()],
    ),
    "1xx-interim-skipped": Case(
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nContent-Length: 9\r\n\r\n"
        b"HTTP/1.1 102\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        [head(200, b"OK", {"content-length": "2"}), data(b"ok"), done()],
    ),
    "http10-closes-by-default": Case(
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        [head(200, b"OK", {"content-length": "2"}, keep_alive=False), data(b"ok"), done()],
    ),
    "http10-keep-alive": Case(
        b"HTTP/1.0 200 OK\r\nConnection: Upgrade, Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
        [
            head(200, b"OK", {"connection": "Upgrade, Keep-Alive", "content-length": "2"}),
            data(b"ok"),
            done(),
        ],
    ),
    "http10-keep-alive-and-close": Case(
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
        [head(200, b"OK", {"connection": "keep-alive", "content-length": "0"}), done()],
    ),
    "http11-connection-close": Case(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        [
            head(200, b"OK", {"connection": "close", "content-length": "2"}, keep_alive=False),
            data(b"ok"),
            done(),
        ],
    ),
    "http11-connection-close-in-list": Case(
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nconnection: Upgrade ,\tCLOSE\r\n"
        b"Content-Length: 0\r\n\r\n",
        [
            head(
                200,
                b"OK",
                {"connection": "keep-alive, Upgrade ,\tCLOSE", "content-length": "0"},
                keep_alive=False,
            ),
            done(),
        ],
    ),
    "http11-connection-closed-is-not-close": Case(
        b"HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n",
        [head(200, b"OK", {"connection": "closed", "content-length": "0"}), done()],
    ),
    "header-names-any-case": Case(
        b"HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nX-MiXeD-CaSe: Value Keeps Case\r\n"
        b"lambda-runtime-aws-request-id: 8476a536\r\n\r\nok",
        [
            head(
                200,
                b"OK",
                {
                    "content-length": "2",
                    "x-mixed-case": "Value Keeps Case",
                    "lambda-runtime-aws-request-id": "8476a536",
                },
            ),
            data(b"ok"),
            done(),
        ],
    ),
    "repeated-headers-joined": Case(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX: 1\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\n"
        b"Content-Length: 0\r\n\r\n",
        [
            head(200, b"OK", {"set-cookie": "a=1, b=2, c=3", "x": "1", "content-length": "0"}),
            done(),
        ],
    ),
    "obs-fold-joined-with-one-space": Case(
        b"HTTP/1.1 200 OK\r\nX-Long: first\r\n   second \r\n\t third\r\n"
        b"X-Empty-Fold: v\r\n \r\nA: 1\r\nA: 2\r\n 3\r\nContent-Length: 0\r\n\r\n",
        [
            head(
                200,
                b"OK",
                {
                    "x-long": "first second third",
                    "x-empty-fold": "v",
                    "a": "1, 2 3",
                    "content-length": "0",
                },
            ),
            done(),
        ],
    ),
    "ctl-in-values-become-spaces": Case(
        b"HTTP/1.1 200 OK\r\nX-Ctl: a\rb\x00c\nd\r\nX-Fold: x\r\n y\x00z\r\n"
        b"Content-Length: 0\r\n\r\n",
        [
            head(200, b"OK", {"x-ctl": "a b c d", "x-fold": "x y z", "content-length": "0"}),
            done(),
        ],
    ),
    "values-trimmed-empty-and-opaque": Case(
        b"HTTP/1.1 200 OK\r\nX-Pad: \t v a l \t \r\nX-Empty:\r\nX-Blank:   \r\nX-Tight:v\r\n"
        b"Location: http://h:1/p?q=a:b\r\nX-Utf8: caf\xc3\xa9\r\nX-Raw: \xff\xfe\r\n"
        b"Content-Length: 0\r\n\r\n",
        [
            head(
                200,
                b"OK",
                {
                    "x-pad": "v a l",
                    "x-empty": "",
                    "x-blank": "",
                    "x-tight": "v",
                    "location": "http://h:1/p?q=a:b",
                    "x-utf8": "caf\xe9",
                    "x-raw": "\udcff\udcfe",
                    "content-length": "0",
                },
            ),
            done(),
        ],
    ),
    "token-punctuation-in-names": Case(
        b"HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09aZ: t\r\nContent-Length: 0\r\n\r\n",
        [head(200, b"OK", {"!#$%&'*+-.^_`|~09az": "t", "content-length": "0"}), done()],
    ),
    "reason-empty": Case(
        b"HTTP/1.1 202 \r\nContent-Length: 0\r\n\r\n",
        [head(202, b"", {"content-length": "0"}), done()],
    ),
    "reason-missing": Case(
        b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
        [head(200, b"", {"content-length": "0"}), done()],
    ),
    "reason-with-spaces-and-bytes": Case(
        b"HTTP/1.1 404 Not  Found\t here \xe2\x9c\x93\r\nContent-Length: 1\r\n\r\n?",
        [
            head(404, b"Not  Found\t here \xe2\x9c\x93", {"content-length": "1"}),
            data(b"?"),
            done(),
        ],
    ),
    "no-headers-at-all-status-500": Case(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail",
        [head(500, b"Internal Server Error", {"content-length": "4"}), data(b"fail"), done()],
    ),
    # close-delimited bodies: no framing, the body runs to EOF and the connection dies
    "close-delimited": Case(
        b"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody runs\r\n\r\nHTTP/1.1 200 OK\r\nto EOF",
        [
            head(200, b"OK", {"server": "x"}, keep_alive=False),
            data(b"body runs\r\n\r\nHTTP/1.1 200 OK\r\nto EOF"),
            done(),
        ],
        until_close=True,
    ),
    "close-delimited-empty": Case(
        b"HTTP/1.1 200 OK\r\n\r\n",
        [head(200, b"OK", {}, keep_alive=False), done()],
        until_close=True,
    ),
    "close-delimited-http10-keep-alive-ignored": Case(
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nxyz",
        [head(200, b"OK", {"connection": "keep-alive"}, keep_alive=False), data(b"xyz"), done()],
        until_close=True,
    ),
    "close-delimited-after-interim": Case(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n\x00\xff",
        [head(200, b"OK", {}, keep_alive=False), data(b"\x00\xff"), done()],
        until_close=True,
    ),
}

FRAMED = [name for name, case in CASES.items() if not case.until_close]
UNTIL_CLOSE = [name for name, case in CASES.items() if case.until_close]


@pytest.mark.parametrize("name", FRAMED + UNTIL_CLOSE)
def test_response_whole(name):
    case = CASES[name]
    assert feed(whole(case.raw)) == case.events


@pytest.mark.parametrize("name", FRAMED + UNTIL_CLOSE)
def test_response_byte_by_byte(name):
    case = CASES[name]
    assert feed(bytewise(case.raw)) == case.events


@pytest.mark.parametrize("name", FRAMED)
def test_framed_response_ends_before_eof(name):
    # a framed response is Done as soon as its last byte is in, without waiting for EOF
    case = CASES[name]
    assert feed(whole(case.raw), eof=False) == case.events
    assert feed(bytewise(case.raw), eof=False) == case.events


@pytest.mark.parametrize("split", ["whole", "bytes"])
@pytest.mark.parametrize("name", FRAMED)
def test_response_with_trailing_bytes(name, split):
    case = CASES[name]
    first, rest = NEXT[:20], NEXT[20:]
    reader = ResponseReader()
    events: list[tuple] = []
    for piece in whole(case.raw + first) if split == "whole" else bytewise(case.raw + first):
        reader.receive_data(piece)
        assert drain(reader, events) is NEED_DATA
    assert merged(events) == case.events
    # the start of the next response stays buffered, untouched
    assert reader.buffered == len(first)
    assert reader.at_message_start
    events.clear()
    reader.receive_data(rest)
    assert drain(reader, events) is NEED_DATA
    assert merged(events) == NEXT_EVENTS
    assert reader.buffered == 0
    reader.receive_data(b"")
    assert reader.next_event() is CLOSED


@pytest.mark.parametrize("name", UNTIL_CLOSE)
def test_close_delimited_body_swallows_what_follows(name):
    case = CASES[name]
    body = case.events[1][1] if case.events[1][0] == "data" else b""
    assert feed(whole(case.raw + NEXT)) == [case.events[0], data(body + NEXT), done()]


@pytest.mark.parametrize("name", UNTIL_CLOSE)
def test_close_delimited_body_needs_eof(name):
    case = CASES[name]
    events = feed(whole(case.raw), eof=False)
    assert events == case.events[:-1]  # everything but Done
    assert ("done", {}) not in feed(bytewise(case.raw), eof=False)


def test_pipelined_responses_in_one_read():
    raw = b"".join(CASES[name].raw for name in FRAMED)
    expected = [event for name in FRAMED for event in CASES[name].events]
    assert feed(whole(raw)) == expected
    assert feed(pieces_of(raw, 7)) == expected


def test_data_is_handed_out_as_it_arrives():
    reader = ResponseReader()
    reader.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert as_tuple(reader.next_event())[0] == "head"
    assert as_tuple(reader.next_event()) == data(b"abc")
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"defghijXYZ")
    assert as_tuple(reader.next_event()) == data(b"defghij")
    assert as_tuple(reader.next_event()) == done()
    assert reader.buffered == 3
    assert reader.next_event() is NEED_DATA


def test_chunked_data_is_handed_out_as_it_arrives():
    reader = ResponseReader()
    reader.receive_data(CHUNKED + b"a\r\n01234")
    assert as_tuple(reader.next_event())[0] == "head"
    assert as_tuple(reader.next_event()) == data(b"01234")
    assert reader.next_event() is NEED_DATA
    assert not reader.at_message_start
    reader.receive_data(b"56789\r")
    assert as_tuple(reader.next_event()) == data(b"56789")
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"\n0\r\n")
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"\r\n")
    assert as_tuple(reader.next_event()) == done()
    assert reader.at_message_start


# -- end of file ----------------------------------------------------------------------


def test_clean_eof_before_any_response_is_closed():
    reader = ResponseReader()
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"")
    assert reader.next_event() is CLOSED
    # the connection is gone: no next message can start on it
    assert not reader.at_message_start
    assert reader.next_event() is CLOSED
    assert reader.next_event() is CLOSED


@pytest.mark.parametrize("name", FRAMED)
def test_clean_eof_between_messages_keeps_yielding_closed(name):
    reader = ResponseReader()
    reader.receive_data(CASES[name].raw)
    events: list[tuple] = []
    assert drain(reader, events) is NEED_DATA
    assert merged(events) == CASES[name].events
    reader.receive_data(b"")
    for _ in range(3):
        assert reader.next_event() is CLOSED


def test_eof_arriving_with_the_last_bytes():
    reader = ResponseReader()
    reader.receive_data(CASES["chunked-trailers"].raw)
    reader.receive_data(b"")
    events: list[tuple] = []
    assert drain(reader, events) is CLOSED
    assert merged(events) == CASES["chunked-trailers"].events


def test_close_delimited_done_at_eof():
    reader = ResponseReader()
    reader.receive_data(b"HTTP/1.1 200 OK\r\nServer: s\r\n\r\npart one ")
    assert as_tuple(reader.next_event()) == head(200, b"OK", {"server": "s"}, keep_alive=False)
    assert as_tuple(reader.next_event()) == data(b"part one ")
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"part two")
    assert as_tuple(reader.next_event()) == data(b"part two")
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"")
    assert as_tuple(reader.next_event()) == done()
    # the connection is gone: no next message can start on it
    assert not reader.at_message_start
    assert reader.next_event() is CLOSED
    assert reader.next_event() is CLOSED


def test_at_message_start():
    reader = ResponseReader()
    assert reader.at_message_start
    reader.receive_data(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    assert reader.at_message_start  # nothing consumed yet
    reader.next_event()
    assert not reader.at_message_start
    reader.receive_data(b"ok")
    reader.next_event()
    assert not reader.at_message_start
    assert type(reader.next_event()) is Done
    assert reader.at_message_start


# -- buffering -------------------------------------------------------------------------


def test_big_body_then_next_response_compacts_buffer():
    body = bytes(range(256)) * 300  # 76,800 bytes: more than the 64 KiB compaction mark
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    reader = ResponseReader()
    reader.receive_data(raw + NEXT[:5])
    events: list[tuple] = []
    assert drain(reader, events) is NEED_DATA
    assert merged(events) == [head(200, b"OK", {"content-length": str(len(body))}), data(body), done()]
    assert reader.buffered == 5
    reader.receive_data(NEXT[5:30])
    assert reader.buffered == 30
    events.clear()
    assert drain(reader, events) is NEED_DATA
    reader.receive_data(NEXT[30:])
    assert drain(reader, events) is NEED_DATA
    assert merged(events) == NEXT_EVENTS
    assert reader.buffered == 0


def test_big_chunked_body_in_pieces():
    body = random.Random(7).randbytes(100_000)
    raw = CHUNKED + b"".join(chunk(body[i : i + 9_999]) for i in range(0, len(body), 9_999))
    raw += last_chunk([("X-End", "1")]) + NEXT
    expected = [
        head(200, b"OK", {"transfer-encoding": "chunked"}),
        data(body),
        done({"x-end": "1"}),
        *NEXT_EVENTS,
    ]
    assert feed(pieces_of(raw, 4_093)) == expected
    assert feed(pieces_of(raw, 70_001)) == expected
    assert feed(whole(raw)) == expected


def test_head_split_around_its_blank_line():
    raw = CASES["content-length"].raw
    end = raw.index(b"\r\n\r\n")
    for cut in range(end - 2, end + 6):
        for cut2 in range(cut + 1, end + 6):
            assert feed(split_at(raw, [cut, cut2])) == CASES["content-length"].events


def test_many_distinct_header_names():
    # more names than the name cache holds: parsing must not depend on the cache
    names = [f"X-Fill-{i:04d}-{'AbC'[i % 3]}" for i in range(700)]
    raw = OK_HEAD + b"".join(f"{n}: {i}\r\n".encode() for i, n in enumerate(names))
    raw += b"Content-Length: 0\r\n\r\n"
    expected_headers = {n.lower(): str(i) for i, n in enumerate(names)}
    expected_headers["content-length"] = "0"
    for _ in range(2):
        assert feed(whole(raw)) == [head(200, b"OK", expected_headers), done()]


def test_head_of_exactly_max_size_in_any_split():
    prefix = OK_HEAD + b"Content-Length: 0\r\nX-Pad: "
    pad = b"p" * (MAX_HEAD_SIZE - len(prefix) - 4)
    raw = prefix + pad + b"\r\n\r\n"
    assert len(raw) == MAX_HEAD_SIZE
    expected = [head(200, b"OK", {"content-length": "0", "x-pad": pad.decode()}), done()]
    assert feed(whole(raw)) == expected
    # the last bytes one at a time: the limit must not bite while the end is arriving
    assert feed([raw[:-10], *bytewise(raw[-10:])]) == expected


def test_trailers_of_exactly_max_size_in_any_split():
    prefix = b"X-Pad: "
    pad = b"t" * (MAX_TRAILER_SIZE - len(prefix) - 4)
    trailers = prefix + pad + b"\r\n\r\n"
    assert len(trailers) == MAX_TRAILER_SIZE
    raw = CHUNKED + b"0\r\n" + trailers
    expected = [head(200, b"OK", {"transfer-encoding": "chunked"}), done({"x-pad": pad.decode()})]
    assert feed(whole(raw)) == expected
    assert feed([raw[:-10], *bytewise(raw[-10:])]) == expected


@pytest.mark.parametrize("length", [MAX_CHUNK_LINE - 1, MAX_CHUNK_LINE])
def test_chunk_size_line_at_the_limit_whole(length):
    line = b"1;" + b"e" * (length - 2)
    assert len(line) == length
    raw = CHUNKED + line + b"\r\na\r\n0\r\n\r\n"
    assert feed(whole(raw)) == [head(200, b"OK", {"transfer-encoding": "chunked"}), data(b"a"), done()]


def test_chunk_size_line_one_under_the_limit_with_split_crlf():
    line = b"1;" + b"e" * (MAX_CHUNK_LINE - 3)
    raw = CHUNKED + line + b"\r\na\r\n0\r\n\r\n"
    cut = len(CHUNKED) + len(line) + 1  # between the CR and the LF
    expected = [head(200, b"OK", {"transfer-encoding": "chunked"}), data(b"a"), done()]
    assert feed(split_at(raw, [cut])) == expected


def test_chunk_size_line_at_the_limit_with_split_crlf():
    line = b"1;" + b"e" * (MAX_CHUNK_LINE - 2)
    raw = CHUNKED + line + b"\r\na\r\n0\r\n\r\n"
    cut = len(CHUNKED) + len(line) + 1  # between the CR and the LF
    expected = [head(200, b"OK", {"transfer-encoding": "chunked"}), data(b"a"), done()]
    assert feed(split_at(raw, [cut])) == expected


def test_head_over_max_size_refused_even_when_complete():
    raw = OK_HEAD + b"X-Big: " + b"b" * (2 * MAX_HEAD_SIZE) + b"\r\nContent-Length: 0\r\n\r\n"
    with pytest.raises(ProtocolError, match="response head of at most 65536 bytes"):
        feed(whole(raw))


def test_trailers_over_max_size_refused_even_when_complete():
    raw = CHUNKED + b"0\r\nX-Big: " + b"b" * (2 * MAX_TRAILER_SIZE) + b"\r\n\r\n"
    with pytest.raises(ProtocolError, match="trailer section of at most 65536 bytes"):
        feed(whole(raw))


def test_http10_with_transfer_encoding_does_not_keep_alive():
    raw = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    try:
        events = feed(whole(raw))
    except ProtocolError:
        return  # refusing the response outright is also acceptable
    assert events[0][4] is False


# -- the table of malformed responses ---------------------------------------------------


class Bad(NamedTuple):
    raw: bytes
    match: str
    eof: bool = False
    max_body: int = MAX_BODY_SIZE


STATUS = "Expected a status line 'HTTP/1.1 NNN reason', got "
NAME = "Expected a header field name, got "
LINE = "Expected 'name: value' in a header line, got "
DECIMAL = "Expected a decimal Content-Length, got "
TE = "Expected Transfer-Encoding 'chunked', got "
CHUNK_SIZE = re.escape("Expected a chunk size in hex (at most 16 digits), got ")
CHUNKED_EOF = "Connection closed inside a chunked body, waiting for "


def bad_cl(value: bytes) -> bytes:
    return OK_HEAD + b"Content-Length: " + value + b"\r\n\r\nbody"


def bad_te(value: bytes) -> bytes:
    return OK_HEAD + b"Transfer-Encoding: " + value + b"\r\n\r\n0\r\n\r\n"


BAD: dict[str, Bad] = {
    # status line
    "status-two-digits": Bad(b"HTTP/1.1 20 OK\r\n\r\n", STATUS + re.escape("b'HTTP/1.1 20 OK'")),
    "status-four-digits": Bad(b"HTTP/1.1 2000 OK\r\n\r\n", STATUS),
    "status-letters": Bad(b"HTTP/1.1 2x0 OK\r\n\r\n", STATUS),
    "status-no-space-before-reason": Bad(b"HTTP/1.1 200OK\r\n\r\n", STATUS),
    "status-two-spaces": Bad(b"HTTP/1.1  200 OK\r\n\r\n", STATUS),
    "status-leading-space": Bad(b" HTTP/1.1 200 OK\r\n\r\n", STATUS),
    "status-http2": Bad(b"HTTP/2 200 OK\r\n\r\n", STATUS),
    "status-http12": Bad(b"HTTP/1.2 200 OK\r\n\r\n", STATUS),
    "status-lower-case-name": Bad(b"http/1.1 200 OK\r\n\r\n", STATUS),
    "status-icy": Bad(b"ICY 200 OK\r\n\r\n", STATUS),
    "status-empty": Bad(b"\r\n\r\n", STATUS + re.escape("b''")),
    "status-leading-crlf": Bad(b"\r\nHTTP/1.1 200 OK\r\n\r\n", STATUS + re.escape("b''")),
    "status-bare-lf": Bad(b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", STATUS),
    "status-request-line": Bad(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", STATUS),
    "status-line-cut-at-60": Bad(
        b"X" * 100 + b"\r\n\r\n", STATUS + re.escape("b'" + "X" * 60 + "'...") + "$"
    ),
    # header lines
    "header-no-colon": Bad(OK_HEAD + b"NoColonHere\r\n\r\n", LINE + re.escape("b'NoColonHere'")),
    "header-empty-name": Bad(OK_HEAD + b": value\r\n\r\n", LINE),
    "header-space-before-colon": Bad(
        OK_HEAD + b"Content-Length : 0\r\n\r\n", NAME + re.escape("b'Content-Length '")
    ),
    "header-tab-before-colon": Bad(OK_HEAD + b"X\t: 0\r\n\r\n", NAME),
    "header-space-in-name": Bad(OK_HEAD + b"X Y: 0\r\n\r\n", NAME),
    "header-non-ascii-name": Bad(OK_HEAD + b"N\xc3\xa9: 0\r\n\r\n", NAME),
    "header-separator-in-name": Bad(OK_HEAD + b"X(y): 0\r\n\r\n", NAME),
    "header-nul-in-name": Bad(OK_HEAD + b"X\x00: 0\r\n\r\n", NAME),
    "obs-fold-first-header": Bad(
        OK_HEAD + b" folded: x\r\nContent-Length: 0\r\n\r\n",
        "Expected a header field, got a continuation line",
    ),
    "obs-fold-first-header-tab": Bad(
        OK_HEAD + b"\tx\r\n\r\n", "Expected a header field, got a continuation line"
    ),
    "obs-fold-in-interim-head": Bad(
        b"HTTP/1.1 100 Continue\r\n x\r\n\r\n",
        "Expected a header field, got a continuation line",
    ),
    # framing
    "te-and-cl": Bad(
        OK_HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
        "Expected one body framing, got both Transfer-Encoding and Content-Length",
    ),
    "cl-and-te": Bad(
        OK_HEAD + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "Expected one body framing",
    ),
    "cl-unequal": Bad(bad_cl(b"5, 6"), re.escape("Expected one Content-Length, got '5, 6'")),
    "cl-unequal-repeated": Bad(
        OK_HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
        re.escape("Expected one Content-Length, got '5, 6'"),
    ),
    "cl-empty-list-member": Bad(bad_cl(b"5,,5"), "Expected one Content-Length"),
    "cl-letters": Bad(bad_cl(b"abc"), DECIMAL + "'abc'"),
    "cl-negative": Bad(bad_cl(b"-5"), DECIMAL + "'-5'"),
    "cl-plus": Bad(bad_cl(b"+5"), DECIMAL + re.escape("'+5'")),
    "cl-decimal-point": Bad(bad_cl(b"5.0"), DECIMAL),
    "cl-hex": Bad(bad_cl(b"0x5"), DECIMAL),
    "cl-inner-space": Bad(bad_cl(b"5 5"), DECIMAL),
    "cl-empty": Bad(bad_cl(b""), DECIMAL + "''"),
    "cl-fullwidth-digit": Bad(bad_cl("\uff15".encode()), DECIMAL),
    "cl-arabic-indic-digit": Bad(bad_cl("\u0665".encode()), DECIMAL),
    "cl-superscript-digit": Bad(bad_cl("\u00b2".encode()), DECIMAL),
    "cl-latin1-byte": Bad(bad_cl(b"5\xb2"), DECIMAL),
    "cl-20-digits": Bad(bad_cl(b"1" * 20), DECIMAL + "'" + "1" * 20 + "'"),
    "cl-thousands-of-digits": Bad(bad_cl(b"9" * 5000), DECIMAL),
    "cl-over-max-body": Bad(
        bad_cl(b"11"),
        "Expected a body of at most 10 bytes, got Content-Length 11",
        max_body=10,
    ),
    "cl-19-digits-over-default-max": Bad(
        bad_cl(b"9" * 19),
        f"Expected a body of at most {MAX_BODY_SIZE} bytes, got Content-Length {'9' * 19}",
    ),
    "cl-one-over-default-max": Bad(
        bad_cl(b"%d" % (MAX_BODY_SIZE + 1)), "Expected a body of at most 67108864 bytes"
    ),
    "te-gzip-chunked": Bad(bad_te(b"gzip, chunked"), TE + "'gzip, chunked'"),
    "te-chunked-chunked": Bad(bad_te(b"chunked, chunked"), TE + "'chunked, chunked'"),
    "te-chunked-repeated": Bad(
        OK_HEAD + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        TE + "'chunked, chunked'",
    ),
    "te-chunked-gzip": Bad(bad_te(b"chunked, gzip"), TE),
    "te-gzip": Bad(bad_te(b"gzip"), TE + "'gzip'"),
    "te-identity": Bad(bad_te(b"identity"), TE),
    "te-with-parameter": Bad(bad_te(b"chunked;q=1"), TE),
    "te-trailing-comma": Bad(bad_te(b"chunked,"), TE),
    "te-empty": Bad(bad_te(b""), TE + "''"),
    "101-switching-protocols": Bad(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        "Expected a response, got 101 Switching Protocols",
    ),
    "101-after-100": Bad(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n",
        "got 101 Switching Protocols",
    ),
    "head-without-end": Bad(
        OK_HEAD + b"X: " + b"a" * MAX_HEAD_SIZE,
        r"Expected a response head of at most 65536 bytes, got \d+ without an end",
    ),
    # chunked bodies
    "chunk-size-2**64": Bad(
        CHUNKED + b"10000000000000000\r\n", CHUNK_SIZE + re.escape("b'10000000000000000'")
    ),
    "chunk-size-letters": Bad(CHUNKED + b"xyz\r\n", CHUNK_SIZE + re.escape("b'xyz'")),
    "chunk-size-empty": Bad(CHUNKED + b"\r\n", CHUNK_SIZE + re.escape("b''")),
    "chunk-size-leading-space": Bad(CHUNKED + b" 5\r\nhello\r\n0\r\n\r\n", CHUNK_SIZE),
    "chunk-size-junk-after": Bad(CHUNKED + b"5 x\r\nhello\r\n0\r\n\r\n", CHUNK_SIZE),
    "chunk-size-negative": Bad(CHUNKED + b"-5\r\n", CHUNK_SIZE),
    "chunk-size-0x": Bad(CHUNKED + b"0x5\r\n", CHUNK_SIZE),
    "chunk-size-nul-in-extension": Bad(CHUNKED + b"5;a\x00b\r\nhello\r\n", CHUNK_SIZE),
    "chunk-size-bare-cr": Bad(CHUNKED + b"5\rx\r\nhello\r\n", CHUNK_SIZE),
    "chunk-size-bare-lf-line-end": Bad(CHUNKED + b"5\nhello\r\n0\r\n\r\n", CHUNK_SIZE),
    "chunk-over-max-body": Bad(
        CHUNKED + b"5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n",
        "Expected a body of at most 10 bytes, got a chunk of 6 after 5",
        max_body=10,
    ),
    "chunk-of-2**64-1": Bad(
        CHUNKED + b"FFFFFFFFFFFFFFFF\r\n",
        f"Expected a body of at most {MAX_BODY_SIZE} bytes, got a chunk of {2**64 - 1} after 0",
    ),
    "chunk-without-crlf-after-data": Bad(
        CHUNKED + b"5\r\nhello!!\r\n",
        re.escape("Expected CRLF after 5 bytes of chunk data, got b'!!'"),
    ),
    "chunk-with-lf-after-data": Bad(
        CHUNKED + b"5\r\nhello\n0\r\n\r\n",
        re.escape("Expected CRLF after 5 bytes of chunk data, got b'\\n0'"),
    ),
    "chunk-data-longer-than-size": Bad(
        CHUNKED + b"3\r\nab\r\n\r\n0\r\n\r\n",
        re.escape("Expected CRLF after 3 bytes of chunk data, got b'\\n\\r'"),
    ),
    "chunk-size-line-too-long": Bad(
        CHUNKED + b"1;" + b"e" * MAX_CHUNK_LINE,
        "Expected a chunk-size line of at most 4096 bytes, got more without CRLF",
    ),
    "chunk-size-line-too-long-with-crlf": Bad(
        CHUNKED + b"1;" + b"e" * (MAX_CHUNK_LINE - 1) + b"\r\na\r\n0\r\n\r\n",
        "Expected a chunk-size line of at most 4096 bytes",
    ),
    "chunk-size-line-of-zeros-too-long": Bad(
        CHUNKED + b"0" * (MAX_CHUNK_LINE + 1), "chunk-size line of at most 4096 bytes"
    ),
    "trailers-too-large": Bad(
        CHUNKED + b"0\r\nX: " + b"a" * MAX_TRAILER_SIZE,
        "Expected a trailer section of at most 65536 bytes",
    ),
    "trailer-obs-fold-first": Bad(
        CHUNKED + b"0\r\n folded\r\n\r\n", "Expected a header field, got a continuation line"
    ),
    "trailer-no-colon": Bad(CHUNKED + b"0\r\nNoColon\r\n\r\n", LINE),
    "trailer-bad-name": Bad(CHUNKED + b"0\r\nX Y: 1\r\n\r\n", NAME),
    "trailer-next-response-without-blank-line": Bad(
        CHUNKED + b"0\r\nHTTP/1.1 200 OK\r\n\r\n", LINE
    ),
    # end of file in the middle of something
    "eof-in-head": Bad(
        b"HTTP/1.1 200 OK\r\nContent-Le",
        re.escape("Connection closed inside a response head after 27 bytes: b'HTTP/1.1 200 OK\\r\\nContent-Le'"),
        eof=True,
    ),
    "eof-after-one-byte": Bad(
        b"H", "Connection closed inside a response head after 1 bytes", eof=True
    ),
    "eof-before-blank-line-end": Bad(
        OK_HEAD + b"\r", "Connection closed inside a response head after 18 bytes", eof=True
    ),
    "eof-in-head-after-interim": Bad(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1",
        "Connection closed inside a response head after 8 bytes: b'HTTP/1.1'$",
        eof=True,
    ),
    "eof-in-content-length-body": Bad(
        bad_cl(b"10")[:-4] + b"abc",
        "Connection closed after 3 of 10 body bytes",
        eof=True,
    ),
    "eof-before-content-length-body": Bad(
        bad_cl(b"5")[:-4], "Connection closed after 0 of 5 body bytes", eof=True
    ),
    "eof-before-chunk-size": Bad(CHUNKED, CHUNKED_EOF + "chunk-size line", eof=True),
    "eof-in-chunk-size": Bad(CHUNKED + b"5;a=", CHUNKED_EOF + "chunk-size line", eof=True),
    "eof-in-second-chunk-size": Bad(
        CHUNKED + b"1\r\na\r\n1", CHUNKED_EOF + "chunk-size line", eof=True
    ),
    "eof-in-chunk-data": Bad(CHUNKED + b"5\r\nhel", CHUNKED_EOF + "chunk data$", eof=True),
    "eof-before-chunk-data": Bad(CHUNKED + b"5\r\n", CHUNKED_EOF + "chunk data$", eof=True),
    "eof-before-chunk-crlf": Bad(
        CHUNKED + b"5\r\nhello", CHUNKED_EOF + "the CRLF after chunk data", eof=True
    ),
    "eof-inside-chunk-crlf": Bad(
        CHUNKED + b"5\r\nhello\r", CHUNKED_EOF + "the CRLF after chunk data", eof=True
    ),
    "eof-before-trailers": Bad(CHUNKED + b"0\r\n", CHUNKED_EOF + "the trailer section", eof=True),
    "eof-in-final-crlf": Bad(CHUNKED + b"0\r\n\r", CHUNKED_EOF + "the trailer section", eof=True),
    "eof-in-trailers": Bad(
        CHUNKED + b"0\r\nX-Sum: 1\r\n", CHUNKED_EOF + "the trailer section", eof=True
    ),
    "close-delimited-over-max-body": Bad(
        OK_HEAD + b"\r\n" + b"x" * 11,
        "Expected a body of at most 10 bytes, got more",
        eof=True,
        max_body=10,
    ),
}


@pytest.mark.parametrize("split", ["whole", "bytes"])
@pytest.mark.parametrize("name", list(BAD))
def test_protocol_error(name, split):
    bad = BAD[name]
    if split == "whole":
        pieces = whole(bad.raw)
    elif len(bad.raw) > 5000:
        # byte by byte near the end only, to keep the run short
        pieces = [*pieces_of(bad.raw[:-300], 1009), *bytewise(bad.raw[-300:])]
    else:
        pieces = bytewise(bad.raw)
    with pytest.raises(ProtocolError, match=bad.match):
        feed(pieces, eof=bad.eof, max_body=bad.max_body)


@pytest.mark.parametrize(
    "name", ["eof-in-chunk-data", "eof-before-chunk-crlf", "eof-in-trailers", "eof-in-head"]
)
def test_truncation_without_eof_just_waits(name):
    bad = BAD[name]
    assert bad.eof
    reader = ResponseReader()
    reader.receive_data(bad.raw)
    events: list[tuple] = []
    assert drain(reader, events) is NEED_DATA
    assert drain(reader, events) is NEED_DATA


def test_limits_are_inclusive():
    assert feed(whole(bad_cl(b"4")), max_body=4) == [
        head(200, b"OK", {"content-length": "4"}),
        data(b"body"),
        done(),
    ]
    raw = CHUNKED + b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n"
    assert feed(bytewise(raw), max_body=10)[1] == data(b"helloworld")
    raw = OK_HEAD + b"\r\n" + b"x" * 10
    assert feed(bytewise(raw), max_body=10)[1] == data(b"x" * 10)
    raw = CHUNKED + b"0000000000000000\r\n\r\n"  # 16 digits are fine
    assert feed(whole(raw)) == [head(200, b"OK", {"transfer-encoding": "chunked"}), done()]


def test_head_limit_counts_pending_bytes_without_an_end():
    reader = ResponseReader()
    raw = OK_HEAD + b"X: " + b"a" * (MAX_HEAD_SIZE - len(OK_HEAD) - 3)
    assert len(raw) == MAX_HEAD_SIZE
    reader.receive_data(raw)
    assert reader.next_event() is NEED_DATA
    reader.receive_data(b"a")
    with pytest.raises(ProtocolError, match="at most 65536 bytes, got 65537 without an end"):
        reader.next_event()


# -- request_head, chunk, last_chunk ----------------------------------------------------


def test_request_head_get():
    got = request_head(
        "GET", "/2018-06-01/runtime/invocation/next", "127.0.0.1:9001", [("User-Agent", "ml/0.1")]
    )
    assert got == (
        b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
        b"Host: 127.0.0.1:9001\r\n"
        b"User-Agent: ml/0.1\r\n"
        b"\r\n"
    )


def test_request_head_minimal():
    assert request_head("GET", "/", "h") == b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"


def test_request_head_post_with_content_length():
    got = request_head(
        "POST",
        "/2018-06-01/runtime/invocation/abc/response",
        "localhost:9001",
        [("Content-Type", "application/json"), ("X-Empty", "")],
        content_length=13,
    )
    assert got == (
        b"POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n"
        b"Host: localhost:9001\r\n"
        b"Content-Type: application/json\r\n"
        b"X-Empty: \r\n"
        b"Content-Length: 13\r\n"
        b"\r\n"
    )


def test_request_head_post_with_empty_body():
    assert request_head("POST", "/e", "h", content_length=0) == (
        b"POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
    )


def test_request_head_chunked_post():
    got = request_head(
        "POST", "/r?x=1&y=%20", "h:1", [("Trailer", "X-Sum")], content_length=99, chunked=True
    )
    # chunked wins: exactly one framing, never both
    assert got == (
        b"POST /r?x=1&y=%20 HTTP/1.1\r\nHost: h:1\r\nTrailer: X-Sum\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    body = chunk(b"hello") + chunk(b"x" * 26) + last_chunk([("X-Sum", "abc")])
    assert body == b"5\r\nhello\r\n1a\r\n" + b"x" * 26 + b"\r\n0\r\nX-Sum: abc\r\n\r\n"


def test_request_head_non_ascii_value_is_utf8():
    got = request_head("GET", "/", "h", [("X-Name", "caf\xe9")])
    assert got == b"GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9\r\n\r\n"


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x00b", "v\r\nInjected: 1", "\n"])
def test_request_head_refuses_ctl_in_value(value):
    with pytest.raises(ValueError, match="Expected a header value without CR, LF or NUL for X-A"):
        request_head("GET", "/", "h", [("X-A", value)])


@pytest.mark.parametrize("host", ["h\r\nX: y", "h\x00", "h\n", "\r", "h a", "h\xe9", ""])
def test_request_head_refuses_a_host_that_is_not_visible_ascii(host):
    with pytest.raises(ValueError, match="Expected a Host of visible ASCII"):
        request_head("GET", "/", host)


@pytest.mark.parametrize("name", ["Host", "content-length", "Transfer-Encoding"])
def test_request_head_refuses_framing_or_host_among_the_headers(name):
    with pytest.raises(ValueError, match=f"Expected no {name} among the headers"):
        request_head("POST", "/", "h", [(name, "5")], content_length=5)


@pytest.mark.parametrize("length", [-1, True, 1.5, "5"])
def test_request_head_refuses_a_bad_content_length(length):
    with pytest.raises(ValueError, match="Expected a non-negative int Content-Length"):
        request_head("POST", "/", "h", content_length=length)


def test_leading_zeros_in_lengths_do_not_count_against_the_digit_limits():
    raw = OK_HEAD + b"Content-Length: " + b"0" * 30 + b"5\r\n\r\nhello"
    assert feed(whole(raw))[1:] == [data(b"hello"), done()]
    raw = CHUNKED + b"0" * 20 + b"1\r\nx\r\n0\r\n\r\n"
    assert feed(whole(raw))[1:] == [data(b"x"), done()]
    raw = OK_HEAD + b"Content-Length: " + b"0" * 6000 + b"\r\n\r\n"
    assert feed(whole(raw))[1:] == [done()]


@pytest.mark.parametrize("method", ["", "GE T", "GET\r\n", "G\xc9T", "GET/", "(GET)", "G\x00"])
def test_request_head_refuses_bad_method(method):
    with pytest.raises(ValueError, match="Expected an HTTP method token"):
        request_head(method, "/", "h")


@pytest.mark.parametrize(
    "target",
    ["", "x", "*", "http://h/", "/a b", "/a\tb", "/\xe9", "/a\r\nX: y", "/\x7f", "/\x00", "/\n"],
)
def test_request_head_refuses_bad_target(target):
    with pytest.raises(ValueError, match="Expected a request target of visible ASCII starting with '/'"):
        request_head("GET", target, "h")


@pytest.mark.parametrize("name", ["", "X Y", "X:", "X\r\n", "\xc9", "X\x00", "X\n"])
def test_request_head_refuses_bad_header_name(name):
    with pytest.raises(ValueError, match="Expected a header field name token"):
        request_head("GET", "/", "h", [("Ok", "1"), (name, "v")])


def test_chunk():
    assert chunk(b"a") == b"1\r\na\r\n"
    assert chunk(b"\r\n") == b"2\r\n\r\n\r\n"
    assert chunk(b"x" * 255) == b"ff\r\n" + b"x" * 255 + b"\r\n"
    assert chunk(bytes(4096)) == b"1000\r\n" + bytes(4096) + b"\r\n"


def test_empty_chunk_raises():
    with pytest.raises(ValueError, match="Expected a non-empty chunk"):
        chunk(b"")


def test_last_chunk():
    assert last_chunk() == b"0\r\n\r\n"
    assert last_chunk([]) == b"0\r\n\r\n"
    assert last_chunk([("X-A", "1"), ("X-B", "")]) == b"0\r\nX-A: 1\r\nX-B: \r\n\r\n"


@pytest.mark.parametrize(
    "trailer", [("X Y", "1"), ("", "v"), ("\xc9", "v"), ("X", "a\r\nb"), ("X", "\x00"), ("X", "\r")]
)
def test_last_chunk_refuses_bad_trailer(trailer):
    with pytest.raises(ValueError, match="Expected a valid trailer field"):
        last_chunk([("Ok", "1"), trailer])


def test_chunk_encoder_and_reader_agree():
    parts = [b"a", b"\r\n0\r\n\r\n", bytes(range(256)), b"z" * 4097]
    raw = CHUNKED + b"".join(chunk(p) for p in parts) + last_chunk([("X-Sum", "s"), ("Y", "t")])
    expected = [
        head(200, b"OK", {"transfer-encoding": "chunked"}),
        data(b"".join(parts)),
        done({"x-sum": "s", "y": "t"}),
    ]
    assert feed(whole(raw)) == expected
    assert feed(pieces_of(raw, 3)) == expected


def test_reprs():
    assert repr(NEED_DATA) == "NEED_DATA"
    assert repr(CLOSED) == "CLOSED"
    assert repr(Head(200, b"OK", {"a": "b"}, True)) == "Head(status=200, headers={'a': 'b'})"
    assert repr(Data(b"abc")) == "Data(b'abc')"
    assert repr(Data(b"x" * 61)) == "Data(b'" + "x" * 60 + "'...)"
    assert repr(Done({"t": "1"})) == "Done(trailers={'t': '1'})"


# -- property tests --------------------------------------------------------------------

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RESERVED = {"content-length", "transfer-encoding", "connection"}
VALUE_BYTES = bytes(range(0x21, 0x7F)) + b" \t" + bytes(range(0x80, 0x100))
REASON_BYTES = bytes(range(0x20, 0x7F)) + b"\t\x80\xff"
EXTENSIONS = [b"", b";a=1", b';n="q v"', b" ;s=ok", b";flag", b"\t;x;y=2", b";"]

names = st.text(TCHARS, min_size=1, max_size=10).filter(lambda n: n.lower() not in RESERVED)
values = st.binary(max_size=12).map(lambda b: bytes(VALUE_BYTES[x % len(VALUE_BYTES)] for x in b))
fields = st.lists(st.tuples(names, values), max_size=5)


def expected_fields(pairs: list[tuple[str, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        text = value.strip(b" \t").decode("utf-8", "surrogateescape")
        key = name.lower()
        out[key] = text if key not in out else f"{out[key]}, {text}"
    return out


def encode_fields(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"".join(name.encode() + b":" + b" " * (i % 2) + value + b"\r\n" for i, (name, value) in enumerate(pairs))


@st.composite
def responses(draw) -> tuple[bytes, list[tuple]]:
    """One valid response (maybe after interim ones) and the events it means."""
    raw = b""
    for _ in range(draw(st.integers(0, 2))):
        code = draw(st.sampled_from([100, 102, 103, 199]))
        raw += b"HTTP/1.1 %d Info\r\n" % code + encode_fields(draw(fields)) + b"\r\n"
    version = draw(st.sampled_from([b"1.1", b"1.0"]))
    status = draw(st.sampled_from([200, 201, 202, 204, 304, 400, 404, 500, 503, 599]))
    if draw(st.booleans()):
        reason = bytes(REASON_BYTES[x % len(REASON_BYTES)] for x in draw(st.binary(max_size=10)))
        status_line = b"HTTP/%s %d %s\r\n" % (version, status, reason)
    else:
        reason = b""
        status_line = b"HTTP/%s %d\r\n" % (version, status)
    pairs = draw(fields)
    connection = draw(st.sampled_from([None, "close", "keep-alive", "Keep-Alive", "upgrade, close"]))
    if connection is not None:
        pairs.insert(draw(st.integers(0, len(pairs))), ("Connection", connection.encode()))
    tokens = {t.strip().lower() for t in connection.split(",")} if connection else set()
    keep_alive = "close" not in tokens if version == b"1.1" else "keep-alive" in tokens
    parts = draw(st.lists(st.binary(min_size=1, max_size=40), max_size=4))
    body = b"".join(parts)
    # HTTP/1.0 gets Content-Length only (its chunked framing is a known bug, see above)
    chunked = version == b"1.1" and draw(st.booleans())
    framing_name = draw(st.sampled_from(["content-length", "Content-Length", "CONTENT-LENGTH"]))
    trailers: dict[str, str] = {}
    if status in (204, 304):
        body = b""
        if draw(st.booleans()):
            pairs.append((framing_name, b"%d" % draw(st.integers(0, 10**6))))
        tail = b""
    elif chunked:
        pairs.append(("Transfer-Encoding", draw(st.sampled_from([b"chunked", b"Chunked", b" chunked\t"]))))
        tail = b""
        for part in parts:
            size = b"%x" % len(part)
            if draw(st.booleans()):
                size = size.upper()
            size = b"0" * draw(st.integers(0, 16 - len(size))) + size
            tail += size + draw(st.sampled_from(EXTENSIONS)) + b"\r\n" + part + b"\r\n"
        tail += b"0" * draw(st.integers(1, 3)) + draw(st.sampled_from(EXTENSIONS)) + b"\r\n"
        trailer_pairs = draw(fields)
        tail += encode_fields(trailer_pairs) + b"\r\n"
        trailers = expected_fields(trailer_pairs)
    else:
        pairs.append((framing_name, b"%d" % len(body)))
        tail = body
    raw += status_line + encode_fields(pairs) + b"\r\n" + tail
    events = [head(status, reason, expected_fields(pairs), keep_alive)]
    if body:
        events.append(data(body))
    events.append(done(trailers))
    return raw, events


def cuts_for(draw_data: st.DataObject, raw: bytes) -> list[int]:
    return draw_data.draw(st.lists(st.integers(0, len(raw)), max_size=12), label="cuts")


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(responses(), min_size=1, max_size=3), st.data())
def test_any_split_of_valid_responses_parses_the_same(messages, draw_data):
    raw = b"".join(r for r, _ in messages)
    expected = [event for _, events in messages for event in events]
    assert feed(whole(raw)) == expected
    assert feed(split_at(raw, cuts_for(draw_data, raw))) == expected
    if len(raw) < 600:
        assert feed(bytewise(raw)) == expected


PREFIXES = [
    b"",
    b"HTTP/1.1 200 OK\r\n",
    CHUNKED,
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
]
FRAGMENTS = [
    b"\r\n", b"\r\n\r\n", b"\r", b"\n", b":", b": ", b" ", b"\t", b";", b",", b"\x00", b"0", b"5",
    b"a", b"F", b"HTTP/1.1 ", b"HTTP/1.0 ", b"200 OK", b"101", b"100", b"204", b"304",
    b"Content-Length: ", b"Transfer-Encoding: ", b"chunked", b"Connection: ", b"close",
    b"0\r\n\r\n", b"5\r\nhello\r\n", b"X-A: b", b"\xff", b"\xc3\xa9", b"10000000000000000",
]
garbage = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=6)), max_size=40
).map(b"".join)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.sampled_from(PREFIXES),
    garbage,
    st.sampled_from([4, 64, MAX_BODY_SIZE]),
    st.data(),
)
def test_arbitrary_bytes_only_raise_protocol_error(prefix, tail, max_body, draw_data):
    raw = prefix + tail
    whole_outcome = outcome(whole(raw), max_body)
    # how the bytes were cut into reads never changes what they mean
    assert outcome(split_at(raw, cuts_for(draw_data, raw)), max_body) == whole_outcome
    assert outcome(bytewise(raw), max_body) == whole_outcome


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=200), st.data())
def test_random_bytes_only_raise_protocol_error(raw, draw_data):
    whole_outcome = outcome(whole(raw))
    assert outcome(split_at(raw, cuts_for(draw_data, raw))) == whole_outcome


def mutate(rng: random.Random, raw: bytes) -> bytes:
    buf = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a byte
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:  # insert a fragment
            buf[at:at] = rng.choice(FRAGMENTS)
        elif op == 2:  # delete a slice
            del buf[at : at + rng.randint(1, 8)]
        elif op == 3:  # duplicate a slice
            buf[at:at] = buf[at : at + rng.randint(1, 20)]
        elif op == 4:  # truncate
            del buf[at:]
        else:  # insert random bytes
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 5)))
    return bytes(buf)


def test_seeded_random_garbage():
    samples = [case.raw for case in CASES.values()] + [bad.raw for bad in BAD.values() if len(bad.raw) < 500]
    for seed in range(400):
        rng = random.Random(seed)
        raw = mutate(rng, rng.choice(samples) + rng.choice([b"", NEXT]))
        max_body = rng.choice([4, 64, MAX_BODY_SIZE])
        cuts = [rng.randrange(len(raw) + 1) for _ in range(rng.randrange(8))]
        try:
            whole_outcome = outcome(whole(raw), max_body)
            split_outcome = outcome(split_at(raw, cuts), max_body)
        except Exception as exc:  # anything but ProtocolError is a bug
            raise AssertionError(f"seed {seed}: {raw!r} raised {exc!r}") from exc
        assert split_outcome == whole_outcome, f"seed {seed}: {raw!r} cut at {sorted(cuts)}"


# -- the fast path: ResponseReader.whole ---------------------------------------------------


def careful(raw: bytes, max_body: int = MAX_BODY_SIZE) -> tuple | None:
    """What the careful parser makes of `raw` as one read: (head, body) when it is one
    whole kept-alive response using exactly all of `raw`, else None. As a side effect
    it teaches the parser's caches the names and status line it accepted."""
    reader = ResponseReader(max_body=max_body)
    reader.receive_data(raw)
    try:
        result = reader.read_response()
    except ProtocolError:
        return None
    if not isinstance(result, tuple) or result[1] is None:
        return None
    response, body = result
    if not response.keep_alive or reader.buffered or not reader.at_message_start:
        return None
    return as_tuple(response), body


def fast(raw: bytes, max_body: int = MAX_BODY_SIZE) -> tuple | None:
    reader = ResponseReader(max_body=max_body)
    result = reader.whole(raw)
    if result is None:
        # nothing was consumed: the careful parser gets every byte
        assert reader.buffered == 0 and reader.at_message_start
        return None
    response, body = result
    assert type(body) is bytes
    return as_tuple(response), body


def assert_whole_agrees(raw: bytes, max_body: int = MAX_BODY_SIZE) -> tuple | None:
    """whole() either declines or gives exactly what the careful parser gives."""
    expected = careful(raw, max_body)
    got = fast(raw, max_body)
    if got is not None:
        assert got == expected, raw
    return got


@pytest.fixture(autouse=True)
def _fresh(request: pytest.FixtureRequest) -> None:
    if "whole" in request.node.name:
        request.getfixturevalue("fresh_http_caches")


NEXT_ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n"
    b"Lambda-Runtime-Deadline-Ms: 1542409706888\r\n"
    b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-2:123456789012:function:f\r\n"
    b"Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1\r\n"
    b"Content-Length: 17\r\n\r\n"
    b'{"hello":"world"}'
)


def test_whole_takes_a_plain_next_answer_the_careful_parser_accepted_before():
    got = assert_whole_agrees(NEXT_ANSWER)
    assert got is not None
    response, body = got
    assert body == b'{"hello":"world"}'
    assert response[1:3] == (200, b"OK")
    assert response[3]["lambda-runtime-aws-request-id"] == "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
    assert response[3]["content-length"] == "17"


def test_whole_declines_names_and_status_lines_never_parsed_carefully():
    name = f"X-Never-Seen-{random.randrange(10**12)}"
    raw = NEXT_ANSWER.replace(b"Content-Type:", name.encode() + b":")
    assert fast(raw) is None
    assert careful(raw) is not None  # ... which learns it
    assert assert_whole_agrees(raw) is not None
    status = f"HTTP/1.1 200 Fine{random.randrange(10**12)}".encode()
    raw = NEXT_ANSWER.replace(b"HTTP/1.1 200 OK", status)
    assert fast(raw) is None
    assert careful(raw) is not None
    assert assert_whole_agrees(raw) is not None


def test_whole_does_not_learn_what_the_careful_parser_refused():
    raw = NEXT_ANSWER.replace(b"Content-Type:", b"Bad Name:")
    assert careful(raw) is None
    assert fast(raw) is None
    raw = NEXT_ANSWER.replace(b"HTTP/1.1 200 OK", b"HTTP/1.1 099 Early")
    assert careful(raw) is None
    assert fast(raw) is None


DECLINED = {
    "bare LF in a value": NEXT_ANSWER.replace(b"application/json", b"application/\njson"),
    "bare CR in a value": NEXT_ANSWER.replace(b"application/json", b"application/\rjson"),
    "NUL in a value": NEXT_ANSWER.replace(b"application/json", b"application/\x00json"),
    "obs-fold": NEXT_ANSWER.replace(b"application/json", b"application/\r\n json"),
    "a field twice": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Type: x\r\nContent-Length: 17"),
    "Content-Length twice": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Length: 17\r\nContent-Length: 17"),
    "no colon": NEXT_ANSWER.replace(b"Content-Type: application/json", b"Content-Type"),
    "transfer-encoding": NEXT_ANSWER.replace(
        b"Content-Length: 17\r\n\r\n" + b'{"hello":"world"}',
        b"Transfer-Encoding: chunked\r\n\r\n11\r\n" + b'{"hello":"world"}' + b"\r\n0\r\n\r\n",
    ),
    "both framings": NEXT_ANSWER.replace(b"Content-Length: 17", b"Transfer-Encoding: chunked\r\nContent-Length: 17"),
    "connection close": NEXT_ANSWER.replace(b"Content-Length: 17", b"Connection: close\r\nContent-Length: 17"),
    "connection keep-alive": NEXT_ANSWER.replace(b"Content-Length: 17", b"Connection: keep-alive\r\nContent-Length: 17"),
    "HTTP/1.0": NEXT_ANSWER.replace(b"HTTP/1.1", b"HTTP/1.0"),
    "body short": NEXT_ANSWER[:-1],
    "body long": NEXT_ANSWER + b"x",
    "the next response behind": NEXT_ANSWER + NEXT,
    "no framing": NEXT_ANSWER.replace(b"Content-Length: 17\r\n", b""),
    "no blank line": NEXT_ANSWER.split(b"\r\n\r\n")[0] + b"\r\n",
    "sign": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Length: +17"),
    "underscore": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Length: 1_7"),
    "arabic digits": NEXT_ANSWER.replace(b"Content-Length: 17", "Content-Length: ١٧".encode()),
    "list": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Length: 17, 17"),
    "20 digits": NEXT_ANSWER.replace(b"Content-Length: 17", b"Content-Length: 00000000000000000017"),
    "204 with a length": NEXT_ANSWER.replace(b"200 OK", b"204 No Content"),
    "304 with a length": NEXT_ANSWER.replace(b"200 OK", b"304 Not Modified"),
    "interim response first": b"HTTP/1.1 100 Continue\r\n\r\n" + NEXT_ANSWER,
    "non-ASCII name": NEXT_ANSWER.replace(b"Content-Type:", "Contént-Type:".encode()),
}


@pytest.mark.parametrize("name", DECLINED)
def test_whole_declines_anything_but_the_plain_case(name):
    raw = DECLINED[name]
    careful(raw)  # whatever it learns from this answer, whole() still declines it
    assert fast(raw) is None, name


def test_whole_declines_a_body_over_the_limit():
    assert careful(NEXT_ANSWER, max_body=17) is not None
    assert fast(NEXT_ANSWER, max_body=17) is not None
    assert fast(NEXT_ANSWER, max_body=16) is None
    assert careful(NEXT_ANSWER, max_body=16) is None


def test_whole_keeps_what_the_careful_parser_keeps():
    # OWS around values, an empty value, non-ASCII value bytes, a reason with spaces
    raw = (
        b"HTTP/1.1 202 Accepted by us\r\nX-Empty:\r\nX-Tabs:\t a b \t\r\n"
        b"X-Bytes: caf\xc3\xa9 \xff\r\nContent-Length: 2\r\n\r\nok"
    )
    got = assert_whole_agrees(raw)
    assert got is not None
    assert got[0][3] == {
        "x-empty": "",
        "x-tabs": "a b",
        "x-bytes": "café \udcff",
        "content-length": "2",
    }
    assert got[0][2] == b"Accepted by us"


def test_whole_declines_while_a_response_is_in_progress():
    reader = ResponseReader()
    assert careful(NEXT_ANSWER) is not None
    reader.receive_data(NEXT_ANSWER[:50])
    assert reader.read_response() is NEED_DATA
    assert reader.whole(NEXT_ANSWER) is None


@settings(max_examples=300, deadline=None, database=None)
@given(responses())
def test_whole_agrees_with_the_careful_parser_on_valid_responses(message):
    raw, _ = message
    assert_whole_agrees(raw)


@settings(
    max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.sampled_from(PREFIXES), garbage, st.sampled_from([4, 64, MAX_BODY_SIZE]))
def test_whole_agrees_with_the_careful_parser_on_garbage(prefix, tail, max_body):
    assert_whole_agrees(prefix + tail, max_body)


def tweak(rng: random.Random, raw: bytes) -> bytes:
    """`raw` with a few bytes of its head replaced by ones that often keep it valid."""
    buf = bytearray(raw)
    end = raw.find(b"\r\n\r\n")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(max(end, 1))
        buf[at : at + 1] = bytes([rng.choice(b"aZ09 :\t-,;\xc3\xa9\xff")])
    return bytes(buf)


def test_whole_agrees_with_the_careful_parser_on_mutated_answers():
    samples = [NEXT_ANSWER, *DECLINED.values()] + [case.raw for case in CASES.values()]
    taken = 0
    for seed in range(2000):
        rng = random.Random(seed)
        sample = NEXT_ANSWER if seed % 3 == 0 else rng.choice(samples)
        raw = mutate(rng, sample) if seed % 2 else tweak(rng, sample)
        if assert_whole_agrees(raw) is not None:
            taken += 1
    assert taken > 200  # enough mutants stay plain answers for this to mean something


def test_whole_tells_a_plain_head_whose_body_has_only_started():
    """whole() declines the head and the first bytes of a large body, and says where
    that body starts and how big it is, so the caller can read the rest itself; a
    body over the limit, or more bytes than one answer, say nothing."""
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123"
    assert careful(raw + b"456789") is not None  # (teaches the names)
    reader = ResponseReader()
    assert reader.whole(raw) is None
    assert reader.started is not None
    head, start, size = reader.started
    assert (head.status, head.headers, start, size) == (200, {"content-length": "10"}, len(raw) - 4, 10)
    assert reader.buffered == 0 and reader.at_message_start
    for other in (ResponseReader(max_body=5), ResponseReader()):
        assert other.whole(raw if other._max_body == 5 else raw + b"456789" + b"extra") is None
        assert other.started is None
