"""The deployment recipes of examples/deploy/ (docs/deploy.md), run the way Lambda runs
them, as real processes against the emulator: the container image's ENTRYPOINT + CMD,
the managed runtime's AWS_LAMBDA_EXEC_WRAPPER script, the custom runtime's bootstrap,
the zip that build.sh makes (built offline from this checkout), and the SAM template
(cfn-lint, and its handlers against the code)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, clean_env

from minlambda.testing import Emulator

DEPLOY = ROOT / "examples" / "deploy"
CONTAINER = DEPLOY / "container"
ZIP = DEPLOY / "zip-managed-runtime"
FUNCTION = ZIP / "function"
WRAPPER = FUNCTION / "minlambda-wrapper"
CUSTOM = DEPLOY / "custom-runtime"
TEMPLATE = DEPLOY / "sam" / "template.yaml"


@pytest.fixture
def emulator():
    with Emulator(timeout=10) as emulator:
        yield emulator


@pytest.fixture
def started():
    """Processes to kill after the test, whatever it asserted: each in a session of its
    own, killed as a group, so a script that did not exec cannot leave its child behind."""
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate(timeout=10)


def _start(started, argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    started.append(p)
    return p


def _python3_first_on_path(tmp_path: Path) -> str:
    """A PATH whose `python3` is this venv's interpreter. A shim that execs it, not a
    symlink: a symlink to a venv's python outside the venv's bin/ loses the venv (no
    pyvenv.cfg next to it), so msgspec would be missing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def _lambda_env(emulator: Emulator, task_root: Path, handler: str, path: str, **extra: str | None):
    """What Lambda gives a runtime process (the part these scripts read)."""
    # nothing the scripts are meant to set themselves
    values: dict[str, str | None] = {"PYTHONPATH": None, "PYTHONUNBUFFERED": None, **extra}
    return clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, _HANDLER=handler,
                     LAMBDA_TASK_ROOT=str(task_root), PATH=path, **values)


def _assert_hello(emulator: Emulator) -> None:
    result = emulator.invoke({"name": "Ada"})
    assert result.ok, result.payload
    assert result.json() == {"message": "Hello, Ada!", "request_id": result.request_id}
    # typed decoding: minlambda serves the function, not a plain-function caller
    bad = emulator.invoke({"name": 5})
    assert bad.error_type == "Runtime.ValidationError"
    assert bad.error is not None and bad.error["errorDetails"]["path"] == "$.name"


def _proc_argv_and_env(pid: int) -> tuple[list[str], dict[str, str]]:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")[:-1]
    env = dict(item.decode().partition("=")[::2] for item in environ)
    return [a.decode() for a in argv], env


def _assert_executable(path: Path) -> None:
    mode = path.stat().st_mode
    assert mode & stat.S_IXUSR and mode & stat.S_IXOTH, f"{path} must be executable (chmod 755)"


# -- the container image ------------------------------------------------------------------


def _instruction(dockerfile: Path, name: str) -> list[str]:
    """The JSON-array form of the last NAME instruction (the one Docker keeps)."""
    lines = [line for line in dockerfile.read_text().splitlines() if line.split(maxsplit=1)[:1] == [name]]
    assert lines, f"no {name} in {dockerfile}"
    value = json.loads(lines[-1].split(maxsplit=1)[1])
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), value
    return value


def test_container_entrypoint_and_cmd_serve_the_function_and_stop_cleanly(emulator, started):
    entrypoint = _instruction(CONTAINER / "Dockerfile", "ENTRYPOINT")
    cmd = _instruction(CONTAINER / "Dockerfile", "CMD")
    argv = entrypoint + cmd
    assert argv[0] == "python"  # the image's interpreter; here, this venv's
    argv[0] = sys.executable
    env = clean_env(AWS_LAMBDA_RUNTIME_API=emulator.runtime_api, PYTHONPATH=None)
    p = _start(started, argv, env, CONTAINER)  # cwd: the image's WORKDIR, holding app.py
    _assert_hello(emulator)
    # what Lambda's shutdown (with the extension app.py's hook registers) or `docker
    # stop` does: SIGTERM, the hook runs, the process exits 0
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 0, err.decode()
    assert out.decode().splitlines()[-1] == "app: shutting down"
    assert b"Traceback" not in err


# -- the managed runtime's wrapper, the custom runtime's bootstrap ------------------------


