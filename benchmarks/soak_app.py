"""The soak benchmark's function: reports its invocation's trace id and a counter."""
import os

from minlambda import lambda_handler


@lambda_handler
def handler(event: dict, context) -> dict:
    return {"n": event["n"], "trace": os.environ.get("_X_AMZN_TRACE_ID", "")}
