"""`python -m minlambda event SOURCE [--set PATH=VALUE ...]`: every source prints an
event that decodes with its minlambda.events model, with and without its shortcuts,
and runs through `python -m minlambda invoke`; bad input is one line and exit 2."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import pytest
from conftest import ROOT
from test_cli import CLIAPPS, child_env

import minlambda.events as events
from minlambda._local.samples import SOURCES, main

# a value for each shortcut, and where it must show up in the event
SHORTCUTS: dict[str, str] = {
    "path": "/carts/7?view=full",
    "method": "PUT",
    "body": '{"id": "x-9", "amount": 5}',
    "token": "Bearer deny",
    "message": "hello from the test",
    "subject": "a subject",
    "bucket": "my-bucket",
    "key": "a/b.json",
    "event-name": "ObjectRemoved:Delete",
    "detail": '{"state": "done"}',
    "detail-type": "Order Shipped",
    "source": "com.example.test",
    "rule": "nightly",
    "keys": '{"pk": {"S": "k-1"}}',
    "new-image": '{"pk": {"S": "k-1"}, "n": {"N": "3"}}',
    "data": "some data",
    "partition-key": "pk-7",
    "value": "kafka value",
    "topic": "payments",
    "log-group": "/aws/lambda/other",
    "request-type": "Delete",
    "username": "grace",
    "email": "grace@example.com",
}


# where one shortcut means different things in different sources
SHORTCUTS_BY_SOURCE: dict[tuple[str, str], str] = {("dynamodb", "event-name"): "REMOVE"}


def shortcut(name: str, alias: str) -> str:
    return SHORTCUTS_BY_SOURCE.get((name, alias), SHORTCUTS[alias])


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def decoded(name: str, out: str) -> Any:
    model = getattr(events, SOURCES[name][1])
    return events.decode(out.encode(), model)


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_decodes_with_its_model(name: str, capsys) -> None:
    code, out, err = run(capsys, name)
    assert (code, err) == (0, "")
    decoded(name, out)


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_shortcut_lands_in_the_event(name: str, capsys) -> None:
    aliases = SOURCES[name][3]
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
        elif alias in ("data", "value") or (alias == "key" and name.startswith("kafka")):
            wanted = base64.b64encode(wanted.encode()).decode()
        elif alias in ("detail", "keys", "new-image"):
            wanted = json.dumps(json.loads(wanted))[1:-1]  # a JSON value in the event
        else:
            wanted = json.dumps(wanted)[1:-1]  # a string in the event
        assert wanted in text, (alias, wanted)


def test_http_shortcuts_build_the_request(capsys) -> None:
    code, out, _ = run(
        capsys, "apigw-v2", "--set", "path=/orders/9?x=1&x=2", "--set", 'body={"a": 1}'
    )
    event = json.loads(out)
    assert event["rawPath"] == "/orders/9" and event["rawQueryString"] == "x=1&x=2"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["body"] == '{"a": 1}' and event["headers"]["content-type"] == "application/json"


def test_dotted_paths_and_json_values(capsys) -> None:
    code, out, err = run(
        capsys,
        "sqs",
        "--records",
        "3",
        "--set",
        "Records.2.body=third",
        "--set",
        'Records.0.messageAttributes={"kind": {"stringValue": "a", "dataType": "String"}}',
    )
    assert (code, err) == (0, "")
    event = decoded("sqs", out)
    assert [r.body for r in event.records][2] == "third"
    assert len({r.message_id for r in event.records}) == 3
    assert event.records[0].message_attributes["kind"].string_value == "a"


def test_the_listing(capsys) -> None:
    code, out, err = run(capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Sources")
    for name, (what, model, _, _) in SOURCES.items():
        assert any(line.split()[0] == name and what in line and model in line for line in lines[1:])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sqss"], "unknown event source 'sqss' (did you mean sqs?)"),
        (
            ["sqs", "--set", "Records.5.body=x"],
            "bad --set path 'Records.5.body': no item Records.5",
        ),
        (["sqs", "--set", "Nope.body=x"], "bad --set path 'Nope.body': no field Nope"),
        (["sqs", "--set", "Records.0.body.deeper=x"], "Records.0.body is a value"),
        (["sqs", "--set", "nothing"], "bad --set 'nothing': use PATH=VALUE"),
        (["sqs", "--set", "Records.0.attributes={oops"], "is not JSON"),
        (["eventbridge", "--set", "detail={oops"], "bad --set value"),
        (["sns", "--records", "2"], "--records: sns events carry one record"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str, capsys) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_the_command_line_pipes_into_invoke() -> None:
    def check(name: str) -> tuple[str, int, bytes, bytes]:
        made = subprocess.run(
            [sys.executable, "-m", "minlambda", "event", name],
            capture_output=True, env=child_env(), cwd=CLIAPPS, timeout=60,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        model = SOURCES[name][1]
        ran = subprocess.run(
            [sys.executable, "-m", "minlambda", "invoke", "sample_consumer.handler"],
            input=made.stdout, capture_output=True, env=child_env(SAMPLE_MODEL=model),
            cwd=CLIAPPS, timeout=60,
        )  # fmt: skip
        return model, ran.returncode, ran.stdout, ran.stderr

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(check, SOURCES))
    for model, code, out, err in results:
        assert code == 0, err
        assert msgspec.json.decode(out) == {"model": model}


def test_unknown_source_on_the_command_line() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "minlambda", "event", "kinesys"],
        capture_output=True, env=child_env(), cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 2 and ran.stdout == b""
    assert ran.stderr == (
        b"minlambda: unknown event source 'kinesys' (did you mean kinesis?): "
        b"`event` alone lists them\n"
    )
