"""Local stand-ins for where agents send their data: Sentry's ingest endpoint (HTTP
envelopes) and the X-Ray daemon (UDP), each collecting what arrives, and a plain
HTTP server for instrumented calls to reach. Standard library only, real sockets."""

from __future__ import annotations

import gzip
import http.server
import json
import socket
import threading
import time
import zlib
from typing import Any


class SentrySink:
    """Sentry's envelope endpoint on 127.0.0.1: `.dsn` for sentry_sdk.init,
    `.items` every item received (dicts with their envelope item `type`)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli  # sentry_sdk compresses with brotli when it is installed

                    body = brotli.decompress(body)
                sink._add(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_address[1]}/1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _add(self, envelope: bytes) -> None:
        items = []
        position = envelope.find(b"\n") + 1  # after the envelope's own header
        while 0 < position < len(envelope):
            line_end = envelope.find(b"\n", position)
            if line_end == -1:
                break
            header = json.loads(envelope[position:line_end])
            position = line_end + 1
            length = header.get("length")
            if length is None:
                end = envelope.find(b"\n", position)
                end = len(envelope) if end == -1 else end
            else:
                end = position + length
            try:
                item = json.loads(envelope[position:end])
            except ValueError:
                item = None
            position = end + 1
            if isinstance(item, dict):
                item["__type__"] = header.get("type")
                items.append(item)
        with self._lock:
            self.items.extend(items)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return [item for item in self.items if item["__type__"] == kind]

    def wait(self, kind: str, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.of_type(kind)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.of_type(kind)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class UDPSink:
    """A UDP port collecting datagrams (the X-Ray daemon's protocol: a JSON header
    line, then the segment document)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.documents: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, OSError):
                continue
            _, _, document = data.partition(b"\n")
            self.documents.append(json.loads(document))

    def wait(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.documents) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.documents)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class PlainHTTP:
    """An HTTP server answering 200 "ok" to every GET: something to call."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/target"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
