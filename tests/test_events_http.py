"""The HTTP-style event models (API Gateway REST/HTTP/WebSocket and its authorizers,
function URLs, ALB, VPC Lattice, Transfer Family) against real samples, their typed
bodies, and the responses' JSON."""

from __future__ import annotations

import base64
import json
import pathlib
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest

from minlambda.events._base import EnvelopeDecoder, is_envelope
from minlambda.events._http import (
    ALBEvent,
    ALBResponse,
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerSimpleResponse,
    APIGatewayAuthorizerTokenEvent,
    APIGatewayPolicyDocument,
    APIGatewayPolicyStatement,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    APIGatewayProxyResponse,
    APIGatewayProxyResponseV2,
    APIGatewayRequestContext,
    APIGatewayWebSocketEvent,
    LambdaFunctionUrlEvent,
    TransferFamilyAuthorizerEvent,
    TransferFamilyAuthorizerResponse,
    TransferFamilyPosixProfile,
    VPCLatticeEvent,
    VPCLatticeEventV2,
)

EVENTS = pathlib.Path(__file__).parent / "events"

MODELS: dict[str, Any] = {
    "apigw_rest_v1": APIGatewayProxyEvent,
    "apigw_http_v2": APIGatewayProxyEventV2,
    "apigw_websocket": APIGatewayWebSocketEvent,
    "apigw_authorizer_request": APIGatewayAuthorizerRequestEvent,
    "apigw_authorizer_token": APIGatewayAuthorizerTokenEvent,
    "apigw_authorizer_http_v2": APIGatewayAuthorizerEventV2,
    "function_url": LambdaFunctionUrlEvent,
    "alb": ALBEvent,
    "vpc_lattice_v1": VPCLatticeEvent,
    "vpc_lattice_v2": VPCLatticeEventV2,
    "transfer_family_authorizer": TransferFamilyAuthorizerEvent,
}


