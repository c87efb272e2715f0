"""Logging as the managed Python runtime does it, checked field by field on real
processes: the text and JSON formats, levels, request and tenant ids, extra fields,
exceptions, the unhandled-error event, the telemetry fd frames, and the user's own
configuration left alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import APPS, clean_env
from fakeapi import Event

TEXT_LINE = re.compile(r"\[(\w+)\]\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(.*)")


def _run(fake, proc, events, **env):
    api = fake(events)
    p = proc(["logging_app.handler"], api.address, **env)
    results = api.wait_results(len(events))
    api.wait_holding()
    p.popen.kill()
    out, _ = p.popen.communicate(timeout=10)
    return results, out.decode()


def test_text_format_lines(fake, proc):
    results, out = _run(fake, proc, [Event({}, request_id="req-1")])
    lines = [TEXT_LINE.fullmatch(line) for line in out.splitlines() if line.startswith("[")]
    assert all(lines), out
    parsed = [(m.group(1), m.group(3), m.group(4)) for m in lines]
    assert parsed[0] == ("WARNING", "", "imported")  # at import: no request yet
    assert ("WARNING", "req-1", "warning line") in parsed
    assert ("ERROR", "req-1", "{'a': 'dict message'}") in parsed
    assert not any(level in ("DEBUG", "INFO") for level, _, _ in parsed)  # root stays at WARNING
    stamp = time.strptime(lines[0].group(2)[:19], "%Y-%m-%dT%H:%M:%S")
    assert abs(time.mktime(stamp) - time.mktime(time.gmtime())) < 120  # UTC
    assert results[0].json()["handlers"] == 1


def test_log_level_from_the_environment(fake, proc):
    _, out = _run(fake, proc, [Event({})], AWS_LAMBDA_LOG_LEVEL="TRACE")
    levels = [m.group(1) for m in map(TEXT_LINE.fullmatch, out.splitlines()) if m]
    assert "DEBUG" in levels and "INFO" in levels


def test_json_format_records(fake, proc):
    events = [Event({}, request_id="req-j", extra_headers=[("Lambda-Runtime-Aws-Tenant-Id", "t-9")])]
    _, out = _run(fake, proc, events, AWS_LAMBDA_LOG_FORMAT="JSON", AWS_LAMBDA_LOG_LEVEL="INFO")
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    first = records[0]
    assert first == {"timestamp": first["timestamp"], "level": "WARNING", "message": "imported",
                     "logger": "orders", "requestId": ""}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["timestamp"])
    by_message = {str(r["message"]): r for r in records[1:]}
    info = by_message["info line"]
    assert (info["level"], info["logger"], info["requestId"], info["tenantId"]) == ("INFO", "orders", "req-j", "t-9")
    extra = by_message["with extra"]
    assert extra["order_id"] == 7 and extra["amount"] == 1.5
    assert by_message["{'a': 'dict message'}"]["message"] == {"a": "dict message"}
    failed = by_message["it failed"]
    assert failed["errorType"] == "KeyError" and failed["errorMessage"] == "'missing'"
    assert isinstance(failed["stackTrace"], list) and "logging_app.py" in failed["stackTrace"][0]
    source = (APPS / "logging_app.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if 'logger.exception("it failed")' in text)
    assert failed["location"] == f"{APPS / 'logging_app.py'}:handler:{line}"
    assert "debug line" not in by_message
    assert "errorType" not in info  # null fields are left out


def test_an_unhandled_exception_is_one_event(fake, proc):
    _, out = _run(fake, proc, [Event({"crash": True})])
    (event,) = [line for line in out.split("\n") if line.startswith("[ERROR] ValueError")]
    parts = event.split("\r")
    assert parts[0] == "[ERROR] ValueError: unhandled" and parts[1] == "second line"
    assert parts[2] == "Traceback (most recent call last):"
    assert parts[3].startswith("\u00a0\u00a0File ") and "logging_app.py" in parts[3]


def test_an_unhandled_exception_in_json_is_one_line(fake, proc):
    _, out = _run(fake, proc, [Event({"crash": True}, request_id="req-x")], AWS_LAMBDA_LOG_FORMAT="json")
    (record,) = [json.loads(line) for line in out.splitlines()
                 if line.startswith("{") and '"errorType": "ValueError"' in line and "logger" not in line]
    assert list(record)[:2] == ["timestamp", "level"] and record["level"] == "ERROR"
    assert record["errorMessage"] == "unhandled\nsecond line" and record["requestId"] == "req-x"
    assert record["stackTrace"] and "logging_app.py" in record["stackTrace"][0]


def _frames(data: bytes) -> list[tuple[int, int, str]]:
    frames = []
    while data:
        kind = int.from_bytes(data[:4], "big")
        length = int.from_bytes(data[4:8], "big")
        stamp = int.from_bytes(data[8:16], "big")
        frames.append((kind, stamp, data[16 : 16 + length].decode()))
        data = data[16 + length :]
    return frames


@pytest.mark.parametrize(("env", "warning_type", "error_type"), [
    ({}, 0xA55A0003, 0xA55A0017),
    ({"AWS_LAMBDA_LOG_LEVEL": "INFO"}, 0xA55A0013, 0xA55A0017),
    ({"AWS_LAMBDA_LOG_FORMAT": "JSON"}, 0xA55A0012, 0xA55A0016),
], ids=["text", "text-with-level", "json"])
def test_telemetry_fd_frames(fake, env, warning_type, error_type):
    read_fd, write_fd = os.pipe()
    api = fake([Event({"crash": True}), Event({})])
    p = subprocess.Popen([sys.executable, "-m", "minlambda", "logging_app.handler"],
                         env=clean_env(AWS_LAMBDA_RUNTIME_API=api.address, _LAMBDA_TELEMETRY_LOG_FD=str(write_fd),
                                       **env),
                         cwd=APPS, pass_fds=(write_fd,), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(write_fd)
    try:
        results = api.wait_results(2)
    finally:
        p.kill()
        out, _ = p.communicate(timeout=10)
    data = b""
    while chunk := os.read(read_fd, 1 << 16):
        data += chunk
    os.close(read_fd)
    frames = _frames(data)
    assert out == b""  # everything went to the fd
    assert frames[0][0] == warning_type and "imported" in frames[0][2]
    now_us = time.time() * 1e6
    assert all(abs(stamp - now_us) < 60e6 for _, stamp, _ in frames)
    crash = [f for f in frames if "ValueError" in f[2] and "Traceback" in f[2] or '"errorType": "ValueError"' in f[2]]
    assert len(crash) == 1 and crash[0][0] == error_type
    if not env:
        assert "\n" in crash[0][2] and "\r" not in crash[0][2]  # one frame, lines kept
    assert results[1].json()["fd_var"] is None  # removed from the environment


def test_the_users_own_configuration_is_left_alone(fake):
    api = fake([Event({})])
    code = ("import logging, runpy, sys; logging.basicConfig(format='MINE %(message)s', stream=sys.stdout,"
            " level=logging.INFO); sys.argv = ['minlambda', 'logging_app.handler'];"
            " runpy.run_module('minlambda', run_name='__main__')")
    p = subprocess.Popen([sys.executable, "-c", code], env=clean_env(AWS_LAMBDA_RUNTIME_API=api.address),
                         cwd=APPS, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        (result,) = api.wait_results(1)
    finally:
        p.kill()
        out, _ = p.communicate(timeout=10)
    assert "MINE info line" in out.decode() and "[WARNING]" not in out.decode()
    assert result.json()["handlers"] == 1


def test_a_function_that_never_logs_never_imports_logging(fake, proc):
    api = fake([Event({})])
    proc(["quiet_app.handler"], api.address)
    (result,) = api.wait_results(1)
    assert result.json() == {"logging_imported": False}


@pytest.mark.parametrize("telemetry", [False, True], ids=["stdout", "telemetry-fd"])
def test_context_log_writes_the_message_as_it_is(fake, telemetry):
    """The official runtime's `context.log`; and Decimal responses as JSON numbers."""
    read_fd, write_fd = os.pipe()
    api = fake([Event({})])
    extra = {"_LAMBDA_TELEMETRY_LOG_FD": str(write_fd)} if telemetry else {}
    p = subprocess.Popen([sys.executable, "-m", "minlambda", "ctxlog_app.handler"],
                         env=clean_env(AWS_LAMBDA_RUNTIME_API=api.address, **extra),
                         cwd=APPS, pass_fds=(write_fd,), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(write_fd)
    try:
        (result,) = api.wait_results(1)
    finally:
        p.kill()
        out, _ = p.communicate(timeout=10)
    data = b""
    while chunk := os.read(read_fd, 1 << 16):
        data += chunk
    os.close(read_fd)
    assert result.body == b'{"price":12.50,"count":3}'
    if telemetry:
        assert out == b""
        assert [(kind, text) for kind, _, text in _frames(data)] == [(0xA55A0003, "from context.log\n")]
    else:
        assert out == b"from context.log\n" and data == b""
