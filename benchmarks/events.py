"""Event models: decode time of minlambda.events against plain msgspec (to dicts)
and Powertools' pydantic parser models, on the same sample files; and the import
cost of each.

    python benchmarks/events.py [--rounds 5] [--no-docs]

Needs the `bench` extra (aws-lambda-powertools[parser]). Each decode is timed in
this process, the three peers alternating within every round; the table gives the
median µs per decode over the rounds. Import cost is measured in fresh interpreters
(the import alone, after startup), median of 10, with the peak RSS they reach.
Writes the table into docs/benchmarks.md between the events markers and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "tests" / "events"
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- events:start -->", "<!-- events:end -->"

# sample file, minlambda.events model, Powertools parser model
PAIRS = [
    ("apiGatewayProxyEvent.json", "APIGatewayProxyEvent", "APIGatewayProxyEventModel"),
    ("apiGatewayProxyV2Event.json", "APIGatewayProxyEventV2", "APIGatewayProxyEventV2Model"),
    ("lambdaFunctionUrlEvent.json", "LambdaFunctionUrlEvent", "LambdaFunctionUrlModel"),
    ("albEvent.json", "ALBEvent", "AlbModel"),
    ("sqsEvent.json", "SQSEvent", "SqsModel"),
    ("snsEvent.json", "SNSEvent", "SnsModel"),
    ("s3Event.json", "S3Event", "S3Model"),
    ("eventBridgeEvent.json", "EventBridgeEvent", "EventBridgeModel"),
    ("dynamoStreamEvent.json", "DynamoDBStreamEvent", "DynamoDBStreamModel"),
    ("kinesisStreamEvent.json", "KinesisStreamEvent", "KinesisDataStreamModel"),
    ("kinesisFirehosePutEvent.json", "KinesisFirehoseEvent", "KinesisFirehoseModel"),
    ("cloudWatchLogEvent.json", "CloudWatchLogsEvent", "CloudWatchLogsModel"),
    ("kafkaEventMsk.json", "KafkaEvent", "KafkaMskEventModel"),
    ("sesEvent.json", "SESEvent", "SesModel"),
    ("cognitoPreSignUpEvent.json", "CognitoPreSignUpEvent", "CognitoPreSignupTriggerModel"),
    (
        "cloudformationCustomResourceCreate.json",
        "CloudFormationCustomResourceEvent",
        "CloudFormationCustomResourceCreateModel",
    ),
    ("vpcLatticeV2Event.json", "VPCLatticeEventV2", "VpcLatticeV2Model"),
    ("bedrockAgentEvent.json", "BedrockAgentEvent", "BedrockAgentEventModel"),
    ("appSyncDirectResolver.json", "AppSyncResolverEvent", "AppSyncResolverEventModel"),
]


def per_call_us(fn: Any, data: bytes, target: float = 0.05) -> float:
    """µs per call of fn(data), over enough calls to take about `target` seconds."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn(data)
        elapsed = time.perf_counter() - start
        if elapsed >= target:
            return elapsed / n * 1e6
        n *= 2 if elapsed < target / 10 else 1 + int(target / max(elapsed, 1e-9))


def decoders() -> list[tuple[str, bytes, dict[str, Any]]]:
    import minlambda.events as events
    from minlambda.events._base import EnvelopeDecoder, is_envelope

    try:
        from aws_lambda_powertools.utilities.parser import models as pt
    except ImportError:
        pt = None
    plain = msgspec.json.Decoder().decode
    out = []
    for name, ours, theirs in PAIRS:
        data = (SAMPLES / name).read_bytes()
        model = getattr(events, ours)
        ours_decode = (
            EnvelopeDecoder(model).decode
            if is_envelope(model)
            else msgspec.json.Decoder(model).decode
        )
        peers = {"msgspec dict": plain, "minlambda.events": ours_decode}
        if pt is not None and hasattr(pt, theirs):
            peers["powertools (pydantic)"] = getattr(pt, theirs).model_validate_json
        for peer, fn in list(peers.items()):
            try:
                fn(data)  # decodes, and warms up
            except Exception as exc:  # a model that refuses a real sample: reported, not timed
                print(f"{peer} cannot decode {name}: {str(exc).splitlines()[0]}", file=sys.stderr)
                del peers[peer]
        out.append((name, data, peers))
    return out


def measure(rounds: int) -> dict[str, Any]:
    rows = decoders()
    samples: dict[str, dict[str, list[float]]] = {name: {} for name, _, _ in rows}
    for _ in range(rounds):
        for name, data, peers in rows:
            for peer, fn in peers.items():
                samples[name].setdefault(peer, []).append(per_call_us(fn, data))
    return {
        name: {peer: statistics.median(values) for peer, values in peers.items()}
        | {"bytes": len((SAMPLES / name).read_bytes())}
        for name, peers in samples.items()
    }


IMPORTS = {
    "msgspec": "import msgspec",
    "minlambda": "import minlambda",
    "minlambda.events": "import minlambda.events",
    "minlambda.events (every model)": (
        "import minlambda.events as e\nfor n in e.__all__: getattr(e, n)"
    ),
    "powertools parser models": "from aws_lambda_powertools.utilities.parser import models",
}


def import_cost(runs: int = 10) -> dict[str, dict[str, float]]:
    out = {}
    for label, code in IMPORTS.items():
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
        probe = (
            "import time\nt = time.perf_counter()\n" + code + "\n"
            "elapsed = time.perf_counter() - t\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "print(elapsed, hwm.split()[1])"
        )
        times, rss = [], []
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-c", probe], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                break
            seconds, kib = done.stdout.split()
            times.append(float(seconds) * 1000)
            rss.append(int(kib))
        if times:
            out[label] = {"ms": statistics.median(times), "peak_rss_kib": statistics.median(rss)}
    return out


def markdown(decode: dict[str, Any], imports: dict[str, dict[str, float]]) -> str:
    lines = [
        "| sample | bytes | msgspec dict µs | minlambda.events µs | powertools µs | powertools / minlambda |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in decode.items():
        pt = r.get("powertools (pydantic)")
        ratio = f"{pt / r['minlambda.events']:.1f}x" if pt else "n/a"
        pt_text = f"{pt:.1f}" if pt else "fails on this sample"
        lines.append(
            f"| {name} | {r['bytes']} | {r['msgspec dict']:.1f} | {r['minlambda.events']:.1f} "
            f"| {pt_text} | {ratio} |"
        )
    ratios = [
        r["powertools (pydantic)"] / r["minlambda.events"]
        for r in decode.values()
        if r.get("powertools (pydantic)")
    ]
    if ratios:
        geomean = statistics.geometric_mean(ratios)
        lines.append(
            f"| geometric mean of the ratios ({len(ratios)} samples) | | | | | {geomean:.1f}x |"
        )
    lines += ["", "| import | ms | peak RSS KiB |", "|---|---:|---:|"]
    for label, r in imports.items():
        lines.append(f"| `{label}` | {r['ms']:.1f} | {r['peak_rss_kib']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    decode = measure(args.rounds)
    imports = import_cost()
    print(json.dumps({"decode_us": decode, "imports": imports}, indent=1))
    if not args.no_docs:
        text = DOCS.read_text()
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            DOCS.write_text(f"{head}{START}\n{markdown(decode, imports)}\n{END}{tail}")
        else:
            print(f"docs/benchmarks.md has no {START} marker: not written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
