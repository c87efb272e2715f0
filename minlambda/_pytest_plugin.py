"""The pytest plugin of minlambda (registered through the ``pytest11`` entry point).

It adds one fixture, ``lambda_runtime``: a function that starts a
`minlambda.testing.LocalRuntime` for a handler and closes it when the test ends::

    def test_charge(lambda_runtime):
        runtime = lambda_runtime(charge, timeout=3)
        assert runtime.invoke({"id": "a", "amount": 2}).json() == {"id": "a", "total": 4}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

__all__ = ["lambda_runtime"]


@pytest.fixture
def lambda_runtime() -> Iterator[Callable[..., Any]]:
    """Start a LocalRuntime for a handler: ``lambda_runtime(handler, timeout=None, function_name=None)``."""
    from minlambda.testing import LocalRuntime

    started: list[LocalRuntime] = []

    def start(handler: Any, **options: Any) -> LocalRuntime:
        runtime = LocalRuntime(handler, **options).start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in reversed(started):
        runtime.close()