def samples() -> list[tuple[str, str]]:
    rows = (EVENTS / "MANIFEST.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    file, source = header.index("file"), header.index("event_source_type_guess")
    found = []
    for row in rows[1:]:
        cells = row.split("\t")
        if cells[source] in MODELS:
            found.append((cells[file], cells[source]))
    return found


def load(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def decode(name: str, model: Any) -> Any:
    return msgspec.json.decode(load(name), type=model)


class Message(msgspec.Struct):
    message: str
    username: str


class Order(msgspec.Struct):
    id: str
    amount: int


# -- every sample: decodes, and every key it has lands in a field --------------------------


def unmapped_keys(value: Any, info: Any, path: str, out: list[str]) -> None:
    """Keys of the JSON that no field of the model reads (a misspelt rename)."""
    if isinstance(info, mi.UnionType):
        for option in info.types:
            if (isinstance(value, dict) and isinstance(option, mi.StructType | mi.DictType)) or (
                isinstance(value, list) and isinstance(option, mi.ListType)
            ):
                unmapped_keys(value, option, path, out)
                return
    elif isinstance(info, mi.StructType) and isinstance(value, dict):
        fields = {f.encode_name: f for f in info.fields}
        for key, item in value.items():
            if key in fields:
                unmapped_keys(item, fields[key].type, f"{path}.{key}", out)
            else:
                out.append(f"{path}.{key}")
    elif isinstance(info, mi.DictType) and isinstance(value, dict):
        for key, item in value.items():
            unmapped_keys(item, info.value_type, f"{path}.{key}", out)
    elif isinstance(info, mi.ListType) and isinstance(value, list):
        for index, item in enumerate(value):
            unmapped_keys(item, info.item_type, f"{path}[{index}]", out)


# a v2 sample that spells the key the v1 way: its query parameters are left out
KNOWN_UNMAPPED = {"vpcLatticeEventV2PathTrailingSlash.json": ["$.query_string_parameters"]}


def test_the_samples_of_every_source_are_covered():
    sources = {source for _, source in samples()}
    assert sources == set(MODELS)
    assert len(samples()) == 38


@pytest.mark.parametrize(("name", "source"), samples())
def test_every_sample_decodes_and_every_key_is_read(name, source):
    model = MODELS[source]
    data = load(name)
    event = msgspec.json.decode(data, type=model)
    assert isinstance(event, model)
    out: list[str] = []
    unmapped_keys(json.loads(data), mi.type_info(model), "$", out)
    assert out == KNOWN_UNMAPPED.get(name, [])
    # the generic ones decode the same through the envelope decoder, body kept as text
    if is_envelope(model):
        again = EnvelopeDecoder(model).decode(data)
        assert again == event
        assert again.body == json.loads(data).get("body")


# -- REST API, payload 1.0 ----------------------------------------------------------------


def test_rest_v1_proxy_event():
    event = decode("apiGatewayProxyEvent.json", APIGatewayProxyEvent)
    assert event.version == "1.0"
    assert event.resource == "/my/path"
    assert event.path == "/my/path"
    assert event.http_method == "GET"
    assert event.headers == {
        "Header1": "value1",
        "Header2": "value2",
        "Origin": "https://aws.amazon.com",
    }
    assert event.multi_value_headers is not None
    assert event.multi_value_headers["Header2"] == ["value1", "value2"]
    assert event.query_string_parameters == {"parameter1": "value1", "parameter2": "value"}
    assert event.multi_value_query_string_parameters == {
        "parameter1": ["value1", "value2"],
        "parameter2": ["value"],
    }
    assert event.path_parameters is None
    assert event.stage_variables is None
    assert event.body == "Hello from Lambda!"
    assert event.is_base64_encoded is False
    ctx = event.request_context
    assert ctx.account_id == "123456789012"
    assert ctx.api_id == "id"
    assert ctx.authorizer == {"claims": None, "scopes": None}
    assert ctx.domain_name == "id.execute-api.us-east-1.amazonaws.com"
    assert ctx.domain_prefix == "id"
    assert ctx.extended_request_id == "request-id"
    assert ctx.http_method == "GET"
    assert ctx.path == "/my/path"
    assert ctx.protocol == "HTTP/1.1"
    assert ctx.request_id == "id="
    assert ctx.request_time == "04/Mar/2020:19:15:17 +0000"
    assert ctx.request_time_epoch == 1583349317135
    assert ctx.resource_id is None
    assert ctx.resource_path == "/my/path"
    assert ctx.stage == "$default"
    identity = ctx.identity
    assert identity.source_ip == "192.168.0.1/32"
    assert identity.user_agent == "user-agent"
    assert identity.access_key is None
    assert identity.cognito_identity_pool_id is None
    assert identity.principal_org_id is None
    assert identity.client_cert is not None
    assert identity.client_cert.client_cert_pem == "CERT_CONTENT"
    assert identity.client_cert.subject_dn == "www.example.com"
    assert identity.client_cert.issuer_dn == "Example issuer"
    assert identity.client_cert.serial_number.startswith("a1:a1:")
    assert identity.client_cert.validity.not_before == "May 28 12:30:02 2019 GMT"
    assert identity.client_cert.validity.not_after == "Aug  5 09:36:04 2021 GMT"


@pytest.mark.parametrize(
    ("name", "path", "resource", "method", "base64", "body", "origin"),
    [
        ("apiGatewayProxyEventAnotherPath.json", "/my/anotherPath", "/my/anotherPath", "GET", True, "Hello from Lambda!", None),
        ("apiGatewayProxyEventNoOrigin.json", "/my/path", "/my/path", "GET", False, "Hello from Lambda!", None),
        ("apiGatewayProxyEventPathTrailingSlash.json", "/my/path/", "/my/path", "GET", True, "Hello from Lambda!", None),
        ("apiGatewayProxyOtherEvent.json", "/other/path", "/other/path", "GET", False, "Hello from Lambda!", "https://aws.amazon.com"),
        ("apigatewayeSchemaMiddlwareInvalidEvent.json", "/my/path", "/my/path", "POST", False, '{"username": "lessa"}', "https://aws.amazon.com"),
        ("apigatewayeSchemaMiddlwareValidEvent.json", "/my/path", "/my/path", "POST", False, '{"message": "hello world", "username": "lessa"}', "https://aws.amazon.com"),
    ],
)  # fmt: skip
def test_rest_v1_variants(name, path, resource, method, base64, body, origin):
    event = decode(name, APIGatewayProxyEvent)
    assert event.version == "1.0"
    assert event.path == path
    assert event.resource == resource
    assert event.http_method == method
    assert event.is_base64_encoded is base64
    assert event.body == body
    assert event.header("origin") == origin
    assert event.header("header1") == "value1"
    assert event.request_context.resource_path == resource
    assert event.request_context.identity.client_cert is not None
    assert event.request_context.identity.client_cert.issuer_dn == "Example issuer"


def test_rest_v1_without_version_or_authorizer():
    event = decode("apiGatewayProxyEvent_noVersionAuth.json", APIGatewayProxyEvent)
    assert event.version is None
    assert event.request_context.authorizer is None
    assert event.request_context.request_id == "id="
    assert event.request_context.identity.source_ip == "192.168.0.1/32"
    assert event.is_base64_encoded is True
    assert event.multi_value_query_string_parameters == {
        "parameter1": ["value1", "value2"],
        "parameter2": ["value"],
    }


def test_rest_v1_a_lambda_authorizers_context_and_a_minimal_event():
    event = decode("apiGatewayProxyEventPrincipalId.json", APIGatewayProxyEvent)
    assert event.resource == "/trip"
    assert event.path == "/trip"
    assert event.http_method == "POST"
    assert event.request_context.request_id == "34972478-2843-4ced-a657-253108738274"
    assert event.request_context.authorizer == {
        "user_id": "fake_username",
        "principalId": "fake",
        "integrationLatency": 451,
    }
    # everything absent takes its default
    assert event.headers is None
    assert event.body is None
    assert event.is_base64_encoded is False
    assert event.request_context.identity.source_ip == ""
    assert event.header("anything") is None


def test_rest_v1_typed_body():
    decoder = EnvelopeDecoder(APIGatewayProxyEvent[Message])
    event = decoder.decode(load("apigatewayeSchemaMiddlwareValidEvent.json"))
    assert event.body == Message(message="hello world", username="lessa")
    assert event.request_context.request_id == "id="
    with pytest.raises(msgspec.ValidationError) as info:
        decoder.decode(load("apigatewayeSchemaMiddlwareInvalidEvent.json"))
    assert str(info.value) == "Object missing required field `message` - at `$.body`"
    with pytest.raises(msgspec.ValidationError) as info:
        decoder.decode(load("apiGatewayProxyEvent.json"))  # "Hello from Lambda!"
    assert str(info.value).startswith("Invalid JSON in the payload: ")
    assert str(info.value).endswith(" - at `$.body`")


def test_rest_v1_typed_body_wrong_type_and_base64_and_absent():
    sample = json.loads(load("apiGatewayProxyEvent.json"))
    sample["body"] = base64.b64encode(b'{"id": "o1", "amount": "ten"}').decode()
    sample["isBase64Encoded"] = True
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(APIGatewayProxyEvent[Order]).decode(json.dumps(sample))
    assert str(info.value) == "Expected `int`, got `str` - at `$.body.amount`"

    sample["body"] = base64.b64encode(b'{"id": "o1", "amount": 10}').decode()
    event = EnvelopeDecoder(APIGatewayProxyEvent[Order]).decode(json.dumps(sample))
    assert event.body == Order(id="o1", amount=10)
    raw = EnvelopeDecoder(APIGatewayProxyEvent[bytes]).decode(json.dumps(sample))
    assert raw.body == b'{"id": "o1", "amount": 10}'

    # no body: an optional type takes it, a required one names the path
    absent = load("apiGatewayProxyEventPrincipalId.json")
    assert EnvelopeDecoder(APIGatewayProxyEvent[Order | None]).decode(absent).body is None
    assert EnvelopeDecoder(APIGatewayProxyEvent[str]).decode(absent).body is None
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(APIGatewayProxyEvent[Order]).decode(absent)
    assert str(info.value) == "Expected `object`, got `null` - at `$.body`"


def test_a_plain_text_body_flagged_base64_stays_text():
    event = EnvelopeDecoder(APIGatewayProxyEvent[bytes]).decode(
        load("apiGatewayProxyEventAnotherPath.json")
    )
    assert event.is_base64_encoded is True
    assert event.body == b"Hello from Lambda!"


# -- header() -----------------------------------------------------------------------------


def test_header_is_case_insensitive_on_each_request_event():
    rest = decode("apiGatewayProxyEvent.json", APIGatewayProxyEvent)
    assert rest.header("Header1") == "value1"
    assert rest.header("header1") == "value1"
    assert rest.header("HEADER2") == "value2"  # the single-value map: the last value
    assert rest.header("origin") == "https://aws.amazon.com"
    assert rest.header("missing") is None

    v2 = decode("apiGatewayProxyV2Event.json", APIGatewayProxyEventV2)
    assert v2.header("header2") == "value1,value2"
    assert v2.header("HEADER1") == "value1"
    assert v2.header("cookie") is None

    url = decode("lambdaFunctionUrlEvent.json", LambdaFunctionUrlEvent)
    assert url.header("X-Forwarded-Proto") == "https"
    assert url.header("host") == "<url-id>.lambda-url.us-east-1.on.aws"

    alb = decode("albEvent.json", ALBEvent)
    assert alb.header("User-Agent") == alb.headers["user-agent"]
    assert alb.header("X-Forwarded-For") == "72.12.164.125"


def test_header_falls_back_to_the_multi_value_map():
    alb = decode("albMultiValueQueryStringEvent.json", ALBEvent)
    assert alb.headers == {}
    assert alb.header("Header2") == "value2"  # the last, as a single-value map holds it
    assert alb.header("HOST") == (
        "alb-c-LoadB-14POFKYCLBNSF-1815800096.eu-central-1.elb.amazonaws.com"
    )
    assert alb.header("nope") is None

    event: APIGatewayProxyEvent[str] = APIGatewayProxyEvent(
        resource="/",
        path="/",
        http_method="GET",
        headers={"Only-Single": "s"},
        multi_value_headers={"X-Multi": ["a", "b"], "X-Empty": []},
        request_context=APIGatewayRequestContext(request_id="r"),
    )
    assert event.header("only-single") == "s"
    assert event.header("x-multi") == "b"
    assert event.header("X-MULTI") == "b"
    assert event.header("x-empty") is None


def test_the_other_request_events_have_header_too():
    ws = decode("apiGatewayWebSocketApiConnect.json", APIGatewayWebSocketEvent)
    assert ws.header("sec-websocket-version") == "13"
    auth = decode("apiGatewayAuthorizerWebSocketEvent.json", APIGatewayAuthorizerRequestEvent)
    assert auth.header("authorization") == "Leo"
    assert auth.header("sec-websocket-key") == "CYZZrfNgEcgzzzwL44qytQ=="  # multi only
    v2 = decode("apiGatewayAuthorizerV2Event.json", APIGatewayAuthorizerEventV2)
    assert v2.header("authorization") == "value"


# -- HTTP API, payload 2.0 ----------------------------------------------------------------


def test_http_v2_event_with_jwt_authorizer():
    event = decode("apiGatewayProxyV2Event.json", APIGatewayProxyEventV2)
    assert event.version == "2.0"
    assert event.route_key == "$default"
    assert event.raw_path == "/my/path"
    assert event.raw_query_string == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event.cookies == ["cookie1", "cookie2"]
    assert event.headers == {"Header1": "value1", "Header2": "value1,value2"}
    assert event.query_string_parameters == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event.path_parameters == {"parameter1": "value1"}
    assert event.stage_variables == {"stageVariable1": "value1", "stageVariable2": "value2"}
    assert event.body == '{"message": "hello world", "username": "tom"}'
    assert event.is_base64_encoded is False
    ctx = event.request_context
    assert ctx.account_id == "123456789012"
    assert ctx.api_id == "api-id"
    assert ctx.domain_name == "id.execute-api.us-east-1.amazonaws.com"
    assert ctx.domain_prefix == "id"
    assert ctx.request_id == "id"
    assert ctx.route_key == "$default"
    assert ctx.stage == "$default"
    assert ctx.time == "12/Mar/2020:19:03:58 +0000"
    assert ctx.time_epoch == 1583348638390
    assert ctx.http.method == "POST"
    assert ctx.http.path == "/my/path"
    assert ctx.http.protocol == "HTTP/1.1"
    assert ctx.http.source_ip == "192.168.0.1/32"
    assert ctx.http.user_agent == "agent"
    assert ctx.authentication is not None
    assert ctx.authentication.client_cert is not None
    assert ctx.authentication.client_cert.subject_dn == "www.example.com"
    assert ctx.authentication.client_cert.validity.not_before == "May 28 12:30:02 2019 GMT"
    assert ctx.authorizer is not None
    assert ctx.authorizer.jwt is not None
    assert ctx.authorizer.jwt.claims == {"claim1": "value1", "claim2": "value2"}
    assert ctx.authorizer.jwt.scopes == ["scope1", "scope2"]
    assert ctx.authorizer.iam is None
    assert ctx.authorizer.lambda_ is None


@pytest.mark.parametrize(
    ("name", "raw_path", "method", "body"),
    [
        ("apiGatewayProxyV2EventPathTrailingSlash.json", "/my/path/", "POST", '{"message": "hello world", "username": "tom"}'),
        ("apiGatewayProxyV2Event_GET.json", "/my/path", "GET", None),
        ("apiGatewayProxyV2OtherGetEvent.json", "/other/path", "GET", None),
        ("apiGatewayProxyV2SchemaMiddlwareInvalidEvent.json", "/my/path", "POST", '{"username": "lessa"}'),
        ("apiGatewayProxyV2SchemaMiddlwareValidEvent.json", "/my/path", "POST", '{"message": "hello world", "username": "lessa"}'),
    ],
)  # fmt: skip
def test_http_v2_variants(name, raw_path, method, body):
    event = decode(name, APIGatewayProxyEventV2)
    assert event.raw_path == raw_path
    assert event.request_context.http.method == method
    assert event.body == body
    assert event.path_parameters == {"parameter1": "value1"}
    assert event.request_context.authorizer is not None
    assert event.request_context.authorizer.jwt is not None
    assert event.request_context.authorizer.jwt.scopes == ["scope1", "scope2"]


def test_http_v2_iam_authorizer():
    event = decode("apiGatewayProxyV2IamEvent.json", APIGatewayProxyEventV2)
    assert event.path_parameters == {"proxy": "hello/world"}
    assert event.body == '{\r\n\t"a": 1\r\n}'
    ctx = event.request_context
    assert ctx.time == "12/Mar/2020:19:03:58+0000"
    assert ctx.authentication is None
    assert ctx.authorizer is not None
    iam = ctx.authorizer.iam
    assert iam is not None
    assert iam.access_key == "ARIA2ZJZYVUEREEIHAKY"
    assert iam.account_id == "1234567890"
    assert iam.caller_id == "AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials"
    assert iam.principal_org_id == "AwsOrgId"
    assert iam.user_arn == "arn:aws:iam::1234567890:user/Admin"
    assert iam.user_id == "AROA2ZJZYVRE7Y3TUXHH6"
    assert iam.cognito_identity is not None
    assert iam.cognito_identity.amr == ["foo"]
    assert iam.cognito_identity.identity_id == "us-east-1:3f291106-8703-466b-8f2b-3ecee1ca56ce"
    assert iam.cognito_identity.identity_pool_id == "us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce"


def test_http_v2_lambda_authorizer_context():
    event = decode("apiGatewayProxyV2LambdaAuthorizerEvent.json", APIGatewayProxyEventV2)
    authorizer = event.request_context.authorizer
    assert authorizer is not None
    assert authorizer.lambda_ == {"tenantId": "123-456-789-012"}
    assert authorizer.jwt is not None
    assert authorizer.jwt.claims == {"claim1": "value1"}
    assert event.request_context.http.source_ip == "192.168.0.1/32"


def test_http_v2_typed_body():
    decoder = EnvelopeDecoder(APIGatewayProxyEventV2[Message])
    event = decoder.decode(load("apiGatewayProxyV2Event.json"))
    assert event.body == Message(message="hello world", username="tom")
    assert event.request_context.http.method == "POST"
    with pytest.raises(msgspec.ValidationError) as info:
        decoder.decode(load("apiGatewayProxyV2SchemaMiddlwareInvalidEvent.json"))
    assert str(info.value) == "Object missing required field `message` - at `$.body`"
    with pytest.raises(msgspec.ValidationError) as info:
        decoder.decode(load("apiGatewayProxyV2Event_GET.json"))  # no body
    assert str(info.value) == "Expected `object`, got `null` - at `$.body`"

    sample = json.loads(load("apiGatewayProxyV2Event.json"))
    sample["body"] = json.dumps({"message": 1, "username": "tom"})
    with pytest.raises(msgspec.ValidationError) as info:
        decoder.decode(json.dumps(sample))
    assert str(info.value) == "Expected `str`, got `int` - at `$.body.message`"


# -- Lambda function URLs -----------------------------------------------------------------


def test_function_url_event():
    event = decode("lambdaFunctionUrlEvent.json", LambdaFunctionUrlEvent)
    assert isinstance(event, APIGatewayProxyEventV2)
    assert event.version == "2.0"
    assert event.route_key == "$default"
    assert event.raw_path == "/"
    assert event.raw_query_string == ""
    assert event.cookies == []
    assert event.headers["x-amzn-tls-version"] == "TLSv1.2"
    assert event.headers["x-forwarded-for"] == "123.123.123.123"
    assert event.query_string_parameters is None
    assert event.body is None
    ctx = event.request_context
    assert ctx.account_id == "anonymous"
    assert ctx.api_id == "<url-id>"
    assert ctx.domain_name == "<url-id>.lambda-url.us-east-1.on.aws"
    assert ctx.http.method == "GET"
    assert ctx.http.source_ip == "123.123.123.123"
    assert ctx.time_epoch == 1659687279885
    assert ctx.authorizer is None


def test_function_url_event_with_headers():
    event = decode("lambdaFunctionUrlEventWithHeaders.json", LambdaFunctionUrlEvent)
    assert event.headers["header2"] == "value1,value2"
    assert event.header("Header1") == "value1"
    assert event.query_string_parameters == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event.request_context.request_id == "id"
    assert event.request_context.time == "05/Aug/2022:08:14:39 +0000"


@pytest.mark.parametrize(
    ("name", "raw_path"),
    [("lambdaFunctionUrlIAMEvent.json", "/my/path"), ("lambdaFunctionUrlEventPathTrailingSlash.json", "/my/path/")],
)  # fmt: skip
def test_function_url_iam_events(name, raw_path):
    event = decode(name, LambdaFunctionUrlEvent)
    assert event.raw_path == raw_path
    assert event.body == "Hello from client!"
    assert event.path_parameters is None
    assert event.stage_variables is None
    assert event.cookies == ["cookie1", "cookie2"]
    ctx = event.request_context
    assert ctx.authentication is None
    assert ctx.http.method == "POST"
    assert ctx.domain_name == "<url-id>.lambda-url.us-west-2.on.aws"
    assert ctx.authorizer is not None
    iam = ctx.authorizer.iam
    assert iam is not None
    assert iam.access_key == "AKIA..."
    assert iam.account_id == "111122223333"
    assert iam.caller_id == "AIDA..."
    assert iam.cognito_identity is None
    assert iam.principal_org_id is None
    assert iam.user_arn == "arn:aws:iam::111122223333:user/example-user"
    assert iam.user_id == "AIDA..."


def test_function_url_typed_body():
    sample = json.loads(load("lambdaFunctionUrlIAMEvent.json"))
    sample["body"] = base64.b64encode(b'{"id": "o7", "amount": 3}').decode()
    sample["isBase64Encoded"] = True
    event = EnvelopeDecoder(LambdaFunctionUrlEvent[Order]).decode(json.dumps(sample))
    assert isinstance(event, LambdaFunctionUrlEvent)
    assert event.body == Order(id="o7", amount=3)
    sample["body"] = base64.b64encode(b'{"amount": 3}').decode()
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(LambdaFunctionUrlEvent[Order]).decode(json.dumps(sample))
    assert str(info.value) == "Object missing required field `id` - at `$.body`"


# -- WebSocket API ------------------------------------------------------------------------


def test_websocket_connect():
    event = decode("apiGatewayWebSocketApiConnect.json", APIGatewayWebSocketEvent)
    ctx = event.request_context
    assert ctx.route_key == "$connect"
    assert ctx.event_type == "CONNECT"
    assert ctx.connection_id == "BFHPhfCWIAMCKlQ="
    assert ctx.extended_request_id == "BFHPhFe3IAMF95g="
    assert ctx.request_time == "11/Nov/2024:11:35:24 +0000"
    assert ctx.message_direction == "IN"
    assert ctx.stage == "prod"
    assert ctx.connected_at == 1731324924553
    assert ctx.request_time_epoch == 1731324924561
    assert ctx.identity.source_ip == "166.90.225.1"
    assert ctx.request_id == "BFHPhFe3IAMF95g="
    assert ctx.domain_name == "asasasas.execute-api.us-east-1.amazonaws.com"
    assert ctx.api_id == "asasasas"
    assert ctx.message_id is None
    assert event.headers is not None
    assert event.headers["Sec-WebSocket-Key"] == "+W5xw47OHh3OTFsWKjGu9Q=="
    assert event.multi_value_headers is not None
    assert event.multi_value_headers["X-Forwarded-Port"] == ["443"]
    assert event.body is None
    assert event.is_base64_encoded is False


def test_websocket_disconnect():
    event = decode("apiGatewayWebSocketApiDisconnect.json", APIGatewayWebSocketEvent)
    ctx = event.request_context
    assert ctx.route_key == "$disconnect"
    assert ctx.event_type == "DISCONNECT"
    assert ctx.disconnect_status_code == 1005
    assert ctx.disconnect_reason == "Client-side close frame status not set"
    assert ctx.connection_id == "BFaT_fALIAMCKug="
    assert ctx.request_time_epoch == 1731333109875
    assert event.header("x-api-key") == ""


def test_websocket_message_and_typed_body():
    event = decode("apiGatewayWebSocketApiMessage.json", APIGatewayWebSocketEvent)
    ctx = event.request_context
    assert ctx.route_key == "chat"
    assert ctx.event_type == "MESSAGE"
    assert ctx.message_id == "BFaVtfGSIAMCKug="
    assert ctx.connection_id == "BFaT_fALIAMCKug="
    assert ctx.disconnect_status_code is None
    assert event.headers is None
    assert event.body == '{"action": "chat", "message": "Hello from client"}'

    class Chat(msgspec.Struct):
        action: str
        message: str

    typed = EnvelopeDecoder(APIGatewayWebSocketEvent[Chat]).decode(
        load("apiGatewayWebSocketApiMessage.json")
    )
    assert typed.body == Chat(action="chat", message="Hello from client")

    class Strict(msgspec.Struct):
        action: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(APIGatewayWebSocketEvent[Strict]).decode(
            load("apiGatewayWebSocketApiMessage.json")
        )
    assert str(info.value) == "Expected `int`, got `str` - at `$.body.action`"


# -- authorizers --------------------------------------------------------------------------


def test_token_authorizer_event():
    event = decode("apiGatewayAuthorizerTokenEvent.json", APIGatewayAuthorizerTokenEvent)
    assert event.type == "TOKEN"
    assert event.authorization_token == "allow"
    assert event.method_arn == "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"


def test_request_authorizer_event():
    event = decode("apiGatewayAuthorizerRequestEvent.json", APIGatewayAuthorizerRequestEvent)
    assert event.version == "1.0"
    assert event.type == "REQUEST"
    assert (
        event.method_arn == "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"
    )
    assert event.identity_source == "user1,123"
    assert event.authorization_token == "user1,123"
    assert event.resource == "/request"
    assert event.path == "/request"
    assert event.http_method == "GET"
    assert event.headers is not None
    assert event.headers["HeaderAuth1"] == "headerValue1"
    assert event.header("x-amz-date") == "20170718T062915Z"
    assert event.multi_value_headers is not None
    assert event.multi_value_headers["Header2"] == ["value1", "value2"]
    assert event.query_string_parameters == {"QueryString1": "queryValue1"}
    assert event.path_parameters == {}
    assert event.stage_variables == {"StageVar1": "stageValue1"}
    ctx = event.request_context
    assert ctx.account_id == "123456789012"
    assert ctx.api_id == "abcdef123"
    assert ctx.resource_id == "ANY /request"
    assert ctx.stage == "test"
    assert ctx.request_time_epoch == 1629470210043
    assert ctx.identity.api_key == "..."
    assert ctx.identity.source_ip == "test-invoke-source-ip"
    assert ctx.identity.user_agent == "PostmanRuntime/7.28.3"
    assert ctx.identity.cognito_amr is None
    assert ctx.identity.client_cert is not None
    assert ctx.identity.client_cert.subject_dn == "www.example.com"
    assert ctx.event_type is None


def test_websocket_request_authorizer_event():
    event = decode("apiGatewayAuthorizerWebSocketEvent.json", APIGatewayAuthorizerRequestEvent)
    assert event.type == "REQUEST"
    assert (
        event.method_arn
        == "arn:aws:execute-api:us-east-1:533568316194:c5jwxq709g/production/$connect"
    )
    assert event.version is None
    assert event.resource == ""
    assert event.headers is not None
    assert event.headers["Authorization"] == "Leo"
    assert event.query_string_parameters == {}
    assert event.multi_value_query_string_parameters == {}
    assert event.stage_variables == {}
    ctx = event.request_context
    assert ctx.route_key == "$connect"
    assert ctx.event_type == "CONNECT"
    assert ctx.connection_id == "FDmBIeapIAMCIQg="
    assert ctx.connected_at == 1737995987617
    assert ctx.message_direction == "IN"
    assert ctx.extended_request_id == "FDmBIG3EoAMEqYA="
    assert ctx.request_id == "FDmBIG3EoAMEqYA="
    assert ctx.stage == "production"
    assert ctx.api_id == "c5jwxq709g"
    assert ctx.identity.source_ip == "93.108.161.96"


def test_http_v2_authorizer_event():
    event = decode("apiGatewayAuthorizerV2Event.json", APIGatewayAuthorizerEventV2)
    assert event.version == "2.0"
    assert event.type == "REQUEST"
    assert (
        event.route_arn == "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"
    )
    assert event.identity_source == ["user1", "123"]
    assert event.route_key == "GET /merchants"
    assert event.raw_path == "/merchants"
    assert event.raw_query_string == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event.cookies == ["cookie1", "cookie2"]
    assert event.headers["x-amzn-trace-id"] == "Root=1-611cc4a7-0746ebee281cfd967db97b64"
    assert event.query_string_parameters == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event.path_parameters == {"parameter1": "value1"}
    assert event.stage_variables == {"stageVariable1": "value1", "stageVariable2": "value2"}
    ctx = event.request_context
    assert ctx.http.method == "POST"
    assert ctx.http.source_ip == "10.10.10.10"
    assert ctx.route_key == "GET /merchants"
    assert ctx.authorizer is None
    assert ctx.authentication is not None
    assert ctx.authentication.client_cert is not None
    assert ctx.authentication.client_cert.issuer_dn == "Example issuer"


def test_authorizer_policy_response_json():
    response = APIGatewayAuthorizerResponse(
        principal_id="user|a1b2",
        policy_document=APIGatewayPolicyDocument(
            statement=[
                APIGatewayPolicyStatement(
                    action="execute-api:Invoke",
                    effect="Allow",
                    resource=["arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/"],
                )
            ]
        ),
        context={"tenant": "t1", "level": 3, "admin": False},
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "principalId": "user|a1b2",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": ["arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/"],
                }
            ],
        },
        "context": {"tenant": "t1", "level": 3, "admin": False},
    }
    assert msgspec.json.decode(encoded, type=APIGatewayAuthorizerResponse) == response

    keyed = APIGatewayAuthorizerResponse(
        principal_id="p",
        policy_document=APIGatewayPolicyDocument(
            statement=[APIGatewayPolicyStatement(action="*", effect="Deny", resource="*")]
        ),
        usage_identifier_key="api-key-value",
    )
    assert json.loads(msgspec.json.encode(keyed)) == {
        "principalId": "p",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "*", "Effect": "Deny", "Resource": "*"}],
        },
        "usageIdentifierKey": "api-key-value",
    }
    assert (
        msgspec.json.decode(msgspec.json.encode(keyed), type=APIGatewayAuthorizerResponse) == keyed
    )


