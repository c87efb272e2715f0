# Amazon Cognito user pool triggers and the infrastructure services that invoke Lambda
# directly: CloudFormation custom resources, AWS Config rules, CodePipeline jobs,
# CodeDeploy lifecycle hooks, CloudWatch alarm actions and dashboard custom widgets,
# Amazon Connect contact flows and AWS IoT registry events.
#
# Cognito triggers return the event they received with `response` filled in, so those
# models round-trip: every response field defaults to None, which `omit_defaults`
# leaves out, while a value set explicitly (False and [] included) is encoded.
#
# The user's data that arrives as a JSON object (CloudFormation `ResourceProperties`,
# a custom widget's `params`) makes those models plain msgspec generics: decode
# `CloudFormationCustomResourceEvent[Props]` with msgspec directly, no second pass.
from __future__ import annotations

from typing import Any, Generic, Literal

import msgspec

from minlambda.events._base import Model, T

__all__ = [
    "CloudFormationCustomResourceEvent",
    "CloudFormationCustomResourceResponse",
    "CloudWatchAlarmConfiguration",
    "CloudWatchAlarmData",
    "CloudWatchAlarmEvent",
    "CloudWatchAlarmMetric",
    "CloudWatchAlarmMetricStat",
    "CloudWatchAlarmState",
    "CloudWatchDashboardCustomWidgetEvent",
    "CloudWatchMetric",
    "CloudWatchWidgetContext",
    "CloudWatchWidgetForms",
    "CloudWatchWidgetTimeRange",
    "CloudWatchWidgetTimezone",
    "CloudWatchWidgetZoom",
    "CodeDeployLifecycleHookEvent",
    "CodePipelineActionConfiguration",
    "CodePipelineArtifact",
    "CodePipelineArtifactCredentials",
    "CodePipelineArtifactLocation",
    "CodePipelineConfiguration",
    "CodePipelineEncryptionKey",
    "CodePipelineJob",
    "CodePipelineJobData",
    "CodePipelineJobEvent",
    "CodePipelineS3Location",
    "CognitoAccessTokenGeneration",
    "CognitoCallerContext",
    "CognitoChallengeResult",
    "CognitoClaimsAndScopeOverrideDetails",
    "CognitoClaimsOverrideDetails",
    "CognitoCreateAuthChallengeEvent",
    "CognitoCreateAuthChallengeRequest",
    "CognitoCreateAuthChallengeResponse",
    "CognitoCustomEmailSenderEvent",
    "CognitoCustomMessageEvent",
    "CognitoCustomMessageRequest",
    "CognitoCustomMessageResponse",
    "CognitoCustomSMSSenderEvent",
    "CognitoCustomSenderRequest",
    "CognitoDefineAuthChallengeEvent",
    "CognitoDefineAuthChallengeRequest",
    "CognitoDefineAuthChallengeResponse",
    "CognitoEmptyResponse",
    "CognitoGroupConfiguration",
    "CognitoGroupOverrideDetails",
    "CognitoIdTokenGeneration",
    "CognitoPostAuthenticationEvent",
    "CognitoPostAuthenticationRequest",
    "CognitoPostConfirmationEvent",
    "CognitoPostConfirmationRequest",
    "CognitoPreAuthenticationEvent",
    "CognitoPreAuthenticationRequest",
    "CognitoPreSignUpEvent",
    "CognitoPreSignUpRequest",
    "CognitoPreSignUpResponse",
    "CognitoPreTokenGenerationEvent",
    "CognitoPreTokenGenerationRequest",
    "CognitoPreTokenGenerationResponse",
    "CognitoPreTokenGenerationV2Event",
    "CognitoPreTokenGenerationV2Request",
    "CognitoPreTokenGenerationV2Response",
    "CognitoTriggerEvent",
    "CognitoUserMigrationEvent",
    "CognitoUserMigrationRequest",
    "CognitoUserMigrationResponse",
    "CognitoVerifyAuthChallengeResponseEvent",
    "CognitoVerifyAuthChallengeResponseRequest",
    "CognitoVerifyAuthChallengeResponseResponse",
    "ConfigRuleEvent",
    "ConnectContactData",
    "ConnectContactFlowEvent",
    "ConnectDetails",
    "ConnectEndpoint",
    "ConnectMediaStreamAudio",
    "ConnectMediaStreamCustomer",
    "ConnectMediaStreams",
    "ConnectQueue",
    "IoTRegistryBaseEvent",
    "IoTRegistryEvent",
    "IoTRegistryPropagatingAttribute",
    "IoTRegistryThingEvent",
    "IoTRegistryThingGroupEvent",
    "IoTRegistryThingGroupHierarchyEvent",
    "IoTRegistryThingGroupMembershipEvent",
    "IoTRegistryThingGroupRef",
    "IoTRegistryThingTypeAssociationEvent",
    "IoTRegistryThingTypeEvent",
]


