"""Every fenced code block of README.md and docs/*.md is run or checked: one test per
block, with the id FILE:LINE (the line of its opening fence).

The rules, for whoever writes docs
==================================

By language tag:

- ``python``: run in a fresh interpreter (a subprocess in a temporary directory, 60 s at
  most), **imported as a module, never run as ``__main__``**: a block that ends with
  ``if __name__ == "__main__": serve()`` is checked without serving. A ``serve()`` call at
  module level outside such a guard would block, so it fails at once. A block that
  defines ``test_*`` functions is run with pytest instead (the ``lambda_runtime`` fixture
  is there) and its tests must pass.
- ``sh``, ``bash``, ``shell`` and untagged blocks: shell commands, one per line (a ``\\``
  at the end continues a line, ``#`` starts a comment, commands joined by ``&&`` run one
  after the other). Each runs with bash in the temporary directory, where ``python``,
  ``python3`` and ``.venv/bin/python`` are the interpreter running these tests, and
  ``examples/``, ``benchmarks/`` and ``fuzz/`` are the project's.

  - A command must exit 0, or N when its comment starts with ``exit N`` (``# exit 1``).
  - A server (``python FILE.py``, ``python -m minlambda local ...``, ``python -m
    minlambda HANDLER``, or ``minlambda`` for ``python -m minlambda``) is started in the
    background on a free port (``--port N`` and ``MINLAMBDA_LOCAL_PORT=N`` are rewritten)
    and must print its ``minlambda: serving`` line; it gets SIGINT (Ctrl-C) at the end of
    the block and must then exit 0.
  - A command naming ``127.0.0.1:PORT`` or ``localhost:PORT`` (``curl``, say) talks to the
    server started for PORT (9000 without ``--port``) by this block, else by the nearest
    block before it on the page, which is started for it. A ``curl`` whose answer carries
    ``X-Amz-Function-Error`` (or an HTTP error status) fails unless its comment names the
    answer's errorType (``# Runtime.ValidationError``); one whose comment names an
    errorType fails when it gets no error.
  - Commands matching NOT_RUN (below: pip install, docker, sam and aws, the whole test
    suite, fuzzing, benchmarks) are not run, for the reason given there; a block with
    nothing else is skipped. When the nearest command before a ``curl`` that names its
    port is one of these (``docker run -p 9000:9000 ...``), the ``curl`` is not run
    either.
- ``console``: ``$ `` lines are commands, run as above (``> `` lines continue one); the
  lines after a command, up to the next, are its expected stdout (compared as an
  ``<!-- output -->`` text block, below; stderr is not compared).
- ``json``: must parse. ``toml``: must parse. ``yaml``: must parse, CloudFormation tags
  (``!Ref``...) allowed (skipped where PyYAML is not installed). ``dockerfile``: known
  instructions only, JSON forms that parse, ``FROM`` first (after ``ARG``s); with
  ``ENTRYPOINT ["python", "-m", "minlambda"]`` and a ``CMD`` handler whose module is a
  file of the page, ``python -m minlambda schema HANDLER`` must load it.
- ``text``: output and illustrations (log lines, diagrams, a usage synopsis): not run.
- Any other tag fails: use one of the above, or mark the block.

Markers are HTML comments on the line(s) right before the opening fence:

- ``<!-- not-run: REASON -->``: the block is not run; its test is skipped with REASON.
- ``<!-- file: NAME -->``: the block is the file NAME, written into the temporary
  directory of every later block of the same page (a later block of the same name
  replaces it). It is not run by itself: its test runs the first later block that uses it
  (that names NAME or its module), which must pass.
- ``<!-- output -->``: the block is the expected stdout of the nearest runnable block
  before it (of its last command, for a shell block). ``json`` is compared as JSON with
  the JSON document that ends the stdout (log lines before it are left out): the same
  keys in the same order, equal values; ``text`` as text. In both, ``...`` matches
  anything, every UUID matches every UUID, the temporary directory reads as ``/var/task``,
  and lines made only of ``^`` and ``~`` (Python's error carets, which vary by version)
  are left out.

docs/errors.md: every JSON payload with an ``errorType`` there is an ``<!-- output -->``
of the block that produces it, or is produced by REPRODUCERS (below: what the local
emulator cannot make happen, such as a bad client context from the platform or a
SnapStart restore); every error type named in minlambda's source appears on the page,
and every case of ERROR_PAGE_PAYLOADS has a payload there.

After a deliberate change of an output, ``python tests/test_docs.py --update PAGE.md``
rewrites the page's output blocks that no longer match (read the diff before committing).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakeapi import Event, FakeAPI

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINKED = ("examples", "benchmarks", "fuzz")  # project directories the docs' commands name
VIRTUAL_TASK_ROOT = "/var/task"
TIMEOUT = 60.0
_SCRUB = ("AWS_LAMBDA_", "_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "_LAMBDA_",
          "MINLAMBDA_", "PYTEST_")

# Commands that cannot run here, with the reason. Matched against each command (one part
# of an `&&` chain), its leading VAR=value assignments left out.
NOT_RUN: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\S*/)?pip3?\s+install\b|-m\s+pip\s+install\b"),
     "installs packages from PyPI: CI runs offline, in the environment these tests already use"),
    (re.compile(r"^(\S*/)?pip3?\s+wheel\b|-m\s+pip\s+wheel\b"),
     "builds a wheel of a checkout the docs name by a placeholder path (path/to/minlambda)"),
    (re.compile(r"-m\s+venv\b"),
     "creates a virtual environment: the tests run in one (.ci/run runs the README's setup "
     "from a clean clone)"),
    (re.compile(r"^docker\b"), "needs a Docker daemon and network access"),
    (re.compile(r"^(sam|aws|cdk|terraform|serverless)\b"), "deploys to, or calls, an AWS account"),
    (re.compile(r"(^|\s)(\S*/)?(python3?\s+-m\s+)?pytest\s*$"),
     "runs the whole test suite, this test included"),
    (re.compile(r"\bfuzz"), "prepares or runs a fuzzing session of minutes (needs atheris)"),
    (re.compile(r"\bbenchmarks/"), "a benchmark takes minutes and needs the bench extras"),
]

LANGUAGES = {
    "python": "python", "py": "python",
    "sh": "shell", "bash": "shell", "shell": "shell", "": "shell",
    "console": "console",
    "json": "json", "toml": "toml", "yaml": "yaml", "yml": "yaml",
    "dockerfile": "dockerfile",
    "text": "text",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CARETS = re.compile(r"^[ \t]*[\^~]+[ \t]*$")
MARKER = re.compile(r"^\s*<!--\s*(not-run|file|output)\s*(?::\s*(.*?))?\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
LOCAL_URL = re.compile(r"\b(?:127\.0\.0\.1|localhost):(\d+)")
ERROR_TYPE = re.compile(r"\b(?:(?:Runtime|Function|Sandbox)\.[A-Za-z]+|[A-Z][A-Za-z]+Exception)\b")


# -- the blocks ---------------------------------------------------------------------------


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    tag: str  # the language tag as written
    text: str
    markers: dict[str, str]
    index: int = 0  # its place on the page

    @property
    def id(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"

    @property
    def kind(self) -> str | None:
        return LANGUAGES.get(self.tag.lower())

    @property
    def file(self) -> str | None:
        return self.markers.get("file")

    @property
    def runnable(self) -> bool:
        return (self.kind in ("python", "shell", "console") and self.file is None
                and "not-run" not in self.markers and "output" not in self.markers)


def parse_page(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        indent, fence, tag = opening.groups()
        markers: dict[str, str] = {}
        back = number - 1
        while back >= 0 and (found := MARKER.match(lines[back])):
            markers.setdefault(found[1], found[2] or "")
            back -= 1
        body: list[str] = []
        number += 1
        while number < len(lines):
            line = lines[number]
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                break
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            number += 1
        start = number - len(body)  # the fence's own line, 1-based
        blocks.append(Block(page, start, tag, "\n".join(body) + "\n", markers, len(blocks)))
        number += 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for page in PAGES for block in parse_page(page)]


BLOCKS = all_blocks()


def page_blocks(page: Path) -> list[Block]:
    return [block for block in BLOCKS if block.page == page]


# -- where blocks run ---------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """os.environ without what steers the runtime (or pytest), this venv first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Workdir:
    path: Path
    files: list[str]  # the page's file blocks written here


