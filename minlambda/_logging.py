# Logging as the managed Python runtime does it.
#
# `configure()` runs once, before the handler's module is imported. It chooses the
# sink (the telemetry fd when _LAMBDA_TELEMETRY_LOG_FD is set, framed as RUNTIME_API.md
# section 11 says, else stdout) and the format (AWS_LAMBDA_LOG_FORMAT, JSON always
# under Managed Instances), and puts a handler on the root `logging` logger with
# AWS_LAMBDA_LOG_LEVEL, unless the root logger already has handlers (the user's own
# configuration is never overridden). Records carry the request id and tenant id of
# the invocation running in their thread or task (a contextvar).
#
# Importing `logging` costs about 4 ms of cold start, so it is not imported for a
# function that never logs: the root handler is installed by an import hook the
# moment anything imports `logging` (the handler's module, boto3...), before that
# module's own code runs. `log_unhandled()`, the one event per unhandled exception,
# writes to the sink directly and needs no `logging` at all.
from __future__ import annotations

import importlib.machinery
import os
import sys
import time
import types
from collections.abc import Sequence
from typing import Any, Final

import msgspec

from minlambda._context import CURRENT

__all__ = ["configure", "log_unhandled", "write_log", "FRAME_ERROR_JSON", "FRAME_ERROR_TEXT"]

# Telemetry frame types (big-endian): 0xA55A0003 text, 0xA55A0002 JSON, OR-ed with a
# level mask when a log level or the JSON format is configured.
_TEXT: Final = 0xA55A0003
_JSON: Final = 0xA55A0002
_LEVEL_MASKS: Final = {10: 0x08, 20: 0x0C, 30: 0x10, 40: 0x14, 50: 0x18}
FRAME_ERROR_TEXT: Final = _TEXT | 0x14
FRAME_ERROR_JSON: Final = _JSON | 0x14
_INDENT: Final = "\u00a0"  # leading spaces of traceback lines, so CloudWatch keeps them

_RECORD_FIELDS: Final = frozenset(
    {
        "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
        "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
        "relativeCreated", "thread", "threadName", "processName", "process", "taskName",
        "aws_request_id", "tenant_id", "message",
    }
)  # fmt: skip


class _Sink:
    """stdout, one write per record (the platform reads lines)."""

    def write(self, text: str, frame_type: int) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()


class _FramedSink(_Sink):
    """The telemetry fd: each record one frame, so multi-line records stay one event."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        import _thread  # not `threading`: its import is 0.8 ms of cold start

        self._lock = _thread.allocate_lock()

    def write(self, text: str, frame_type: int) -> None:
        data = text.encode("utf-8", "backslashreplace")
        frame = b"%b%b%b%b" % (
            frame_type.to_bytes(4, "big"),
            len(data).to_bytes(4, "big"),
            (time.time_ns() // 1000).to_bytes(8, "big"),
            data,
        )
        with self._lock:
            view = memoryview(frame)
            while view:
                view = view[os.write(self.fd, view) :]


class _Settings:
    def __init__(self) -> None:
        self.sink: _Sink = _Sink()
        self.json = False
        self.level = ""  # the AWS_LAMBDA_LOG_LEVEL name Python knows, or ""
        self.configured = False


_SETTINGS = _Settings()


def configure(environ: Any = os.environ, *, json_logs: bool = False) -> None:
    """Set up logging once, before the handler's module is imported."""
    settings = _SETTINGS
    if settings.configured:
        return
    settings.configured = True
    fd = environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)  # children must not inherit it
    if fd is not None and fd.strip().isdigit():
        settings.sink = _FramedSink(int(fd))
    settings.json = json_logs or environ.get("AWS_LAMBDA_LOG_FORMAT", "").strip().upper() == "JSON"
    level = environ.get("AWS_LAMBDA_LOG_LEVEL", "").strip().upper()
    settings.level = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
    if "logging" in sys.modules:
        _install_handler()
    else:
        sys.meta_path.insert(0, _LoggingHook())


