"""One ``airflow db migrate`` per test session for the SQLite stacks (the ``migrated_sqlite``
fixture of ``tests/e2e/conftest.py``).

A migrated SQLite metadata DB holds the schema and a few rows that depend on nothing of the
stack (the alembic revision, ``default_pool``, the log filename templates), so a copy of one is
what a stack's own migrate would have written; the CLI's start alone costs 10-25 s on two busy
cores, once per stack. PostgreSQL stacks still migrate their own database.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from devtools.stack import Stack

MIGRATE = Stack.migrate
"""``Stack.migrate`` itself: the fixture patches the class to copy instead, for SQLite."""


class MigratedSqlite:
    """The first SQLite stack that needs a metadata DB runs ``airflow db migrate``; every later
    one starts from a copy of the result.

    :param folder: where the migrated DB is kept for the session.
    :param make_stack: a stack (not started) whose home is the given folder; it runs the migrate.
    """

    def __init__(self, folder: Path, make_stack: Callable[[Path], Stack]) -> None:
        self.folder = folder
        self.make_stack = make_stack
        self.db: Path | None = None

    def copy_to(self, target: Path) -> None:
        """Write a migrated metadata DB to ``target`` (an ``airflow.db`` path)."""
        if self.db is None:
            template = self.make_stack(self.folder / "stack")
            MIGRATE(template)
            self.db = template.airflow_home / "airflow.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.db, target)

    def migrate(self, stack: Stack, timeout: float = 300.0) -> None:
        """``Stack.migrate``, from the copy when the stack's metadata DB is SQLite."""
        if stack.config.database is not None:
            MIGRATE(stack, timeout=timeout)
            return
        if not stack.home.exists():
            stack.prepare_home()
        self.copy_to(stack.airflow_home / "airflow.db")
