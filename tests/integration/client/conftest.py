"""Fixtures for the client's HTTP tests: fast retries, a scripted raw-socket server, and
``connect``, which runs a test once through each transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.async_client import AsyncRedexClient
from airflow_provider_redex.client.auth import BearerToken, Credentials
from airflow_provider_redex.client.client import RedexClient
from tests.helpers.client_driver import Driver
from tests.helpers.scripted_server import NO_PACING, ScriptedServer


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


@pytest.fixture(params=["sync", "async"])
def connect(request: pytest.FixtureRequest) -> Iterator[Callable[..., Driver]]:
    """Build clients of one transport (the test runs once per transport); all closed at the end."""
    loop = asyncio.new_event_loop() if request.param == "async" else None
    drivers: list[Driver] = []

    def connect(base_url: str, credentials: Credentials | None = None, **options: Any) -> Driver:
        client_class = RedexClient if loop is None else AsyncRedexClient
        options.setdefault("pacing", NO_PACING)
        client = client_class(base_url, credentials or BearerToken("tok-static"), **options)
        drivers.append(Driver(client, loop))
        return drivers[-1]

    yield connect
    for driver in drivers:
        driver.close()
    if loop is not None:
        loop.close()
