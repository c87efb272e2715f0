# concurrency: an async handler that calls a slow service, served several invocations
# at a time as under Lambda Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY=N): the
# invocations overlap on one event loop, so N of them take about as long as one.
#
#   AWS_LAMBDA_MAX_CONCURRENCY=8 python examples/concurrent_async.py
#   for i in 1 2 3 4 5 6 7 8; do curl -s -d '{"item": "'$i'"}' \
#       http://127.0.0.1:9000/2015-03-31/functions/function/invocations & done; wait
import asyncio
import time

from minlambda import current_context, lambda_handler, serve


async def slow_service(item: str) -> str:
    """Stands in for a call to another service (an HTTP API, a database): 200 ms."""
    await asyncio.sleep(0.2)
    return item.upper()


@lambda_handler
async def lookup(event: dict[str, str]) -> dict[str, object]:
    started = time.monotonic()
    value = await slow_service(event.get("item", ""))
    # per-invocation state is in a contextvar: right even with 8 invocations at once
    request_id = current_context().aws_request_id  # type: ignore[union-attr]
    return {"value": value, "request_id": request_id, "took_ms": round((time.monotonic() - started) * 1000)}


if __name__ == "__main__":
    serve()
