"""Handlers of benchmarks/concurrency.py."""

import asyncio
import time

from minlambda import lambda_handler


@lambda_handler
async def io_bound(event):
    await asyncio.sleep(0.05)  # a 50 ms call to another service
    return {"ok": True}


@lambda_handler
async def cpu_bound_async(event):
    total = 0
    for i in range(event.get("n", 300_000)):  # the same work as slow_plain.cpu_bound
        total += i * i
    return {"ok": True}


@lambda_handler(stream=True)
def ticker(event):
    for i in range(5):
        yield f"tick {i}\n"
        time.sleep(0.1)
