"""`python -m minlambda event SOURCE [--set PATH=VALUE ...]`: every source prints a
realistic event that decodes with its minlambda.events model, with and without its
shortcuts, and runs through `python -m minlambda invoke` into a handler typed with that
model; --set is checked against the model; bad input is one line and exit 2.

The per-source checks call main() in-process; a few subprocesses cover the command
line itself and the pipe into `invoke`."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from test_cli import CLIAPPS, child_env

import minlambda.events as events
from minlambda._local.samples import SOURCES, main, sample

# a value for each shortcut
SHORTCUTS: dict[str, str] = {
    "path": "/carts/7?view=full",
    "method": "PUT",
    "body": '{"id": "x-9", "amount": 5}',
    "token": "Bearer deny",
    "message": "hello from the test",
    "subject": "a subject",
    "bucket": "my-bucket",
    "key": "a/b.json",
    "event-name": "MODIFY",
    "detail": '{"state": "done"}',
    "detail-type": "Order Shipped",
    "source": "com.example.test",
    "rule": "nightly",
    "keys": '{"pk": {"S": "k-1"}}',
    "new-image": '{"pk": {"S": "k-1"}, "n": {"N": "3"}}',
    "data": "some data",
    "partition-key": "pk-7",
    "topic": "payments",
    "log-group": "/aws/lambda/other",
    "request-type": "Delete",
    "username": "grace",
    "email": "grace@example.com",
}
# a value a shortcut may not take for every source
SPECIAL: dict[tuple[str, str], str] = {("s3", "event-name"): "ObjectRemoved:Delete"}
JSON_SHORTCUTS = ("detail", "keys", "new-image")  # JSON values, put in the event as such
ARN = re.compile(r"arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d*):")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's errors (and --help)
        assert isinstance(exc.code, int)
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def model(name: str) -> Any:
    return getattr(events, SOURCES[name].model)


def decoded(name: str, out: str) -> Any:
    """The printed event, decoded strictly with the source's model."""
    return events.decode(out.encode(), model(name))


def shortcut(name: str, alias: str) -> str:
    return SPECIAL.get((name, alias), SHORTCUTS[alias])


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


# -- every source ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_decodes_with_its_model(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, name)
    assert (code, err) == (0, "")
    assert out.startswith("{\n  ")  # indented, for reading
    decoded(name, out)
    # realistic: every ARN in us-east-1 under the sample account (S3's have neither)
    arns = [m for s in strings(json.loads(out)) for m in ARN.finditer(s)]
    for arn in arns:
        assert arn.group(2) in ("", "us-east-1") and arn.group(3) in ("", "123456789012"), arn
    assert "012345678912" not in out  # the local emulator's account stays local


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_shortcut_lands_in_the_event(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    aliases = SOURCES[name].aliases
    args = [name]
    for alias in aliases:
        args += ["--set", f"{alias}={shortcut(name, alias)}"]
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, "")
    decoded(name, out)
    event = json.loads(out)
    if name == "cloudwatch-logs":  # gzip and base64 inside, as CloudWatch sends them
        event = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    text = json.dumps(event)
    for alias in aliases:
        wanted = shortcut(name, alias)
        if alias == "path":
            wanted = "/carts/7"
        elif alias == "data" or (alias == "key" and name.startswith("kafka")):
            wanted = base64.b64encode(wanted.encode()).decode()  # as Kinesis and Kafka send it
        elif alias in JSON_SHORTCUTS:
            wanted = json.dumps(json.loads(wanted))[1:-1]  # a JSON value in the event
        else:
            wanted = json.dumps(wanted)[1:-1]  # a string in the event
        assert wanted in text, (alias, wanted)


