"""The function behind Datadog's handler (`_HANDLER=datadog_lambda.handler.handler`,
`DD_LAMBDA_HANDLER` naming this one); with DD_FLUSH_TO_LOG=true its metrics are
printed to stdout, one JSON object a line."""

from __future__ import annotations

import os

from datadog_lambda.metric import lambda_metric

from compat.frameworks.rendezvous import meet


def handler(event, context):
    met = meet(event.get("batch"), event["order"], parties=2)  # processes mode
    lambda_metric("compat.orders", event["count"], tags=[f"order:{event['order']}"])
    if event.get("fail"):
        raise RuntimeError("datadog saw this")
    if event.get("batch"):
        return {"request_id": context.aws_request_id, "pid": os.getpid(), "met": met}
    return {"request_id": context.aws_request_id}
