"""minlambda as a drop-in for awslambdaric, and next to Powertools for AWS Lambda.

Part 1 serves each handler of tests/compatapps/ric_style.py (plain, undecorated
`def handler(event, context)` functions) with `python -m awslambdaric` and with
`python -m minlambda`, each a subprocess against its own Emulator with the
environment Lambda sets, sends both the same events and compares what the invoker
gets. Where the two differ on purpose the test asserts the exact difference, so it
cannot drift silently; docs/migrating.md lists every one of them.

Part 2 runs Powertools' Logger and parser on minlambda handlers
(tests/compatapps/powertools_app.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import awslambdaric  # noqa: F401 - a dev dependency: the runtime we compare against
import pytest
from conftest import CARET_LINE, ROOT, assert_same_frames_but_carets, clean_env

from minlambda.testing import Emulator, InvokeResult, LocalRuntime

TESTS = Path(__file__).parent
COMPAT = TESTS / "compatapps"
EVENTS = TESTS / "events"
RIC, ML = "awslambdaric", "minlambda"
FUNCTION = "compat-fn"
ARN = f"arn:aws:lambda:us-east-1:012345678912:function:{FUNCTION}"
TIMEOUT = 30  # the function timeout, seconds: the emulator's deadline
# What Lambda sets in a function's environment (the emulator sets the ARN and the
# deadline itself, from its function_name and timeout).
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION}",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2024/05/01/[$LATEST]0123456789abcdef",
    "LAMBDA_TASK_ROOT": str(TESTS),
    # awslambdaric makes stdout unbuffered itself, minlambda does not (yet): see
    # test_print_reaches_stdout_unbuffered. Set here so output comparisons are exact.
    "PYTHONUNBUFFERED": "1",
}
CAUSE_LINK = "\nThe above exception was the direct cause of the following exception:\n\n"
# awslambdaric's warning before every init error (minlambda logs none)
RIC_INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code."
)
_STDLIB = str(Path(sysconfig.get_paths()["stdlib"]) / "importlib")


# -- serving a handler under a runtime ------------------------------------------------------


@dataclass
class Served:
    results: list[InvokeResult]
    stdout: str
    stderr: str
    returncode: int | None  # None: still serving when the invocations were done


Call = tuple[Any, dict[str, Any]]  # an event and the keyword options of invoke()


def serve(
    runtime: str,
    handler: str,
    calls: list[Call],
    *,
    args: list[str] | None = None,
    cwd: Path = TESTS,
    **env: str | None,
) -> Served:
    """Serve `handler` with `python -m <runtime>` against a fresh Emulator, make the
    `calls` in order, then stop the process (or wait for it to exit, when init
    failed or there were no calls)."""
    with Emulator(function_name=FUNCTION, timeout=TIMEOUT) as emulator:
        environ = clean_env(
            AWS_LAMBDA_RUNTIME_API=emulator.runtime_api,
            _HANDLER=handler,
            **{**LAMBDA_ENV, **env},
        )
        command = [sys.executable, "-m", runtime, *([handler] if args is None else args)]
        proc = subprocess.Popen(
            command, env=environ, cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            results = [emulator.invoke(event, **options) for event, options in calls]
            if not results or results[-1].status == 502:
                proc.wait(10)  # init failed: the runtime exits by itself
        finally:
            if proc.poll() is None:
                proc.kill()
                returncode = None
            else:
                returncode = proc.returncode
            out, err = proc.communicate(timeout=10)
    return Served(results, out.decode(), err.decode(), returncode)


def both(handler: str, calls: list[Call], **kwargs: Any) -> tuple[Served, Served]:
    """The same handler and calls under awslambdaric and minlambda, side by side."""
    with ThreadPoolExecutor(2) as pool:
        ric = pool.submit(serve, RIC, handler, calls, **kwargs)
        ml = pool.submit(serve, ML, handler, calls, **kwargs)
        return ric.result(), ml.result()


def one(event: Any, **options: Any) -> list[Call]:
    return [(event, options)]


def error_log_lines(stdout: str) -> list[str]:
    """The `[ERROR] ...` lines: one line per error, its own lines joined by \\r."""
    return [line for line in stdout.split("\n") if line.startswith("[ERROR]")]


def load_event(name: str) -> dict[str, Any]:
    with open(EVENTS / name, "rb") as file:
        event: dict[str, Any] = json.load(file)
    return event


# -- part 1: the same handler under both runtimes ---------------------------------------------


def test_context_attributes_are_the_same():
    calls = [
        (
            {"order": "o-1"},
            {
                "client_context": {
                    "custom": {"k": "v"},
                    "env": {"platform": "Android"},
                    "client": {"installation_id": "i-1", "app_title": "shop"},
                },
                "identity": {"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
                "tenant_id": "tenant-7",
            },
        ),
        ({"order": "o-2"}, {}),
    ]
    ric, ml = both("compatapps.ric_style.handler", calls)
    seen = []
    for served in (ric, ml):
        assert served.returncode is None, served.stderr
        assert [r.ok for r in served.results] == [True, True]
        bodies = []
        for result in served.results:
            assert result.headers["content-type"] == "application/json"
            body = result.json()
            # per invocation: the request id the invoker got, a live deadline, a trace id
            assert body.pop("aws_request_id") == result.request_id
            assert 0 < body.pop("remaining_ms") <= TIMEOUT * 1000
            assert body.pop("trace_id_env").startswith("Root=1-")
            bodies.append(body)
        seen.append(bodies)
    ric_bodies, ml_bodies = seen

    expected_first = {
        "event": {"order": "o-1"},
        "function_name": FUNCTION,
        "function_version": "$LATEST",
        "invoked_function_arn": ARN,
        "log_group_name": f"/aws/lambda/{FUNCTION}",
        "log_stream_name": LAMBDA_ENV["AWS_LAMBDA_LOG_STREAM_NAME"],
        "tenant_id": "tenant-7",
        "client_context": {
            "custom": {"k": "v"},
            "env": {"platform": "Android"},
            "client": {
                "installation_id": "i-1",
                "app_title": "shop",
                "app_version_name": None,
                "app_version_code": None,
                "app_package_name": None,
            },
        },
        "identity": {"cognito_identity_id": "id-1", "cognito_identity_pool_id": "pool-1"},
    }
    expected_second = {
        **expected_first,
        "event": {"order": "o-2"},
        "tenant_id": None,
        "client_context": None,
        "identity": {"cognito_identity_id": None, "cognito_identity_pool_id": None},
    }
    # The differences: memory_limit_in_mb is the environment's string under
    # awslambdaric and an int under minlambda; both have log(), only awslambdaric's
    # context has w3c().
    for bodies, memory, extras in (
        (ric_bodies, "256", {"has_log": True, "has_w3c": True}),
        (ml_bodies, 256, {"has_log": True, "has_w3c": False}),
    ):
        assert bodies == [
            {**expected_first, "memory_limit_in_mb": memory, **extras},
            {**expected_second, "memory_limit_in_mb": memory, **extras},
        ]


def test_json_formatting_differs_only_in_whitespace_and_escapes():
    event = {"text": "caf\u00e9 \u2028", "numbers": [1.5, 1e100, -0.0, 10], "nested": {"a": []}}
    ric, ml = both("compatapps.ric_style.echo", one(event))
    (ric_result,), (ml_result,) = ric.results, ml.results
    assert ric_result.json() == ml_result.json() == event
    # awslambdaric: simplejson's ", " and ": " separators, non-ASCII escaped (unless
    # AWS_EXECUTION_ENV names python3.12 or later); minlambda: compact UTF-8.
    assert ric_result.payload == (
        b'{"text": "caf\\u00e9 \\u2028", "numbers": [1.5, 1e+100, -0.0, 10], "nested": {"a": []}}'
    )
    assert ml_result.payload == (
        '{"text":"caf\u00e9 \u2028","numbers":[1.5,1e100,-0.0,10],"nested":{"a":[]}}'.encode()
    )


def test_bytes_are_sent_verbatim_by_both():
    ric, ml = both("compatapps.ric_style.returns_bytes", one({}))
    for served in (ric, ml):
        (result,) = served.results
        assert result.ok
        assert result.payload == b"\x00\xffraw bytes, not JSON"
        assert result.headers["content-type"] == "application/unknown"


# what each case of ric_style.returns gives: (awslambdaric, minlambda), each the
# payload bytes or ("error", errorType, errorMessage)
RETURNS: dict[str, tuple[Any, Any]] = {
    "str": (b'"hello"', b'"hello"'),
    "none": (b"null", b"null"),
    "int": (b"42", b"42"),
    "list": (b'[1, "a", null, true, 2.5]', b'[1,"a",null,true,2.5]'),
    "tuple": (b"[1, 2]", b"[1,2]"),
    "int_keys": (b'{"1": "a"}', b'{"1":"a"}'),
    # a namedtuple: an object under awslambdaric (simplejson), an array under minlambda
    "namedtuple": (b'{"x": 1, "y": 2}', b"[1,2]"),
    # a Decimal (what boto3 gives for DynamoDB numbers): a JSON number under both
    "decimal": (b'{"price": 1.10}', b'{"price":1.10}'),
    # datetimes and sets: awslambdaric refuses them, minlambda encodes them
    "datetime": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type datetime is not JSON serializable"),
        b'{"at":"2024-05-01T12:30:00Z"}',
    ),
    "set": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type set is not JSON serializable"),
        b'{"tags":["only"]}',
    ),
    "date": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type date is not JSON serializable"),
        b'{"on":"2024-05-01"}',
    ),
    "uuid": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type UUID is not JSON serializable"),
        b'{"id":"00000000-0000-0000-0000-000000000001"}',
    ),
    "dataclass": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type Receipt is not JSON serializable"),
        b'{"id":"r-1","total":4}',
    ),
    # NaN and infinities: awslambdaric sends `NaN`, `-Infinity`, which are not JSON;
    # minlambda sends null
    "nan": (b'{"x": NaN, "y": -Infinity}', b'{"x":null,"y":null}'),
    # an object neither can encode: the same errorType, different words
    "object": (
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Object of type Opaque is not JSON serializable"),
        ("error", "Runtime.MarshalError",
         "Unable to marshal response: Encoding objects of type Opaque is unsupported"),
    ),
}  # fmt: skip


def test_return_values():
    cases = list(RETURNS)
    ric, ml = both("compatapps.ric_style.returns", [({"case": case}, {}) for case in cases])
    for served, column in ((ric, 0), (ml, 1)):
        assert served.returncode is None, served.stderr
        for case, result in zip(cases, served.results, strict=True):
            expected = RETURNS[case][column]
            if isinstance(expected, bytes):
                assert result.ok, (served, case, result.payload)
                assert result.payload == expected, (served, case)
                assert result.headers["content-type"] == "application/json"
            else:
                _, error_type, message = expected
                assert not result.ok, (served, case)
                error = result.json()
                assert (error["errorType"], error["errorMessage"]) == (error_type, message)
                assert error["requestId"] == result.request_id
                assert error["stackTrace"] == []
    # minlambda's runtime errors also say where: errorDetails
    assert "errorDetails" not in ric.results[cases.index("object")].json()
    assert ml.results[cases.index("object")].json()["errorDetails"] == {
        "location": "response",
        "path": "$",
        "reason": "Encoding objects of type Opaque is unsupported",
    }


def test_events_that_are_not_json():
    ric, ml = both("compatapps.ric_style.echo", [(b"not json", {}), (b"", {})])
    for served in (ric, ml):
        for result in served.results:
            error = result.json()
            assert error["errorType"] == "Runtime.UnmarshalError"
            assert error["requestId"] == result.request_id
            assert error["stackTrace"] == []
    # the same prefix; the reason is each JSON library's own
    assert [r.json()["errorMessage"] for r in ric.results] == [
        "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
        "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)",
    ]
    assert [r.json()["errorMessage"] for r in ml.results] == [
        "Unable to unmarshal input: JSON is malformed: invalid character (byte 4)",
        "Unable to unmarshal input: the event is empty",
    ]


def test_custom_exception():
    ric, ml = both("compatapps.ric_style.raises", one({"card": "4000"}))
    (ric_result,), (ml_result,) = ric.results, ml.results
    ric_error, ml_error = ric_result.json(), ml_result.json()
    for result, error in ((ric_result, ric_error), (ml_result, ml_error)):
        assert not result.ok
        assert result.headers["x-amz-function-error"] == "Unhandled"
        assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
        assert error["errorType"] == "PaymentDeclined"
        assert error["errorMessage"] == "card 4000 declined"
        assert error["requestId"] == result.request_id
        # the user's frames only, outermost first, the raise last
        trace = error["stackTrace"]
        assert isinstance(trace, list) and all(isinstance(frame, str) for frame in trace)
        assert [frame.split(", in ")[1].split("\n")[0] for frame in trace] == ["raises", "_charge"]
        assert "# <- charge raises" in trace[-1]
    assert_same_frames_but_carets(ml_error["stackTrace"], ric_error["stackTrace"])
    # and the one log line each runtime writes for it, the same but for the carets
    (ric_line,), (ml_line,) = error_log_lines(ric.stdout), error_log_lines(ml.stdout)
    assert ric_line.startswith("[ERROR] PaymentDeclined: card 4000 declined\rTraceback")
    ml_parts = [p for p in ml_line.split("\r") if not CARET_LINE.fullmatch(p)]
    assert "\r".join(ml_parts) == ric_line


def test_chained_exception():
    ric, ml = both("compatapps.ric_style.raises_chained", one({"amount": "x"}))
    (ric_result,), (ml_result,) = ric.results, ml.results
    ric_error, ml_error = ric_result.json(), ml_result.json()
    for error in (ric_error, ml_error):
        assert error["errorType"] == "PaymentDeclined"
        assert error["errorMessage"] == "bad amount"
    # awslambdaric lists the frames of the raised exception only; minlambda puts its
    # causes first, each with its "Type: message" line and Python's link line, as
    # a Python traceback reads. Its last frames are awslambdaric's whole trace.
    ric_trace, ml_trace = ric_error["stackTrace"], ml_error["stackTrace"]
    assert len(ric_trace) == 1 and "# <- chained raise" in ric_trace[0]
    assert len(ml_trace) == 4
    assert_same_frames_but_carets(ml_trace[-1:], ric_trace)
    cause_frame, cause_line, link = ml_trace[:3]
    assert "in raises_chained" in cause_frame and "# <- the cause" in cause_frame
    assert cause_line == "ValueError: invalid literal for int() with base 10: 'x'\n"
    assert link == CAUSE_LINK


def test_logging_and_print_inside_an_invocation():
    ric, ml = both("compatapps.ric_style.logs", one({"card": "4000"}))
    for served in (ric, ml):
        (result,) = served.results
        assert result.payload == b'"logged"'
        # the root logger's line: level, UTC timestamp, request id, message
        lines = served.stdout.splitlines()
        assert lines[0] == "ric_style: imported"  # the module-level print
        assert re.fullmatch(
            r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t"
            + re.escape(result.request_id)
            + r"\tcharging 4000",
            lines[1],
        ), lines
        assert lines[2:] == ["printed in the handler"]


@pytest.mark.parametrize(
    "runtime",
    [RIC, ML],
)
def test_print_reaches_stdout_unbuffered(runtime):
    served = serve(runtime, "compatapps.ric_style.logs", one({"card": "4000"}),
                   PYTHONUNBUFFERED=None)  # fmt: skip
    assert served.results[0].ok
    # the process is killed right after the response (as Lambda may freeze or end it):
    # what the handler printed must already be out
    assert "printed in the handler" in served.stdout.splitlines()


def test_context_log_writes_to_the_log_under_both():
    ric, ml = both("compatapps.ric_style.uses_context_log", one({}))
    for served in (ric, ml):
        assert served.results[0].payload == b'"ok"'
        assert "written with context.log" in served.stdout.splitlines()


def _is_import_machinery(frame: str) -> bool:
    return frame.startswith(f'  File "{_STDLIB}') or frame.startswith('  File "<frozen importlib.')


def test_init_error_raised_by_the_module():
    ric, ml = both("compatapps.init_raises.handler", one({}))
    ric_error, ml_error = ric.results[0].json(), ml.results[0].json()
    for served, error in ((ric, ric_error), (ml, ml_error)):
        (result,) = served.results
        assert result.status == 502
        assert served.returncode == 1
        assert error["errorType"] == "ConfigMissing"
        assert error["errorMessage"] == "TABLE_NAME is not set"
        assert error["requestId"] == ""
        assert "# <- init raise" in error["stackTrace"][-1]
        assert "in <module>" in error["stackTrace"][-2]
    # awslambdaric's trace starts in the import machinery (importlib and its frozen
    # frames); minlambda's starts in the user's module. The rest is the same.
    ric_trace = ric_error["stackTrace"]
    machinery = [frame for frame in ric_trace if _is_import_machinery(frame)]
    assert machinery and ric_trace[: len(machinery)] == machinery
    assert not any(_is_import_machinery(frame) for frame in ml_error["stackTrace"])
    assert_same_frames_but_carets(ml_error["stackTrace"], ric_trace[len(machinery) :])
    assert RIC_INIT_WARNING in ric.stdout and RIC_INIT_WARNING not in ml.stdout


# handler, errorType, errorMessage (awslambdaric), errorMessage (minlambda), stackTrace
INIT_ERRORS = [
    (
        "compatapps.init_import_error.handler",
        "Runtime.ImportModuleError",
        "Unable to import module 'compatapps.init_import_error': No module named 'module_that_is_not_installed'",
        None,
        [],
    ),
    (
        "syntax_error.handler",  # tests/apps/syntax_error.py, on PYTHONPATH
        "Runtime.UserCodeSyntaxError",
        "Syntax error in module 'syntax_error': expected ':' (syntax_error.py, line 1)",
        None,
        [
            f'  File "{TESTS / "apps" / "syntax_error.py"}" Line 1\n    def handler(event, context)\n'
        ],
    ),
    (
        "compatapps.ric_style.no_such_function",
        "Runtime.HandlerNotFound",
        "Handler 'no_such_function' missing on module 'compatapps.ric_style'",
        None,
        [],
    ),
    (
        "sys.handler",
        "Runtime.BuiltInModuleConflict",
        "Cannot use built-in module sys as a handler module",
        None,
        [],
    ),
    (
        "no_dot_in_it",
        "Runtime.MalformedHandlerName",
        "Bad handler 'no_dot_in_it': not enough values to unpack (expected 2, got 1)",
        "Bad handler 'no_dot_in_it': expected module.function, module:function, "
        "path/to/file.py or path/to/file.py:function",
        [],
    ),
]


@pytest.mark.parametrize(
    ("handler", "error_type", "ric_message", "ml_message", "trace"),
    INIT_ERRORS,
    ids=[case[1] for case in INIT_ERRORS],
)
def test_init_errors(handler, error_type, ric_message, ml_message, trace):
    ric, ml = both(handler, one({}))
    for served, message in ((ric, ric_message), (ml, ml_message or ric_message)):
        (result,) = served.results
        assert result.status == 502
        assert served.returncode == 1
        assert result.json() == {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": "",
            "stackTrace": trace,
        }
        # the module was imported (and printed) before its handler was looked up
        imported = "ric_style: imported" in served.stdout.splitlines()
        assert imported == handler.startswith("compatapps.ric_style.")
        (line,) = error_log_lines(served.stdout)
        assert line.startswith(f"[ERROR] {error_type}: {message}")
    # with no frames awslambdaric still writes the "Traceback" header; minlambda not
    if not trace:
        assert error_log_lines(ric.stdout)[0].endswith("\rTraceback (most recent call last):")
        assert error_log_lines(ml.stdout)[0] == f"[ERROR] {error_type}: {ml_message or ric_message}"


def test_handler_string_with_slashes():
    ric, ml = both("compatapps/ric_style.echo", one({"a": 1}))
    assert ric.results[0].json() == ml.results[0].json() == {"a": 1}


def test_handler_from_the_environment_and_lambda_task_root():
    # minlambda takes the handler from _HANDLER when given none, and puts
    # LAMBDA_TASK_ROOT on sys.path; awslambdaric needs the argument and imports
    # from the working directory (the image's WORKDIR) or PYTHONPATH only.
    ml = serve(ML, "compatapps.ric_style.echo", one({"a": 1}), args=[], cwd=ROOT)
    assert ml.results[0].json() == {"a": 1}
    ric = serve(RIC, "compatapps.ric_style.echo", one({"a": 1}), cwd=ROOT)
    assert ric.results[0].json() == {
        "errorMessage": "Unable to import module 'compatapps.ric_style': No module named 'compatapps'",
        "errorType": "Runtime.ImportModuleError",
        "requestId": "",
        "stackTrace": [],
    }
    ric_no_arg = serve(RIC, "compatapps.ric_style.echo", [], args=[])
    assert ric_no_arg.returncode == 1
    assert "ValueError: Handler not set" in ric_no_arg.stderr


# -- part 2: Powertools on minlambda handlers ---------------------------------------------------


@pytest.fixture(scope="module")
def app() -> Iterator[ModuleType]:
    """tests/compatapps/powertools_app.py, imported in this process."""
    import compatapps.powertools_app as module

    yield module


def _powertools_lines(stdout: str) -> list[dict[str, Any]]:
    records = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("service") == "orders":
                records.append(record)
    return records


def test_powertools_logger_inject_lambda_context():
    calls = [({"id": "o-1"}, {}), ({"id": "o-2"}, {})]
    ric, ml = both("compatapps.powertools_app.logged", calls)
    keys = None
    for served, memory in ((ric, "256"), (ml, 256)):
        assert [r.json() for r in served.results] == [{"logged": "o-1"}, {"logged": "o-2"}]
        records = _powertools_lines(served.stdout)
        assert len(records) == 2, served.stdout  # one line each: nothing logged twice
        for record, result, cold in zip(records, served.results, (True, False), strict=True):
            assert record["function_request_id"] == result.request_id
            assert record["function_name"] == FUNCTION
            assert record["function_arn"] == ARN
            assert record["function_memory_size"] == memory  # the context's own type
            assert record["cold_start"] is cold
            assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", record["xray_trace_id"])
            assert (record["level"], record["message"], record["order_id"]) == (
                "INFO", "charging", result.json()["logged"],
            )  # fmt: skip
        if keys is None:
            keys = [list(record) for record in records]
        else:
            assert [list(record) for record in records] == keys  # same fields, same order


SQS_SAMPLE = "sqsEvent.json"
SQS_IDS = ["059f36b4-87a3-44ab-83d2-661975830a7d", "2e1424d4-f796-459a-8184-9c92662be6da"]


def test_event_parser_under_lambda_handler(app):
    event = load_event(SQS_SAMPLE)
    for handler in (app.parsed, app.parsed_untyped, app.parsed_inside):
        with LocalRuntime(handler) as runtime:
            result = runtime.invoke(event)
            # an event that is not an SQS event is the parser's ValidationError
            error = runtime.invoke({"Records": [{"messageId": 1}]}).error
        assert result.json() == SQS_IDS, (handler, result.payload)
        assert error is not None and error["errorType"] == "ValidationError"


def test_pydantic_annotation_needs_event_any():
    # @lambda_handler reads the event type from the annotation it finds through
    # functools.wraps: a pydantic model is not a msgspec schema, and the module
    # fails to import (an init error) until the decorator says event=Any
    with LocalRuntime("compatapps.pydantic_annotated.handler") as runtime:
        error = runtime.invoke({}).error
    assert error is not None and error["errorType"] == "Runtime.InvalidSchema"
    assert error["errorMessage"] == (
        "handler compatapps.pydantic_annotated.handler: event type SqsModel is not a schema "
        "msgspec can use: SqsModel is a plain class (use a msgspec.Struct, a dataclass, a "
        "TypedDict, ...)"
    )


def test_event_parser_outermost(app):
    event = load_event(SQS_SAMPLE)
    # served as the module attribute (the container's CMD, or the function itself):
    # the parser's wrapper runs
    ml = serve(ML, "compatapps.powertools_app.parsed_outer", one(event))
    assert ml.results[0].json() == SQS_IDS
    with LocalRuntime(app.parsed_outer) as runtime:
        assert runtime.invoke(event).json() == SQS_IDS
    # by its name once the module is imported (what serve() and _HANDLER selection
    # do too): still the wrapper, with the options @lambda_handler was given
    with LocalRuntime("compatapps.powertools_app.parsed_outer") as runtime:
        assert runtime.invoke(event).json() == SQS_IDS
    from minlambda._handler import select

    chosen = select("compatapps.powertools_app.parsed_outer")
    assert chosen.func is app.parsed_outer and chosen.name == "compatapps.powertools_app.parsed_outer"


def test_same_sample_through_both_models(app):
    event = load_event(SQS_SAMPLE)
    with LocalRuntime(app.summary_minlambda) as runtime:
        ours = runtime.invoke(event).json()
    with LocalRuntime(app.summary_powertools) as runtime:
        theirs = runtime.invoke(event).json()
    assert ours == theirs
    assert [record["message_id"] for record in ours] == SQS_IDS
    assert ours[0]["message_attributes"] == {"testAttr": ["Number", "100", "base64Str"]}
    assert ours[0]["sent_timestamp_ms"] == 1545082649183


def _orders_event(amounts: list[Any]) -> dict[str, Any]:
    event = load_event(SQS_SAMPLE)
    for index, (record, amount) in enumerate(zip(event["Records"], amounts, strict=True)):
        record["body"] = json.dumps({"id": f"o-{index}", "amount": amount})
    return event


def test_envelope_and_typed_event(app):
    good = _orders_event([2, 3])
    for handler in (app.total_powertools, app.total_minlambda):
        with LocalRuntime(handler) as runtime:
            assert runtime.invoke(good).json() == 5
    bad = _orders_event([2, "three"])
    with LocalRuntime(app.total_powertools) as runtime:
        theirs = runtime.invoke(bad).error
    with LocalRuntime(app.total_minlambda) as runtime:
        ours = runtime.invoke(bad).error
    # Powertools: pydantic's exception, raised in the handler; minlambda: the
    # runtime's own error, before the handler runs, with the path into the body
    assert theirs is not None and theirs["errorType"] == "ValidationError"
    assert "amount" in theirs["errorMessage"] and theirs["stackTrace"]
    assert ours is not None and ours["errorType"] == "Runtime.ValidationError"
    assert ours["errorDetails"] == {
        "location": "event",
        "path": "$.Records[1].body.amount",
        "reason": "Expected `int`, got `str`",
    }


def test_batch_mode_reports_the_failed_records(app):
    event = _orders_event([2, -1])
    with LocalRuntime(app.charge_each) as runtime:
        result = runtime.invoke(event)
    assert result.json() == {"batchItemFailures": [{"itemIdentifier": SQS_IDS[1]}]}