# -- Cognito user pools: the shared header ----------------------------------------------


class CognitoCallerContext(Model, kw_only=True):
    """The SDK and app client behind the request. The custom sender samples name the
    SDK field `awsSdk` rather than `awsSdkVersion`: each lands in its own field."""

    aws_sdk_version: str = ""
    client_id: str
    aws_sdk: str | None = None


class CognitoTriggerEvent(Model, kw_only=True):
    """The header every Cognito user pool trigger event shares. Decode any trigger's
    event with it to dispatch on `trigger_source` (`PreSignUp_SignUp`,
    `TokenGeneration_Authentication`...); each trigger's model adds `request` and
    `response`."""

    version: str
    trigger_source: str
    region: str
    user_pool_id: str
    user_name: str
    caller_context: CognitoCallerContext


class CognitoEmptyResponse(Model, kw_only=True):
    """The response of a trigger that returns nothing but the event itself."""


# user attributes are strings from Cognito, but some samples carry booleans
# (`"email_verified": true`): both are accepted, as they come.


# -- Pre sign-up -------------------------------------------------------------------------


class CognitoPreSignUpRequest(Model, kw_only=True):
    """The attributes of the user signing up and the validation data the client sent
    (null from some sign-up paths, hence None)."""

    user_attributes: dict[str, str | bool] = {}
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] = {}


class CognitoPreSignUpResponse(Model, kw_only=True):
    """What to do with the new user: confirm it, mark its phone or email verified.
    Unset fields (None) stay out of the JSON; False is sent when set."""

    auto_confirm_user: bool | None = None
    auto_verify_phone: bool | None = None
    auto_verify_email: bool | None = None


class CognitoPreSignUpEvent(CognitoTriggerEvent, kw_only=True):
    """Pre sign-up trigger (`PreSignUp_SignUp`, `_AdminCreateUser`, `_ExternalProvider`):
    return the event with `response` filled in, or raise to reject the sign-up."""

    request: CognitoPreSignUpRequest
    response: CognitoPreSignUpResponse = msgspec.field(default_factory=CognitoPreSignUpResponse)


# -- Post confirmation, pre and post authentication --------------------------------------


class CognitoPostConfirmationRequest(Model, kw_only=True):
    """The attributes of the user just confirmed."""

    user_attributes: dict[str, str | bool] = {}
    client_metadata: dict[str, str] = {}


class CognitoPostConfirmationEvent(CognitoTriggerEvent, kw_only=True):
    """Post confirmation trigger (`PostConfirmation_ConfirmSignUp`,
    `_ConfirmForgotPassword`): the response is empty, return the event as it came."""

    request: CognitoPostConfirmationRequest
    response: CognitoEmptyResponse = msgspec.field(default_factory=CognitoEmptyResponse)


class CognitoPreAuthenticationRequest(Model, kw_only=True):
    """The user signing in; `user_not_found` is True when the user pool hides whether
    the user exists (PreventUserExistenceErrors)."""

    user_attributes: dict[str, str | bool] = {}
    validation_data: dict[str, str] | None = None
    user_not_found: bool = False


class CognitoPreAuthenticationEvent(CognitoTriggerEvent, kw_only=True):
    """Pre authentication trigger (`PreAuthentication_Authentication`): raise to deny
    the sign-in, return the event to allow it."""

    request: CognitoPreAuthenticationRequest
    response: CognitoEmptyResponse = msgspec.field(default_factory=CognitoEmptyResponse)


class CognitoPostAuthenticationRequest(Model, kw_only=True):
    """The user who signed in, and whether a new device was used."""

    new_device_used: bool = False
    user_attributes: dict[str, str | bool] = {}
    client_metadata: dict[str, str] = {}


class CognitoPostAuthenticationEvent(CognitoTriggerEvent, kw_only=True):
    """Post authentication trigger (`PostAuthentication_Authentication`): the response
    is empty, return the event as it came."""

    request: CognitoPostAuthenticationRequest
    response: CognitoEmptyResponse = msgspec.field(default_factory=CognitoEmptyResponse)


# -- Pre token generation ----------------------------------------------------------------


class CognitoGroupConfiguration(Model, kw_only=True):
    """The user's groups and IAM roles as Cognito would put them in the tokens."""

    groups_to_override: list[str] = []
    iam_roles_to_override: list[str] = []
    preferred_role: str | None = None


