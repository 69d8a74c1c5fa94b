"""The local services the PostgreSQL and Celery stacks use: a fresh PostgreSQL database per
run, and a check that Redis answers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class PostgresDatabase:
    """A database created for one stack on the local PostgreSQL server, dropped by :meth:`drop`.

    A fresh database per run keeps runs independent (no leftover DAG runs, Variables or asset
    events) and lets concurrent runs share one server.
    """

    name: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"

    @classmethod
    def create(cls, prefix: str = "redex_e2e", **server: Any) -> PostgresDatabase:
        db = cls(name=f"{prefix}_{uuid.uuid4().hex[:10]}", **server)
        db._admin(f'CREATE DATABASE "{db.name}"')
        return db

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{self.name}"

    @property
    def celery_result_backend(self) -> str:
        return f"db+postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{self.name}"

    def drop(self) -> None:
        # WITH (FORCE) ends connections a killed component may have left behind (PostgreSQL 13+).
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        import psycopg2  # imported late: only the PostgreSQL variants need it

        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()

    @staticmethod
    def server_available(host: str = "127.0.0.1", port: int = 5432) -> str | None:
        """``None`` when a PostgreSQL server and psycopg2 are usable, else the reason they are not."""
        try:
            import psycopg2
        except ImportError:
            return "psycopg2 is not installed (pip install -e '.[dev]')"
        try:
            psycopg2.connect(
                host=host, port=port, user="postgres", dbname="postgres", connect_timeout=3
            ).close()
        except psycopg2.Error as exc:
            return f"no PostgreSQL server at {host}:{port}: {str(exc).strip()}"
        return None


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> str | None:
    """``None`` when the Redis server answers PING, else the reason it does not."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed (pip install -e '.[dev]')"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"no Redis server at {url}: {exc}"
    return None