def test_authorizer_simple_response_json():
    assert msgspec.json.encode(APIGatewayAuthorizerSimpleResponse(is_authorized=False)) == (
        b'{"isAuthorized":false}'
    )
    allowed = APIGatewayAuthorizerSimpleResponse(is_authorized=True, context={"user": "u1"})
    encoded = msgspec.json.encode(allowed)
    assert encoded == b'{"isAuthorized":true,"context":{"user":"u1"}}'
    assert msgspec.json.decode(encoded, type=APIGatewayAuthorizerSimpleResponse) == allowed


# -- Application Load Balancer -------------------------------------------------------------


ARN_ALB = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"


@pytest.mark.parametrize(
    ("name", "path"), [("albEvent.json", "/lambda"), ("albEventPathTrailingSlash.json", "/lambda/")]
)
def test_alb_event(name, path):
    event = decode(name, ALBEvent)
    assert event.request_context.elb.target_group_arn == ARN_ALB
    assert event.http_method == "GET"
    assert event.path == path
    assert event.query_string_parameters == {"query": "1234ABCD"}
    assert event.multi_value_query_string_parameters == {}
    assert event.headers["x-imforwards"] == "20"
    assert event.headers["connection"] == "keep-alive"
    assert event.multi_value_headers == {}
    assert event.body == "Test"
    assert event.is_base64_encoded is False
    assert event.header("Host") == "lambda-alb-123578498.us-east-2.elb.amazonaws.com"


