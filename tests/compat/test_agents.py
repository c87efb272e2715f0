"""Monitoring agents under `python -m awslambdaric` and `python -m minlambda`, side by
side (apps in tests/compat/agentapps/), each reporting to a local sink on real
sockets:

- Sentry's AwsLambdaIntegration, which hooks the runtime (awslambdaric's bootstrap,
  minlambda's stand-in minlambda._agents): an error event and a transaction per
  invocation, already at the sink when the invoker has the result (the agent
  flushes before the runtime posts);
- Sentry's ChaliceIntegration, which hooks Chalice's view dispatch;
- OpenTelemetry's AwsLambdaInstrumentor, which wraps the function _HANDLER names:
  one SERVER span per invocation with its request id and function ARN;
- aws-xray-sdk's patch_all(): subsegments sent to a UDP "daemon", in the trace and
  under the parent of their invocation (a sampled Lambda-Runtime-Trace-Id, served
  by tests/fakeapi.py since the emulator's trace ids are never sampled);
- datadog-lambda's handler (DD_LAMBDA_HANDLER), flushing to stdout.

Each also with AWS_LAMBDA_MAX_CONCURRENCY=2 under both runtimes (two invocations at
once, each observed as its own), and under `python -m minlambda invoke` and
LocalRuntime (in a program of its own: agentapps/local_runner.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fakeapi import Event, FakeAPI

from compat.agentapps.sinks import PlainHTTP, SentrySink, UDPSink
from compat.harness import ARN, FUNCTION, ML, RUNTIMES, TESTS, Server, cli_invoke, lambda_env
from minlambda.testing import Emulator

APPS = "compat.agentapps"
REGION, ACCOUNT = "us-east-1", "012345678912"


def needs(module: str) -> None:
    """Skip unless `module` is installed, without importing it here: the agents run in
    the runtimes' processes, and some change the process that imports them (datadog's
    cold-start tracing puts its frames into every later traceback)."""
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


@pytest.fixture
def sentry_sink() -> Iterator[SentrySink]:
    sink = SentrySink()
    yield sink
    sink.close()


def _frames(event: dict[str, Any]) -> list[dict[str, Any]]:
    return event["exception"]["values"][-1]["stacktrace"]["frames"]


# -- Sentry --------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sentry_aws_lambda_reports_an_error_before_the_result(runtime, sentry_sink):
    needs("sentry_sdk")
    with Server(runtime, f"{APPS}.sentry_app.handler", SENTRY_DSN=sentry_sink.dsn) as server:
        failed = server.invoke({"fail": "o-1"})
        # no waiting: the integration flushes before the runtime posts the error
        events = sentry_sink.of_type("event")
        ok = server.invoke({})
        transactions = sentry_sink.of_type("transaction")
        log = server.stderr
    assert failed.error_type == "ValueError", log
    assert len(events) == 1, (log, sentry_sink.items)
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert (exception["type"], exception["value"]) == ("ValueError", "order o-1 failed")
    assert exception["mechanism"] == {"type": "aws_lambda", "handled": False}
    assert _frames(event)[-1]["function"] == "handler"
    assert _frames(event)[-1]["module"] == f"{APPS}.sentry_app"
    info = event["extra"]["lambda"]
    assert info["aws_request_id"] == failed.request_id
    assert info["function_name"] == FUNCTION
    assert info["function_version"] == "$LATEST"
    assert info["invoked_function_arn"] == ARN
    assert 0 < info["remaining_time_in_millis"] <= 30_000
    assert event["extra"]["cloudwatch logs"]["log_group"] == f"/aws/lambda/{FUNCTION}"
    assert event["tags"]["aws_region"] == REGION
    assert event["transaction"] == FUNCTION
    # a transaction for each invocation, the failed one's and the good one's
    assert ok.json() == {"request_id": ok.request_id}
    assert [t["transaction"] for t in transactions] == [FUNCTION, FUNCTION]
    assert {t["contexts"]["trace"]["op"] for t in transactions} == {"function.aws"}
    assert [t["contexts"]["trace"]["trace_id"] for t in transactions][0] == (
        event["contexts"]["trace"]["trace_id"]
    )


def test_sentry_aws_lambda_wraps_handlers_awslambdaric_cannot_call(sentry_sink):
    """minlambda also serves `(event)` and `async def` handlers: the integration
    sees the first's exception, and what the second captures is flushed before the
    result is posted."""
    needs("sentry_sdk")
    with Server(ML, f"{APPS}.sentry_app.one_argument", SENTRY_DSN=sentry_sink.dsn) as server:
        failed = server.invoke({"fail": "missing"})
        events = sentry_sink.of_type("event")
        log = server.stderr
    assert failed.error_type == "KeyError", log
    assert [e["exception"]["values"][-1]["type"] for e in events] == ["KeyError"]
    assert events[0]["extra"]["lambda"]["aws_request_id"] == failed.request_id
    with Server(ML, f"{APPS}.sentry_app.async_handler", SENTRY_DSN=sentry_sink.dsn) as server:
        result = server.invoke({})
        messages = [e.get("message") for e in sentry_sink.of_type("event")]
        log = server.stderr
    assert result.json() == {"request_id": result.request_id}, log
    assert f"async {result.request_id}" in messages


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sentry_chalice_reports_a_view_error(runtime, sentry_sink):
    needs("sentry_sdk")
    needs("chalice")
    from compat.frameworks.http_events import http_event

    with Server(runtime, f"{APPS}.sentry_chalice_app.app", SENTRY_DSN=sentry_sink.dsn) as server:
        good = server.invoke(http_event("apigw-v1", "GET", "/ok", resource="/ok"))
        assert sentry_sink.of_type("event") == []
        bad = server.invoke(http_event("apigw-v1", "GET", "/boom", resource="/boom"))
        events = sentry_sink.of_type("event")  # the integration flushes in the view
        log = server.stderr
    assert good.json()["statusCode"] == 200, log
    assert bad.json()["statusCode"] == 500
    assert len(events) == 1, sentry_sink.items
    exception = events[0]["exception"]["values"][-1]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the chalice is empty")
    assert exception["mechanism"]["type"] == "chalice"
    assert events[0]["extra"]["lambda"]["aws_request_id"] == bad.request_id
    assert events[0]["extra"]["lambda"]["invoked_function_arn"] == ARN


# -- OpenTelemetry -------------------------------------------------------------------


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_opentelemetry_one_span_per_invocation(runtime, tmp_path):
    needs("opentelemetry.instrumentation.aws_lambda")
    spans_file = tmp_path / "spans.jsonl"
    with Server(runtime, f"{APPS}.otel_app.handler", OTEL_SPANS_FILE=str(spans_file)) as server:
        ok = server.invoke({})
        failed = server.invoke({"fail": True})
        # the instrumentor flushes before it returns: the spans are written already
        spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
        log = server.stderr
    assert ok.json() == {"request_id": ok.request_id}, log
    assert failed.error_type == "RuntimeError"
    assert [span["attributes"]["faas.invocation_id"] for span in spans] == [
        ok.request_id,
        failed.request_id,
    ]
    for span in spans:
        assert (span["name"], span["kind"]) == (FUNCTION, "SERVER")
        assert span["attributes"]["cloud.resource_id"] == ARN
        assert span["attributes"]["cloud.account.id"] == ACCOUNT
    assert [span["status"] for span in spans] == ["UNSET", "ERROR"]
    assert [span["events"] for span in spans] == [[], ["exception"]]
    assert spans[0]["trace_id"] != spans[1]["trace_id"]


# -- AWS X-Ray -----------------------------------------------------------------------


def _trace_header() -> tuple[str, str, str]:
    root = f"1-5759e988-{os.urandom(12).hex()}"
    parent = os.urandom(8).hex()
    return f"Root={root};Parent={parent};Sampled=1", root, parent


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_xray_subsegments_belong_to_their_invocation(runtime):
    needs("aws_xray_sdk")
    needs("requests")
    headers = [_trace_header() for _ in range(2)]
    script = [Event({"order": f"o-{n}"}, trace_id=h[0]) for n, h in enumerate(headers)]
    daemon, target = UDPSink(), PlainHTTP()
    handler = f"{APPS}.xray_app.handler"
    with FakeAPI(script) as api:
        env = lambda_env(
            AWS_LAMBDA_RUNTIME_API=api.address,
            _HANDLER=handler,
            AWS_XRAY_DAEMON_ADDRESS=daemon.address,
            XRAY_TARGET_URL=target.url,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", runtime, handler], env=env, cwd=TESTS,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            results = api.wait_results(2, timeout=30)
            documents = daemon.wait(4)
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            daemon.close()
            target.close()
    assert [r.target.rsplit("/", 1)[1] for r in results] == ["response"] * 2, err.decode()
    for result, (_, root, parent) in zip(results, headers, strict=True):
        assert result.json() == {"trace_id": root, "parent_id": parent}
    by_trace = {root: [] for _, root, _ in headers}
    for document in documents:
        assert document["type"] == "subsegment"
        by_trace[document["trace_id"]].append(document)
    for _, root, parent in headers:
        names = sorted((d["name"], d.get("namespace")) for d in by_trace[root])
        assert names == [("127.0.0.1", "remote"), ("work", "local")], documents
        assert {d["parent_id"] for d in by_trace[root]} == {parent}


# -- Datadog -------------------------------------------------------------------------


def _json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                pass
    return found


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_datadog_handler_metrics_and_traces_to_stdout(runtime):
    needs("datadog_lambda")
    with Server(
        runtime,
        "datadog_lambda.handler.handler",
        DD_LAMBDA_HANDLER=f"{APPS}.datadog_app.handler",
        DD_FLUSH_TO_LOG="true",
    ) as server:
        ok = server.invoke({"count": 3, "order": "o-1"})
        failed = server.invoke({"count": 1, "order": "o-2", "fail": True})
        lines = _json_lines(server.stdout)
        log = server.stderr
    assert ok.json() == {"request_id": ok.request_id}, log
    assert failed.error_type == "RuntimeError"
    metrics = [line for line in lines if "m" in line]
    orders = [(m["v"], m["t"][0]) for m in metrics if m["m"] == "compat.orders"]
    assert orders == [(3, "order:o-1"), (1, "order:o-2")]
    enhanced = {m["m"]: m for m in metrics if m["m"].startswith("aws.lambda.enhanced.")}
    assert {"aws.lambda.enhanced.invocations", "aws.lambda.enhanced.errors"} <= set(enhanced)
    tags = enhanced["aws.lambda.enhanced.invocations"]["t"]
    assert {f"functionname:{FUNCTION}", f"region:{REGION}", f"account_id:{ACCOUNT}"} <= set(tags)
    spans = [span for line in lines for trace in line.get("traces", []) for span in trace]
    lambda_spans = [span for span in spans if span["name"] == "aws.lambda"]
    assert [span["meta"]["request_id"] for span in lambda_spans] == [
        ok.request_id,
        failed.request_id,
    ]
    assert {span["meta"]["function_arn"] for span in lambda_spans} == {ARN}
    assert [span["error"] for span in lambda_spans] == [0, 1]


def _serve_script(script: Path, **env: str) -> tuple[Any, str]:
    """`python SCRIPT` (which calls serve()) against an Emulator: one failing call."""
    with Emulator(function_name=FUNCTION, timeout=30) as emulator:
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            env=lambda_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, **env),
            cwd=TESTS, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            result = emulator.invoke({})
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=10)
    return result, err.decode()


def test_sentry_under_serve_in_a_script_says_the_integration_is_off(sentry_sink):
    """serve() in a script run as __main__: there is no runtime module for the
    integration to hook, so it turns itself off; minlambda says so, once, with
    the way out."""
    needs("sentry_sdk")
    script = Path(__file__).parent / "agentapps" / "sentry_script.py"
    result, err = _serve_script(script, SENTRY_DSN=sentry_sink.dsn, SENTRY_SCRIPT_HANDLER="failing")
    assert result.error_type == "ValueError", err
    assert sentry_sink.of_type("event") == []
    assert err.count("AwsLambdaIntegration is disabled") == 1, err
    assert "sentry_sdk.integrations.serverless.serverless_function" in err
    result, err = _serve_script(
        script, SENTRY_DSN=sentry_sink.dsn, SENTRY_SCRIPT_HANDLER="failing_wrapped"
    )
    assert result.error_type == "ValueError", err
    events = sentry_sink.of_type("event")
    assert [e["exception"]["values"][-1]["value"] for e in events] == [
        "seen by serverless_function"
    ]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sentry_aws_lambda_reports_an_init_error(runtime, sentry_sink):
    needs("sentry_sdk")
    with Server(
        runtime, f"{APPS}.sentry_init_error_app.handler", SENTRY_DSN=sentry_sink.dsn
    ) as server:
        result = server.invoke({})
        server.proc.wait(10)  # init failed: the runtime exits, Sentry flushing at exit
        log = server.stderr
    assert result.status == 502, log
    events = sentry_sink.wait("event", 1)
    assert len(events) == 1, (log, sentry_sink.items)
    exception = events[0]["exception"]["values"][-1]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "the configuration is missing"
    assert exception["mechanism"] == {"type": "aws_lambda", "handled": False}


# -- processes mode (AWS_LAMBDA_MAX_CONCURRENCY=2), `minlambda invoke`, LocalRuntime --------


@contextmanager
def _two_at_once(
    runtime: str, handler: str, events: list[dict[str, Any]], rendezvous: Path, **env: str
) -> Iterator[tuple[Server, list[Any]]]:
    """`events` (each with the same "batch": the handler waits for the other before
    going on) at once to `handler` served with AWS_LAMBDA_MAX_CONCURRENCY=2: the
    server, still up, and the results in order."""
    rendezvous.mkdir(exist_ok=True)
    with Server(
        runtime, handler, AWS_LAMBDA_MAX_CONCURRENCY="2", COMPAT_RENDEZVOUS=str(rendezvous), **env
    ) as server:
        yield server, server.invoke_all(events)


def _own_workers(results: list[Any], replies: list[dict[str, Any]]) -> None:
    """Each reply computed with its own request id, by a worker of its own, the two
    in flight at the same moment (they met)."""
    assert [reply["request_id"] for reply in replies] == [r.request_id for r in results]
    assert [reply["met"] for reply in replies] == [2, 2], replies
    assert len({reply["pid"] for reply in replies}) == 2, replies


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sentry_aws_lambda_two_at_once_each_its_own(runtime, sentry_sink, tmp_path):
    needs("sentry_sdk")
    batch = os.urandom(6).hex()
    with _two_at_once(
        runtime,
        f"{APPS}.sentry_app.handler",
        [{"batch": batch, "fail": "o-1"}, {"batch": batch}],
        tmp_path,
        SENTRY_DSN=sentry_sink.dsn,
    ) as (server, (failed, ok)):
        if runtime == ML:
            # each worker flushes before it posts: the event and both transactions
            # are at the sink already
            events = sentry_sink.of_type("event")
            transactions = sentry_sink.of_type("transaction")
        else:
            # awslambdaric's workers post through a LambdaMultiConcurrentRuntimeClient,
            # not the LambdaRuntimeClient whose post methods Sentry patches to flush:
            # what was captured goes out from Sentry's background thread, not always
            # before the result is posted
            events = sentry_sink.wait("event", 1)
            transactions = sentry_sink.wait("transaction", 2)
        log = server.stderr
    assert failed.error_type == "ValueError", log
    reply = ok.json()
    assert reply["request_id"] == ok.request_id
    assert reply["met"] == 2  # both in flight at once
    assert len(events) == 1, sentry_sink.items
    (event,) = events
    exception = event["exception"]["values"][-1]
    assert (exception["value"], exception["mechanism"]["type"]) == (
        "order o-1 failed",
        "aws_lambda",
    )
    assert event["extra"]["lambda"]["aws_request_id"] == failed.request_id
    assert event["extra"]["lambda"]["invoked_function_arn"] == ARN
    # a transaction each, with its own request id; the failed one's in the trace of
    # its error event
    by_request = {t["extra"]["lambda"]["aws_request_id"]: t for t in transactions}
    assert set(by_request) == {failed.request_id, ok.request_id}, transactions
    assert by_request[failed.request_id]["contexts"]["trace"]["status"] == "internal_error"
    assert by_request[ok.request_id]["contexts"]["trace"].get("status") is None
    failed_trace = by_request[failed.request_id]["contexts"]["trace"]["trace_id"]
    assert failed_trace == event["contexts"]["trace"]["trace_id"]
    assert by_request[ok.request_id]["contexts"]["trace"]["trace_id"] != failed_trace


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_opentelemetry_two_at_once_one_span_each(runtime, tmp_path):
    needs("opentelemetry.instrumentation.aws_lambda")
    spans_file = tmp_path / "spans.jsonl"
    batch = os.urandom(6).hex()
    with _two_at_once(
        runtime,
        f"{APPS}.otel_app.handler",
        [{"batch": batch}, {"batch": batch}],
        tmp_path / "meet",
        OTEL_SPANS_FILE=str(spans_file),
    ) as (server, results):
        log = server.stderr
    replies = [result.json() for result in results]
    _own_workers(results, replies)
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    assert sorted(span["attributes"]["faas.invocation_id"] for span in spans) == sorted(
        r.request_id for r in results
    ), log
    for span in spans:
        assert (span["name"], span["kind"], span["status"]) == (FUNCTION, "SERVER", "UNSET")
        assert span["attributes"]["cloud.resource_id"] == ARN
    assert spans[0]["trace_id"] != spans[1]["trace_id"]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_xray_two_at_once_each_in_its_own_trace(runtime, tmp_path):
    needs("aws_xray_sdk")
    needs("requests")
    headers = [_trace_header() for _ in range(2)]
    batch = os.urandom(6).hex()
    script = [
        Event({"order": f"o-{n}", "batch": batch}, trace_id=h[0]) for n, h in enumerate(headers)
    ]
    daemon, target = UDPSink(), PlainHTTP()
    handler = f"{APPS}.xray_app.handler"
    with FakeAPI(script) as api:
        env = lambda_env(
            AWS_LAMBDA_RUNTIME_API=api.address,
            _HANDLER=handler,
            AWS_XRAY_DAEMON_ADDRESS=daemon.address,
            XRAY_TARGET_URL=target.url,
            AWS_LAMBDA_MAX_CONCURRENCY="2",
            COMPAT_RENDEZVOUS=str(tmp_path),
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", runtime, handler], env=env, cwd=TESTS,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        try:
            api.wait_results(2, timeout=30)
            documents = daemon.wait(4)
        finally:
            os.killpg(proc.pid, 9)
            _, err = proc.communicate(timeout=10)
            daemon.close()
            target.close()
        results = {r.target.split("/")[-2]: r for r in api.results}
    by_id = {
        event.request_id: (event, header) for event, header in zip(script, headers, strict=True)
    }
    assert len(results) == 2, err.decode()
    replies = []
    for request_id, result in results.items():
        assert result.target.endswith("/response"), (result.body, err.decode())
        _, (_, root, parent) = by_id[request_id]
        reply = result.json()
        assert (reply["trace_id"], reply["parent_id"]) == (root, parent)
        replies.append(reply)
    assert [reply["met"] for reply in replies] == [2, 2]
    assert len({reply["pid"] for reply in replies}) == 2
    by_trace: dict[str, list[dict[str, Any]]] = {root: [] for _, root, _ in headers}
    for document in documents:
        by_trace[document["trace_id"]].append(document)
    for _, root, parent in headers:
        names = sorted((d["name"], d.get("namespace")) for d in by_trace[root])
        assert names == [("127.0.0.1", "remote"), ("work", "local")], documents
        assert {d["parent_id"] for d in by_trace[root]} == {parent}
    assert len(documents) == 4


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_datadog_two_at_once_a_span_per_request(runtime, tmp_path):
    needs("datadog_lambda")
    batch = os.urandom(6).hex()
    with _two_at_once(
        runtime,
        "datadog_lambda.handler.handler",
        [
            {"count": 3, "order": "o-1", "batch": batch},
            {"count": 1, "order": "o-2", "batch": batch},
        ],
        tmp_path,
        DD_LAMBDA_HANDLER=f"{APPS}.datadog_app.handler",
        DD_FLUSH_TO_LOG="true",
    ) as (server, results):
        stdout, log = server.stdout, server.stderr
    replies = [result.json() for result in results]
    _own_workers(results, replies)
    lines = _json_lines(stdout)
    metrics = [line for line in lines if "m" in line]
    orders = sorted((m["v"], m["t"][0]) for m in metrics if m["m"] == "compat.orders")
    assert orders == [(1, "order:o-2"), (3, "order:o-1")], log
    invocations = [m for m in metrics if m["m"] == "aws.lambda.enhanced.invocations"]
    assert len(invocations) == 2
    spans = [span for line in lines for trace in line.get("traces", []) for span in trace]
    lambda_spans = [span for span in spans if span["name"] == "aws.lambda"]
    assert sorted(span["meta"]["request_id"] for span in lambda_spans) == sorted(
        r.request_id for r in results
    )
    assert {span["meta"]["function_arn"] for span in lambda_spans} == {ARN}
    assert len({span["trace_id"] for span in lambda_spans}) == 2


def _local_runtime(target: str, *events: Any, **env: str) -> tuple[list[dict[str, Any]], str]:
    """`target` ("module:attribute") served by LocalRuntime in a program of its own
    (agentapps/local_runner.py): one {"request_id", "ok", "payload"} per event, and
    stderr."""
    proc = subprocess.run(
        [sys.executable, "-m", f"{APPS}.local_runner", target, *map(json.dumps, events)],
        env=lambda_env(**env), cwd=TESTS, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=60,
    )  # fmt: skip
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    lines = proc.stdout.decode().splitlines()
    return [json.loads(line[7:]) for line in lines if line.startswith("RESULT ")], err


def test_sentry_aws_lambda_under_minlambda_invoke(sentry_sink):
    """`python -m minlambda invoke`: its __main__ is minlambda's, the integration
    finds the stand-in there and hooks it, as under `python -m minlambda`."""
    needs("sentry_sdk")
    done = cli_invoke(f"{APPS}.sentry_app.handler", {"fail": "o-7"}, SENTRY_DSN=sentry_sink.dsn)
    assert done.returncode == 1, done.stderr
    error = done.json()
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "order o-7 failed")
    assert "AwsLambdaIntegration is disabled" not in done.stderr
    (event,) = sentry_sink.of_type("event")
    exception = event["exception"]["values"][-1]
    assert (exception["value"], exception["mechanism"]) == (
        "order o-7 failed", {"type": "aws_lambda", "handled": False},
    )  # fmt: skip
    assert event["extra"]["lambda"]["aws_request_id"] == error["requestId"]
    assert event["extra"]["lambda"]["function_name"] == FUNCTION
    (transaction,) = sentry_sink.of_type("transaction")
    assert transaction["extra"]["lambda"]["aws_request_id"] == error["requestId"]


def test_sentry_aws_lambda_under_local_runtime_finds_nothing(sentry_sink):
    """LocalRuntime runs inside another program's __main__: the integration finds
    nothing to hook and turns itself off, so the exception reaches Sentry not at
    all. LocalRuntime serves the handler as it is, and says nothing (the warning
    minlambda prints for serve() in a script is not printed here)."""
    needs("sentry_sdk")
    (result,), err = _local_runtime(
        f"{APPS}.sentry_app:handler", {"fail": "o-8"}, SENTRY_DSN=sentry_sink.dsn
    )
    assert not result["ok"]
    assert result["payload"]["errorMessage"] == "order o-8 failed"
    assert "AwsLambdaIntegration is disabled" not in err
    assert sentry_sink.of_type("event") == []
    assert sentry_sink.of_type("transaction") == []


def test_opentelemetry_under_minlambda_invoke_and_local_runtime(tmp_path):
    """The instrumentor wraps the attribute _HANDLER names: with _HANDLER set as in
    Lambda, a span for the invocation under `minlambda invoke` and under
    LocalRuntime alike. `minlambda invoke HANDLER` does not set _HANDLER: without
    it the instrumentor only warns."""
    needs("opentelemetry.instrumentation.aws_lambda")
    spans_file = tmp_path / "spans.jsonl"
    handler = f"{APPS}.otel_app.handler"
    done = cli_invoke(handler, {}, OTEL_SPANS_FILE=str(spans_file))
    assert done.returncode == 0, done.stderr
    assert "Could not find the ORIG_HANDLER or _HANDLER" in done.stderr
    assert not spans_file.exists()
    done = cli_invoke(handler, {}, OTEL_SPANS_FILE=str(spans_file), _HANDLER=handler)
    assert done.returncode == 0, done.stderr
    request_ids = [done.json()["request_id"]]
    results, err = _local_runtime(
        f"{APPS}.otel_app:handler",
        {},
        {"fail": True},
        OTEL_SPANS_FILE=str(spans_file),
        _HANDLER=handler,
    )
    assert [r["ok"] for r in results] == [True, False], err
    assert results[1]["payload"]["errorType"] == "RuntimeError"
    request_ids += [r["request_id"] for r in results]
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    assert [span["attributes"]["faas.invocation_id"] for span in spans] == request_ids
    for span in spans:
        assert (span["name"], span["kind"]) == (FUNCTION, "SERVER")
        assert span["attributes"]["cloud.resource_id"] == ARN
    assert [span["status"] for span in spans] == ["UNSET", "UNSET", "ERROR"]
    assert [span["events"] for span in spans] == [[], [], ["exception"]]


def test_datadog_under_minlambda_invoke_works_and_under_local_runtime_fails_off_the_main_thread():
    """The Datadog wrapper's ddtrace integration installs a SIGALRM handler per
    invocation, which Python allows in the main thread only. `minlambda invoke` runs
    the handler on the main thread, as Lambda does: it works. LocalRuntime runs it in
    a thread of its own (the test's thread is the caller's), so there the invocation
    fails, and its span says so."""
    needs("datadog_lambda")
    done = cli_invoke(
        "datadog_lambda.handler.handler",
        {"count": 2, "order": "o-3"},
        DD_LAMBDA_HANDLER=f"{APPS}.datadog_app.handler",
        DD_FLUSH_TO_LOG="true",
    )
    assert done.returncode == 0, done.stderr
    request_id = done.json()["request_id"]
    # what the function prints goes to stderr under `minlambda invoke`
    lines = _json_lines(done.stderr)
    spans = [span for line in lines for trace in line.get("traces", []) for span in trace]
    (span,) = [span for span in spans if span["name"] == "aws.lambda"]
    assert (span["meta"]["request_id"], span["error"]) == (request_id, 0)
    (result,), err = _local_runtime(
        "datadog_lambda.handler:handler",
        {"count": 2, "order": "o-4"},
        DD_LAMBDA_HANDLER=f"{APPS}.datadog_app.handler",
        DD_FLUSH_TO_LOG="true",
    )
    assert not result["ok"], err
    assert (result["payload"]["errorType"], result["payload"]["errorMessage"]) == (
        "ValueError", "signal only works in main thread of the main interpreter",
    )  # fmt: skip


def test_xray_under_minlambda_invoke_and_local_runtime_unsampled():
    """Each invocation gets a trace of its own in _X_AMZN_TRACE_ID, which the SDK
    follows; but the trace ids `minlambda invoke` and LocalRuntime make are never
    sampled, so the SDK sends nothing to the daemon."""
    needs("aws_xray_sdk")
    needs("requests")
    daemon, target = UDPSink(), PlainHTTP()
    env = {"AWS_XRAY_DAEMON_ADDRESS": daemon.address, "XRAY_TARGET_URL": target.url}
    try:
        done = cli_invoke(f"{APPS}.xray_app.handler", {"order": "o-1"}, **env)
        assert done.returncode == 0, done.stderr
        results, err = _local_runtime(
            f"{APPS}.xray_app:handler", {"order": "o-2"}, {"order": "o-3"}, **env
        )
        documents = daemon.wait(1, timeout=0.5)
    finally:
        daemon.close()
        target.close()
    assert [r["ok"] for r in results] == [True, True], err
    replies = [done.json()] + [r["payload"] for r in results]
    for reply in replies:
        assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", reply["trace_id"]), reply
    assert len({reply["trace_id"] for reply in replies}) == 3
    assert documents == []


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sentry_chalice_two_at_once_each_its_own(runtime, sentry_sink, tmp_path):
    """Two failing views sent at once with AWS_LAMBDA_MAX_CONCURRENCY=2: an event
    each, with its own request id (the integration flushes in the view)."""
    needs("sentry_sdk")
    needs("chalice")
    from compat.frameworks.http_events import http_event

    boom = http_event("apigw-v1", "GET", "/boom", resource="/boom")
    with _two_at_once(
        runtime,
        f"{APPS}.sentry_chalice_app.app",
        [boom, boom],
        tmp_path,
        SENTRY_DSN=sentry_sink.dsn,
    ) as (server, results):
        events = sentry_sink.of_type("event")
        log = server.stderr
    assert [r.json()["statusCode"] for r in results] == [500, 500], log
    assert sorted(e["extra"]["lambda"]["aws_request_id"] for e in events) == sorted(
        r.request_id for r in results
    ), sentry_sink.items
    for event in events:
        exception = event["exception"]["values"][-1]
        assert (exception["value"], exception["mechanism"]["type"]) == (
            "the chalice is empty", "chalice",
        )  # fmt: skip


def test_sentry_chalice_under_minlambda_invoke_and_local_runtime(sentry_sink):
    needs("sentry_sdk")
    needs("chalice")
    from compat.frameworks.http_events import http_event

    boom = http_event("apigw-v1", "GET", "/boom", resource="/boom")
    done = cli_invoke(f"{APPS}.sentry_chalice_app.app", boom, SENTRY_DSN=sentry_sink.dsn)
    assert (done.returncode, done.json()["statusCode"]) == (0, 500), done.stderr
    (result,), err = _local_runtime(
        f"{APPS}.sentry_chalice_app:app", boom, SENTRY_DSN=sentry_sink.dsn
    )
    assert result["payload"]["statusCode"] == 500, err
    events = sentry_sink.of_type("event")
    assert len(events) == 2, sentry_sink.items
    for event in events:
        exception = event["exception"]["values"][-1]
        assert (exception["value"], exception["mechanism"]["type"]) == (
            "the chalice is empty", "chalice",
        )  # fmt: skip
        assert event["extra"]["lambda"]["invoked_function_arn"] == ARN
    assert events[1]["extra"]["lambda"]["aws_request_id"] == result["request_id"]
    assert events[0]["extra"]["lambda"]["aws_request_id"] not in ("", result["request_id"])