def test_ids_are_fresh_and_times_current() -> None:
    for name in SOURCES:
        if name != "apigw-authorizer-token":  # the one event with no id or time in it
            assert json.dumps(sample(name)) != json.dumps(sample(name)), name
    now = time.time()
    sqs = sample("sqs")["Records"][0]
    assert abs(int(sqs["attributes"]["SentTimestamp"]) / 1000 - now) < 60
    assert re.fullmatch(r"[0-9a-f-]{36}", sqs["messageId"])
    v2 = sample("apigw-v2")["requestContext"]
    assert abs(v2["timeEpoch"] / 1000 - now) < 60
    sent = datetime.strptime(sample("eventbridge")["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(sent.replace(tzinfo=UTC).timestamp() - now) < 60
    kinesis = sample("kinesis")["Records"][0]["kinesis"]
    assert abs(kinesis["approximateArrivalTimestamp"] - now) < 60
    assert len(kinesis["sequenceNumber"]) == 56


# -- the shortcuts ----------------------------------------------------------------------


def test_http_shortcuts_update_every_field_that_carries_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    given = ["--set", "path=/orders/9?x=1&x=2", "--set", "method=patch", "--set", 'body={"a": 1}']
    _, out, _ = run(capsys, "apigw-v2", *given)
    event = json.loads(out)
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/orders/9"
    assert event["rawQueryString"] == "x=1&x=2" and event["queryStringParameters"] == {"x": "1,2"}
    assert event["requestContext"]["http"]["method"] == "PATCH"
    assert event["body"] == '{"a": 1}' and event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-forwarded-proto"] == "https"

    _, out, _ = run(capsys, "apigw-v1", *given)
    event = json.loads(out)
    context = event["requestContext"]
    assert event["path"] == "/orders/9" and context["path"] == "/prod/orders/9"
    assert event["resource"] == context["resourcePath"] == "/{proxy+}"
    assert event["pathParameters"] == {"proxy": "orders/9"}
    assert event["httpMethod"] == context["httpMethod"] == "PATCH"
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert context["accountId"] == "123456789012" and context["stage"] == "prod"

    _, out, _ = run(capsys, "function-url", "--set", "path=/é b")
    assert json.loads(out)["rawPath"] == "/%C3%A9%20b"  # percent-encoded, as a client sends it

    _, out, _ = run(capsys, "alb", "--set", "path=/", "--set", "body=plain")
    event = json.loads(out)
    assert (event["httpMethod"], event["path"], event["body"]) == ("POST", "/", "plain")

    _, out, _ = run(capsys, "apigw-authorizer-request", "--set", "path=/admin")
    event = json.loads(out)
    assert event["methodArn"].endswith(":a1b2c3d4e5/prod/GET/admin") and event["path"] == "/admin"


def test_payload_shortcuts_are_encoded_as_the_source_sends_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "kinesis", "--set", "data=héllo")
    assert events.decode(out, events.KinesisStreamEvent[bytes]).records[0].kinesis.data == (
        "héllo".encode()
    )
    _, out, _ = run(capsys, "kafka", "--set", "data=v", "--set", "key=k", "--set", "topic=t")
    event = events.decode(out, events.KafkaEvent[bytes])
    (record,) = event.records["t-0"]
    assert (record.value, record.decoded_key(), record.topic) == (b"v", b"k", "t")
    assert event.event_source == "aws:kafka" and event.event_source_arn
    _, out, _ = run(capsys, "cloudwatch-logs", "--set", "message=boom")
    logs = decoded("cloudwatch-logs", out).decode()
    assert [line.message for line in logs.log_events] == ["boom"]
    assert logs.owner == "123456789012"
    _, out, _ = run(capsys, "s3", "--set", "key=in/my file.json")
    assert json.loads(out)["Records"][0]["s3"]["object"]["key"] == "in/my+file.json"
    _, out, _ = run(capsys, "sqs", "--set", "body=x")
    assert json.loads(out)["Records"][0]["md5OfBody"] == "9dd4e461268c8034f5c8564e155c67a6"
    _, out, _ = run(capsys, "dynamodb", "--set", "event-name=REMOVE")
    change = json.loads(out)["Records"][0]["dynamodb"]
    assert "OldImage" in change and "NewImage" not in change


# -- --set PATH=VALUE and --records -----------------------------------------------------


def test_dotted_paths_and_json_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "sqs",
        "--records",
        "3",
        "--set",
        "Records.2.body=third",
        "--set",
        'Records.0.messageAttributes={"kind": {"stringValue": "a", "dataType": "String"}}',
        "--set",
        "Records.1.attributes.ApproximateReceiveCount=4",  # a string field: text
    )
    assert (code, err) == (0, "")
    event = decoded("sqs", out)
    assert [r.body for r in event.records][2] == "third"
    assert len({r.message_id for r in event.records}) == 3
    assert event.records[0].message_attributes["kind"].string_value == "a"
    assert event.records[1].attributes.approximate_receive_count == "4"


