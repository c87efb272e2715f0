# The command line: argument parsing and picking what to run, nothing else.
#
#   python -m minlambda [HANDLER]             serve (the container ENTRYPOINT)
#   python -m minlambda invoke HANDLER [...]  one local invocation
#   python -m minlambda local HANDLER [...]   the local emulator with the handler
#   python -m minlambda event SOURCE [...]    a sample event
#   python -m minlambda schema HANDLER         the JSON Schemas of its event and response
#
# The serving path, the one Lambda runs at every cold start, avoids argparse and
# anything else it does not need.
from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

__all__ = ["main"]

USAGE = """\
usage: python -m minlambda [HANDLER]
       python -m minlambda invoke HANDLER [--event JSON | --event-file PATH] [--timeout S]
       python -m minlambda local HANDLER [--host 127.0.0.1] [--port 9000] [--timeout S]
                                 [--http [SOURCE]] [--watch]
       python -m minlambda event [SOURCE] [--set PATH=VALUE ...]
       python -m minlambda schema HANDLER

HANDLER is module.function, module:function, path/to/file.py or path/to/file.py:function
(default: $_HANDLER). Inside Lambda (AWS_LAMBDA_RUNTIME_API set) the handler is served;
outside, it is served on the local emulator.
"""


# Lambda's handler forms all have a dot or a colon (module.function, module:function,
# file.py[:function]): a first word without either is never a handler, which is how
# a mistyped command is told from the drop-in form `python -m minlambda app.handler`.
COMMANDS = ("invoke", "local", "event", "schema", "help")


def main(argv: list[str] | None = None) -> NoReturn:
    args = sys.argv[1:] if argv is None else argv
    first = args[0] if args else None
    if first in COMMANDS:
        commands = {"invoke": _invoke, "local": _local, "schema": _schema, "event": _event}
        raise SystemExit(commands.get(first, _help)(args[1:]))
    if first in ("-h", "--help"):
        raise SystemExit(_help([]))
    if first == "--version":
        from minlambda import __version__

        sys.stdout.write(f"minlambda {__version__}\n")
        raise SystemExit(0)
    if first is not None:
        _check_serve_arguments(first, args[1:])
    target = first
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if address:
        from minlambda._bootstrap import load_handler, prepare_sys_path, run_lambda

        prepare_sys_path()
        run_lambda(address, lambda: load_handler(target))
    if target is None and not os.environ.get("_HANDLER", "").strip():
        sys.stderr.write(
            "minlambda: no handler given: name one as module.function, module:function, "
            "path/to/file.py or path/to/file.py:function, or set _HANDLER\n" + USAGE
        )
        raise SystemExit(2)
    _check_environment(serving=True)
    from minlambda._local.serve import serve_local_target

    serve_local_target(target, host="127.0.0.1", port=None, timeout=_timeout(None), http=None)


def _check_serve_arguments(first: str, rest: list[str]) -> None:
    """`python -m minlambda HANDLER` takes HANDLER alone: exit 2 for anything else."""
    if first.startswith("-"):
        _usage_error(f"unknown option {first!r}: python -m minlambda --help lists them")
    if not _handler_like(first) and (rest or _closest(first, COMMANDS)):
        guess = _closest(first, COMMANDS)
        if guess:
            hint = f" (did you mean {guess}?)"
        elif _handler_like(rest[0]):  # `serve app.handler`, `run app.handler`
            hint = f" (to serve a handler, give it alone: python -m minlambda {rest[0]})"
        else:
            hint = ""
        _usage_error(f"unknown command {first!r}{hint}: python -m minlambda --help lists them")
    if rest:
        hint = ""
        if rest[0].startswith("-"):  # options go with a command
            hint = f" (did you mean python -m minlambda local {first} {' '.join(rest)}?)"
        _usage_error(
            f"unexpected argument {rest[0]!r} after the handler: serving takes HANDLER alone" + hint
        )