_base: list[Path] = []


def make_workdir(block: Block) -> Workdir:
    """A fresh directory holding the page's file blocks that come before `block`."""
    if not _base:
        _base.append(Path(tempfile.mkdtemp(prefix="minlambda-docs-")))
    path = Path(tempfile.mkdtemp(prefix=f"{block.page.stem}-{block.line}-", dir=_base[0]))
    (path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    for name in LINKED:
        if (ROOT / name).exists():
            (path / name).symlink_to(ROOT / name)
    written: dict[str, str] = {}
    for earlier in page_blocks(block.page)[: block.index + 1]:
        if earlier.file:
            written[earlier.file] = earlier.text
    for name, text in written.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return Workdir(path, list(written))


@pytest.fixture(scope="module", autouse=True)
def _clean_base() -> Iterator[None]:
    yield
    _outcomes.clear()
    if _base:
        shutil.rmtree(_base.pop(), ignore_errors=True)


# -- running a block, once ----------------------------------------------------------------


@dataclass
class Outcome:
    workdir: Path
    stdout: str = ""  # the block's stdout: a python block's, a shell block's last command's
    notes: list[str] = field(default_factory=list)


_outcomes: dict[str, Outcome | BaseException] = {}


def run_block(block: Block) -> Outcome:
    """Run a runnable block (once per session: later callers get the same outcome)."""
    if block.id not in _outcomes:
        try:
            workdir = make_workdir(block)
            if block.kind == "python":
                _outcomes[block.id] = run_python(block, workdir)
            else:
                _outcomes[block.id] = run_shell(block, workdir)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:
            _outcomes[block.id] = exc
    outcome = _outcomes[block.id]
    if isinstance(outcome, BaseException):
        if isinstance(outcome, pytest.skip.Exception):
            pytest.skip(str(outcome.msg))
        pytest.fail(f"{block.id} failed: {outcome}", pytrace=False)
    return outcome


def run(argv: list[str] | str, workdir: Path, *, shell: bool = False, timeout: float = TIMEOUT,
        **env: str) -> subprocess.CompletedProcess[str]:
    args = ["bash", "-c", argv] if shell else argv
    try:
        return subprocess.run(args, cwd=workdir, env=child_env(**env), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {timeout:g} s: {argv}", pytrace=False)


def run_python(block: Block, workdir: Workdir) -> Outcome:
    try:
        tree = ast.parse(block.text)
    except SyntaxError as exc:
        pytest.fail(f"{block.id}: not valid Python: {exc}", pytrace=False)
    for statement in tree.body:  # not under an `if`, a `def`...: run at import
        if isinstance(statement, (ast.Expr, ast.Assign)) and any(
            isinstance(call, ast.Call)
            and getattr(call.func, "id", getattr(call.func, "attr", None)) == "serve"
            for call in ast.walk(statement)
        ):
            pytest.fail(f"{block.id}: serve() at module level blocks: put it under "
                        "`if __name__ == \"__main__\":`", pytrace=False)
    tests = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
             and n.name.startswith("test_")]
    if tests:
        (workdir.path / "test_docs_block.py").write_text(block.text)
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_docs_block.py"]
    else:
        (workdir.path / "docs_block.py").write_text(block.text)
        argv = [sys.executable, "-c", "import docs_block"]
    done = run(argv, workdir.path, MINLAMBDA_LOCAL_PORT=str(free_port()))
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    if tests:
        assert f"{len(tests)} passed" in done.stdout, done.stdout
    return Outcome(workdir.path, done.stdout)


# -- shell commands -----------------------------------------------------------------------


def split_comment(line: str) -> tuple[str, str]:
    """(the command, its comment), by a `#` outside quotes that starts a word."""
    quote = ""
    escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.strip(), ""


def split_and(command: str) -> list[str]:
    """The parts of an `a && b` chain (outside quotes)."""
    parts, quote, start, i = [], "", 0, 0
    while i < len(command):
        char = command[i]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif command.startswith("&&", i):
            parts.append(command[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    parts.append(command[start:].strip())
    return [part for part in parts if part]


@dataclass
class Command:
    text: str  # the command line, without its comment
    comment: str = ""
    expected: str | None = None  # console: the expected stdout

    @property
    def exit_status(self) -> int:
        found = re.match(r"exit\s+(\d+)\b", self.comment)
        return int(found[1]) if found else 0


def commands(block: Block) -> list[Command]:
    if block.kind == "console":
        found: list[Command] = []
        output: list[str] = []
        for line in block.text.splitlines():
            if line.startswith("$ "):
                if found:
                    found[-1].expected = "\n".join(output)
                output = []
                code, comment = split_comment(line[2:])
                found.append(Command(code, comment))
            elif line.startswith("> ") and found and not output:
                code, comment = split_comment(line[2:])
                found[-1].text += " " + code
                found[-1].comment = found[-1].comment or comment
            else:
                assert found, f"{block.id}: a console block starts with a `$ ` command line"
                output.append(line)
        if found:
            found[-1].expected = "\n".join(output)
        return found
    result: list[Command] = []
    pending = ""
    for line in block.text.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        code, comment = split_comment(pending + line)
        pending = ""
        if code:
            result.append(Command(code, comment))
    return result


def words(part: str) -> tuple[dict[str, str], list[str]]:
    """The VAR=value assignments before a command, and its words."""
    try:
        tokens = shlex.split(part)
    except ValueError:
        return {}, []
    assignments: dict[str, str] = {}
    while tokens and ASSIGNMENT.match(tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        assignments[name] = value
    return assignments, tokens


def not_run(part: str) -> str | None:
    _, argv = words(part)
    text = " ".join(argv) if argv else part
    if argv and not shutil.which(argv[0]) and argv[0] in ("curl", "bash"):
        return f"{argv[0]} is not installed here"
    for pattern, reason in NOT_RUN:
        if pattern.search(text):
            return reason
    return None


def server_port(part: str) -> int | None:
    """The port a server command listens on as the docs say it (None: not a server)."""
    assignments, argv = words(part)
    if not argv or "|" in argv:
        return None
    program = Path(argv[0]).name
    if program.startswith("python"):
        if argv[1:3] == ["-m", "minlambda"]:
            args = argv[3:]
        elif len(argv) > 1 and argv[1].endswith(".py"):
            args = ["local"]
        else:
            return None
    elif program == "minlambda":
        args = argv[1:]
    else:
        return None
    if args and args[0] != "local" and (args[0] in ("invoke", "schema", "help", "event")
                                        or args[0].startswith("-")):
        return None
    for i, arg in enumerate(args):
        if arg == "--port" and i + 1 < len(args) and args[i + 1].isdigit():
            return int(args[i + 1])
        if arg.startswith("--port="):
            return int(arg.split("=", 1)[1])
    return int(assignments.get("MINLAMBDA_LOCAL_PORT", "9000"))


class Server:
    def __init__(self, part: str, workdir: Path) -> None:
        self.doc_port = server_port(part)
        self.port = free_port()
        text = re.sub(r"(--port[ =])\d+", rf"\g<1>{self.port}", part)
        text = re.sub(r"\bMINLAMBDA_LOCAL_PORT=\d+", f"MINLAMBDA_LOCAL_PORT={self.port}", text)
        self.text = text
        self.popen = subprocess.Popen(
            ["bash", "-c", text], cwd=workdir, env=child_env(MINLAMBDA_LOCAL_PORT=str(self.port)),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)
        self.out = bytearray()
        self.err = bytearray()
        self.ready_at = 0.0
        self._ready = threading.Event()
        self._threads = [threading.Thread(target=self._drain, args=(s, b), daemon=True)
                         for s, b in ((self.popen.stdout, self.out), (self.popen.stderr, self.err))]
        for thread in self._threads:
            thread.start()

    def _drain(self, stream: Any, into: bytearray) -> None:
        while chunk := stream.read1(65536):
            into += chunk
            if b"minlambda: serving " in self.out and b"\n" in self.out.split(b"minlambda: serving ", 1)[1]:
                self._ready.set()

    def wait_ready(self) -> str:
        """The stdout up to and including the serving line."""
        deadline = time.monotonic() + 30
        while not self._ready.wait(0.05):
            if self.popen.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.1)
                self.stop(check=False)
                pytest.fail(f"`{self.text}` never served (exit {self.popen.returncode}):\n"
                            f"{self.out.decode(errors='replace')}{self.err.decode(errors='replace')}",
                            pytrace=False)
        self.ready_at = time.monotonic()
        text = self.out.decode(errors="replace")
        head, _, rest = text.partition("minlambda: serving ")
        line = rest.split("\n", 1)[0]
        url = re.search(r"http://[^:/\s]+:(\d+)/", line)
        assert url and int(url[1]) == self.port, line
        return head + "minlambda: serving " + line

    def stop(self, *, check: bool = True) -> None:
        if self.popen.poll() is None:
            # serve_local prints its line just before it starts catching Ctrl-C: an
            # interrupt in between is a traceback (a race of the runtime, not of the docs)
            time.sleep(max(0.0, self.ready_at + 0.3 - time.monotonic()))
            os.killpg(self.popen.pid, signal.SIGINT)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        for thread in self._threads:
            thread.join(5)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()
        if check:
            assert self.popen.returncode == 0, (
                f"`{self.text}` exited {self.popen.returncode} on Ctrl-C:\n"
                + self.err.decode(errors="replace"))


def context_server(block: Block, doc_port: int) -> tuple[str | None, str | None]:
    """(a server command for doc_port from the blocks before, or None; a reason to skip)."""
    skipped: str | None = None
    for earlier in reversed(page_blocks(block.page)[: block.index + 1]):
        if earlier.kind not in ("shell", "console") or "not-run" in earlier.markers:
            continue
        for command in reversed(commands(earlier)):
            for part in reversed(split_and(command.text)):
                reason = not_run(part)
                if reason and re.search(rf"(?<!\d){doc_port}(?!\d)", part):
                    return None, f"{part!r} is not run here ({reason})"  # docker run -p 9000:...
                if reason:
                    skipped = skipped or f"{part!r} is not run here ({reason})"
                elif earlier is not block and server_port(part) == doc_port:
                    return part, None
    return None, skipped


def run_shell(block: Block, workdir: Workdir) -> Outcome:
    servers: dict[int, Server] = {}
    outcome = Outcome(workdir.path)
    ran = 0
    try:
        for command in commands(block):
            parts = split_and(command.text)
            for number, part in enumerate(parts):
                last = number == len(parts) - 1
                reason = not_run(part)
                if reason:
                    outcome.notes.append(f"not run: {part} ({reason})")
                    continue
                doc_port = server_port(part)
                if doc_port is not None:
                    if doc_port in servers:
                        servers.pop(doc_port).stop()
                    server = Server(part, workdir.path)
                    servers[doc_port] = server
                    printed = server.wait_ready().replace(f":{server.port}", f":{doc_port}")
                    if command.expected is not None and last:
                        assert_text_matches(command.expected, printed, workdir.path)
                    ran += 1
                    continue
                text = part
                for port in {int(p) for p in LOCAL_URL.findall(part)}:
                    if port not in servers:
                        found, skip = context_server(block, port)
                        if found is None:
                            if skip:
                                outcome.notes.append(f"not run: {part} (its server: {skip})")
                                text = ""
                                break
                            pytest.fail(f"{block.id}: `{part}` needs a server on port {port}, "
                                        "and no block before it starts one", pytrace=False)
                        servers[port] = Server(found, workdir.path)
                        servers[port].wait_ready()
                    text = re.sub(rf"\b(127\.0\.0\.1|localhost):{port}\b",
                                  f"127.0.0.1:{servers[port].port}", text)
                if not text:
                    continue
                outcome.stdout = run_command(block, text, command if last else Command(text),
                                             workdir.path)
                ran += 1
                if command.expected is not None and last:
                    assert_text_matches(command.expected, outcome.stdout, workdir.path)
    finally:
        for server in servers.values():
            server.stop(check=False)
    for server in servers.values():
        server.stop()
    if not ran:
        pytest.skip("; ".join(outcome.notes))
    return outcome


def run_command(block: Block, text: str, command: Command, workdir: Path) -> str:
    _, argv = words(text)
    headers = workdir / ".curl-headers"
    is_curl = bool(argv) and Path(argv[0]).name == "curl"
    if is_curl:
        headers.unlink(missing_ok=True)
        text = re.sub(r"(^|\s)curl\s", rf"\g<1>curl -D {headers} ", text, count=1)
    done = run(text, workdir, shell=True)
    assert done.returncode == command.exit_status, (
        f"{block.id}: `{command.text}` exited {done.returncode}, not {command.exit_status}\n"
        f"stdout: {done.stdout}\nstderr: {done.stderr}")
    if is_curl and headers.exists():
        head = headers.read_text(errors="replace")
        status = re.findall(r"^HTTP/\S+ (\d+)", head, re.M)
        failed = re.search(r"^x-amz-function-error:", head, re.M | re.I)
        promised = ERROR_TYPE.findall(command.comment)
        if failed or (status and int(status[-1]) >= 400):
            try:
                error_type = json.loads(done.stdout).get("errorType")
            except (ValueError, AttributeError):
                error_type = None
            assert error_type and error_type in promised, (
                f"{block.id}: `{command.text}` was answered with an error ({error_type}); "
                f"if that is meant, say so in its comment: # {error_type}\n{done.stdout}")
        else:
            assert not promised, f"{block.id}: `{command.text}` succeeded, not {promised}"
    return done.stdout


# -- comparing outputs --------------------------------------------------------------------


def normalize(text: str, workdir: Path | None) -> str:
    if workdir is not None:
        text = text.replace(str(workdir), VIRTUAL_TASK_ROOT)
    return UUID.sub("00000000-0000-4000-8000-000000000000", text)


def without_carets(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not CARETS.match(line))


def ellipsis_match(expected: str, actual: str) -> bool:
    pattern = ".*?".join(re.escape(piece) for piece in expected.split("..."))
    return re.fullmatch(pattern, actual, re.S) is not None


def assert_text_matches(expected: str, actual: str, workdir: Path | None) -> None:
    def clean(text: str, path: Path | None) -> str:
        lines = [line.rstrip() for line in without_carets(normalize(text, path)).splitlines()]
        return "\n".join(lines).strip("\n")

    want, got = clean(expected, None), clean(actual, workdir)
    assert ellipsis_match(want, got), f"expected (... matches anything):\n{want}\n\ngot:\n{got}"


def json_mismatch(expected: Any, actual: Any, where: str = "$") -> str | None:
    """Why `actual` does not match the documented `expected` (None when it does)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {actual!r}"
        if list(expected) != list(actual):
            return f"{where}: keys {list(actual)}, documented {list(expected)}"
        for key in expected:
            why = json_mismatch(expected[key], actual[key], f"{where}.{key}")
            if why:
                return why
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where}: expected {len(expected)} items, got {actual!r}"
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            why = json_mismatch(want, got, f"{where}[{i}]")
            if why:
                return why
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        if ellipsis_match(without_carets(expected), without_carets(actual)):
            return None
        return f"{where}: got {actual!r}, documented {expected!r}"
    if expected != actual or type(expected) is not type(actual):
        return f"{where}: got {actual!r}, documented {expected!r}"
    return None


def json_tail(text: str) -> Any:
    """The JSON document that ends `text`: log lines before it (the runtime logs to
    stdout, as in Lambda) are left out."""
    lines = text.splitlines()
    for start in range(len(lines)):
        try:
            return json.loads("\n".join(lines[start:]))
        except ValueError:
            continue
    pytest.fail(f"the output is not JSON:\n{text}", pytrace=False)


def assert_json_matches(expected_text: str, actual_text: str, workdir: Path | None) -> None:
    expected = json.loads(normalize(expected_text, None))
    actual = json_tail(normalize(actual_text, workdir))
    why = json_mismatch(expected, actual)
    assert why is None, f"{why}\n\nthe actual output:\n{normalize(actual_text, workdir)}"


# -- checks of blocks that do not run -----------------------------------------------------

DOCKER_INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
                       "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD",
                       "STOPSIGNAL", "HEALTHCHECK", "SHELL"}


def check_dockerfile(block: Block) -> None:
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in block.text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        name, _, args = (pending + line).strip().partition(" ")
        pending = ""
        assert name.upper() in DOCKER_INSTRUCTIONS, f"unknown Dockerfile instruction {name!r}"
        if args.strip().startswith("["):
            value = json.loads(args)
            assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
        instructions.append((name.upper(), args.strip()))
    names = [name for name, _ in instructions if name != "ARG"]
    assert names and names[0] == "FROM", "a Dockerfile starts with FROM (after ARGs)"
    forms = {name: args for name, args in instructions if name in ("ENTRYPOINT", "CMD")}
    entry = json.loads(forms.get("ENTRYPOINT", "[]") or "[]")
    cmd = json.loads(forms["CMD"]) if forms.get("CMD", "").startswith("[") else []
    if entry[-2:] == ["-m", "minlambda"] and len(cmd) == 1:
        workdir = make_workdir(block)
        handler = cmd[0]
        module = re.split(r"[.:]", handler[:-3] if handler.endswith(".py") else handler)[0]
        if (workdir.path / f"{module}.py").exists():
            done = run([sys.executable, "-m", "minlambda", "schema", handler], workdir.path)
            assert done.returncode == 0, f"CMD {handler!r} does not load:\n{done.stderr}"


def check_yaml(block: Block) -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed")

    class Loader(yaml.SafeLoader):
        pass

    def any_tag(loader: Any, suffix: str, node: Any) -> Any:  # !Ref, !GetAtt, !Sub...
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", any_tag)
    yaml.load(block.text, Loader=Loader)


# -- docs/errors.md -----------------------------------------------------------------------

ERRORS_PAGE = ROOT / "docs" / "errors.md"
# The cases docs/errors.md must show a payload of (what API.md and docs/api.md promise).
ERROR_PAGE_PAYLOADS = {
    "Runtime.UnmarshalError", "Runtime.ValidationError", "Runtime.MarshalError",
    "Runtime.LambdaContextUnmarshalError", "Function.ResponseSizeTooLarge",
    "Runtime.BeforeSnapshotError", "Runtime.AfterRestoreError", "Runtime.ImportModuleError",
    "Runtime.UserCodeSyntaxError", "Runtime.HandlerNotFound", "Runtime.MalformedHandlerName",
    "Runtime.BuiltInModuleConflict", "Runtime.InvalidSchema", "Sandbox.Timedout",
    "RequestEntityTooLargeException", "InvalidRequestContentException", "Runtime.ExitError",
    "Runtime.Unavailable",
}


def _runtime_against_fake_api(workdir: Path, handler: str, event: Event, kind: str,
                              **env: str) -> dict[str, Any]:
    """Run `python -m minlambda HANDLER` against a scripted Runtime API; the JSON it
    posted to the endpoint of `kind` (error, init_error, restore_error)."""
    with FakeAPI([event]) as api:
        popen = subprocess.Popen([sys.executable, "-m", "minlambda", handler], cwd=workdir,
                                 env=child_env(AWS_LAMBDA_RUNTIME_API=api.address, **env),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        try:
            assert api.wait(lambda: bool(api.of_kind(kind)), 20), (
                f"nothing posted to {kind}: {api.requests}")
            (posted,) = api.of_kind(kind)
            return dict(posted.json())
        finally:
            if popen.poll() is None:
                popen.kill()
            popen.communicate()


def _bad_client_context(workdir: Path) -> dict[str, Any]:
    # the local emulator refuses a client context that is not a JSON object (400), so
    # only the platform can send one: here, a scripted Runtime API does
    event = Event({"id": "o-1", "amount": 2},
                  extra_headers=[("Lambda-Runtime-Client-Context", "[1]")])
    return _runtime_against_fake_api(workdir, "app.charge", event, "error")


def _before_snapshot(workdir: Path) -> dict[str, Any]:
    return _runtime_against_fake_api(workdir, "snapshot.handler", Event({}), "init_error",
                                     AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")


def _after_restore(workdir: Path) -> dict[str, Any]:
    # the local emulator has no SnapStart restore endpoint
    return _runtime_against_fake_api(workdir, "restore.handler", Event({}), "restore_error",
                                     AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")


def _emulator_closing(workdir: Path) -> dict[str, Any]:
    from minlambda.testing import Emulator

    answers: list[Any] = []
    with Emulator() as emulator:  # no runtime: the invocation waits until close()
        thread = threading.Thread(target=lambda: answers.append(emulator.invoke({})))
        thread.start()
        deadline = time.monotonic() + 10
        while not emulator._pending and time.monotonic() < deadline:
            time.sleep(0.01)
    thread.join(10)
    (answer,) = answers
    assert answer.status == 502
    return dict(answer.json())


# errorType -> (the page's files it uses, how to produce the payload in their directory)
REPRODUCERS: dict[str, tuple[tuple[str, ...], Callable[[Path], dict[str, Any]]]] = {
    "Runtime.LambdaContextUnmarshalError": (("app.py",), _bad_client_context),
    "Runtime.BeforeSnapshotError": (("snapshot.py",), _before_snapshot),
    "Runtime.AfterRestoreError": (("restore.py",), _after_restore),
    "Runtime.Unavailable": ((), _emulator_closing),
}


def check_json(block: Block) -> None:
    value = json.loads(block.text)
    if "output" in block.markers:
        producer = producer_of(block)
        outcome = run_block(producer)
        assert_json_matches(block.text, outcome.stdout, outcome.workdir)
        return
    if block.page == ERRORS_PAGE and isinstance(value, dict) and "errorType" in value:
        reproducer = REPRODUCERS.get(value["errorType"])
        assert reproducer, (
            f"{block.id}: a payload of {value['errorType']} nothing produces: make it the "
            "<!-- output --> of a block that does, or add a reproducer to REPRODUCERS")
        workdir = make_workdir(block)
        missing = [name for name in reproducer[0] if name not in workdir.files]
        assert not missing, f"{block.id}: no file block before it for {missing}"
        actual = reproducer[1](workdir.path)
        assert_json_matches(block.text, json.dumps(actual), workdir.path)


def producer_of(block: Block) -> Block:
    for earlier in reversed(page_blocks(block.page)[: block.index]):
        if earlier.runnable:
            return earlier
    pytest.fail(f"{block.id}: an <!-- output --> block with no runnable block before it",
                pytrace=False)


def check_file(block: Block) -> None:
    name = block.file
    assert name, block.id
    module = re.escape(Path(name).stem)
    uses = re.compile(rf"(?<![\w.-]){re.escape(name)}\b|\b{module}\b")
    skipped: list[str] = []
    for later in page_blocks(block.page)[block.index + 1 :]:
        if later.file == name:
            break  # replaced before anything used it
        if later.runnable and uses.search(later.text):
            try:
                run_block(later)
            except pytest.skip.Exception as exc:
                skipped.append(f"{later.id}: {exc.msg}")
                continue
            return
    if block.page == ERRORS_PAGE and any(name in files for files, _ in REPRODUCERS.values()):
        return  # used by a reproducer, checked with the payload it produces
    if skipped:
        pytest.skip("every block that uses it is skipped: " + "; ".join(skipped))
    pytest.fail(f"{block.id}: nothing after this file block on its page uses {name}",
                pytrace=False)


# -- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_block(block: Block) -> None:
    if "not-run" in block.markers:
        pytest.skip(f"not run: {block.markers['not-run'] or 'no reason given'}")
    kind = block.kind
    assert kind is not None, (
        f"{block.id}: no rule for a ```{block.tag} block: tag it python, sh, console, json, "
        "toml, yaml, dockerfile or text, or mark it <!-- not-run: REASON --> (see "
        "tests/test_docs.py)")
    if block.file:
        check_file(block)
    elif kind == "json":
        check_json(block)
    elif kind == "text":
        if "output" in block.markers:
            outcome = run_block(producer_of(block))
            assert_text_matches(block.text, outcome.stdout, outcome.workdir)
    elif kind == "toml":
        tomllib.loads(block.text)
    elif kind == "yaml":
        check_yaml(block)
    elif kind == "dockerfile":
        check_dockerfile(block)
    else:
        assert "output" not in block.markers, f"{block.id}: an output block is json or text"
        run_block(block)


def test_every_page_is_read() -> None:
    assert {page.name for page in PAGES} >= {"README.md", "api.md", "testing.md", "errors.md",
                                              "cli.md", "tutorial.md"}
    assert len(BLOCKS) > 50


def _error_types_in_source() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "minlambda").rglob("*.py"):
        text = path.read_text()
        found.update(re.findall(r"[\"']((?:Runtime|Function|Sandbox)\.[A-Za-z]+)[\"']", text))
        found.update(re.findall(r"[\"']([A-Z][A-Za-z]+Exception)[\"']", text))
    return found


def test_every_error_type_of_the_source_is_on_the_errors_page() -> None:
    text = ERRORS_PAGE.read_text()
    types = _error_types_in_source()
    assert "Runtime.ValidationError" in types  # the scan sees them
    missing = sorted(t for t in types if f"`{t}`" not in text)
    assert not missing, f"docs/errors.md does not mention {missing}"


def test_the_errors_page_has_a_payload_of_every_case() -> None:
    shown = set()
    for block in page_blocks(ERRORS_PAGE):
        if block.kind == "json":
            value = json.loads(block.text)
            if isinstance(value, dict) and "errorType" in value:
                shown.add(value["errorType"])
    assert not ERROR_PAGE_PAYLOADS - shown, sorted(ERROR_PAGE_PAYLOADS - shown)


# -- the checker itself -------------------------------------------------------------------


def test_the_parser_finds_fences_markers_and_lines(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# t\n\n<!-- file: app.py -->\n```python\nx = 1\n```\n\ntext\n"
                    "<!-- not-run: needs AWS -->\n```sh\naws s3 ls\n```\n\n  ```\n  a\n  ```\n")
    first, second, third = parse_page(page)
    assert (first.line, first.kind, first.file, first.text) == (4, "python", "app.py", "x = 1\n")
    assert (second.line, second.markers) == (10, {"not-run": "needs AWS"})
    assert (third.line, third.kind, third.text) == (14, "shell", "a\n")


def test_commands_comments_chains_and_servers() -> None:
    assert split_comment("python app.py   # emulator on 127.0.0.1:9000") == (
        "python app.py", "emulator on 127.0.0.1:9000")
    assert split_comment("echo '# not a comment' # exit 1") == ("echo '# not a comment'", "exit 1")
    assert split_and("python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && x '&&'") == [
        "python3 -m venv .venv", ".venv/bin/pip install -e '.[dev]'", "x '&&'"]
    assert server_port(".venv/bin/python examples/hello.py") == 9000
    assert server_port("python -m minlambda local app.charge --port 9001") == 9001
    assert server_port("MINLAMBDA_LOCAL_PORT=9002 python -m minlambda app.handler") == 9002
    assert server_port("python -m minlambda invoke app.py --event '{}'") is None
    assert server_port("python -m minlambda event sqs --set body=x") is None
    assert server_port("python -m pytest -q") is None
    assert not_run(".venv/bin/pip install -e '.[dev]'") and not_run("docker build -t x .")
    assert not_run("pip wheel --no-deps -w wheels path/to/minlambda")
    assert not_run("AWS_PROFILE=dev sam deploy --guided") and not_run(".venv/bin/python -m pytest")
    assert not_run("python -m pytest -q test_app.py") is None


def test_outputs_are_compared_with_their_wildcards(tmp_path: Path) -> None:
    assert_json_matches(
        '{"errorMessage": "RequestId: 8476a536-e9f4-4b0c-9f9e-2f1a3e6c0c44 took ...",'
        ' "stackTrace": ["  File \\"/var/task/app.py\\", line 3\\n"]}',
        json.dumps({"errorMessage": "RequestId: 1b7e0c52-1111-4a0c-8f9e-2f1a3e6c0c44 took 3 s",
                    "stackTrace": [f'  File "{tmp_path}/app.py", line 3\n    ^^^^\n']}),
        tmp_path)
    for documented, actual in (('{"a": 1, "b": 2}', '{"b": 2, "a": 1}'),  # key order
                               ('{"a": "x"}', '{"a": "y"}'), ('[1]', '[1, 2]'), ('{"a": 1}', '{"a": true}')):
        with pytest.raises(AssertionError):
            assert_json_matches(documented, actual, None)
    assert_text_matches("3 passed in ...\n", "3 passed in 0.41s\n\n", None)
    with pytest.raises(AssertionError):
        assert_text_matches("3 passed", "2 passed", None)


def test_other_languages_are_checked_and_unknown_ones_fail(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text('```dockerfile\nFROM python:3.12\nENTRYPOINT ["python", "-m"\n```\n\n'
                    "```dockerfile\nCOPY . .\n```\n\n"
                    "```yaml\nResources:\n  F:\n    Properties:\n      Role: !GetAtt Role.Arn\n"
                    "      Code: !Sub '${A}'\n      Layers: [!Ref L]\n```\n\n"
                    "```yaml\na: [1\n```\n\n```ini\n[a]\n```\n\n```\n[INFO] a log line\n```\n\n"
                    "```python\nfrom minlambda import serve\nserve()\n```\n")
    bad_json, no_from, template, bad_yaml, ini, untagged, serving = parse_page(page)
    with pytest.raises(ValueError):
        check_dockerfile(bad_json)
    with pytest.raises(AssertionError, match="FROM"):
        check_dockerfile(no_from)
    check_yaml(template)
    with pytest.raises(Exception, match="flow sequence"):
        check_yaml(bad_yaml)
    with pytest.raises(AssertionError, match="no rule"):
        test_block(ini)
    with pytest.raises(pytest.fail.Exception, match="exited 127"):
        run_block(untagged)  # an untagged block is shell: output there must be tagged text
    with pytest.raises(pytest.fail.Exception, match="serve"):
        run_block(serving)  # fails at once rather than serving until the timeout


# -- regenerating the outputs -------------------------------------------------------------


def update_outputs(page: Path) -> int:
    """Rewrite the page's <!-- output --> blocks (and docs/errors.md's reproduced payloads)
    that no longer match with what the code produces now; the number rewritten."""
    lines = page.read_text(encoding="utf-8").splitlines()
    rewritten = 0
    for block in reversed(page_blocks(page)):
        value = json.loads(block.text) if block.kind == "json" else None
        if "output" in block.markers and block.kind in ("json", "text"):
            outcome = run_block(producer_of(block))
            actual = outcome.stdout.replace(str(outcome.workdir), VIRTUAL_TASK_ROOT)
        elif page == ERRORS_PAGE and isinstance(value, dict) and value.get("errorType") in REPRODUCERS:
            workdir = make_workdir(block)
            produced = REPRODUCERS[value["errorType"]][1](workdir.path)
            actual = json.dumps(produced).replace(str(workdir.path), VIRTUAL_TASK_ROOT)
        else:
            continue
        try:
            if block.kind == "json":
                assert_json_matches(block.text, actual, None)
            else:
                assert_text_matches(block.text, actual, None)
            continue  # still true: keep it as written
        except AssertionError:
            pass
        if block.kind == "json" and len(block.text.splitlines()) == 1:
            new = [json.dumps(json_tail(actual), ensure_ascii=False)]
        elif block.kind == "json":
            new = json.dumps(json_tail(actual), indent=2, ensure_ascii=False).splitlines()
        else:
            new = actual.rstrip("\n").splitlines()
        lines[block.line : block.line + len(block.text.splitlines())] = new
        rewritten += 1
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rewritten


if __name__ == "__main__":
    # python tests/test_docs.py --update docs/errors.md ...: after a deliberate change of
    # an output, write the new one into the page (then read the diff before committing)
    if sys.argv[1:2] != ["--update"] or len(sys.argv) < 3:
        sys.exit("usage: python tests/test_docs.py --update PAGE.md ...")
    try:
        for name in sys.argv[2:]:
            print(f"{name}: {update_outputs(Path(name).resolve())} blocks rewritten")
    finally:
        if _base:
            shutil.rmtree(_base.pop(), ignore_errors=True)
