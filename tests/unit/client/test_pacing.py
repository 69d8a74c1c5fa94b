"""Pacing on ``memory://`` with short windows: slots, waits and sharing within one process."""

from __future__ import annotations

import time
import uuid

import pytest

from airflow_provider_redex.client import pacing
from airflow_provider_redex.client.pacing import (
    AsyncRateBudget,
    PacingConfig,
    RateBudget,
    RatePolicy,
    paced_window_seconds,
)

ROOMY = RatePolicy(1000, 1.0)


def budget(config: PacingConfig, *, account: str = "acct", prefix: str) -> RateBudget:
    return RateBudget(config, api_host="redex.test", account_key=account, key_prefix=prefix)


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    ("policy", "margin", "expected"),
    [
        (RatePolicy(60, 60.0), 1.0, 61),
        (RatePolicy(3000, 300.0), 1.0, 301),
        (RatePolicy(20, 2.0), 0.2, 3),
        (RatePolicy(5, 2.0), 0.0, 2),
        (RatePolicy(5, 0.3), 0.0, 1),
        (RatePolicy(5, 2.0), -5.0, 2),
    ],
)
def test_paced_window_is_the_window_plus_margin_rounded_up(
    policy: RatePolicy, margin: float, expected: int
) -> None:
    assert paced_window_seconds(policy, margin) == expected


@pytest.mark.parametrize(("limit", "window"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_rate_policy_refuses_nonsense(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        RatePolicy(limit, window)


def test_defaults_are_redex_documented_limits() -> None:
    config = PacingConfig()
    assert (config.account, config.ip) == (RatePolicy(60, 60.0), RatePolicy(3000, 300.0))
    assert (config.margin_seconds, config.storage_uri, config.enabled) == (1.0, "memory://", True)


def test_disabled_pacing_never_waits(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 60.0), enabled=False)
    paced = budget(config, prefix=prefix)
    assert [paced.acquire() for _ in range(5)] == [0.0] * 5


def test_within_the_limit_no_wait_then_a_wait_until_a_slot_frees(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(3, 1.0), ip=ROOMY, margin_seconds=0.0)
    paced = budget(config, prefix=prefix)
    assert [paced.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert paced.acquire() > 0.0


def test_no_window_of_the_paced_length_holds_more_than_the_limit(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(3, 1.0), ip=ROOMY, margin_seconds=0.0)
    paced = budget(config, prefix=prefix)
    stamps = []
    for _ in range(8):
        paced.acquire()
        stamps.append(time.time())
    # Slot i + 3 can only be taken once slot i has left the 1 s window (a lower bound: a slow
    # machine only makes the gap larger). 20 ms covers the time between a take and its stamp.
    gaps = [later - earlier for earlier, later in zip(stamps, stamps[3:], strict=False)]
    assert min(gaps) >= 1.0 - 0.02


def test_a_full_window_is_waited_out_in_one_computed_sleep(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []
    real_sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(pacing.time, "sleep", recording_sleep)
    config = PacingConfig(account=RatePolicy(2, 1.0), ip=ROOMY, margin_seconds=0.0)
    paced = budget(config, prefix=prefix)
    for _ in range(3):
        paced.acquire()
    assert 1 <= len(sleeps) <= 3  # not a busy loop
    assert sleeps[0] > 0.5  # the time until the oldest slot frees, not a poll interval


def test_clients_of_one_account_in_one_process_share_the_budget(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(2, 30.0), ip=ROOMY, margin_seconds=0.0)
    first, second = budget(config, prefix=prefix), budget(config, prefix=prefix)
    first.acquire()
    second.acquire()
    assert first._wait_needed() > 0 and second._wait_needed() > 0


def test_accounts_have_their_own_budget_but_share_the_ip_budget(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(2, 30.0), ip=RatePolicy(3, 30.0), margin_seconds=0.0)
    alice, bob = budget(config, account="alice", prefix=prefix), budget(config, account="bob", prefix=prefix)
    alice.acquire()
    alice.acquire()
    assert alice._wait_needed() > 0  # alice's account window is full
    assert bob._wait_needed() == 0.0  # bob's is not, and the IP has room for one more
    bob.acquire()
    assert bob._wait_needed() > 0  # now the shared IP window is full


async def test_async_budget_shares_the_in_process_store_with_sync_clients(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(2, 30.0), ip=ROOMY, margin_seconds=0.0)
    sync_budget = budget(config, prefix=prefix)
    async_budget = AsyncRateBudget(config, api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert await async_budget.acquire() == 0.0
    sync_budget.acquire()
    assert sync_budget._wait_needed() > 0
    assert await async_budget._wait_needed() > 0


async def test_async_budget_waits_when_full(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 1.0), ip=ROOMY, margin_seconds=0.0)
    async_budget = AsyncRateBudget(config, api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert await async_budget.acquire() == 0.0
    assert await async_budget.acquire() > 0.0


def test_one_storage_per_uri_per_process() -> None:
    assert pacing.sync_limiter("memory://") is pacing.sync_limiter("memory://")
