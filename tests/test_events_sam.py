"""`sam local generate-event` is how many users make test events: every template of
every service minlambda.events has a model for decodes with that model, with the
generator's defaults and with overrides.

The templates are read from the aws-sam-cli wheel on PyPI (pinned below), fetched
once per run with `pip download --no-deps` (about 8 MB, nothing installed), or from
the wheel or the unpacked `samcli` package that MINLAMBDA_SAM_CLI names. They are
rendered here as the generator does: each tag's value (its default unless given),
URL- or base64-encoded or hashed as event-mapping.json says, put into the template's
`{{{name}}}` slots (as JSON string content), and `dict` tags parsed in after.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import ROOT

from minlambda import events
from minlambda.events import decode

SAM_CLI = "aws-sam-cli==1.170.0"
PREFIX = "samcli/lib/generated_sample_events/"

# (service, event) of `sam local generate-event SERVICE EVENT` -> the model that decodes it
COVERED: dict[tuple[str, str], str] = {
    ("alb", "request"): "ALBEvent",
    ("apigateway", "authorizer"): "APIGatewayAuthorizerTokenEvent",
    ("apigateway", "request-authorizer"): "APIGatewayAuthorizerRequestEvent",
    ("apigateway", "aws-proxy"): "APIGatewayProxyEvent",
    ("apigateway", "http-api-proxy"): "APIGatewayProxyEventV2",
    ("appsync", "resolver"): "AppSyncResolverEvent",
    ("cloudformation", "create-request"): "CloudFormationCustomResourceEvent",
    ("cloudwatch", "logs"): "CloudWatchLogsEvent",
    ("cloudwatch", "scheduled-event"): "EventBridgeEvent",
    ("codepipeline", "job"): "CodePipelineJobEvent",
    ("config", "item-change-notification"): "ConfigRuleEvent",
    ("config", "oversized-item-change-notification"): "ConfigRuleEvent",
    ("config", "periodic-rule"): "ConfigRuleEvent",
    ("connect", "contact-flow-event"): "ConnectContactFlowEvent",
    ("dynamodb", "update"): "DynamoDBStreamEvent",
    ("kinesis", "get-records"): "KinesisStreamEvent",
    ("kinesis", "kinesis-firehose"): "KinesisFirehoseEvent",
    ("kinesis", "apachelog"): "KinesisFirehoseEvent",
    ("kinesis", "cloudwatch-logs-processor"): "KinesisFirehoseEvent",
    ("kinesis", "streams-as-source"): "KinesisFirehoseEvent",
    ("kinesis", "syslog"): "KinesisFirehoseEvent",
    ("s3", "batch-invocation"): "S3BatchOperationEvent",
    ("s3", "delete"): "S3Event",
    ("s3", "put"): "S3Event",
    ("ses", "email-receiving"): "SESEvent",
    ("sns", "notification"): "SNSEvent",
    ("sqs", "receive-message"): "SQSEvent",
}
# the generator's events minlambda.events has no model for (docs/events.md lists them):
# Kinesis Data Analytics' (a legacy service) included
NOT_COVERED = {
    ("alexa-skills-kit", name)
    for name in ("end-session", "intent-answer", "intent-getnewfact", "intent-mycoloris",
                 "intent-recipe", "start-session")
} | {
    ("alexa-smart-home", name)
    for name in ("smart-home-control-turn-off-request", "smart-home-control-turn-on-request",
                 "smart-home-discovery-request")
} | {
    ("batch", "get-job"), ("batch", "submit-job"),
    ("cloudfront", "ab-test"), ("cloudfront", "access-request-in-response"),
    ("cloudfront", "http-redirect"), ("cloudfront", "modify-querystring"),
    ("cloudfront", "modify-response-header"),
    ("cloudfront", "multiple-remote-calls-aggregate-response"),
    ("cloudfront", "normalize-querystring-to-improve-cache-hit"),
    ("cloudfront", "redirect-on-viewer-country"),
    ("cloudfront", "redirect-unauthenticated-users"), ("cloudfront", "response-generation"),
    ("cloudfront", "serve-object-on-viewer-device"), ("cloudfront", "simple-remote-call"),
    ("codecommit", "repository"), ("cognito", "sync-trigger"),
    ("kinesis", "analytics"), ("kinesis", "analytics-compressed"),
    ("kinesis", "analytics-dynamodb"), ("kinesis", "analytics-kpl"),
    ("lex", "book-car"), ("lex", "book-hotel"), ("lex", "make-appointment"),
    ("lex", "order-flowers"),
    ("lex-v2", "banking-bot"), ("lex-v2", "book-car"), ("lex-v2", "book-hotel"),
    ("rekognition", "s3-request"),
    ("sagemaker", "ground-truth-pre-human"), ("sagemaker", "ground-truth-annotation-consolidation"),
    ("stepfunctions", "error"), ("workmail", "email"),
}
# a few values as a user would give them on the command line (`--body ...`)
OVERRIDES: dict[tuple[str, str], dict[str, str]] = {
    ("sqs", "receive-message"): {"body": '{"id": "a", "note": "naïve \\"quotes\\""}',
                                 "queue-name": "orders.fifo"},
    ("s3", "put"): {"bucket": "uploads", "key": "in/report 1.csv"},
    ("sns", "notification"): {"message": '{"id": "a"}', "subject": "Order"},
    ("apigateway", "aws-proxy"): {"method": "GET", "path": "orders/42", "body": "",
                                  "querystringparameters": '{"page": "2", "q": "a b"}'},
    ("apigateway", "http-api-proxy"): {"method": "PUT", "path": "orders/42", "body": "{}"},
    ("kinesis", "get-records"): {"data": '{"id": "a"}', "partition-key": "a"},
    ("dynamodb", "update"): {"table": "Orders", "region": "eu-west-1"},
    ("alb", "request"): {"method": "DELETE", "path": "/orders/42", "body": ""},
    ("cloudwatch", "scheduled-event"): {"rule": "nightly", "region": "eu-west-1"},
}


@pytest.fixture(scope="module")
def generator(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The generator's files (event-mapping.json and events/...), by path under PREFIX."""
    given = os.environ.get("MINLAMBDA_SAM_CLI")
    if given and Path(given).is_dir():  # an unpacked samcli package
        folder = Path(given) / "lib" / "generated_sample_events"
        return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*.json")}
    wheel = Path(given) if given else None
    if wheel is None:
        target = tmp_path_factory.mktemp("sam")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--disable-pip-version-check", "-d", str(target), SAM_CLI],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        wheels = sorted(target.glob("*.whl"))
        if done.returncode or not wheels:
            pytest.fail(
                f"cannot fetch {SAM_CLI} from the package index (set MINLAMBDA_SAM_CLI to "
                f"its wheel or its unpacked samcli folder to run offline):\n{done.stderr}"
            )
        wheel = wheels[0]
    with zipfile.ZipFile(wheel) as archive:
        return {
            name[len(PREFIX):]: archive.read(name)
            for name in archive.namelist()
            if name.startswith(PREFIX) and name.endswith(".json")
        }


