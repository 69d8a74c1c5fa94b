"""The scheduler-driven lifecycle with PostgreSQL as the metadata database.

Same components and steering as ``test_lifecycle_scheduler``; the metadata DB is a database
created for this run on the local server (``127.0.0.1:5432``, trust auth) and dropped after.
This is the database production deployments use, with real row locking between the scheduler,
the api-server (which serves the task SDK) and the triggerer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from devtools.stack import PostgresDatabase, Stack, StackConfig

if TYPE_CHECKING:
    from tests.helpers.lifecycle import LifecycleChecks

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def test_lifecycle_on_postgres_metadata_db(
    stack_home: Path,
    checks: LifecycleChecks,
    stack_config: Callable[..., StackConfig],
    postgres_database: PostgresDatabase,
) -> None:
    with Stack(stack_config(stack_home, database=postgres_database)) as stack:
        assert stack.env()["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        summary = checks.run_lifecycle(stack)

    assert summary.generation_runs == 5
