"""Sentry's AwsLambdaIntegration, initialised at import as Sentry documents it.

The integration does not wrap `handler`: it patches the runtime it finds (the
official runtime's bootstrap, or minlambda's stand-in). SENTRY_DSN points at the
test's local sink.
"""

from __future__ import annotations

import os

import sentry_sdk
from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration

from compat.frameworks.rendezvous import meet

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    integrations=[AwsLambdaIntegration()],
    traces_sample_rate=1.0,
    # only what this test looks at: no framework is probed at init
    auto_enabling_integrations=False,
)


def handler(event, context):
    # two at once (processes mode): both in flight before either reports
    met = meet(event.get("batch"), context.aws_request_id, parties=2)
    if event.get("fail"):
        raise ValueError(f"order {event['fail']} failed")
    if event.get("batch"):
        return {"request_id": context.aws_request_id, "pid": os.getpid(), "met": met}
    return {"request_id": context.aws_request_id}


def one_argument(event):
    if event.get("fail"):
        raise KeyError(event["fail"])
    return {"ok": True}


async def async_handler(event, context):
    sentry_sdk.capture_message(f"async {context.aws_request_id}")
    return {"request_id": context.aws_request_id}
