"""HTTP events for the apps, made from the real samples of tests/events/ with the
method, path, query, headers and body of the request each test sends."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from compat.harness import load_event

SOURCES = ("apigw-v1", "apigw-v2", "function-url", "alb", "alb-multi")
JSON_HEADERS = {"content-type": "application/json"}


def http_event(
    source: str,
    method: str,
    path: str,
    *,
    query: dict[str, list[str]] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_params: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An event of `source` for one request. `body` is sent as JSON text unless it is
    a str; `resource` and `path_params` are API Gateway REST's route template and
    its values (Chalice routes on them)."""
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
        headers = {**JSON_HEADERS, **(headers or {})}
    builder = {
        "apigw-v1": _apigw_v1,
        "apigw-v2": _http_api,
        "function-url": _http_api,
        "alb": _alb,
        "alb-multi": _alb,
    }[source]
    return builder(source, method, path, query or {}, body, headers or {}, resource, path_params)


def _apigw_v1(source, method, path, query, body, headers, resource, path_params):
    event = load_event("apiGatewayProxyEvent.json")
    event.update(httpMethod=method, path=path, resource=resource or path, body=body)
    event["isBase64Encoded"] = False
    event["pathParameters"] = path_params
    event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} or None
    event["multiValueQueryStringParameters"] = dict(query) or None
    for name, value in headers.items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    context = event["requestContext"]
    context.update(httpMethod=method, path=path, resourcePath=resource or path)
    return event


def _http_api(source, method, path, query, body, headers, resource, path_params):
    sample = (
        "apiGatewayProxyV2Event.json" if source == "apigw-v2" else "lambdaFunctionUrlEvent.json"
    )
    event = load_event(sample)
    event.update(rawPath=path, rawQueryString=urlencode(query, doseq=True))
    event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()} or None
    if event["queryStringParameters"] is None:
        del event["queryStringParameters"]
    event.pop("pathParameters", None)
    if body is None:
        event.pop("body", None)
    else:
        event["body"] = body
    event["isBase64Encoded"] = False
    event["headers"].update(headers)
    event["requestContext"]["http"].update(method=method, path=path)
    return event


def _alb(source, method, path, query, body, headers, resource, path_params):
    if source == "alb":
        event = load_event("albEvent.json")
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
        event["headers"].update(headers)
    else:
        event = load_event("albMultiValueHeadersEvent.json")
        event["multiValueQueryStringParameters"] = dict(query)
        for name, value in headers.items():
            event["multiValueHeaders"][name] = [value]
    event.update(httpMethod=method, path=path, body=body or "", isBase64Encoded=False)
    return event
