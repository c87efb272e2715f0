"""A runtime process that dies mid-invocation (Lambda kills it on a timeout, say) and
the one that replaces it: the new process serves on, nothing is answered twice, and
the API's only trace of the dead one is the invocation it never finished."""

from __future__ import annotations

import collections
import signal

from fakeapi import Event


def test_a_second_process_takes_over_after_the_first_is_killed(fake, proc):
    events = [Event({"i": 0}), Event({"i": 1, "sleep": 30}), Event({"i": 2}), Event({"i": 3})]
    api = fake(events)
    first = proc(["slow.handler"], api.address)
    assert api.wait(lambda: len(api.of_kind("next")) == 2)  # the sleeping invocation is running
    first.popen.send_signal(signal.SIGKILL)
    first.wait()
    second = proc(["slow.handler"], api.address)
    results = api.wait_results(3)
    api.wait_holding()
    posted = collections.Counter(r.target.split("/")[-2] for r in results)
    assert posted == {events[0].request_id: 1, events[2].request_id: 1, events[3].request_id: 1}
    assert {r.conn for r in results[1:]}.isdisjoint({results[0].conn})  # a new connection
    assert second.popen.poll() is None
    assert api.of_kind("init_error") == []
