"""Rate budgets on the local Redis: shared by sync and async clients, keyed without secrets."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.core import account_key_for
from airflow_provider_redex.client.pacing import AsyncRateBudget, PacingConfig, RateBudget, RatePolicy

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    name = f"redex-test-{uuid.uuid4().hex}"
    yield name
    connection = redis.Redis.from_url(redis_url)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)


def config(redis_url: str, *, account_key: str = "acct") -> PacingConfig:
    return PacingConfig(
        account=RatePolicy(2, 30.0),
        ip=RatePolicy(100, 30.0),
        margin_seconds=0.0,
        storage_uri=redis_url,
        account_key=account_key,
    )


def test_sync_budget_on_redis_fills_and_then_must_wait(redis_url: str, prefix: str) -> None:
    budget = RateBudget(config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert budget.acquire() == 0.0
    assert budget.acquire() == 0.0
    assert budget._wait_needed() > 0


async def test_sync_and_async_clients_draw_from_one_redis_budget(redis_url: str, prefix: str) -> None:
    sync_budget = RateBudget(config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix)
    async_budget = AsyncRateBudget(
        config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix
    )
    assert await async_budget.acquire() == 0.0
    assert sync_budget.acquire() == 0.0
    assert sync_budget._wait_needed() > 0
    assert await async_budget._wait_needed() > 0


def test_redis_keys_never_hold_the_raw_token(redis_url: str, prefix: str) -> None:
    token = "tok-raw-7c1e5e"
    pacing = config(redis_url, account_key="")
    key = account_key_for(pacing, BearerToken(token))
    RateBudget(pacing, api_host="redex.test", account_key=key, key_prefix=prefix).acquire()
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(f"*{prefix}*")]
    assert keys, "the budget wrote no key"
    assert all(token not in k for k in keys)
    assert any(key in k for k in keys)
