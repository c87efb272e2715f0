# HTTP-style sources: API Gateway (REST payload v1, HTTP API payload v2, WebSocket),
# its Lambda authorizers, Lambda function URLs, Application Load Balancer, VPC Lattice
# (v1 and v2) and the Transfer Family custom identity provider; with the responses.
#
# The request events are generic in their body, `APIGatewayProxyEvent[Order]`: the body
# is text, base64 when `isBase64Encoded`, and `EnvelopeDecoder` decodes it into the
# user's type (kind BODY). An absent or null body is None: a user's type that does
# not allow None fails at `$.body`, so `APIGatewayProxyEvent[Order | None]` accepts
# requests without a body; `str` keeps the text as it came (None when there was none).
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic

import msgspec

from minlambda.events._base import BODY, Model, PayloadSlot, T

__all__ = [
    "ALBElbContext",
    "ALBEvent",
    "ALBRequestContext",
    "ALBResponse",
    "APIGatewayAuthenticationV2",
    "APIGatewayAuthorizerEventV2",
    "APIGatewayAuthorizerRequestContext",
    "APIGatewayAuthorizerRequestEvent",
    "APIGatewayAuthorizerResponse",
    "APIGatewayAuthorizerSimpleResponse",
    "APIGatewayAuthorizerTokenEvent",
    "APIGatewayAuthorizerV2",
    "APIGatewayClientCert",
    "APIGatewayClientCertValidity",
    "APIGatewayCognitoIdentity",
    "APIGatewayIAMAuthorizer",
    "APIGatewayIdentity",
    "APIGatewayJWTAuthorizer",
    "APIGatewayPolicyDocument",
    "APIGatewayPolicyStatement",
    "APIGatewayProxyEvent",
    "APIGatewayProxyEventV2",
    "APIGatewayProxyResponse",
    "APIGatewayProxyResponseV2",
    "APIGatewayRequestContext",
    "APIGatewayRequestContextV2",
    "APIGatewayRequestHTTP",
    "APIGatewayWebSocketEvent",
    "APIGatewayWebSocketRequestContext",
    "LambdaFunctionUrlEvent",
    "TransferFamilyAuthorizerEvent",
    "TransferFamilyAuthorizerResponse",
    "TransferFamilyPosixProfile",
    "VPCLatticeEvent",
    "VPCLatticeEventV2",
    "VPCLatticeIdentity",
    "VPCLatticeRequestContextV2",
]

# The values an authorizer's `context` may hold: API Gateway rejects objects and arrays.
_AuthorizerContext = dict[str, str | int | float | bool]


def _find_header(
    headers: dict[str, str] | None, multi: dict[str, list[str]] | None, name: str
) -> str | None:
    """A header's value by a case-insensitive name: from the single-value map, else the
    last value of the multi-value map (what AWS's own single-value maps hold)."""
    lower = name.lower()
    if headers:
        value = headers.get(name)
        if value is None:
            value = headers.get(lower)
        if value is not None:
            return value
        for key, value in headers.items():
            if key.lower() == lower:
                return value
    if multi:
        values = multi.get(name)
        if values is None:
            values = multi.get(lower)
        if values is None:
            for key, found in multi.items():
                if key.lower() == lower:
                    values = found
                    break
        if values:
            return values[-1]
    return None


# -- parts shared by API Gateway's events ------------------------------------------------


class _HTTPRequest(Model, kw_only=True):
    """A request whose `body` is an HTTP body: text, or base64 when
    `is_base64_encoded`; a `T` decoded from it in a parameterized model."""

    def _payloads(self, at: str = "$") -> Iterator[PayloadSlot]:
        yield self, "body", BODY, f"{at}.body"


class APIGatewayClientCertValidity(Model, kw_only=True):
    """The validity dates of a mutual TLS client certificate, as text ("May 28 12:30:02 2019 GMT")."""

    not_before: str = ""
    not_after: str = ""


class APIGatewayClientCert(Model, kw_only=True):
    """The client certificate of a mutual TLS request."""

    client_cert_pem: str = ""
    subject_dn: str = msgspec.field(default="", name="subjectDN")
    issuer_dn: str = msgspec.field(default="", name="issuerDN")
    serial_number: str = ""
    validity: APIGatewayClientCertValidity = msgspec.field(
        default_factory=APIGatewayClientCertValidity
    )


