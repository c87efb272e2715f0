"""minlambda.events._services: Cognito user pool triggers, CloudFormation custom
resources, Config rules, CodePipeline, CodeDeploy, CloudWatch alarms and custom
widgets, Connect contact flows and IoT registry events, decoded from the real samples
in tests/events (and encoded back where the function returns or sends a response)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import msgspec
import pytest

from minlambda.events._services import (
    CloudFormationCustomResourceEvent,
    CloudFormationCustomResourceResponse,
    CloudWatchAlarmEvent,
    CloudWatchDashboardCustomWidgetEvent,
    CodeDeployLifecycleHookEvent,
    CodePipelineJobEvent,
    CognitoAccessTokenGeneration,
    CognitoClaimsAndScopeOverrideDetails,
    CognitoClaimsOverrideDetails,
    CognitoCreateAuthChallengeEvent,
    CognitoCustomEmailSenderEvent,
    CognitoCustomMessageEvent,
    CognitoCustomSMSSenderEvent,
    CognitoDefineAuthChallengeEvent,
    CognitoGroupOverrideDetails,
    CognitoIdTokenGeneration,
    CognitoPostAuthenticationEvent,
    CognitoPostConfirmationEvent,
    CognitoPreAuthenticationEvent,
    CognitoPreSignUpEvent,
    CognitoPreTokenGenerationEvent,
    CognitoPreTokenGenerationV2Event,
    CognitoTriggerEvent,
    CognitoUserMigrationEvent,
    CognitoVerifyAuthChallengeResponseEvent,
    ConfigRuleEvent,
    ConnectContactFlowEvent,
    IoTRegistryBaseEvent,
    IoTRegistryEvent,
    IoTRegistryThingEvent,
    IoTRegistryThingGroupEvent,
    IoTRegistryThingGroupHierarchyEvent,
    IoTRegistryThingGroupMembershipEvent,
    IoTRegistryThingTypeAssociationEvent,
    IoTRegistryThingTypeEvent,
)

EVENTS = pathlib.Path(__file__).parent / "events"

SOURCES = {
    "cognito_user_pool",
    "cloudformation_custom_resource",
    "config_rule",
    "codepipeline_job",
    "codedeploy_lifecycle_hook",
    "cloudwatch_alarm_lambda_action",
    "cloudwatch_dashboard_custom_widget",
    "connect_contact_flow",
    "iot_registry_event",
}


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def decode(name: str, model: Any) -> Any:
    return msgspec.json.decode(sample(name), type=model)


def encoded(obj: Any) -> Any:
    return json.loads(msgspec.json.encode(obj))


def missing_keys(original: Any, again: Any, path: str = "$") -> list[str]:
    """The keys of a sample that decode + encode lost although their value is not one
    a default leaves out (None, {}, [], False): a misspelt rename shows up here."""
    lost: list[str] = []
    if isinstance(original, dict) and isinstance(again, dict):
        for key, value in original.items():
            if key in again:
                lost += missing_keys(value, again[key], f"{path}.{key}")
            elif value not in (None, {}, [], False):
                lost.append(f"{path}.{key}")
    elif isinstance(original, list) and isinstance(again, list):
        assert len(original) == len(again), path
        for index, (a, b) in enumerate(zip(original, again, strict=True)):
            lost += missing_keys(a, b, f"{path}[{index}]")
    elif original != again:
        lost.append(f"{path}: {original!r} != {again!r}")
    return lost


SAMPLES: list[tuple[str, Any]] = [
    ("cognitoPreSignUpEvent.json", CognitoPreSignUpEvent),
    ("cognitoPostConfirmationEvent.json", CognitoPostConfirmationEvent),
    ("cognitoPreAuthenticationEvent.json", CognitoPreAuthenticationEvent),
    ("cognitoPostAuthenticationEvent.json", CognitoPostAuthenticationEvent),
    ("cognitoPreTokenGenerationEvent.json", CognitoPreTokenGenerationEvent),
    ("cognitoPreTokenV2GenerationEvent.json", CognitoPreTokenGenerationV2Event),
    ("cognitoCustomMessageEvent.json", CognitoCustomMessageEvent),
    ("cognitoUserMigrationEvent.json", CognitoUserMigrationEvent),
    ("cognitoDefineAuthChallengeEvent.json", CognitoDefineAuthChallengeEvent),
    ("cognitoCreateAuthChallengeEvent.json", CognitoCreateAuthChallengeEvent),
    ("cognitoVerifyAuthChallengeResponseEvent.json", CognitoVerifyAuthChallengeResponseEvent),
    ("cognitoCustomEmailSenderEvent.json", CognitoCustomEmailSenderEvent),
    ("cognitoCustomSMSSenderEvent.json", CognitoCustomSMSSenderEvent),
    ("cloudformationCustomResourceCreate.json", CloudFormationCustomResourceEvent),
    ("cloudformationCustomResourceUpdate.json", CloudFormationCustomResourceEvent),
    ("cloudformationCustomResourceDelete.json", CloudFormationCustomResourceEvent),
    ("awsConfigRuleConfigurationChanged.json", ConfigRuleEvent),
    ("awsConfigRuleOversizedConfiguration.json", ConfigRuleEvent),
    ("awsConfigRuleScheduled.json", ConfigRuleEvent),
    ("codePipelineEvent.json", CodePipelineJobEvent),
    ("codePipelineEventData.json", CodePipelineJobEvent),
    ("codePipelineEventEmptyUserParameters.json", CodePipelineJobEvent),
    ("codePipelineEventWithEncryptionKey.json", CodePipelineJobEvent),
    ("codeDeployLifecycleHookEvent.json", CodeDeployLifecycleHookEvent),
    ("cloudWatchAlarmEventSingleMetric.json", CloudWatchAlarmEvent),
    ("cloudWatchAlarmEventCompositeMetric.json", CloudWatchAlarmEvent),
    ("cloudWatchDashboardEvent.json", CloudWatchDashboardCustomWidgetEvent),
    ("connectContactFlowEventAll.json", ConnectContactFlowEvent),
    ("connectContactFlowEventMin.json", ConnectContactFlowEvent),
    ("iotRegistryEventsThingEvent.json", IoTRegistryThingEvent),
    ("iotRegistryEventsThingTypeEvent.json", IoTRegistryThingTypeEvent),
    ("iotRegistryEventsThingTypeAssociationEvent.json", IoTRegistryThingTypeAssociationEvent),
    ("iotRegistryEventsThingGroupEvent.json", IoTRegistryThingGroupEvent),
    ("iotRegistryEventsAddOrRemoveFromThingGroupEvent.json", IoTRegistryThingGroupMembershipEvent),
    ("iotRegistryEventsAddOrDeleteFromThingGroupEvent.json", IoTRegistryThingGroupHierarchyEvent),
]

# keys of a sample no model field stands for, on purpose
UNMODELLED = {
    # a custom widget's params also arrive at the top level: read from widgetContext.params
    "cloudWatchDashboardEvent.json": ["$.original"],
}


def test_the_samples_cover_every_file_of_these_sources():
    rows = (EVENTS / "MANIFEST.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    column = header.index("event_source_type_guess")
    files = {r.split("\t")[0] for r in rows[1:] if r.split("\t")[column] in SOURCES}
    assert len(files) == 35
    assert files == {name for name, _ in SAMPLES}


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_every_key_of_every_sample_is_modelled(name, model):
    event = decode(name, model)
    again = encoded(event)
    assert missing_keys(json.loads(sample(name)), again) == UNMODELLED.get(name, [])
    # and what was encoded decodes to the same event
    assert msgspec.json.decode(msgspec.json.encode(event), type=model) == event


# -- Cognito: the header -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [name for name, _ in SAMPLES if name.startswith("cognito")], ids=str
)
def test_every_cognito_sample_decodes_as_the_shared_header(name):
    header = decode(name, CognitoTriggerEvent)
    original = json.loads(sample(name))
    assert header.trigger_source == original["triggerSource"]
    assert header.user_pool_id == original["userPoolId"]
    assert header.user_name == original["userName"]
    assert header.region == original["region"]
    assert header.version == original["version"]
    assert header.caller_context.client_id == original["callerContext"]["clientId"]


def test_cognito_header_requires_aws_fields():
    data = json.loads(sample("cognitoPreSignUpEvent.json"))
    del data["userPoolId"]
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(data), type=CognitoPreSignUpEvent)
    assert str(exc.value) == "Object missing required field `userPoolId`"
    data = json.loads(sample("cognitoPreSignUpEvent.json"))
    data["request"]["userAttributes"]["email"] = 3
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(data), type=CognitoPreSignUpEvent)
    assert str(exc.value) == (
        "Expected `bool | str`, got `int` - at `$.request.userAttributes[...]`"
    )


# -- Cognito: each trigger, decoded ------------------------------------------------------


def test_pre_sign_up():
    event = decode("cognitoPreSignUpEvent.json", CognitoPreSignUpEvent)
    assert event.version == "string"
    assert event.trigger_source == "PreSignUp_SignUp"
    assert event.region == "us-east-1"
    assert event.user_name == "userName"
    assert event.caller_context.aws_sdk_version == "awsSdkVersion"
    assert event.caller_context.client_id == "clientId"
    assert event.caller_context.aws_sdk is None
    assert event.request.user_attributes == {
        "email": "user@example.com",
        "phone_number": "+12065550100",
    }
    assert event.request.validation_data is None
    assert event.request.client_metadata == {}
    response = event.response
    assert (response.auto_confirm_user, response.auto_verify_email) == (None, None)
    assert response.auto_verify_phone is None


def test_post_confirmation():
    event = decode("cognitoPostConfirmationEvent.json", CognitoPostConfirmationEvent)
    assert event.trigger_source == "PostConfirmation_ConfirmSignUp"
    assert event.user_pool_id == "string"
    assert event.request.user_attributes["email"] == "user@example.com"
    # the sample has a boolean where Cognito sends "true": kept as it came
    assert event.request.user_attributes["email_verified"] is True


def test_pre_authentication():
    event = decode("cognitoPreAuthenticationEvent.json", CognitoPreAuthenticationEvent)
    assert event.trigger_source == "PreAuthentication_Authentication"
    assert event.user_pool_id == "us-east-1_example"
    assert event.user_name == "UserName"
    assert event.request.user_attributes["sub"] == "4A709A36-7D63-4785-829D-4198EF10EBDA"
    assert event.request.user_attributes["email_verified"] == "true"
    assert event.request.user_attributes["email"] == "pre-auth@mail.com"
    assert event.request.user_not_found is False
    assert event.request.validation_data is None


def test_post_authentication():
    event = decode("cognitoPostAuthenticationEvent.json", CognitoPostAuthenticationEvent)
    assert event.trigger_source == "PostAuthentication_Authentication"
    assert event.request.new_device_used is True
    assert event.request.user_attributes == {"email": "post-auth@mail.com"}


def test_pre_token_generation_v1():
    event = decode("cognitoPreTokenGenerationEvent.json", CognitoPreTokenGenerationEvent)
    assert event.trigger_source == "TokenGeneration_Authentication"
    assert event.region == "us-west-2"
    assert event.user_name == "testqq"
    assert event.caller_context.aws_sdk_version == "aws-sdk-unknown-unknown"
    assert event.caller_context.client_id == "71ghuul37mresr7h373b704tua"
    assert event.request.user_attributes["cognito:user_status"] == "CONFIRMED"
    groups = event.request.group_configuration
    assert groups.groups_to_override == []
    assert groups.iam_roles_to_override == []
    assert groups.preferred_role is None
    assert event.response.claims_override_details is None


def test_pre_token_generation_v2():
    event = decode("cognitoPreTokenV2GenerationEvent.json", CognitoPreTokenGenerationV2Event)
    assert event.trigger_source == "TokenGeneration_Authentication"
    assert event.caller_context.client_id == "clientId"
    assert event.request.scopes == ["aws.cognito.signin.user.admin"]
    assert event.request.user_attributes["email"] == "test@mail.com"
    assert event.request.group_configuration.preferred_role is None
    assert event.response.claims_and_scope_override_details is None


def test_custom_message():
    event = decode("cognitoCustomMessageEvent.json", CognitoCustomMessageEvent)
    assert event.trigger_source == "CustomMessage_AdminCreateUser"
    assert event.region == "region"
    # this sample names the SDK field awsSdk
    assert event.caller_context.aws_sdk == "awsSdkVersion"
    assert event.caller_context.aws_sdk_version == ""
    assert event.request.user_attributes == {
        "phone_number_verified": False,
        "email_verified": True,
    }
    assert event.request.code_parameter == "####"
    assert event.request.link_parameter == "{##Click Here##}"
    assert event.request.username_parameter == "username"
    assert event.response.sms_message is None


def test_user_migration():
    event = decode("cognitoUserMigrationEvent.json", CognitoUserMigrationEvent)
    assert event.trigger_source == "UserMigration_Authentication"
    assert event.user_name == "userName"
    assert event.request.password == "password"
    assert event.request.validation_data is None
    assert event.response.user_attributes is None
    assert event.response.final_user_status is None


def test_define_auth_challenge():
    event = decode("cognitoDefineAuthChallengeEvent.json", CognitoDefineAuthChallengeEvent)
    assert event.trigger_source == "DefineAuthChallenge_Authentication"
    assert event.request.user_attributes["email"] == "define-auth@mail.com"
    assert event.request.user_not_found is True
    first, second = event.request.session
    assert first.challenge_name == "PASSWORD_VERIFIER"
    assert first.challenge_result is True
    assert first.challenge_metadata is None
    assert second.challenge_name == "CUSTOM_CHALLENGE"
    assert second.challenge_metadata == "CAPTCHA_CHALLENGE"
    assert event.response.issue_tokens is None


def test_create_auth_challenge():
    event = decode("cognitoCreateAuthChallengeEvent.json", CognitoCreateAuthChallengeEvent)
    assert event.trigger_source == "CreateAuthChallenge_Authentication"
    assert event.request.challenge_name == "PASSWORD_VERIFIER"
    assert event.request.user_attributes["name"] == "First Last"
    assert event.request.user_not_found is False
    [challenge] = event.request.session
    assert challenge.challenge_name == "CUSTOM_CHALLENGE"
    assert challenge.challenge_result is True
    assert challenge.challenge_metadata == "CAPTCHA_CHALLENGE"


def test_verify_auth_challenge_response():
    event = decode(
        "cognitoVerifyAuthChallengeResponseEvent.json", CognitoVerifyAuthChallengeResponseEvent
    )
    assert event.trigger_source == "VerifyAuthChallengeResponse_Authentication"
    assert event.request.private_challenge_parameters == {"answer": "challengeAnswer"}
    assert event.request.client_metadata == {"foo": "value"}
    assert event.request.challenge_answer == "challengeAnswer"
    assert event.request.user_not_found is True
    assert event.request.user_attributes["email"] == "verify-auth@mail.com"
    assert event.response.answer_correct is None


@pytest.mark.parametrize(
    ("name", "model", "trigger"),
    [
        ("cognitoCustomEmailSenderEvent.json", CognitoCustomEmailSenderEvent, "CustomEmailSender"),
        ("cognitoCustomSMSSenderEvent.json", CognitoCustomSMSSenderEvent, "CustomSMSSender"),
    ],
)
def test_custom_senders(name, model, trigger):
    event = decode(name, model)
    assert event.trigger_source == f"{trigger}_SignUp"
    assert event.user_pool_id == "userPoolId"
    assert event.caller_context.aws_sdk == "awsSdkVersion"
    assert event.caller_context.client_id == "clientId"
    assert event.request.type == "customEmailSenderRequestV1"
    assert event.request.code == "someCode"
    assert event.request.user_attributes["phone_number_verified"] is False
    assert event.request.client_metadata == {}
    # Cognito reads nothing back from a custom sender: no response part
    assert not hasattr(event, "response")
    assert "response" not in encoded(event)


# -- Cognito: responses, encoded back ----------------------------------------------------


def test_pre_sign_up_response_round_trip_keeps_false():
    event = decode("cognitoPreSignUpEvent.json", CognitoPreSignUpEvent)
    assert encoded(event)["response"] == {}  # nothing set: an empty response
    event.response.auto_confirm_user = True
    event.response.auto_verify_email = False  # explicitly False: still sent
    out = encoded(event)
    assert out["response"] == {"autoConfirmUser": True, "autoVerifyEmail": False}
    # the rest of the event goes back under AWS's keys
    assert out["triggerSource"] == "PreSignUp_SignUp"
    assert out["userPoolId"] == "string"
    assert out["userName"] == "userName"
    assert out["callerContext"] == {"awsSdkVersion": "awsSdkVersion", "clientId": "clientId"}
    assert out["request"]["userAttributes"]["phone_number"] == "+12065550100"
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoPreSignUpEvent)
    assert again == event
    assert again.response.auto_verify_email is False
    assert again.response.auto_verify_phone is None


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("cognitoPostConfirmationEvent.json", CognitoPostConfirmationEvent),
        ("cognitoPreAuthenticationEvent.json", CognitoPreAuthenticationEvent),
        ("cognitoPostAuthenticationEvent.json", CognitoPostAuthenticationEvent),
    ],
)
def test_empty_responses_are_sent_back_empty(name, model):
    event = decode(name, model)
    out = encoded(event)
    assert out["response"] == {}
    assert out["triggerSource"] == json.loads(sample(name))["triggerSource"]


def test_a_response_from_json_keeps_its_values():
    data = json.loads(sample("cognitoPreSignUpEvent.json"))
    data["response"] = {"autoConfirmUser": False, "autoVerifyPhone": True}
    event = msgspec.json.decode(json.dumps(data), type=CognitoPreSignUpEvent)
    assert event.response.auto_confirm_user is False
    assert event.response.auto_verify_phone is True
    assert event.response.auto_verify_email is None


def test_pre_token_generation_v1_response():
    event = decode("cognitoPreTokenGenerationEvent.json", CognitoPreTokenGenerationEvent)
    event.response.claims_override_details = CognitoClaimsOverrideDetails(
        claims_to_add_or_override={"tenant": "acme"},
        claims_to_suppress=["email"],
        group_override_details=CognitoGroupOverrideDetails(groups_to_override=[]),
    )
    out = encoded(event)
    # groupsToOverride [] removes every group: it must be sent, unlike the unset roles
    assert out["response"] == {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {"tenant": "acme"},
            "claimsToSuppress": ["email"],
            "groupOverrideDetails": {"groupsToOverride": []},
        }
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoPreTokenGenerationEvent)
    assert again == event


def test_pre_token_generation_v2_response():
    event = decode("cognitoPreTokenV2GenerationEvent.json", CognitoPreTokenGenerationV2Event)
    event.response.claims_and_scope_override_details = CognitoClaimsAndScopeOverrideDetails(
        id_token_generation=CognitoIdTokenGeneration(
            claims_to_add_or_override={"roles": ["admin"], "level": 3, "beta": False},
        ),
        access_token_generation=CognitoAccessTokenGeneration(
            claims_to_suppress=["username"],
            scopes_to_add=["orders/read"],
            scopes_to_suppress=["aws.cognito.signin.user.admin"],
        ),
        group_override_details=CognitoGroupOverrideDetails(
            groups_to_override=["admins"],
            iam_roles_to_override=["arn:aws:iam::123456789012:role/admin"],
            preferred_role="arn:aws:iam::123456789012:role/admin",
        ),
    )
    out = encoded(event)
    assert out["response"] == {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {
                "claimsToAddOrOverride": {"roles": ["admin"], "level": 3, "beta": False}
            },
            "accessTokenGeneration": {
                "claimsToSuppress": ["username"],
                "scopesToAdd": ["orders/read"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin"],
            },
            "groupOverrideDetails": {
                "groupsToOverride": ["admins"],
                "iamRolesToOverride": ["arn:aws:iam::123456789012:role/admin"],
                "preferredRole": "arn:aws:iam::123456789012:role/admin",
            },
        }
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoPreTokenGenerationV2Event)
    assert again == event
    assert again.request.scopes == ["aws.cognito.signin.user.admin"]


def test_custom_message_response():
    event = decode("cognitoCustomMessageEvent.json", CognitoCustomMessageEvent)
    event.response.sms_message = "Your code is ####"
    event.response.email_message = "Welcome username, your code is ####"
    event.response.email_subject = "Welcome"
    assert encoded(event)["response"] == {
        "smsMessage": "Your code is ####",
        "emailMessage": "Welcome username, your code is ####",
        "emailSubject": "Welcome",
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoCustomMessageEvent)
    assert again == event


def test_user_migration_response():
    event = decode("cognitoUserMigrationEvent.json", CognitoUserMigrationEvent)
    response = event.response
    response.user_attributes = {"email": "user@example.com", "email_verified": "true"}
    response.final_user_status = "CONFIRMED"
    response.message_action = "SUPPRESS"
    response.desired_delivery_mediums = ["EMAIL"]
    response.force_alias_creation = False
    response.enable_sms_mfa = True
    assert encoded(event)["response"] == {
        "userAttributes": {"email": "user@example.com", "email_verified": "true"},
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
        "desiredDeliveryMediums": ["EMAIL"],
        "forceAliasCreation": False,
        "enableSMSMFA": True,
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoUserMigrationEvent)
    assert again == event


def test_define_auth_challenge_response_sends_false():
    event = decode("cognitoDefineAuthChallengeEvent.json", CognitoDefineAuthChallengeEvent)
    event.response.challenge_name = "CUSTOM_CHALLENGE"
    event.response.issue_tokens = False
    event.response.fail_authentication = False
    assert encoded(event)["response"] == {
        "challengeName": "CUSTOM_CHALLENGE",
        "issueTokens": False,
        "failAuthentication": False,
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoDefineAuthChallengeEvent)
    assert again == event
    assert again.request.session[1].challenge_metadata == "CAPTCHA_CHALLENGE"


def test_create_auth_challenge_response():
    event = decode("cognitoCreateAuthChallengeEvent.json", CognitoCreateAuthChallengeEvent)
    event.response.public_challenge_parameters = {"captchaUrl": "https://example.com/c.png"}
    event.response.private_challenge_parameters = {"answer": "5"}
    event.response.challenge_metadata = "CAPTCHA_CHALLENGE"
    assert encoded(event)["response"] == {
        "publicChallengeParameters": {"captchaUrl": "https://example.com/c.png"},
        "privateChallengeParameters": {"answer": "5"},
        "challengeMetadata": "CAPTCHA_CHALLENGE",
    }
    again = msgspec.json.decode(msgspec.json.encode(event), type=CognitoCreateAuthChallengeEvent)
    assert again == event


def test_verify_auth_challenge_response_sends_false():
    event = decode(
        "cognitoVerifyAuthChallengeResponseEvent.json", CognitoVerifyAuthChallengeResponseEvent
    )
    event.response.answer_correct = False
    assert encoded(event)["response"] == {"answerCorrect": False}
    event.response.answer_correct = True
    data = msgspec.json.encode(event)
    assert json.loads(data)["response"] == {"answerCorrect": True}
    again = msgspec.json.decode(data, type=CognitoVerifyAuthChallengeResponseEvent)
    assert again.response.answer_correct is True


# -- CloudFormation custom resources -----------------------------------------------------


STACK_ID = "arn:aws:cloudformation:us-east-1:xxxx:stack/xxxx/271845b0-f2e8-11ed-90ac-0eeb25b8ae21"


def test_custom_resource_create():
    event = decode("cloudformationCustomResourceCreate.json", CloudFormationCustomResourceEvent)
    assert event.request_type == "Create"
    assert event.service_token == (
        "arn:aws:lambda:us-east-1:xxx:function:xxxx-CrbuiltinfunctionidProvi-2vKAalSppmKe"
    )
    assert event.response_url == (
        "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
        "7F%7Cb1f50fdfc25f3b"
    )
    assert event.stack_id == STACK_ID
    assert event.request_id == "xxxxx-d2a0-4dfb-ab1f-xxxxxx"
    assert event.logical_resource_id == "xxxxxxxxx"
    assert event.physical_resource_id is None
    assert event.resource_type == "Custom::MyType"
    assert event.resource_properties == {
        "ServiceToken": "arn:aws:lambda:us-east-1:xxxxx:function:xxxxx",
        "MyProps": "ss",
    }
    assert event.old_resource_properties is None


def test_custom_resource_update_and_delete():
    update = decode("cloudformationCustomResourceUpdate.json", CloudFormationCustomResourceEvent)
    assert update.request_type == "Update"
    assert update.physical_resource_id == "xxxxxxxxx"
    assert update.resource_properties["MyProps"] == "new"
    assert update.old_resource_properties["MyProps"] == "old"
    assert update.old_resource_properties["ServiceToken"].endswith("xxxxx-xxxx-xxx")
    delete = decode("cloudformationCustomResourceDelete.json", CloudFormationCustomResourceEvent)
    assert delete.request_type == "Delete"
    assert delete.physical_resource_id == "xxxxxxxxx"
    assert delete.resource_properties["MyProps"] == "ss"
    assert delete.old_resource_properties is None


class Props(msgspec.Struct, rename="pascal"):
    service_token: str
    my_props: str


class IntProps(msgspec.Struct, rename="pascal"):
    my_props: int


def test_custom_resource_properties_as_a_user_struct():
    update = decode(
        "cloudformationCustomResourceUpdate.json", CloudFormationCustomResourceEvent[Props]
    )
    assert update.resource_properties == Props(
        service_token="arn:aws:lambda:us-east-1:xxxxx:function:xxxxx", my_props="new"
    )
    assert isinstance(update.old_resource_properties, Props)
    assert update.old_resource_properties.my_props == "old"
    create = decode(
        "cloudformationCustomResourceCreate.json", CloudFormationCustomResourceEvent[Props]
    )
    assert create.resource_properties.my_props == "ss"
    assert create.old_resource_properties is None


def test_custom_resource_properties_that_do_not_fit_name_the_path():
    with pytest.raises(msgspec.ValidationError) as exc:
        decode(
            "cloudformationCustomResourceCreate.json", CloudFormationCustomResourceEvent[IntProps]
        )
    assert str(exc.value) == "Expected `int`, got `str` - at `$.ResourceProperties.MyProps`"
    data = json.loads(sample("cloudformationCustomResourceUpdate.json"))
    data["ResourceProperties"]["MyProps"] = "3"
    data["OldResourceProperties"] = {"MyProps": "x"}
    # numbers arrive as strings: a lax decode converts them, and still names a misfit
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(
            json.dumps(data), type=CloudFormationCustomResourceEvent[IntProps], strict=False
        )
    assert str(exc.value) == "Expected `int`, got `str` - at `$.OldResourceProperties.MyProps`"
    data["OldResourceProperties"] = {"MyProps": "2"}
    event = msgspec.json.decode(
        json.dumps(data), type=CloudFormationCustomResourceEvent[IntProps], strict=False
    )
    assert event.old_resource_properties is not None
    assert (event.resource_properties.my_props, event.old_resource_properties.my_props) == (3, 2)


def test_custom_resource_request_type_is_validated():
    data = json.loads(sample("cloudformationCustomResourceCreate.json"))
    data["RequestType"] = "Replace"
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(data), type=CloudFormationCustomResourceEvent)
    assert str(exc.value) == "Invalid enum value 'Replace' - at `$.RequestType`"


def test_custom_resource_through_the_runtime_decoder():
    from minlambda._handler import _decoder

    decode_event = _decoder(CloudFormationCustomResourceEvent[Props], "test")
    event = decode_event(sample("cloudformationCustomResourceDelete.json"))
    assert event.resource_properties.my_props == "ss"


def test_custom_resource_response_for_a_create():
    event = decode("cloudformationCustomResourceCreate.json", CloudFormationCustomResourceEvent)
    response = CloudFormationCustomResourceResponse.for_event(
        event, physical_resource_id="my-resource", data={"Arn": "arn:aws:sns:x", "Count": "2"}
    )
    assert msgspec.json.encode(response) == (
        b'{"Status":"SUCCESS","PhysicalResourceId":"my-resource",'
        b'"StackId":"' + STACK_ID.encode() + b'",'
        b'"RequestId":"xxxxx-d2a0-4dfb-ab1f-xxxxxx","LogicalResourceId":"xxxxxxxxx",'
        b'"Data":{"Arn":"arn:aws:sns:x","Count":"2"}}'
    )
    again = msgspec.json.decode(
        msgspec.json.encode(response), type=CloudFormationCustomResourceResponse
    )
    assert again == response
    # without a physical id a Create gets the request id: CloudFormation requires one
    default = CloudFormationCustomResourceResponse.for_event(event)
    assert default.physical_resource_id == "xxxxx-d2a0-4dfb-ab1f-xxxxxx"


def test_custom_resource_response_for_an_update_copies_the_physical_id():
    event = decode("cloudformationCustomResourceUpdate.json", CloudFormationCustomResourceEvent)
    response = CloudFormationCustomResourceResponse.for_event(event, no_echo=False)
    assert encoded(response) == {
        "Status": "SUCCESS",
        "PhysicalResourceId": "xxxxxxxxx",
        "StackId": STACK_ID,
        "RequestId": "xxxxx-d2a0-4dfb-ab1f-xxxxxx",
        "LogicalResourceId": "xxxxxxxxx",
        "NoEcho": False,
    }


def test_custom_resource_failed_response():
    event = decode("cloudformationCustomResourceDelete.json", CloudFormationCustomResourceEvent)
    response = CloudFormationCustomResourceResponse.for_event(
        event, "FAILED", reason="bucket not empty", no_echo=True
    )
    assert msgspec.json.encode(response) == (
        b'{"Status":"FAILED","Reason":"bucket not empty","PhysicalResourceId":"xxxxxxxxx",'
        b'"StackId":"' + STACK_ID.encode() + b'",'
        b'"RequestId":"xxxxx-d2a0-4dfb-ab1f-xxxxxx","LogicalResourceId":"xxxxxxxxx",'
        b'"NoEcho":true}'
    )
    generic = CloudFormationCustomResourceResponse.for_event(event, "FAILED")
    assert encoded(generic)["Reason"] == "The custom resource handler failed"
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(
            msgspec.json.encode({**encoded(generic), "Status": "OK"}),
            type=CloudFormationCustomResourceResponse,
        )
    assert str(exc.value) == "Invalid enum value 'OK' - at `$.Status`"


# -- AWS Config rules --------------------------------------------------------------------


def test_config_rule_configuration_changed():
    event = decode("awsConfigRuleConfigurationChanged.json", ConfigRuleEvent)
    assert event.version == "1.0"
    assert event.rule_parameters == '{"desiredInstanceType": "t2.micro"}'
    assert event.result_token.startswith("eyJlbmNyeXB0ZWREYXRhIjpbLTQxLDEsLTU3")
    assert event.event_left_scope is False
    assert event.execution_role_arn == (
        "arn:aws:iam::0123456789012:role/aws-service-role/config.amazonaws.com/"
        "AWSServiceRoleForConfig"
    )
    assert event.config_rule_arn == (
        "arn:aws:config:us-east-1:0123456789012:config-rule/config-rule-i9y8j9"
    )
    assert event.config_rule_name == "MyRule"
    assert event.config_rule_id == "config-rule-i9y8j9"
    assert event.account_id == "0123456789012"
    assert event.evaluation_mode == "DETECTIVE"
    assert isinstance(event.invoking_event, str)
    invoking = event.decode_invoking_event()
    assert invoking["messageType"] == "ConfigurationItemChangeNotification"
    item = invoking["configurationItem"]
    assert item["resourceType"] == "AWS::EC2::Instance"
    assert item["configuration"]["instanceType"] == "t2.medium"
    diff = invoking["configurationItemDiff"]["changedProperties"]
    assert diff["Configuration.InstanceType"]["previousValue"] == "t2.micro"
    assert event.decode_rule_parameters() == {"desiredInstanceType": "t2.micro"}


def test_config_rule_oversized_and_scheduled():
    oversized = decode("awsConfigRuleOversizedConfiguration.json", ConfigRuleEvent)
    assert oversized.evaluation_mode is None
    assert oversized.result_token == "myResultToken"
    assert oversized.config_rule_name == "change-triggered-config-rule"
    summary = oversized.decode_invoking_event()
    assert summary["messageType"] == "OversizedConfigurationItemChangeNotification"
    assert summary["configurationItemSummary"]["resourceId"] == "i-00000000"
    assert oversized.decode_rule_parameters() == {"myParameterKey": "myParameterValue"}
    scheduled = decode("awsConfigRuleScheduled.json", ConfigRuleEvent)
    assert scheduled.config_rule_name == "rule-ec2-test"
    assert scheduled.config_rule_id == "config-rule-pdmyw1"
    assert scheduled.decode_invoking_event() == {
        "awsAccountId": "0123456789012",
        "notificationCreationTime": "2023-04-27T13:26:17.741Z",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    assert scheduled.decode_rule_parameters() == {"test": "x"}


def test_config_rule_without_parameters():
    data = json.loads(sample("awsConfigRuleScheduled.json"))
    del data["ruleParameters"]
    event = msgspec.json.decode(json.dumps(data), type=ConfigRuleEvent)
    assert event.rule_parameters is None
    assert event.decode_rule_parameters() == {}


# -- CodePipeline ------------------------------------------------------------------------


def test_codepipeline_job():
    event = decode("codePipelineEvent.json", CodePipelineJobEvent)
    job = event.job
    assert job.id == "11111111-abcd-1111-abcd-111111abcdef"
    assert job.account_id == "111111111111"
    config = job.data.action_configuration.configuration
    assert config.function_name == "MyLambdaFunctionForAWSCodePipeline"
    assert config.user_parameters == "some-input-such-as-a-URL"
    [artifact] = job.data.input_artifacts
    assert artifact.name == "ArtifactName"
    assert artifact.revision is None
    assert artifact.location.type == "S3"
    assert artifact.location.s3_location is not None
    assert artifact.location.s3_location.bucket_name.startswith("the name of the bucket")
    assert artifact.location.s3_location.object_key.endswith("CodePipelineDemoApplication.zip")
    assert job.data.output_artifacts == []
    credentials = job.data.artifact_credentials
    assert credentials.access_key_id == "AKIAIOSFODNN7EXAMPLE"
    assert credentials.secret_access_key == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert credentials.session_token.startswith(
        "MIICiTCCAfICCQD6m7oRw0uXOjANBgkqhkiG9w0BAQUFADCBiDEL"
    )
    assert credentials.expiration_time is None
    assert job.data.continuation_token == "A continuation token if continuing job"
    assert job.data.encryption_key is None
    assert encoded(event)["CodePipeline.job"]["id"] == job.id


def test_codepipeline_job_data_and_variants():
    data = decode("codePipelineEventData.json", CodePipelineJobEvent).job
    assert data.id == "c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6"
    assert data.data.action_configuration.configuration.function_name == "my-function"
    assert data.data.action_configuration.configuration.user_parameters == '{"KEY": "VALUE"}'
    assert data.data.input_artifacts[0].revision == "e0c7xmpl2308ca3071aa7bab414de234ab52eea"
    [output] = data.data.output_artifacts
    assert output.name == "invokeOutput"
    assert output.location.s3_location is not None
    assert output.location.s3_location.object_key == "my-pipeline/invokeOutp/D0YHsJn"
    assert data.data.artifact_credentials.expiration_time == 1575493418000
    assert data.data.continuation_token is None
    empty = decode("codePipelineEventEmptyUserParameters.json", CodePipelineJobEvent).job
    assert empty.data.action_configuration.configuration.user_parameters is None
    assert empty.data.continuation_token is None
    keyed = decode("codePipelineEventWithEncryptionKey.json", CodePipelineJobEvent).job
    assert keyed.data.encryption_key is not None
    assert keyed.data.encryption_key.id == (
        "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert keyed.data.encryption_key.type == "KMS"


def test_codepipeline_job_key_is_required():
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(b'{"job": {}}', type=CodePipelineJobEvent)
    assert str(exc.value) == "Object missing required field `CodePipeline.job`"


# -- CodeDeploy --------------------------------------------------------------------------


def test_codedeploy_lifecycle_hook():
    event = decode("codeDeployLifecycleHookEvent.json", CodeDeployLifecycleHookEvent)
    assert event.deployment_id == "d-ABCDEF"
    assert event.lifecycle_event_hook_execution_id == "xxxxxxxxxxxxxxxxxxxxxxxx"
    assert encoded(event) == {
        "DeploymentId": "d-ABCDEF",
        "LifecycleEventHookExecutionId": "xxxxxxxxxxxxxxxxxxxxxxxx",
    }


# -- CloudWatch alarms -------------------------------------------------------------------


def test_cloudwatch_alarm_single_metric():
    event = decode("cloudWatchAlarmEventSingleMetric.json", CloudWatchAlarmEvent)
    assert event.source == "aws.cloudwatch"
    assert event.alarm_arn == "arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm"
    assert event.account_id == "123456789012"
    assert event.time == "2024-02-17T11:53:08.431+0000"
    assert event.region == "eu-west-1"
    alarm = event.alarm_data
    assert alarm.alarm_name == "Test alert"
    assert alarm.state.value == "ALARM"
    assert alarm.state.reason.startswith("Threshold Crossed: 1 out of the last 1 datapoints")
    assert alarm.state.timestamp == "2024-02-17T11:53:08.431+0000"
    reason = alarm.state.decode_reason_data()
    assert reason["statistic"] == "SampleCount"
    assert reason["evaluatedDatapoints"][0]["value"] == 1.0
    assert alarm.previous_state is not None
    assert alarm.previous_state.value == "OK"
    assert alarm.previous_state.timestamp == "2024-02-17T11:51:31.462+0000"
    assert alarm.previous_state.actions_suppressed_by is None
    config = alarm.configuration
    assert config.description == "This is description **here**"
    assert config.alarm_rule is None
    expression, m1, m2 = config.metrics
    assert expression.id == "e1"
    assert expression.expression == "m1/m2"
    assert expression.label == "Expression1"
    assert expression.return_data is True
    assert expression.metric_stat is None
    assert m1.id == "m1"
    assert m1.return_data is False
    assert m1.expression is None
    assert m1.metric_stat is not None
    assert m1.metric_stat.metric.namespace == "AWS/Lambda"
    assert m1.metric_stat.metric.name == "Invocations"
    assert m1.metric_stat.metric.dimensions == {}
    assert m1.metric_stat.period == 60
    assert m1.metric_stat.stat == "SampleCount"
    assert m2.metric_stat is not None
    assert m2.metric_stat.metric.name == "Duration"


def test_cloudwatch_alarm_composite():
    event = decode("cloudWatchAlarmEventCompositeMetric.json", CloudWatchAlarmEvent)
    assert event.alarm_arn == "arn:aws:cloudwatch:us-east-1:111122223333:alarm:SuppressionDemo.Main"
    alarm = event.alarm_data
    assert alarm.alarm_name == "CompositeDemo.Main"
    assert alarm.state.value == "ALARM"
    assert alarm.state.actions_suppressed_by is None
    triggering = alarm.state.decode_reason_data()["triggeringAlarms"]
    assert triggering[0]["arn"].endswith(":alarm:CompositeDemo.FirstChild")
    assert alarm.previous_state is not None
    assert alarm.previous_state.actions_suppressed_by == "WaitPeriod"
    assert alarm.previous_state.actions_suppressed_reason == "Actions suppressed by WaitPeriod"
    config = alarm.configuration
    assert config.metrics == []
    assert config.description is None
    assert config.alarm_rule == (
        "ALARM(CompositeDemo.FirstChild) OR ALARM(CompositeDemo.SecondChild)"
    )
    assert config.actions_suppressor == "CompositeDemo.ActionsSuppressor"
    assert config.actions_suppressor_wait_period == 120
    assert config.actions_suppressor_extension_period == 180


def test_cloudwatch_alarm_state_without_reason_data():
    data = json.loads(sample("cloudWatchAlarmEventSingleMetric.json"))
    del data["alarmData"]["state"]["reasonData"]
    event = msgspec.json.decode(json.dumps(data), type=CloudWatchAlarmEvent)
    assert event.alarm_data.state.reason_data is None
    assert event.alarm_data.state.decode_reason_data() == {}


# -- CloudWatch dashboard custom widgets -------------------------------------------------


def test_dashboard_custom_widget():
    event = decode("cloudWatchDashboardEvent.json", CloudWatchDashboardCustomWidgetEvent)
    assert event.describe is False
    context = event.widget_context
    assert context.dashboard_name == "Name-of-current-dashboard"
    assert context.widget_id == "widget-16"
    assert context.domain == "https://us-east-1.console.aws.amazon.com"
    assert context.account_id == "123456789123"
    assert context.locale == "en"
    assert context.timezone is not None
    assert context.timezone.label == "UTC"
    assert context.timezone.offset_iso == "+00:00"
    assert context.timezone.offset_in_minutes == 0
    assert context.period == 300
    assert context.is_auto_period is True
    time_range = context.time_range
    assert time_range is not None
    assert time_range.mode == "relative"
    assert (time_range.start, time_range.end) == (1627236199729, 1627322599729)
    assert time_range.relative_start == 86400012
    assert time_range.zoom is not None
    assert (time_range.zoom.start, time_range.zoom.end) == (1627276030434, 1627282956521)
    assert context.theme == "light"
    assert context.link_charts is True
    assert context.title == "Tweets for Amazon website problem"
    assert context.forms.all == {}
    assert context.params == {"original": "param-to-widget"}
    assert (context.width, context.height) == (588, 369)


class WidgetParams(msgspec.Struct):
    original: str


class BadWidgetParams(msgspec.Struct):
    original: int


def test_dashboard_widget_params_as_a_user_struct():
    event = decode(
        "cloudWatchDashboardEvent.json", CloudWatchDashboardCustomWidgetEvent[WidgetParams]
    )
    assert event.widget_context.params == WidgetParams(original="param-to-widget")
    with pytest.raises(msgspec.ValidationError) as exc:
        decode(
            "cloudWatchDashboardEvent.json", CloudWatchDashboardCustomWidgetEvent[BadWidgetParams]
        )
    assert str(exc.value) == "Expected `int`, got `str` - at `$.widgetContext.params.original`"


def test_dashboard_widget_through_the_runtime_decoder():
    from minlambda._handler import _decoder

    decode_event = _decoder(CloudWatchDashboardCustomWidgetEvent[WidgetParams], "test")
    event = decode_event(sample("cloudWatchDashboardEvent.json"))
    assert event.widget_context.params == WidgetParams(original="param-to-widget")


def test_dashboard_widget_describe_call():
    data = json.loads(sample("cloudWatchDashboardEvent.json"))
    del data["widgetContext"]["params"]
    data["describe"] = True
    event = msgspec.json.decode(
        json.dumps(data), type=CloudWatchDashboardCustomWidgetEvent[WidgetParams]
    )
    assert event.describe is True
    assert event.widget_context.params is None


# -- Amazon Connect ----------------------------------------------------------------------


def test_connect_contact_flow_all():
    event = decode("connectContactFlowEventAll.json", ConnectContactFlowEvent)
    assert event.name == "ContactFlowEvent"
    assert event.details.parameters == {"ParameterOne": "One", "ParameterTwo": "Two"}
    contact = event.details.contact_data
    assert contact.attributes == {"Language": "en-US"}
    assert contact.channel == "VOICE"
    assert contact.contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert contact.initial_contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert contact.previous_contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert contact.initiation_method == "API"
    assert contact.instance_arn == (
        "arn:aws:connect:eu-central-1:123456789012:instance/9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa"
    )
    assert contact.customer_endpoint is not None
    assert contact.customer_endpoint.address == "+11234567890"
    assert contact.customer_endpoint.type == "TELEPHONE_NUMBER"
    assert contact.system_endpoint is not None
    assert contact.system_endpoint.type == "TELEPHONE_NUMBER"
    assert contact.queue is not None
    assert contact.queue.name == "QueueOne"
    assert contact.queue.arn.endswith("/queue/5cba7cbf-1ecb-4b6d-b8bd-fe91079b3fc8")
    assert contact.media_streams is not None
    assert contact.media_streams.customer is not None
    audio = contact.media_streams.customer.audio
    assert audio is not None
    assert audio.start_fragment_number == "91343852333181432392682062622220590765191907586"
    assert audio.start_timestamp == "1565781909613"
    assert audio.stream_arn is not None
    assert audio.stream_arn.endswith("/1565272947806")


def test_connect_contact_flow_min():
    event = decode("connectContactFlowEventMin.json", ConnectContactFlowEvent)
    assert event.name == "ContactFlowEvent"
    assert event.details.parameters == {}
    contact = event.details.contact_data
    assert contact.attributes == {}
    assert contact.channel == "VOICE"
    assert contact.customer_endpoint is None
    assert contact.system_endpoint is None
    assert contact.queue is None
    assert contact.media_streams is not None
    assert contact.media_streams.customer is not None
    audio = contact.media_streams.customer.audio
    assert audio is not None
    assert (audio.start_fragment_number, audio.start_timestamp, audio.stream_arn) == (
        None,
        None,
        None,
    )


# -- AWS IoT registry events -------------------------------------------------------------


IOT = [(name, model) for name, model in SAMPLES if name.startswith("iotRegistry")]


@pytest.mark.parametrize(("name", "model"), IOT)
def test_iot_union_picks_the_model_of_the_event_type(name, model):
    event = msgspec.json.decode(sample(name), type=IoTRegistryEvent)
    assert type(event) is model
    assert isinstance(event, IoTRegistryBaseEvent)
    assert event.event_type == json.loads(sample(name))["eventType"]
    assert encoded(event)["eventType"] == event.event_type


def test_iot_a_model_rejects_another_event_type():
    with pytest.raises(msgspec.ValidationError) as exc:
        decode("iotRegistryEventsThingEvent.json", IoTRegistryThingTypeEvent)
    assert str(exc.value) == "Invalid value 'THING_EVENT' - at `$.eventType`"
    data = json.loads(sample("iotRegistryEventsThingEvent.json"))
    data["eventType"] = "JOB_EVENT"
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(data), type=IoTRegistryEvent)
    assert str(exc.value) == "Invalid value 'JOB_EVENT' - at `$.eventType`"


def test_iot_thing_event():
    event = decode("iotRegistryEventsThingEvent.json", IoTRegistryThingEvent)
    assert event.event_type == "THING_EVENT"
    assert event.event_id == "f5ae9b94-8b8e-4d8e-8c8f-b3266dd89853"
    assert event.timestamp == 1234567890123
    assert event.operation == "CREATED"
    assert event.account_id == "123456789012"
    assert event.thing_id == "b604f69c-aa9a-4d4a-829e-c480e958a0b5"
    assert event.thing_name == "MyThing"
    assert event.version_number == 1
    assert event.thing_type_name is None
    assert event.attributes == {
        "attribute1": "value1",
        "attribute2": "value2",
        "attribute3": "value3",
    }


def test_iot_thing_type_event():
    event = decode("iotRegistryEventsThingTypeEvent.json", IoTRegistryThingTypeEvent)
    assert event.event_type == "THING_TYPE_EVENT"
    assert event.operation == "CREATED"
    assert event.thing_type_id == "c530ae83-32aa-4592-94d3-da29879d1aac"
    assert event.thing_type_name == "MyThingType"
    assert event.is_deprecated is False
    assert event.deprecation_date is None
    assert event.searchable_attributes == ["attribute1", "attribute2", "attribute3"]
    first, second = event.propagating_attributes
    assert (first.user_property_key, first.thing_attribute) == ("key", "model")
    assert first.connection_attribute is None
    assert second.connection_attribute == "iot:ClientId"
    assert second.thing_attribute is None
    assert event.description == "My thing type"


def test_iot_thing_type_association_event():
    event = decode(
        "iotRegistryEventsThingTypeAssociationEvent.json", IoTRegistryThingTypeAssociationEvent
    )
    assert event.event_type == "THING_TYPE_ASSOCIATION_EVENT"
    assert event.event_id == "87f8e095-531c-47b3-aab5-5171364d138d"
    assert event.operation == "ADDED"
    assert event.account_id is None  # this event type carries none
    assert event.thing_id == "b604f69c-aa9a-4d4a-829e-c480e958a0b5"
    assert event.thing_name == "myThing"
    assert event.thing_type_name == "MyThingType"
    assert event.timestamp == 1234567890123


def test_iot_thing_group_event():
    event = decode("iotRegistryEventsThingGroupEvent.json", IoTRegistryThingGroupEvent)
    assert event.event_type == "THING_GROUP_EVENT"
    assert event.event_id == "8b9ea8626aeaa1e42100f3f32b975899"
    assert event.timestamp == 1603995417409
    assert event.operation == "UPDATED"
    assert event.account_id == "571EXAMPLE833"
    assert event.thing_group_id == "8757eec8-bb37-4cca-a6fa-403b003d139f"
    assert event.thing_group_name == "Tg_level5"
    assert event.version_number == 3
    assert event.parent_group_name == "Tg_level4"
    assert event.parent_group_id == "5fce366a-7875-4c0e-870b-79d8d1dce119"
    assert event.description == "New description for Tg_level5"
    assert len(event.root_to_parent_thing_groups) == 5
    top = event.root_to_parent_thing_groups[0]
    assert top.group_arn == "arn:aws:iot:us-west-2:571EXAMPLE833:thinggroup/TgTopLevel"
    assert top.group_id == "36aa0482-f80d-4e13-9bff-1c0a75c055f6"
    assert event.attributes["attribute2"] == "value2"
    assert event.dynamic_group_mapping_id is None


def test_iot_thing_group_membership_event():
    event = decode(
        "iotRegistryEventsAddOrRemoveFromThingGroupEvent.json",
        IoTRegistryThingGroupMembershipEvent,
    )
    assert event.event_type == "THING_GROUP_MEMBERSHIP_EVENT"
    assert event.operation == "ADDED"
    assert event.account_id == "123456789012"
    assert event.group_arn == (
        "arn:aws:iot:ap-northeast-2:123456789012:thinggroup/MyChildThingGroup"
    )
    assert event.group_id == "06838589-373f-4312-b1f2-53f2192291c4"
    assert event.thing_arn == "arn:aws:iot:ap-northeast-2:123456789012:thing/MyThing"
    assert event.thing_id == "b604f69c-aa9a-4d4a-829e-c480e958a0b5"
    assert event.membership_id == "8505ebf8-4d32-4286-80e9-c23a4a16bbd8"


def test_iot_thing_group_hierarchy_event():
    event = decode(
        "iotRegistryEventsAddOrDeleteFromThingGroupEvent.json",
        IoTRegistryThingGroupHierarchyEvent,
    )
    assert event.event_type == "THING_GROUP_HIERARCHY_EVENT"
    assert event.event_id == "264192c7-b573-46ef-ab7b-489fcd47da41"
    assert event.operation == "ADDED"
    assert event.thing_group_id == "8f82a106-6b1d-4331-8984-a84db5f6f8cb"
    assert event.thing_group_name == "MyRootThingGroup"
    assert event.child_group_id == "06838589-373f-4312-b1f2-53f2192291c4"
    assert event.child_group_name == "MyChildThingGroup"
