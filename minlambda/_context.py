# The Context handed to handlers, built from the /next headers and the environment.
#
# Attribute names follow the official Python runtime (awslambdaric's LambdaContext)
# so existing handlers keep working; `memory_limit_in_mb` is an int and
# `get_remaining_time_in_millis()` never goes below 0. The function-wide values
# (name, version, memory, log group and stream) are read from the environment once,
# into a `FunctionInfo`; per invocation only the headers are looked at.
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import msgspec

__all__ = [
    "Client",
    "ClientContext",
    "CognitoIdentity",
    "Context",
    "CURRENT",
    "FunctionInfo",
    "Slot",
    "current_context",
    "invocation_context",
    "parse_client_context",
    "parse_identity",
]

_decode_json = msgspec.json.Decoder().decode

class Slot:
    """Where the Context of the running invocation is kept: a Slot is set in a
    contextvar, and its `context` is set for the time of each invocation.

    A sync handler's runner sets its slot in the contextvar once and then only
    changes `slot.context` (two attribute stores, where setting and resetting the
    contextvar for every event costs about 0.4 µs). Asyncio tasks copy the context
    they start in, so an async handler's invocation gets a slot of its own.
    """

    __slots__ = ("context",)

    def __init__(self, context: Context | None = None) -> None:
        self.context = context


# The slot of the invocation running in this thread or task (None: none ever ran).
CURRENT: ContextVar[Slot | None] = ContextVar("minlambda_context", default=None)


def current_context() -> Context | None:
    """The Context of the invocation being handled, from anywhere in its code.

    Per thread and per asyncio task (a contextvar), so it is right under Lambda
    Managed Instances too, where several invocations run at once. None outside an
    invocation.
    """
    slot = CURRENT.get()
    return None if slot is None else slot.context


class CognitoIdentity:
    """The Amazon Cognito identity that invoked the function (mobile SDK)."""

    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(
        self, cognito_identity_id: str | None = None, cognito_identity_pool_id: str | None = None
    ) -> None:
        self.cognito_identity_id = cognito_identity_id
        self.cognito_identity_pool_id = cognito_identity_pool_id

    def __repr__(self) -> str:
        return (
            f"CognitoIdentity(cognito_identity_id={self.cognito_identity_id!r}, "
            f"cognito_identity_pool_id={self.cognito_identity_pool_id!r})"
        )


class Client:
    """The client application of a mobile SDK invocation."""

    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, fields: Mapping[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, fields.get(name))

    def __repr__(self) -> str:
        return "Client(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"


class ClientContext:
    """The client context a mobile SDK (or `X-Amz-Client-Context`) passed along."""

    __slots__ = ("client", "custom", "env")

    def __init__(self, fields: Mapping[str, Any]) -> None:
        client = fields.get("client")
        self.client = Client(client) if isinstance(client, Mapping) else None
        self.custom = fields.get("custom")
        self.env = fields.get("env")

    def __repr__(self) -> str:
        return f"ClientContext(client={self.client!r}, custom={self.custom!r}, env={self.env!r})"


class FunctionInfo:
    """The function-wide part of every Context, read from the environment once."""

    __slots__ = (
        "function_name",
        "function_version",
        "memory_limit_in_mb",
        "log_group_name",
        "log_stream_name",
    )

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        memory = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.memory_limit_in_mb = int(memory) if memory.isascii() and memory.isdigit() else 0
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")