class APIGatewayIdentity(Model, kw_only=True):
    """The caller of a REST or WebSocket API request; most fields are null unless an IAM
    or Cognito authorization applies (WebSocket events carry little more than `sourceIp`)."""

    source_ip: str = ""
    user_agent: str | None = None
    access_key: str | None = None
    account_id: str | None = None
    api_key: str | None = None
    api_key_id: str | None = None
    caller: str | None = None
    cognito_amr: list[str] | None = None
    cognito_authentication_provider: str | None = None
    cognito_authentication_type: str | None = None
    cognito_identity_id: str | None = None
    cognito_identity_pool_id: str | None = None
    principal_org_id: str | None = None
    user: str | None = None
    user_arn: str | None = None
    vpc_id: str | None = None
    vpce_id: str | None = None
    client_cert: APIGatewayClientCert | None = None


# -- REST API, payload format 1.0 ---------------------------------------------------------


class APIGatewayRequestContext(Model, kw_only=True):
    """The request context of a REST API request. `authorizer` is free-form: Cognito's
    `claims`/`scopes`, or a Lambda authorizer's `principalId`, `integrationLatency` and
    context keys. `requestTimeEpoch` is in milliseconds."""

    request_id: str
    account_id: str = ""
    api_id: str = ""
    stage: str = ""
    resource_id: str | None = None
    resource_path: str = ""
    http_method: str = ""
    path: str = ""
    protocol: str = ""
    domain_name: str = ""
    domain_prefix: str = ""
    extended_request_id: str | None = None  # null under SAM local
    request_time: str = ""
    request_time_epoch: int = 0
    operation_name: str | None = None
    identity: APIGatewayIdentity = msgspec.field(default_factory=APIGatewayIdentity)
    authorizer: dict[str, Any] | None = None


class APIGatewayProxyEvent(_HTTPRequest, Generic[T], kw_only=True):
    """A REST API (or HTTP API with payload format 1.0) proxy request. The maps are null
    when empty; `headers` holds the last value of a repeated header, `multiValueHeaders`
    all of them. `body` is the text as sent (base64 when `isBase64Encoded`), or a `T`."""

    resource: str
    path: str
    http_method: str
    version: str | None = None  # "1.0", sent by HTTP APIs and newer REST APIs
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: APIGatewayRequestContext
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False

    def header(self, name: str) -> str | None:
        """A request header by its case-insensitive name, or None."""
        return _find_header(self.headers, self.multi_value_headers, name)


class APIGatewayProxyResponse(Model, kw_only=True):
    """The response to a REST API (payload 1.0), WebSocket API or ALB-style proxy
    request. Only the fields set are encoded; `body` is text (base64 with
    `is_base64_encoded=True` for binary)."""

    status_code: int
    headers: dict[str, str] = {}
    multi_value_headers: dict[str, list[str]] = {}
    body: str = ""
    is_base64_encoded: bool = False


# -- WebSocket API ------------------------------------------------------------------------


class APIGatewayWebSocketRequestContext(Model, kw_only=True):
    """The request context of a WebSocket API event. `eventType` is CONNECT, MESSAGE or
    DISCONNECT; `connectedAt` and `requestTimeEpoch` are milliseconds; `messageId` comes
    with MESSAGE, `disconnectStatusCode`/`disconnectReason` with DISCONNECT."""

    route_key: str
    event_type: str
    connection_id: str
    request_id: str
    api_id: str = ""
    stage: str = ""
    domain_name: str = ""
    extended_request_id: str | None = None  # null under SAM local
    message_direction: str = ""
    message_id: str | None = None
    connected_at: int = 0
    request_time: str = ""
    request_time_epoch: int = 0
    disconnect_status_code: int | None = None
    disconnect_reason: str | None = None
    identity: APIGatewayIdentity = msgspec.field(default_factory=APIGatewayIdentity)
    authorizer: dict[str, Any] | None = None  # a Lambda authorizer's context, on CONNECT


