"""Turn benchmarks/results.json into the table and plot of docs/benchmarks.md.

    python benchmarks/report.py          (run.py calls it after a run)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
START, END = "<!-- results:start -->", "<!-- results:end -->"
PEERS = ["floor", "minlambda", "minlambda-typed", "minlambda-async", "awslambdaric"]


def spread(row: dict) -> str:
    if "cpu_us_min" not in row:
        return "n/a"
    return f"{row['cpu_us_min']:.1f}-{row['cpu_us_max']:.1f}"


def table(results: dict) -> str:
    lines = [
        "| event | peer | CPU µs/inv | (min-max) | x floor | x awslambdaric | wall µs/inv | cold start ms | "
        "first inv. ms | RSS after init KiB | peak RSS KiB | fake API CPU µs/inv |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for event, peers in results.items():
        floor = peers["floor"]["cpu_us"]
        ric = peers.get("awslambdaric", {}).get("cpu_us")
        for name in PEERS:
            if name not in peers:
                continue
            r = peers[name]
            vs_ric = f"{r['cpu_us'] / ric:.2f}" if ric else "n/a"
            lines.append(
                f"| {event} | {name} | {r['cpu_us']:.1f} | {spread(r)} | {r['cpu_us'] / floor:.2f} | {vs_ric} | "
                f"{r['wall_us']:.1f} | {r['cold_start_ms']:.1f} | {r['first_invocation_ms']:.2f} | "
                f"{r['rss_init_kb']:.0f} | {r['peak_rss_kb']:.0f} | {r['fake_cpu_us']:.1f} |"
            )
    return "\n".join(lines)


def plot(results: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    events = list(results)
    peers = [p for p in PEERS if all(p in results[e] for e in events)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / len(peers)
    for i, peer in enumerate(peers):
        values = [results[e][peer]["cpu_us"] for e in events]
        ax.bar([x + i * width for x in range(len(events))], values, width, label=peer)
    ax.set_xticks([x + width * (len(peers) - 1) / 2 for x in range(len(events))], events)
    ax.set_yscale("log")
    ax.set_ylabel("runtime CPU per invocation (µs, log scale)")
    ax.set_title("Echo invocations against a fake Runtime API (median of rounds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def write_docs(results: dict) -> None:
    doc = DOCS / "benchmarks.md"
    text = doc.read_text()
    has_plot = plot(results, DOCS / "benchmarks.png")
    block = f"{START}\n{table(results)}\n"
    if has_plot:
        block += "\n![runtime CPU per invocation](benchmarks.png)\n"
    block += END
    if START in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text += "\n" + block + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    write_docs(json.loads((HERE / "results.json").read_text()))
    sys.exit(0)
