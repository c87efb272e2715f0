"""The release artefact: `python -m build` makes a wheel whose only runtime dependency
is msgspec, with every module, the py.typed marker, the console script and the pytest
plugin entry point, at the version the package reports."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

import minlambda


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    source = tmp_path_factory.mktemp("source")  # a copy: the build writes build/, *.egg-info
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "minlambda", source / "minlambda",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                           "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = out.glob("*.whl")
    return path


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(z.read(name))


def test_the_only_runtime_dependency_is_msgspec(wheel):
    meta = _metadata(wheel)
    required = meta.get_all("Requires-Dist") or []
    runtime = [r for r in required if "extra ==" not in r]
    assert runtime == ["msgspec>=0.18"]
    assert meta["Name"] == "minlambda"
    assert meta["Version"] == minlambda.__version__
    assert meta["Requires-Python"] == ">=3.11"
    assert set(meta.get_all("Provides-Extra") or []) >= {"dev", "bench"}


def test_the_wheel_holds_every_module_and_the_typing_marker(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "minlambda").rglob("*.py")}
    assert sources <= names
    assert "minlambda/py.typed" in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_the_wheel_declares_the_cli_and_the_pytest_plugin(wheel):
    with zipfile.ZipFile(wheel) as z:
        (name,) = [n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = z.read(name).decode()
    assert "[console_scripts]\nminlambda = minlambda._cli:main" in entry_points
    assert "[pytest11]\nminlambda = minlambda._pytest_plugin" in entry_points


def test_the_changelog_has_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {minlambda.__version__} " in changelog
