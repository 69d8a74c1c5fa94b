"""Fixtures for the client's HTTP tests: fast retries and a scripted raw-socket server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_redex.client import constants

# pytest runs with --import-mode=importlib, which puts no test folder on sys.path; the tests here
# share one helper module, so this folder goes on it (the helper's name is unique in the repo).
sys.path.insert(0, str(Path(__file__).parent))

from redex_scripted_server import ScriptedServer


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