def test_a_field_the_model_has_may_be_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "apigw-v1",
        "--set",
        "requestContext.authorizer.claims.sub=user-1",  # left out of the event
        "--set",
        "stageVariables.color=blue",  # null in the event: a map of strings
        "--set",
        "requestContext.requestTimeEpoch=5",  # a number: JSON
    )
    assert (code, err) == (0, "")
    event = json.loads(out)
    assert event["requestContext"]["authorizer"] == {"claims": {"sub": "user-1"}}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["requestTimeEpoch"] == 5
    code, out, err = run(capsys, "eventbridge", "--set", "detail.state=done", "--set", "detail.n=3")
    assert (code, err) == (0, "")
    assert json.loads(out)["detail"] == {"id": "o-1", "amount": 2, "state": "done", "n": 3}


@pytest.mark.parametrize("name", [n for n, s in SOURCES.items() if s.records is not None])
def test_records_makes_a_batch(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, name, "--records", "3")
    assert (code, err) == (0, "")
    event = decoded(name, out)
    records = (
        [r for rs in event.records.values() for r in rs]
        if isinstance(event.records, dict)
        else event.records
    )
    assert len(records) == 3
    assert len({msgspec.json.encode(r) for r in records}) == 3  # each its own ids
    if name.startswith("kafka"):
        first = records[0].offset
        assert [r.offset for r in records] == [first, first + 1, first + 2]


# -- the listing and errors -------------------------------------------------------------


def test_the_listing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Sources")
    assert len(lines) == len(SOURCES) + 1
    for name, source in SOURCES.items():
        (line,) = [line for line in lines[1:] if line.split()[0] == name]
        assert source.what in line and f"({source.model})" in line
        assert all(alias in line for alias in source.aliases)
    for name in ("apigw-v1", "apigw-v2", "function-url", "alb", "sqs", "sns", "s3"):
        assert name in SOURCES
    for name in ("eventbridge", "dynamodb", "kinesis", "kafka", "cloudwatch-logs", "schedule"):
        assert name in SOURCES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sqss"], "unknown event source 'sqss' (did you mean sqs?)"),
        (["nothing-like-it"], "unknown event source 'nothing-like-it': `event` alone lists"),
        (
            ["sqs", "--set", "Records.5.body=x"],
            "bad --set path 'Records.5.body': no item Records.5",
        ),
        (["sqs", "--set", "Records.x.body=x"], "no item Records.x"),
        (["sqs", "--set", "Nope.body=x"], "bad --set path 'Nope.body': no field Nope"),
        (["sqs", "--set", "Records.0.bdy=x"], "no field Records.0.bdy"),  # a typo
        (["sqs", "--set", "path=/x"], "bad --set path 'path': no field path"),  # not sqs's
        (["sqs", "--set", "Records.0.body.deeper=x"], "Records.0.body holds a value"),
        (["sqs", "--set", "nothing"], "bad --set 'nothing': use PATH=VALUE"),
        (["sqs", "--set", "=x"], "use PATH=VALUE"),
        (["sqs", "--set", "Records.0.attributes={oops"], "is not JSON (the field holds dict)"),
        (["sqs", "--set", "Records.0.messageAttributes=[1]"], "Expected `object`, got `array`"),
        (["eventbridge", "--set", "detail={oops"], "bad --set value for detail"),
        (["dynamodb", "--set", "keys=[]"], "does not decode as DynamoDBStreamEvent"),
        (["dynamodb", "--set", "new-image=[]"], "new-image: give an item, a JSON object"),
        (["cloudformation", "--set", "request-type=Remove"], "- at `$.RequestType`"),
        (["apigw-v1", "--set", "requestContext.requestTimeEpoch=soon"], "is not JSON"),
        (["sns", "--records", "2"], "--records: sns events carry one record"),
        (["sqs", "--records", "0"], "--records must be 1 to 10000, got 0"),
        (["sqs", "--records", "10001"], "--records must be 1 to 10000, got 10001"),
        (["sqs", "--records", "many"], "event: argument --records: invalid int value: 'many'"),
        (["sqs", "--bogus"], "event: unrecognized arguments: --bogus"),
        (["sqs", "--record", "2", "--sett", "x=1"], "(did you mean --set?)"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("minlambda: ") and err.count("\n") == 1 and message in err


def test_the_examples_in_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/cli.md's `event` examples, not run by test_docs.py: each must exit as its
    # comment says (0 without one) and print that comment's error line
    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    section = page.split("## `python -m minlambda event SOURCE`")[1].split("\n## ")[0]
    blocks = [block.split("```")[0] for block in section.split("```sh\n")[1:]]
    lines = [line for block in blocks for line in block.splitlines()]
    assert len(lines) >= 8
    for line in lines:
        command, _, comment = line.partition("  # ")
        code, out, err = run(capsys, *shlex.split(command)[4:])
        if comment.startswith("exit 2: "):
            assert (code, out, err) == (2, "", comment.removeprefix("exit 2: ") + "\n"), line
        else:
            assert (code, err) == (0, ""), line
            json.loads(out)


# -- the command line ---------------------------------------------------------------------


def cli(*args: str, stdin: bytes | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "minlambda", *args],
        input=stdin, capture_output=True, env=child_env(**env), cwd=CLIAPPS, timeout=60,
    )  # fmt: skip


