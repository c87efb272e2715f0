# Response streaming: what a streaming handler may return, turned into chunks.
#
# A handler declared with @lambda_handler(stream=True) returns (or is) an iterator or
# async iterator of bytes/str, or a StreamingResponse whose body is one. `chunks()`
# turns any of these into one pull function the loop calls for the next chunk; it
# raises StopIteration at the end, and whatever the handler's code raises. The HTTP
# side (chunked POST, mode header, trailers) belongs to _runtime_api and _transport.
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any, Final

import msgspec

__all__ = ["HTTP_INTEGRATION", "StreamingResponse", "chunks"]

HTTP_INTEGRATION: Final = "application/vnd.awslambda.http-integration-response"
# Function URLs and API Gateway read the JSON prelude up to this delimiter
PRELUDE_DELIMITER: Final = b"\x00" * 8

_encode = msgspec.json.Encoder().encode


class StreamingResponse:
    """A streamed HTTP response for a Lambda Function URL or API Gateway.

    Returned from a ``@lambda_handler(stream=True)`` handler, it is sent as the
    HTTP-integration prelude (a JSON object with the status code, headers and
    cookies, then 8 NUL bytes) followed by `body`, chunk by chunk.

    Parameters
    ----------
    status_code : int
        The HTTP status code (default 200).
    headers : dict[str, str], optional
        Response headers.
    cookies : list[str], optional
        ``Set-Cookie`` values.
    body : bytes, str, iterator or async iterator of bytes/str
        The body; str is sent as UTF-8.
    """

    __slots__ = ("status_code", "headers", "cookies", "body")

    def __init__(
        self,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        cookies: list[str] | None = None,
        body: bytes | str | Iterable[bytes | str] | AsyncIterator[bytes | str] = b"",
    ) -> None:
        self.status_code = status_code
        self.headers = headers if headers is not None else {}
        self.cookies = cookies if cookies is not None else []
        self.body = body

    def prelude(self) -> bytes:
        """The JSON prelude and its 8-NUL delimiter (JSON never holds a raw NUL)."""
        prelude = {"statusCode": self.status_code, "headers": self.headers, "cookies": self.cookies}
        return _encode(prelude) + PRELUDE_DELIMITER

    def __repr__(self) -> str:
        return f"StreamingResponse(status_code={self.status_code!r}, headers={self.headers!r})"


def chunks(source: Any, run: Callable[[Any], Any]) -> Callable[[], bytes]:
    """A function returning the next chunk of `source` as bytes (raising StopIteration
    at the end). `run` runs a coroutine to completion (for async iterators)."""
    if isinstance(source, (bytes, bytearray, memoryview, str)):
        return iter((_as_bytes(source),)).__next__
    if hasattr(source, "__anext__") or hasattr(source, "__aiter__"):
        iterator = source.__aiter__() if hasattr(source, "__aiter__") else source

        def next_async() -> bytes:
            try:
                return _as_bytes(run(iterator.__anext__()))
            except StopAsyncIteration:
                raise StopIteration from None

        return next_async
    if isinstance(source, Iterator) or hasattr(source, "__iter__"):
        iterator = iter(source)
        return lambda: _as_bytes(next(iterator))
    raise TypeError(
        f"A streaming handler returns bytes, str, an iterator, an async iterator or a "
        f"StreamingResponse, not {type(source).__name__}"
    )


def _as_bytes(chunk: Any) -> bytes:
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"A stream chunk must be bytes or str, not {type(chunk).__name__}")
