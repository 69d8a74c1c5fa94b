"""The page's budget view reads what the clients' pacing store holds, for memory and Redis."""

from __future__ import annotations

import time
import uuid

import pytest

from airflow_provider_redex.client.pacing import PacingConfig, RateBudget, RatePolicy
from airflow_provider_redex.ui.budget import BudgetHistory, _safe_uri, read_budget


def _budget(storage: str, account: RatePolicy) -> RateBudget:
    config = PacingConfig(account=account, ip=RatePolicy(100, 5.0), margin_seconds=0.0, storage_uri=storage)
    return RateBudget(config, api_host="redex.test", account_key="acct", key_prefix=f"ui-{uuid.uuid4().hex}")


def _check_counts_and_wait(budget: RateBudget) -> None:
    for _ in range(3):
        budget.acquire()
    reading = read_budget(budget)
    account, ip = reading.windows
    assert (account.scope, account.in_window, account.limit) == ("account", 3, 3)
    assert (ip.scope, ip.in_window, ip.limit) == ("ip", 3, 100)
    assert 0 < account.wait_seconds <= 5 and ip.wait_seconds == 0
    assert reading.wait_seconds == account.wait_seconds
    assert not account.complete  # the store forgets a request once its window has passed
    assert sum(n for _, n in account.per_window()) == 3


def test_memory_store_counts_this_process_requests_and_the_wait_when_full() -> None:
    budget = _budget("memory://", RatePolicy(3, 5.0))
    _check_counts_and_wait(budget)
    assert not read_budget(budget).shared


@pytest.mark.redis
def test_redis_store_is_read_the_same_way_and_hides_its_password(redis_url: str) -> None:
    budget = _budget(redis_url, RatePolicy(3, 5.0))
    _check_counts_and_wait(budget)
    reading = read_budget(budget)
    assert reading.shared
    assert _safe_uri("redis://:s3cret@127.0.0.1:6379/0") == "redis://***@127.0.0.1:6379/0"


def test_an_unused_budget_reads_empty_windows_with_no_wait() -> None:
    reading = read_budget(_budget("memory://", RatePolicy(60, 60.0)))
    assert [w.in_window for w in reading.windows] == [0, 0]
    assert reading.wait_seconds == 0
    assert len(reading.windows[0].per_window()) == 60  # one bar per minute over the last hour
    assert len(reading.windows[1].per_window()) == 60  # 5 s windows: the last 60, not 720 bars


@pytest.mark.redis
def test_the_history_keeps_requests_the_store_has_forgotten(redis_url: str) -> None:
    budget = _budget(redis_url, RatePolicy(5, 0.5))
    history = BudgetHistory(budget)
    for _ in range(2):
        budget.acquire()
    history.sample()
    # Redis drops the window's key 1 s after its last slot has left the window: wait for that
    deadline = time.monotonic() + 10
    while read_budget(budget).windows[0].request_times and time.monotonic() < deadline:
        time.sleep(0.1)

    assert read_budget(budget).windows[0].request_times == ()
    account = read_budget(budget, history).windows[0]
    assert len(account.request_times) == 2 and account.in_window == 0
    assert sum(n for _, n in account.per_window()) == 2
    assert account.held_since <= history.started
