"""Every thread that runs handler code has a current asyncio event loop, as the
official runtime's main thread does: a sync handler that calls
asyncio.get_event_loop() (Mangum does) works under every serving path, with
warnings as errors."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading

import pytest
from conftest import APPS, clean_env

from minlambda.testing import Emulator, LocalRuntime


def asks_for_the_loop(event, context):
    loop = asyncio.get_event_loop()
    return {"thread": threading.current_thread().name, "running": loop.is_running(),
            "ran": loop.run_until_complete(asyncio.sleep(0, "ran on it"))}  # fmt: skip


def test_local_runtime_thread_has_a_loop():
    with LocalRuntime(asks_for_the_loop) as runtime:
        results = [runtime.invoke({}) for _ in range(2)]
    assert [r.json() for r in results] == [
        {"thread": "minlambda-runtime", "running": False, "ran": "ran on it"}
    ] * 2


def test_the_pytest_fixture_thread_has_a_loop(lambda_runtime):
    assert lambda_runtime(asks_for_the_loop).invoke({}).json()["ran"] == "ran on it"


def test_threads_mode_threads_have_a_loop_each():
    with LocalRuntime(asks_for_the_loop, max_concurrency=2, concurrency="threads") as runtime:
        results = [runtime.invoke({}) for _ in range(4)]
    assert all(r.json()["ran"] == "ran on it" for r in results)
    assert {r.json()["thread"] for r in results} <= {"minlambda-worker-0", "minlambda-worker-1"}


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-m", "minlambda", *args],
        env=clean_env(PYTHONWARNINGS="error", **env), cwd=APPS, capture_output=True, timeout=30,
    )  # fmt: skip


def test_invoke_has_a_loop():
    done = _cli(["invoke", "procs_modes.plain", "--event", "{}"])
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"pid", "thread", "loop"}


@pytest.mark.parametrize("concurrency", [None, "2"])
def test_the_lambda_process_main_thread_and_workers_have_a_loop(concurrency):
    with Emulator() as emulator:
        env = {"AWS_LAMBDA_RUNTIME_API": emulator.runtime_api}
        if concurrency:
            env["AWS_LAMBDA_MAX_CONCURRENCY"] = concurrency
        proc = subprocess.Popen(
            [sys.executable, "-W", "error", "-m", "minlambda", "procs_modes.plain"],
            env=clean_env(PYTHONWARNINGS="error", **env), cwd=APPS,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            results = [emulator.invoke({}) for _ in range(2)]
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=20)
    assert all(r.ok for r in results), (results, err)
    assert all(set(r.json()) == {"pid", "thread", "loop"} for r in results)