class APIGatewayWebSocketEvent(_HTTPRequest, Generic[T], kw_only=True):
    """A WebSocket API event: $connect (with the handshake's headers and query), a
    message (with its `body`) or $disconnect. `body` is the frame's text, or a `T`."""

    request_context: APIGatewayWebSocketRequestContext
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    stage_variables: dict[str, str] | None = None
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False

    def header(self, name: str) -> str | None:
        """A header of the $connect handshake by its case-insensitive name, or None."""
        return _find_header(self.headers, self.multi_value_headers, name)


# -- HTTP API, payload format 2.0, and Lambda function URLs -------------------------------


class APIGatewayRequestHTTP(Model, kw_only=True):
    """The HTTP description of a payload 2.0 request (`requestContext.http`)."""

    method: str
    path: str
    protocol: str = ""
    source_ip: str = ""
    user_agent: str = ""


class APIGatewayAuthenticationV2(Model, kw_only=True):
    """The mutual TLS authentication of a payload 2.0 request."""

    client_cert: APIGatewayClientCert | None = None


class APIGatewayJWTAuthorizer(Model, kw_only=True):
    """What a JWT authorizer verified: the token's claims and scopes."""

    claims: dict[str, Any] = {}
    scopes: list[str] | None = None


class APIGatewayCognitoIdentity(Model, kw_only=True):
    """The Cognito identity behind IAM credentials."""

    amr: list[str] = []
    identity_id: str = ""
    identity_pool_id: str = ""


class APIGatewayIAMAuthorizer(Model, kw_only=True):
    """The IAM caller of a payload 2.0 request or function URL with IAM auth."""

    access_key: str | None = None
    account_id: str | None = None
    caller_id: str | None = None
    cognito_identity: APIGatewayCognitoIdentity | None = None
    principal_org_id: str | None = None
    user_arn: str | None = None
    user_id: str | None = None


class APIGatewayAuthorizerV2(Model, kw_only=True):
    """The authorizer of a payload 2.0 request: `jwt`, `iam`, or `lambda` (the context a
    Lambda authorizer returned, free-form; the attribute is `lambda_`)."""

    jwt: APIGatewayJWTAuthorizer | None = None
    iam: APIGatewayIAMAuthorizer | None = None
    lambda_: dict[str, Any] | None = msgspec.field(default=None, name="lambda")


class APIGatewayRequestContextV2(Model, kw_only=True):
    """The request context of a payload 2.0 request. `timeEpoch` is in milliseconds;
    function URLs send `accountId` "anonymous" without IAM auth, and null `authentication`."""

    request_id: str
    http: APIGatewayRequestHTTP
    account_id: str = ""
    api_id: str = ""
    domain_name: str = ""
    domain_prefix: str = ""
    route_key: str = ""
    stage: str = ""
    time: str = ""
    time_epoch: int = 0
    authentication: APIGatewayAuthenticationV2 | None = None
    authorizer: APIGatewayAuthorizerV2 | None = None


class APIGatewayProxyEventV2(_HTTPRequest, Generic[T], kw_only=True):
    """An HTTP API request, payload format 2.0. Repeated headers and query parameters
    arrive joined with commas; cookies come in `cookies`, not in `headers`; absent maps
    are null. `body` is the text as sent (base64 when `isBase64Encoded`), or a `T`."""

    version: str
    route_key: str
    raw_path: str
    raw_query_string: str = ""
    cookies: list[str] = []
    headers: dict[str, str] = {}
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: APIGatewayRequestContextV2
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False

    def header(self, name: str) -> str | None:
        """A request header by its case-insensitive name, or None (not cookies)."""
        return _find_header(self.headers, None, name)


class LambdaFunctionUrlEvent(APIGatewayProxyEventV2[T], kw_only=True):
    """A Lambda function URL request: the HTTP API payload 2.0 shape, with lowercase
    header names, `routeKey`/`stage` "$default", null `pathParameters`/`stageVariables`,
    and an `iam` authorizer only when the URL's auth type is AWS_IAM."""

    route_key: str | None = None  # type: ignore[assignment]  # "$default"; some senders leave it out


class APIGatewayProxyResponseV2(Model, kw_only=True):
    """The response to an HTTP API (payload 2.0) or function URL request. Only the fields
    set are encoded; `cookies` become Set-Cookie headers."""

    status_code: int
    headers: dict[str, str] = {}
    cookies: list[str] = []
    body: str = ""
    is_base64_encoded: bool = False


