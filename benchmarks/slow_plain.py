"""Plain handlers (no minlambda import), served by minlambda and by awslambdaric in
benchmarks/concurrency.py."""

import time


def io_sync(event, context):
    time.sleep(0.05)  # a 50 ms call to another service, blocking as most code does
    return {"ok": True}


def cpu_bound(event, context):
    total = 0
    for i in range(event.get("n", 300_000)):  # about 20-40 ms of pure Python
        total += i * i
    return {"ok": True}
