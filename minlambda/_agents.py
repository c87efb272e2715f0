# What agents that hook the official runtime find under `python -m minlambda`.
#
# Most agents wrap the handler (a decorator, or a handler of theirs that imports
# the user's): those need nothing from a runtime. A few patch the official runtime
# instead: Sentry's AwsLambdaIntegration (and Honeybadger's plugin, written the same
# way) look, at sentry_sdk.init, for awslambdaric's bootstrap module: among other
# places `sys.modules["__main__"].bootstrap`, which is where `python -m awslambdaric`
# keeps it. They replace its
#
#   handle_event_request(lambda_runtime_client, request_handler, *args, **kwargs)
#
# by one that wraps `request_handler` (the user's function) and calls the original,
# and LambdaRuntimeClient's post_invocation_result / post_invocation_error /
# post_init_error by ones that flush the agent's queue first. Finding nothing, the
# integration turns itself off without a word (a debug log at most).
#
# This module is that `bootstrap` (minlambda.__main__ exposes it under that name;
# no top-level `bootstrap` module is registered: a user may have a bootstrap.py).
# Nothing here runs per invocation unless an agent patched something: `attach()`
# runs once, after the handler's module was imported (sentry_sdk.init runs at
# import), and when nothing was patched it returns the handler as it is. When
# something was, it runs the patched chain once with the original function, which
# hands back the request handler it is given: what comes back is the handler as
# the agents wrapped it. The Handler it returns calls that, then the (patched)
# post_invocation_* method, before the runtime encodes and posts the result.
#
# Rules: imported at every cold start of `python -m minlambda`: nothing heavy.
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from minlambda._handler import Handler

__all__ = ["LambdaRuntimeClient", "attach", "handle_event_request", "init_failed"]


def handle_event_request(
    lambda_runtime_client: Any, request_handler: Any, *args: Any, **kwargs: Any
) -> Any:
    """awslambdaric's hook, for agents to replace: minlambda calls it once, at init,
    and takes what it returns (`request_handler` as the replacements wrapped it) as
    the function to call for every invocation."""
    return request_handler


class LambdaRuntimeClient:
    """awslambdaric's runtime client, for agents to patch: minlambda calls the
    post methods of one instance right before it posts an invocation's result or
    error (or an init error). They post nothing themselves; their arguments are
    awslambdaric's, but the payloads are not yet encoded (None)."""

    def post_invocation_result(
        self,
        invoke_id: str,
        result_data: Any = None,
        content_type: str = "application/json",
        invocation_id: str | None = None,
    ) -> None:
        pass

    def post_invocation_error(
        self,
        invoke_id: str,
        error_response_data: Any = None,
        xray_fault: Any = None,
        invocation_id: str | None = None,
    ) -> None:
        pass

    def post_init_error(self, error_response_data: Any, error_type_override: Any = None) -> None:
        pass


_HANDLE = handle_event_request
_POSTS = (
    LambdaRuntimeClient.post_invocation_result,
    LambdaRuntimeClient.post_invocation_error,
)
_POST_INIT_ERROR = LambdaRuntimeClient.post_init_error


def attach(handler: Handler) -> Handler:
    """The handler to serve once agents had their say: `handler` itself when no
    agent patched this module (nothing added to any invocation), else a copy
    whose call goes through the agents' wrapper and flush hooks."""
    client_class = LambdaRuntimeClient
    wraps = handle_event_request is not _HANDLE
    posts = (client_class.post_invocation_result, client_class.post_invocation_error) != _POSTS
    if not wraps and not posts:
        _warn_if_disabled()
        return handler
    if handler.stream:
        # the result is posted chunk by chunk, long after the call returned:
        # awslambdaric, which the agents were written for, has no streaming
        return handler
    request_handler = _two_arguments(handler.call, handler.arity)
    wrapped = request_handler
    if wraps and not handler.is_async:
        # an agent's wrapper is a sync function around a sync call; an `async def`
        # handler (which awslambdaric does not run) keeps only the flush hooks
        wrapped = handle_event_request(client_class(), request_handler)
        if not callable(wrapped):
            sys.stderr.write(
                "minlambda: an agent replaced handle_event_request, but it does not give "
                "back the request handler: the agent's wrapper is not used\n"
            )
            wrapped = request_handler
    client = client_class()
    post_result = client.post_invocation_result
    post_error = client.post_invocation_error
    call: Callable[..., Any]
    if handler.is_async:

        async def call(event: Any, context: Any) -> Any:
            try:
                result = await wrapped(event, context)
            except Exception:
                post_error(context.aws_request_id)
                raise
            post_result(context.aws_request_id)
            return result

    else:

        def call(event: Any, context: Any) -> Any:
            try:
                result = wrapped(event, context)
            except Exception:
                post_error(context.aws_request_id)
                raise
            post_result(context.aws_request_id)
            return result

    cls = type(handler)
    attached = object.__new__(cls)  # a copy of the handler, its schemas included
    for name in cls.__slots__:
        setattr(attached, name, getattr(handler, name))
    attached.call = call
    attached.arity = 2
    return attached


def init_failed(error_type: str, message: str, stack: list[str]) -> None:
    """Tell the agents that patched post_init_error about an init error (Sentry
    reports it), before the runtime posts it to /runtime/init/error."""
    if LambdaRuntimeClient.post_init_error is _POST_INIT_ERROR:
        return
    error = {"errorMessage": message, "errorType": error_type, "stackTrace": stack}

    def post() -> None:
        try:
            LambdaRuntimeClient().post_init_error(error)
        except Exception as exc:  # the init error is what must get out
            sys.stderr.write(f"minlambda: an agent's post_init_error failed: {exc!r}\n")

    # in a thread of its own, where no exception is being handled: the caller may be
    # in an `except RuntimeFault` block, and Sentry reports sys.exc_info() when there
    # is one (ours, not the user's) and the error JSON it is given otherwise, which
    # is what awslambdaric gets it to do
    import threading

    thread = threading.Thread(target=post, name="minlambda-init-error")
    thread.start()
    thread.join()


def _two_arguments(call: Callable[..., Any], arity: int) -> Callable[[Any, Any], Any]:
    """The handler's call as awslambdaric calls a request handler: (event, context)."""
    if arity == 2:
        return call
    if arity == 1:

        def with_event(event: Any, context: Any) -> Any:
            return call(event)

        return with_event

    def without_arguments(event: Any, context: Any) -> Any:
        return call()

    return without_arguments


def _warn_if_disabled() -> None:
    """Sentry initialised with its AwsLambdaIntegration that found no bootstrap here
    (the handler's module was run as __main__, `python app.py` with serve(), or the
    runtime was embedded): say so once, since the integration will not."""
    sentry = sys.modules.get("sentry_sdk")
    if sentry is None:
        return
    try:
        active = sentry.get_client().get_integration("aws_lambda") is not None
    except Exception:
        return
    if active:
        sys.stderr.write(
            "minlambda: Sentry's AwsLambdaIntegration is disabled: it hooks the runtime "
            "through `python -m minlambda` (or `python -m awslambdaric`), not through "
            "serve() in a script. Serve the function with `python -m minlambda "
            "module.function`, or decorate the handler with "
            "sentry_sdk.integrations.serverless.serverless_function\n"
        )