def test_alb_multi_value_events():
    headers = decode("albMultiValueHeadersEvent.json", ALBEvent)
    assert headers.request_context.elb.target_group_arn.endswith("/804a67588bfdc10f")
    assert headers.path == "/todos"
    assert headers.multi_value_query_string_parameters == {}
    assert headers.query_string_parameters == {}
    assert headers.headers == {}
    assert headers.multi_value_headers["user-agent"] == ["curl/7.79.1"]
    assert headers.header("User-Agent") == "curl/7.79.1"
    assert headers.body == ""

    query = decode("albMultiValueQueryStringEvent.json", ALBEvent)
    assert query.multi_value_query_string_parameters == {
        "parameter1": ["value1", "value2"],
        "parameter2": ["value"],
    }
    assert query.multi_value_headers["header2"] == ["value1", "value2"]
    assert query.http_method == "GET"


def test_alb_typed_body():
    sample = json.loads(load("albEvent.json"))
    sample["body"] = '{"id": "a", "amount": 5}'
    event = EnvelopeDecoder(ALBEvent[Order]).decode(json.dumps(sample))
    assert event.body == Order(id="a", amount=5)
    assert event.request_context.elb.target_group_arn == ARN_ALB
    sample["body"] = '{"id": 5, "amount": 5}'
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(ALBEvent[Order]).decode(json.dumps(sample))
    assert str(info.value) == "Expected `str`, got `int` - at `$.body.id`"
    # ALB sends no body as "": like an absent body, only a type that allows None takes it
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(ALBEvent[Order]).decode(load("albMultiValueHeadersEvent.json"))
    assert str(info.value) == "Expected `object`, got `null` - at `$.body`"
    empty = EnvelopeDecoder(ALBEvent[Order | None]).decode(load("albMultiValueHeadersEvent.json"))
    assert empty.body is None
    assert EnvelopeDecoder(ALBEvent[bytes]).decode(load("albMultiValueHeadersEvent.json")).body == b""
    assert EnvelopeDecoder(ALBEvent[str]).decode(load("albEvent.json")).body == "Test"


