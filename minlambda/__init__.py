"""minlambda: a minimalist AWS Lambda runtime for Python.

A ``@lambda_handler`` registers a function with its msgspec-typed event and
response; ``serve()`` runs the Lambda invocation loop inside Lambda, and the local
emulator outside it. ``python -m minlambda app.handler`` is a drop-in for
``python -m awslambdaric``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, NoReturn

from minlambda._context import Client, ClientContext, CognitoIdentity, Context, current_context
from minlambda._handler import lambda_handler

if TYPE_CHECKING:
    from minlambda._hooks import after_restore, before_snapshot, on_shutdown
    from minlambda._streaming import StreamingResponse

# imported on first use: a function that streams nothing and registers no hook never
# pays for them at cold start
_LAZY = {
    "StreamingResponse": "minlambda._streaming",
    "after_restore": "minlambda._hooks",
    "before_snapshot": "minlambda._hooks",
    "on_shutdown": "minlambda._hooks",
}

__all__ = [
    "Client",
    "ClientContext",
    "CognitoIdentity",
    "Context",
    "StreamingResponse",
    "after_restore",
    "before_snapshot",
    "current_context",
    "lambda_handler",
    "on_shutdown",
    "serve",
]
__version__ = "0.1.0"


def serve(handler: Any = None) -> NoReturn:
    """Serve a handler: the invocation loop inside Lambda, the local emulator outside.

    Parameters
    ----------
    handler : function or str, optional
        What to serve. By default the only registered handler, or, with several,
        the one ``_HANDLER`` names (``module.function``, ``module:function``, the
        function's name or its ``name=``).

    Inside Lambda (``AWS_LAMBDA_RUNTIME_API`` set) this never returns: a failure to
    find or build the handler is reported to ``/runtime/init/error`` and the
    process exits 1, as does a Runtime API that goes away. Outside Lambda it serves
    the handler on the local emulator (port ``MINLAMBDA_LOCAL_PORT``, default 9000)
    until Ctrl-C.
    """
    from minlambda._bootstrap import resolve, run_lambda

    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if address:
        run_lambda(address, lambda: resolve(handler))
    from minlambda._errors import RuntimeFault
    from minlambda._local.serve import serve_local
    from minlambda._logging import log_unhandled as log_error

    try:
        record = resolve(handler)
    except RuntimeFault as fault:
        log_error(fault.error_type, fault.message, fault.stack)
        raise SystemExit(1) from None
    serve_local(record)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'minlambda' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
