"""Coverage-guided fuzzing of the HTTP response reader (atheris / libFuzzer).

Every input is split into pieces at offsets taken from its first bytes and fed to a
ResponseReader, then EOF; the reader may produce events or raise ProtocolError,
nothing else. A second reader fed the same bytes whole must produce the same events
(or the same error), so a split can never change what a response means. The fast
path, `ResponseReader.whole`, must either decline the bytes or give exactly what the
careful parser gives for them.

    pip install -e '.[fuzz]'
    mkdir -p /tmp/fuzz-corpus
    python fuzz/fuzz_http.py -runs=1000000 -print_final_stats=1 /tmp/fuzz-corpus fuzz/corpus

(new inputs go to the first folder; fuzz/corpus holds the seeds)

Any other exception is a crash: libFuzzer saves the input as crash-<sha1>.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from minlambda._http import CLOSED, NEED_DATA, Data, Done, Head, ProtocolError, ResponseReader

MAX_EVENTS = 10_000


def parse(pieces: list[bytes]) -> list[object]:
    reader = ResponseReader(max_body=1 << 20)
    out: list[object] = []
    try:
        for piece in [*pieces, b""]:
            reader.receive_data(piece)
            while len(out) < MAX_EVENTS:
                event = reader.next_event()
                if event is NEED_DATA:
                    break
                if event is CLOSED:
                    out.append("CLOSED")
                    return out
                if type(event) is Head:
                    out.append(("head", event.status, event.headers, event.keep_alive))
                elif type(event) is Data:
                    if out and isinstance(out[-1], bytes):
                        out[-1] += event.data  # data boundaries depend on the split
                    else:
                        out.append(event.data)
                elif type(event) is Done:
                    out.append(("done", event.trailers))
    except ProtocolError:
        out.append("ProtocolError")
    return out


def one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    cuts = sorted({b % (len(data) - 1) + 1 for b in data[:2]})
    body = data[2:]
    pieces, start = [], 0
    for cut in cuts:
        cut = min(cut, len(body))
        pieces.append(body[start:cut])
        start = cut
    pieces.append(body[start:])
    split = parse([p for p in pieces if p])
    whole = parse([body] if body else [])
    if split != whole:
        raise AssertionError(f"a split changed the parse: {split!r} != {whole!r}")
    check_fast_path(body)


def check_fast_path(raw: bytes) -> None:
    careful = ResponseReader(max_body=1 << 20)
    careful.receive_data(raw)
    try:
        result = careful.read_response()
    except ProtocolError:
        result = None  # (the names it met before the error may be learned)
    fast = ResponseReader(max_body=1 << 20).whole(raw)
    if fast is None:
        return
    if not isinstance(result, tuple) or result[1] is None:
        raise AssertionError(f"whole() took {raw!r}, which the careful parser did not")
    got, want = fast[0], result[0]
    if (got.status, got.reason, got.headers, got.keep_alive, fast[1]) != (
        want.status, want.reason, want.headers, want.keep_alive, result[1]
    ) or careful.buffered:
        raise AssertionError(f"whole() and the careful parser differ on {raw!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