# -- VPC Lattice --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw_path"), [("vpcLatticeEvent.json", "/testpath"), ("vpcLatticeEventPathTrailingSlash.json", "/testpath/")]
)  # fmt: skip
def test_vpc_lattice_v1_event(name, raw_path):
    event = decode(name, VPCLatticeEvent)
    assert event.raw_path == raw_path
    assert event.method == "GET"
    assert event.headers["user_agent"] == "curl/7.64.1"
    assert event.headers["accept"] == "*/*"
    assert event.query_string_parameters == {"order-id": "1"}
    assert event.body == "eyJ0ZXN0IjogImV2ZW50In0="
    assert event.is_base64_encoded is True


def test_vpc_lattice_v1_typed_body_is_base64_decoded():
    class Test(msgspec.Struct):
        test: str

    event = EnvelopeDecoder(VPCLatticeEvent[Test]).decode(load("vpcLatticeEvent.json"))
    assert event.body == Test(test="event")
    assert EnvelopeDecoder(VPCLatticeEvent[bytes]).decode(load("vpcLatticeEvent.json")).body == (
        b'{"test": "event"}'
    )

    class Wrong(msgspec.Struct):
        test: int

    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(VPCLatticeEvent[Wrong]).decode(load("vpcLatticeEvent.json"))
    assert str(info.value) == "Expected `int`, got `str` - at `$.body.test`"


