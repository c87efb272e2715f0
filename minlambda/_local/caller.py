# The caller's side of the local emulator: one invocation through the invoke endpoint,
# or one HTTP request in --http mode.
#
# `invoke()` is what minlambda.testing's Emulator.invoke and LocalRuntime.invoke do:
# POST the event to /2015-03-31/functions/function/invocations and read the whole
# answer, streamed ones included. `http()` is their .http(): one request the way a
# browser or curl sends it to `local --http`. Both use the standard library's
# http.client, not the runtime's own codec (the rule of this package). http.client
# drops the trailer fields of a chunked body, and a streamed invocation reports its
# error there, so a chunked answer is read here from the response's buffered file
# (`_read_chunked`): a few lines, written against RFC 9112 section 7.1.
from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from http import client as http_client
from typing import IO, Any, Final

__all__ = ["INVOKE_PATH", "Headers", "HttpResult", "InvokeResult", "http", "invoke"]

INVOKE_PATH: Final = "/2015-03-31/functions/function/invocations"
MAX_ANSWER: Final = 256 * 1024 * 1024  # a streamed response may reach 200 MB
SOURCE_HEADER: Final = "X-Minlambda-Source"  # which HTTP source the emulator plays


class ProtocolError(Exception):
    """The emulator's answer was not valid HTTP (a bug of ours, or not an emulator)."""


class InvokeResult:
    """What an invoker got back for one invocation.

    Attributes
    ----------
    status : int
        The HTTP status (200, also for function errors; 502 for an init failure or
        a crashed runtime; 413 for a request over 6 MB).
    headers : dict[str, str]
        The response headers, names lower-cased.
    payload : bytes
        The response payload, or the error JSON (for a stream: what was streamed).
    trailers : dict[str, str]
        The trailer fields of a streamed response (names lower-cased): a stream that
        failed ends with ``X-Amz-Function-Error`` and the error's type and body.
    """

    __slots__ = ("status", "headers", "payload", "trailers")

    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        payload: bytes,
        trailers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.headers = headers
        self.payload = payload
        self.trailers = trailers if trailers is not None else {}

    @property
    def ok(self) -> bool:
        """True when the function returned normally (a stream: to its end)."""
        return (
            self.status == 200
            and "x-amz-function-error" not in self.headers
            and "x-amz-function-error" not in self.trailers
        )

    @property
    def request_id(self) -> str | None:
        """The invocation's request id."""
        return self.headers.get("x-amzn-requestid")

    def json(self) -> Any:
        """The payload decoded as JSON."""
        return json.loads(self.payload)

    @property
    def error(self) -> dict[str, Any] | None:
        """The error JSON as a dict, or None for a successful invocation. For a
        stream that failed, the error the runtime sent in its trailers."""
        if self.ok:
            return None
        if "x-amz-function-error" in self.trailers:
            return _trailer_error(self.trailers)
        try:
            value = json.loads(self.payload)
        except ValueError:
            return {"errorType": None, "errorMessage": self.payload.decode("utf-8", "replace")}
        if isinstance(value, dict):
            return value
        return {"errorType": None, "errorMessage": repr(value)}

    @property
    def error_type(self) -> str | None:
        """The errorType of a failed invocation, else None."""
        error = self.error
        return None if error is None else error.get("errorType")

    def __repr__(self) -> str:
        return f"InvokeResult(status={self.status}, ok={self.ok}, payload={self.payload[:200]!r})"


def _trailer_error(trailers: dict[str, str]) -> dict[str, Any]:
    body = trailers.get("lambda-runtime-function-error-body")
    if body:
        try:
            value = json.loads(base64.b64decode(body))
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    return {"errorType": trailers.get("lambda-runtime-function-error-type"), "errorMessage": ""}


def invoke(
    host: str,
    port: int,
    event: Any = None,
    *,
    client_context: Any = None,
    identity: Any = None,
    tenant_id: str | None = None,
    timeout: float | None = None,
) -> InvokeResult:
    """One invocation through the emulator's invoke endpoint at host:port."""
    body = bytes(event) if isinstance(event, (bytes, bytearray)) else json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if client_context is not None:
        raw = (
            client_context
            if isinstance(client_context, (bytes, str))
            else json.dumps(client_context)
        )
        raw_bytes = raw.encode() if isinstance(raw, str) else raw
        headers["X-Amz-Client-Context"] = base64.b64encode(raw_bytes).decode()
    if identity is not None:
        headers["X-Minlambda-Cognito-Identity"] = (
            identity if isinstance(identity, str) else json.dumps(identity)
        )
    if tenant_id is not None:
        headers["X-Amz-Tenant-Id"] = tenant_id
    if timeout is not None:
        headers["X-Minlambda-Timeout"] = repr(float(timeout))
    status, fields, payload, trailers = _exchange(host, port, "POST", INVOKE_PATH, headers, body)
    return InvokeResult(status, {k.lower(): v for k, v in fields}, payload, trailers)


