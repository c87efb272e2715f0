"""`python -m compat.agentapps.local_runner MODULE:ATTRIBUTE EVENT_JSON...`: the
handler served by `LocalRuntime` inside this program (whose `__main__` is this
module, not a runtime's), one invocation per event; prints one line per
result: "RESULT " and {"request_id", "ok", "payload"} as JSON. A process of its own, so that the agent
the handler's module sets up stays out of the test process."""

from __future__ import annotations

import importlib
import json
import os
import sys

from minlambda.testing import LocalRuntime


def main(target: str, events: list[str]) -> None:
    module, _, attribute = target.partition(":")
    handler = getattr(importlib.import_module(module), attribute)
    name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    with LocalRuntime(handler, function_name=name, timeout=30) as runtime:
        for event in events:
            result = runtime.invoke(json.loads(event))
            record = {
                "request_id": result.request_id,
                "ok": result.ok,
                "payload": json.loads(result.payload),
            }
            print("RESULT " + json.dumps(record), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
