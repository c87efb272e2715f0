"""Plain handlers for `python -m minlambda invoke`: they write to stdout on purpose."""

from __future__ import annotations

import os
import sys
from typing import Any

print("cli_app: imported")  # at import time, on stdout

VERSION = "1.0"  # not a handler


def handler(event: Any, context: Any) -> dict[str, Any]:
    print("cli_app: handling", event)
    sys.stdout.write("cli_app: more output\n")
    os.write(1, b"cli_app: straight to fd 1\n")
    return {"event": event, "function_name": context.function_name}


def fail(event: Any, context: Any) -> Any:
    print("cli_app: about to fail")
    raise KeyError("missing-key")


def sleepy(event: Any, context: Any) -> Any:
    import time

    time.sleep(event["sleep"])
    return {"slept": event["sleep"]}