class CognitoGroupOverrideDetails(Model, kw_only=True):
    """Groups and roles to put in the tokens instead. A field left None keeps Cognito's
    value; an empty list, which is encoded, removes them all."""

    groups_to_override: list[str] | None = None
    iam_roles_to_override: list[str] | None = None
    preferred_role: str | None = None


class CognitoPreTokenGenerationRequest(Model, kw_only=True):
    """The user whose tokens are being generated, with its group configuration."""

    user_attributes: dict[str, str | bool] = {}
    group_configuration: CognitoGroupConfiguration = msgspec.field(
        default_factory=CognitoGroupConfiguration
    )
    client_metadata: dict[str, str] = {}


class CognitoClaimsOverrideDetails(Model, kw_only=True):
    """Version 1 changes to the ID token: claims (string values) to add or override,
    claims to remove, and group overrides."""

    claims_to_add_or_override: dict[str, str] | None = None
    claims_to_suppress: list[str] | None = None
    group_override_details: CognitoGroupOverrideDetails | None = None


class CognitoPreTokenGenerationResponse(Model, kw_only=True):
    """The version 1 response: None leaves the tokens as Cognito made them."""

    claims_override_details: CognitoClaimsOverrideDetails | None = None


class CognitoPreTokenGenerationEvent(CognitoTriggerEvent, kw_only=True):
    """Pre token generation trigger, event version 1 (`TokenGeneration_HostedAuth`,
    `_Authentication`, `_NewPasswordChallenge`, `_AuthenticateDevice`,
    `_RefreshTokens`): customize the ID token through `response`."""

    request: CognitoPreTokenGenerationRequest
    response: CognitoPreTokenGenerationResponse = msgspec.field(
        default_factory=CognitoPreTokenGenerationResponse
    )


class CognitoPreTokenGenerationV2Request(CognitoPreTokenGenerationRequest, kw_only=True):
    """The version 2 request adds the scopes of the access token."""

    scopes: list[str] = []


class CognitoIdTokenGeneration(Model, kw_only=True):
    """Changes to the ID token: claims to add or override (any JSON value) and claims
    to remove."""

    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None


class CognitoAccessTokenGeneration(Model, kw_only=True):
    """Changes to the access token: claims and scopes to add or remove."""

    claims_to_add_or_override: dict[str, Any] | None = None
    claims_to_suppress: list[str] | None = None
    scopes_to_add: list[str] | None = None
    scopes_to_suppress: list[str] | None = None


class CognitoClaimsAndScopeOverrideDetails(Model, kw_only=True):
    """Version 2 changes to the ID token, the access token and the groups."""

    id_token_generation: CognitoIdTokenGeneration | None = None
    access_token_generation: CognitoAccessTokenGeneration | None = None
    group_override_details: CognitoGroupOverrideDetails | None = None


class CognitoPreTokenGenerationV2Response(Model, kw_only=True):
    """The version 2 response: None leaves the tokens as Cognito made them."""

    claims_and_scope_override_details: CognitoClaimsAndScopeOverrideDetails | None = None


class CognitoPreTokenGenerationV2Event(CognitoTriggerEvent, kw_only=True):
    """Pre token generation trigger, event version 2 (or 3 for machine-to-machine):
    the same trigger sources as version 1; customize both tokens and the access
    token's scopes through `response`."""

    request: CognitoPreTokenGenerationV2Request
    response: CognitoPreTokenGenerationV2Response = msgspec.field(
        default_factory=CognitoPreTokenGenerationV2Response
    )


# -- Custom message ----------------------------------------------------------------------


class CognitoCustomMessageRequest(Model, kw_only=True):
    """The placeholders the message must contain: `code_parameter` (`{####}`) and, for
    some messages, the link and the user name placeholders."""

    user_attributes: dict[str, str | bool] = {}
    code_parameter: str | None = None
    link_parameter: str | None = None
    username_parameter: str | None = None
    client_metadata: dict[str, str] = {}


class CognitoCustomMessageResponse(Model, kw_only=True):
    """The messages to send instead of Cognito's (None keeps Cognito's)."""

    sms_message: str | None = None
    email_message: str | None = None
    email_subject: str | None = None


class CognitoCustomMessageEvent(CognitoTriggerEvent, kw_only=True):
    """Custom message trigger (`CustomMessage_SignUp`, `_AdminCreateUser`,
    `_ResendCode`, `_ForgotPassword`, `_UpdateUserAttribute`,
    `_VerifyUserAttribute`, `_Authentication`)."""

    request: CognitoCustomMessageRequest
    response: CognitoCustomMessageResponse = msgspec.field(
        default_factory=CognitoCustomMessageResponse
    )


