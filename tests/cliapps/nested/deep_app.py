"""A handler file in a subfolder (for the `path/to/file.py:function` form)."""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {"where": "nested", "event": event}
