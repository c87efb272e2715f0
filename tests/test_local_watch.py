"""`python -m minlambda local HANDLER --watch`: a saved change is served within 2 s on
the same port; a syntax error is a 502 carrying the error until the next save fixes
it; a runtime that dies is started again. Real files, a real subprocess, real HTTP."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_cli import child_env, free_port

from minlambda._local.watch import changes, snapshot, watched_roots

APP = """
import os


def handler(event, context):
    if event.get("rawPath") == "/exit":
        os._exit(3)
    return {{"statusCode": 200, "body": "{version}"}}
"""


def get(port: int, path: str = "/") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def save(path: Path, text: str) -> None:
    # a new size as well as a new mtime: coarse clocks cannot hide the change
    path.write_text(text)


class Watched:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "minlambda", "local", "app.py:handler", "--http", "--watch",
                 "--port", str(self.port)],
                cwd=folder, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def until(self, expected: tuple[int, bytes], within: float) -> float:
        """Seconds until GET / answers `expected` (failing after `within`)."""
        start = time.monotonic()
        while True:
            try:
                status, _, body = get(self.port)
                if (status, body) == expected:
                    return time.monotonic() - start
            except OSError:
                pass
            elapsed = time.monotonic() - start
            assert elapsed < within, f"not {expected} after {elapsed:.2f} s:\n{self.output()}"
            time.sleep(0.05)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Watched, Path]]:
    app = tmp_path / "app.py"
    save(app, APP.format(version="one"))
    server = Watched(tmp_path)
    try:
        server.until((200, b"one"), within=15)
        yield server, app
    finally:
        server.stop()


def test_a_saved_change_is_served_within_two_seconds(watched):
    server, app = watched
    save(app, APP.format(version="second version"))
    server.until((200, b"second version"), within=2)
    assert "app.py changed: restarting app.py:handler" in server.output()


def test_a_syntax_error_is_a_502_until_the_next_save_fixes_it(watched):
    server, app = watched
    save(app, "def handler(event, context):\n    return {'statusCode': 200,\n")
    deadline = time.monotonic() + 2
    while True:
        status, headers, body = get(server.port)
        if status == 502:
            break
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    assert headers["X-Minlambda-Error"].startswith("Runtime.UserCodeSyntaxError: ")
    assert body == b"Internal Server Error" or body.startswith(b"{")
    time.sleep(0.5)  # the port stays open and keeps answering 502 with the error
    status, again, _ = get(server.port, "/another")
    assert status == 502 and again["X-Minlambda-Error"] == headers["X-Minlambda-Error"]
    output = server.output()
    assert "SyntaxError" in output  # printed on the terminal
    assert "fix it and save to try again" in output
    save(app, APP.format(version="fixed"))
    server.until((200, b"fixed"), within=2)
    assert server.process.poll() is None


HELD = """
import os
import time


def handler(event, context):
    # /held: says it started, then waits for the test's go (a file) before it answers
    if event.get("rawPath") == "/held":
        open("started", "w").close()
        while not os.path.exists("go"):
            time.sleep(0.01)
    return {"statusCode": 200, "body": "one"}
"""


def test_a_save_during_an_invocation_lets_it_finish(tmp_path: Path) -> None:
    """Saved while the old runtime runs an invocation: the invocation gets the old
    runtime's answer (as in Lambda, where a new version never cuts one short), then the
    new runtime serves."""
    app = tmp_path / "app.py"
    save(app, HELD)
    server = Watched(tmp_path)
    try:
        server.until((200, b"one"), within=15)
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(get, server.port, "/held")
            while not (tmp_path / "started").exists():
                assert not held.done(), held.result()
                time.sleep(0.01)
            save(app, APP.format(version="second version"))
            while "app.py changed: restarting" not in server.output():
                assert server.process.poll() is None, server.output()
                time.sleep(0.01)
            (tmp_path / "go").touch()
            status, _, body = held.result()
        assert (status, body) == (200, b"one"), server.output()
        server.until((200, b"second version"), within=15)
    finally:
        server.stop()


def test_a_runtime_that_dies_is_started_again(watched):
    server, _ = watched
    status, _, _ = get(server.port, "/exit")
    assert status == 502
    server.until((200, b"one"), within=10)
    assert "the runtime exited with status 3: restarting it" in server.output()


def test_ctrl_c_stops_the_server_and_the_runtime(watched):
    server, _ = watched
    assert server.stop() == 0
    output = server.output()
    assert "Traceback" not in output


def test_what_is_watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("not python\n")
    for skipped in (".venv", "__pycache__", "node_modules", ".git"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "ignored.py").write_text("y = 2\n")
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.chdir(tmp_path / "pkg")
    assert watched_roots("mod.handler") == [str(tmp_path / "pkg")]
    assert watched_roots(f"{elsewhere}/app.py:handler") == [str(tmp_path / "pkg"), str(elsewhere)]
    monkeypatch.chdir(tmp_path)
    before = snapshot([str(tmp_path)])
    assert sorted(os.path.relpath(p, tmp_path) for p in before) == ["pkg/mod.py"]
    (tmp_path / "pkg" / "mod.py").write_text("x = 22\n")
    (tmp_path / "new.py").write_text("")
    after = snapshot([str(tmp_path)])
    assert sorted(changes(before, after)) == [
        str(tmp_path / "new.py"),
        str(tmp_path / "pkg" / "mod.py"),
    ]
    (tmp_path / "new.py").unlink()
    assert changes(after, snapshot([str(tmp_path)])) == [str(tmp_path / "new.py")]