class Context:
    """What the platform tells a handler about its invocation and function.

    Attributes
    ----------
    aws_request_id : str
        The invocation's request id.
    invoked_function_arn : str
        The ARN used to invoke the function (with its version or alias qualifier).
    function_name, function_version : str
        From ``AWS_LAMBDA_FUNCTION_NAME`` and ``AWS_LAMBDA_FUNCTION_VERSION``.
    memory_limit_in_mb : int
        From ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``.
    log_group_name, log_stream_name : str
        The CloudWatch Logs destination.
    identity : CognitoIdentity
        The Cognito identity (its fields are None when the invoker had none).
    client_context : ClientContext or None
        The mobile SDK client context, when one was sent.
    tenant_id : str or None
        The tenant id of a tenant-isolation invocation.
    deadline_ms : int
        The deadline, in milliseconds since the Unix epoch.
    trace_id : str or None
        The X-Ray trace header of the invocation.
    """

    # per invocation only what changes is stored; the function-wide values are read
    # through the shared FunctionInfo, and the identity object is made when asked for
    __slots__ = (
        "aws_request_id",
        "invoked_function_arn",
        "deadline_ms",
        "trace_id",
        "client_context",
        "tenant_id",
        "_identity",
        "_function",
    )

    def __init__(
        self,
        aws_request_id: str,
        deadline_ms: int,
        invoked_function_arn: str = "",
        trace_id: str | None = None,
        identity: CognitoIdentity | None = None,
        client_context: ClientContext | None = None,
        tenant_id: str | None = None,
        function: FunctionInfo | None = None,
    ) -> None:
        self.aws_request_id = aws_request_id
        self.invoked_function_arn = invoked_function_arn
        self.deadline_ms = deadline_ms
        self.trace_id = trace_id
        self._identity = identity
        self.client_context = client_context
        self.tenant_id = tenant_id
        self._function = function if function is not None else FunctionInfo()

    @property
    def identity(self) -> CognitoIdentity:
        identity = self._identity
        if identity is None:
            identity = self._identity = CognitoIdentity()
        return identity

    @property
    def function_name(self) -> str:
        return self._function.function_name

    @property
    def function_version(self) -> str:
        return self._function.function_version

    @property
    def memory_limit_in_mb(self) -> int:
        return self._function.memory_limit_in_mb

    @property
    def log_group_name(self) -> str:
        return self._function.log_group_name

    @property
    def log_stream_name(self) -> str:
        return self._function.log_stream_name

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the deadline, 0 once it has passed."""
        remaining = self.deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, message: object) -> None:
        """Write `message` to the function's log as it is (no newline added), as the
        official runtime's `context.log` does."""
        from minlambda._logging import write_log

        write_log(message)

    def __repr__(self) -> str:
        return (
            f"Context(aws_request_id={self.aws_request_id!r}, function_name={self.function_name!r}, "
            f"deadline_ms={self.deadline_ms!r})"
        )


def invocation_context(
    request_id: str,
    deadline_ms: int,
    headers: Mapping[str, str],
    function: FunctionInfo,
    identity: CognitoIdentity | None,
    client_context: ClientContext | None,
) -> Context:
    """A Context from /next headers, without Context.__init__'s argument handling
    (this runs once per invocation)."""
    context = _new_context(Context)
    context.aws_request_id = request_id
    context.deadline_ms = deadline_ms
    context.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn", "")
    context.trace_id = headers.get("lambda-runtime-trace-id")
    context.tenant_id = headers.get("lambda-runtime-aws-tenant-id")
    context.client_context = client_context
    context._identity = identity
    context._function = function
    return context


_new_context = object.__new__


def parse_client_context(text: str) -> ClientContext:
    """The Lambda-Runtime-Client-Context header; ValueError when it is not a JSON object."""
    value = _json_object(text, "client context")
    return ClientContext(value)


def parse_identity(text: str) -> CognitoIdentity:
    """The Lambda-Runtime-Cognito-Identity header; ValueError when it is not a JSON object."""
    value = _json_object(text, "Cognito identity")
    return CognitoIdentity(value.get("cognitoIdentityId"), value.get("cognitoIdentityPoolId"))


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = _decode_json(text.encode("utf-8", "surrogateescape"))
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"Unable to parse the {what}: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(
            f"Unable to parse the {what}: expected a JSON object, got {type(value).__name__}"
        )
    return value
