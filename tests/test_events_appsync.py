"""minlambda.events._appsync: AppSync resolvers, authorizers and Events API, Bedrock
agent action groups, decoded from the real samples in tests/events."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import msgspec
import pytest

from minlambda.events._appsync import (
    AppSyncAuthorizerEvent,
    AppSyncAuthorizerResponse,
    AppSyncEventsEvent,
    AppSyncIdentity,
    AppSyncPrev,
    AppSyncResolverEvent,
    BedrockAgentApiResult,
    BedrockAgentEvent,
    BedrockAgentFunctionEvent,
    BedrockAgentFunctionOutput,
    BedrockAgentFunctionResponse,
    BedrockAgentFunctionResult,
    BedrockAgentResponse,
    BedrockAgentResponseContent,
)

EVENTS = pathlib.Path(__file__).parent / "events"


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def lost_keys(original: Any, encoded: Any, path: str = "$") -> list[str]:
    """Keys of a sample that did not survive decode + encode with a non-default value:
    a misspelt rename (or a missing field) shows up here."""
    lost: list[str] = []
    if isinstance(original, dict) and isinstance(encoded, dict):
        for key, value in original.items():
            if key not in encoded:
                if value not in (None, {}, []):
                    lost.append(f"{path}.{key}")
            else:
                lost += lost_keys(value, encoded[key], f"{path}.{key}")
    elif isinstance(original, list) and isinstance(encoded, list):
        for index, (a, b) in enumerate(zip(original, encoded, strict=True)):
            lost += lost_keys(a, b, f"{path}[{index}]")
    elif original != encoded:
        lost.append(f"{path}: {original!r} != {encoded!r}")
    return lost


SAMPLES = [
    ("appSyncResolverEvent.json", AppSyncResolverEvent),
    ("appSyncCustomResolverEvent.json", AppSyncResolverEvent),
    ("appSyncDirectResolver.json", AppSyncResolverEvent),
    ("appsync_resolver_event.json", AppSyncResolverEvent),
    ("appSyncBatchEvent.json", list[AppSyncResolverEvent]),
    ("appSyncAuthorizerEvent.json", AppSyncAuthorizerEvent),
    ("appSyncAuthorizerResponse.json", AppSyncAuthorizerResponse),
    ("appSyncEventsEvent.json", AppSyncEventsEvent),
    ("bedrockAgentEvent.json", BedrockAgentEvent),
    ("bedrockAgentEventWithPathParams.json", BedrockAgentEvent),
    ("bedrockAgentPostEvent.json", BedrockAgentEvent),
    ("bedrockAgentFunctionEvent.json", BedrockAgentFunctionEvent),
]


def test_the_samples_cover_every_file_of_these_sources():
    sources = {"appsync_resolver", "appsync_authorizer", "authorizer_simple_response"}
    sources |= {"appsync_events", "bedrock_agent"}
    rows = (EVENTS / "MANIFEST.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    column = header.index("event_source_type_guess")
    files = {r.split("\t")[0] for r in rows[1:] if r.split("\t")[column] in sources}
    assert files == {name for name, _ in SAMPLES}


@pytest.mark.parametrize(("name", "model"), SAMPLES)
def test_every_key_of_every_sample_is_modelled(name, model):
    data = sample(name)
    decoded = msgspec.json.decode(data, type=model)
    assert lost_keys(json.loads(data), json.loads(msgspec.json.encode(decoded))) == []


# -- AppSync resolvers ------------------------------------------------------------------


def test_direct_resolver():
    event = msgspec.json.decode(sample("appSyncDirectResolver.json"), type=AppSyncResolverEvent)
    assert event.arguments == {"id": "my identifier"}
    assert event.source is None
    assert event.prev is None
    assert event.stash == {}
    identity = event.identity
    assert isinstance(identity, AppSyncIdentity)
    assert identity.sub == "192879fc-a240-4bf1-ab5a-d6a00f3063f9"
    assert identity.username == "jdoe"
    assert identity.issuer == "https://cognito-idp.us-west-2.amazonaws.com/us-west-xxxxxxxxxxx"
    assert identity.source_ip == ["1.1.1.1"]
    assert identity.default_auth_strategy == "ALLOW"
    assert identity.groups is None
    assert identity.claims["cognito:username"] == "jdoe"
    assert identity.claims["email_verified"] is True
    assert identity.account_id is None
    assert event.request.headers["x-amzn-trace-id"] == "Root=1-5f512f51-fac632066c5e848ae714"
    assert event.request.headers["x-forwarded-port"] == "443"
    assert event.request.domain_name is None
    info = event.info
    assert info.field_name == "createSomething"
    assert info.parent_type_name == "Mutation"
    assert info.selection_set_list == ["id", "field1", "field2"]
    assert info.selection_set_graphql == "{\n  id\n  field1\n  field2\n}"
    assert info.variables == {}
    # the current layout has no top-level names
    assert (event.type_name, event.parent_type_name, event.field_name) == (None, None, None)


def test_resolver_with_domain_name_source_and_prev():
    event = msgspec.json.decode(sample("appsync_resolver_event.json"), type=AppSyncResolverEvent)
    assert event.arguments == {"page": 2, "size": 1, "name": "value"}
    assert event.request.domain_name == "SOMETHING.appsync-api.us-east-1.amazonaws.com"
    assert event.request.headers["host"] == "SOMETHING.appsync-api.us-east-1.amazonaws.com"
    assert event.source == {"name": "Value", "nested": {"name": "value", "list": []}}
    assert event.prev == AppSyncPrev(result={})
    assert event.info.field_name == "locations"
    assert event.info.parent_type_name == "Merchant"
    assert event.info.selection_set_graphql == "{\n  id\n  field1\n  field2\n}"
    assert event.identity is not None
    assert event.identity.username == "mike"
    assert event.identity.claims["auth_time"] == 1615366261
    # this sample has both layouts: the top-level names are kept as they came
    assert event.type_name == "Merchant"
    assert event.field_name == "locations"


def test_older_layout_with_top_level_type_name_fills_info():
    event = msgspec.json.decode(sample("appSyncResolverEvent.json"), type=AppSyncResolverEvent)
    assert event.type_name == "Merchant"
    assert event.parent_type_name is None
    assert event.field_name == "locations"
    assert event.info.field_name == "locations"
    assert event.info.parent_type_name == "Merchant"
    assert event.info.selection_set_list == []
    assert event.info.selection_set_graphql is None
    assert event.arguments == {"page": 2, "size": 1, "name": "value"}
    assert (
        event.request.headers["x-amz-cf-id"]
        == "Fo5VIuvP6V6anIEt62WzFDCK45mzM4yEdpt5BYxOl9OFqafd-WR0cA=="
    )
    assert event.request.domain_name is None
    assert event.identity is not None
    assert event.identity.sub == "07920713-4526-4642-9c88-2953512de441"
    assert event.identity.claims["name"] == "Michael Brewer"
    assert event.source is not None and event.source["nested"]["name"] == "value"
    assert event.prev is not None and event.prev.result == {}


def test_older_layout_with_top_level_parent_type_name_fills_info():
    data = sample("appSyncCustomResolverEvent.json")
    event = msgspec.json.decode(data, type=AppSyncResolverEvent)
    assert event.parent_type_name == "Merchant"
    assert event.type_name is None
    assert event.field_name == "locations"
    assert event.info.field_name == "locations"
    assert event.info.parent_type_name == "Merchant"
    assert event.arguments == {"page": 2}
    assert event.identity is not None
    assert event.identity.source_ip == ["11.215.2.22"]
    assert event.identity.default_auth_strategy == "ALLOW"
    assert event.request.headers["sec-gpc"] == "1"
    assert event.stash == {}


def test_batch_invoke_is_a_list_of_resolver_events():
    events = msgspec.json.decode(sample("appSyncBatchEvent.json"), type=list[AppSyncResolverEvent])
    assert [e.arguments for e in events] == [{"user_id": "1"}, {"user_id": "2"}]
    for event in events:
        assert event.identity is not None
        assert event.identity.sub == "192879fc-a240-4bf1-ab5a-d6a00f3063f9"
        assert event.identity.username == "jdoe"
        assert event.identity.issuer is None
        assert event.identity.claims == {}
        assert event.prev is None
        assert event.source is None
        assert event.request.headers == {}  # no request in a batch
        assert event.info.field_name == "createSomething"
        assert event.info.parent_type_name == "Mutation"
        assert event.info.selection_set_list == ["id", "field1", "field2"]


class Page(msgspec.Struct):
    page: int
    size: int = 10
    name: str | None = None


class CreateSomething(msgspec.Struct):
    user_id: int


def test_resolver_arguments_as_a_user_struct():
    event = msgspec.json.decode(
        sample("appsync_resolver_event.json"), type=AppSyncResolverEvent[Page]
    )
    assert event.arguments == Page(page=2, size=1, name="value")
    custom = msgspec.json.decode(
        sample("appSyncCustomResolverEvent.json"), type=AppSyncResolverEvent[Page]
    )
    assert custom.arguments == Page(page=2)
    assert custom.info.field_name == "locations"


def test_resolver_arguments_that_do_not_fit_name_the_path():
    data = json.loads(sample("appsync_resolver_event.json"))
    data["arguments"]["page"] = "two"
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(data), type=AppSyncResolverEvent[Page])
    assert str(exc.value) == "Expected `int`, got `str` - at `$.arguments.page`"


def test_batch_arguments_as_a_user_struct_and_the_path_of_a_misfit():
    data = sample("appSyncBatchEvent.json")
    # user_id arrives as a string: only a str-typed (or strict=False) struct takes it
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(data, type=list[AppSyncResolverEvent[CreateSomething]])
    assert str(exc.value) == "Expected `int`, got `str` - at `$[0].arguments.user_id`"
    events = msgspec.json.decode(
        data, type=list[AppSyncResolverEvent[CreateSomething]], strict=False
    )
    assert [e.arguments.user_id for e in events] == [1, 2]
    broken = json.loads(data)
    broken[0]["arguments"] = {"user_id": 1}
    broken[1]["arguments"] = {"userId": 2}
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(json.dumps(broken), type=list[AppSyncResolverEvent[CreateSomething]])
    assert str(exc.value) == "Object missing required field `user_id` - at `$[1].arguments`"


def test_resolver_through_the_runtime_decoder():
    # a plain generic (no embedded payload): the runtime decodes it with msgspec directly
    from minlambda._handler import _decoder

    decode = _decoder(AppSyncResolverEvent[Page], "test")
    assert decode(
        sample("appSyncDirectResolver.json").replace(b'"id"', b'"page": 3, "id"', 1)
    ).arguments == Page(page=3)


def test_iam_lambda_and_api_key_identities():
    base = json.loads(sample("appSyncDirectResolver.json"))
    base["identity"] = {
        "accountId": "123456789012",
        "cognitoIdentityPoolId": "us-east-1:pool",
        "cognitoIdentityId": "us-east-1:id",
        "sourceIp": ["1.2.3.4"],
        "username": "AROAEXAMPLE:session",
        "userArn": "arn:aws:sts::123456789012:assumed-role/role/session",
        "cognitoIdentityAuthType": "authenticated",
        "cognitoIdentityAuthProvider": "cognito-idp.us-east-1.amazonaws.com/pool,provider",
    }
    iam = msgspec.json.decode(json.dumps(base), type=AppSyncResolverEvent).identity
    assert iam is not None
    assert iam.account_id == "123456789012"
    assert iam.cognito_identity_pool_id == "us-east-1:pool"
    assert iam.cognito_identity_id == "us-east-1:id"
    assert iam.user_arn == "arn:aws:sts::123456789012:assumed-role/role/session"
    assert iam.cognito_identity_auth_type == "authenticated"
    assert iam.cognito_identity_auth_provider == "cognito-idp.us-east-1.amazonaws.com/pool,provider"
    assert iam.source_ip == ["1.2.3.4"]
    base["identity"] = {"resolverContext": {"name": "Foo Man", "balance": 100}}
    lam = msgspec.json.decode(json.dumps(base), type=AppSyncResolverEvent).identity
    assert lam is not None and lam.resolver_context == {"name": "Foo Man", "balance": 100}
    base["identity"] = None
    assert msgspec.json.decode(json.dumps(base), type=AppSyncResolverEvent).identity is None


# -- AppSync authorizers ------------------------------------------------------------------


def test_authorizer_event():
    event = msgspec.json.decode(sample("appSyncAuthorizerEvent.json"), type=AppSyncAuthorizerEvent)
    assert event.authorization_token == "BE9DC5E3-D410-4733-AF76-70178092E681"
    context = event.request_context
    assert context.api_id == "giy7kumfmvcqvbedntjwjvagii"
    assert context.account_id == "254688921111"
    assert context.request_id == "b80ed838-14c6-4500-b4c3-b694c7bef086"
    assert context.operation_name == "MyNewTask"
    assert context.query_string.startswith("mutation MyNewTask($desc: String!) {\n  createTask(")
    assert context.variables == {"desc": "Foo"}
    assert event.request_headers == {}
    with_headers = json.loads(sample("appSyncAuthorizerEvent.json"))
    with_headers["requestHeaders"] = {"authorization": "token", "host": "x.appsync-api"}
    event = msgspec.json.decode(json.dumps(with_headers), type=AppSyncAuthorizerEvent)
    assert event.request_headers["authorization"] == "token"


def test_authorizer_response_sample():
    response = msgspec.json.decode(
        sample("appSyncAuthorizerResponse.json"), type=AppSyncAuthorizerResponse
    )
    assert response.is_authorized is True
    assert response.resolver_context == {"name": "Foo Man", "balance": 100}
    assert response.denied_fields == ["Mutation.createEvent"]
    assert response.ttl_override == 15
    assert json.loads(msgspec.json.encode(response)) == json.loads(
        sample("appSyncAuthorizerResponse.json")
    )


def test_authorizer_response_keys_and_round_trip():
    full = AppSyncAuthorizerResponse(
        is_authorized=True,
        resolver_context={"tenant": "t1"},
        denied_fields=["Query.secret"],
        ttl_override=0,
    )
    encoded = msgspec.json.encode(full)
    assert json.loads(encoded) == {
        "isAuthorized": True,
        "resolverContext": {"tenant": "t1"},
        "deniedFields": ["Query.secret"],
        "ttlOverride": 0,
    }
    assert msgspec.json.decode(encoded, type=AppSyncAuthorizerResponse) == full
    # only what is set is sent
    assert (
        msgspec.json.encode(AppSyncAuthorizerResponse(is_authorized=False))
        == b'{"isAuthorized":false}'
    )


# -- AppSync Events API -------------------------------------------------------------------


class Greeting(msgspec.Struct):
    event_1: str


def test_events_api_event():
    event = msgspec.json.decode(sample("appSyncEventsEvent.json"), type=AppSyncEventsEvent)
    assert event.info.channel.path == "/default/channel"
    assert event.info.channel.segments == ["default", "channel"]
    assert event.info.channel_namespace.name == "default"
    assert event.info.operation == "PUBLISH"
    assert event.events is not None
    assert [e.id for e in event.events] == [
        "96bc1d46-5b01-40ae-9859-173a5bb3a46a",
        "48cde766-afe9-4c2c-9708-2fed930efe56",
    ]
    assert [e.payload for e in event.events] == [{"event_1": "data_1"}, {"event_2": "data_2"}]
    assert event.identity == "None"  # the sample's stand-in for null
    assert event.request.domain_name == "None"
    assert event.request.headers["cloudfront-viewer-country"] == "US"
    assert (event.prev, event.result, event.error) == ("None", "None", "None")
    assert event.stash == {}
    assert event.out_errors == []


def test_events_api_subscribe_with_null_events_and_an_identity():
    data = json.loads(sample("appSyncEventsEvent.json"))
    data.update(
        identity={"sub": "abc", "issuer": "https://issuer", "claims": {"a": 1}}, events=None
    )
    data.update(prev=None, result=None, error=None)
    data["info"]["operation"] = "SUBSCRIBE"
    event = msgspec.json.decode(json.dumps(data), type=AppSyncEventsEvent)
    assert event.events is None
    assert event.info.operation == "SUBSCRIBE"
    assert isinstance(event.identity, AppSyncIdentity)
    assert event.identity.sub == "abc"
    assert event.identity.claims == {"a": 1}
    assert (event.prev, event.result, event.error) == (None, None, None)


def test_events_api_payloads_as_a_user_struct():
    data = json.loads(sample("appSyncEventsEvent.json"))
    data["events"][1]["payload"] = {"event_1": "data_2"}
    event = msgspec.json.decode(json.dumps(data), type=AppSyncEventsEvent[Greeting])
    assert event.events is not None
    assert [e.payload for e in event.events] == [Greeting("data_1"), Greeting("data_2")]
    with pytest.raises(msgspec.ValidationError) as exc:
        msgspec.json.decode(sample("appSyncEventsEvent.json"), type=AppSyncEventsEvent[Greeting])
    assert str(exc.value) == "Object missing required field `event_1` - at `$.events[1].payload`"


# -- Bedrock agents -----------------------------------------------------------------------


def test_bedrock_agent_get_event():
    event = msgspec.json.decode(sample("bedrockAgentEvent.json"), type=BedrockAgentEvent)
    assert event.message_version == "1.0"
    assert event.action_group == "ClaimManagementActionGroup"
    assert event.session_id == "12345678912345"
    assert event.input_text == "I want to claim my insurance"
    assert (event.agent.name, event.agent.id) == ("test", "8ZXY0W8P1H")
    assert (event.agent.alias, event.agent.version) == ("TSTALIASID", "DRAFT")
    assert (event.http_method, event.api_path) == ("GET", "/claims")
    assert event.parameters == []
    assert event.request_body is None
    assert event.session_attributes == {}
    assert event.prompt_session_attributes == {}


def test_bedrock_agent_event_with_path_parameters():
    event = msgspec.json.decode(
        sample("bedrockAgentEventWithPathParams.json"), type=BedrockAgentEvent
    )
    assert event.api_path == "/claims/<claim_id>"
    assert event.http_method == "GET"
    assert len(event.parameters) == 1
    parameter = event.parameters[0]
    assert (parameter.name, parameter.type, parameter.value) == ("claim_id", "string", "123")
    assert event.agent.alias == "TSTALIASID"


def test_bedrock_agent_post_event_with_a_request_body():
    event = msgspec.json.decode(sample("bedrockAgentPostEvent.json"), type=BedrockAgentEvent)
    assert (event.http_method, event.api_path) == ("POST", "/send-reminders")
    assert event.input_text == "Send reminders to all pending documents"
    assert event.parameters == []
    assert event.request_body is not None
    properties = event.request_body.content["application/json"].properties
    assert [(p.name, p.type, p.value) for p in properties] == [
        ("claimId", "string", "20"),
        ("pendingDocuments", "string", "social number and vat"),
    ]


def test_bedrock_agent_function_event():
    event = msgspec.json.decode(
        sample("bedrockAgentFunctionEvent.json"), type=BedrockAgentFunctionEvent
    )
    assert event.message_version == "1.0"
    assert event.function == "submitVacationRequest"
    assert event.action_group == "VacationsActionGroup"
    assert event.session_id == "123456789123458"
    assert event.input_text == "I want to request vacation from March 15 to March 20"
    assert event.agent.name == "hr-assistant-function-def"
    assert (event.agent.alias, event.agent.version, event.agent.id) == ("PROD", "1", "1234abcd")
    assert [(p.name, p.type, p.value) for p in event.parameters] == [
        ("startDate", "string", "2024-03-15"),
        ("endDate", "string", "2024-03-20"),
    ]
    assert event.session_attributes == {"employeeId": "EMP123", "department": "Engineering"}
    assert event.prompt_session_attributes["lastInteraction"] == "2024-02-01T15:30:00Z"
    assert event.prompt_session_attributes["requestType"] == "vacation"


def test_the_two_bedrock_event_kinds_do_not_pass_for_each_other():
    with pytest.raises(msgspec.ValidationError, match="Object missing required field `apiPath`"):
        msgspec.json.decode(sample("bedrockAgentFunctionEvent.json"), type=BedrockAgentEvent)
    with pytest.raises(msgspec.ValidationError, match="Object missing required field `function`"):
        msgspec.json.decode(sample("bedrockAgentEvent.json"), type=BedrockAgentFunctionEvent)


def test_bedrock_agent_response_keys_and_round_trip():
    response = BedrockAgentResponse(
        response=BedrockAgentApiResult(
            action_group="ClaimManagementActionGroup",
            api_path="/claims",
            http_method="GET",
            response_body={"application/json": BedrockAgentResponseContent(body='{"claims": []}')},
        ),
        session_attributes={"a": "1"},
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": "ClaimManagementActionGroup",
            "apiPath": "/claims",
            "httpMethod": "GET",
            "httpStatusCode": 200,
            "responseBody": {"application/json": {"body": '{"claims": []}'}},
        },
        "sessionAttributes": {"a": "1"},
        "promptSessionAttributes": {},
    }
    assert msgspec.json.decode(encoded, type=BedrockAgentResponse) == response


def test_bedrock_agent_function_response_keys_and_round_trip():
    response = BedrockAgentFunctionResponse(
        response=BedrockAgentFunctionResult(
            action_group="VacationsActionGroup",
            function="submitVacationRequest",
            function_response=BedrockAgentFunctionOutput(
                response_body={"TEXT": BedrockAgentResponseContent(body="Request submitted")}
            ),
        )
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": "VacationsActionGroup",
            "function": "submitVacationRequest",
            # responseState is left out when None
            "functionResponse": {"responseBody": {"TEXT": {"body": "Request submitted"}}},
        },
        "sessionAttributes": {},
        "promptSessionAttributes": {},
    }
    assert msgspec.json.decode(encoded, type=BedrockAgentFunctionResponse) == response
    response.response.function_response.response_state = "REPROMPT"
    response.prompt_session_attributes = {"k": "v"}
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded)["response"]["functionResponse"] == {
        "responseBody": {"TEXT": {"body": "Request submitted"}},
        "responseState": "REPROMPT",
    }
    assert json.loads(encoded)["promptSessionAttributes"] == {"k": "v"}
    assert msgspec.json.decode(encoded, type=BedrockAgentFunctionResponse) == response
