"""The default budget store: one every process of the deployment shares, never ``memory://``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_redex.hooks import budget_store


@pytest.fixture
def fresh_choice() -> Iterator[None]:
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