# -- Lambda authorizers -------------------------------------------------------------------


class APIGatewayAuthorizerTokenEvent(Model, kw_only=True):
    """A REST API TOKEN authorizer's event: the token from the identity source header."""

    type: str  # "TOKEN"
    authorization_token: str
    method_arn: str


class APIGatewayAuthorizerRequestContext(APIGatewayRequestContext, kw_only=True):
    """A REQUEST authorizer's request context: a REST API's, or a WebSocket API's on
    $connect (then `routeKey`, `eventType`, `connectionId` are set and the REST fields
    are mostly empty)."""

    route_key: str | None = None
    event_type: str | None = None
    connection_id: str | None = None
    connected_at: int | None = None
    message_direction: str | None = None


class APIGatewayAuthorizerRequestEvent(Model, kw_only=True):
    """A REQUEST authorizer's event for a REST API, or for a WebSocket API's $connect
    (no `resource`, `path`, `httpMethod` then). No body."""

    type: str  # "REQUEST"
    method_arn: str
    version: str | None = None
    identity_source: str | None = None
    authorization_token: str | None = None
    resource: str = ""
    path: str = ""
    http_method: str = ""
    headers: dict[str, str] | None = None
    multi_value_headers: dict[str, list[str]] | None = None
    query_string_parameters: dict[str, str] | None = None
    multi_value_query_string_parameters: dict[str, list[str]] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: APIGatewayAuthorizerRequestContext

    def header(self, name: str) -> str | None:
        """A request header by its case-insensitive name, or None."""
        return _find_header(self.headers, self.multi_value_headers, name)


class APIGatewayAuthorizerEventV2(Model, kw_only=True):
    """An HTTP API Lambda authorizer's event (payload 2.0): the request without its body;
    `identitySource` lists the identity sources' values."""

    version: str
    type: str  # "REQUEST"
    route_arn: str
    identity_source: list[str] | None = None
    route_key: str = ""
    raw_path: str = ""
    raw_query_string: str = ""
    cookies: list[str] = []
    headers: dict[str, str] = {}
    query_string_parameters: dict[str, str] | None = None
    path_parameters: dict[str, str] | None = None
    stage_variables: dict[str, str] | None = None
    request_context: APIGatewayRequestContextV2

    def header(self, name: str) -> str | None:
        """A request header by its case-insensitive name, or None."""
        return _find_header(self.headers, None, name)


class APIGatewayPolicyStatement(Model, kw_only=True, rename="pascal"):
    """One statement of an authorizer's IAM policy: `Action` "execute-api:Invoke",
    `Effect` "Allow" or "Deny", `Resource` method ARNs."""

    action: str | list[str]
    effect: str
    resource: str | list[str]
    condition: dict[str, Any] | None = None


class APIGatewayPolicyDocument(Model, kw_only=True, rename="pascal", omit_defaults=False):
    """An authorizer's IAM policy (`Version` is always encoded)."""

    version: str = "2012-10-17"
    statement: list[APIGatewayPolicyStatement]


class APIGatewayAuthorizerResponse(Model, kw_only=True):
    """A Lambda authorizer's IAM policy response (REST, WebSocket and HTTP APIs).
    `context` values must be strings, numbers or booleans; `usageIdentifierKey` is the
    API key of a usage plan (REST APIs)."""

    principal_id: str
    policy_document: APIGatewayPolicyDocument
    context: _AuthorizerContext = {}
    usage_identifier_key: str | None = None


class APIGatewayAuthorizerSimpleResponse(Model, kw_only=True):
    """An HTTP API Lambda authorizer's simple response (with simple responses enabled)."""

    is_authorized: bool
    context: _AuthorizerContext = {}


# -- Application Load Balancer ------------------------------------------------------------


class ALBElbContext(Model, kw_only=True):
    """The target group that forwarded the request."""

    target_group_arn: str


class ALBRequestContext(Model, kw_only=True):
    """An ALB request's context: only its target group."""

    elb: ALBElbContext


