# AWS AppSync (GraphQL resolvers, Lambda authorizers, the Events API) and Amazon
# Bedrock Agents action groups: the events these invoke Lambda with, and the
# responses they expect back.
#
# The user's data here is already JSON in the event (resolver `arguments`, Events
# API `payload`), so the generic models are plain msgspec generics: decode
# `AppSyncResolverEvent[Args]` with msgspec directly, no second pass.
from __future__ import annotations

from typing import Any, Generic

import msgspec

from minlambda.events._base import Model, T

__all__ = [
    "AppSyncAuthorizerEvent",
    "AppSyncAuthorizerRequestContext",
    "AppSyncAuthorizerResponse",
    "AppSyncChannel",
    "AppSyncChannelNamespace",
    "AppSyncEvent",
    "AppSyncEventsEvent",
    "AppSyncEventsInfo",
    "AppSyncIdentity",
    "AppSyncPrev",
    "AppSyncRequest",
    "AppSyncResolverEvent",
    "AppSyncResolverInfo",
    "BedrockAgent",
    "BedrockAgentApiResult",
    "BedrockAgentEvent",
    "BedrockAgentFunctionEvent",
    "BedrockAgentFunctionOutput",
    "BedrockAgentFunctionResponse",
    "BedrockAgentFunctionResult",
    "BedrockAgentMediaType",
    "BedrockAgentParameter",
    "BedrockAgentRequestBody",
    "BedrockAgentResponse",
    "BedrockAgentResponseContent",
]


# -- AppSync: shared parts ------------------------------------------------------------------


class AppSyncIdentity(Model, kw_only=True):
    """Who called: one struct for every authorization mode, each filling its own fields
    (Cognito user pools and OIDC: `sub`, `issuer`, `claims`...; IAM: `account_id`,
    `user_arn`, `cognito_identity_*`...; Lambda authorizer: `resolver_context` for
    GraphQL, `handler_context` for the Events API). API keys give no identity at all."""

    sub: str | None = None
    issuer: str | None = None
    username: str | None = None
    claims: dict[str, Any] = {}
    source_ip: list[str] = []
    default_auth_strategy: str | None = None
    groups: list[str] | None = None
    # IAM
    account_id: str | None = None
    cognito_identity_pool_id: str | None = None
    cognito_identity_id: str | None = None
    user_arn: str | None = None
    cognito_identity_auth_type: str | None = None
    cognito_identity_auth_provider: str | None = None
    # Lambda authorizers
    resolver_context: dict[str, Any] = {}
    handler_context: dict[str, Any] = {}


class AppSyncRequest(Model, kw_only=True):
    """The HTTP request behind the operation: its headers (lowercase names) and the
    custom domain name, None without one."""

    headers: dict[str, str] = {}
    domain_name: str | None = None


# -- AppSync GraphQL resolvers ----------------------------------------------------------------


class AppSyncResolverInfo(Model, kw_only=True):
    """The field being resolved and the selection set the query asked for."""

    field_name: str = ""
    parent_type_name: str = ""
    variables: dict[str, Any] = {}
    selection_set_list: list[str] = []
    selection_set_graphql: str | None = msgspec.field(default=None, name="selectionSetGraphQL")


class AppSyncPrev(Model, kw_only=True):
    """The previous step of a pipeline resolver: its result."""

    result: Any = None


class AppSyncResolverEvent(Model, Generic[T], kw_only=True):
    """A direct Lambda resolver invocation: `arguments` is the field's GraphQL arguments
    (a JSON object already, decoded as `T`). A batch invoke (BatchInvoke operation)
    sends a JSON array of these: decode it as `list[AppSyncResolverEvent[T]]`.

    Events from older mapping templates (the Amplify `@function` layout) have no `info`
    but top-level `typeName` (or `parentTypeName`) and `fieldName`; these are kept as
    they came and copied into `info`, so `info.field_name` and `info.parent_type_name`
    are right for either layout."""

    arguments: T
    identity: AppSyncIdentity | None = None  # None for API key authorization
    source: dict[str, Any] | None = None  # the parent object, None at the root
    request: AppSyncRequest = msgspec.field(default_factory=AppSyncRequest)
    prev: AppSyncPrev | None = None
    info: AppSyncResolverInfo = msgspec.field(default_factory=AppSyncResolverInfo)
    stash: dict[str, Any] = {}
    # the older layout (no `info`)
    type_name: str | None = None
    parent_type_name: str | None = None
    field_name: str | None = None

    def __post_init__(self) -> None:
        info = self.info
        if not info.field_name and self.field_name is not None:
            info.field_name = self.field_name
        if not info.parent_type_name:
            parent = self.parent_type_name or self.type_name
            if parent is not None:
                info.parent_type_name = parent


# -- AppSync Lambda authorizers ---------------------------------------------------------------


class AppSyncAuthorizerRequestContext(Model, kw_only=True):
    """The GraphQL operation a Lambda authorizer is asked about."""

    api_id: str
    account_id: str
    request_id: str
    query_string: str = ""
    operation_name: str | None = None  # absent for an anonymous operation
    variables: dict[str, Any] = {}


class AppSyncAuthorizerEvent(Model, kw_only=True):
    """The event of an AppSync Lambda authorizer: the token from the `Authorization`
    header and the operation it is for."""

    authorization_token: str
    request_context: AppSyncAuthorizerRequestContext
    request_headers: dict[str, str] = {}


