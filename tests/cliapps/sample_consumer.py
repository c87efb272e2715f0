"""A handler typed with the minlambda.events model named by SAMPLE_MODEL, for piping
`python -m minlambda event SOURCE` into `python -m minlambda invoke`."""

import os
from typing import Any

import minlambda.events as events
from minlambda import lambda_handler

Model = getattr(events, os.environ.get("SAMPLE_MODEL", "SQSEvent"))


@lambda_handler
def handler(event: Model, context: Any) -> dict[str, Any]:  # type: ignore[valid-type]
    return {"model": type(event).__name__}
