# The HTTP event sources of the local emulator's --http mode.
#
# One module per source family, each a pair of pure functions (and the answers to a
# failed invocation), testable without sockets:
#
#   event(request: Request) -> dict          the event that source would send
#   response(payload: bytes, *, source: str) -> Response
#                                            the function's result, as that source
#                                            turns it into an HTTP response
#   error(kind: str, *, source: str) -> Response
#                                            what that source answers when the
#                                            invocation failed: kind "error" (a
#                                            function error, an init failure, a
#                                            crash) or "timeout"
#
# function-url and apigw-v2 share payload format 2.0 (v2.py); apigw-v1 is the REST
# API's payload format 1.0 (v1.py); alb is an Application Load Balancer target (alb.py),
# alb-multi-value one with multi-value headers turned on.
from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Final

__all__ = ["DEFAULT_SOURCE", "SOURCE_NAMES", "Request", "Response", "source"]

DEFAULT_SOURCE: Final = "function-url"
SOURCE_NAMES: Final = ("function-url", "apigw-v2", "apigw-v1", "alb", "alb-multi-value")


@dataclass(frozen=True)
class Request:
    """One HTTP request as the emulator received it."""

    method: str  # as sent: "GET"
    target: str  # the raw request target: "/orders/42?a=1&a=2" (percent-encoding kept)
    headers: list[tuple[str, str]]  # in arrival order, names as sent, repeats kept
    body: bytes
    source_ip: str  # the client's address
    request_id: str  # the invocation's request id
    time: float  # when it arrived, seconds since the epoch
    host: str = "127.0.0.1:9000"  # the emulator's address, when there is no Host header
    protocol: str = "HTTP/1.1"
    source: str = DEFAULT_SOURCE  # which of SOURCE_NAMES (v2.py serves two)


@dataclass
class Response:
    """The HTTP response for the caller."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)  # Set-Cookie repeated
    body: bytes = b""
    # why a result became an error response (a v1 result without statusCode, say):
    # printed on the emulator's terminal, never sent
    note: str = ""


def source(name: str) -> ModuleType:
    """The module that maps requests and results for source `name` (ValueError if
    unknown). Its response() and error() take the name as their `source` keyword."""
    if name in ("function-url", "apigw-v2"):
        from minlambda._local.sources import v2

        return v2
    if name == "apigw-v1":
        from minlambda._local.sources import v1

        return v1
    if name in ("alb", "alb-multi-value"):
        from minlambda._local.sources import alb

        return alb
    raise ValueError(f"unknown HTTP source {name!r}: use one of {', '.join(SOURCE_NAMES)}")
