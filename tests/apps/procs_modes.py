"""Handlers that declare how they run concurrently, or get the default."""
import asyncio
import os
import threading
import time

from minlambda import lambda_handler

INITS = []
INITS.append(os.getpid())


@lambda_handler(concurrency="threads")
def threaded(event, context):
    time.sleep(event.get("sleep", 0))
    loop = asyncio.get_event_loop()  # as Mangum does in its sync handler
    return {"pid": os.getpid(), "thread": threading.get_ident(), "loop": id(loop)}


@lambda_handler
async def tasks(event, context):
    await asyncio.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "loop": id(asyncio.get_running_loop())}


def plain(event, context):
    time.sleep(event.get("sleep", 0))
    loop = asyncio.get_event_loop()
    return {"pid": os.getpid(), "thread": threading.get_ident(), "loop": id(loop)}
