# operations: logging in the platform's formats, a shutdown hook, and the deadline
# watchdog. Run with AWS_LAMBDA_LOG_FORMAT=JSON for JSON logs, and
# MINLAMBDA_DEADLINE_WARNING_MS=500 to see where a slow invocation is; Ctrl-C (or
# SIGTERM, as Lambda sends at shutdown) runs the @on_shutdown hook.
import logging
import time

from minlambda import Context, lambda_handler, on_shutdown, serve

log = logging.getLogger("orders")
processed: list[str] = []


@lambda_handler
def handle(event: dict[str, object], context: Context) -> dict[str, object]:
    order = str(event.get("order", "?"))
    log.info("processing order", extra={"order": order})
    time.sleep(float(str(event.get("work_s", 0))))  # stands in for slow work
    processed.append(order)
    return {"order": order, "request_id": context.aws_request_id}


@on_shutdown
def report() -> None:
    # in Lambda: flush metrics, close pools; it has about 450 ms
    print(f"shutting down after {len(processed)} orders", flush=True)


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    serve()
