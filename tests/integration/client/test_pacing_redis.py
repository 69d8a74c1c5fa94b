"""Rate budgets on the local Redis: shared by sync and async clients, keyed without secrets."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator

import pytest
import redis

from airflow_provider_redex.client.auth import BearerToken
from airflow_provider_redex.client.core import account_key_for
from airflow_provider_redex.client.pacing import (
    AsyncRateBudget,
    PacingConfig,
    RateBudget,
    RatePolicy,
    window_keys,
)
from airflow_provider_redex.client.pacing_stores import sync_store
from airflow_provider_redex.client.pacing_window import plan, reservation_id

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


def next_wait_ms(pacing: PacingConfig, prefix: str, account: str = "acct") -> tuple[int, str]:
    """Reserve one slot in the Redis store: how long its holder would sleep, and why."""
    windows = window_keys(pacing, "redex.test", account, prefix)
    reservation = sync_store(pacing.storage_uri).reserve(windows, reservation_id(windows))
    return reservation.wait_ms, reservation.cause


def test_sync_budget_on_redis_fills_and_then_must_wait(redis_url: str, prefix: str) -> None:
    budget = RateBudget(config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert budget.acquire() == 0.0
    assert budget.acquire() == 0.0
    wait, cause = next_wait_ms(config(redis_url), prefix)
    assert 29_000 < wait <= 30_000 and cause == "account"


async def test_sync_and_async_clients_draw_from_one_redis_budget(redis_url: str, prefix: str) -> None:
    sync_budget = RateBudget(config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix)
    async_budget = AsyncRateBudget(
        config(redis_url), api_host="redex.test", account_key="acct", key_prefix=prefix
    )
    assert await async_budget.acquire() == 0.0
    assert sync_budget.acquire() == 0.0
    assert next_wait_ms(config(redis_url), prefix)[0] > 29_000


async def test_a_cancelled_async_wait_gives_its_redis_slot_back(redis_url: str, prefix: str) -> None:
    pacing = config(redis_url)
    async_budget = AsyncRateBudget(pacing, api_host="redex.test", account_key="acct", key_prefix=prefix)
    await async_budget.acquire()
    await async_budget.acquire()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(async_budget.acquire(), timeout=0.2)
    first_queued, _ = next_wait_ms(pacing, prefix)
    assert first_queued <= 30_000  # first in line again: the cancelled reservation was removed


@pytest.mark.parametrize("seed", range(3))
def test_the_lua_script_finds_the_same_slots_as_the_python_walk(
    redis_url: str, prefix: str, seed: int
) -> None:
    """Reserve the same bursty demand through Redis and through the in-process walk: same waits."""
    rng = random.Random(seed)
    pacing = PacingConfig(
        account=RatePolicy(3, 0.4), ip=RatePolicy(4, 0.4), margin_seconds=0.0, storage_uri=redis_url
    )
    store = sync_store(redis_url)
    for _ in range(25):
        account = rng.choice(["a", "b"])
        windows = window_keys(pacing, "redex.test", account, prefix)
        member = reservation_id(windows)
        raw = redis.Redis.from_url(redis_url)
        now_s, now_us = raw.time()
        now = now_s * 1000 + now_us // 1000
        entries = [
            [
                (int(at), m.decode())
                for m, at in raw.zrange(w.key, 0, -1, withscores=True)
                if at > now - w.span_ms
            ]
            for w in windows
        ]
        expected, cause = plan(windows, entries, member, now)
        got = store.reserve(windows, member)
        # Redis read its clock a moment after ours (a loaded machine: tens of ms): the answers agree
        # to within that moment.
        assert abs((now + got.wait_ms) - expected) <= 50 or (got.wait_ms == 0 and expected <= now + 50)
        if expected - now > 50:
            assert got.cause == cause


def test_redis_keys_never_hold_the_raw_token(redis_url: str, prefix: str) -> None:
    token = "tok-raw-7c1e5e"
    pacing = config(redis_url, account_key="")
    key = account_key_for(pacing, BearerToken(token))
    RateBudget(pacing, api_host="redex.test", account_key=key, key_prefix=prefix).acquire()
    keys = [k.decode() for k in redis.Redis.from_url(redis_url).scan_iter(f"*{prefix}*")]
    assert keys, "the budget wrote no key"
    assert all(token not in k for k in keys)
    assert any(key in k for k in keys)