def _handler_like(word: str) -> bool:
    return "." in word or ":" in word


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"minlambda: {message}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def _closest(word: str, choices: Any) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return found[0] if found else None


def _help(args: list[str]) -> int:
    """`help` (`-h`, `--help`): the usage on stdout; `help COMMAND`: that command's."""
    if not args:
        sys.stdout.write(USAGE)
        return 0
    if args[0] not in COMMANDS or args[0] == "help" or len(args) > 1:
        guess = _closest(args[0], COMMANDS)
        hint = f" (did you mean {guess}?)" if guess else ""
        _usage_error(f"help: unknown command {' '.join(args)!r}{hint}")
    main([args[0], "--help"])


def usage_parser(command: str, **options: Any) -> Any:
    """An argparse parser for `python -m minlambda COMMAND` whose errors are one line
    on stderr and exit status 2 (argparse's own take several lines: the usage, then
    the error); `--help` is argparse's."""
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            if message.startswith("unrecognized arguments: "):
                unknown = message.split(": ", 1)[1].split()[0].partition("=")[0]
                guess = _closest(unknown, [o for a in self._actions for o in a.option_strings])
                message += f" (did you mean {guess}?)" if guess else ""
            _usage_error(f"{command}: {message}")

    return Parser(prog=f"python -m minlambda {command}", **options)


