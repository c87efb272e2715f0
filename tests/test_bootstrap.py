"""`python -m minlambda` as Lambda runs it: handler forms, init errors, and how the
process ends when the Runtime API fails. Real subprocesses against the fake API."""

from __future__ import annotations

import os
import sys
import time

import pytest
from conftest import APPS, RUNTIME_DIR
from fakeapi import INIT_ERROR, Event


def _serve(fake, proc, target, script=None, **env):
    api = fake(script if script is not None else [Event({"n": 1})])
    p = proc([target] if target else [], api.address, **env)
    return api, p


FORMS = {
    "module.function": "echo.handler",
    "module:function": "echo:handler",
    "file.py": "echo.py",
    "file.py:function": "echo.py:handler",
    "path/file.py:function": str(APPS / "echo.py") + ":handler",
    "package path": "pkg/sub.handler",
    "dotted package": "pkg.sub.handler",
}


@pytest.mark.parametrize("target", FORMS.values(), ids=FORMS.keys())
def test_every_handler_form_serves(fake, proc, target):
    api, p = _serve(fake, proc, target)
    (result,) = api.wait_results(1)
    assert result.kind == "response"
    assert result.json() in ({"n": 1}, {"from": "pkg.sub"})
    p.kill()


def test_handler_from_the_HANDLER_variable(fake, proc):
    api, _ = _serve(fake, proc, None, _HANDLER="echo.handler")
    assert api.wait_results(1)[0].json() == {"n": 1}


def test_LAMBDA_TASK_ROOT_is_on_sys_path(fake, proc, tmp_path):
    api = fake([Event({"n": 2})])
    proc(["plain.handler"], api.address, cwd=tmp_path, LAMBDA_TASK_ROOT=str(APPS), PYTHONPATH=None)
    assert api.wait_results(1)[0].json()["event"] == {"n": 2}


def test_the_current_directory_is_on_sys_path(fake, proc, tmp_path):
    (tmp_path / "here.py").write_text("def handler(event, context):\n    return 'here'\n")
    api = fake([Event({})])
    proc(["here.handler"], api.address, cwd=tmp_path)
    assert api.wait_results(1)[0].json() == "here"


