"""Echo, decorated; prints to stdout so tests can see where output goes."""
from typing import Any

from minlambda import Context, lambda_handler


@lambda_handler
def handler(event: Any, context: Context) -> Any:
    print("echo called", flush=True)
    return event
