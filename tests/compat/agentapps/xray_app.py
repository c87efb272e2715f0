"""aws-xray-sdk as documented for Lambda: `patch_all()` at import; inside an
invocation every subsegment (here a patched `requests` call) belongs to the
segment Lambda made, whose ids come from _X_AMZN_TRACE_ID. AWS_XRAY_DAEMON_ADDRESS
points at the test's UDP sink; XRAY_TARGET_URL at a local HTTP server."""

from __future__ import annotations

import os

import requests
from aws_xray_sdk.core import patch_all, xray_recorder

from compat.frameworks.rendezvous import meet

patch_all()


def handler(event, context):
    met = meet(event.get("batch"), event["order"], parties=2)  # processes mode
    requests.get(os.environ["XRAY_TARGET_URL"], timeout=5).raise_for_status()
    with xray_recorder.in_subsegment("work") as subsegment:
        subsegment.put_annotation("order", event["order"])
    segment = xray_recorder.current_segment()
    reply = {"trace_id": segment.trace_id, "parent_id": segment.id}
    if event.get("batch"):
        reply.update(pid=os.getpid(), met=met)
    return reply
