"""A web handler for `local --http` and `.http()` tests: routes on the path, any source."""

import base64
import json
import os
import time
from typing import Any

BINARY = bytes(range(256))


def _reply(event: dict[str, Any], headers: dict[str, str], body: str, **more: Any) -> Any:
    # an ALB with multi-value headers on takes only multiValueHeaders
    if event.get("multiValueHeaders") and not event.get("headers"):
        return {"multiValueHeaders": {k: [v] for k, v in headers.items()}, "body": body, **more}
    return {"headers": headers, "body": body, **more}


def handler(event: dict[str, Any], context: Any) -> Any:
    path = event.get("rawPath") or event.get("path")
    http = event.get("requestContext", {}).get("http", {})
    method = http.get("method") or event.get("httpMethod")
    if path == "/boom":
        raise ValueError(f"boom at {path}")
    if path == "/slow":
        time.sleep(30)
    if path == "/exit":
        os._exit(3)
    if path == "/bin":
        body = base64.b64encode(BINARY).decode()
        headers = {"Content-Type": "image/png"}
        return _reply(event, headers, body, statusCode=200, isBase64Encoded=True)
    if path == "/plain":
        return {"hello": "plain", "n": [1, 2]}
    if path == "/text":
        return "just text"
    if path == "/cookies":
        if "rawPath" in event:
            return {"statusCode": 201, "cookies": ["a=1", "b=2; Path=/"], "body": "ok"}
        multi = {"Set-Cookie": ["a=1", "b=2; Path=/"]}
        return {"statusCode": 201, "multiValueHeaders": multi, "body": "ok"}
    if path == "/malformed":
        return {"body": {"not": "a string"}}
    echo = {"method": method, "path": path, "event": event}
    return _reply(event, {"Content-Type": "application/json"}, json.dumps(echo), statusCode=200)
