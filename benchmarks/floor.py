"""The floor: the least a pure-Python Lambda runtime client can do per invocation.

One keep-alive socket, prebuilt request bytes, the body received straight into a
buffer of its Content-Length, msgspec decoding from that buffer and encoding the echo,
no validation, no error handling. minlambda is measured against this.

    AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 python benchmarks/floor.py
"""

import os
import socket

import msgspec

host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
sock = socket.create_connection((host, int(port)))
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n" % host.encode()
POST = b"POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: " + host.encode() + (
    b"\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n")
decode = msgspec.json.Decoder().decode
encode = msgspec.json.Encoder().encode
pending = b""


def response():
    """(head, body) of the next response on the socket."""
    global pending
    data = pending
    while (end := data.find(b"\r\n\r\n")) < 0:
        more = sock.recv(65536)  # larger reads cost an mmap + munmap each
        if not more:
            raise SystemExit("the Runtime API closed the connection")
        data += more
    head = data[:end]
    at = head.lower().find(b"content-length:") + 15
    length = int(head[at : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else len(head)])
    have = data[end + 4 :]
    if len(have) >= length:
        pending = have[length:]
        return head, have[:length]
    body = bytearray(length)
    view = memoryview(body)
    view[: len(have)] = have
    got = len(have)
    while got < length:
        got += sock.recv_into(view[got:])
    pending = b""
    return head, body


while True:
    sock.sendall(NEXT)
    head, body = response()
    at = head.find(b"Lambda-Runtime-Aws-Request-Id: ") + 31
    request_id = head[at : head.find(b"\r\n", at)]
    out = encode(decode(body))
    first = POST % (request_id, len(out))
    if len(out) < 65536:
        sock.sendall(first + out)
    else:
        sock.sendall(first)
        sock.sendall(out)
    response()
