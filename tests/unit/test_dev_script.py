"""``scripts/dev.py``: the demo installs only what it runs; ``test`` installs everything and
splits the whole suite into two halves that together run every test once."""

from __future__ import annotations

import re
import runpy
from typing import Any

import tomllib

from tests.helpers.paths import REPO_ROOT

TOOLS_ONLY_TESTS_NEED = ("pytest", "pytest-xdist", "mypy", "ruff", "schemathesis")


def _extras() -> dict[str, list[str]]:
    project: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    return extras


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=~!; ]", req, maxsplit=1)[0].lower() for req in requirements}


def test_the_demo_extra_holds_no_test_or_lint_tool() -> None:
    demo = _extras()["demo"]
    assert not _names(demo) & set(TOOLS_ONLY_TESTS_NEED), demo
    assert demo == ["airflow-provider-redex[redis,sandbox,parquet]"]


def test_the_dev_extra_is_the_demo_plus_the_tools() -> None:
    dev = _extras()["dev"]
    assert "airflow-provider-redex[demo]" in dev
    assert set(TOOLS_ONLY_TESTS_NEED) <= _names(dev)


def test_each_command_installs_its_extra_and_dev_covers_the_demo() -> None:
    script = runpy.run_path(str(REPO_ROOT / "scripts" / "dev.py"), run_name="dev_script_under_test")
    assert script["EXTRA_FOR_COMMAND"] == {"test": "dev", "demo": "demo"}
    assert "demo" in script["EXTRA_INCLUDES"]["dev"]
    assert "dev" not in script["EXTRA_INCLUDES"]["demo"]


def _marked(marks: set[str]) -> Any:
    """A pytest marker-expression matcher for a test that carries ``marks``."""

    def matcher(name: str, /, **_: str | int | bool | None) -> bool:
        return name in marks

    return matcher


def test_the_whole_suites_two_halves_take_every_test_exactly_once() -> None:
    from _pytest.mark.expression import Expression

    script = runpy.run_path(str(REPO_ROOT / "scripts" / "dev.py"), run_name="dev_script_under_test")
    halves = [Expression.compile(script[name]) for name in ("E2E_TIER", "REST_OF_SUITE")]
    for marks in ({"e2e"}, {"e2e", "e2e_beside"}, {"bench"}, {"redis"}, {"e2e", "postgres"}, set()):
        taken = [half.evaluate(_marked(marks)) for half in halves]
        assert taken.count(True) == 1, (marks, taken)
    assert halves[0].evaluate(_marked({"e2e"}))  # a stack test runs in the first