def test_the_command_line() -> None:
    listing = cli("event")
    assert listing.returncode == 0 and listing.stderr == b""
    assert b"apigw-v1" in listing.stdout and b"cloudwatch-logs" in listing.stdout
    printed = cli("event", "sqs", "--set", 'body={"id": "a", "amount": 2}')
    assert printed.returncode == 0 and printed.stderr == b""
    assert decoded("sqs", printed.stdout.decode()).records[0].body == '{"id": "a", "amount": 2}'
    helped = cli("event", "--help")
    assert helped.returncode == 0 and b"else parsed as JSON" in helped.stdout
    unknown = cli("event", "kinesys")
    assert unknown.returncode == 2 and unknown.stdout == b""
    assert unknown.stderr == (
        b"minlambda: unknown event source 'kinesys' (did you mean kinesis?): "
        b"`event` alone lists them\n"
    )


def test_piped_into_invoke() -> None:
    # a real pipe, as in the docs: event | invoke
    made = subprocess.Popen(
        [sys.executable, "-m", "minlambda", "event", "sqs", "--records", "2", "--set", "body=hi"],
        stdout=subprocess.PIPE, env=child_env(), cwd=CLIAPPS,
    )  # fmt: skip
    ran = subprocess.run(
        [sys.executable, "-m", "minlambda", "invoke", "sample_consumer.handler"],
        stdin=made.stdout, capture_output=True, env=child_env(SAMPLE_MODEL="SQSEvent"),
        cwd=CLIAPPS, timeout=60,
    )  # fmt: skip
    assert made.stdout is not None
    made.stdout.close()
    assert made.wait(timeout=60) == 0
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"model": "SQSEvent", "seen": ["hi", "hi"]}


# the first shortcut of each source, set to a value the handler must hand back
MARKS: dict[str, str] = {
    "path": "/marked/1",
    "token": "Bearer marked",
    "body": "marked body",
    "message": "marked message",
    "bucket": "marked-bucket",
    "detail": '{"marked": true}',
    "rule": "marked-rule",
    "new-image": '{"id": {"S": "marked"}}',
    "data": "marked data",
    "request-type": "Update",
    "username": "marked-user",
}


def test_every_source_runs_through_invoke(capsys: pytest.CaptureFixture[str]) -> None:
    jobs: list[tuple[str, str, bytes]] = []
    for name, source in SOURCES.items():
        alias = source.aliases[0]
        code, out, err = run(capsys, name, "--set", f"{alias}={MARKS[alias]}")
        assert (code, err) == (0, ""), name
        wanted = MARKS[alias]
        wanted = json.dumps(json.loads(wanted))[1:-1] if alias in JSON_SHORTCUTS else wanted
        jobs.append((source.model, wanted, out.encode()))

    def invoke(job: tuple[str, str, bytes]) -> tuple[str, str, subprocess.CompletedProcess[bytes]]:
        model_name, wanted, event = job
        ran = cli("invoke", "sample_consumer.handler", stdin=event, SAMPLE_MODEL=model_name)
        return model_name, wanted, ran

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(invoke, jobs))
    for model_name, wanted, ran in results:
        assert ran.returncode == 0, (model_name, ran.stderr)
        answer = json.loads(ran.stdout)
        assert answer["model"] == model_name
        assert wanted in json.dumps(answer["seen"]), (model_name, wanted, answer)
