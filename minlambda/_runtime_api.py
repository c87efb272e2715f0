# The Runtime API vocabulary: paths, Lambda-Runtime-* headers, and the calls.
#
# `RuntimeAPI.next()` returns an `Invocation` (the request id checked and made
# safe for a request path, the raw headers, the body bytes); `respond`, `fail` and
# `init_error` post results. Status rules (RUNTIME_API.md section 3): a 4xx answer
# to a post is reported through `warn` and the loop goes on (the platform has
# already settled that invocation); a 5xx anywhere, or anything but 200 on /next,
# raises RuntimeAPIError, which ends the process. So does a connection that cannot
# be (re)established. A response that is not valid HTTP raises ProtocolError.
#
# Rules: nothing here decodes events or calls handlers; nothing the API sends goes
# into a request unchecked.
from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Final

from minlambda._http import Head, ProtocolError, request_head
from minlambda._transport import Connection, TransportError

__all__ = [
    "Invocation",
    "InvalidInvocation",
    "ProtocolError",
    "RuntimeAPI",
    "RuntimeAPIError",
    "parse_address",
]

API_VERSION: Final = "2018-06-01"
NEXT_PATH: Final = f"/{API_VERSION}/runtime/invocation/next"
INIT_ERROR_PATH: Final = f"/{API_VERSION}/runtime/init/error"
RESTORE_NEXT_PATH: Final = f"/{API_VERSION}/runtime/restore/next"
RESTORE_ERROR_PATH: Final = f"/{API_VERSION}/runtime/restore/error"
USER_AGENT: Final = "minlambda/0.1"
ERROR_TYPE_HEADER: Final = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_HEADER: Final = "Lambda-Runtime-Function-Error-Body"
RESPONSE_MODE_HEADER: Final = "Lambda-Runtime-Function-Response-Mode"
INVOCATION_ID_HEADER: Final = "Lambda-Runtime-Invocation-Id"

# Request ids go into the request path: anything outside these characters is
# percent-encoded (RFC 3986 2.1) so no byte of an id can end the request line,
# add a header or leave the /invocation/{id}/ segment.
_PLAIN_ID: Final = re.compile(r"(?!\.*\Z)[A-Za-z0-9._~:-]+")  # dots alone are encoded
_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~:"
)
# An invocation id is echoed in a header: visible ASCII only, at most this long.
_INVOCATION_ID: Final = re.compile(r"[\x21-\x7e]{1,1024}")
_ADDRESS: Final = re.compile(r"(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):([0-9]{1,5})")


class RuntimeAPIError(Exception):
    """The Runtime API failed in a way the runtime cannot go on from."""


class InvalidInvocation(Exception):
    """GET /next answered 200 without a usable request id: nothing can be posted for it."""


class Invocation:
    """One event as GET /next delivered it (made by `RuntimeAPI.next`)."""

    __slots__ = ("request_id", "path_id", "invocation_id", "headers", "body")

    request_id: str  # as the Lambda-Runtime-Aws-Request-Id header gave it
    path_id: str  # the same, safe as one path segment
    invocation_id: str | None  # Lambda-Runtime-Invocation-Id when usable, to echo
    headers: dict[str, str]
    body: bytes | bytearray


_new_invocation = object.__new__


def path_segment(request_id: str) -> str:
    """The request id as one safe path segment (percent-encoded when needed)."""
    if _PLAIN_ID.fullmatch(request_id):
        return request_id
    # dots are encoded too, so an id of "." or ".." cannot become a dot segment
    return "".join(
        chr(b) if b in _UNRESERVED else f"%{b:02X}"
        for b in request_id.encode("utf-8", "surrogateescape")
    )


def parse_address(address: str) -> tuple[str, int]:
    """host and port of AWS_LAMBDA_RUNTIME_API ("host:port", "[v6]:port")."""
    match = _ADDRESS.fullmatch(address.strip())
    if match is None or not 0 < int(match.group(3)) < 65536:
        raise RuntimeAPIError(f"AWS_LAMBDA_RUNTIME_API must be host:port, got {address!r}")
    return match.group(1) or match.group(2), int(match.group(3))