class Headers(Mapping[str, str]):
    """Response headers: a case-insensitive mapping; a repeated field's values are
    joined with ", " (`get_all` gives them one by one)."""

    __slots__ = ("_fields",)

    def __init__(self, fields: list[tuple[str, str]]) -> None:
        self._fields = fields

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get_all(self, name: str) -> list[str]:
        """Every value of field `name`, in order."""
        lowered = name.lower()
        return [value for key, value in self._fields if key.lower() == lowered]

    def __iter__(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for key, _ in self._fields:
            seen.setdefault(key.lower())
        return iter(seen)

    def __len__(self) -> int:
        return len({key.lower() for key, _ in self._fields})

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"


class HttpResult:
    """The HTTP response to one request in --http mode.

    Attributes
    ----------
    status : int
        The HTTP status.
    headers : Headers
        The response headers, a case-insensitive mapping.
    cookies : list[str]
        The ``Set-Cookie`` values, one per cookie.
    body : bytes
        The response body (a streamed one whole).
    """

    __slots__ = ("status", "headers", "cookies", "body")

    def __init__(self, status: int, headers: Headers, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.cookies = headers.get_all("Set-Cookie")
        self.body = body

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"HttpResult(status={self.status}, body={self.body[:200]!r})"


def http(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | str | None = None,
    json: Any = None,
    source: str = "function-url",
) -> HttpResult:
    """One HTTP request to the emulator at host:port, which turns it into the event
    `source` would send (`json`: a value sent as a JSON body)."""
    fields = list(headers.items()) if isinstance(headers, Mapping) else list(headers or [])
    names = {name.lower() for name, _ in fields}
    if json is not None:
        if body is not None:
            raise ValueError("give body or json, not both")
        body = _json_dumps(json)
        if "content-type" not in names:
            fields.append(("Content-Type", "application/json"))
    data = body.encode() if isinstance(body, str) else body
    fields.append((SOURCE_HEADER, source))
    status, answer, payload, _ = _exchange(host, port, method, path, fields, data)
    return HttpResult(status, Headers(answer), payload)


_json_dumps = json.dumps  # `json` is a parameter name above


def _exchange(
    host: str,
    port: int,
    method: str,
    path: str,
    headers: Mapping[str, str] | list[tuple[str, str]],
    body: bytes | None,
) -> tuple[int, list[tuple[str, str]], bytes, dict[str, str]]:
    """Send one request on a fresh connection; the status, header fields, body and
    trailer fields (names lower-cased) of the answer."""
    connection = http_client.HTTPConnection(host, port)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        fields = headers.items() if isinstance(headers, Mapping) else headers
        for name, value in fields:
            connection.putheader(name, value)
        if body is not None or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body or b"")))
        connection.endheaders(body)
        response = connection.getresponse()
        trailers: dict[str, str] = {}
        if response.chunked and method != "HEAD":
            assert response.fp is not None
            payload = _read_chunked(response.fp, trailers)
        else:
            payload = response.read()
        return response.status, response.getheaders(), payload, trailers
    except http_client.HTTPException as exc:
        raise ProtocolError(f"the emulator's answer is not valid HTTP: {exc!r}") from None
    finally:
        connection.close()


def _read_chunked(file: IO[bytes], trailers: dict[str, str]) -> bytes:
    """A chunked body from `file`, its trailer fields into `trailers`."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = file.readline(4098)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size line {line[:40]!r}") from None
        if size == 0:
            break
        total += size
        if total > MAX_ANSWER:
            raise ProtocolError(f"an answer over {MAX_ANSWER} bytes")
        data = file.read(size)
        if len(data) < size or file.read(2) != b"\r\n":
            raise ProtocolError("the emulator closed the connection mid-chunk")
        parts.append(data)
    while (line := file.readline(65537)) not in (b"\r\n", b"\n", b""):
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            trailers[name.strip().lower()] = value.strip()
    return b"".join(parts)
