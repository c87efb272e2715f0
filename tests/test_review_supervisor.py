"""Review of processes mode (minlambda._supervisor): what happens between fork and
the worker's own code, reports read while stopping, and replacement workers.
Real processes, real signals, the emulator over real sockets."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import APPS, ROOT, clean_env
from test_processes import Served

from minlambda._local import emulator as _emulator


def _run(script: str, timeout: float = 20) -> tuple[subprocess.Popen[str], str, str]:
    popen = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], env=clean_env(), cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        out, err = popen.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        out, err = popen.communicate()
        pytest.fail(f"the supervisor did not end:\n{out}\n{err}")
    return popen, out, err


def test_a_failure_between_fork_and_the_worker_never_returns_into_the_supervisor():
    # anything that raises in the child before the worker's body (here: the lifeline
    # thread cannot start) must end that child, not unwind it through the
    # supervisor's loop and out of supervise() as a second supervisor
    popen, out, err = _run(
        """
        import os
        from minlambda import _supervisor

        def broken(fd):
            raise RuntimeError("can't start new thread")

        _supervisor._watch_lifeline = broken

        def serve(slot, first, report):
            print(f"serving in {os.getpid()}", flush=True)
            os._exit(0)

        try:
            _supervisor.supervise(1, serve)
        finally:
            print(f"returned in {os.getpid()}", flush=True)
        """
    )
    assert out.splitlines() == [f"returned in {popen.pid}"], (out, err)
    assert popen.returncode == 1
    assert "worker failed: RuntimeError: can't start new thread" in err


def test_a_sigterm_right_after_fork_is_not_lost_in_the_supervisors_handler():
    # SIGTERM that reaches a worker before it reset its signal handlers ran the
    # supervisor's handler in the child (which only notes it): the worker served on
    popen, out, err = _run(
        """
        import os, signal, time
        from minlambda import _supervisor

        real = _supervisor._watch_lifeline

        def early_sigterm(fd):
            os.kill(os.getpid(), signal.SIGTERM)  # as _stop forwards it, just after fork
            time.sleep(0.2)
            real(fd)

        _supervisor._watch_lifeline = early_sigterm

        def serve(slot, first, report):
            print(f"serving in {os.getpid()}", flush=True)
            time.sleep(30)
            os._exit(0)

        _supervisor.supervise(1, serve)
        """,
        timeout=15,
    )
    assert "serving" not in out, (out, err)
    assert popen.returncode == 1


def test_no_worker_is_started_once_the_supervisor_is_stopping():
    # worker 0 says "processes" only after the supervisor got SIGTERM: the report is
    # read while stopping, and must not fork the other workers then
    popen, out, err = _run(
        """
        import os, signal, time
        from minlambda import _supervisor

        def serve(slot, first, report):
            if not first:
                print(f"spawned {slot}", flush=True)
                os._exit(0)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a worker slow to stop
            os.kill(os.getppid(), signal.SIGTERM)
            time.sleep(0.3)
            report(_supervisor.PROCESSES)
            time.sleep(0.1)
            os._exit(0)

        _supervisor.supervise(3, serve)
        """
    )
    assert "spawned" not in out, (out, err)
    assert popen.returncode == 0, err


def test_a_replaced_self_serving_worker_does_not_register_the_extension_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # threads mode: worker 0 serves every slot; when it dies, its replacement is not
    # the environment's first process (the extension is registered, SnapStart is over)
    (tmp_path / "review_threads_app.py").write_text(
        textwrap.dedent(
            """
            import os, signal
            from minlambda import lambda_handler, on_shutdown

            @lambda_handler(concurrency="threads")
            def handler(event, context):
                if event.get("die"):
                    os.kill(os.getpid(), signal.SIGKILL)
                return {"pid": os.getpid()}

            @on_shutdown
            def bye():
                print(f"shutdown hook ran in {os.getpid()}", flush=True)
            """
        )
    )
    registrations: list[int] = []
    real = _emulator._Handler._serve_extension_register

    def counted(self: _emulator._Handler) -> None:
        registrations.append(1)
        real(self)

    monkeypatch.setattr(_emulator._Handler, "_serve_extension_register", counted)
    path = os.pathsep.join([str(ROOT), str(APPS), str(tmp_path)])
    with Served("review_threads_app.handler", count=2, timeout=5, PYTHONPATH=path) as served:
        first = served.emulator.invoke({})
        assert first.ok
        dead = served.emulator.invoke({"die": True})
        assert dead.status == 502
        after = served.emulator.invoke({})
        assert after.ok and after.json()["pid"] != first.json()["pid"]
        code, out, err = served.stop()
    assert code == 0, err
    assert len(registrations) == 1
    assert out.count("shutdown hook ran in") == 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
