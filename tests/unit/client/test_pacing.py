"""Pacing on ``memory://``: millisecond windows, any-alignment safety, fairness, sharing in one process."""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
import uuid
from collections import Counter

import pytest

from airflow_provider_redex.client.pacing import (
    AsyncRateBudget,
    PacingConfig,
    RateBudget,
    RatePolicy,
    paced_span_ms,
    window_keys,
)
from airflow_provider_redex.client.pacing_window import (
    MEMORY_STORE,
    WindowKey,
    earliest_slot,
    plan,
    prune,
    reservation_id,
)

ROOMY = RatePolicy(1000, 1.0)


def budget(config: PacingConfig, *, account: str = "acct", prefix: str) -> RateBudget:
    return RateBudget(config, api_host="redex.test", account_key=account, key_prefix=prefix)


def reserve_wait_ms(config: PacingConfig, *, account: str = "acct", prefix: str) -> tuple[int, str]:
    """Take one slot straight from the in-process store: how long its holder would sleep, and why."""
    windows = window_keys(config, "redex.test", account, prefix)
    reservation = MEMORY_STORE.reserve(windows, reservation_id(windows))
    return reservation.wait_ms, reservation.cause


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    ("policy", "margin", "expected_ms"),
    [
        (RatePolicy(60, 60.0), 1.0, 61_000),
        (RatePolicy(60, 10.0), 0.2, 10_200),
        (RatePolicy(3000, 300.0), 0.5, 300_500),
        (RatePolicy(5, 2.0), 0.0, 2_000),
        (RatePolicy(5, 0.3), 0.0, 300),
        (RatePolicy(5, 2.0), -5.0, 2_000),
        (RatePolicy(5, 1.0), 0.0004, 1_001),  # rounded up, never down
    ],
)
def test_paced_window_is_the_window_plus_margin_in_milliseconds(
    policy: RatePolicy, margin: float, expected_ms: int
) -> None:
    assert paced_span_ms(policy, margin) == expected_ms


