"""Plain handlers (no minlambda import), served by minlambda and by awslambdaric in
benchmarks/concurrency.py."""

import time


def io_sync(event, context):
    time.sleep(0.05)  # a 50 ms call to another service, blocking as most code does
    return {"ok": True}
