"""The command line, as real subprocesses in tests/cliapps: `python -m minlambda --help`,
`invoke` (stdout carries the payload and nothing else; exit 0/1/2), `local` (the
emulator with the handler in it, stopped with Ctrl-C), and `serve()` in a script run
outside Lambda."""

from __future__ import annotations

import http.client
import json
import os
import pty
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import assert_same_error_but_carets

from minlambda._cli import USAGE

HERE = Path(__file__).resolve().parent
CLIAPPS = HERE / "cliapps"
ROOT = HERE.parent
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_SCRUB = (
    "AWS_LAMBDA_",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "LAMBDA_TASK_ROOT",
    "_LAMBDA_",
    "MINLAMBDA_",
)


def child_env(**extra: str) -> dict[str, str]:
    """os.environ without anything that steers the runtime, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def cli(
    *args: str,
    input: bytes | None = None,  # noqa: A002 - subprocess.run's name
    stdin: Any = subprocess.DEVNULL,
    timeout: float = 30,
    **env: str,
) -> subprocess.CompletedProcess[bytes]:
    """`python -m minlambda ARGS` in tests/cliapps, to completion."""
    return subprocess.run(
        [sys.executable, "-m", "minlambda", *args],
        cwd=CLIAPPS,
        env=child_env(**env),
        input=input,
        stdin=None if input is not None else stdin,
        capture_output=True,
        timeout=timeout,
    )


def frame(module_file: str, function: str, code: str) -> str:
    path = CLIAPPS / module_file
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.strip() == code)
    return f'  File "{path}", line {number}, in {function}\n    {code}\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(port: int, body: bytes) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", INVOKE_PATH, body=body)
        response = conn.getresponse()
        try:
            data = response.read()
        finally:
            response.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


# -- the top level ------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_help(flag: str) -> None:
    done = cli(flag)
    assert done.returncode == 0
    assert done.stderr == b""
    text = done.stdout.decode()
    assert text.startswith("usage: python -m minlambda [HANDLER]\n")
    assert "python -m minlambda invoke HANDLER [--event JSON | --event-file PATH]" in text
    assert "python -m minlambda local HANDLER [--host 127.0.0.1] [--port 9000]" in text


def test_version() -> None:
    done = cli("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"minlambda 0.1.0\n", b"")


def test_help_for_a_command() -> None:
    done = cli("help", "invoke")
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout.decode().startswith("usage: python -m minlambda invoke ")


def test_no_handler_prints_the_error_and_the_usage() -> None:
    done = cli()
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr.decode() == (
        "minlambda: no handler given: name one as module.function, module:function, "
        "path/to/file.py or path/to/file.py:function, or set _HANDLER\n" + USAGE
    )


# Every bad argument, option or variable: one line on stderr, nothing on stdout, exit 2
# (never a traceback), before any handler is imported.
BAD_ARGUMENTS: dict[str, tuple[list[str], dict[str, str], str]] = {
    "unknown command, and more": (
        ["invok", "cli_app.handler"],
        {},
        "unknown command 'invok' (did you mean invoke?): python -m minlambda --help lists them",
    ),
    "unknown command alone": (
        ["loca"],
        {},
        "unknown command 'loca' (did you mean local?): python -m minlambda --help lists them",
    ),
    "unknown word, and more": (
        ["serve", "cli_app.handler"],
        {},
        "unknown command 'serve' (to serve a handler, give it alone: python -m minlambda "
        "cli_app.handler): python -m minlambda --help lists them",
    ),
    "unknown word, and more words": (
        ["deploy", "now"],
        {},
        "unknown command 'deploy': python -m minlambda --help lists them",
    ),
    "help for an unknown command": (
        ["help", "evnt"],
        {},
        "help: unknown command 'evnt' (did you mean event?)",
    ),
    "a handler, and more": (
        ["a.b", "c.d"],
        {},
        "unexpected argument 'c.d' after the handler: serving takes HANDLER alone",
    ),
    "an option to serve": (
        ["cli_app.handler", "--port", "9001"],
        {},
        "unexpected argument '--port' after the handler: serving takes HANDLER alone "
        "(did you mean python -m minlambda local cli_app.handler --port 9001?)",
    ),
    "unknown top-level option": (
        ["--bogus"],
        {},
        "unknown option '--bogus': python -m minlambda --help lists them",
    ),
    "invoke --timeout 0": (
        ["invoke", "cli_app.handler", "--timeout", "0"],
        {},
        "invoke: argument --timeout: must be a positive number of seconds, got '0'",
    ),
    "invoke --timeout -1": (
        ["invoke", "cli_app.handler", "--timeout", "-1"],
        {},
        "invoke: argument --timeout: must be a positive number of seconds, got '-1'",
    ),
    "invoke --timeout nan": (
        ["invoke", "cli_app.handler", "--timeout", "nan"],
        {},
        "invoke: argument --timeout: must be a positive number of seconds, got 'nan'",
    ),
    "invoke --timeout inf": (
        ["invoke", "cli_app.handler", "--timeout", "inf"],
        {},
        "invoke: argument --timeout: must be a positive number of seconds, got 'inf'",
    ),
    "local --timeout -5": (
        ["local", "serve_script.greet", "--timeout", "-5"],
        {},
        "local: argument --timeout: must be a positive number of seconds, got '-5'",
    ),
    "local --port 99999": (
        ["local", "serve_script.greet", "--port", "99999"],
        {},
        "local: argument --port: must be a port number (0 to 65535), got '99999'",
    ),
    "local --port -1": (
        ["local", "serve_script.greet", "--port", "-1"],
        {},
        "local: argument --port: must be a port number (0 to 65535), got '-1'",
    ),
    "local --port many": (
        ["local", "serve_script.greet", "--port", "many"],
        {},
        "local: argument --port: must be a port number (0 to 65535), got 'many'",
    ),
    "local --host ''": (
        ["local", "serve_script.greet", "--host", ""],
        {},
        "local: argument --host: must be an address or a host name, got ''",
    ),
    "local --watch --port 70000": (
        ["local", "serve_script.greet", "--watch", "--port", "70000"],
        {},
        "local: argument --port: must be a port number (0 to 65535), got '70000'",
    ),
    "local without a handler": (
        ["local"],
        {},
        "local: the following arguments are required: handler",
    ),
    "local, an unknown option": (
        ["local", "serve_script.greet", "--prot", "1"],
        {},
        "local: unrecognized arguments: --prot 1 (did you mean --port?)",
    ),
    "schema without a handler": (
        ["schema"],
        {},
        "schema: the following arguments are required: handler",
    ),
    "schema, two handlers": (
        ["schema", "a.b", "c.d"],
        {},
        "schema: unrecognized arguments: c.d",
    ),
    "AWS_LAMBDA_FUNCTION_TIMEOUT=0": (
        ["invoke", "cli_app.handler"],
        {"AWS_LAMBDA_FUNCTION_TIMEOUT": "0"},
        "AWS_LAMBDA_FUNCTION_TIMEOUT must be a positive number of seconds, got '0'",
    ),
    "AWS_LAMBDA_FUNCTION_TIMEOUT=soon, local": (
        ["local", "serve_script.greet"],
        {"AWS_LAMBDA_FUNCTION_TIMEOUT": "soon"},
        "AWS_LAMBDA_FUNCTION_TIMEOUT must be a positive number of seconds, got 'soon'",
    ),
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=lots": (
        ["invoke", "cli_app.handler"],
        {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"},
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be a positive whole number of MB, got 'lots'",
    ),
    "MINLAMBDA_DEADLINE_WARNING_MS=-1": (
        ["invoke", "cli_app.handler"],
        {"MINLAMBDA_DEADLINE_WARNING_MS": "-1"},
        "MINLAMBDA_DEADLINE_WARNING_MS must be a positive whole number of ms, got '-1'",
    ),
    "AWS_LAMBDA_LOG_FORMAT=yaml": (
        ["invoke", "cli_app.handler"],
        {"AWS_LAMBDA_LOG_FORMAT": "yaml"},
        "AWS_LAMBDA_LOG_FORMAT must be Text or JSON, got 'yaml'",
    ),
    "AWS_LAMBDA_LOG_LEVEL=verbose": (
        ["invoke", "cli_app.handler"],
        {"AWS_LAMBDA_LOG_LEVEL": "verbose"},
        "AWS_LAMBDA_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, "
        "FATAL, CRITICAL, got 'verbose'",
    ),
    "MINLAMBDA_LOCAL_PORT=70000, serving": (
        ["serve_script.greet"],
        {"MINLAMBDA_LOCAL_PORT": "70000"},
        "MINLAMBDA_LOCAL_PORT must be a port number, got '70000'",
    ),
    "AWS_LAMBDA_MAX_CONCURRENCY=0": (
        ["local", "serve_script.greet"],
        {"AWS_LAMBDA_MAX_CONCURRENCY": "0"},
        "AWS_LAMBDA_MAX_CONCURRENCY must be a positive whole number, got '0'",
    ),
    "MINLAMBDA_CONCURRENCY=thread": (
        ["serve_script.greet"],
        {"MINLAMBDA_CONCURRENCY": "thread"},
        "MINLAMBDA_CONCURRENCY must be processes, threads or tasks, got 'thread'",
    ),
}


@pytest.mark.parametrize("args, env, message", BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_a_bad_argument_is_one_line_and_exit_2(
    args: list[str], env: dict[str, str], message: str
) -> None:
    done = cli(*args, **env)
    assert (done.returncode, done.stdout) == (2, b""), done.stderr
    assert done.stderr.decode() == f"minlambda: {message}\n"


def test_the_bad_arguments_in_the_docs() -> None:
    # docs/cli.md's examples, not run by test_docs.py: each exits 2 with its comment's line
    page = (ROOT / "docs" / "cli.md").read_text()
    section = page.split("\n## Bad arguments\n")[1].split("\n## ")[0]
    lines = section.split("```sh\n")[1].split("```")[0].splitlines()
    assert len(lines) >= 4
    for line in lines:
        command, _, comment = line.partition("   # exit 2: ")
        done = cli(*shlex.split(command)[3:])
        assert (done.returncode, done.stdout) == (2, b""), line
        assert done.stderr.decode() == comment + "\n", line


def test_an_option_overrides_a_bad_variable() -> None:
    done = cli(
        "invoke", "cli_app.handler", "--timeout", "5", AWS_LAMBDA_FUNCTION_TIMEOUT="0"
    )
    assert done.returncode == 0, done.stderr


def test_a_word_that_is_no_command_alone_is_a_malformed_handler() -> None:
    # a word like no command is the drop-in form's HANDLER, malformed: an init error
    done = cli("nodots")
    assert (done.returncode, done.stderr) == (1, b"")
    assert done.stdout.startswith(b"[ERROR] Runtime.MalformedHandlerName: Bad handler 'nodots'")


# -- invoke: where the event comes from ----------------------------------------------------


def test_invoke_prints_only_the_payload() -> None:
    done = cli("invoke", "cli_app.handler", "--event", '{"a": 1}')
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":{"a":1},"function_name":"test_function"}'
    err = done.stderr.decode()
    # everything the function wrote went to stderr, in order
    positions = [
        err.index("cli_app: imported\n"),
        err.index("cli_app: handling {'a': 1}\n"),
        err.index("cli_app: more output\n"),
        err.index("cli_app: straight to fd 1\n"),
    ]
    assert positions == sorted(positions)


def test_invoke_event_file(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_bytes(b'{"from": "file", "n": [1, 2]}')
    done = cli("invoke", "cli_app.handler", "--event-file", str(event))
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":{"from":"file","n":[1,2]},"function_name":"test_function"}'


def test_invoke_event_from_piped_stdin() -> None:
    done = cli("invoke", "cli_app.handler", input=b'{"from": "stdin"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":{"from":"stdin"},"function_name":"test_function"}'


def test_invoke_event_file_dash_is_stdin() -> None:
    done = cli("invoke", "cli_app.handler", "--event-file", "-", input=b"[true]")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":[true],"function_name":"test_function"}'


@pytest.mark.parametrize("source", ["empty pipe", "devnull"])
def test_invoke_without_an_event_sends_an_empty_object(source: str) -> None:
    if source == "empty pipe":
        done = cli("invoke", "cli_app.handler", input=b"")
    else:
        done = cli("invoke", "cli_app.handler", stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":{},"function_name":"test_function"}'


def test_invoke_does_not_read_a_terminal() -> None:
    controller, terminal = pty.openpty()
    try:
        done = cli("invoke", "cli_app.handler", stdin=terminal, timeout=20)
    finally:
        os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b'{"event":{},"function_name":"test_function"}'


def test_invoke_to_a_terminal_ends_the_payload_with_a_newline() -> None:
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "minlambda", "invoke", "cli_single.only", "--event", "1"],
            cwd=CLIAPPS,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            timeout=30,
        )
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stderr
    assert shown == b'{"handler":"only","event":1}\r\n'  # the terminal turns \n into \r\n


def test_invoke_raw_bytes_handler() -> None:
    done = cli("invoke", "cli_raw.raw", "--event", "not json \u00e9")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "<not json \u00e9>".encode()


# -- invoke: failures ------------------------------------------------------------------------


def test_invoke_function_error_exits_1_with_the_error_json() -> None:
    done = cli("invoke", "cli_app.fail", "--event", "{}")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error == {
        "errorMessage": "'missing-key'",
        "errorType": "KeyError",
        "requestId": error["requestId"],
        "stackTrace": [frame("cli_app.py", "fail", 'raise KeyError("missing-key")')],
    }
    assert UUID.fullmatch(error["requestId"])
    assert done.stdout == done.stdout.strip()  # the JSON and nothing else
    err = done.stderr.decode()
    assert "cli_app: about to fail\n" in err
    assert "[ERROR] KeyError: 'missing-key'" in err


def test_invoke_event_that_is_not_json_is_a_function_error() -> None:
    done = cli("invoke", "cli_app.handler", "--event", "{nope")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error["errorType"] == "Runtime.UnmarshalError"
    assert error["errorMessage"].startswith("Unable to unmarshal input: ")


@pytest.mark.slow
def test_invoke_timeout() -> None:
    done = cli("invoke", "cli_app.sleepy", "--event", '{"sleep": 1.0}', "--timeout", "0.5")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert error == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": error["errorMessage"],
    }
    assert re.fullmatch(
        f"RequestId: {UUID.pattern} Error: Task timed out after 0.50 seconds",
        error["errorMessage"],
    )


def _init_error(message: str, error_type: str, stack: list[str] | None = None) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": stack or [],
    }


INIT_ERRORS: dict[str, tuple[list[str], dict[str, str], dict[str, Any]]] = {
    "missing module": (
        ["nomodule_xyz.handler"],
        {},
        _init_error(
            "Unable to import module 'nomodule_xyz': No module named 'nomodule_xyz'",
            "Runtime.ImportModuleError",
        ),
    ),
    "missing dependency": (
        ["emu_badimport.handler"],
        {},
        _init_error(
            "Unable to import module 'emu_badimport': No module named "
            "'minlambda_missing_dependency_xyz'",
            "Runtime.ImportModuleError",
        ),
    ),
    "raises at import": (
        ["emu_raise.handler"],
        {},
        _init_error(
            "DB_URL is not set",
            "ConfigError",
            [
                frame("emu_raise.py", "<module>", "_load_config()"),
                frame("emu_raise.py", "_load_config", 'raise ConfigError("DB_URL is not set")'),
            ],
        ),
    ),
    "missing function": (
        ["cli_app.nope"],
        {},
        _init_error("Handler 'nope' missing on module 'cli_app'", "Runtime.HandlerNotFound"),
    ),
    "not callable": (
        ["cli_app.VERSION"],
        {},
        _init_error(
            "Handler 'VERSION' on module 'cli_app' is not callable", "Runtime.HandlerNotFound"
        ),
    ),
    "built-in module": (
        ["sys.exit"],
        {},
        _init_error(
            "Cannot use built-in module sys as a handler module", "Runtime.BuiltInModuleConflict"
        ),
    ),
    "no dots": (
        ["nodots"],
        {},
        _init_error(
            "Bad handler 'nodots': expected module.function, module:function, "
            "path/to/file.py or path/to/file.py:function",
            "Runtime.MalformedHandlerName",
        ),
    ),
    "missing file": (
        ["missing.py"],
        {},
        _init_error(
            "Unable to import module 'missing.py': no such file", "Runtime.ImportModuleError"
        ),
    ),
    "file without a decorated handler": (
        ["cli_app.py"],
        {},
        _init_error(
            "No handler is registered: decorate one with @lambda_handler", "Runtime.HandlerNotFound"
        ),
    ),
    "two handlers, no _HANDLER": (
        ["cli_two.py"],
        {},
        _init_error(
            "Several handlers are registered (cli_two.first, second-one): name one on the "
            "command line (cli_two.py:first or cli_two.py:second-one) or with _HANDLER",
            "Runtime.HandlerNotFound",
        ),
    ),
    "two handlers, _HANDLER names none": (
        ["cli_two.py"],
        {"_HANDLER": "third"},
        _init_error(
            "Handler 'third' matches none of the registered handlers: cli_two.first, second-one",
            "Runtime.HandlerNotFound",
        ),
    ),
}


@pytest.mark.parametrize("args, env, error", INIT_ERRORS.values(), ids=INIT_ERRORS.keys())
def test_invoke_init_error_exits_2_with_the_error_json(
    args: list[str], env: dict[str, str], error: dict[str, Any]
) -> None:
    done = cli("invoke", *args, "--event", "{}", **env)
    assert done.returncode == 2, done.stderr
    assert_same_error_but_carets(json.loads(done.stdout), error)
    assert done.stdout == done.stdout.strip()
    assert f"[ERROR] {error['errorType']}: {error['errorMessage']}" in done.stderr.decode()


USAGE_ERRORS = {
    "both event options": (
        ["cli_app.handler", "--event", "{}", "--event-file", "e.json"],
        "argument --event-file: not allowed with argument --event",
    ),
    "missing event file": (
        ["cli_app.handler", "--event-file", "no-such-event.json"],
        "cannot read --event-file: [Errno 2] No such file or directory: 'no-such-event.json'",
    ),
    "no handler": (["--event", "{}"], "the following arguments are required: handler"),
    "bad timeout": (
        ["cli_app.handler", "--timeout", "soon"],
        "argument --timeout: must be a positive number of seconds, got 'soon'",
    ),
    "unknown option": (
        ["cli_app.handler", "--evnt", "{}"],
        "unrecognized arguments: --evnt {} (did you mean --event?)",
    ),
}


@pytest.mark.parametrize("args, message", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_invoke_usage_error_exits_2(args: list[str], message: str) -> None:
    done = cli("invoke", *args)
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode() == f"minlambda: invoke: {message}\n"


# -- invoke: the handler forms -----------------------------------------------------------------


FORMS: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {
    "module.function": ("cli_single.only", {}, {"handler": "only"}),
    "module:function": ("cli_single:only", {}, {"handler": "only"}),
    "file.py": ("cli_single.py", {}, {"handler": "only"}),
    "file.py:function": ("cli_single.py:only", {}, {"handler": "only"}),
    "absolute file.py": (str(CLIAPPS / "cli_single.py"), {}, {"handler": "only"}),
    "dir/file.py:function": ("nested/deep_app.py:handler", {}, {"where": "nested"}),
    "package.module.function": ("nested.deep_app.handler", {}, {"where": "nested"}),
    "two handlers, _HANDLER=function": ("cli_two.py", {"_HANDLER": "first"}, {"handler": "first"}),
    "two handlers, _HANDLER=name": (
        "cli_two.py",
        {"_HANDLER": "second-one"},
        {"handler": "second"},
    ),
    "two handlers, _HANDLER=other function": (
        "cli_two.py",
        {"_HANDLER": "second"},
        {"handler": "second"},
    ),
    "two handlers, _HANDLER=module.function": (
        "cli_two.py",
        {"_HANDLER": "cli_two.second"},
        {"handler": "second"},
    ),
    "two handlers, file.py:function": ("cli_two.py:second", {}, {"handler": "second"}),
    "two handlers, module:function": ("cli_two:first", {}, {"handler": "first"}),
    # a name given with @lambda_handler(name=...) names it in every form, as _HANDLER does
    "file.py:name": ("cli_two.py:second-one", {}, {"handler": "second"}),
    "module:name": ("cli_two:second-one", {}, {"handler": "second"}),
    "module.name": ("cli_named.charge", {}, {"handler": "create_charge"}),
    "file.py:name of a wrapped function": (
        "cli_named.py:refund",
        {},
        {"handler": "create_refund", "wrapped": True},
    ),
    "module:name of a wrapped function": (
        "cli_named:refund",
        {},
        {"handler": "create_refund", "wrapped": True},
    ),
    "_HANDLER=name of a wrapped function": (
        "cli_named.py",
        {"_HANDLER": "refund"},
        {"handler": "create_refund", "wrapped": True},
    ),
}


@pytest.mark.parametrize("target, env, expected", FORMS.values(), ids=FORMS.keys())
def test_invoke_handler_forms(target: str, env: dict[str, str], expected: dict[str, Any]) -> None:
    done = cli("invoke", target, "--event", '{"n": 7}', **env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {**expected, "event": {"n": 7}}


# -- local ---------------------------------------------------------------------------------------


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Server:
    """A long-running `python ...` subprocess serving HTTP (local emulator)."""

    def __init__(self, args: list[str], env: dict[str, str], *, sigint_ignored: bool = False) -> None:
        # sigint_ignored: start it as a background job of a script (`cmd &`) starts, with
        # SIGINT ignored (a test run started that way gives its children the same)
        self.popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=CLIAPPS,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_ignore_sigint if sigint_ignored else None,
        )
        self._early = b""

    def first_line(self, timeout: float = 15) -> str:
        """The first line of stdout (waiting for it at most `timeout` seconds)."""
        assert self.popen.stdout is not None
        fd = self.popen.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._early:
                left = deadline - time.monotonic()
                assert left > 0 and selector.select(left), f"no line on stdout: {self._early!r}"
                chunk = os.read(fd, 65536)
                assert chunk, f"stdout closed: {self._early!r}"
                self._early += chunk
        line, _, self._early = self._early.partition(b"\n")
        return line.decode()

    def wait_port(self, port: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.popen.poll() is None, "the server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                assert time.monotonic() < deadline, f"nothing answers on port {port}"
                time.sleep(0.02)

    def interrupt(self, timeout: float = 10) -> tuple[int, float, bytes, bytes]:
        """Ctrl-C: the exit status, how long it took, the rest of stdout, stderr."""
        start = time.monotonic()
        self.popen.send_signal(signal.SIGINT)
        out, err = self.popen.communicate(timeout=timeout)
        return self.popen.returncode, time.monotonic() - start, self._early + out, err

    def finish(self, timeout: float = 30) -> tuple[int, bytes, bytes]:
        out, err = self.popen.communicate(timeout=timeout)
        return self.popen.returncode, self._early + out, err

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.communicate(timeout=10)


@pytest.fixture
def server() -> Iterator[Callable[..., Server]]:
    """server(ARGS, **env) starts `python ARGS` in tests/cliapps; killed afterwards."""
    started: list[Server] = []

    def start(*args: str, **env: str) -> Server:
        process = Server(list(args), child_env(**env))
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def check_serves(port: int, name: str = "Ada") -> None:
    status, headers, body = post(port, json.dumps({"name": name}).encode())
    assert status == 200, body
    assert headers["content-type"] == "application/json"
    assert UUID.fullmatch(headers["x-amzn-requestid"])
    assert json.loads(body) == {"hello": name, "function_name": "test_function"}


def check_stops(process: Server) -> bytes:
    # Ctrl-C once the runtime is idle in GET /next again (see test_emulator's
    # test_a_peer_that_resets_its_connection_causes_no_traceback for why not sooner)
    time.sleep(0.2)
    code, elapsed, out, err = process.interrupt()
    assert code == 0, err
    assert elapsed < 3, f"took {elapsed:.2f} s to stop"
    assert b"Traceback" not in err
    assert err == b""
    return out


def test_local_serves_until_ctrl_c(server: Callable[..., Server]) -> None:
    port = free_port()
    process = server("-m", "minlambda", "local", "serve_script.greet", "--port", str(port))
    process.wait_port(port)
    line = process.first_line()
    url = f"http://127.0.0.1:{port}{INVOKE_PATH}"
    assert line == (
        f"minlambda: serving serve_script.greet at {url} - try: curl -s -d '{{}}' {url}"
    )
    check_serves(port)
    check_serves(port, "Grace")
    if shutil.which("curl"):  # the advertised command works as printed
        command = shlex.split(line.partition(" - try: ")[2])
        done = subprocess.run(command, capture_output=True, timeout=20)
        assert done.returncode == 0
        assert json.loads(done.stdout) == {"hello": None, "function_name": "test_function"}
    assert check_stops(process) == b""


def test_local_host_option_binds_that_address(server: Callable[..., Server]) -> None:
    port = free_port()
    process = server(
        "-m", "minlambda", "local", "serve_script.greet", "--host", "127.0.0.2", "--port", str(port)
    )
    deadline = time.monotonic() + 15
    while True:  # wait until 127.0.0.2 answers
        try:
            socket.create_connection(("127.0.0.2", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and process.popen.poll() is None
            time.sleep(0.02)
    assert f"http://127.0.0.2:{port}{INVOKE_PATH}" in process.first_line()
    conn = http.client.HTTPConnection("127.0.0.2", port, timeout=10)
    try:
        conn.request("POST", INVOKE_PATH, body=b'{"name": "Ada"}')
        assert json.loads(conn.getresponse().read()) == {"hello": "Ada", "function_name": "test_function"}
    finally:
        conn.close()
    with pytest.raises(OSError):  # not on 127.0.0.1
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    check_stops(process)


def test_local_port_from_the_environment(server: Callable[..., Server]) -> None:
    port = free_port()
    process = server(
        "-m", "minlambda", "local", "serve_script.greet", MINLAMBDA_LOCAL_PORT=str(port)
    )
    process.wait_port(port)
    assert f"http://127.0.0.1:{port}{INVOKE_PATH}" in process.first_line()
    check_serves(port)
    check_stops(process)


def test_serving_outside_lambda_starts_the_local_emulator(server: Callable[..., Server]) -> None:
    port = free_port()
    process = server("-m", "minlambda", "serve_script.greet", MINLAMBDA_LOCAL_PORT=str(port))
    process.wait_port(port)
    assert process.first_line().startswith("minlambda: serving serve_script.greet at http")
    check_serves(port)
    check_stops(process)


def test_script_calling_serve_outside_lambda(server: Callable[..., Server]) -> None:
    port = free_port()
    process = server("serve_script.py", MINLAMBDA_LOCAL_PORT=str(port))
    process.wait_port(port)
    url = f"http://127.0.0.1:{port}{INVOKE_PATH}"
    assert process.first_line() == (
        f"minlambda: serving __main__.greet at {url} - try: curl -s -d '{{}}' {url}"
    )
    check_serves(port)
    check_stops(process)


def test_local_any_free_port_and_a_timeout(server: Callable[..., Server]) -> None:
    process = server("-m", "minlambda", "local", "emu_app.slow", "--port", "0", "--timeout", "0.5")
    line = process.first_line()
    match = re.fullmatch(
        r"minlambda: serving emu_app\.slow at http://127\.0\.0\.1:(\d+)/\S+ .*", line
    )
    assert match, line
    port = int(match.group(1))
    assert port not in (0, 9000)
    status, headers, body = post(port, b'{"sleep": 0.8}')
    assert (status, headers["x-amz-function-error"]) == (200, "Unhandled")
    assert json.loads(body) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {headers['x-amzn-requestid']} Error: Task timed out after 0.50 seconds",
    }
    status, _, body = post(port, b'{"sleep": 0}')
    assert status == 200 and json.loads(body)["slept"] == 0
    time.sleep(0.2)
    code, _, _, err = process.interrupt()
    assert code == 0 and b"Traceback" not in err
    assert b"answered 410" in err  # the late result of the timed-out invocation


def test_local_port_in_use_exits_2(server: Callable[..., Server]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = server("-m", "minlambda", "local", "serve_script.greet", "--port", str(port))
        code, out, err = process.finish()
    assert code == 2
    assert out == b""
    assert err.decode().startswith(f"minlambda: cannot listen on 127.0.0.1:{port}: ")
    assert "Address already in use" in err.decode()


def test_local_bad_port_variable_exits_2(server: Callable[..., Server]) -> None:
    process = server("-m", "minlambda", "local", "serve_script.greet", MINLAMBDA_LOCAL_PORT="http")
    code, out, err = process.finish()
    assert (code, out) == (2, b"")
    assert err == b"minlambda: MINLAMBDA_LOCAL_PORT must be a port number, got 'http'\n"


def test_local_init_error_exits_1(server: Callable[..., Server]) -> None:
    process = server("-m", "minlambda", "local", "nomodule_xyz.handler", "--port", "0")
    code, out, err = process.finish()
    assert (code, err) == (1, b"")
    assert out == (  # the init error is logged as the managed runtime logs it: stdout
        b"[ERROR] Runtime.ImportModuleError: Unable to import module 'nomodule_xyz': "
        b"No module named 'nomodule_xyz'\n"
    )