@pytest.mark.parametrize(("limit", "window"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_rate_policy_refuses_nonsense(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        RatePolicy(limit, window)


def test_defaults_are_redex_documented_limits() -> None:
    config = PacingConfig()
    assert (config.account, config.ip) == (RatePolicy(60, 60.0), RatePolicy(3000, 300.0))
    assert (config.margin_seconds, config.storage_uri, config.enabled) == (0.25, "memory://", True)


def test_disabled_pacing_never_waits(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 60.0), enabled=False)
    paced = budget(config, prefix=prefix)
    assert [paced.acquire() for _ in range(5)] == [0.0] * 5


def test_a_fractional_margin_paces_at_the_millisecond_not_the_next_second(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(5, 10.0), ip=ROOMY, margin_seconds=0.2)
    waits = [reserve_wait_ms(config, prefix=prefix) for _ in range(6)]
    assert [wait for wait, _ in waits[:5]] == [0] * 5
    wait, cause = waits[5]
    assert 10_100 <= wait <= 10_200 and cause == "account"  # 10.2 s after the first, not 11 s


def busiest_fixed_window(arrivals: list[float], window: float, offset: float) -> int:
    return max(Counter(math.floor((at + offset) / window) for at in arrivals).values())


@pytest.mark.parametrize("seed", range(40))
def test_no_server_window_of_any_alignment_gets_more_than_the_limit(seed: int) -> None:
    """Replay bursty demand from two accounts through the log, with arrival jitter under the margin."""
    rng = random.Random(seed)
    limit, window_ms, margin_ms, ip_limit = 7, 1_000, 50, 10
    windows = {
        name: (
            WindowKey(f"acct-{name}", "account", limit, window_ms + margin_ms),
            WindowKey("ip", "ip", ip_limit, window_ms + margin_ms),
        )
        for name in ("alice", "bob")
    }
    logs: dict[str, list[int]] = {"acct-alice": [], "acct-bob": [], "ip": []}
    arrivals: dict[str, list[float]] = {"alice": [], "bob": [], "ip": []}
    now = 0
    for _ in range(400):
        now += rng.choice([0, 0, 1, 5, 40, 300])
        name = rng.choice(["alice", "bob"])
        keys = windows[name]
        for key in keys:
            prune(logs[key.key], now, key.span_ms)
        at, _ = earliest_slot([logs[key.key] for key in keys], keys, now)
        assert at >= now
        for key in keys:
            logs[key.key].append(at)
            logs[key.key].sort()
        arrival = (at + rng.uniform(0, margin_ms)) / 1000  # latency spread under the margin
        arrivals[name].append(arrival)
        arrivals["ip"].append(arrival)
    offsets = [step / 97 for step in range(97)]
    for name, cap in (("alice", limit), ("bob", limit), ("ip", ip_limit)):
        assert max(busiest_fixed_window(arrivals[name], window_ms / 1000, o) for o in offsets) <= cap


@pytest.mark.parametrize("seed", range(40))
def test_answers_moving_slots_back_never_let_a_window_of_any_alignment_overfill(seed: int) -> None:
    """As above, and each answer moves its slot back to ``answer - margin`` once it is in.

    A request arrives after its slot (within the margin) and before its answer, which comes back
    after 0 to 30 ms, far less than the 50 ms margin: most places free up sooner.
    """
    rng = random.Random(seed)
    limit, window_ms, margin_ms = 7, 1_000, 50
    keys = (WindowKey("acct", "account", limit, window_ms + margin_ms),)
    log: list[int] = []
    arrivals: list[float] = []
    answers: list[tuple[float, int]] = []  # (answered at, the slot's instant in the log)
    moved_back = 0
    now = 0
    for _ in range(400):
        now += rng.choice([0, 0, 1, 5, 40, 300])
        for answer in [a for a in answers if a[0] <= now]:
            answers.remove(answer)
            answered_at, held = answer
            if answered_at - margin_ms < held:
                log.remove(held)
                log.append(math.floor(answered_at) - margin_ms)
                log.sort()
                moved_back += 1
        prune(log, now, keys[0].span_ms)
        at, _ = earliest_slot([log], keys, now)
        log.append(at)
        log.sort()
        arrival = at + rng.uniform(0, margin_ms)
        arrivals.append(arrival / 1000)
        answers.append((arrival + rng.uniform(0, 30), at))
    assert moved_back > 50
    offsets = [step / 97 for step in range(97)]
    assert max(busiest_fixed_window(arrivals, window_ms / 1000, o) for o in offsets) <= limit


def test_accounts_racing_for_the_ip_window_get_equal_shares_whatever_their_speed() -> None:
    """Three accounts ask again as soon as each answer comes: 1, 3 and 9 ms per request."""
    span, ip_limit = 1_000, 30
    ip = WindowKey("ip", "ip", ip_limit, span, shared_fairly=True)
    accounts = {name: (WindowKey(f"acct-{name}", "account", 1_000, span), ip) for name in ("a", "b", "c")}
    logs: dict[str, list[tuple[int, str]]] = {"ip": [], "acct-a": [], "acct-b": [], "acct-c": []}
    latency = {"a": 1, "b": 3, "c": 9}
    next_ask = {name: 0 for name in accounts}
    granted: dict[str, list[int]] = {name: [] for name in accounts}
    while min(next_ask.values()) < 4 * span:
        name = min(next_ask, key=lambda n: (next_ask[n], n))
        now, windows = next_ask[name], accounts[name]
        member = reservation_id(windows[:1])
        for window in windows:
            logs[window.key] = [e for e in logs[window.key] if e[0] > now - span]
        at, _ = plan(windows, [logs[w.key] for w in windows], member, now)
        for window in windows:
            logs[window.key] = sorted([*logs[window.key], (at, member)])
        granted[name].append(at)
        next_ask[name] = at + latency[name]
    steady = {name: sum(1 for at in stamps if span <= at < 4 * span) for name, stamps in granted.items()}
    fair = sum(steady.values()) / 3
    assert all(abs(count - fair) <= 0.1 * fair for count in steady.values()), steady
    assert sum(steady.values()) >= 3 * ip_limit - 3  # the shares still fill the IP window


def test_waiters_are_served_first_come_first_served(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 0.15), ip=ROOMY, margin_seconds=0.0)
    budget(config, prefix=prefix).acquire()  # the window is now full
    served: list[int] = []
    lock = threading.Lock()

    def wait_in_line(number: int) -> None:
        budget(config, prefix=prefix).acquire()
        with lock:
            served.append(number)

    threads = []
    for number in range(5):
        thread = threading.Thread(target=wait_in_line, args=(number,))
        thread.start()
        threads.append(thread)
        time.sleep(0.01)  # ask in order 0, 1, 2, ...
    for thread in threads:
        thread.join(timeout=10)
    assert served == [0, 1, 2, 3, 4]


def test_an_answer_that_opens_an_earlier_place_does_not_let_a_later_caller_overtake(prefix: str) -> None:
    """Two slots taken, a third reserved for a window later; then the first is answered."""
    config = PacingConfig(account=RatePolicy(2, 10.0), ip=ROOMY, margin_seconds=5.0)
    windows = window_keys(config, "redex.test", "acct", prefix)
    first, second, third = (MEMORY_STORE.reserve(windows, reservation_id(windows)) for _ in range(3))
    assert (first.wait_ms, second.wait_ms) == (0, 0) and third.wait_ms > 14_000
    # The first request's answer moves its slot back 5 s: a place opens about 10 s from now, while
    # the third caller is still waiting for its slot about 15 s from now.
    MEMORY_STORE.settle(windows, first.member, margin_ms=5_000)
    later = MEMORY_STORE.reserve(windows, reservation_id(windows))
    assert later.wait_ms >= third.wait_ms - 50 and later.cause == "account"


def test_each_account_has_its_own_window_and_all_share_the_ip_window(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(2, 30.0), ip=RatePolicy(3, 30.0), margin_seconds=0.0)
    assert [reserve_wait_ms(config, account="alice", prefix=prefix)[0] for _ in range(2)] == [0, 0]
    assert reserve_wait_ms(config, account="bob", prefix=prefix)[0] == 0  # bob's own window is empty
    wait, cause = reserve_wait_ms(config, account="carol", prefix=prefix)
    assert wait > 25_000 and cause == "ip"  # three slots taken: the shared IP window is full


def test_a_full_account_window_takes_no_ip_slot_from_other_accounts(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 30.0), ip=RatePolicy(3, 30.0), margin_seconds=0.0)
    reserve_wait_ms(config, account="alice", prefix=prefix)
    wait, cause = reserve_wait_ms(config, account="alice", prefix=prefix)  # queued 30 s out
    assert cause == "account" and wait > 25_000
    # Alice's queued slot sits 30 s out, so it does not fill the IP window of *now*.
    assert reserve_wait_ms(config, account="bob", prefix=prefix)[0] == 0