@pytest.mark.parametrize("original", [
    ["/var/runtime/bootstrap"],
    ["/var/lang/bin/python3.12", "-u", "/var/runtime/bootstrap.py"],
], ids=["bootstrap", "interpreter-and-args"])
def test_exec_wrapper_replaces_the_managed_runtime_client(emulator, started, tmp_path, original):
    _assert_executable(WRAPPER)
    env = _lambda_env(emulator, FUNCTION, "app.handler", _python3_first_on_path(tmp_path),
                      AWS_EXECUTION_ENV="AWS_Lambda_python3.12")
    # the managed runtime's bootstrap runs "$AWS_LAMBDA_EXEC_WRAPPER" with its own
    # command as arguments; the working directory is not the task root here
    p = _start(started, [str(WRAPPER), *original], env, tmp_path)
    _assert_hello(emulator)
    argv, proc_env = _proc_argv_and_env(p.pid)
    # exec'd (no shell left between Lambda and the runtime), the original command ignored
    assert argv == [sys.executable, "-m", "minlambda", "app.handler"]
    assert proc_env["PYTHONPATH"].split(os.pathsep)[0] == str(FUNCTION)
    assert proc_env["PYTHONUNBUFFERED"] == "1"


def test_custom_runtime_bootstrap_serves_the_handler(emulator, started, tmp_path):
    bootstrap = CUSTOM / "bootstrap"
    _assert_executable(bootstrap)
    env = _lambda_env(emulator, CUSTOM, "app.handler", _python3_first_on_path(tmp_path),
                      PYTHONPATH="/opt/from-the-configuration")
    p = _start(started, [str(bootstrap)], env, tmp_path)  # Lambda runs it with no arguments
    _assert_hello(emulator)
    argv, proc_env = _proc_argv_and_env(p.pid)
    assert argv == [sys.executable, "-m", "minlambda", "app.handler"]
    assert proc_env["PYTHONPATH"] == f"{CUSTOM}{os.pathsep}/opt/from-the-configuration"


def test_a_bad_handler_is_an_init_error_through_the_wrapper(emulator, started, tmp_path):
    env = _lambda_env(emulator, FUNCTION, "app.nothing_here", _python3_first_on_path(tmp_path))
    p = _start(started, [str(WRAPPER), "/var/runtime/bootstrap"], env, tmp_path)
    result = emulator.invoke({})
    assert result.status == 502 and result.error_type == "Runtime.HandlerNotFound"
    assert p.wait(10) == 1


# -- the zip of build.sh ------------------------------------------------------------------


def _offline_pip_env(**extra: str) -> dict[str, str]:
    """pip with no configuration, index or find-links but the ones given on its command line."""
    env = {k: v for k, v in clean_env(**extra).items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.fixture(scope="module")
def minlambda_wheel(tmp_path_factory) -> Path:
    """A directory with a wheel of this checkout's minlambda, for `--find-links`. Written
    directly (a wheel is a zip of the package and a dist-info): no build backend is
    needed offline (a fresh venv's setuptools cannot build one without `wheel`)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    version = project["version"]
    dist = f"minlambda-{version}.dist-info"
    files = {path.relative_to(ROOT).as_posix(): path.read_bytes()
             for path in sorted((ROOT / "minlambda").rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    requires = "".join(f"Requires-Dist: {r}\n" for r in project["dependencies"])
    files[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: minlambda\nVersion: {version}\n{requires}".encode()
    files[f"{dist}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test_deploy\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for name, data in files.items()]
    files[f"{dist}/RECORD"] = ("\n".join([*record, f"{dist}/RECORD,,"]) + "\n").encode()
    wheels = tmp_path_factory.mktemp("wheels")
    with zipfile.ZipFile(wheels / f"minlambda-{version}-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return wheels


def _extract(archive: zipfile.ZipFile, target: Path) -> None:
    """As Lambda unpacks a zip: the files with their modes."""
    for info in archive.infolist():
        path = Path(archive.extract(info, target))
        path.chmod((info.external_attr >> 16) & 0o777)


@pytest.mark.slow
def test_build_sh_makes_a_zip_the_wrapper_serves(emulator, started, tmp_path, minlambda_wheel):
    # offline: minlambda from the wheel of this checkout, for Lambda's platform and
    # python3.12 as build.sh asks pip; --no-deps because msgspec's wheel for that
    # platform cannot be had offline (the runtime gets msgspec from a stand-in below)
    out = tmp_path / "function.zip"
    done = subprocess.run([str(ZIP / "build.sh"), "--no-index", "--find-links", str(minlambda_wheel),
                           "--no-deps"], env=_offline_pip_env(PYTHON=sys.executable, OUT=str(out)),
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {"app.py", "orders.py", "minlambda-wrapper", "minlambda/__init__.py",
                "minlambda/events/__init__.py", "minlambda/py.typed"} <= names
        assert "requirements.txt" not in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        assert modes["minlambda-wrapper"] == 0o755 and modes["app.py"] == 0o644
        task = tmp_path / "task"
        _extract(archive, task)

    # an interpreter that has neither minlambda nor msgspec: minlambda must come from
    # the zip; msgspec from a directory on the platform's PYTHONPATH
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=60)
    python3 = bare / "bin" / "python3"
    assert subprocess.run([str(python3), "-c", "import minlambda"], cwd=tmp_path,
                          capture_output=True).returncode != 0
    import msgspec

    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "msgspec").symlink_to(Path(msgspec.__file__).parent)
    env = _lambda_env(emulator, task, "app.handler",
                      f"{bare / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                      PYTHONPATH=str(runtime), AWS_EXECUTION_ENV="AWS_Lambda_python3.12")
    _start(started, [str(task / "minlambda-wrapper"), "/var/runtime/bootstrap"], env, tmp_path)
    _assert_hello(emulator)


def test_build_sh_refuses_an_unknown_architecture(tmp_path):
    done = subprocess.run([str(ZIP / "build.sh")], env=clean_env(ARCH="sparc", OUT=str(tmp_path / "f.zip")),
                          capture_output=True, timeout=30)
    assert done.returncode == 2 and b"ARCH must be x86_64 or arm64" in done.stderr
    assert not (tmp_path / "f.zip").exists()


# -- the SAM template ---------------------------------------------------------------------


BROKEN_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: .
      Handlr: orders.charge
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            FunctionResponseTypes:
              - ReportBatchItemFailures
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeot: 60
"""


def test_sam_template_passes_cfn_lint(tmp_path):
    pytest.importorskip("cfnlint")
    # a broken template linted in the same run: cfn-lint really checks this kind of
    # template (SAM functions, SQS queues), it does not just pass it
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN_TEMPLATE)
    cfn_lint = "import sys; from cfnlint.runner import main; sys.exit(main())"  # the cfn-lint command
    done = subprocess.run([sys.executable, "-c", cfn_lint, str(TEMPLATE), str(broken)],
                          capture_output=True, timeout=120, env=clean_env())
    report = done.stdout.decode() + done.stderr.decode()
    assert str(TEMPLATE) not in report, report
    assert "'Handlr' was unexpected" in report and "'VisibilityTimeot' was unexpected" in report, report
    assert done.returncode != 0


