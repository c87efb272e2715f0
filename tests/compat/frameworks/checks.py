"""What every framework test checks: the same HTTP response under both runtimes, field
by field, and four concurrent invocations that each get their own answer."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from compat.frameworks.http_events import http_event
from compat.harness import FUNCTION, MEMORY, ML, RIC, TIMEOUT, Server, cli_invoke
from minlambda.testing import InvokeResult, LocalRuntime

# the fields of an HTTP integration's response, in the order they are compared
HTTP_FIELDS = (
    "statusCode",
    "statusDescription",
    "headers",
    "multiValueHeaders",
    "cookies",
    "body",
    "isBase64Encoded",
)
LOCAL = "LocalRuntime"
_ABSENT = "<absent>"
_CARETS = re.compile(r"[ \t\xa0~^]*[~^][ \t\xa0~^]*")


def http_response(result: InvokeResult, where: str) -> dict[str, Any]:
    """The response object a successful invocation returned."""
    assert result.ok, (where, result.payload[:2000])
    response = result.json()
    assert isinstance(response, dict) and "statusCode" in response, (where, response)
    return response


def assert_same_http(theirs: dict[str, Any], ours: dict[str, Any], where: str = "") -> None:
    """The same response, field by field, and no field more or less, in the same order."""
    for field in HTTP_FIELDS:
        assert ours.get(field, _ABSENT) == theirs.get(field, _ABSENT), (where, field)
    assert list(ours) == list(theirs), where


def body_json(response: dict[str, Any]) -> Any:
    """The JSON body of a response (Chalice's have no isBase64Encoded field)."""
    assert response.get("isBase64Encoded", False) is False
    return json.loads(response["body"])


def strip_carets(frame: str) -> str:
    """A stack trace entry without the `^^^^` lines Python 3.11+ adds under a frame
    (minlambda formats frames with their positions, awslambdaric without)."""
    lines = frame.splitlines(keepends=True)
    return "".join(line for line in lines if not _CARETS.fullmatch(line.rstrip("\n")))


def assert_same_error(theirs: InvokeResult, ours: InvokeResult) -> dict[str, Any]:
    """The same function error but for the request id and the caret lines."""
    assert not theirs.ok and not ours.ok
    their_error, our_error = theirs.json(), ours.json()
    assert list(our_error) == list(their_error) == [
        "errorMessage", "errorType", "requestId", "stackTrace",
    ]  # fmt: skip
    assert their_error["requestId"] == theirs.request_id
    assert our_error["requestId"] == ours.request_id
    for key in ("errorMessage", "errorType"):
        assert our_error[key] == their_error[key], key
    # the same frames; minlambda's may carry the `^^^^` line under the source line
    ours_trace, theirs_trace = our_error["stackTrace"], their_error["stackTrace"]
    assert len(ours_trace) == len(theirs_trace) > 0
    for our_frame, their_frame in zip(ours_trace, theirs_trace, strict=True):
        assert our_frame.startswith(their_frame), (our_frame, their_frame)
        assert strip_carets(our_frame) == their_frame
    return dict(their_error)


@contextmanager
def local_runtime(handler: Any) -> Iterator[LocalRuntime]:
    """`LocalRuntime(handler)` in this process, with the function's name and memory
    size the served processes have."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY)
        runtime = LocalRuntime(handler, function_name=FUNCTION, timeout=TIMEOUT).start()
    try:
        yield runtime
    finally:
        runtime.close()


# -- one event under every serving path -------------------------------------------------


def invoke_everywhere(apps: Apps, handler: str, func: Any, event: Any) -> dict[str, InvokeResult]:
    """`event` to `handler` served by awslambdaric and by minlambda (`apps`' servers),
    then to `func` (the same handler, imported) in a LocalRuntime: {where: result}."""
    ric, ml = apps.both(handler)
    return {RIC: ric.invoke(event), ML: ml.invoke(event), LOCAL: apps.local(func).invoke(event)}


def http_everywhere(
    apps: Apps, handler: str, func: Any, event: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The HTTP responses of `invoke_everywhere`: awslambdaric's (the reference),
    `python -m minlambda`'s and LocalRuntime's, each from a successful invocation."""
    results = invoke_everywhere(apps, handler, func, event)
    return (
        http_response(results[RIC], RIC),
        http_response(results[ML], "python -m minlambda"),
        http_response(results[LOCAL], LOCAL),
    )


def check_same_result_everywhere(
    apps: Apps, handler: str, func: Any, event: Any, expected: Any
) -> None:
    """A plain (not HTTP) handler answers `expected` under every serving path."""
    for where, result in invoke_everywhere(apps, handler, func, event).items():
        assert result.ok, (where, result.payload)
        assert result.json() == expected, where


def check_lambda_context(apps: Apps, handler: str, func: Any, event: Any) -> None:
    """`event` asks a route for what the app sees of the Lambda context: the same
    under every serving path, each with its own request id, but for one difference:
    memory_limit_in_mb is the environment's string under awslambdaric, an int under
    minlambda."""
    results = invoke_everywhere(apps, handler, func, event)
    replies = {where: body_json(http_response(r, where)) for where, r in results.items()}
    for where, reply in replies.items():
        assert reply.pop("request_id") == results[where].request_id
    same = {"function_name": FUNCTION, "remaining_ms_positive": True}
    assert replies == {
        RIC: {**same, "memory_limit_in_mb": "256"},
        ML: {**same, "memory_limit_in_mb": 256},
        LOCAL: {**same, "memory_limit_in_mb": 256},
    }


def check_minlambda_invoke(apps: Apps, handler: str, event: Any, status: int) -> None:
    """`python -m minlambda invoke` answers `event` as awslambdaric does, with `status`."""
    theirs = http_response(apps.server(RIC, handler).invoke(event), RIC)
    done = cli_invoke(handler, event)
    assert done.returncode == 0, done.stderr
    assert theirs["statusCode"] == status
    assert_same_http(theirs, done.json(), "minlambda invoke")


def record_of(stdout: str, request_id: str) -> str:
    """The log record (text format, a traceback over several lines) of one request."""
    records = re.split(r"(?=\[[A-Z]+\]\t\d{4}-\d\d-\d\dT)", stdout)
    (record,) = [r for r in records if f"\t{request_id}\t" in r]
    return record


def check_logged_traceback(
    ric: Server, ml: Server, event: dict[str, Any], message: str, last: str
) -> None:
    """`event` makes the app log `message` with a traceback ending in `last` (and
    answer 500): the same record under both runtimes, with the request id, but for
    the newline at its end.

    The difference: awslambdaric's text format ends in "\\n" before the traceback is
    appended, so a record with a traceback has no newline at its end and the next
    record starts on its last line (on stdout; inside Lambda the telemetry frames
    keep records apart); minlambda ends every record with a newline."""
    records = {}
    for server in (ric, ml):
        result = server.invoke(event)
        assert http_response(result, server.runtime)["statusCode"] == 500
        record = records[server.runtime] = record_of(server.stdout, result.request_id)
        first, *rest = record.split("\n")
        level, _, request_id, logged = first.split("\t")
        assert (level, request_id, logged) == ("[ERROR]", result.request_id, message)
        assert rest[0] == "Traceback (most recent call last):"
    assert records[RIC].endswith(f"\n{last}")
    assert records[ML].endswith(f"\n{last}\n")
    for _ in range(2):  # a second record, after the one with the traceback
        ric.invoke(event)
        ml.invoke(event)
    glued = f"{last}[ERROR]\t"
    assert glued in ric.stdout and glued not in ml.stdout
    assert records[RIC].split("\n")[1:] == records[ML].split("\n")[1:-1]


# -- four at once ----------------------------------------------------------------------

SlowEvent = Callable[[int, str], dict[str, Any]]  # (i, batch) -> the event of /slow/{i}


def slow_requests(source: str) -> SlowEvent:
    """The SlowEvent of a `GET /slow/{i}?batch=...` from `source` (see http_events)."""

    def slow(i: int, batch: str) -> dict[str, Any]:
        return http_event(source, "GET", f"/slow/{i}", query={"batch": [batch]})

    return slow


def serve_four(
    runtime: str, handler: str, slow_event: SlowEvent, rendezvous: Path, **env: str
) -> tuple[list[InvokeResult], str]:
    """Four `/slow/{i}` requests at once to `handler` served with
    AWS_LAMBDA_MAX_CONCURRENCY=4 (and `env`): the results in order, and stdout."""
    rendezvous.mkdir(exist_ok=True)
    batch = uuid.uuid4().hex[:12]
    events = [slow_event(i, batch) for i in range(4)]
    with Server(
        runtime, handler, AWS_LAMBDA_MAX_CONCURRENCY="4", COMPAT_RENDEZVOUS=str(rendezvous), **env
    ) as server:
        results = server.invoke_all(events)
        stdout = server.stdout
    return results, stdout


def check_four_at_once(
    handler: str, slow_event: SlowEvent, tmp_path: Path
) -> dict[str, list[dict[str, Any]]]:
    """Serve `handler` with AWS_LAMBDA_MAX_CONCURRENCY=4 under both runtimes and send
    four `/slow/{i}` requests at once to each. Every caller gets the answer to its own
    request, computed with its own request id, by a worker process of its own; the
    four were in flight together (they met); each one's log line carries its request
    id. Returns the responses, by runtime."""
    with ThreadPoolExecutor(2) as pool:
        futures = {
            runtime: pool.submit(serve_four, runtime, handler, slow_event, tmp_path / runtime)
            for runtime in (RIC, ML)
        }
        served = {runtime: future.result() for runtime, future in futures.items()}
    responses = {}
    for runtime, (results, stdout) in served.items():
        where = f"{runtime} {handler}"
        replies = []
        for i, result in enumerate(results):
            response = http_response(result, where)
            assert response["statusCode"] == 200, (where, response)
            reply = body_json(response)
            assert reply["i"] == i and reply["path"] == f"/slow/{i}", (where, i, reply)
            assert reply["request_id"] == result.request_id, (where, i, reply)
            assert reply["met"] == 4, (where, i, reply)  # all four in flight at once
            assert_logged_once(runtime, stdout, f"slow {i}", result.request_id)
            replies.append(reply)
            responses.setdefault(runtime, []).append(response)
        # one worker process each: nothing of one request's state is seen by another
        assert len({reply["pid"] for reply in replies}) == 4, (where, replies)
        assert len({result.request_id for result in results}) == 4
    # the same answers under both runtimes, but for the pids and request ids (and
    # the Content-Length that follows from them)
    for theirs, ours in zip(responses[RIC], responses[ML], strict=True):
        assert _without_ids(ours) == _without_ids(theirs)
    return responses


def serve_two(
    handler: str, events: Callable[[str], list[Any]], tmp_path: Path
) -> dict[str, tuple[list[InvokeResult], str]]:
    """`handler` served with AWS_LAMBDA_MAX_CONCURRENCY=2 by awslambdaric and by
    minlambda (side by side), the two events `events(batch)` sent to each at once
    (the batch lets the handler wait for the other): {runtime: (the results in
    order, stdout)}."""

    def serve(runtime: str) -> tuple[list[InvokeResult], str]:
        rendezvous = tmp_path / runtime
        rendezvous.mkdir(parents=True, exist_ok=True)
        with Server(
            runtime, handler, AWS_LAMBDA_MAX_CONCURRENCY="2", COMPAT_RENDEZVOUS=str(rendezvous)
        ) as server:
            results = server.invoke_all(events(uuid.uuid4().hex[:12]))
            return results, server.stdout

    with ThreadPoolExecutor(2) as pool:
        futures = {runtime: pool.submit(serve, runtime) for runtime in (RIC, ML)}
        return {runtime: future.result() for runtime, future in futures.items()}


def check_threads_share_the_app(handler: str, slow_event: SlowEvent, tmp_path: Path) -> None:
    """What processes mode is for: the same four requests in minlambda's opt-in
    threads mode (MINLAMBDA_CONCURRENCY=threads) run at once in one process, and an
    app that keeps the current request in a global gives all four the last one's."""
    results, _ = serve_four(ML, handler, slow_event, tmp_path, MINLAMBDA_CONCURRENCY="threads")
    replies = [body_json(http_response(result, "threads")) for result in results]
    assert [reply["met"] for reply in replies] == [4] * 4
    assert len({reply["pid"] for reply in replies}) == 1
    assert [reply["i"] for reply in replies] == [0, 1, 2, 3]  # the route's own argument
    # but the request and context the app holds: one for all four
    assert len({reply["path"] for reply in replies}) == 1, replies
    assert len({reply["request_id"] for reply in replies}) == 1, replies
    assert replies[0]["request_id"] in {result.request_id for result in results}


def assert_logged_once(runtime: str, stdout: str, message: str, request_id: str) -> None:
    """`message`, logged with the standard `logging` module under
    AWS_LAMBDA_MAX_CONCURRENCY, is on stdout once, with the request id.

    The difference: with AWS_LAMBDA_LOG_FORMAT unset, awslambdaric's workers log in
    its text format; minlambda logs JSON, as Lambda Managed Instances require (there
    the platform sets AWS_LAMBDA_LOG_FORMAT=JSON, and both log JSON)."""
    lines = stdout.splitlines()
    if runtime == RIC:
        (line,) = [line for line in lines if line.endswith(f"\t{message}")]
        assert re.fullmatch(rf"\[WARNING\]\t\S+Z\t{request_id}\t{message}", line), line
        return
    records = [json.loads(line) for line in lines if line.startswith("{")]
    (record,) = [record for record in records if record.get("message") == message]
    assert list(record) == ["timestamp", "level", "message", "logger", "requestId"]
    assert (record["level"], record["requestId"]) == ("WARNING", request_id)


def _without_ids(response: dict[str, Any]) -> dict[str, Any]:
    response = dict(response)
    body = json.loads(response.pop("body"))
    del body["pid"], body["request_id"]
    for key in ("headers", "multiValueHeaders"):
        if response.get(key):
            response[key] = {
                name: value
                for name, value in response[key].items()
                if name.lower() != "content-length"
            }
    return {**response, "body": body}


# -- one served process per app and runtime, one LocalRuntime per app --------------------


class Apps:
    """Started on first use, kept for the test module (a module-scoped fixture), so
    that each app is imported once per runtime however many calls it gets."""

    def __init__(self) -> None:
        self._servers: dict[tuple[str, str], Server] = {}
        self._locals: dict[int, tuple[Any, Any]] = {}

    def server(self, runtime: str, handler: str) -> Server:
        key = (runtime, handler)
        if key not in self._servers:
            self._servers[key] = Server(runtime, handler)
        return self._servers[key]

    def both(self, handler: str) -> tuple[Server, Server]:
        """awslambdaric's and minlambda's servers of `handler`, started together."""
        ric, ml = self.server(RIC, handler), self.server(ML, handler)
        return ric, ml

    def local(self, func: Any) -> LocalRuntime:
        key = id(func)
        if key not in self._locals:
            manager = local_runtime(func)
            self._locals[key] = (manager, manager.__enter__())
        return self._locals[key][1]

    def close(self) -> None:
        for server in self._servers.values():
            server.close()
            server.cleanup()
        for manager, _ in self._locals.values():
            manager.__exit__(None, None, None)

    def __enter__(self) -> Apps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