def test_vpc_lattice_v2_event():
    event = decode("vpcLatticeV2Event.json", VPCLatticeEventV2)
    assert event.version == "2.0"
    assert event.path == "/newpath"
    assert event.method == "GET"
    assert event.headers["host"] == (
        "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws"
    )
    assert event.query_string_parameters == {"order-id": "1"}
    assert event.body == '{"message": "Hello from Lambda!"}'
    assert event.is_base64_encoded is False
    ctx = event.request_context
    assert ctx.service_network_arn.endswith(":servicenetwork/sn-0bf3f2882e9cc805a")
    assert ctx.service_arn.endswith(":service/svc-0a40eebed65f8d69c")
    assert ctx.target_group_arn.endswith(":targetgroup/tg-6d0ecf831eec9f09")
    assert ctx.region == "us-east-2"
    assert ctx.time_epoch == "1696331543569073"
    assert (
        ctx.identity.source_vpc_arn == "arn:aws:ec2:region:123456789012:vpc/vpc-0b8276c84697e7339"
    )
    assert ctx.identity.type == "AWS_IAM"
    assert ctx.identity.principal is not None
    assert ctx.identity.principal.startswith("arn:aws:sts::123456789012:assumed-role/")
    assert ctx.identity.session_name == "057d00f8b51257ba3c853a0f248943cf"
    assert ctx.identity.x509_san_dns == "example.com"
    assert ctx.identity.principal_org_id is None