def _seconds(text: str) -> float:
    """A function timeout: a positive number of seconds (as the emulator takes it)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1e9:  # nan and inf fail too
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _port(text: str) -> int:
    import argparse

    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"must be a port number (0 to 65535), got {text!r}")
    return int(text)


def _host(text: str) -> str:
    import argparse

    if not text.strip() or text != text.strip():
        raise argparse.ArgumentTypeError(f"must be an address or a host name, got {text!r}")
    return text


def _parser(command: str) -> Any:
    parser = usage_parser(command)
    parser.add_argument(
        "handler", help="module.function, module:function, path/to/file.py[:function]"
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="S",
        help="function timeout in seconds (default $AWS_LAMBDA_FUNCTION_TIMEOUT or 300)",
    )
    return parser


# The environment variables the local commands read, and what each takes. Inside
# Lambda the runtime reads them too, and ignores a bad value with one line on stderr
# (a typo must not stop a deployed function); run locally, where someone reads the
# output, a bad value is a usage error like a bad option.
_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL")
_MODES = ("PROCESSES", "THREADS", "TASKS")


def _check_environment(*, serving: bool, given: tuple[str, ...] = ()) -> None:
    """Exit 2 on the first bad value of a variable that invoke (or, `serving`, local
    and serve outside Lambda) reads, but for those an option overrides (`given`)."""
    env = os.environ
    checks: list[tuple[str, Callable[[str], bool], str]] = [
        ("AWS_LAMBDA_FUNCTION_TIMEOUT", _is_seconds, "a positive number of seconds"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", _is_count, "a positive whole number of MB"),
        ("MINLAMBDA_DEADLINE_WARNING_MS", _is_count, "a positive whole number of ms"),
        ("AWS_LAMBDA_LOG_FORMAT", _one_of("TEXT", "JSON"), "Text or JSON"),
        ("AWS_LAMBDA_LOG_LEVEL", _one_of(*_LOG_LEVELS), f"one of {', '.join(_LOG_LEVELS)}"),
    ]
    if serving:
        checks += [
            ("MINLAMBDA_LOCAL_PORT", _is_port, "a port number"),
            ("AWS_LAMBDA_MAX_CONCURRENCY", _is_count, "a positive whole number"),
            ("MINLAMBDA_CONCURRENCY", _one_of(*_MODES), "processes, threads or tasks"),
        ]
    for name, valid, what in checks:
        text = env.get(name, "").strip()
        if text and name not in given and not valid(text):
            _usage_error(f"{name} must be {what}, got {text!r}")


def _one_of(*choices: str) -> Callable[[str], bool]:
    return lambda text: text.upper() in choices


def _is_port(text: str) -> bool:
    return _is_count(text, 0) and int(text) <= 65535


def _is_count(text: str, least: int = 1) -> bool:
    return text.isascii() and text.isdigit() and int(text) >= least


def _is_seconds(text: str) -> bool:
    # as the emulator reads it: digits, and at most one dot
    return _is_count(text.replace(".", "", 1), 0) and 0 < float(text) < 1e9


def _given(options: Any) -> tuple[str, ...]:
    """The variables that options of the command line override."""
    overrides = (("timeout", "AWS_LAMBDA_FUNCTION_TIMEOUT"), ("port", "MINLAMBDA_LOCAL_PORT"))
    return tuple(name for option, name in overrides if getattr(options, option, None) is not None)


def _timeout(given: float | None) -> float | None:
    """--timeout, else AWS_LAMBDA_FUNCTION_TIMEOUT (checked), else None (300)."""
    if given is not None:
        return given
    text = os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "").strip()
    return float(text) if text else None


def _invoke(args: list[str]) -> int:
    parser = _parser("invoke")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--event", help="the event, as JSON text")
    source.add_argument("--event-file", help="a file holding the event ('-' for stdin)")
    options = parser.parse_args(args)
    _check_environment(serving=False, given=_given(options))
    if options.event is not None:
        event = options.event.encode("utf-8", "surrogateescape")
    elif options.event_file is not None:
        try:
            if options.event_file == "-":
                event = sys.stdin.buffer.read()
            else:
                with open(options.event_file, "rb") as file:
                    event = file.read()
        except OSError as exc:
            parser.error(f"cannot read --event-file: {exc}")
    elif sys.stdin is not None and not sys.stdin.isatty():
        event = sys.stdin.buffer.read() or b"{}"  # an empty stdin (</dev/null) is no event
    else:
        event = b"{}"
    from minlambda._local.serve import invoke_once

    return invoke_once(options.handler, event, timeout=_timeout(options.timeout))


def _local(args: list[str]) -> int:
    parser = _parser("local")
    parser.add_argument(
        "--host",
        type=_host,
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1)",
    )
    parser.add_argument(
        "--port", type=_port, default=None, help="port (default $MINLAMBDA_LOCAL_PORT or 9000)"
    )
    parser.add_argument(
        "--http",
        nargs="?",
        const="function-url",
        choices=("function-url", "apigw-v2", "apigw-v1", "alb", "alb-multi-value"),
        metavar="SOURCE",
        help="serve every path as HTTP requests from SOURCE: function-url (the default), "
        "apigw-v2, apigw-v1, alb or alb-multi-value",
    )
    parser.add_argument(
        "--watch", action="store_true", help="restart the function when a .py file changes"
    )
    options = parser.parse_args(args)
    _check_environment(serving=True, given=_given(options))
    from minlambda._local.serve import serve_local_target

    serve_local_target(
        options.handler,
        host=options.host,
        port=options.port,
        timeout=_timeout(options.timeout),
        http=options.http,
        watch=options.watch,
    )


def _event(args: list[str]) -> int:
    from minlambda._local.samples import main as event_main

    return event_main(args)


def _schema(args: list[str]) -> int:
    parser = usage_parser("schema")
    parser.add_argument(
        "handler", help="module.function, module:function, path/to/file.py[:function]"
    )
    options = parser.parse_args(args)
    from minlambda._bootstrap import load_handler, prepare_sys_path
    from minlambda._errors import RuntimeFault
    from minlambda._schema import schemas

    prepare_sys_path()
    try:
        handler = load_handler(options.handler)
    except RuntimeFault as fault:
        sys.stderr.write(f"minlambda: {fault.error_type}: {fault.message}\n")
        return 2
    sys.stdout.write(schemas(handler) + "\n")
    return 0
