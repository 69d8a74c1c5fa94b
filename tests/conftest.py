"""Test-wide rules and the fixtures for the local services.

In CI (``CI=true``) a skipped test is reported as a failure: a test that needs Redis or
PostgreSQL must run there, and a missing service or package must turn the run red instead of
shrinking it silently. Locally the same tests skip with the reason, so a laptop without Redis
can still run the rest.

Airflow writes its config and database under ``AIRFLOW_HOME``; the tests get a throw-away one
unless the caller chose it (each pytest-xdist worker always gets its own), so a run never
touches ``~/airflow``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

# A pytest-xdist worker inherits the starting process's environment, AIRFLOW_HOME included: it
# gets a home (SQLite metadata DB, DAGs folder, budget file) of its own.
if "AIRFLOW_HOME" not in os.environ or "PYTEST_XDIST_WORKER" in os.environ:
    _airflow_home = tempfile.mkdtemp(prefix="redex-tests-airflow-home-")
    atexit.register(shutil.rmtree, _airflow_home, ignore_errors=True)
    os.environ["AIRFLOW_HOME"] = _airflow_home
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_if_skipped_in_ci(report: pytest.TestReport | pytest.CollectReport) -> None:
    # An xfail is also reported as "skipped"; it is an expected failure, not a skip.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every test must run: {_skip_reason(report)}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _fail_if_skipped_in_ci(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    # Module-level skips (pytest.importorskip, skip(allow_module_level=True)) happen at collection.
    report = yield
    _fail_if_skipped_in_ci(report)
    return report


# Every test in these folders carries the folder's marker, so `-m "not e2e and not bench"` (the
# fast tier) leaves them out even when a new test forgets its pytestmark.
FOLDER_MARKERS = {"e2e": "e2e", "bench": "bench"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        try:
            folder = item.path.relative_to(tests_root).parts[0]
        except ValueError:
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker and item.get_closest_marker(marker) is None:
            item.add_marker(marker)


def _reachable(host: str, port: int, probe: bytes = b"", expect: bytes = b"") -> str | None:
    """``None`` when a server answers at ``host:port``, else why not."""
    try:
        with socket.create_connection((host, port), timeout=2) as sock:
            if probe:
                sock.sendall(probe)
                answer = sock.recv(64)
                if not answer.startswith(expect):
                    return f"{host}:{port} answered {answer[:20]!r}, expected {expect!r}"
    except OSError as err:
        return f"nothing answers at {host}:{port} ({err})"
    return None


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The local Redis (db 0); tests must use their own key prefixes, they share it."""
    problem = _reachable(REDIS_HOST, REDIS_PORT, b"PING\r\n", b"+PONG")
    if problem:
        pytest.skip(f"Redis is needed: {problem}")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The local PostgreSQL, trust authentication as user ``postgres``."""
    problem = _reachable(POSTGRES_HOST, POSTGRES_PORT)
    if problem:
        pytest.skip(f"PostgreSQL is needed: {problem}")
    return f"postgresql://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/postgres"
