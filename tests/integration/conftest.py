"""Fixtures that run the REDEX sandbox in-process, on a free port, over real HTTP.

``sandbox`` is the everyday one: two business accounts, a fast clock (windows and delays
at 1 %), no auto-approval (tests decide through the admin API, so nothing depends on
timing). Tests that need another setup use ``start_sandbox(config)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import pytest

from airflow_provider_redex.sandbox import SandboxConfig
from airflow_provider_redex.sandbox.server import RunningSandbox, running_sandbox
from tests.helpers.harness import airflow_db, redex_sandbox
from tests.helpers.sandbox_walks import OTHER_TOKEN, TOKEN, Api, fast_config

__all__ = ["airflow_db", "redex_sandbox"]  # the harness's fixtures, for every integration test


@pytest.fixture
def start_sandbox() -> Iterator[Callable[[SandboxConfig], RunningSandbox]]:
    """Start sandboxes with any config; all are stopped at the end of the test."""
    with ExitStack() as stack:

        def start(config: SandboxConfig) -> RunningSandbox:
            started: AbstractContextManager[RunningSandbox] = running_sandbox(config)
            return stack.enter_context(started)

        yield start


@pytest.fixture
def sandbox(start_sandbox: Callable[[SandboxConfig], RunningSandbox]) -> RunningSandbox:
    return start_sandbox(fast_config())


@pytest.fixture
def api(sandbox: RunningSandbox) -> Api:
    return Api(sandbox.url, TOKEN)


@pytest.fixture
def other_api(sandbox: RunningSandbox) -> Api:
    return Api(sandbox.url, OTHER_TOKEN)


@pytest.fixture
def anonymous_api(sandbox: RunningSandbox) -> Api:
    return Api(sandbox.url, None)


@pytest.fixture
def redex_client(sandbox: RunningSandbox) -> Iterator[Any]:
    """The real client against the sandbox, pacing off (the tests decide the load themselves)."""
    from airflow_provider_redex.client.auth import BearerToken
    from airflow_provider_redex.client.client import RedexClient
    from airflow_provider_redex.client.pacing import PacingConfig

    client = RedexClient(sandbox.url, BearerToken(TOKEN), pacing=PacingConfig(enabled=False))
    try:
        yield client
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()