# -- User migration ----------------------------------------------------------------------


class CognitoUserMigrationRequest(Model, kw_only=True):
    """The password the user typed (`UserMigration_Authentication` only; absent for
    `UserMigration_ForgotPassword`); the user name is the event's `user_name`."""

    password: str | None = None
    validation_data: dict[str, str] | None = None
    client_metadata: dict[str, str] = {}


class CognitoUserMigrationResponse(Model, kw_only=True):
    """The migrated user: its attributes, `final_user_status` (`CONFIRMED`,
    `RESET_REQUIRED`), `message_action` (`SUPPRESS`, `RESEND`)..."""

    user_attributes: dict[str, str] | None = None
    final_user_status: str | None = None
    message_action: str | None = None
    desired_delivery_mediums: list[str] | None = None
    force_alias_creation: bool | None = None
    enable_sms_mfa: bool | None = msgspec.field(default=None, name="enableSMSMFA")


class CognitoUserMigrationEvent(CognitoTriggerEvent, kw_only=True):
    """User migration trigger (`UserMigration_Authentication`,
    `UserMigration_ForgotPassword`): fill `response` with the user found in the old
    directory, or raise when there is none."""

    request: CognitoUserMigrationRequest
    response: CognitoUserMigrationResponse = msgspec.field(
        default_factory=CognitoUserMigrationResponse
    )


# -- Custom authentication challenges ----------------------------------------------------


class CognitoChallengeResult(Model, kw_only=True):
    """One challenge of the session so far and whether the user answered it right."""

    challenge_name: str
    challenge_result: bool
    challenge_metadata: str | None = None


class CognitoDefineAuthChallengeRequest(Model, kw_only=True):
    """The challenges of the session so far."""

    user_attributes: dict[str, str | bool] = {}
    session: list[CognitoChallengeResult] = []
    client_metadata: dict[str, str] = {}
    user_not_found: bool = False


class CognitoDefineAuthChallengeResponse(Model, kw_only=True):
    """The next challenge (`CUSTOM_CHALLENGE`, `PASSWORD_VERIFIER`...), or whether to
    issue the tokens or fail. Unset fields stay out; False is sent when set."""

    challenge_name: str | None = None
    issue_tokens: bool | None = None
    fail_authentication: bool | None = None


class CognitoDefineAuthChallengeEvent(CognitoTriggerEvent, kw_only=True):
    """Define auth challenge trigger (`DefineAuthChallenge_Authentication`)."""

    request: CognitoDefineAuthChallengeRequest
    response: CognitoDefineAuthChallengeResponse = msgspec.field(
        default_factory=CognitoDefineAuthChallengeResponse
    )


class CognitoCreateAuthChallengeRequest(Model, kw_only=True):
    """The challenge to create and the session so far."""

    user_attributes: dict[str, str | bool] = {}
    challenge_name: str = ""
    session: list[CognitoChallengeResult] = []
    client_metadata: dict[str, str] = {}
    user_not_found: bool = False


class CognitoCreateAuthChallengeResponse(Model, kw_only=True):
    """The challenge: parameters shown to the client, parameters kept for the verify
    trigger (the answer), and metadata recorded in the session."""

    public_challenge_parameters: dict[str, str] | None = None
    private_challenge_parameters: dict[str, str] | None = None
    challenge_metadata: str | None = None


class CognitoCreateAuthChallengeEvent(CognitoTriggerEvent, kw_only=True):
    """Create auth challenge trigger (`CreateAuthChallenge_Authentication`)."""

    request: CognitoCreateAuthChallengeRequest
    response: CognitoCreateAuthChallengeResponse = msgspec.field(
        default_factory=CognitoCreateAuthChallengeResponse
    )


class CognitoVerifyAuthChallengeResponseRequest(Model, kw_only=True):
    """The user's answer and the private parameters the create trigger set."""

    user_attributes: dict[str, str | bool] = {}
    private_challenge_parameters: dict[str, str] = {}
    challenge_answer: str = ""
    client_metadata: dict[str, str] = {}
    user_not_found: bool = False


class CognitoVerifyAuthChallengeResponseResponse(Model, kw_only=True):
    """Whether the answer is correct (False is sent when set)."""

    answer_correct: bool | None = None


