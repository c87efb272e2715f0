"""The documentation is reachable and complete: the README links every page of docs/,
and the API reference (with the testing page) names every public name."""

from __future__ import annotations

import re

from conftest import ROOT

import minlambda
import minlambda.events
import minlambda.testing


def test_the_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme))
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set()
    assert linked - pages == set()  # no dead link


def test_every_public_name_is_documented():
    reference = (ROOT / "docs" / "api.md").read_text() + (ROOT / "docs" / "testing.md").read_text()
    names = [*minlambda.__all__, *minlambda.testing.__all__]
    assert [n for n in names if not _in_code(n, reference)] == []
    events = (ROOT / "docs" / "events.md").read_text()
    assert [n for n in minlambda.events.__all__ if not _in_code(n, events)] == []


def _in_code(name: str, text: str) -> bool:
    """`name` inside inline code (`@name`, `name()`, `minlambda.name`...)."""
    return re.search(rf"`[^`\n]*\b{re.escape(name)}\b[^`\n]*`", text) is not None
