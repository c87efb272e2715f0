# The invoker's side of the local emulator: one HTTP call to its invoke endpoint.
#
# `invoke()` is what minlambda.testing's Emulator.invoke and LocalRuntime.invoke do:
# POST the event to /2015-03-31/functions/function/invocations and read the whole
# answer, streamed ones included, with their trailers (http.client drops those). It
# uses minlambda's own codec; the emulator it talks to does not, so the two sides of
# a test never share a parser.
from __future__ import annotations

import base64
import json
import socket
from typing import Any, Final

from minlambda._http import NEED_DATA, Data, Done, Head, ProtocolError, ResponseReader, request_head

__all__ = ["INVOKE_PATH", "InvokeResult", "invoke"]

INVOKE_PATH: Final = "/2015-03-31/functions/function/invocations"
MAX_ANSWER: Final = 256 * 1024 * 1024  # a streamed response may reach 200 MB


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
    headers = [("Content-Type", "application/json")]
    if client_context is not None:
        raw = (
            client_context
            if isinstance(client_context, (bytes, str))
            else json.dumps(client_context)
        )
        raw_bytes = raw.encode() if isinstance(raw, str) else raw
        headers.append(("X-Amz-Client-Context", base64.b64encode(raw_bytes).decode()))
    if identity is not None:
        text = identity if isinstance(identity, str) else json.dumps(identity)
        headers.append(("X-Minlambda-Cognito-Identity", text))
    if tenant_id is not None:
        headers.append(("X-Amz-Tenant-Id", tenant_id))
    if timeout is not None:
        headers.append(("X-Minlambda-Timeout", repr(float(timeout))))
    head = request_head("POST", INVOKE_PATH, f"{host}:{port}", headers, content_length=len(body))
    with socket.create_connection((host, port)) as sock:
        sock.sendall(head + body)
        return _read_answer(sock)


def _read_answer(sock: socket.socket) -> InvokeResult:
    reader = ResponseReader(max_body=MAX_ANSWER)
    response: Head | None = None
    parts: list[bytes] = []
    while True:
        event = reader.next_event()
        if event is NEED_DATA:
            reader.receive_data(sock.recv(65536))
        elif type(event) is Head:
            response = event
        elif type(event) is Data:
            parts.append(event.data)
        elif type(event) is Done and response is not None:
            return InvokeResult(response.status, response.headers, b"".join(parts), event.trailers)
        else:
            raise ProtocolError("The emulator closed the connection without an answer")
