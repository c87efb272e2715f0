"""Handlers written the way people write them for awslambdaric: plain, undecorated
`def handler(event, context)` functions that import nothing from minlambda.

tests/test_compat.py serves each one with `python -m awslambdaric` and with
`python -m minlambda` and compares what the invoker gets. Line numbers matter to the
stack trace comparisons: the tests look them up by the marker comments (`# <-`).
"""

import collections
import dataclasses
import datetime
import decimal
import logging
import os
import uuid

print("ric_style: imported")  # a module-level print, as many handlers have

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    """The event and every context attribute a handler usually reads."""
    client_context = None
    if context.client_context is not None:
        client = context.client_context.client
        client_context = {
            "custom": context.client_context.custom,
            "env": context.client_context.env,
            "client": None
            if client is None
            else {
                name: getattr(client, name)
                for name in (
                    "installation_id",
                    "app_title",
                    "app_version_name",
                    "app_version_code",
                    "app_package_name",
                )
            },
        }
    identity = context.identity
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "tenant_id": context.tenant_id,
        "client_context": client_context,
        "identity": {
            "cognito_identity_id": identity.cognito_identity_id,
            "cognito_identity_pool_id": identity.cognito_identity_pool_id,
        },
        "trace_id_env": os.environ.get("_X_AMZN_TRACE_ID"),
        "has_log": hasattr(context, "log"),
        "has_w3c": hasattr(context, "w3c"),
    }


def echo(event, context):
    return event


def returns_bytes(event, context):
    return b"\x00\xffraw bytes, not JSON"


class Opaque:
    pass


Point = collections.namedtuple("Point", "x y")


@dataclasses.dataclass
class Receipt:
    id: str
    total: int


VALUES = {
    "str": "hello",
    "list": [1, "a", None, True, 2.5],
    "none": None,
    "int": 42,
    "tuple": (1, 2),
    "namedtuple": Point(1, 2),
    "int_keys": {1: "a"},
    "decimal": {"price": decimal.Decimal("1.10")},
    "datetime": {"at": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)},
    "date": {"on": datetime.date(2024, 5, 1)},
    "uuid": {"id": uuid.UUID(int=1)},
    "dataclass": Receipt("r-1", 4),
    "set": {"tags": {"only"}},
    "nan": {"x": float("nan"), "y": float("-inf")},
    "object": {"o": Opaque()},
}


def returns(event, context):
    """Returns VALUES[event["case"]]."""
    return VALUES[event["case"]]


class PaymentDeclined(Exception):
    """A custom exception, as handlers define them."""


def _charge(card):
    raise PaymentDeclined(f"card {card} declined")  # <- charge raises


def raises(event, context):
    """A custom exception two frames deep, with no cause."""
    return _charge(event["card"])  # <- raises calls


def raises_chained(event, context):
    """A custom exception raised from a cause (`raise ... from ...`)."""
    try:
        int(event["amount"])  # <- the cause
    except ValueError as exc:
        raise PaymentDeclined("bad amount") from exc  # <- chained raise


def logs(event, context):
    """The root logger (set to INFO above) and print, inside an invocation."""
    logger.info("charging %s", event["card"])
    print("printed in the handler")
    return "logged"


def uses_context_log(event, context):
    context.log("written with context.log\n")
    return "ok"
