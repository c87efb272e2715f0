"""The function behind Datadog's handler (`_HANDLER=datadog_lambda.handler.handler`,
`DD_LAMBDA_HANDLER` naming this one); with DD_FLUSH_TO_LOG=true its metrics are
printed to stdout, one JSON object a line."""

from __future__ import annotations

from datadog_lambda.metric import lambda_metric


def handler(event, context):
    lambda_metric("compat.orders", event["count"], tags=[f"order:{event['order']}"])
    if event.get("fail"):
        raise RuntimeError("datadog saw this")
    return {"request_id": context.aws_request_id}
