# The internal extension that makes the platform send SIGTERM.
#
# Lambda sends SIGTERM to the runtime at shutdown only when an extension is
# registered. `register()` registers a no-op internal extension through the
# Extensions API (POST /2020-01-01/extension/register, subscribing to no events)
# during init, then a daemon thread waits on GET /2020-01-01/extension/event/next
# on a connection of its own, as an extension must; with no events subscribed, that
# poll does not return before the shutdown.
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from minlambda._http import ProtocolError, request_head
from minlambda._runtime_api import parse_address
from minlambda._transport import Connection, TransportError

__all__ = ["EXTENSION_NAME", "register"]

EXTENSION_NAME: Final = "minlambda-shutdown-hooks"
REGISTER_PATH: Final = "/2020-01-01/extension/register"
NEXT_PATH: Final = "/2020-01-01/extension/event/next"


def register(address: str, warn: Callable[[str], None]) -> bool:
    """Register the extension and start its event loop; False (and a warning) when
    the Extensions API refuses, as AWS's emulator without extensions support does."""
    host, port = parse_address(address)
    connection = Connection(host, port)
    body = b'{"events":[]}'
    head = request_head(
        "POST",
        REGISTER_PATH,
        address.strip(),
        [("Lambda-Extension-Name", EXTENSION_NAME), ("Content-Type", "application/json")],
        content_length=len(body),
    )
    try:
        response, answer = connection.request(head, body)
    except (TransportError, ProtocolError) as exc:
        warn(f"could not register the shutdown extension, so no SIGTERM will come: {exc}")
        connection.close()
        return False
    identifier = response.headers.get("lambda-extension-identifier", "")
    if response.status != 200 or not identifier.isprintable() or not identifier:
        warn(
            f"could not register the shutdown extension (status {response.status}), so no SIGTERM will come"
        )
        connection.close()
        return False
    poll = request_head(
        "GET", NEXT_PATH, address.strip(), [("Lambda-Extension-Identifier", identifier)]
    )
    threading.Thread(
        target=_events, args=(connection, poll), name="minlambda-extension", daemon=True
    ).start()
    return True


def _events(connection: Connection, poll: bytes) -> None:
    import signal

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    while True:
        try:
            connection.request(poll)
        except (TransportError, ProtocolError):
            return  # the environment is going away
