"""Review of minlambda._loop.thread_event_loop on the main thread: finding the
thread's loop must not touch the process-wide warnings filters, which other
threads (started by libraries at import) use at the same time."""

from __future__ import annotations

import asyncio
import threading
import warnings
from typing import Any

import pytest

from minlambda._loop import _set_loop, thread_event_loop


@pytest.fixture(autouse=True)
def _main_threads_loop_put_back():
    """These tests set the main thread's loop: the one it had (made by code imported
    earlier in the session, Mangum's for one) is put back, not dropped unclosed."""
    before = _set_loop()
    yield
    asyncio.set_event_loop(before)


def test_finding_the_main_threads_loop_leaves_other_threads_warning_filters_alone(
    monkeypatch: pytest.MonkeyPatch,
):
    assert threading.current_thread() is threading.main_thread()
    entered, inside, left = threading.Event(), threading.Event(), threading.Event()

    def other_thread() -> None:
        # a library's thread: its own filters, for a moment
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            entered.set()
            inside.wait(5)
        left.set()

    real = asyncio.get_event_loop

    def get_event_loop() -> Any:
        inside.set()  # the other thread leaves its catch_warnings block now
        left.wait(5)
        return real()

    loop = asyncio.new_event_loop()
    previous = list(warnings.filters)
    thread = threading.Thread(target=other_thread)
    try:
        asyncio.set_event_loop(loop)
        thread.start()
        assert entered.wait(5)
        monkeypatch.setattr(asyncio, "get_event_loop", get_event_loop)
        found, made = thread_event_loop()
        inside.set()
        thread.join(5)
        assert (found, made) == (loop, False)
        # the other thread's temporary "error" filter was not put back for good
        assert warnings.filters == previous
    finally:
        warnings.filters[:] = previous
        asyncio.set_event_loop(None)
        loop.close()


def test_the_main_thread_gets_a_loop_of_its_own_when_it_has_none():
    asyncio.set_event_loop(None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loop, made = thread_event_loop()
    try:
        assert made and not loop.is_closed()
        again, made_again = thread_event_loop()
        assert again is loop and not made_again
    finally:
        asyncio.set_event_loop(None)
        loop.close()
