"""Runtime benchmark: minlambda against awslambdaric and a minimal pure-Python floor.

    python benchmarks/run.py [--rounds 5] [--quick] [--no-docs]

For every event (about 100 B, a real API Gateway HTTP API event, 100 KB, 1 MB, 5.9 MB)
and every peer, a fresh runtime process serves a fast fake Runtime API (its own
process, benchmarks/fakeapi.py) for WARMUP + COUNT echo invocations. Both are pinned to
one CPU core (cross-core wake-ups otherwise swing small-event figures 2-3x on a small
VM). Read from /proc, per run:

- cpu_us: the runtime's CPU time (all its threads, /proc/PID/task/*/schedstat) per
  measured invocation (the median over the rounds, with cpu_us_min and cpu_us_max);
- wall_us: wall time per measured invocation;
- cold_start_ms: from spawning the process to its first GET /next;
- first_invocation_ms: from answering that /next to the first result;
- rss_init_kb: VmRSS at the first GET /next; peak_rss_kb: VmHWM at the end;
- fake_cpu_us: the fake API's own CPU per invocation (it must stay small).

Peers run alternately, round after round, so a noisy machine slows all of them alike;
the report gives medians over rounds and ratios to the floor and to awslambdaric. It
prints JSON, writes benchmarks/results.json, and (unless --no-docs) the table and a
plot into docs/benchmarks.md and docs/benchmarks.png.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORE = 0

EVENTS = {  # name: (file or size, warmup, count)
    "small": ("small", 200, 4000),
    "apigw-http": ("apigw", 200, 4000),
    "100KB": (100_000, 20, 600),
    "1MB": (1_000_000, 5, 100),
    "5.9MB": (5_900_000, 3, 20),
}
TYPED = {"small": "typed_apps.typed_small", "apigw-http": "typed_apps.typed_http"}


def peers(event: str) -> dict[str, list[str]]:
    py = sys.executable
    out = {
        "floor": [py, str(HERE / "floor.py")],
        "minlambda": [py, "-m", "minlambda", "apps.echo"],
        "minlambda-async": [py, "-m", "minlambda", "apps.echo_async"],
        "minlambda-typed": [py, "-m", "minlambda", TYPED.get(event, "typed_apps.typed_blob")],
    }
    if importlib.util.find_spec("awslambdaric") is not None:
        out["awslambdaric"] = [py, "-m", "awslambdaric", "apps.echo"]
    return out


def event_file(name: str, spec: object, workdir: Path) -> Path:
    path = workdir / f"{name}.json"
    if spec == "small":
        body = {"id": "order-000123", "amount": 4200, "currency": "EUR", "tags": ["new", "priority", "eu"]}
        path.write_bytes(json.dumps(body, separators=(",", ":")).encode())
    elif spec == "apigw":
        path.write_bytes((HERE / "events" / "apigw_http.json").read_bytes())
    else:
        assert isinstance(spec, int)
        path.write_bytes(b'{"data":"' + b"x" * (spec - 11) + b'"}')
    return path


def cpu_ns(pid: int) -> int:
    total = 0
    for stat in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(stat) as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def status_kb(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(key)


def pin() -> None:
    os.sched_setaffinity(0, {CORE})


def run_once(command: list[str], event: Path, warmup: int, count: int) -> dict[str, float]:
    fake = subprocess.Popen([sys.executable, str(HERE / "fakeapi.py"), str(event), str(warmup), str(count)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=pin)
    assert fake.stdout is not None and fake.stdin is not None
    port = fake.stdout.readline().strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER", "_X_AMZN"))}
    env.update(AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", PYTHONPATH=f"{ROOT}{os.pathsep}{HERE}",
               AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST")
    spawned = time.monotonic_ns()
    runtime = subprocess.Popen(command, env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               preexec_fn=pin)
    try:
        def expect(word: str) -> str:
            line = fake.stdout.readline().strip()
            if not line.startswith(word):
                err = runtime.stderr.read().decode() if runtime.poll() is not None else ""
                raise RuntimeError(f"{command}: expected {word!r} from the fake, got {line!r}; {err[-2000:]}")
            return line

        first = int(expect("first").split()[1])
        rss_init = status_kb(runtime.pid, "VmRSS")
        go_first = time.monotonic_ns()
        fake.stdin.write("go\n")
        fake.stdin.flush()
        expect("start")
        cpu_start = cpu_ns(runtime.pid)
        wall_start = time.monotonic_ns()
        fake.stdin.write("go\n")
        fake.stdin.flush()
        end = int(expect("end").split()[1])
        cpu_end = cpu_ns(runtime.pid)
        peak = status_kb(runtime.pid, "VmHWM")
        fake.stdin.write("go\n")
        fake.stdin.flush()
        tail = json.loads(fake.stdout.readline())
    finally:
        runtime.kill()
        runtime.wait()
        runtime.stderr.close()
        fake.kill()
        fake.wait()
        fake.stdout.close()
        fake.stdin.close()
    total = warmup + count
    return {
        "cpu_us": (cpu_end - cpu_start) / count / 1000,
        "wall_us": (end - wall_start) / count / 1000,
        "cold_start_ms": (first - spawned) / 1e6,
        "first_invocation_ms": (tail["first_result_ns"] - go_first) / 1e6,
        "rss_init_kb": rss_init,
        "peak_rss_kb": peak,
        "fake_cpu_us": tail["fake_cpu_s"] * 1e6 / total,
    }


def compile_sources() -> None:
    """Byte-compile the runtimes' sources first, as `pip install` does: with
    PYTHONDONTWRITEBYTECODE set, every cold start would compile them again."""
    import compileall

    for folder in (ROOT / "minlambda", HERE):
        compileall.compile_dir(str(folder), quiet=1)


def main() -> int:
    compile_sources()
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a tenth of the invocations (a smoke run)")
    parser.add_argument("--events", default=",".join(EVENTS))
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / "minlambda-bench"
    workdir.mkdir(exist_ok=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in args.events.split(","):
        spec, warmup, count = EVENTS[name]
        if args.quick:
            count = max(10, count // 10)
        path = event_file(name, spec, workdir)
        runs: dict[str, list[dict[str, float]]] = {peer: [] for peer in peers(name)}
        order = list(runs)
        for round_ in range(args.rounds):
            for peer in order[round_ % len(order):] + order[: round_ % len(order)]:
                runs[peer].append(run_once(peers(name)[peer], path, warmup, count))
        results[name] = {peer: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
                         for peer, rs in runs.items()}
        for peer, rs in runs.items():  # the spread over the rounds, so noise shows
            results[name][peer]["cpu_us_min"] = min(r["cpu_us"] for r in rs)
            results[name][peer]["cpu_us_max"] = max(r["cpu_us"] for r in rs)
        results[name]["_meta"] = {"event_bytes": path.stat().st_size, "count": count, "rounds": args.rounds}
        print(json.dumps({name: results[name]}), flush=True)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if not args.no_docs:
        from report import write_docs

        write_docs(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