def _stderr(message: str) -> None:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()


class RuntimeAPI:
    """A client of one Runtime API endpoint over one keep-alive connection."""

    def __init__(self, address: str, *, warn: Callable[[str], None] = _stderr) -> None:
        host, port = parse_address(address)
        self.address = address.strip()
        self.connection = Connection(host, port)
        self.warn = warn
        self._next_head = request_head("GET", NEXT_PATH, self.address, [("User-Agent", USER_AGENT)])
        # the head of a JSON response post, around the request id and the length;
        # checked once against the codec, so the fast path writes exactly its bytes
        self._response_prefix = f"POST /{API_VERSION}/runtime/invocation/".encode()
        self._response_suffix = (
            f"/response HTTP/1.1\r\nHost: {self.address}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        probe = request_head(
            "POST",
            f"/{API_VERSION}/runtime/invocation/x/response",
            self.address,
            [("Content-Type", "application/json")],
            content_length=5,
        )
        if probe != self._response_prefix + b"x" + self._response_suffix + b"5\r\n\r\n":
            raise AssertionError("the response head template differs from request_head()")

    def close(self) -> None:
        self.connection.close()

    def next(self) -> Invocation:
        """Wait for the next event (no timeout: this is the long poll)."""
        try:
            head, body = self.connection.request(self._next_head)
        except TransportError as exc:
            raise RuntimeAPIError(f"GET /next failed: {exc}") from exc
        if head.status != 200:
            raise RuntimeAPIError(f"GET /next answered {head.status}: {_excerpt(body)}")
        headers = head.headers
        request_id = headers.get("lambda-runtime-aws-request-id", "").strip()
        if not request_id:
            raise InvalidInvocation(
                "GET /next answered 200 without a Lambda-Runtime-Aws-Request-Id header"
            )
        # (no __init__: a Python call less for every event)
        invocation = _new_invocation(Invocation)
        invocation.request_id = request_id
        invocation.path_id = (
            request_id if _PLAIN_ID.fullmatch(request_id) else path_segment(request_id)
        )
        invocation.headers = headers
        invocation.body = body
        echo = headers.get("lambda-runtime-invocation-id")
        invocation.invocation_id = (
            echo if echo is not None and _INVOCATION_ID.fullmatch(echo) else None
        )
        return invocation

    def respond(
        self, invocation: Invocation, body: bytes, content_type: str = "application/json"
    ) -> int:
        """POST .../response; returns the status (a 4xx has been reported through `warn`)."""
        if content_type == "application/json" and invocation.invocation_id is None:
            # the common case, every invocation: path_id is made of safe characters only
            head = b"%b%b%b%d\r\n\r\n" % (
                self._response_prefix,
                invocation.path_id.encode("ascii"),
                self._response_suffix,
                len(body),
            )
            # `_send` and `_check`, inline for the common 202: this runs for every event
            try:
                response, answer = self.connection.request(head, body)
            except TransportError as exc:
                raise RuntimeAPIError(
                    f"POST invocation/{invocation.path_id}/response failed: {exc}"
                ) from exc
            status = response.status
            if status < 300:
                return status
            return self._check(response, answer, f"invocation/{invocation.path_id}/response")
        headers = [("Content-Type", content_type)]
        if invocation.invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation.invocation_id))
        path = f"/{API_VERSION}/runtime/invocation/{invocation.path_id}/response"
        return self._post(path, headers, body)

    def fail(
        self,
        invocation: Invocation,
        body: bytes,
        error_type: str,
        extra_headers: list[tuple[str, str]] | None = None,
    ) -> int:
        """POST .../error with the error JSON and its Lambda-Runtime-Function-Error-Type."""
        headers = [("Content-Type", "application/json"), (ERROR_TYPE_HEADER, error_type)]
        if invocation.invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation.invocation_id))
        if extra_headers:
            headers.extend(extra_headers)
        path = f"/{API_VERSION}/runtime/invocation/{invocation.path_id}/error"
        return self._post(path, headers, body)

    def open_stream(self, invocation: Invocation, content_type: str) -> None:
        """Begin a streamed POST .../response (then `stream`, then `close_stream`)."""
        headers = [
            ("Content-Type", content_type),
            (RESPONSE_MODE_HEADER, "streaming"),
            ("Trailer", f"{ERROR_TYPE_HEADER}, {ERROR_BODY_HEADER}"),
        ]
        if invocation.invocation_id is not None:
            headers.append((INVOCATION_ID_HEADER, invocation.invocation_id))
        path = f"/{API_VERSION}/runtime/invocation/{invocation.path_id}/response"
        head = request_head("POST", path, self.address, headers, chunked=True)
        try:
            self.connection.start_stream(head)
        except TransportError as exc:
            raise RuntimeAPIError(f"POST {path} failed: {exc}") from exc

    def stream(self, data: bytes) -> None:
        """One chunk of the open stream (empty chunks are skipped: one would end it)."""
        if data:
            try:
                self.connection.send_chunk(data)
            except TransportError as exc:
                raise RuntimeAPIError(f"Streaming a response failed: {exc}") from exc

    def close_stream(
        self, invocation: Invocation, error_type: str | None = None, error_body: bytes = b""
    ) -> int:
        """End the open stream; with `error_type`, in error: the trailers carry the type
        and the base64 of the error JSON."""
        trailers = []
        if error_type is not None:
            import base64

            trailers = [
                (ERROR_TYPE_HEADER, error_type),
                (ERROR_BODY_HEADER, base64.b64encode(error_body).decode("ascii")),
            ]
        try:
            response, answer = self.connection.end_stream(trailers)
        except TransportError as exc:
            raise RuntimeAPIError(f"Ending a streamed response failed: {exc}") from exc
        return self._check(response, answer, f"invocation/{invocation.path_id}/response")

    def restore_next(self) -> None:
        """SnapStart: GET /runtime/restore/next, which returns once the snapshot has
        been restored (RuntimeAPIError on anything but 200)."""
        head = request_head("GET", RESTORE_NEXT_PATH, self.address, [("User-Agent", USER_AGENT)])
        try:
            response, body = self.connection.request(head)
        except TransportError as exc:
            raise RuntimeAPIError(f"GET /restore/next failed: {exc}") from exc
        if response.status != 200:
            raise RuntimeAPIError(f"GET /restore/next answered {response.status}: {_excerpt(body)}")

    def restore_error(self, body: bytes, error_type: str) -> int:
        """POST /runtime/restore/error (an after-restore hook failed)."""
        headers = [("Content-Type", "application/json"), (ERROR_TYPE_HEADER, error_type)]
        return self._post(RESTORE_ERROR_PATH, headers, body)

    def init_error(self, body: bytes, error_type: str) -> int:
        """POST /runtime/init/error (before the first /next only)."""
        headers = [("Content-Type", "application/json"), (ERROR_TYPE_HEADER, error_type)]
        return self._post(INIT_ERROR_PATH, headers, body)

    def _post(self, path: str, headers: list[tuple[str, str]], body: bytes) -> int:
        head = request_head("POST", path, self.address, headers, content_length=len(body))
        return self._send(head, body, path.rpartition("/runtime/")[2])

    def _send(self, head: bytes, body: bytes, path: str) -> int:
        try:
            response, answer = self.connection.request(head, body)
        except TransportError as exc:
            raise RuntimeAPIError(f"POST {path} failed: {exc}") from exc
        return self._check(response, answer, path)

    def _check(self, response: Head, answer: bytes | bytearray, path: str) -> int:
        what = f"POST {path}"
        status = response.status
        if status < 300:
            return status
        if status >= 500:
            raise RuntimeAPIError(f"{what} answered {status}: {_excerpt(answer)}")
        self.warn(f"{what} answered {status}, going on to the next event: {_excerpt(answer)}")
        return status


def _excerpt(body: bytes | bytearray, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ").replace("\r", " ")
    return text + ("..." if len(body) > limit else "") if text else "(empty body)"
