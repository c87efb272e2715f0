"""Lambda Managed Instances, processes mode (the default for `def` handlers): N worker
processes forked before the handler is imported, each with its own module globals.
`python -m minlambda` against the emulator over real sockets; real signals."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import APPS, clean_env

from minlambda.testing import Emulator, LocalRuntime


class Served:
    """`python -m minlambda TARGET` against an Emulator, in processes mode."""

    def __init__(self, target: str, count: int = 4, timeout: float = 10, **env: str | None) -> None:
        self.emulator = Emulator(timeout=timeout).start()
        environ = clean_env(
            AWS_LAMBDA_RUNTIME_API=self.emulator.runtime_api,
            AWS_LAMBDA_MAX_CONCURRENCY=str(count),
            **env,
        )
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "minlambda", target], env=environ, cwd=APPS,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        # read as the platform does, all along: a worker blocks on a full pipe
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._readers = [
            threading.Thread(target=_drain, args=(pipe, into), daemon=True)
            for pipe, into in ((self.popen.stdout, self._out), (self.popen.stderr, self._err))
        ]
        for reader in self._readers:
            reader.start()

    def invoke_all(self, events: list[Any]) -> list[Any]:
        with ThreadPoolExecutor(len(events)) as pool:
            return list(pool.map(self.emulator.invoke, events))

    def wait(self, timeout: float = 20) -> tuple[int, str, str]:
        try:
            self.popen.wait(timeout)
            for reader in self._readers:
                reader.join(timeout)
        finally:
            self.emulator.close()
        return self.popen.returncode, b"".join(self._out).decode(), b"".join(self._err).decode()

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.popen.send_signal(signum)
        return self.wait()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        for reader in self._readers:
            reader.join(10)
        self.emulator.close()


def _drain(pipe: Any, into: list[bytes]) -> None:
    with pipe:
        while data := pipe.read1(65536):
            into.append(data)


def _overlap(replies: list[dict[str, Any]]) -> bool:
    return max(r["started"] for r in replies) < min(r["ended"] for r in replies)


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_concurrent_callers_each_get_their_own_answer():
    with Served("procs_app.route") as served:
        results = served.invoke_all([{"path": f"/slow/{i}", "sleep": 0.4} for i in range(4)])
        code, out, err = served.stop()
    replies = [r.json() for r in results]
    # the module global is per process: nobody sees another request's path
    assert [r["path"] for r in replies] == [f"/slow/{i}" for i in range(4)]
    assert [r["request_id"] for r in replies] == [r.request_id for r in results]
    assert len({r["pid"] for r in replies}) == 4 and _overlap(replies)
    # each worker sets the trace variable for its own invocation, as one process does
    assert all(r["trace_env"] and r["trace_env"].startswith("Root=1-") for r in replies)
    assert len({r["trace_env"] for r in replies}) == 4
    # init ran once in each worker, never in the supervisor
    inits = [line for line in out.splitlines() if line.startswith("init ran in")]
    assert sorted(inits) == sorted(f"init ran in {r['pid']}" for r in replies)
    # logs are JSON lines, each with its own invocation's request id
    logs = [r for r in _json_lines(out) if r.get("message", "").startswith("served")]
    assert sorted((r["message"], r["requestId"]) for r in logs) == sorted(
        (f"served /slow/{i}", results[i].request_id) for i in range(4)
    )
    assert code == 0, err
    # SIGTERM reached every worker, and each ran its @on_shutdown hook
    hooks = [line for line in out.splitlines() if line.startswith("shutdown hook ran in")]
    assert sorted(hooks) == sorted(f"shutdown hook ran in {r['pid']}" for r in replies)
    assert err == ""


def test_lines_of_concurrent_workers_never_interleave():
    # PYTHONUNBUFFERED (set in many containers) makes every write a system call
    with Served("procs_app.route", PYTHONUNBUFFERED="1") as served:
        results = served.invoke_all([{"path": "/c", "chatter": 300}] * 4)
        code, out, err = served.stop()
    assert all(r.ok for r in results) and code == 0
    chatter = [line for line in out.splitlines() if "chatter" in line]
    assert len(chatter) == 1200
    assert all(re.fullmatch(r"chatter \d+ \d{4} x{200}", line) for line in chatter), [
        line for line in chatter if not re.fullmatch(r"chatter \d+ \d{4} x{200}", line)
    ][:3]


def test_an_import_error_is_posted_once_and_the_runtime_exits():
    with Served("procs_badimport.handler", MINLAMBDA_CONCURRENCY="processes") as served:
        result = served.emulator.invoke({})
        code, out, err = served.wait()
    assert result.status == 502 and result.error_type == "RuntimeError"
    assert result.json()["errorMessage"] == "no database at init"
    assert code == 1 and err == ""
    # worker 0 failed init: no other worker was started
    assert len([r for r in _json_lines(out) if r.get("errorType") == "RuntimeError"]) == 1


def test_a_replacement_that_fails_init_takes_the_platforms_403_silently(tmp_path: Path):
    marker = str(tmp_path / "imported")
    with Served("procs_second_import.handler", count=1, MINLAMBDA_TEST_MARKER=marker) as served:
        assert served.emulator.invoke({}).ok
        dead = served.emulator.invoke({"die": True})
        code, out, err = served.wait()
    assert dead.status == 502
    # each replacement failed its import and posted the init error: the platform
    # (here the emulator) answered 403, init being long over; nothing was said of it
    assert "403" not in err and "answered" not in err, err
    init_errors = [r for r in _json_lines(out) if r.get("errorMessage") == "the second import fails"]
    assert len(init_errors) >= 2
    assert code == 1 and err.splitlines()[-1].startswith("minlambda: workers keep dying (")


def test_no_worker_polls_before_the_first_has_registered_the_extension(
    monkeypatch: pytest.MonkeyPatch,
):
    from minlambda._local import emulator as _emulator

    seen: list[str] = []
    register, serve_next = (
        _emulator._Handler._serve_extension_register, _emulator._Handler._serve_next
    )  # fmt: skip

    def registering(self: Any) -> None:
        time.sleep(0.5)  # a slow answer: nobody may poll before it came
        register(self)
        seen.append("register")

    def polling(self: Any) -> None:
        seen.append("next")
        serve_next(self)

    monkeypatch.setattr(_emulator._Handler, "_serve_extension_register", registering)
    monkeypatch.setattr(_emulator._Handler, "_serve_next", polling)
    with Served("procs_app.route", count=4, MINLAMBDA_CONCURRENCY="processes") as served:
        assert all(r.ok for r in served.invoke_all([{"path": "/x", "sleep": 0.3}] * 4))
        code, _, err = served.stop()
    assert code == 0, err
    assert seen[0] == "register" and seen.count("register") == 1, seen


def test_an_import_error_in_the_default_mode_stops_at_the_first_worker():
    with Served("procs_badimport.handler") as served:
        result = served.emulator.invoke({})
        code, out, err = served.wait()
    assert result.status == 502 and result.error_type == "RuntimeError"
    assert code == 1 and err == ""
    assert len([r for r in _json_lines(out) if r.get("errorType") == "RuntimeError"]) == 1


def test_a_worker_killed_mid_invocation_is_replaced():
    with Served("procs_app.route", count=2, timeout=5) as served:
        # warm: both workers up
        assert all(r.ok for r in served.invoke_all([{"path": "/a", "sleep": 0.3}] * 2))
        dead = served.emulator.invoke({"path": "/die", "die": True})
        assert dead.status == 502 and dead.error_type == "Runtime.ExitError"
        after = served.invoke_all([{"path": f"/after/{i}", "sleep": 0.3} for i in range(2)])
        code, out, err = served.stop()
    assert [r.json()["path"] for r in after] == ["/after/0", "/after/1"]
    assert _overlap([r.json() for r in after])  # both slots serve again
    assert code == 0
    (line,) = err.splitlines()
    assert "was killed by SIGKILL; starting another" in line and line.startswith("minlambda: worker ")
    assert len([line for line in out.splitlines() if line.startswith("init ran in")]) == 3


def test_workers_that_keep_dying_end_the_runtime_with_one_line():
    with Served("procs_dying.handler", count=2) as served:
        code, out, err = served.wait(30)
    assert code == 1
    lines = err.splitlines()
    assert lines[-1].startswith("minlambda: workers keep dying (")
    assert lines[-1].endswith("was killed by SIGKILL); exiting")
    assert all("starting another" in line for line in lines[:-1])


def test_a_runtime_api_that_fails_ends_the_runtime_with_one_line(fake, proc):
    from fakeapi import Event

    api = fake([Event({"path": "/x"})], after="500")
    p = proc(["procs_app.route"], api.address, AWS_LAMBDA_MAX_CONCURRENCY="3")
    code, _, err = p.wait(20)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("minlambda: the Runtime API failed, exiting: GET /next answered 500")


def test_each_worker_writes_to_the_telemetry_log_socket():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "logs.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        server.listen(16)
        received: list[bytes] = []
        lock = threading.Lock()

        def collect(conn: socket.socket) -> None:
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
            with lock:
                received.append(b"".join(chunks))

        def accept() -> None:
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                threading.Thread(target=collect, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        with Served(
            "procs_app.route", count=2, _LAMBDA_TELEMETRY_LOG_FD_PROVIDER_SOCKET=path
        ) as served:
            results = served.invoke_all([{"path": f"/p/{i}", "sleep": 0.3} for i in range(2)])
            code, out, err = served.stop()
        deadline = time.monotonic() + 5
        while len(received) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.close()
    assert code == 0 and all(r.ok for r in results)
    # two connections per worker (stdout and stderr), and nothing left on the pipes
    assert len(received) == 4
    assert "init ran" not in out and "served" not in out
    text = b"".join(received).decode()
    pids = {r.json()["pid"] for r in results}
    assert {f"init ran in {pid}" for pid in pids} <= set(text.splitlines())
    served_logs = [r for r in _json_lines(text) if r.get("message", "").startswith("served")]
    assert sorted(r["requestId"] for r in served_logs) == sorted(r.request_id for r in results)


def test_a_handler_declared_threaded_runs_in_threads_of_one_process():
    with Served("procs_modes.threaded", count=3) as served:
        results = served.invoke_all([{"sleep": 0.3}] * 3)
        code, _, err = served.stop()
    replies = [r.json() for r in results]
    assert len({r["pid"] for r in replies}) == 1
    assert len({r["thread"] for r in replies}) == 3
    assert len({r["loop"] for r in replies}) == 3  # each thread has its own current loop
    assert code == 0, err


def test_an_async_handler_runs_as_tasks_on_one_loop():
    with Served("procs_modes.tasks", count=3) as served:
        replies = [r.json() for r in served.invoke_all([{"sleep": 0.3}] * 3)]
    assert len({r["pid"] for r in replies}) == 1 and len({r["loop"] for r in replies}) == 1


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_the_environment_variable_chooses_the_mode(mode):
    with Served("procs_modes.threaded", count=2, MINLAMBDA_CONCURRENCY=mode) as served:
        replies = [r.json() for r in served.invoke_all([{"sleep": 0.3}] * 2)]
    assert len({r["pid"] for r in replies}) == (1 if mode == "threads" else 2)


def test_local_runtime_offers_the_same_modes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(APPS))
    import procs_modes

    with LocalRuntime(procs_modes.plain, max_concurrency=3) as runtime:
        with ThreadPoolExecutor(3) as pool:
            processes = [r.json() for r in pool.map(runtime.invoke, [{"sleep": 0.3}] * 3)]
    assert len({r["pid"] for r in processes}) == 3 and os.getpid() not in {
        r["pid"] for r in processes
    }
    with LocalRuntime(procs_modes.plain, max_concurrency=3, concurrency="threads") as runtime:
        with ThreadPoolExecutor(3) as pool:
            threads = [r.json() for r in pool.map(runtime.invoke, [{"sleep": 0.3}] * 3)]
    assert {r["pid"] for r in threads} == {os.getpid()}
    assert len({r["thread"] for r in threads}) == 3


def test_local_runtime_needs_an_importable_name_for_processes():
    def nested(event, context):
        return event

    runtime = LocalRuntime(nested, max_concurrency=2)
    with pytest.raises(ValueError, match="runs in worker processes .* define it at the top of a module"):
        runtime.start()
    with LocalRuntime(nested, max_concurrency=2, concurrency="threads") as runtime:
        assert runtime.invoke({"a": 1}).json() == {"a": 1}


def test_the_local_emulator_serves_processes_mode(tmp_path: Path):
    port = _free_port()
    env = clean_env(AWS_LAMBDA_MAX_CONCURRENCY="3", MINLAMBDA_LOCAL_PORT=str(port))
    popen = subprocess.Popen(
        [sys.executable, "-m", "minlambda", "local", "procs_app.route"], env=env, cwd=APPS,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        from minlambda._local.caller import invoke

        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                assert time.monotonic() < deadline and popen.poll() is None
                time.sleep(0.05)
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(
                lambda i: invoke("127.0.0.1", port, {"path": f"/l/{i}", "sleep": 0.3}), range(3)
            ))  # fmt: skip
        popen.send_signal(signal.SIGTERM)
        out, err = popen.communicate(timeout=20)
    finally:
        if popen.poll() is None:
            popen.kill()
            popen.communicate()
    replies = [r.json() for r in results]
    assert [r["path"] for r in replies] == ["/l/0", "/l/1", "/l/2"]
    assert len({r["pid"] for r in replies}) == 3
    assert popen.returncode == 0, err
    assert out.decode().count("shutdown hook ran in") == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