class ALBEvent(_HTTPRequest, Generic[T], kw_only=True):
    """An Application Load Balancer request. With multi-value headers enabled on the
    target group only the `multiValue...` maps come, else only the single-value ones
    (holding a repeated header's last value). Query parameters arrive percent-encoded as
    the client sent them. `body` is the text (base64 when `isBase64Encoded`), or a `T`."""

    request_context: ALBRequestContext
    http_method: str
    path: str
    query_string_parameters: dict[str, str] = {}
    multi_value_query_string_parameters: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    multi_value_headers: dict[str, list[str]] = {}
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False

    def header(self, name: str) -> str | None:
        """A request header by its case-insensitive name, or None."""
        return _find_header(self.headers, self.multi_value_headers, name)


class ALBResponse(Model, kw_only=True):
    """The response to an ALB (or VPC Lattice) request. Only the fields set are encoded;
    with multi-value headers enabled ALB reads `multi_value_headers`, else `headers`."""

    status_code: int
    status_description: str = ""  # "200 OK"
    headers: dict[str, str] = {}
    multi_value_headers: dict[str, list[str]] = {}
    body: str = ""
    is_base64_encoded: bool = False


# -- VPC Lattice --------------------------------------------------------------------------


class VPCLatticeEvent(_HTTPRequest, Generic[T], kw_only=True, rename=None):
    """A VPC Lattice request, event format v1: its keys are snake_case (`raw_path`,
    `is_base64_encoded`). `body` is the text (base64 when `is_base64_encoded`), or a `T`."""

    raw_path: str
    method: str
    headers: dict[str, str] = {}
    query_string_parameters: dict[str, str] = {}
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False


class VPCLatticeIdentity(Model, kw_only=True):
    """The caller of a VPC Lattice v2 request: `type` is "AWS_IAM" for a signed request
    (then `principal` is set); the `x509...` fields come with mutual TLS."""

    source_vpc_arn: str | None = None
    type: str | None = None
    principal: str | None = None
    principal_org_id: str | None = msgspec.field(default=None, name="principalOrgID")
    session_name: str | None = None
    x509_issuer_ou: str | None = None
    x509_san_dns: str | None = None
    x509_san_name_cn: str | None = None
    x509_san_uri: str | None = None
    x509_subject_cn: str | None = None


class VPCLatticeRequestContextV2(Model, kw_only=True):
    """A VPC Lattice v2 request's context; `timeEpoch` is microseconds, as a string."""

    service_network_arn: str = ""
    service_arn: str = ""
    target_group_arn: str = ""
    identity: VPCLatticeIdentity = msgspec.field(default_factory=VPCLatticeIdentity)
    region: str = ""
    time_epoch: str = ""


class VPCLatticeEventV2(_HTTPRequest, Generic[T], kw_only=True):
    """A VPC Lattice request, event format v2. Header and query values are lists of
    values (some senders give single strings). `body` is the text (base64 when
    `isBase64Encoded`), or a `T`."""

    version: str
    path: str
    method: str
    headers: dict[str, list[str] | str] = {}
    query_string_parameters: dict[str, list[str] | str] = {}
    body: T = None  # type: ignore[assignment]  # None when absent
    is_base64_encoded: bool = False
    request_context: VPCLatticeRequestContextV2 = msgspec.field(
        default_factory=VPCLatticeRequestContextV2
    )


# -- AWS Transfer Family custom identity provider ----------------------------------------


class TransferFamilyAuthorizerEvent(Model, kw_only=True):
    """A Transfer Family server's login to authenticate (custom identity provider).
    `password` is absent for a public key login."""

    username: str
    protocol: str  # "SFTP", "FTPS" or "FTP"
    server_id: str
    source_ip: str
    password: str | None = None


class TransferFamilyPosixProfile(Model, kw_only=True, rename="pascal"):
    """The POSIX identity of a user of an Amazon EFS backed server."""

    uid: int
    gid: int
    secondary_gids: list[int] = []


class TransferFamilyAuthorizerResponse(Model, kw_only=True, rename="pascal"):
    """The custom identity provider's answer: an empty response denies the login.
    `HomeDirectoryDetails` is a JSON string of Entry/Target mappings."""

    role: str | None = None
    policy: str | None = None
    home_directory: str | None = None
    home_directory_type: str | None = None  # "PATH" or "LOGICAL"
    home_directory_details: str | None = None
    public_keys: list[str] = []
    posix_profile: TransferFamilyPosixProfile | None = None