def test_a_plain_awslambdaric_handler_works_unchanged(fake, proc):
    api = fake([Event({"a": 1}, request_id="rid-1"), Event(5), Event("x")])
    proc(["plain.handler"], api.address, AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024")
    first, *_ = api.wait_results(3)
    assert first.json() == {"event": {"a": 1}, "request_id": "rid-1", "memory": 1024}


def test_a_plain_handler_annotations_are_not_used(fake, proc):
    # typing is opt-in: `event: int` / `-> int` on an undecorated function change nothing
    api = fake([Event(5), Event("x"), Event({"a": [1, None]})])
    proc(["plain.annotated"], api.address)
    results = api.wait_results(3)
    assert [r.kind for r in results] == ["response"] * 3
    assert [r.json() for r in results] == [5, "x", {"a": [1, None]}]


def test_a_plain_handler_returning_bytes_sends_them_verbatim(fake, proc):
    api = fake([Event({})])
    proc(["plain.returns_bytes"], api.address)
    (result,) = api.wait_results(1)
    assert result.body == b"\x00raw"


@pytest.mark.parametrize(("selector", "which"), [("first", "first"), ("multi.second", "second"),
                                                 ("the-second", "second"), ("multi:first", "first")])
def test_HANDLER_selects_among_handlers_of_a_script_run_as_main(fake, selector, which):
    import subprocess

    from conftest import clean_env

    api = fake([Event({})])
    env = clean_env(AWS_LAMBDA_RUNTIME_API=api.address, _HANDLER=selector)
    p = subprocess.Popen([sys.executable, str(APPS / "multi.py")], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        assert api.wait_results(1)[0].json() == {"which": which}
    finally:
        p.kill()
        p.communicate()


def test_several_handlers_without_HANDLER_is_an_init_error_listing_them(fake):
    import subprocess

    from conftest import clean_env

    api = fake([Event({})])
    env = clean_env(AWS_LAMBDA_RUNTIME_API=api.address)
    p = subprocess.run([sys.executable, str(APPS / "multi.py")], env=env, capture_output=True, timeout=20)
    assert p.returncode == 1
    (error,) = api.of_kind("init_error")
    body = error.json()
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert "__main__.first" in body["errorMessage"] and "the-second" in body["errorMessage"]


# -- init errors ----------------------------------------------------------------------

INIT_ERRORS = {
    "import error": ("import_error.handler", "Runtime.ImportModuleError",
                     "Unable to import module 'import_error': No module named 'module_that_does_not_exist'"),
    "missing module": ("nowhere.handler", "Runtime.ImportModuleError",
                       "Unable to import module 'nowhere': No module named 'nowhere'"),
    "syntax error": ("syntax_error.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'syntax_error'"),
    "raises at import": ("raises_at_import.handler", "ConfigMissing", "TABLE_NAME is not set"),
    "handler not found": ("echo.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'echo'"),
    "not callable": ("plain.not_callable", "Runtime.HandlerNotFound", "is not callable"),
    "malformed name": ("nodots", "Runtime.MalformedHandlerName", "Bad handler 'nodots'"),
    "invalid schema": ("bad_schema.handler", "Runtime.InvalidSchema", "NotASchema is a plain class"),
    "missing file": ("missing.py", "Runtime.ImportModuleError", "Unable to import module 'missing.py'"),
    "no handler in file": ("plain.py", "Runtime.HandlerNotFound", "No handler is registered"),
    "builtin module": ("sys.exit", "Runtime.BuiltInModuleConflict", "built-in module sys"),
}


@pytest.mark.parametrize(("target", "error_type", "message"), INIT_ERRORS.values(), ids=INIT_ERRORS.keys())
def test_init_errors_are_posted_then_the_process_exits_1(fake, proc, target, error_type, message):
    api, p = _serve(fake, proc, target)
    code, out, err = p.wait()
    assert code == 1
    assert api.of_kind("next") == [], "an event was fetched after a failed init"
    (request,) = api.of_kind("init_error")
    assert request.target == INIT_ERROR and request.method == "POST"
    body = request.json()
    assert list(body)[:4] == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorType"] == error_type
    assert message in body["errorMessage"]
    assert body["requestId"] == ""
    expected_header = error_type if error_type.startswith("Runtime.") else f"Function.{error_type}"
    assert request.header("Lambda-Runtime-Function-Error-Type") == expected_header
    # logged once, as one event on stdout, as the managed runtime logs it
    (line,) = [line for line in out.splitlines() if line.startswith("[ERROR]")]
    assert line.startswith(f"[ERROR] {error_type}: ")


def test_an_error_raised_at_import_keeps_its_stack(fake, proc):
    api, p = _serve(fake, proc, "raises_at_import.handler")
    p.wait()
    body = api.of_kind("init_error")[0].json()
    trace = "".join(body["stackTrace"])
    assert "raises_at_import.py" in trace and "in _load" in trace
    assert "importlib" not in trace and RUNTIME_DIR not in trace


def test_the_syntax_error_names_file_and_line(fake, proc):
    api, p = _serve(fake, proc, "syntax_error.handler")
    p.wait()
    body = api.of_kind("init_error")[0].json()
    assert "syntax_error.py" in body["stackTrace"][0] and "Line 1" in body["stackTrace"][0]


# -- how the process ends --------------------------------------------------------------


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one stderr line, got {lines}"
    return lines[0]


@pytest.mark.parametrize("status", [403, 500])
def test_a_failed_next_exits_non_zero_with_one_stderr_line(fake, proc, status):
    api, p = _serve(fake, proc, "echo.handler", [Event({"n": 1}), Event(status=status)])
    code, out, err = p.wait()
    assert code == 1
    line = _one_line(err)
    assert f"answered {status}" in line and line.startswith("minlambda: ")
    assert len(api.results) == 1


def test_a_500_answer_to_a_result_exits_non_zero(fake, proc):
    api, p = _serve(fake, proc, "echo.handler", [Event({"n": 1}, result_status=500)])
    code, _, err = p.wait()
    assert code == 1 and "answered 500" in _one_line(err)


def test_the_api_going_away_exits_within_5_seconds(fake, proc):
    api = fake([Event({"n": 1})], after="gone")
    p = proc(["echo.handler"], api.address)
    api.wait_results(1)
    started = time.monotonic()
    code, _, err = p.wait(15)
    assert code == 1 and time.monotonic() - started < 5
    assert "the Runtime API failed, exiting" in _one_line(err)


def test_an_api_that_is_not_there_exits_within_5_seconds(proc):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    p = proc(["echo.handler"], f"127.0.0.1:{port}")
    code, _, err = p.wait(15)
    assert code == 1 and time.monotonic() - started < 5
    assert "Cannot connect" in _one_line(err)


@pytest.mark.parametrize("address", ["nonsense", "host:", "host:99999", "127.0.0.1:9001/path"])
def test_a_bad_runtime_api_address_exits_1(proc, address):
    p = proc(["echo.handler"], address)
    code, _, err = p.wait()
    assert code == 1 and "AWS_LAMBDA_RUNTIME_API must be host:port" in _one_line(err)


def test_the_loop_serves_after_handler_errors(fake, proc):
    script = [Event({"n": i}) if i % 2 else Event(b"{broken") for i in range(10)]
    api, p = _serve(fake, proc, "echo.handler", script)
    results = api.wait_results(10)
    assert [r.kind for r in results] == ["error", "response"] * 5
    api.wait_holding()
    assert p.popen.poll() is None
    assert os.path.exists(APPS / "echo.py")
