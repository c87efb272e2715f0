"""For the Managed Instances tests: init prints once; handlers report what they saw."""
import asyncio
import os
import sys
import time

from minlambda import current_context, lambda_handler

print("init ran", flush=True)


@lambda_handler
def sleepy(event):
    started = time.monotonic()
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("this one fails")
    if event.get("exit"):
        sys.exit(3)
    return {"started": started, "ended": time.monotonic(),
            "trace_env": os.environ.get("_X_AMZN_TRACE_ID"),
            "request_id": current_context().aws_request_id}


@lambda_handler
async def napping(event):
    mine = current_context().aws_request_id
    started = time.monotonic()
    await asyncio.sleep(event.get("sleep", 0))
    return {"started": started, "ended": time.monotonic(), "loop": id(asyncio.get_running_loop()),
            "same_context": current_context().aws_request_id == mine, "request_id": mine}
