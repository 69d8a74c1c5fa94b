"""Fixtures for the end-to-end tests: real Airflow processes against a real sandbox process.

Each stack (``devtools.stack``) gets its own scratch directory, ports and database, so these
tests can run beside anything else on the machine. The sandbox runs with a small time scale
(its 60 s rate window lasts a few seconds, approvals take seconds) and the example DAGs'
sensors poll every second or two (``REDEX_EXAMPLE_POLL_SECONDS``); nothing else about the
DAGs changes, which is the point: they are the DAGs a user runs against REDEX.

Services: the PostgreSQL and Celery variants need the local PostgreSQL / Redis servers and
their Python packages. Locally they skip with the reason; under ``CI=true`` the root
``conftest.py`` turns any skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# devtools/ (not in the wheel) and dags/ (the DAGs' shared module) are importable through
# pytest's pythonpath setting in pyproject.toml.
from devtools.stack import PostgresDatabase, Stack, StackConfig, redis_available
from tests.helpers.lifecycle import LifecycleChecks
from tests.helpers.metadata_db import MigratedSqlite
from tests.helpers.tls_setup import forward_proxy, pki  # noqa: F401  (the TLS fixtures, shared)

# Shared by every e2e stack: fast enough to finish in minutes, slow enough that the sensors
# really wait (and defer) before REDEX decides.
TIME_SCALE = 0.05
APPROVE_AFTER = 120.0  # sandbox seconds: 6 s of real time at TIME_SCALE
POLL_SECONDS = "1.5"


def e2e_config(home: Path, **overrides: Any) -> StackConfig:
    """The stack settings every e2e test starts from."""
    settings: dict[str, Any] = {
        "home": home,
        "sandbox_time_scale": TIME_SCALE,
        "sandbox_approve_after": APPROVE_AFTER,
        "extra_env": {"REDEX_EXAMPLE_POLL_SECONDS": POLL_SECONDS},
    }
    settings.update(overrides)
    return StackConfig(**settings)


@pytest.fixture
def stack_home() -> Iterator[Path]:
    """A scratch directory for one stack, outside pytest's own temporary directories.

    pytest keeps only the last few ``basetemp`` directories per user and deletes older ones
    when a new session starts, so another pytest run on the machine could delete a stack's
    SQLite database under a running scheduler. ``REDEX_E2E_KEEP=1`` keeps it for reading logs.
    """
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-"))
    yield home
    if not os.environ.get("REDEX_E2E_KEEP"):
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def stack_config() -> Callable[..., StackConfig]:
    """``stack_config(home, **overrides)``: the e2e defaults, for tests that build their own stack."""
    return e2e_config


@pytest.fixture(scope="session")
def migrated_sqlite() -> Iterator[MigratedSqlite]:
    """One ``airflow db migrate`` for the session's SQLite stacks (``tests/helpers/metadata_db.py``)."""
    folder = Path(tempfile.mkdtemp(prefix="redex-e2e-metadata-"))
    yield MigratedSqlite(folder, lambda home: Stack(e2e_config(home)))
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _sqlite_stacks_copy_one_migrated_db(migrated_sqlite: MigratedSqlite) -> Iterator[None]:
    """``Stack.migrate`` copies the session's migrated SQLite DB, for every e2e stack (the
    module-scoped ones too: a session fixture is set up before them)."""

    def migrate(stack: Stack, timeout: float = 300.0) -> None:  # a function, so it binds as a method
        migrated_sqlite.migrate(stack, timeout)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stack, "migrate", migrate)
        yield


@pytest.fixture(scope="module")
def dags_test_stack(migrated_sqlite: MigratedSqlite) -> Iterator[Stack]:
    """A sandbox and a migrated SQLite metadata DB: all ``airflow dags test`` needs."""
    home = Path(tempfile.mkdtemp(prefix="redex-e2e-dags-test-"))
    stack = Stack(e2e_config(home))
    try:
        stack.prepare_home()
        stack.start_sandbox()
        migrated_sqlite.migrate(stack)
        yield stack
    finally:
        stack.stop()
        if not os.environ.get("REDEX_E2E_KEEP"):
            shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def postgres_database(postgres_dsn: str) -> Iterator[PostgresDatabase]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    problem = PostgresDatabase.server_available()
    if problem:
        pytest.skip(problem)
    db = PostgresDatabase.create()
    try:
        yield db
    finally:
        db.drop()


@pytest.fixture
def celery_ready(redis_url: str) -> str:
    """The local Redis as Celery broker, with the Celery provider importable."""
    problem = redis_available(redis_url)
    if problem:
        pytest.skip(problem)
    try:
        import airflow.providers.celery  # noqa: F401
    except ImportError:
        pytest.skip("apache-airflow-providers-celery is not installed (pip install -e '.[dev]')")
    return redis_url


@pytest.fixture(scope="session")
def checks() -> LifecycleChecks:
    return LifecycleChecks()
