"""A Chalice app with Sentry's ChaliceIntegration (which wraps Chalice's view
dispatch, not the runtime). SENTRY_DSN points at the test's local sink."""

from __future__ import annotations

import os

import sentry_sdk
from chalice import Chalice
from sentry_sdk.integrations.chalice import ChaliceIntegration

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    integrations=[ChaliceIntegration()],
    auto_enabling_integrations=False,
)

app = Chalice(app_name="sentry-shop")


@app.route("/ok")
def ok():
    return {"ok": True}


@app.route("/boom")
def boom():
    raise RuntimeError("the chalice is empty")
