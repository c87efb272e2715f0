"""Every real event sample in tests/events (MANIFEST.tsv) decodes with the model of
its source through the public `minlambda.events.decode`, re-encodes, and decodes
again to the same value; and the package's lazy exports match its modules."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path
from typing import Any

import msgspec
import pytest

import minlambda.events as events

SAMPLES = Path(__file__).parent / "events"

# event_source_type_guess -> the model's name in minlambda.events
BY_SOURCE = {
    "activemq": "ActiveMQEvent",
    "alb": "ALBEvent",
    "apigw_authorizer_http_v2": "APIGatewayAuthorizerEventV2",
    "apigw_authorizer_request": "APIGatewayAuthorizerRequestEvent",
    "apigw_authorizer_token": "APIGatewayAuthorizerTokenEvent",
    "apigw_http_v2": "APIGatewayProxyEventV2",
    "apigw_rest_v1": "APIGatewayProxyEvent",
    "apigw_websocket": "APIGatewayWebSocketEvent",
    "appsync_authorizer": "AppSyncAuthorizerEvent",
    "appsync_events": "AppSyncEventsEvent",
    "appsync_resolver": "AppSyncResolverEvent",
    "authorizer_simple_response": "AppSyncAuthorizerResponse",
    "bedrock_agent": "BedrockAgentEvent",
    "cloudformation_custom_resource": "CloudFormationCustomResourceEvent",
    "cloudwatch_alarm_lambda_action": "CloudWatchAlarmEvent",
    "cloudwatch_dashboard_custom_widget": "CloudWatchDashboardCustomWidgetEvent",
    "cloudwatch_logs": "CloudWatchLogsEvent",
    "codedeploy_lifecycle_hook": "CodeDeployLifecycleHookEvent",
    "codepipeline_job": "CodePipelineJobEvent",
    "config_rule": "ConfigRuleEvent",
    "connect_contact_flow": "ConnectContactFlowEvent",
    "dynamodb_stream": "DynamoDBStreamEvent",
    "eventbridge": "EventBridgeEvent",
    "function_url": "LambdaFunctionUrlEvent",
    "iot_registry_event": "IoTRegistryEvent",
    "kafka": "KafkaEvent",
    "kinesis_firehose": "KinesisFirehoseEvent",
    "kinesis_stream": "KinesisStreamEvent",
    "lambda_destination_record": "StreamFailureRecord",
    "rabbitmq": "RabbitMQEvent",
    "s3": "S3Event",
    "s3_batch_operations": "S3BatchOperationEvent",
    "s3_object_lambda": "S3ObjectLambdaEvent",
    "secretsmanager_rotation": "SecretsManagerRotationEvent",
    "ses": "SESEvent",
    "sns": "SNSEvent",
    "sqs": "SQSEvent",
    "transfer_family_authorizer": "TransferFamilyAuthorizerEvent",
    "vpc_lattice_v1": "VPCLatticeEvent",
    "vpc_lattice_v2": "VPCLatticeEventV2",
}

# samples whose source has several models: the one for this file
BY_FILE = {
    "bedrockAgentFunctionEvent.json": "BedrockAgentFunctionEvent",
    "cognitoCreateAuthChallengeEvent.json": "CognitoCreateAuthChallengeEvent",
    "cognitoCustomEmailSenderEvent.json": "CognitoCustomEmailSenderEvent",
    "cognitoCustomMessageEvent.json": "CognitoCustomMessageEvent",
    "cognitoCustomSMSSenderEvent.json": "CognitoCustomSMSSenderEvent",
    "cognitoDefineAuthChallengeEvent.json": "CognitoDefineAuthChallengeEvent",
    "cognitoPostAuthenticationEvent.json": "CognitoPostAuthenticationEvent",
    "cognitoPostConfirmationEvent.json": "CognitoPostConfirmationEvent",
    "cognitoPreAuthenticationEvent.json": "CognitoPreAuthenticationEvent",
    "cognitoPreSignUpEvent.json": "CognitoPreSignUpEvent",
    "cognitoPreTokenGenerationEvent.json": "CognitoPreTokenGenerationEvent",
    "cognitoPreTokenV2GenerationEvent.json": "CognitoPreTokenGenerationV2Event",
    "cognitoUserMigrationEvent.json": "CognitoUserMigrationEvent",
    "cognitoVerifyAuthChallengeResponseEvent.json": "CognitoVerifyAuthChallengeResponseEvent",
}
LISTS = {"appSyncBatchEvent.json"}  # AppSync batch invoke: a JSON array of events


def manifest() -> list[dict[str, str]]:
    with (SAMPLES / "MANIFEST.tsv").open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = manifest()


def model_for(row: dict[str, str]) -> Any:
    name = BY_FILE.get(row["file"]) or BY_SOURCE[row["event_source_type_guess"]]
    model = getattr(events, name)
    return list[model] if row["file"] in LISTS else model  # type: ignore[valid-type]


def test_the_manifest_lists_every_sample_and_each_has_a_model():
    files = {p.name for p in SAMPLES.glob("*.json")}
    assert {row["file"] for row in ROWS} == files
    assert len(files) == 125
    sources = {row["event_source_type_guess"] for row in ROWS}
    assert set(BY_SOURCE) <= sources  # no stale entry
    assert all(model_for(row) is not None for row in ROWS)  # every sample has a model


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_every_sample_decodes_with_its_model(row):
    data = (SAMPLES / row["file"]).read_bytes()
    model = model_for(row)
    value = events.decode(data, model)
    # a model decodes an object into a Struct, not a dict that would mean "anything goes"
    first = value[0] if isinstance(value, list) else value
    assert isinstance(first, msgspec.Struct)
    again = events.decode(msgspec.json.encode(value), model)
    assert again == value


def test_a_sample_of_the_wrong_source_does_not_pass_for_another():
    sqs = (SAMPLES / "sqsEvent.json").read_bytes()
    with pytest.raises(msgspec.ValidationError):
        events.decode(sqs, events.APIGatewayProxyEventV2)
    with pytest.raises(msgspec.ValidationError):
        events.decode((SAMPLES / "s3Event.json").read_bytes(), events.SQSEvent)


def test_the_lazy_exports_are_exactly_the_modules_public_names():
    where: dict[str, str] = {}
    for module in ("_appsync", "_http", "_notifications", "_services", "_sqs", "_streams"):
        for name in importlib.import_module(f"minlambda.events.{module}").__all__:
            assert name not in where, f"{name} is defined twice"
            where[name] = module
    assert sorted(events.__all__) == sorted(["decode", *where])
    for name, module in where.items():
        assert getattr(events, name) is getattr(
            importlib.import_module(f"minlambda.events.{module}"), name
        )
    with pytest.raises(AttributeError):
        events.NoSuchEvent  # noqa: B018


def test_importing_the_package_loads_no_model_module():
    import subprocess
    import sys

    code = (
        "import sys, minlambda.events\n"
        "print(sorted(m for m in sys.modules if m.startswith('minlambda.events.')))\n"
        "minlambda.events.SQSEvent\n"
        "print(sorted(m for m in sys.modules if m.startswith('minlambda.events.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "[]",
        "['minlambda.events._base', 'minlambda.events._sqs']",
    ]


# keys of a sample that no field reads, each for a reason
UNREAD = {
    # the sample's authors added it; AWS does not send it
    "s3EventDecodedKey.json": ["$.Records[0].s3.object.urlDecodedKey"],
    # a v1 key in a v2 event: a slip in the sample
    "vpcLatticeEventV2PathTrailingSlash.json": ["$.query_string_parameters"],
    # the widget's parameters repeated at the top level; the model reads widgetContext.params
    "cloudWatchDashboardEvent.json": ["$.original"],
}


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_every_key_of_every_sample_is_read_by_a_field(row):
    import json

    import msgspec.inspect as mi
    from eventkeys import unknown_keys

    value = json.loads((SAMPLES / row["file"]).read_bytes())
    assert unknown_keys(value, mi.type_info(model_for(row))) == UNREAD.get(row["file"], [])
