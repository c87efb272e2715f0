"""Concurrency and streaming: throughput under Lambda Managed Instances, and time to
first byte of a streamed response.

    python benchmarks/concurrency.py [--invocations 160]

1. `python -m minlambda slow_apps.io_bound` (an async handler doing 50 ms of I/O)
   against the local emulator, driven by 8 concurrent callers, once with the
   sequential runtime and once with AWS_LAMBDA_MAX_CONCURRENCY=8: invocations per
   second of each, and their ratio (the target is >= 5).
2. Managed Instances modes side by side, N=8, a plain `def` handler doing 50 ms of
   blocking I/O (`slow_plain.io_sync`): minlambda's processes mode (the default),
   threads mode, tasks mode (the async handler above), and awslambdaric's fork mode
   (`python -m awslambdaric` with AWS_LAMBDA_MAX_CONCURRENCY=8), each driven by 8
   concurrent callers: invocations per second, and the memory of the whole process
   tree once warm (RSS summed, and PSS summed: forked workers share pages, which RSS
   counts once per process and PSS divides among them).
3. CPU-bound handlers (`slow_plain.cpu_bound`, pure Python), N=4 and 4 callers,
   threads against processes, under this interpreter and, when it is there, the
   free-threaded 3.14t build (`--free-threaded PATH`, default the venv that
   scripts/pythons.sh makes): threads only pay on a build without the GIL.
4. The modes across N (`--matrix`, also part of the full run): N = 2, 8 and 32 callers
   and AWS_LAMBDA_MAX_CONCURRENCY=N, each workload (50 ms of blocking I/O; the CPU-bound
   loop) in minlambda's processes, threads and tasks modes and awslambdaric's fork mode,
   plus the sequential runtime (N=1) as the baseline, round after round with the peers
   alternating: invocations per second (min/median/max over the rounds) and the process
   tree's summed RSS and PSS, and RSS per process. With `--venvs DIR`, each runtime
   runs as users install it: minlambda with msgspec and nothing else (the wheel's
   dependencies; the checkout's byte-compiled sources), awslambdaric in a venv of its
   own, both made in DIR with pip (kept there for the next run). Without it both run in
   this interpreter's environment, where msgspec also finds typing_extensions (and,
   through it, imports inspect): about 1 MiB more in every process.
5. `python -m minlambda slow_apps.ticker` (a streaming handler: a chunk, then 100 ms,
   five times): time to the first byte at the caller against time to the last.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from run import compile_sources  # noqa: E402  (sources byte-compiled, as pip installs)

from minlambda.testing import Emulator  # noqa: E402

INVOKE = "/2015-03-31/functions/function/invocations"


def runtime(
    emulator: Emulator,
    handler: str,
    client: str = "minlambda",
    python: str = sys.executable,
    **env: str,
) -> subprocess.Popen[bytes]:
    environ = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("AWS_LAMBDA_", "_HANDLER", "MINLAMBDA_"))
    }  # fmt: skip
    environ.update(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}", **env)
    return subprocess.Popen(
        [python, "-m", client, handler], env=environ, cwd=HERE, stdout=subprocess.DEVNULL
    )


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    parent = int(file.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory_mib(pid: int) -> dict[str, float]:
    """RSS and PSS of the process tree, summed, in MiB."""
    rss = pss = 0
    pids = _tree(pid)
    for each in pids:
        try:
            with open(f"/proc/{each}/smaps_rollup") as file:
                for line in file:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return {"processes": len(pids), "rss_mib": round(rss / 1024, 1), "pss_mib": round(pss / 1024, 1)}


def mode(
    invocations: int,
    handler: str,
    client: str = "minlambda",
    python: str = sys.executable,
    n: int = 8,
    **env: str,
) -> dict[str, float]:
    """Throughput with n callers and the tree's memory once warm, for one mode."""
    with Emulator() as emulator:
        proc = runtime(emulator, handler, client, python, AWS_LAMBDA_MAX_CONCURRENCY=str(n), **env)
        try:
            with ThreadPoolExecutor(n) as pool:  # warm: every worker up and served once
                list(pool.map(lambda _: post(emulator, b"{}"), range(2 * n)))
            started = time.monotonic()
            with ThreadPoolExecutor(n) as pool:
                replies = list(pool.map(lambda _: post(emulator, b"{}"), range(invocations)))
            elapsed = time.monotonic() - started
            memory = memory_mib(proc.pid)
        finally:
            for pid in _tree(proc.pid):  # the parent first: it would replace workers
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            proc.wait()
    assert all(json.loads(r) == {"ok": True} for r in replies), replies[:3]
    return {"per_s": round(invocations / elapsed, 1), **memory}