class CognitoVerifyAuthChallengeResponseEvent(CognitoTriggerEvent, kw_only=True):
    """Verify auth challenge response trigger
    (`VerifyAuthChallengeResponse_Authentication`)."""

    request: CognitoVerifyAuthChallengeResponseRequest
    response: CognitoVerifyAuthChallengeResponseResponse = msgspec.field(
        default_factory=CognitoVerifyAuthChallengeResponseResponse
    )


# -- Custom email and SMS senders --------------------------------------------------------


class CognitoCustomSenderRequest(Model, kw_only=True):
    """What to send: `code` is encrypted with the user pool's KMS key (base64 of an
    AWS Encryption SDK message), absent from account takeover notifications."""

    type: str = ""
    code: str | None = None
    user_attributes: dict[str, str | bool] = {}
    client_metadata: dict[str, str] = {}


class CognitoCustomEmailSenderEvent(CognitoTriggerEvent, kw_only=True):
    """Custom email sender trigger (`CustomEmailSender_SignUp`, `_ResendCode`,
    `_ForgotPassword`...): the function sends the email itself. Cognito reads no
    response from it, so the event has none."""

    request: CognitoCustomSenderRequest


class CognitoCustomSMSSenderEvent(CognitoTriggerEvent, kw_only=True):
    """Custom SMS sender trigger (`CustomSMSSender_SignUp`, `_ResendCode`...): the
    function sends the SMS itself. Cognito reads no response, so the event has none."""

    request: CognitoCustomSenderRequest


# -- CloudFormation custom resources -----------------------------------------------------


class CloudFormationCustomResourceEvent(Model, Generic[T], kw_only=True, rename="pascal"):
    """A custom resource request (PascalCase keys). `resource_properties` (and, on
    Update, `old_resource_properties`) is the resource's properties as a `T`, where
    CloudFormation turns numbers and booleans into strings. Answer with a
    `CloudFormationCustomResourceResponse` PUT to `response_url`."""

    request_type: Literal["Create", "Update", "Delete"]
    service_token: str | None = None  # the function's ARN; not in every sender's events
    response_url: str = msgspec.field(name="ResponseURL")
    stack_id: str
    request_id: str
    logical_resource_id: str
    physical_resource_id: str | None = None  # Update and Delete
    resource_type: str
    resource_properties: T
    old_resource_properties: T | None = None  # Update


class CloudFormationCustomResourceResponse(Model, kw_only=True, rename="pascal"):
    """The result of a custom resource request, PUT (as JSON) to the event's
    `response_url`. `reason` is required when FAILED; `data` is what `Fn::GetAtt`
    reads; `no_echo` masks it in the console."""

    status: Literal["SUCCESS", "FAILED"]
    reason: str | None = None
    physical_resource_id: str
    stack_id: str
    request_id: str
    logical_resource_id: str
    no_echo: bool | None = None
    data: dict[str, Any] | None = None

    @classmethod
    def for_event(
        cls,
        event: CloudFormationCustomResourceEvent[Any],
        status: Literal["SUCCESS", "FAILED"] = "SUCCESS",
        *,
        reason: str | None = None,
        physical_resource_id: str | None = None,
        data: dict[str, Any] | None = None,
        no_echo: bool | None = None,
    ) -> CloudFormationCustomResourceResponse:
        """The response to `event`: its stack, request and logical ids copied, and its
        physical id unless another is given. A Create without either gets the request
        id (CloudFormation requires one); a FAILED without a reason gets a generic one."""
        if physical_resource_id is None:
            physical_resource_id = event.physical_resource_id or event.request_id
        if reason is None and status == "FAILED":
            reason = "The custom resource handler failed"
        return cls(
            status=status,
            reason=reason,
            physical_resource_id=physical_resource_id,
            stack_id=event.stack_id,
            request_id=event.request_id,
            logical_resource_id=event.logical_resource_id,
            no_echo=no_echo,
            data=data,
        )


# -- AWS Config rules --------------------------------------------------------------------


class ConfigRuleEvent(Model, kw_only=True):
    """A custom AWS Config rule evaluation. `invoking_event` and `rule_parameters` are
    JSON documents in strings, kept as they came: `decode_invoking_event()` and
    `decode_rule_parameters()` parse them. Report with PutEvaluations and
    `result_token`."""

    version: str
    invoking_event: str
    rule_parameters: str | None = None
    result_token: str
    event_left_scope: bool
    execution_role_arn: str
    config_rule_arn: str
    config_rule_name: str
    config_rule_id: str
    account_id: str
    evaluation_mode: str | None = None  # DETECTIVE or PROACTIVE

    def decode_invoking_event(self) -> dict[str, Any]:
        """The invoking event: a configuration item change, an oversized item summary
        or a scheduled notification, told apart by its `messageType`."""
        return msgspec.json.decode(self.invoking_event, type=dict[str, Any])

    def decode_rule_parameters(self) -> dict[str, Any]:
        """The rule's parameters ({} without any)."""
        if not self.rule_parameters:
            return {}
        return msgspec.json.decode(self.rule_parameters, type=dict[str, Any])


