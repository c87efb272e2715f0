"""Thousands of invocations through one `python -m minlambda` process, each with its
own trace id: every one answered once and correctly, RSS and fds flat. (The full
100,000-invocation run is benchmarks/soak.py.)"""

from __future__ import annotations

import ctypes
import http.client
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, clean_env

from minlambda._loop import TraceEnv
from minlambda.testing import Emulator

INVOKE = "/2015-03-31/functions/function/invocations"


def _status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(key)


@pytest.mark.slow
def test_thousands_of_invocations_keep_rss_and_fds_flat():
    with Emulator() as emulator:
        env = clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api)
        env["PYTHONPATH"] += os.pathsep + str(ROOT / "benchmarks")
        runtime = subprocess.Popen([sys.executable, "-m", "minlambda", "soak_app.handler"], env=env)
        conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=30)
        traces, samples = set(), {}
        try:
            for n in range(1, 4001):
                conn.request("POST", INVOKE, body=b'{"n": %d}' % n)
                answer = conn.getresponse()
                reply = json.loads(answer.read())
                assert answer.status == 200 and reply["n"] == n, reply
                traces.add(reply["trace"])
                if n in (1000, 4000):
                    samples[n] = (_status_kb(runtime.pid, "VmRSS"), len(os.listdir(f"/proc/{runtime.pid}/fd")))
        finally:
            conn.close()
            runtime.kill()
            runtime.wait()
    assert len(traces) == 4000  # each invocation saw its own trace id
    (rss_before, fds_before), (rss_after, fds_after) = samples[1000], samples[4000]
    assert fds_after == fds_before
    # a setenv per invocation would add ~140 bytes each: ~420 KB over these 3,000
    assert rss_after - rss_before < 256, f"RSS grew {rss_after - rss_before} KB over 3,000 invocations"


def test_the_trace_id_never_reaches_the_C_environment():
    libc = ctypes.CDLL(None)
    libc.getenv.restype = ctypes.c_char_p
    trace = TraceEnv()
    try:
        trace.set("Root=1-abc;Sampled=1")
        assert os.environ["_X_AMZN_TRACE_ID"] == "Root=1-abc;Sampled=1"
        assert libc.getenv(b"_X_AMZN_TRACE_ID") is None  # no setenv was called
        trace.set(None)
        assert "_X_AMZN_TRACE_ID" not in os.environ
    finally:
        trace.set(None)
