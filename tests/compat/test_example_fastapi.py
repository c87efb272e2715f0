"""examples/fastapi_local.py as its comment says to run it: `python -m minlambda local
examples/fastapi_local.py:handler --http --watch`, then GET, POST JSON, a 404 and a
binary response over HTTP; and the same app under `runtime.http(...)` in pytest."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("mangum")
pytest.importorskip("fastapi")

from conftest import ROOT  # noqa: E402
from test_cli import child_env, free_port  # noqa: E402

from minlambda.testing import LocalRuntime  # noqa: E402

EXAMPLE = "examples/fastapi_local.py:handler"


def call(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers["Content-Type"], response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "minlambda", "local", EXAMPLE, "--http", "--watch",
         "--port", str(port)],
        cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert line.startswith(f"minlambda: serving {EXAMPLE} behind a Function URL"), line
        yield port
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_get_post_404_and_binary(served: int) -> None:
    from examples.fastapi_local import PIXEL  # noqa: PLC0415 - needs fastapi

    assert call(served, "GET", "/orders/42") == (
        200,
        "application/json",
        b'{"id":"42","item":"lamp","quantity":1}',
    )
    status, _, body = call(served, "POST", "/orders", b'{"item": "desk", "quantity": 2}')
    assert status == 201
    created = json.loads(body)
    assert created["item"] == "desk" and created["quantity"] == 2
    assert call(served, "GET", f"/orders/{created['id']}")[0] == 200
    status, _, body = call(served, "GET", "/orders/7")
    assert (status, json.loads(body)) == (404, {"detail": "no order 7"})
    assert call(served, "GET", "/pixel.png") == (200, "image/png", PIXEL)


def test_the_same_app_in_pytest() -> None:
    with LocalRuntime(EXAMPLE) as runtime:
        assert runtime.http("GET", "/orders/42").json()["item"] == "lamp"
        created = runtime.http("POST", "/orders", json={"item": "chair"})
        assert created.status == 201 and created.json()["item"] == "chair"
        assert runtime.http("GET", "/orders/nope").status == 404
        assert runtime.http("GET", "/pixel.png").headers["content-type"] == "image/png"