def test_vpc_lattice_v2_multi_value_headers_and_query():
    event = decode("vpcLatticeV2EventWithHeaders.json", VPCLatticeEventV2)
    assert event.headers["powertools"] == ["a", "b"]
    assert event.headers["Header2"] == ["value1", "value2"]
    assert event.query_string_parameters == {
        "parameter1": ["value1", "value2"],
        "parameter2": ["value"],
    }
    assert event.request_context.region == "us-east-2"


def test_vpc_lattice_v2_snake_case_query_key_is_ignored():
    event = decode("vpcLatticeEventV2PathTrailingSlash.json", VPCLatticeEventV2)
    assert event.path == "/newpath/"
    assert event.query_string_parameters == {}
    assert event.headers["accept"] == "*/*"
    assert event.request_context.identity.x509_san_dns == "example.com"


def test_vpc_lattice_v2_typed_body():
    event = EnvelopeDecoder(VPCLatticeEventV2[dict[str, str]]).decode(
        load("vpcLatticeV2Event.json")
    )
    assert event.body == {"message": "Hello from Lambda!"}
    with pytest.raises(msgspec.ValidationError) as info:
        EnvelopeDecoder(VPCLatticeEventV2[Message]).decode(load("vpcLatticeV2Event.json"))
    assert str(info.value) == "Object missing required field `username` - at `$.body`"


