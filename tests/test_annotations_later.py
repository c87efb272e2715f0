"""Annotations that name what is defined later (a class below the handler) or never
at run time (a name imported under TYPE_CHECKING): a decorated handler's event and
response types are resolved when it is served; a name that still names nothing is an
init error, Runtime.InvalidSchema, naming the function and the name. Through the CLI,
serve() (LocalRuntime by name) and LocalRuntime. The *_pep649 apps rely on Python
3.14's deferred annotations (no `from __future__ import annotations`)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from conftest import ROOT, clean_env

from minlambda.testing import Emulator, LocalRuntime

CLIAPPS = ROOT / "tests" / "cliapps"
PEP649 = pytest.mark.skipif(
    sys.version_info < (3, 14), reason="PEP 649 (deferred annotations) is Python 3.14+"
)
LATER = ["later_types", pytest.param("later_types_pep649", marks=PEP649)]
NEVER = ["never_defined", pytest.param("never_defined_pep649", marks=PEP649)]
pytestmark = pytest.mark.usefixtures("isolated_cliapps")


def _invoke(target: str, event: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "minlambda", "invoke", target, "--event", event],
        env=clean_env(), cwd=CLIAPPS, capture_output=True, timeout=30,
    )  # fmt: skip


def _served(args: list[str], events: list[object], wait: bool = False) -> tuple[list[Any], int | None]:
    """`python ARGS` against an Emulator, sent `events`; the results and, with
    `wait`, the exit status (init failed: it exits by itself)."""
    with Emulator() as emulator:
        proc = subprocess.Popen(
            [sys.executable, *args],
            env=clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api), cwd=CLIAPPS,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            results = [emulator.invoke(event) for event in events]
            code = proc.wait(20) if wait else None
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate(timeout=10)
    return results, code


@pytest.mark.parametrize("module", LATER)
def test_types_defined_below_the_handler_through_the_cli(module):
    done = _invoke(f"{module}.handle", '{"id": "a", "amount": 2}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"id": "a", "total": 4}
    bad = _invoke(f"{module}.handle", '{"id": "a", "amount": "x"}')
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["errorType"] == "Runtime.ValidationError"


@pytest.mark.parametrize("module", LATER)
def test_types_defined_below_the_handler_in_local_runtime(module):
    imported = __import__(module)
    for target in (imported.handle, f"{module}.handle"):
        with LocalRuntime(target) as runtime:
            assert runtime.invoke({"id": "a", "amount": 2}).json() == {"id": "a", "total": 4}
            error = runtime.invoke({"id": "a"}).json()
        assert error["errorType"] == "Runtime.ValidationError"
        assert error["errorDetails"]["path"] == "$.amount"


@pytest.mark.parametrize("module", LATER)
def test_types_defined_below_the_handler_under_the_lambda_loop(module):
    (result,), _ = _served(["-m", "minlambda", f"{module}.handle"], [{"id": "b", "amount": 5}])
    assert result.json() == {"id": "b", "total": 10}


@pytest.mark.parametrize("module", LATER)
def test_types_defined_below_the_handler_with_serve_in_a_script(module):
    (result, invalid), _ = _served(
        [str(CLIAPPS / f"{module}.py")], [{"id": "c", "amount": 1}, {"id": "c"}]
    )
    assert result.json() == {"id": "c", "total": 2}
    assert invalid.error_type == "Runtime.ValidationError"


@pytest.mark.parametrize("module", NEVER)
def test_a_name_that_never_resolves_is_an_init_error_naming_it(module):
    done = _invoke(f"{module}.handle", "{}")
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert error["errorType"] == "Runtime.InvalidSchema"
    assert f"handler {module}.handle" in error["errorMessage"]
    assert "NeverDefined" in error["errorMessage"]
    with LocalRuntime(f"{module}.handle") as runtime:
        result = runtime.invoke({})
    assert result.status == 502 and result.error_type == "Runtime.InvalidSchema"
    (served,), code = _served(["-m", "minlambda", f"{module}.handle"], [{}], wait=True)
    assert served.status == 502 and served.error_type == "Runtime.InvalidSchema"
    assert code == 1


@PEP649
def test_an_undecorated_handler_never_evaluates_its_annotations():
    done = _invoke("later_types_pep649.plain", '{"any": ["json"]}')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"any": ["json"]}