def post(emulator: Emulator, body: bytes) -> bytes:
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=60)
    try:
        conn.request("POST", INVOKE, body=body)
        return conn.getresponse().read()
    finally:
        conn.close()


def throughput(invocations: int, **env: str) -> float:
    with Emulator() as emulator:
        proc = runtime(emulator, "slow_apps.io_bound", **env)
        try:
            post(emulator, b"{}")  # the runtime is up
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                replies = list(pool.map(lambda _: post(emulator, b"{}"), range(invocations)))
            elapsed = time.monotonic() - started
        finally:
            proc.kill()
            proc.wait()
    assert all(json.loads(r) == {"ok": True} for r in replies), replies[:3]
    return invocations / elapsed


def first_byte(runs: int) -> dict[str, float]:
    ttfb, total = [], []
    with Emulator() as emulator:
        proc = runtime(emulator, "slow_apps.ticker")
        try:
            post(emulator, b"{}")
            for _ in range(runs):
                conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=60)
                started = time.monotonic()
                conn.request("POST", INVOKE, body=b"{}")
                answer = conn.getresponse()
                answer.read1()
                ttfb.append(time.monotonic() - started)
                answer.read()
                total.append(time.monotonic() - started)
                conn.close()
        finally:
            proc.kill()
            proc.wait()
    return {"ttfb_ms": round(statistics.median(ttfb) * 1000, 1),
            "total_ms": round(statistics.median(total) * 1000, 1)}


FREE_THREADED = "/opt/minlambda-pythons/venv-3.14t/bin/python"


def cpu_modes(python: str, invocations: int) -> dict[str, object]:
    """CPU-bound handlers, N=4: threads against processes under `python`."""
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0], getattr(sys, '_is_gil_enabled', lambda: True)())"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return {
        "python": version[0],
        "gil": version[1] == "True",
        **{
            name: mode(invocations, "slow_plain.cpu_bound", python=python, n=4, MINLAMBDA_CONCURRENCY=name)
            for name in ("threads", "processes")
        },
    }


# the matrix: workload -> peer -> (handler, client, extra environment)
WORKLOADS: dict[str, dict[str, tuple[str, str, dict[str, str]]]] = {
    "io_50ms": {
        "minlambda_processes": ("slow_plain.io_sync", "minlambda", {}),
        "minlambda_threads": ("slow_plain.io_sync", "minlambda", {"MINLAMBDA_CONCURRENCY": "threads"}),
        "minlambda_tasks": ("slow_apps.io_bound", "minlambda", {}),
        "awslambdaric_fork": ("slow_plain.io_sync", "awslambdaric", {}),
    },
    "cpu_bound": {
        "minlambda_processes": ("slow_plain.cpu_bound", "minlambda", {}),
        "minlambda_threads": ("slow_plain.cpu_bound", "minlambda", {"MINLAMBDA_CONCURRENCY": "threads"}),
        "minlambda_tasks": ("slow_apps.cpu_bound_async", "minlambda", {}),
        "awslambdaric_fork": ("slow_plain.cpu_bound", "awslambdaric", {}),
    },
}


def sequential_rate(invocations: int, handler: str, n: int, python: str = sys.executable) -> float:
    """The sequential runtime (no AWS_LAMBDA_MAX_CONCURRENCY) driven by n callers."""
    with Emulator() as emulator:
        proc = runtime(emulator, handler, python=python)
        try:
            post(emulator, b"{}")
            started = time.monotonic()
            with ThreadPoolExecutor(n) as pool:
                list(pool.map(lambda _: post(emulator, b"{}"), range(invocations)))
            elapsed = time.monotonic() - started
        finally:
            proc.kill()
            proc.wait()
    return invocations / elapsed


def user_venvs(folder: str) -> dict[str, str]:
    """The interpreters of a msgspec-only venv and an awslambdaric venv in `folder`
    (made with pip when missing, byte-compiled as pip installs)."""
    pythons = {}
    for client, package in (("minlambda", "msgspec"), ("awslambdaric", "awslambdaric")):
        path = Path(folder) / client
        python = path / "bin" / "python"
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", package], check=True)
            subprocess.run([str(python), "-m", "compileall", "-q", str(path / "lib")], check=True,
                           stdout=subprocess.DEVNULL)
        pythons[client] = str(python)
    return pythons