class AppSyncAuthorizerResponse(Model, kw_only=True):
    """A Lambda authorizer's answer: `resolver_context` becomes
    `identity.resolverContext` in the resolvers, `denied_fields` lists fields
    (`Type.field` or ARNs) to resolve as null, `ttl_override` caches the answer
    (seconds)."""

    is_authorized: bool
    resolver_context: dict[str, Any] = {}
    denied_fields: list[str] = []
    ttl_override: int | None = None


# -- AppSync Events API -----------------------------------------------------------------------


class AppSyncChannel(Model, kw_only=True):
    """The channel published or subscribed to: `/namespace/a/b` and its segments."""

    path: str
    segments: list[str] = []


class AppSyncChannelNamespace(Model, kw_only=True):
    """The channel namespace whose handler is invoked."""

    name: str


class AppSyncEventsInfo(Model, kw_only=True):
    """What is happening: the channel, its namespace and `PUBLISH` or `SUBSCRIBE`."""

    channel: AppSyncChannel
    channel_namespace: AppSyncChannelNamespace
    operation: str


class AppSyncEvent(Model, Generic[T], kw_only=True):
    """One published event: its id and `payload` (a JSON value already, decoded as `T`)."""

    id: str
    payload: T


class AppSyncEventsEvent(Model, Generic[T], kw_only=True):
    """A channel namespace handler invocation of the AppSync Events API. `events` is
    None for `SUBSCRIBE`. Samples carry the string "None" in place of null in
    `identity`, `prev`, `result` and `error`, so these take a string too."""

    info: AppSyncEventsInfo
    events: list[AppSyncEvent[T]] | None = None
    identity: AppSyncIdentity | str | None = None
    request: AppSyncRequest = msgspec.field(default_factory=AppSyncRequest)
    stash: dict[str, Any] = {}
    prev: Any = None
    result: Any = None
    error: Any = None
    out_errors: list[Any] = []


# -- Bedrock Agents action groups -------------------------------------------------------------


class BedrockAgent(Model, kw_only=True):
    """The agent that invoked the action group."""

    name: str
    id: str
    alias: str
    version: str


class BedrockAgentParameter(Model, kw_only=True):
    """A parameter the agent filled in: `type` is the schema's (`string`, `number`,
    `integer`, `boolean`, `array`), `value` always a string."""

    name: str
    type: str
    value: str


class BedrockAgentMediaType(Model, kw_only=True):
    """The request body of one media type, as the agent's list of properties."""

    properties: list[BedrockAgentParameter] = []


class BedrockAgentRequestBody(Model, kw_only=True):
    """An OpenAPI request body: media type (`application/json`) to its properties."""

    content: dict[str, BedrockAgentMediaType] = {}


class BedrockAgentEvent(Model, kw_only=True):
    """The event of a Bedrock agent action group defined by an OpenAPI schema: the
    operation is `http_method` + `api_path` (the schema's path, `/claims/{claim_id}`),
    its path, query and header parameters in `parameters`, the body in `request_body`."""

    message_version: str
    agent: BedrockAgent
    input_text: str = ""
    session_id: str
    action_group: str
    api_path: str
    http_method: str
    parameters: list[BedrockAgentParameter] = []
    request_body: BedrockAgentRequestBody | None = None
    session_attributes: dict[str, str] = {}
    prompt_session_attributes: dict[str, str] = {}


class BedrockAgentFunctionEvent(Model, kw_only=True):
    """The event of a Bedrock agent action group defined by function details: the
    `function` to call and its `parameters` (no API path, method or body)."""

    message_version: str
    agent: BedrockAgent
    input_text: str = ""
    session_id: str
    action_group: str
    function: str
    parameters: list[BedrockAgentParameter] = []
    session_attributes: dict[str, str] = {}
    prompt_session_attributes: dict[str, str] = {}


class BedrockAgentResponseContent(Model, kw_only=True):
    """A response body of one content type: `body` is text (JSON text for
    `application/json`)."""

    body: str


class BedrockAgentApiResult(Model, kw_only=True, omit_defaults=False):
    """The operation's result, for an OpenAPI action group: `response_body` maps a
    media type (`application/json`) to its content."""

    action_group: str
    api_path: str
    http_method: str
    http_status_code: int = 200
    response_body: dict[str, BedrockAgentResponseContent]


class BedrockAgentResponse(Model, kw_only=True, omit_defaults=False):
    """What an OpenAPI action group's function returns to the agent. Every field is
    encoded, `messageVersion` included, as Bedrock requires it."""

    message_version: str = "1.0"
    response: BedrockAgentApiResult
    session_attributes: dict[str, str] = {}
    prompt_session_attributes: dict[str, str] = {}


class BedrockAgentFunctionOutput(Model, kw_only=True):
    """A function's output (the `functionResponse` key): `response_body` maps `TEXT` to its content;
    `response_state` `FAILURE` or `REPROMPT` (left out when None) changes what the
    agent does next."""

    response_body: dict[str, BedrockAgentResponseContent]
    response_state: str | None = None


class BedrockAgentFunctionResult(Model, kw_only=True):
    """The `response` of a function-details action group: which function answered."""

    action_group: str
    function: str
    function_response: BedrockAgentFunctionOutput


class BedrockAgentFunctionResponse(Model, kw_only=True, omit_defaults=False):
    """What a function-details action group's function returns to the agent. Every
    field is encoded, `messageVersion` included, as Bedrock requires it."""

    message_version: str = "1.0"
    response: BedrockAgentFunctionResult
    session_attributes: dict[str, str] = {}
    prompt_session_attributes: dict[str, str] = {}
