# The error payloads of API.md, in one shape and one place.
#
# Every failure the runtime reports, whether an invocation error on .../error or an
# init error on /runtime/init/error, goes through `payload()`: a JSON object with
# errorMessage, errorType, requestId and stackTrace (the official runtime's keys,
# in its order), plus errorDetails for the runtime's own validation failures. The
# Lambda-Runtime-Function-Error-Type header comes from `header_value()`: the
# platform keeps only `Runtime.<Letters>` / `Function.<Letters>` values.
from __future__ import annotations

import importlib
import os
import re
from typing import Any, Final

import msgspec

__all__ = [
    "InvalidSchemaError",
    "RuntimeFault",
    "exception_fault",
    "exception_message",
    "header_value",
    "payload",
    "stack_trace",
    "validation_details",
    "xray_cause",
]

_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IMPORTLIB_DIR: Final = os.path.dirname(os.path.abspath(importlib.__file__)) + os.sep
_STDLIB_DIR: Final = os.path.dirname(_IMPORTLIB_DIR.rstrip(os.sep))
# Frames of these files at the start of a traceback are the runtime's own calls into
# the user's code (the import machinery's, and for an `async def` handler the event
# loop's and the futures' that run it), not part of the user's story.
_RUNTIME_FRAMES: Final = (
    _PACKAGE_DIR,
    _IMPORTLIB_DIR,
    "<frozen importlib.",
    os.path.join(_STDLIB_DIR, "asyncio", ""),
    os.path.join(_STDLIB_DIR, "concurrent", "futures", ""),
)
_PLATFORM_TYPE: Final = re.compile(r"(?:Runtime|Function)\.[A-Za-z]+")
_NOT_LETTER: Final = re.compile(r"[^A-Za-z]")
_CAUSE: Final = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT: Final = "\nDuring handling of the above exception, another exception occurred:\n\n"
_encode = msgspec.json.Encoder().encode


class InvalidSchemaError(TypeError):
    """A handler's event or response type cannot be used by msgspec."""


class RuntimeFault(Exception):
    """A failure reported under one of the runtime's own `Runtime.*` error types."""

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        details: dict[str, str] | None = None,
        stack: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.details = details
        self.stack = stack or []


def header_value(error_type: str) -> str:
    """The Lambda-Runtime-Function-Error-Type value for an errorType.

    `Runtime.X` and `Function.X` go as they are; anything else (a handler exception's
    class name) goes as `Function.<its letters>`, `Function.Unhandled` if none.
    """
    if _PLATFORM_TYPE.fullmatch(error_type):
        return error_type
    letters = _NOT_LETTER.sub("", error_type)
    return f"Function.{letters}" if letters else "Function.Unhandled"


def payload(
    error_type: str,
    message: str,
    request_id: str,
    stack: list[str] | None = None,
    details: dict[str, str] | None = None,
) -> bytes:
    """The JSON error body posted to the Runtime API."""
    body: dict[str, Any] = {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack or [],
    }
    if details is not None:
        body["errorDetails"] = details
    try:
        return _encode(body)
    except (UnicodeEncodeError, TypeError, ValueError):
        # a lone surrogate in a message cannot be UTF-8: spell it out instead
        return _encode(_printable(body))


def _printable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(v) for v in value]
    return value


def exception_message(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a broken __str__ must not break the error report
        return f"<{type(exc).__name__}: str() failed>"


def exception_fault(exc: BaseException) -> tuple[str, str, list[str]]:
    """errorType, errorMessage and stackTrace of a handler's exception."""
    return type(exc).__name__, exception_message(exc), stack_trace(exc)


def stack_trace(exc: BaseException) -> list[str]:
    """The frames of `exc` as the official runtime lists them, chained causes first.

    The runtime's own frames at the start of each traceback are left out, so the
    trace starts in the user's code.
    """
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    out: list[str] = []
    for position, (item, link) in enumerate(reversed(chain)):
        out.extend(_frames(item))
        if position < len(chain) - 1:
            out.append(f"{type(item).__name__}: {exception_message(item)}\n")
            out.append(link)  # how the outer exception came from this one
    return out


def _frames(exc: BaseException) -> list[str]:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    start, end = 0, len(frames)
    while start < end and frames[start].filename.startswith(_RUNTIME_FRAMES):
        start += 1  # the runtime calling into user code
    while end > start and frames[end - 1].filename.startswith(_PACKAGE_DIR):
        end -= 1  # user code calling into the runtime (a decorator refusing a schema)
    return traceback.format_list(frames[start:end])


# The platform crops the X-Ray error cause at 64 KiB. Ours stays 1 KiB under that,
# so the whole request head (the other headers too) fits a 64 KiB head limit; frames
# are dropped (the innermost kept), then the message shortened, until it fits.
XRAY_CAUSE_LIMIT: Final = 63 * 1024


def xray_cause(exc: BaseException, error_type: str, message: str) -> str:
    """The Lambda-Runtime-Function-XRay-Error-Cause header value: one line of ASCII
    JSON with the working directory, the exception and its frames, at most 64 KiB."""
    import json
    import traceback

    frames: list[dict[str, Any]] = [
        {"path": frame.filename, "line": frame.lineno, "label": frame.name}
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_RUNTIME_FRAMES)
    ]
    while True:
        cause = {
            "working_directory": os.getcwd(),
            "exceptions": [{"message": message, "type": error_type, "stack": frames}],
            "paths": sorted({str(frame["path"]) for frame in frames}),
        }
        text = json.dumps(cause, separators=(",", ":"), ensure_ascii=True)
        if len(text) <= XRAY_CAUSE_LIMIT:
            return text
        if frames:
            frames = frames[(len(frames) + 1) // 2 :]  # keep the innermost half
        else:
            message = message[: len(message) // 2]


# msgspec names the object that lacks a field (`$.customer.address`); the path of
# errorDetails names the field itself (`$.customer.address.zip`), as it would if the
# field were there with a wrong value. Searched, not anchored: minlambda.events may
# put words before msgspec's.
_MISSING_FIELD: Final = re.compile(r"missing required field `(.+)`\Z", re.DOTALL)


def validation_details(exc: Exception, location: str) -> dict[str, str]:
    """errorDetails for a msgspec ValidationError: where, the `$.path`, and why
    (msgspec's reason, unchanged). A missing field's path ends with its name."""
    message = str(exc)
    reason, sep, path = message.rpartition(" - at `")
    if sep:
        path = path.removesuffix("`")
    else:
        reason, path = message, "$"
    missing = _MISSING_FIELD.search(reason)
    if missing is not None:
        path = f"{path}.{missing.group(1)}"
    return {"location": location, "path": path, "reason": reason}