# -- CodePipeline ------------------------------------------------------------------------


class CodePipelineConfiguration(Model, kw_only=True, rename="pascal"):
    """The action's configuration: the function name and the free text the pipeline
    author set as user parameters (None when empty)."""

    function_name: str
    user_parameters: str | None = None


class CodePipelineActionConfiguration(Model, kw_only=True):
    """The invoke action's configuration."""

    configuration: CodePipelineConfiguration


class CodePipelineS3Location(Model, kw_only=True):
    """Where an artifact lives in the pipeline's artifact bucket."""

    bucket_name: str
    object_key: str


class CodePipelineArtifactLocation(Model, kw_only=True):
    """An artifact's store (`S3`) and location."""

    type: str
    s3_location: CodePipelineS3Location | None = None


class CodePipelineArtifact(Model, kw_only=True):
    """An input or output artifact; `revision` is None for outputs and some inputs."""

    name: str
    revision: str | None = None
    location: CodePipelineArtifactLocation


class CodePipelineArtifactCredentials(Model, kw_only=True):
    """Temporary credentials for the artifact bucket; `expiration_time` in epoch ms."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration_time: int | None = None


class CodePipelineEncryptionKey(Model, kw_only=True):
    """The KMS key of the artifact store."""

    id: str
    type: str


class CodePipelineJobData(Model, kw_only=True):
    """The job's data: configuration, artifacts, credentials; `continuation_token` is
    set when the job continues a previous run of the action."""

    action_configuration: CodePipelineActionConfiguration
    input_artifacts: list[CodePipelineArtifact] = []
    output_artifacts: list[CodePipelineArtifact] = []
    artifact_credentials: CodePipelineArtifactCredentials
    encryption_key: CodePipelineEncryptionKey | None = None
    continuation_token: str | None = None


class CodePipelineJob(Model, kw_only=True):
    """A job: report it with PutJobSuccessResult / PutJobFailureResult and its `id`."""

    id: str
    account_id: str
    data: CodePipelineJobData


class CodePipelineJobEvent(Model, kw_only=True):
    """A CodePipeline invoke action; the job is under the key `CodePipeline.job`."""

    job: CodePipelineJob = msgspec.field(name="CodePipeline.job")


# -- CodeDeploy --------------------------------------------------------------------------


class CodeDeployLifecycleHookEvent(Model, kw_only=True, rename="pascal"):
    """A CodeDeploy lifecycle hook (BeforeAllowTraffic...): report the outcome with
    PutLifecycleEventHookExecutionStatus and these two ids."""

    deployment_id: str
    lifecycle_event_hook_execution_id: str


# -- CloudWatch alarms -------------------------------------------------------------------


class CloudWatchAlarmState(Model, kw_only=True):
    """An alarm state (`OK`, `ALARM`, `INSUFFICIENT_DATA`). `reason_data` is a JSON
    document in a string, parsed by `decode_reason_data()`; `timestamp` is ISO 8601."""

    value: str
    reason: str = ""
    reason_data: str | None = None
    timestamp: str = ""
    actions_suppressed_by: str | None = None  # composite alarms
    actions_suppressed_reason: str | None = None

    def decode_reason_data(self) -> dict[str, Any]:
        """The reason data ({} without any)."""
        if not self.reason_data:
            return {}
        return msgspec.json.decode(self.reason_data, type=dict[str, Any])


class CloudWatchMetric(Model, kw_only=True):
    """A metric: namespace, name and dimensions."""

    namespace: str
    name: str
    dimensions: dict[str, str] = {}


class CloudWatchAlarmMetricStat(Model, kw_only=True):
    """A metric with its period (seconds), statistic and unit."""

    metric: CloudWatchMetric
    period: int
    stat: str
    unit: str | None = None


class CloudWatchAlarmMetric(Model, kw_only=True):
    """One metric query of the alarm: a metric (`metric_stat`) or a math
    `expression` over the other queries."""

    id: str
    metric_stat: CloudWatchAlarmMetricStat | None = None
    expression: str | None = None
    label: str | None = None
    return_data: bool | None = None
    account_id: str | None = None


class CloudWatchAlarmConfiguration(Model, kw_only=True):
    """The alarm's configuration: its metric queries for a metric alarm, its rule and
    actions suppressor for a composite alarm."""

    description: str | None = None
    metrics: list[CloudWatchAlarmMetric] = []
    alarm_rule: str | None = None
    actions_suppressor: str | None = None
    actions_suppressor_wait_period: int | None = None
    actions_suppressor_extension_period: int | None = None


class CloudWatchAlarmData(Model, kw_only=True):
    """The alarm, its new and previous states and its configuration."""

    alarm_name: str
    state: CloudWatchAlarmState
    previous_state: CloudWatchAlarmState | None = None
    configuration: CloudWatchAlarmConfiguration = msgspec.field(
        default_factory=CloudWatchAlarmConfiguration
    )


class CloudWatchAlarmEvent(Model, kw_only=True):
    """A CloudWatch alarm's Lambda action (metric or composite alarm); `time` is
    ISO 8601."""

    source: str
    alarm_arn: str
    account_id: str
    time: str
    region: str
    alarm_data: CloudWatchAlarmData


# -- CloudWatch dashboard custom widgets -------------------------------------------------


class CloudWatchWidgetTimezone(Model, kw_only=True):
    """The dashboard's time zone."""

    label: str
    offset_iso: str = msgspec.field(name="offsetISO")
    offset_in_minutes: int


