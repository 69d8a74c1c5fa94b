"""An answered request frees its place a window after its answer, not a window plus the margin after its slot.

Every store (memory, Redis, SQLite, PostgreSQL) and both clients (sync and async), against the
sandbox: the margin here is 3 s, far more than a local round trip, so whether the next request
waits for the margin or only for the window is plain in the store's own answer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from pytest_httpserver import HTTPServer

from airflow_provider_redex.client.async_client import AsyncAPIClient
from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.base_client import SyncAPIClient
from airflow_provider_redex.client.errors import RedexServerError
from airflow_provider_redex.client.pacing import AsyncRateBudget, PacingConfig, RateBudget, RatePolicy
from airflow_provider_redex.client.pacing_stores import sync_store
from airflow_provider_redex.client.pacing_window import reservation_id
from airflow_provider_redex.sandbox.config import SandboxConfig
from airflow_provider_redex.sandbox.server import running_sandbox

WINDOW_MS, MARGIN_MS, LIMIT = 4_000, 3_000, 3
TOKEN = "tok-answers"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    config = SandboxConfig(tokens=[TOKEN], sample_data=False)
    with running_sandbox(config) as running:
        yield running.url


@pytest.fixture(params=["memory", "redis", "sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    kind = request.param
    if kind == "memory":
        return "memory://"
    if kind == "redis":
        request.applymarker(pytest.mark.redis)
        return str(request.getfixturevalue("redis_url"))
    if kind == "sqlite":
        return f"sql+sqlite:///{tmp_path / 'budget.sqlite'}"
    request.applymarker(pytest.mark.postgres)
    dsn = str(request.getfixturevalue("postgres_dsn"))
    return "sql+" + dsn.replace("postgresql://", "postgresql+psycopg2://", 1)


@pytest.fixture
def prefix(storage: str) -> Iterator[str]:
    name = f"redex-answers-{uuid.uuid4().hex}"
    yield name
    if storage.startswith("redis"):
        connection = redis.Redis.from_url(storage)
        for key in connection.scan_iter(f"*{name}*"):
            connection.delete(key)
    elif storage.startswith("sql+postgresql"):
        engine = sa.create_engine(storage.removeprefix("sql+"))
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM redex_rate_slots WHERE key LIKE :p"), {"p": f"%{name}%"})
        engine.dispose()


def pacing(storage: str) -> PacingConfig:
    return PacingConfig(
        account=RatePolicy(LIMIT, WINDOW_MS / 1000),
        ip=RatePolicy(1000, WINDOW_MS / 1000),
        margin_seconds=MARGIN_MS / 1000,
        storage_uri=storage,
    )


def next_wait_ms(budget: RateBudget | AsyncRateBudget) -> int:
    """How long one more request would wait: a slot taken straight from the budget's store."""
    windows = budget.windows
    store = sync_store(budget.config.storage_uri)
    reservation = store.reserve(windows, reservation_id(windows))
    store.release(windows, reservation.member)
    return reservation.wait_ms


def test_sync_client_answers_free_places_a_window_after_the_answer(
    server_url: str, storage: str, prefix: str
) -> None:
    budget = RateBudget(pacing(storage), api_host="redex.test", account_key="acct", key_prefix=prefix)
    with SyncAPIClient(server_url, BearerToken(TOKEN), rate_budget=budget, max_retries=0) as client:
        for _ in range(LIMIT):
            client.request("accounts.get_profile")
    wait = next_wait_ms(budget)
    # Without the answers the next place opens WINDOW + MARGIN after the first slot (7 s).
    assert 0 < wait <= WINDOW_MS


async def test_async_client_answers_free_places_a_window_after_the_answer(
    server_url: str, storage: str, prefix: str
) -> None:
    budget = AsyncRateBudget(pacing(storage), api_host="redex.test", account_key="acct", key_prefix=prefix)
    async with AsyncAPIClient(server_url, BearerToken(TOKEN), rate_budget=budget, max_retries=0) as client:
        for _ in range(LIMIT):
            await client.request("accounts.get_profile")
    wait = await asyncio.to_thread(next_wait_ms, budget)
    assert 0 < wait <= WINDOW_MS


def test_unanswered_slots_keep_the_margin(storage: str, prefix: str) -> None:
    budget = RateBudget(pacing(storage), api_host="redex.test", account_key="acct", key_prefix=prefix)
    for _ in range(LIMIT):
        budget.take()
    assert next_wait_ms(budget) > WINDOW_MS + MARGIN_MS - 1_000


def test_a_5xx_answer_keeps_the_margin(httpserver: HTTPServer) -> None:
    """A 5xx may come from a gateway before REDEX saw the request: its slot is not moved back."""
    httpserver.expect_request("/public/v2/profile").respond_with_data("busy", status=503)
    budget = RateBudget(
        pacing("memory://"), api_host="redex.test", account_key="acct", key_prefix=f"t-{uuid.uuid4().hex}"
    )
    with SyncAPIClient(
        httpserver.url_for(""), BearerToken(TOKEN), rate_budget=budget, max_retries=0
    ) as client:
        for _ in range(LIMIT):
            with pytest.raises(RedexServerError):
                client.request("accounts.get_profile")
    assert len(httpserver.log) == LIMIT
    assert next_wait_ms(budget) > WINDOW_MS + MARGIN_MS - 1_000


def test_a_place_an_answer_opens_never_lets_a_later_caller_overtake(storage: str, prefix: str) -> None:
    """Two slots taken, a third reserved a window later; the first is answered; a fourth asks."""
    budget = RateBudget(pacing(storage), api_host="redex.test", account_key="acct", key_prefix=prefix)
    store = sync_store(storage)
    taken = [store.reserve(budget.windows, reservation_id(budget.windows)) for _ in range(LIMIT + 1)]
    assert taken[-1].wait_ms > WINDOW_MS  # the window is full: a window and a margin after the first
    budget.answered(taken[0].member, 200)  # opens a place a window after now, before that reserved slot
    later = store.reserve(budget.windows, reservation_id(budget.windows))
    assert later.wait_ms >= taken[-1].wait_ms - 100 and later.cause == "account"