def _template() -> dict:
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):
        pass

    # CloudFormation's short forms (!GetAtt X.Arn, !Ref X) as plain {"Fn": value}
    def short_form(loader, tag, node):
        if isinstance(node, yaml.ScalarNode):
            return {tag: loader.construct_scalar(node)}
        return {tag: loader.construct_object(node, deep=True)}

    Loader.add_multi_constructor("!", short_form)
    return yaml.load(TEMPLATE.read_text(), Loader=Loader)


def test_sam_functions_point_at_the_recipes():
    resources = _template()["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    image = [f for f in functions.values() if f["Properties"].get("PackageType") == "Image"]
    assert len(image) == 1
    context = (TEMPLATE.parent / image[0]["Metadata"]["DockerContext"]).resolve()
    assert context == CONTAINER and (context / image[0]["Metadata"]["Dockerfile"]).is_file()

    zips = {k: f["Properties"] for k, f in functions.items() if f["Properties"].get("PackageType") != "Image"}
    assert len(zips) == 2
    for properties in zips.values():
        assert properties["Runtime"] == "python3.12"
        code = (TEMPLATE.parent / properties["CodeUri"]).resolve()
        assert code == FUNCTION
        wrapper = properties["Environment"]["Variables"]["AWS_LAMBDA_EXEC_WRAPPER"]
        assert wrapper == "/var/task/" + WRAPPER.name  # the zip's root is /var/task
        module, _, _ = properties["Handler"].rpartition(".")
        assert (code / f"{module}.py").is_file()

    # the SQS worker: the handler that test_sqs_worker_through_the_wrapper runs
    (worker,) = [p for p in zips.values() if "Events" in p]
    assert worker["Handler"] == SQS_HANDLER
    (event,) = worker["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


SQS_HANDLER = "orders.charge"  # the SQS function's Handler in the template


def test_sqs_worker_through_the_wrapper(emulator, started, tmp_path):
    # as deployed: the wrapper, a batch with a failing message and one that is not an
    # order, both reported back for SQS to retry
    env = _lambda_env(emulator, FUNCTION, SQS_HANDLER, _python3_first_on_path(tmp_path))
    p = _start(started, [str(WRAPPER), "/var/runtime/bootstrap"], env, tmp_path)
    records = [{"messageId": "m1", "body": json.dumps({"id": "a", "amount": 0})},
               {"messageId": "m2", "body": "not an order"},
               {"messageId": "m3", "body": json.dumps({"id": "c", "amount": 5})}]
    result = emulator.invoke({"Records": records})
    assert result.ok, result.payload
    assert result.json() == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    os.killpg(p.pid, signal.SIGKILL)
    out, _ = p.communicate(timeout=10)
    # the last thing printed, and nothing flushed it: unbuffered, it is out before the kill
    assert out.decode().splitlines()[-1] == "charged 5 for order c"
