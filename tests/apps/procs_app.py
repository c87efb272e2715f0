"""For the processes-mode tests: the current request kept in a module global, as a
framework's app or a Powertools resolver keeps it."""
import logging
import os
import signal
import time

from minlambda import on_shutdown

logger = logging.getLogger("procs")
CURRENT: dict[str, str] = {}
print(f"init ran in {os.getpid()}", flush=True)


def route(event, context):
    CURRENT["path"] = event["path"]
    CURRENT["request_id"] = context.aws_request_id
    started = time.monotonic()
    if event.get("die"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(event.get("sleep", 0))
    for i in range(event.get("chatter", 0)):
        print(f"chatter {os.getpid()} {i:04d} " + "x" * 200)
    logger.warning("served %s", CURRENT["path"])
    return {
        "path": CURRENT["path"],
        "request_id": CURRENT["request_id"],
        "pid": os.getpid(),
        "trace_env": os.environ.get("_X_AMZN_TRACE_ID"),
        "started": started,
        "ended": time.monotonic(),
    }


@on_shutdown
def goodbye():
    print(f"shutdown hook ran in {os.getpid()}", flush=True)