def log_unhandled(error_type: str, message: str, stack: list[str], request_id: str = "") -> None:
    """An unhandled exception (of the handler, or at init) as one log event."""
    settings = _SETTINGS
    if settings.json:
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "ERROR",
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": stack,
        }
        settings.sink.write(to_json(record) + "\n", FRAME_ERROR_JSON)
        return
    lines = [f"[ERROR] {error_type}: {message}" if message else f"[ERROR] {error_type}"]
    if stack:
        lines.append("Traceback (most recent call last):")
        for entry in stack:
            lines.extend(_indent(line) for line in entry.splitlines())
    if isinstance(settings.sink, _FramedSink):
        settings.sink.write("\n".join(lines), FRAME_ERROR_TEXT)
    elif _on_terminal():
        # a person reads it (`python -m minlambda local` in a terminal): real lines
        settings.sink.write("\n".join(lines) + "\n", FRAME_ERROR_TEXT)
    else:
        # \r, even inside the message: the whole report stays one CloudWatch event
        settings.sink.write("\r".join(lines).replace("\n", "\r") + "\n", FRAME_ERROR_TEXT)


def _on_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed by the user's code
        return False


def write_log(message: object) -> None:
    """Text as it is, to the log sink (`context.log`): one frame on the telemetry fd.
    Anything else is written as its str(), bytes decoded, as the official runtime does."""
    if isinstance(message, bytes | bytearray):
        text = bytes(message).decode("utf-8", "replace")
    else:
        text = str(message)
    if text != "":
        _SETTINGS.sink.write(text, _TEXT)


def _indent(line: str) -> str:
    stripped = line.lstrip(" ")
    return _INDENT * (len(line) - len(stripped)) + stripped


_encode = msgspec.json.Encoder(enc_hook=str).encode  # what JSON cannot hold, as its str()


def to_json(value: Any) -> str:
    """One line of JSON as the managed runtime writes its log records: `", "` and
    `": "` between items, UTF-8 kept as is, unencodable values as their str()."""
    try:
        data = _encode(value)
    except Exception:  # lone surrogates and the like
        data = _encode(msgspec.json.decode(msgspec.json.encode(str(value))))
    return msgspec.json.format(data, indent=0).decode("utf-8")


class _LoggingHook:
    """Installs the root handler right after `logging` is first imported."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:  # pragma: no cover - logging is in the stdlib
            return spec
        loader = spec.loader

        class _Loader:
            def create_module(
                self, spec: importlib.machinery.ModuleSpec
            ) -> types.ModuleType | None:
                return loader.create_module(spec)

            def exec_module(self, module: types.ModuleType) -> None:
                loader.exec_module(module)
                _install_handler()

        spec.loader = _Loader()  # type: ignore[assignment]  # a duck-typed loader
        return spec


def _install_handler() -> None:
    import logging

    from minlambda._log_handler import LambdaHandler

    root = logging.getLogger()
    settings = _SETTINGS
    if settings.level and settings.level in logging.getLevelNamesMapping():
        root.setLevel(settings.level)
    if root.handlers:
        return  # configured before us: left as it is
    typed = settings.json or bool(settings.level)
    root.addHandler(LambdaHandler(settings.sink, json_format=settings.json, typed_frames=typed))


def record_context(record: Any) -> None:
    """Put the running invocation's request and tenant ids on a log record."""
    if getattr(record, "aws_request_id", None) is not None:
        return  # given with extra= (the watchdog logs for another thread's invocation)
    slot = CURRENT.get()
    context = None if slot is None else slot.context
    record.aws_request_id = context.aws_request_id if context is not None else ""
    record.tenant_id = context.tenant_id if context is not None else None


def frame_type(levelno: int, json_format: bool, typed: bool) -> int:
    base = _JSON if json_format else _TEXT
    if not typed:
        return base
    return base | _LEVEL_MASKS.get(min(50, max(0, levelno)) // 10 * 10, 0)


def record_fields() -> frozenset[str]:
    return _RECORD_FIELDS
