"""Fixtures for the client's HTTP tests: fast retries and a scripted raw-socket server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_redex.client import constants
from tests.helpers.scripted_server import ScriptedServer


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff in milliseconds and ``Retry-After`` without jitter, so tests wait only what REDEX asks."""
    monkeypatch.setattr(constants, "INITIAL_BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(constants, "MAX_BACKOFF_SECONDS", 0.05)
    monkeypatch.setattr(constants, "RETRY_AFTER_JITTER_SECONDS", 0.0)


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()
