"""A module whose import of a missing dependency fails."""

from __future__ import annotations

import minlambda_missing_dependency_xyz  # noqa: F401


def handler(event, context):  # pragma: no cover - never reached
    return event
