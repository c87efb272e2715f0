"""Log lines settled against awslambdaric: JSON records byte for byte (key order and
spacing) but for the timestamp; the unhandled error's `[ERROR]` report joined with
\\r for CloudWatch, with real newlines when a person reads it in a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from conftest import clean_env
from test_compat import TESTS, both, one

_STAMP = re.compile(r'^\{"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ')


def _json_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("{")]


def test_json_log_records_are_the_same_as_awslambdarics():
    ric, ml = both("compatapps.log_app.json_logs", one({"raise": True}),
                   AWS_LAMBDA_LOG_FORMAT="JSON")  # fmt: skip
    ric_lines, ml_lines = _json_lines(ric.stdout), _json_lines(ml.stdout)
    assert len(ric_lines) == len(ml_lines) == 5, (ric.stdout, ml.stdout)
    request_ids = (ric.results[0].request_id, ml.results[0].request_id)
    # the four logging records: the same bytes, but for the time and the request id
    for ric_line, ml_line in zip(ric_lines[:4], ml_lines[:4], strict=True):
        assert _STAMP.match(ric_line) and _STAMP.match(ml_line)
        ric_line = _STAMP.sub("", ric_line).replace(request_ids[0], "<id>")
        ml_line = _STAMP.sub("", ml_line).replace(request_ids[1], "<id>")
        assert ml_line == ric_line
    keys = list(json.loads(ml_lines[3]))
    assert keys == ["timestamp", "level", "message", "logger", "stackTrace", "errorType",
                    "errorMessage", "requestId", "location"]  # fmt: skip
    assert list(json.loads(ml_lines[2]))[-2:] == ["order", "amount"]  # extra= last
    # the unhandled error: the same keys in the same order and spacing; the stack
    # trace's entries may differ (minlambda's frames carry caret lines)
    ric_error, ml_error = json.loads(ric_lines[4]), json.loads(ml_lines[4])
    assert list(ml_error) == list(ric_error) == [
        "timestamp", "level", "errorMessage", "errorType", "requestId", "stackTrace"
    ]
    assert ml_lines[4].startswith('{"timestamp": "') and '", "level": "ERROR", ' in ml_lines[4]
    assert {k: v for k, v in ml_error.items() if k not in ("timestamp", "requestId", "stackTrace")} == {
        k: v for k, v in ric_error.items() if k not in ("timestamp", "requestId", "stackTrace")
    }


def test_the_error_report_is_one_cloudwatch_line_on_a_pipe():
    ric, ml = both("compatapps.log_app.json_logs", one({"raise": True}))
    report = "[ERROR] ValueError: unhandled\rsecond line\rTraceback (most recent call last):\r"
    (line,) = [line for line in ml.stdout.split("\n") if line.startswith("[ERROR] ValueError")]
    assert line.startswith(report)
    # awslambdaric keeps the message's own newline (the report becomes two CloudWatch
    # events), and its text handler ends a record with a traceback without a newline,
    # so the report begins on the line of the record before it
    assert "KeyError: 'missing'[ERROR] ValueError: unhandled\nsecond line\rTraceback" in ric.stdout
    assert "KeyError: 'missing'\n[ERROR] ValueError: unhandled\rsecond line\r" in ml.stdout


def test_the_error_report_has_real_lines_in_a_terminal():
    """`python -m minlambda invoke` in a terminal: the function's output (and the
    runtime's logs) go to stderr, which a person reads."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "minlambda", "invoke", "compatapps.log_app.json_logs",
         "--event", '{"raise": true}'],
        env=clean_env(), cwd=TESTS, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=secondary,
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=20)
    os.close(primary)
    shown = b"".join(chunks).decode().replace("\r\n", "\n")  # the terminal's own CRLF
    assert proc.returncode == 1 and json.loads(out)["errorType"] == "ValueError"
    assert "\r" not in shown
    lines = shown.split("\n")
    start = lines.index("[ERROR] ValueError: unhandled")
    assert lines[start + 1 : start + 3] == ["second line", "Traceback (most recent call last):"]
