"""A fast fake Lambda Runtime API, run as its own process by benchmarks/run.py.

    python benchmarks/fakeapi.py EVENT_FILE WARMUP COUNT

It listens on 127.0.0.1 (the port is the first line it prints), answers GET /next
with EVENT_FILE's bytes (a fresh request id and trace id each time, Content-Length
framing) and every POST with 202, reusing prebuilt bytes: it must never be what the
benchmark measures. It pauses three times, printing a line and waiting for a line on
stdin before it answers:

    first <t>    the first /next arrived (t: time.monotonic_ns()); init is over
    start        the (WARMUP+1)-th /next arrived: the measured invocations begin
    end <t>      the (WARMUP+COUNT+1)-th /next arrived: COUNT invocations are done

and at the end prints one JSON line with its own CPU time, so a report can show the
fake was not the bottleneck, and `first_result_ns` (when the first result arrived).
"""

from __future__ import annotations

import json
import resource
import socket
import sys
import time

HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-%012d\r\n"
    b"Lambda-Runtime-Deadline-Ms: %d\r\n"
    b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n"
    b"Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a9%08d;Parent=53995c3f42cd8ad8;Sampled=1\r\n"
    b"Content-Length: %d\r\n\r\n"
)
ACCEPTED = b'HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n'


def pause(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    sys.stdin.readline()


class Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def fill(self) -> bool:
        data = self.sock.recv(1 << 20)
        self.buf += data
        return bool(data)

    def request(self) -> bytes | None:
        """The request line of the next request, its body consumed; None at EOF."""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if not self.fill():
                return None
        head = bytes(self.buf[:end])
        del self.buf[: end + 4]
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = lower.find(b"\r\n", at + 2)
            length = int(head[at + 17 : stop if stop > 0 else len(head)])
            while len(self.buf) < length:
                if not self.fill():
                    return None
            del self.buf[:length]
        elif b"\r\ntransfer-encoding:" in lower:
            self.skip_chunked()
        return head.split(b"\r\n", 1)[0]

    def skip_chunked(self) -> None:
        while True:
            while (end := self.buf.find(b"\r\n")) < 0:
                self.fill()
            size = int(bytes(self.buf[:end]).split(b";")[0], 16)
            del self.buf[: end + 2]
            if size == 0:
                while (end := self.buf.find(b"\r\n\r\n" if self.buf[:2] != b"\r\n" else b"\r\n")) < 0:
                    self.fill()
                del self.buf[: end + (2 if self.buf[:2] == b"\r\n" else 4)]
                return
            while len(self.buf) < size + 2:
                self.fill()
            del self.buf[: size + 2]


def main() -> None:
    event_file, warmup, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(event_file, "rb") as f:
        body = f.read()
    listener = socket.create_server(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    nexts = 0
    first_result = 0
    last = warmup + count + 1
    while nexts < last:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(sock)
        while nexts < last:
            line = conn.request()
            if line is None:
                break
            if line.startswith(b"GET"):
                nexts += 1
                if nexts == 1:
                    pause(f"first {time.monotonic_ns()}")
                if nexts == warmup + 1:
                    pause("start")
                if nexts == last:
                    pause(f"end {time.monotonic_ns()}")
                    break
                deadline = int(time.time() * 1000) + 300_000
                head = HEAD % (nexts, deadline, nexts, len(body))
                if len(body) < 65536:
                    sock.sendall(head + body)
                else:
                    sock.sendall(head)
                    sock.sendall(body)
            else:
                if not first_result:
                    first_result = time.monotonic_ns()
                sock.sendall(ACCEPTED)
        sock.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"fake_cpu_s": usage.ru_utime + usage.ru_stime, "first_result_ns": first_result}),
          flush=True)


if __name__ == "__main__":
    main()
