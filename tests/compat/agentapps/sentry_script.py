"""A script that serves itself (`python sentry_script.py`, serve() in __main__):
Sentry's AwsLambdaIntegration finds no runtime to hook there, and minlambda says
so. `failing_wrapped` uses the documented way out, Sentry's serverless_function
decorator (SENTRY_SCRIPT_HANDLER picks the handler)."""

from __future__ import annotations

import os

import sentry_sdk
from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration
from sentry_sdk.integrations.serverless import serverless_function

from minlambda import serve

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    integrations=[AwsLambdaIntegration()],
    auto_enabling_integrations=False,
)


def failing(event, context):
    raise ValueError("not seen by the integration")


@serverless_function
def failing_wrapped(event, context):
    raise ValueError("seen by serverless_function")


if __name__ == "__main__":
    serve(globals()[os.environ["SENTRY_SCRIPT_HANDLER"]])