class CloudWatchWidgetZoom(Model, kw_only=True):
    """The zoomed-in part of the time range (epoch ms)."""

    start: int
    end: int


class CloudWatchWidgetTimeRange(Model, kw_only=True):
    """The dashboard's time range, epoch ms; `relative_start` (ms before now) in
    relative mode."""

    mode: str
    start: int
    end: int
    relative_start: int | None = None
    zoom: CloudWatchWidgetZoom | None = None


class CloudWatchWidgetForms(Model, kw_only=True):
    """The values of the widget's HTML form fields, by name."""

    all: dict[str, Any] = {}


class CloudWatchWidgetContext(Model, Generic[T], kw_only=True):
    """The dashboard and widget the call is for; `params` is the widget's params as a
    `T`, None without any."""

    dashboard_name: str
    widget_id: str
    domain: str
    account_id: str
    locale: str = ""
    timezone: CloudWatchWidgetTimezone | None = None
    period: int | None = None
    is_auto_period: bool = False
    time_range: CloudWatchWidgetTimeRange | None = None
    theme: str = ""
    link_charts: bool = False
    title: str | None = None
    forms: CloudWatchWidgetForms = msgspec.field(default_factory=CloudWatchWidgetForms)
    params: T | None = None
    width: int = 0
    height: int = 0


class CloudWatchDashboardCustomWidgetEvent(Model, Generic[T], kw_only=True):
    """A dashboard custom widget's call: return its HTML (or JSON), or the widget's
    documentation when `describe` is True. The widget's params also arrive at the top
    level of the event; they are read from `widget_context.params`."""

    widget_context: CloudWatchWidgetContext[T]
    describe: bool = False


# -- Amazon Connect ----------------------------------------------------------------------


class ConnectEndpoint(Model, kw_only=True, rename="pascal"):
    """A customer or system endpoint: a phone number (`TELEPHONE_NUMBER`) or another
    address."""

    address: str
    type: str


class ConnectQueue(Model, kw_only=True, rename="pascal"):
    """The contact's queue."""

    arn: str = msgspec.field(name="ARN")
    name: str


class ConnectMediaStreamAudio(Model, kw_only=True, rename="pascal"):
    """The Kinesis Video stream of a contact's audio (all None when not streaming)."""

    start_fragment_number: str | None = None
    start_timestamp: str | None = None  # epoch ms as a string
    stream_arn: str | None = msgspec.field(default=None, name="StreamARN")


class ConnectMediaStreamCustomer(Model, kw_only=True, rename="pascal"):
    """The customer's media streams."""

    audio: ConnectMediaStreamAudio | None = None


class ConnectMediaStreams(Model, kw_only=True, rename="pascal"):
    """The contact's live media streams."""

    customer: ConnectMediaStreamCustomer | None = None


class ConnectContactData(Model, kw_only=True, rename="pascal"):
    """The contact: channel (`VOICE`, `CHAT`, `TASK`), ids, endpoints, queue and the
    contact attributes set in the flow."""

    attributes: dict[str, str] = {}
    channel: str
    contact_id: str
    customer_endpoint: ConnectEndpoint | None = None
    initial_contact_id: str
    initiation_method: str
    instance_arn: str = msgspec.field(name="InstanceARN")
    media_streams: ConnectMediaStreams | None = None
    previous_contact_id: str | None = None
    queue: ConnectQueue | None = None
    system_endpoint: ConnectEndpoint | None = None
    language_code: str | None = None
    name: str | None = None
    description: str | None = None
    related_contact_id: str | None = None
    tags: dict[str, str] = {}
    segment_attributes: dict[str, Any] = {}