def _mapping(generator: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return json.loads(generator["event-mapping.json"])  # type: ignore[no-any-return]


def _value(properties: dict[str, Any], given: str | None) -> str:
    value = str(properties.get("default", "")) if given is None else given
    if properties.get("encoding") == "url":
        value = quote(value)
    elif properties.get("encoding") == "base64":
        value = base64.b64encode(value.encode()).decode()
    if properties.get("hashing") == "md5":
        value = hashlib.md5(value.encode()).hexdigest()
    return value


def render(generator: dict[str, bytes], service: str, event: str, given: dict[str, str]) -> Any:
    """The event `sam local generate-event SERVICE EVENT --TAG VALUE...` prints, parsed."""
    spec = _mapping(generator)[service][event]
    values: dict[str, str] = {}
    dicts: dict[str, Any] = {}
    for tag, properties in spec.get("tags", {}).items():
        if properties.get("type") == "dict":
            dicts[tag] = json.loads(given.get(tag, properties.get("default", "{}")))
            value = f"__dict_{tag}__"
        else:
            value = _value(properties, given.get(tag))
        head, *rest = tag.split("-")
        for name in {tag, tag.replace("-", "_"), head + "".join(w.title() for w in rest)}:
            values[name] = value  # the templates name a tag all three ways
        for child, child_properties in (properties.get("children") or {}).items():
            values[child] = _value(child_properties, given.get(tag, properties.get("default")))
    template = generator[f"events/{service}/{spec['filename']}.json"].decode()

    def slot(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in values, f"{service} {event}: no value for {{{{{name}}}}}"
        return json.dumps(values[name])[1:-1]  # inside a JSON string, as every slot is

    text = re.sub(r"\{\{\{\s*([\w-]+)\s*\}\}\}|\{\{\s*([\w-]+)\s*\}\}", slot, template)
    rendered = json.loads(text)
    for tag, value in dicts.items():
        for key in rendered:
            if key.lower() == tag.lower() and rendered[key] == f"__dict_{tag}__":
                rendered[key] = value
    return rendered


def test_every_generator_event_is_covered_or_listed(generator: dict[str, bytes]) -> None:
    known = {(service, event) for service, events_ in _mapping(generator).items() for event in events_}
    assert known == set(COVERED) | NOT_COVERED, (
        f"new: {sorted(known - set(COVERED) - NOT_COVERED)}; "
        f"gone: {sorted((set(COVERED) | NOT_COVERED) - known)}"
    )
    page = (ROOT / "docs" / "events.md").read_text()
    for service in {service for service, _ in NOT_COVERED} - {service for service, _ in COVERED}:
        assert f"`{service}`" in page, f"docs/events.md does not list {service} as not covered"


@pytest.mark.parametrize(("service", "event"), sorted(COVERED), ids=lambda v: str(v))
def test_a_generated_event_decodes_with_its_model(
    generator: dict[str, bytes], service: str, event: str
) -> None:
    model = getattr(events, COVERED[service, event])
    for given in ({}, OVERRIDES.get((service, event), {})):
        data = json.dumps(render(generator, service, event, given))
        decoded = decode(data, model)
        assert isinstance(decoded, model)


def test_overrides_reach_the_decoded_event(generator: dict[str, bytes]) -> None:
    sqs = decode(json.dumps(render(generator, "sqs", "receive-message",
                                   OVERRIDES["sqs", "receive-message"])), events.SQSEvent)
    record = sqs.records[0]
    assert record.body == '{"id": "a", "note": "naïve \\"quotes\\""}'
    assert record.md5_of_body == hashlib.md5(record.body.encode()).hexdigest()
    s3 = decode(json.dumps(render(generator, "s3", "put", OVERRIDES["s3", "put"])), events.S3Event)
    assert s3.records[0].s3.bucket.name == "uploads"
    assert s3.records[0].s3.object.key == "in/report%201.csv"  # URL-encoded, as S3 sends it
    rest = decode(json.dumps(render(generator, "apigateway", "aws-proxy",
                                    OVERRIDES["apigateway", "aws-proxy"])),
                  events.APIGatewayProxyEvent)
    assert rest.http_method == "GET" and rest.query_string_parameters == {"page": "2", "q": "a b"}


def test_firehose_numbers_written_as_text_reach_the_handler_as_ints(
    generator: dict[str, bytes],
) -> None:
    # the streams-as-source template writes subsequenceNumber as "...", syslog an ISO
    # date for approximateArrivalTimestamp: the model gives the documented ints
    source = decode(json.dumps(render(generator, "kinesis", "streams-as-source", {})),
                    events.KinesisFirehoseEvent)
    metadata = source.records[0].kinesis_record_metadata
    assert metadata is not None and type(metadata.subsequence_number) is int
    syslog = decode(json.dumps(render(generator, "kinesis", "syslog", {})),
                    events.KinesisFirehoseEvent)
    assert all(type(r.approximate_arrival_timestamp) is int for r in syslog.records)
