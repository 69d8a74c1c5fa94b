"""The default budget store: one every process of the deployment shares, never ``memory://``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_redex.hooks import budget_store


@pytest.fixture
def fresh_choice() -> Iterator[None]:
    import airflow.configuration  # noqa: F401  (Airflow sets its logging up on first import: before caplog)

    budget_store.default_storage_uri.cache_clear()
    yield
    budget_store.default_storage_uri.cache_clear()


def test_without_a_redis_broker_the_processes_of_this_machine_share_a_file_in_airflow_home(
    fresh_choice: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    with caplog.at_level(logging.INFO, logger=budget_store.__name__):
        uri = budget_store.default_storage_uri()
    assert uri == f"sql+sqlite:///{tmp_path / budget_store.BUDGET_FILE_NAME}"
    assert "set rate_limit_storage to redis://" in caplog.text


def test_on_celery_with_a_redis_broker_the_broker_holds_the_budget(
    fresh_choice: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", "redis://127.0.0.1:6379/7")
    assert budget_store.default_storage_uri() == "redis://127.0.0.1:6379/7"


def test_on_celery_with_another_broker_the_file_is_used(
    fresh_choice: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", "amqp://guest@rabbit//")
    assert budget_store.default_storage_uri().startswith("sql+sqlite:///")


@pytest.fixture
def fresh_shares() -> Iterator[None]:
    budget_store.default_shares.cache_clear()
    yield
    budget_store.default_shares.cache_clear()


@pytest.mark.parametrize(
    ("executor", "broker", "shares"),
    [
        ("LocalExecutor", "", 1),
        ("airflow.executors.local_executor.LocalExecutor", "", 1),
        ("CeleryExecutor", "redis://127.0.0.1:6379/7", 1),
        ("CeleryExecutor", "amqp://guest@rabbit//", 9),
        ("KubernetesExecutor", "", 9),
        ("LocalExecutor,KubernetesExecutor", "", 9),
    ],
)
def test_processes_that_may_run_on_other_machines_without_redis_pace_at_a_fixed_share(
    fresh_choice: None,
    fresh_shares: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    executor: str,
    broker: str,
    shares: int,
) -> None:
    from airflow.models.connection import Connection

    from airflow_provider_redex.hooks.connection import client_settings

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", executor)
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "8")
    monkeypatch.setenv("AIRFLOW__CELERY__BROKER_URL", broker)
    assert budget_store.default_shares() == shares

    conn = Connection(conn_id="redex_default", conn_type="redex", host="https://redex.test", login="id",
                      password="secret")  # fmt: skip
    pacing = client_settings(conn, {}).pacing
    assert (pacing.account.limit, pacing.ip.limit) == (60 // shares, 3000 // shares)
    named = client_settings(conn, {"rate_limit_storage": "redis://127.0.0.1:6379/3"}).pacing
    assert named.account.limit == 60  # a store the user names is shared: no fixed share