class ConnectDetails(Model, kw_only=True, rename="pascal"):
    """The contact and the parameters the flow's Invoke Lambda block passes."""

    contact_data: ConnectContactData
    parameters: dict[str, str] = {}


class ConnectContactFlowEvent(Model, kw_only=True, rename="pascal"):
    """An Amazon Connect contact flow's Lambda invocation (PascalCase keys); the
    function returns a flat map of strings."""

    details: ConnectDetails
    name: str  # "ContactFlowEvent"


# -- AWS IoT registry events -------------------------------------------------------------


class IoTRegistryBaseEvent(Model, kw_only=True, tag_field="eventType"):
    """What every IoT registry event shares. Each event type is its own model, tagged
    by `eventType`: decode `IoTRegistryEvent` (their union) to take any of them;
    `timestamp` is epoch ms."""

    event_id: str
    timestamp: int
    operation: str
    account_id: str | None = None  # absent from thing type association events

    @property
    def event_type(self) -> str:
        """The `eventType` the model stands for (`THING_EVENT`...)."""
        return str(self.__struct_config__.tag)


class IoTRegistryThingEvent(IoTRegistryBaseEvent, kw_only=True, tag="THING_EVENT"):
    """A thing CREATED, UPDATED or DELETED."""

    thing_id: str
    thing_name: str
    version_number: int | None = None
    thing_type_name: str | None = None
    attributes: dict[str, str] = {}


class IoTRegistryPropagatingAttribute(Model, kw_only=True):
    """A thing type's propagating attribute: an MQTT 5 user property filled from a
    thing attribute or a connection attribute."""

    user_property_key: str
    thing_attribute: str | None = None
    connection_attribute: str | None = None


class IoTRegistryThingTypeEvent(IoTRegistryBaseEvent, kw_only=True, tag="THING_TYPE_EVENT"):
    """A thing type CREATED, UPDATED, DEPRECATED, UNDEPRECATED or DELETED."""

    thing_type_id: str
    thing_type_name: str
    is_deprecated: bool = False
    deprecation_date: int | str | None = None
    searchable_attributes: list[str] = []
    propagating_attributes: list[IoTRegistryPropagatingAttribute] = []
    description: str | None = None


class IoTRegistryThingTypeAssociationEvent(
    IoTRegistryBaseEvent, kw_only=True, tag="THING_TYPE_ASSOCIATION_EVENT"
):
    """A thing ADDED to or REMOVED from a thing type."""

    thing_id: str
    thing_name: str
    thing_type_name: str


class IoTRegistryThingGroupRef(Model, kw_only=True):
    """A thing group by ARN and id."""

    group_arn: str
    group_id: str


class IoTRegistryThingGroupEvent(IoTRegistryBaseEvent, kw_only=True, tag="THING_GROUP_EVENT"):
    """A thing group CREATED, UPDATED or DELETED, with its ancestors from the root."""

    thing_group_id: str
    thing_group_name: str
    version_number: int | None = None
    parent_group_name: str | None = None
    parent_group_id: str | None = None
    description: str | None = None
    root_to_parent_thing_groups: list[IoTRegistryThingGroupRef] = []
    attributes: dict[str, str] = {}
    dynamic_group_mapping_id: str | None = None


class IoTRegistryThingGroupMembershipEvent(
    IoTRegistryBaseEvent, kw_only=True, tag="THING_GROUP_MEMBERSHIP_EVENT"
):
    """A thing ADDED to or REMOVED from a thing group."""

    group_arn: str
    group_id: str
    thing_arn: str
    thing_id: str
    membership_id: str


class IoTRegistryThingGroupHierarchyEvent(
    IoTRegistryBaseEvent, kw_only=True, tag="THING_GROUP_HIERARCHY_EVENT"
):
    """A child thing group ADDED to or REMOVED from a parent group."""

    thing_group_id: str
    thing_group_name: str
    child_group_id: str
    child_group_name: str


IoTRegistryEvent = (
    IoTRegistryThingEvent
    | IoTRegistryThingTypeEvent
    | IoTRegistryThingTypeAssociationEvent
    | IoTRegistryThingGroupEvent
    | IoTRegistryThingGroupMembershipEvent
    | IoTRegistryThingGroupHierarchyEvent
)
"""Any IoT registry event, told apart by its `eventType`."""
