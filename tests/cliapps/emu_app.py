"""Plain (undecorated) handlers served by `python -m minlambda emu_app.<name>` against
the emulator, and by LocalRuntime("emu_app.<name>") in process; `raw` is decorated, as
only @lambda_handler reads annotations (its `bytes` ones: the payload undecoded)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from minlambda import lambda_handler


class PaymentDeclined(Exception):
    pass


def _client_context(context: Any) -> Any:
    cc = context.client_context
    if cc is None:
        return None
    client = cc.client
    return {
        "custom": cc.custom,
        "env": cc.env,
        "client": None
        if client is None
        else {
            "installation_id": client.installation_id,
            "app_title": client.app_title,
            "app_version_name": client.app_version_name,
            "app_version_code": client.app_version_code,
            "app_package_name": client.app_package_name,
        },
    }


def describe(event: Any, context: Any) -> dict[str, Any]:
    """Everything the handler can see of its invocation."""
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "deadline_ms": context.deadline_ms,
        "trace_id": context.trace_id,
        "trace_env": os.environ.get("_X_AMZN_TRACE_ID"),
        "identity": [
            context.identity.cognito_identity_id,
            context.identity.cognito_identity_pool_id,
        ],
        "client_context": _client_context(context),
        "tenant_id": context.tenant_id,
        "pid": os.getpid(),
    }


def decline(card: str) -> None:
    raise PaymentDeclined(f"card {card} declined")


def fail(event: Any, context: Any) -> Any:
    decline(event["card"])


def slow(event: Any, context: Any) -> Any:
    """Touch event["mark"] (so a test knows the event arrived), then sleep event["sleep"]."""
    mark = event.get("mark")
    if mark:
        with open(mark, "w"):
            pass
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0), "pid": os.getpid()}


def sized(event: Any, context: Any) -> bytes:
    """A response of exactly event["size"] bytes, sent verbatim."""
    return b"x" * event["size"]


@lambda_handler
def raw(event: bytes, context: Any) -> bytes:
    """The raw payload, undecoded, reversed."""
    return bytes(reversed(event))


def bail_out(event: Any, context: Any) -> Any:
    """Exit the process from inside the handler."""
    sys.exit(event.get("code", 3))
