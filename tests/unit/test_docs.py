"""The docs stay true to the code: every included snippet exists, every operator and sensor
has its how-to page, and every example snippet is shown somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_provider_redex import operators, sensors
from tests.helpers.paths import DAGS_FOLDER, DOCS

PAGES = sorted(DOCS.rglob("*.rst"))
INCLUDE = re.compile(r"^\.\. literalinclude:: (?P<path>\S+)\n(?P<options>(?:[ \t]+:.*\n)*)", re.MULTILINE)
OPTION = re.compile(r":(?P<name>[\w-]+):[ \t]*(?P<value>.*)")


def _includes() -> list[tuple[Path, Path, dict[str, str]]]:
    found = []
    for page in PAGES:
        for match in INCLUDE.finditer(page.read_text()):
            options = {m["name"]: m["value"].strip() for m in OPTION.finditer(match["options"])}
            found.append((page, (page.parent / match["path"]).resolve(), options))
    return found


def test_docs_have_pages_and_includes() -> None:
    assert len(PAGES) >= 13
    assert len(_includes()) >= 11


@pytest.mark.parametrize(
    ("page", "target", "options"), _includes(), ids=lambda v: v.name if isinstance(v, Path) else ""
)
def test_every_literalinclude_resolves_to_markers_that_exist(
    page: Path, target: Path, options: dict[str, str]
) -> None:
    assert target.is_file(), f"{page.relative_to(DOCS)} includes a missing file {target}"
    text = target.read_text()
    start, end = options.get("start-after"), options.get("end-before")
    assert start and end, f"{page.relative_to(DOCS)}: include {target.name} without markers"
    assert text.count(start) == 1, f"{target.name} holds {start!r} {text.count(start)} times"
    assert text.count(end) == 1, f"{target.name} holds {end!r} {text.count(end)} times"
    snippet = text[text.index(start) + len(start) : text.index(end)]
    assert snippet.strip(), f"{start!r} .. {end!r} in {target.name} is empty or out of order"


def test_every_example_snippet_is_shown_in_the_docs() -> None:
    texts = [path.read_text() for path in DAGS_FOLDER.glob("*.py")]
    markers = {marker for text in texts for marker in re.findall(r"\[START (\S+)\]", text)}
    shown = {options["start-after"][len("[START ") : -1] for _, _, options in _includes()}
    assert markers - shown == set(), "add a docs page including these example snippets"


@pytest.mark.parametrize("name", [*operators.__all__, *sensors.__all__])
def test_every_operator_and_sensor_has_a_how_to_page(name: str) -> None:
    titles = {page.read_text().splitlines()[0] for page in PAGES}
    assert name in titles, f"docs/ has no page titled {name}"


def test_every_toctree_entry_exists() -> None:
    index = (DOCS / "index.rst").read_text()
    entries = re.findall(r"^    (\w[\w/]*)$", index, re.MULTILINE)
    assert entries
    for entry in entries:
        assert (DOCS / f"{entry}.rst").is_file(), entry
