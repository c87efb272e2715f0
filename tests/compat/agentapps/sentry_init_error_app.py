"""Sentry initialised, then the module fails at import: the integration reports the
init error (it patches the runtime client's post_init_error)."""

from __future__ import annotations

import os

import sentry_sdk
from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    integrations=[AwsLambdaIntegration()],
    auto_enabling_integrations=False,
)

raise RuntimeError("the configuration is missing")


def handler(event, context):  # never reached
    return None