# -- Transfer Family ----------------------------------------------------------------------


def test_transfer_family_authorizer_event():
    event = decode("TransferFamilyAuthorizer.json", TransferFamilyAuthorizerEvent)
    assert event.username == "value"
    assert event.password == "value"
    assert event.protocol == "SFTP"
    assert event.server_id == "s-abcd123456"
    assert event.source_ip == "192.168.0.100"
    key_login = msgspec.json.decode(
        b'{"username":"u","protocol":"SFTP","serverId":"s-1","sourceIp":"10.0.0.1"}',
        type=TransferFamilyAuthorizerEvent,
    )
    assert key_login.password is None


def test_transfer_family_authorizer_response_json():
    response = TransferFamilyAuthorizerResponse(
        role="arn:aws:iam::123456789012:role/transfer",
        home_directory_type="LOGICAL",
        home_directory_details='[{"Entry": "/", "Target": "/bucket/home"}]',
        public_keys=["ssh-rsa AAAA"],
        posix_profile=TransferFamilyPosixProfile(uid=1000, gid=1000),
    )
    encoded = msgspec.json.encode(response)
    assert json.loads(encoded) == {
        "Role": "arn:aws:iam::123456789012:role/transfer",
        "HomeDirectoryType": "LOGICAL",
        "HomeDirectoryDetails": '[{"Entry": "/", "Target": "/bucket/home"}]',
        "PublicKeys": ["ssh-rsa AAAA"],
        "PosixProfile": {"Uid": 1000, "Gid": 1000},
    }
    assert msgspec.json.decode(encoded, type=TransferFamilyAuthorizerResponse) == response
    assert msgspec.json.encode(TransferFamilyAuthorizerResponse()) == b"{}"  # denied


# -- proxy responses ----------------------------------------------------------------------


def test_proxy_response_encodes_only_what_was_set():
    assert msgspec.json.encode(APIGatewayProxyResponse(status_code=200, body="ok")) == (
        b'{"statusCode":200,"body":"ok"}'
    )
    assert msgspec.json.encode(APIGatewayProxyResponse(status_code=204)) == b'{"statusCode":204}'
    full = APIGatewayProxyResponse(
        status_code=201,
        headers={"Content-Type": "image/png"},
        multi_value_headers={"Set-Cookie": ["a=1", "b=2"]},
        body="iVBORw0KGgo=",
        is_base64_encoded=True,
    )
    encoded = msgspec.json.encode(full)
    assert json.loads(encoded) == {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "iVBORw0KGgo=",
        "isBase64Encoded": True,
    }
    assert msgspec.json.decode(encoded, type=APIGatewayProxyResponse) == full
    with pytest.raises(TypeError):
        APIGatewayProxyResponse(body="no status")  # type: ignore[call-arg]


def test_proxy_response_v2_json():
    assert msgspec.json.encode(APIGatewayProxyResponseV2(status_code=200, body="ok")) == (
        b'{"statusCode":200,"body":"ok"}'
    )
    full = APIGatewayProxyResponseV2(
        status_code=302,
        headers={"Location": "/next"},
        cookies=["session=abc; Secure; HttpOnly"],
        body="eyJ9",
        is_base64_encoded=True,
    )
    encoded = msgspec.json.encode(full)
    assert json.loads(encoded) == {
        "statusCode": 302,
        "headers": {"Location": "/next"},
        "cookies": ["session=abc; Secure; HttpOnly"],
        "body": "eyJ9",
        "isBase64Encoded": True,
    }
    assert msgspec.json.decode(encoded, type=APIGatewayProxyResponseV2) == full


def test_alb_response_json():
    assert msgspec.json.encode(ALBResponse(status_code=200, body="ok")) == (
        b'{"statusCode":200,"body":"ok"}'
    )
    full = ALBResponse(
        status_code=404,
        status_description="404 Not Found",
        headers={"Content-Type": "text/plain"},
        multi_value_headers={"Set-Cookie": ["a=1", "b=2"]},
        body="nope",
        is_base64_encoded=False,
    )
    encoded = msgspec.json.encode(full)
    assert json.loads(encoded) == {
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": {"Content-Type": "text/plain"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": "nope",
    }
    assert msgspec.json.decode(encoded, type=ALBResponse) == full
