# The root logging handler of the managed runtime's formats (imported only once
# something imports `logging`; see _logging).
#
# Text: "[LEVEL]\t<UTC time with milliseconds>Z\t<request id>\t<message>\n".
# JSON: one object per line, keys in the managed runtime's order and spacing:
# timestamp (UTC, whole seconds), level, message, logger, the exception's stackTrace,
# errorType and errorMessage when the record has one, requestId, location (with an
# exception), tenantId when there is one, then every `extra=` attribute; fields that
# are None are left out.
from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from minlambda._logging import _Sink, frame_type, record_context, record_fields, to_json

__all__ = ["LambdaHandler"]


class _Text(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC, as the platform logs

    def __init__(self) -> None:
        super().__init__(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )


class _Json(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC, as the platform logs

    def __init__(self) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        message: Any = (
            record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
        )
        failed = exc and exc[0] is not None
        # the managed runtime's key order
        out: dict[str, Any] = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": message,
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if failed else None,  # type: ignore[index]
            "errorType": exc[0].__name__ if failed else None,  # type: ignore[index,union-attr]
            "errorMessage": str(exc[1]) if failed else None,  # type: ignore[index]
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if failed else None,
            "tenantId": getattr(record, "tenant_id", None),
        }
        reserved = record_fields()
        for key, value in record.__dict__.items():
            if key not in reserved and key not in out and not key.startswith("_"):
                out[key] = value  # extra= attributes
        return to_json({k: v for k, v in out.items() if v is not None}) + "\n"


class LambdaHandler(logging.Handler):
    """Writes records to the runtime's log sink in the configured format."""

    def __init__(self, sink: _Sink, *, json_format: bool, typed_frames: bool) -> None:
        super().__init__()
        self.sink = sink
        self.json_format = json_format
        self.typed_frames = typed_frames
        self.setFormatter(_Json() if json_format else _Text())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            record_context(record)
            text = self.format(record)
            if not text.endswith("\n"):  # a traceback is appended after the format's \n
                text += "\n"
            self.sink.write(text, frame_type(record.levelno, self.json_format, self.typed_frames))
        except Exception:
            self.handleError(record)
