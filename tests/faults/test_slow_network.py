"""The runtime against the emulator through a proxy that delays and fragments every
byte stream: every invocation is still answered once and correctly, and the time an
invocation takes grows with the injected latency, not beyond it (no stall, no
timeout, no retry storm)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
from conftest import ThreadRuntime

from minlambda._handler import handler_for
from minlambda.testing import Emulator


class SlowProxy:
    """Forwards TCP connections to `upstream`, cutting what passes into `fragment`-byte
    pieces sent `delay` seconds apart."""

    def __init__(self, upstream: tuple[str, int], *, delay: float, fragment: int) -> None:
        self.upstream, self.delay, self.fragment = upstream, delay, fragment
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.sockets: list[socket.socket] = []
        self.pieces = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                for start in range(0, len(data), self.fragment):
                    time.sleep(self.delay)
                    sink.sendall(data[start : start + self.fragment])
                    with self._lock:
                        self.pieces += 1
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            for sock in self.sockets:
                sock.close()


def echo(event: Any) -> Any:
    return event


def _run(delay: float, fragment: int, n: int) -> tuple[float, int]:
    with Emulator() as emulator:
        proxy = SlowProxy((emulator.host, emulator.port), delay=delay, fragment=fragment) if delay else None
        rt = ThreadRuntime(handler_for(echo), proxy.address if proxy else emulator.runtime_api)
        try:
            started = time.monotonic()
            for i in range(n):
                event = {"i": i, "pad": "p" * 500}
                result = emulator.invoke(event)
                assert result.ok and result.json() == event, result
            elapsed = time.monotonic() - started
            assert rt.failure is None and rt.warnings == []
            return elapsed / n, proxy.pieces if proxy else 0
        finally:
            rt.close()
            if proxy:
                proxy.close()


@pytest.mark.slow
@pytest.mark.parametrize(("delay", "fragment"), [(0.001, 1400), (0.0005, 64), (0.005, 7000)],
                         ids=["1ms-mtu", "0.5ms-64B", "5ms-whole"])
def test_a_slow_fragmenting_network_slows_invocations_in_proportion(delay, fragment):
    fast, _ = _run(0, 0, 30)
    slow, pieces = _run(delay, fragment, 30)
    # the runtime's side of one invocation: the /next answer and the result post with
    # its 202, each cut into pieces that are `delay` apart
    injected = pieces / 30 * delay
    print(f"\nper invocation: {fast * 1000:.2f} ms direct, {slow * 1000:.2f} ms through the proxy "
          f"({pieces / 30:.0f} pieces, {injected * 1000:.2f} ms injected)")
    assert slow >= injected * 0.9  # the proxy really slowed it down
    # graceful: the extra time is the injected delay plus bounded overhead, not stalls
    # (a Nagle/delayed-ACK stall alone would add 40 ms per exchange)
    assert slow - fast < injected * 3 + 0.03
