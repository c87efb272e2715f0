"""OpenTelemetry's AwsLambdaInstrumentor, as its documentation shows it: called at
the end of the handler's module, it wraps the attribute _HANDLER names. Each
finished span is written as one JSON line to OTEL_SPANS_FILE."""

from __future__ import annotations

import json
import os

from opentelemetry import trace
from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from compat.frameworks.rendezvous import meet


class FileExporter(SpanExporter):
    def __init__(self, path):
        self.path = path

    def export(self, spans):
        with open(self.path, "a") as file:
            for span in spans:
                record = {
                    "name": span.name,
                    "kind": span.kind.name,
                    "trace_id": format(span.context.trace_id, "032x"),
                    "status": span.status.status_code.name,
                    "attributes": dict(span.attributes),
                    "events": [event.name for event in span.events],
                }
                file.write(json.dumps(record) + "\n")
        return SpanExportResult.SUCCESS


provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(FileExporter(os.environ["OTEL_SPANS_FILE"])))
trace.set_tracer_provider(provider)


def handler(event, context):
    met = meet(event.get("batch"), context.aws_request_id, parties=2)  # processes mode
    if event.get("fail"):
        raise RuntimeError("no span left behind")
    if event.get("batch"):
        return {"request_id": context.aws_request_id, "pid": os.getpid(), "met": met}
    return {"request_id": context.aws_request_id}


AwsLambdaInstrumentor().instrument()
