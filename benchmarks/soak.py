"""Soak: N invocations (default 100,000) through one `python -m minlambda` process
against the local emulator, each with its own trace id. Prints a JSON line with the
runtime's RSS and open file descriptors every 10,000 invocations, then a summary;
exits 1 if an invocation was lost, answered wrongly, or RSS/fds did not stay flat.

    python benchmarks/soak.py [--invocations 100000] [--every 10000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from minlambda.testing import Emulator  # noqa: E402

INVOKE = "/2015-03-31/functions/function/invocations"


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invocations", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=10_000)
    args = parser.parse_args()
    emulator = Emulator().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    env.update(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, PYTHONPATH=os.pathsep.join([str(HERE.parent), str(HERE)]))
    runtime = subprocess.Popen([sys.executable, "-m", "minlambda", "soak_app.handler"], env=env, cwd=HERE)
    conn = http.client.HTTPConnection(emulator.host, emulator.port)
    samples, traces, failures = [], set(), 0
    started = time.monotonic()
    try:
        for n in range(1, args.invocations + 1):
            conn.request("POST", INVOKE, body=b'{"n": %d}' % n)
            answer = conn.getresponse()
            body = answer.read()
            reply = json.loads(body) if answer.status == 200 else None
            if not reply or reply.get("n") != n or not reply.get("trace"):
                failures += 1
                print(json.dumps({"failure": n, "status": answer.status, "body": body[:200].decode()}), flush=True)
            else:
                traces.add(reply["trace"])
            if n % args.every == 0 or n == 1000:
                sample = {"invocations": n, "rss_kb": rss_kb(runtime.pid), "fds": fds(runtime.pid),
                          "elapsed_s": round(time.monotonic() - started, 1)}
                samples.append(sample)
                print(json.dumps(sample), flush=True)
    finally:
        conn.close()
        runtime.kill()
        runtime.wait()
        emulator.close()
    base = samples[0]
    growth_kb = samples[-1]["rss_kb"] - base["rss_kb"]
    summary = {
        "invocations": args.invocations, "failures": failures, "distinct_trace_ids": len(traces),
        "rss_kb_after_1000": base["rss_kb"], "rss_kb_at_end": samples[-1]["rss_kb"], "rss_growth_kb": growth_kb,
        "fds": sorted({s["fds"] for s in samples}),
        "invocations_per_s": round(args.invocations / (time.monotonic() - started)),
    }
    print(json.dumps({"summary": summary}), flush=True)
    flat = growth_kb < 1024 and len(summary["fds"]) == 1
    return 0 if failures == 0 and len(traces) == args.invocations and flat else 1


if __name__ == "__main__":
    sys.exit(main())