async def test_async_budget_shares_the_in_process_store_with_sync_clients(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(2, 30.0), ip=ROOMY, margin_seconds=0.0)
    async_budget = AsyncRateBudget(config, api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert await async_budget.acquire() == 0.0
    assert budget(config, prefix=prefix).acquire() == 0.0
    assert reserve_wait_ms(config, prefix=prefix)[0] > 25_000


async def test_async_budget_waits_when_full(prefix: str) -> None:
    config = PacingConfig(account=RatePolicy(1, 0.3), ip=ROOMY, margin_seconds=0.0)
    async_budget = AsyncRateBudget(config, api_host="redex.test", account_key="acct", key_prefix=prefix)
    assert await async_budget.acquire() == 0.0
    assert 0.2 < await async_budget.acquire() < 5


async def test_a_long_wait_is_logged_with_its_cause_and_a_cancelled_wait_gives_its_slot_back(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = PacingConfig(account=RatePolicy(1, 20.0), ip=ROOMY, margin_seconds=0.0)
    async_budget = AsyncRateBudget(config, api_host="redex.test", account_key="acct", key_prefix=prefix)
    await async_budget.acquire()
    with (
        caplog.at_level(logging.INFO, logger="airflow_provider_redex.client"),
        pytest.raises(asyncio.TimeoutError),
    ):
        await asyncio.wait_for(async_budget.acquire(), timeout=0.2)
    assert any(
        "account window is full" in r.getMessage() and "waiting 20.0 s" in r.getMessage()
        for r in caplog.records
    )
    # The cancelled waiter's reservation is gone: the next caller is second in line, not third.
    wait, _ = reserve_wait_ms(config, prefix=prefix)
    assert wait <= 20_000


def test_the_store_in_use_is_announced_once_per_process(caplog: pytest.LogCaptureFixture) -> None:
    from airflow_provider_redex.client import pacing

    pacing._announced.discard("memory://")
    with caplog.at_level(logging.INFO, logger="airflow_provider_redex.client"):
        for _ in range(3):
            budget(PacingConfig(), prefix="announce")
    messages = [r.getMessage() for r in caplog.records if "budget store" in r.getMessage()]
    assert messages == ["REDEX rate budget store: memory:// (memory store, shared by this process only)"]


def test_an_unknown_storage_scheme_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="memory://, redis://"):
        budget(PacingConfig(storage_uri="mongodb://x"), prefix="x")
