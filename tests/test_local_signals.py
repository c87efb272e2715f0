"""How a local server stops: Ctrl-C (SIGINT) however it was started, and a second
Ctrl-C during the shutdown. Real processes, real signals."""

from __future__ import annotations

import json
import signal

import pytest
from test_cli import Server, child_env, free_port, post


def _serve(args: list[str], port: int, **kwargs: bool) -> Server:
    process = Server(args, child_env(MINLAMBDA_LOCAL_PORT=str(port)), **kwargs)
    process.wait_port(port)
    assert process.first_line().startswith("minlambda: serving ")
    return process


SERVERS = {
    "local": ["-m", "minlambda", "local", "serve_script.greet"],
    "local --http": ["-m", "minlambda", "local", "serve_script.greet", "--http"],
    "local --watch": ["-m", "minlambda", "local", "serve_script.greet", "--watch"],
    "serve() in a script": ["serve_script.py"],
    "python -m minlambda HANDLER": ["-m", "minlambda", "serve_script.greet"],
}


@pytest.mark.parametrize("args", SERVERS.values(), ids=SERVERS.keys())
def test_sigint_stops_a_server_started_with_sigint_ignored(args: list[str]) -> None:
    # a background job of a non-interactive shell (`python app.py &` in a script)
    # starts with SIGINT ignored: the local server still stops on it, cleanly
    port = free_port()
    process = _serve(args, port, sigint_ignored=True)
    try:
        status, _, body = post(port, json.dumps({"name": "Ada"}).encode())
        assert status == 200 and json.loads(body)["hello"] == "Ada"
        code, _, _, err = process.interrupt(timeout=20)
        assert code == 0, err
        assert b"Traceback" not in err
    finally:
        process.stop()


SHUTDOWNS = {  # how the server runs: (--watch, environment)
    "one runtime": (False, {}),
    "threads": (False, {"AWS_LAMBDA_MAX_CONCURRENCY": "2", "MINLAMBDA_CONCURRENCY": "threads"}),
    "processes": (False, {"AWS_LAMBDA_MAX_CONCURRENCY": "2", "MINLAMBDA_CONCURRENCY": "processes"}),
    "--watch": (True, {}),
}


@pytest.mark.parametrize(("watch", "env"), SHUTDOWNS.values(), ids=SHUTDOWNS.keys())
def test_a_second_ctrl_c_during_the_shutdown_exits_quietly(watch: bool, env: dict[str, str]) -> None:
    port = free_port()
    args = ["-m", "minlambda", "local", "slow_shutdown.handler"] + (["--watch"] if watch else [])
    process = Server(args, child_env(MINLAMBDA_LOCAL_PORT=str(port), **env))
    try:
        process.wait_port(port)
        assert process.first_line().startswith("minlambda: serving ")
        assert json.loads(post(port, b"{}")[2]) == {"ok": True}
        process.popen.send_signal(signal.SIGINT)
        while process.first_line() != "shutdown started":  # the hook runs, and lingers
            pass
        # the second Ctrl-C: no traceback, exit status 130, and no process left behind
        # (communicate() sees the end of stdout only when every process holding it,
        # the runtime and its workers included, has gone)
        code, _, _, err = process.interrupt(timeout=20)
        assert code == 130, err
        assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err
    finally:
        process.stop()

