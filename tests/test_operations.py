"""Operations, on real processes against the fake Runtime API: shutdown hooks on a
real SIGTERM (and the internal extension that makes the platform send it), SnapStart
hooks and their errors, the deadline watchdog, and `python -m minlambda schema`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import APPS, ROOT, clean_env
from fakeapi import Event


def _marks(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


# -- shutdown -----------------------------------------------------------------------------


def test_sigterm_runs_the_shutdown_hooks_then_exits_0(fake, proc, tmp_path):
    marks = tmp_path / "marks"
    api = fake([Event({"sleep": 0})])
    p = proc(["ops_app.sleeper"], api.address, OPS_HOOKS="1", OPS_MARKS=str(marks))
    api.wait_results(1)
    api.wait_holding()
    # the internal extension was registered during init, before the first /next
    (register,) = api.of_kind("extension_register")
    assert register.header("Lambda-Extension-Name") == "minlambda-shutdown-hooks"
    assert json.loads(register.body) == {"events": []}
    assert api.requests.index(register) < api.requests.index(api.of_kind("next")[0])
    assert api.wait(lambda: bool(api.of_kind("extension_next")), 5)
    assert api.of_kind("extension_next")[0].header("Lambda-Extension-Identifier") == "ext-0001"
    started = time.monotonic()
    p.popen.send_signal(signal.SIGTERM)
    code, _, err = p.wait(10)
    assert code == 0 and time.monotonic() - started < 2
    assert _marks(marks) == ["shutdown: flush_metrics", "shutdown: close_pool"]  # newest first
    assert "Traceback" not in err


def test_a_slow_shutdown_hook_is_cut_short(fake, proc, tmp_path):
    marks = tmp_path / "marks"
    api = fake([])
    p = proc(["ops_app.sleeper"], api.address, OPS_SLOW_SHUTDOWN="1", OPS_MARKS=str(marks))
    assert api.wait(lambda: bool(api.of_kind("next")), 10)
    started = time.monotonic()
    p.popen.send_signal(signal.SIGTERM)
    code, _, err = p.wait(10)
    assert code == 0 and time.monotonic() - started < 2
    assert _marks(marks) == ["shutdown: too_slow started"]
    assert "did not finish within 450 ms" in err


def test_without_shutdown_hooks_no_extension_is_registered(fake, proc):
    api = fake([Event({})])
    proc(["ops_app.sleeper"], api.address)
    api.wait_results(1)
    assert api.of_kind("extension_register") == []


def test_shutdown_hooks_run_on_the_local_emulator_too(tmp_path):
    """The emulator has the Extensions API too, so hooks can be tried locally."""
    from minlambda.testing import Emulator

    marks = tmp_path / "marks"
    with Emulator() as emulator:
        p = subprocess.Popen([sys.executable, "-m", "minlambda", "ops_app.sleeper"],
                             env=clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, OPS_HOOKS="1",
                                           OPS_MARKS=str(marks)),
                             cwd=APPS, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert emulator.invoke({"sleep": 0}).json() == {"slept": 0}
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
    assert p.returncode == 0 and b"could not register" not in err
    assert _marks(marks) == ["shutdown: flush_metrics", "shutdown: close_pool"]


# -- SnapStart ------------------------------------------------------------------------------


def test_snapstart_hooks_around_restore(fake, proc, tmp_path):
    marks = tmp_path / "marks"
    api = fake([Event({"sleep": 0})])
    proc(["ops_app.sleeper"], api.address, OPS_HOOKS="1", OPS_MARKS=str(marks),
         AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    api.wait_results(1)
    kinds = [r.kind for r in api.requests if r.kind != "extension_next"]
    assert kinds[:4] == ["extension_register", "restore_next", "next", "response"]
    assert _marks(marks) == ["before_snapshot", "after_restore"]


def test_a_failing_before_snapshot_hook_is_an_init_error(fake, proc, tmp_path):
    api = fake([Event({})])
    p = proc(["ops_app.sleeper"], api.address, OPS_HOOKS="1", OPS_FAIL="before",
             OPS_MARKS=str(tmp_path / "m"), AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    code, _, _ = p.wait()
    assert code == 1
    (error,) = api.of_kind("init_error")
    body = error.json()
    assert body["errorType"] == "Runtime.BeforeSnapshotError"
    assert body["errorMessage"] == "RuntimeError: cannot snapshot"
    assert error.header("Lambda-Runtime-Function-Error-Type") == "Runtime.BeforeSnapshotError"
    assert api.of_kind("restore_next") == [] and api.of_kind("next") == []


def test_a_failing_after_restore_hook_is_a_restore_error(fake, proc, tmp_path):
    api = fake([Event({})])
    p = proc(["ops_app.sleeper"], api.address, OPS_HOOKS="1", OPS_FAIL="after",
             OPS_MARKS=str(tmp_path / "m"), AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    code, out, _ = p.wait()
    assert code == 1
    (error,) = api.of_kind("restore_error")
    assert error.json()["errorType"] == "Runtime.AfterRestoreError"
    assert error.json()["errorMessage"] == "RuntimeError: cannot restore"
    assert error.header("Lambda-Runtime-Function-Error-Type") == "Runtime.AfterRestoreError"
    assert api.of_kind("next") == [] and "[ERROR] Runtime.AfterRestoreError" in out


def test_a_failed_restore_ends_the_process(fake, proc):
    api = fake([Event({})])
    api.restore_status = 500
    p = proc(["ops_app.sleeper"], api.address, AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    code, _, err = p.wait()
    assert code == 1 and "restore/next answered 500" in err


# -- the deadline watchdog ------------------------------------------------------------------


@pytest.mark.parametrize("handler", ["ops_app.sleeper", "ops_app.async_sleeper"])
def test_the_watchdog_logs_where_a_slow_handler_is(fake, proc, handler):
    deadline = int(time.time() * 1000) + 1500
    api = fake([Event({"sleep": 1.0}, request_id="slow-1", deadline_ms=deadline),
                Event({"sleep": 0}, request_id="quick-2")])
    p = proc([handler], api.address, MINLAMBDA_DEADLINE_WARNING_MS="1000", AWS_LAMBDA_LOG_FORMAT="JSON")
    api.wait_results(2)
    api.wait_holding()
    p.popen.kill()
    out, _ = p.popen.communicate(timeout=10)
    records = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    (warning,) = [r for r in records if r.get("logger") == "minlambda"]
    assert warning["level"] == "WARNING" and warning["requestId"] == "slow-1"
    assert "still running" in warning["message"] and "before its deadline" in warning["message"]
    where = "_deep_wait" if "async" in handler else "time.sleep(event.get"
    assert where in warning["message"] and "ops_app.py" in warning["message"]


def test_no_watchdog_without_the_variable(fake, proc):
    deadline = int(time.time() * 1000) + 600
    api = fake([Event({"sleep": 0.3}, deadline_ms=deadline)])
    p = proc(["ops_app.sleeper"], api.address)
    api.wait_results(1)
    p.popen.kill()
    out, _ = p.popen.communicate(timeout=10)
    assert b"still running" not in out


# -- schema ---------------------------------------------------------------------------------


def test_schema_prints_the_event_and_response_schemas():
    done = subprocess.run([sys.executable, "-m", "minlambda", "schema", "examples/orders.py"],
                          capture_output=True, env=clean_env(), cwd=ROOT, timeout=30)
    assert done.returncode == 0, done.stderr
    schemas = json.loads(done.stdout)
    event, response = schemas["event"], schemas["response"]
    assert event["$ref"] == "#/$defs/Order"
    order = event["$defs"]["Order"]
    assert order["required"] == ["id", "items"] and order["properties"]["coupon"]["default"] is None
    assert event["$defs"]["Item"]["properties"]["quantity"] == {"type": "integer", "exclusiveMinimum": 0}
    assert response["$defs"]["Receipt"]["required"] == ["order_id", "total", "discounted"]


def test_schema_of_untyped_and_raw_handlers():
    done = subprocess.run([sys.executable, "-m", "minlambda", "schema", "examples/raw_bytes.py"],
                          capture_output=True, env=clean_env(), cwd=ROOT, timeout=30)
    assert json.loads(done.stdout) == {"event": {"description": "the raw payload, as bytes"},
                                       "response": {"description": "bytes, sent as they are"}}
    done = subprocess.run([sys.executable, "-m", "minlambda", "schema", "examples/hello.py"],
                          capture_output=True, env=clean_env(), cwd=ROOT, timeout=30)
    assert json.loads(done.stdout) == {"event": {}, "response": {}}


def test_schema_of_a_handler_that_does_not_load_exits_2():
    done = subprocess.run([sys.executable, "-m", "minlambda", "schema", "nowhere.handler"],
                          capture_output=True, env=clean_env(), cwd=ROOT, timeout=30)
    assert done.returncode == 2 and done.stdout == b""
    assert b"Runtime.ImportModuleError" in done.stderr


# -- stdout -----------------------------------------------------------------------------


def test_prints_reach_the_pipe_at_once_so_a_killed_invocation_loses_none(fake, proc):
    """stdout is a pipe on Lambda; a timeout kills the process mid-invocation."""
    api = fake([Event({"sleep": 30})])
    p = proc(["ops_app.chatty"], api.address, PYTHONUNBUFFERED=None)  # as on Lambda
    import select

    for pipe, line in ((p.popen.stdout, b"before the long wait\n"), (p.popen.stderr, b"to stderr too\n")):
        ready, _, _ = select.select([pipe], [], [], 10)  # a buffered line never comes
        assert ready, f"nothing on the pipe while the handler runs: {line!r} is still buffered"
        assert pipe.readline() == line
    assert p.popen.poll() is None and not api.of_kind("response")
    p.popen.kill()