def matrix(
    invocations: int,
    rounds: int,
    sizes: tuple[int, ...] = (2, 8, 32),
    pythons: dict[str, str] | None = None,
) -> dict[str, object]:
    """Every mode at every N, for both workloads; peers alternate within a round.
    `pythons`: the interpreter of each client (default: this one)."""
    python_of = (pythons or {}).get
    out: dict[str, object] = {}
    for workload, peers in WORKLOADS.items():
        plain = next(iter(peers.values()))[0]
        per_n: dict[str, object] = {}
        for n in sizes:
            count = max(invocations, 5 * n)
            names = [*peers, "sequential"]
            samples: dict[str, list[dict[str, float]]] = {name: [] for name in names}
            for round_ in range(rounds):
                for name in names[round_ % len(names):] + names[: round_ % len(names)]:
                    if name == "sequential":
                        python = python_of("minlambda", sys.executable)
                        samples[name].append({"per_s": sequential_rate(count, plain, n, python)})
                        continue
                    handler, client, env = peers[name]
                    python = python_of(client, sys.executable)
                    samples[name].append(mode(count, handler, client, python, n=n, **env))
            row: dict[str, object] = {}
            for name, runs in samples.items():
                rates = sorted(r["per_s"] for r in runs)
                entry: dict[str, float] = {
                    "per_s_min": round(rates[0], 1),
                    "per_s_median": round(statistics.median(rates), 1),
                    "per_s_max": round(rates[-1], 1),
                }
                if "rss_mib" in runs[0]:
                    last = runs[-1]
                    entry.update(processes=last["processes"], rss_mib=last["rss_mib"],
                                 pss_mib=last["pss_mib"],
                                 rss_per_process_mib=round(last["rss_mib"] / last["processes"], 1))
                row[name] = entry
            per_n[f"n{n}"] = row
            print(json.dumps({workload: {f"n{n}": row}}), file=sys.stderr, flush=True)
        out[workload] = per_n
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invocations", type=int, default=160)
    parser.add_argument("--free-threaded", default=FREE_THREADED, help="a 3.14t interpreter")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the --matrix part")
    parser.add_argument("--matrix", action="store_true", help="only the modes across N")
    parser.add_argument("--venvs", help="run the matrix in venvs made (and kept) in this folder")
    parser.add_argument("--sizes", default="2,8,32", help="the matrix's N values")
    args = parser.parse_args()
    compile_sources()
    pythons = user_venvs(args.venvs) if args.venvs else None
    sizes = tuple(int(n) for n in args.sizes.split(","))
    if args.matrix:
        result = matrix(args.invocations, args.rounds, sizes, pythons)
        print(json.dumps({"modes_by_n": result, "pythons": pythons}, indent=1))
        return 0
    sequential = throughput(args.invocations)
    concurrent = throughput(args.invocations, AWS_LAMBDA_MAX_CONCURRENCY="8")
    modes = {
        "minlambda_processes": mode(args.invocations, "slow_plain.io_sync"),
        "awslambdaric_fork": mode(args.invocations, "slow_plain.io_sync", "awslambdaric"),
        "minlambda_threads": mode(
            args.invocations, "slow_plain.io_sync", MINLAMBDA_CONCURRENCY="threads"
        ),
        "minlambda_tasks": mode(args.invocations, "slow_apps.io_bound"),
    }
    result = {
        "io_bound_50ms": {
            "sequential_per_s": round(sequential, 1),
            "max_concurrency_8_per_s": round(concurrent, 1),
            "ratio": round(concurrent / sequential, 2),
        },
        "managed_instances_n8_50ms_io": modes,
        "cpu_bound_n4": [cpu_modes(sys.executable, args.invocations)]
        + (
            [cpu_modes(args.free_threaded, args.invocations)]
            if os.path.exists(args.free_threaded)
            else []
        ),
        "modes_by_n": matrix(args.invocations, args.rounds, sizes, pythons),
        "streaming_5x100ms": first_byte(10),
    }
    print(json.dumps(result, indent=1))
    return 0 if result["io_bound_50ms"]["ratio"] >= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
