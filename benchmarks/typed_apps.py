"""Echo handlers with msgspec Struct event and response types (minlambda-typed)."""

from typing import Any

import msgspec

from minlambda import lambda_handler


class Small(msgspec.Struct):
    id: str
    amount: int
    currency: str
    tags: list[str]


class Http(msgspec.Struct):
    method: str
    path: str
    sourceIp: str
    userAgent: str


class RequestContext(msgspec.Struct):
    accountId: str
    apiId: str
    domainName: str
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int
    http: Http


class HttpApiEvent(msgspec.Struct):
    version: str
    routeKey: str
    rawPath: str
    rawQueryString: str
    headers: dict[str, str]
    requestContext: RequestContext
    isBase64Encoded: bool
    cookies: list[str] = []
    queryStringParameters: dict[str, str] = {}
    pathParameters: dict[str, str] = {}
    stageVariables: dict[str, str] = {}
    body: str | None = None


class Blob(msgspec.Struct):
    data: str


@lambda_handler
def typed_small(event: Small, context: Any) -> Small:
    return event


@lambda_handler
def typed_http(event: HttpApiEvent, context: Any) -> HttpApiEvent:
    return event


@lambda_handler
def typed_blob(event: Blob, context: Any) -> Blob:
    return event
