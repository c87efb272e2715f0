# raw bytes: a `bytes` event is the payload exactly as received, undecoded; a
# `bytes` return value is sent back verbatim (here: a checksum line, not JSON).
import hashlib

from minlambda import lambda_handler, serve


@lambda_handler
def checksum(event: bytes) -> bytes:
    return f"sha256 {hashlib.sha256(event).hexdigest()} {len(event)} bytes\n".encode()


if __name__ == "__main__":
    serve()
