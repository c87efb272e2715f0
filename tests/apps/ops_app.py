"""For the operations tests: slow handlers, shutdown and SnapStart hooks."""
import asyncio
import os
import sys
import time

from minlambda import after_restore, before_snapshot, lambda_handler, on_shutdown

MARKS = os.environ.get("OPS_MARKS", "")


def _mark(text):
    if MARKS:
        with open(MARKS, "a") as f:
            f.write(text + "\n")


@lambda_handler
def sleeper(event):
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}


async def _deep_wait(seconds):
    await asyncio.sleep(seconds)


@lambda_handler
async def async_sleeper(event):
    await _deep_wait(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}


if os.environ.get("OPS_HOOKS"):
    @on_shutdown
    def close_pool():
        _mark("shutdown: close_pool")

    @on_shutdown
    async def flush_metrics():
        await asyncio.sleep(0)
        _mark("shutdown: flush_metrics")

    @before_snapshot
    def prepare():
        _mark("before_snapshot")
        if os.environ.get("OPS_FAIL") == "before":
            raise RuntimeError("cannot snapshot")

    @after_restore
    def refresh():
        _mark("after_restore")
        if os.environ.get("OPS_FAIL") == "after":
            raise RuntimeError("cannot restore")


if os.environ.get("OPS_SLOW_SHUTDOWN"):
    @on_shutdown
    def too_slow():
        _mark("shutdown: too_slow started")
        time.sleep(30)
        _mark("shutdown: too_slow finished")

sys.stdout.flush()


@lambda_handler
def chatty(event):
    print("before the long wait")
    print("to stderr too", file=sys.stderr)
    time.sleep(event.get("sleep", 0))
    return {"slept": event.get("sleep", 0)}
