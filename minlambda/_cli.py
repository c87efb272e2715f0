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


def main(argv: list[str] | None = None) -> NoReturn:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("invoke", "local", "schema", "event"):
        command = {"invoke": _invoke, "local": _local, "schema": _schema, "event": _event}[args[0]]
        raise SystemExit(command(args[1:]))
    if args and args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        raise SystemExit(0)
    if args and args[0] == "--version":
        from minlambda import __version__

        sys.stdout.write(f"minlambda {__version__}\n")
        raise SystemExit(0)
    if len(args) > 1 or (args and args[0].startswith("-")):
        sys.stderr.write(USAGE)
        raise SystemExit(2)
    target = args[0] if args else None
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if address:
        from minlambda._bootstrap import load_handler, prepare_sys_path, run_lambda

        prepare_sys_path()
        run_lambda(address, lambda: load_handler(target))
    from minlambda._local.serve import serve_local_target

    serve_local_target(target, host="127.0.0.1", port=None, timeout=None)


def _parser(prog: str) -> Any:
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m minlambda {prog}")
    parser.add_argument(
        "handler", help="module.function, module:function, path/to/file.py[:function]"
    )
    parser.add_argument("--timeout", type=float, default=None, help="function timeout in seconds")
    return parser


def _invoke(args: list[str]) -> int:
    parser = _parser("invoke")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--event", help="the event, as JSON text")
    source.add_argument("--event-file", help="a file holding the event ('-' for stdin)")
    options = parser.parse_args(args)
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

    return invoke_once(options.handler, event, timeout=options.timeout)


def _local(args: list[str]) -> int:
    parser = _parser("local")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="port (default $MINLAMBDA_LOCAL_PORT or 9000)"
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
    from minlambda._local.serve import serve_local_target

    serve_local_target(
        options.handler,
        host=options.host,
        port=options.port,
        timeout=options.timeout,
        http=options.http,
        watch=options.watch,
    )


def _event(args: list[str]) -> int:
    from minlambda._local.samples import main as event_main

    return event_main(args)


def _schema(args: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m minlambda schema")
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
