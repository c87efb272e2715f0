"""A script that serves its handler with serve(): `python serve_script.py`."""

from __future__ import annotations

from typing import Any

from minlambda import Context, lambda_handler, serve


@lambda_handler
def greet(event: Any, context: Context) -> dict[str, Any]:
    return {"hello": event.get("name"), "function_name": context.function_name}


if __name__ == "__main__":
    serve()
