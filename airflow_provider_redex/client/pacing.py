"""Client-side pacing: never send REDEX more than its rate limits allow, so it never answers 429.

Purpose
    REDEX counts requests in *fixed* windows aligned to its own clock: 60 per 60 s per business
    account and 3000 per 300 s per client IP (API_REFERENCE.md 1.4). A fixed window aligned to our
    clock is not enough: two of our windows can straddle one of REDEX's and fill it twice.

How it works
    Each request first takes one slot from two *moving* windows (``limits``'
    ``MovingWindowRateLimiter``): the account's and the IP's. A moving window of length
    ``window + margin`` holds at most ``limit`` slots over *any* interval of that length, so any
    REDEX window of length ``window`` sees at most ``limit`` requests as long as the spread of
    network latency stays under ``margin``. When a window is full, :meth:`RateBudget.acquire`
    sleeps until its oldest slot expires (read from the window's stats), then tries again.

    The budget lives in ``limits`` storage named by ``PacingConfig.storage_uri``:
    ``memory://`` is one store per process, shared by every client in it (sync and async alike);
    ``redis://`` is shared by every process and machine that points at it (Celery workers, the
    triggerer). The async budget uses ``async+redis://`` with the ``redis`` package's asyncio client.

What it does not do
    It does not learn from 429s (they are honoured by the retry policy), and it does not span
    clocks: processes sharing a Redis budget on different machines should run NTP.

Known limitation
    ``limits`` keys expire in whole seconds, so the paced window is ``ceil(window + margin)``
    seconds: slightly slower than necessary for a fractional margin, never faster.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from airflow_provider_redex.client import constants

log = logging.getLogger(constants.LOGGER_NAME)


@dataclass(frozen=True)
class RatePolicy:
    """At most ``limit`` requests in any ``window_seconds``-long window.

    :param limit: requests allowed per window.
    :param window_seconds: window length in seconds.
    """

    limit: int
    window_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or not self.window_seconds > 0:
            raise ValueError(f"a rate policy needs limit >= 1 and window > 0, got {self!r}")


@dataclass(frozen=True)
class PacingConfig:
    """How a client paces itself; one config per REDEX connection.

    :param account: REDEX's per-business-account policy.
    :param ip: REDEX's per-client-IP policy, shared by every account from this host.
    :param margin_seconds: added to each window to absorb latency jitter.
    :param storage_uri: ``memory://`` (this process) or ``redis://host:port/db`` (shared).
    :param account_key: identity of the business account; derived from the credentials when empty.
    :param enabled: ``False`` sends without pacing (the server's 429s are still honoured).
    """

    account: RatePolicy = field(
        default_factory=lambda: RatePolicy(constants.ACCOUNT_REQUESTS, constants.ACCOUNT_WINDOW_SECONDS)
    )
    ip: RatePolicy = field(
        default_factory=lambda: RatePolicy(constants.IP_REQUESTS, constants.IP_WINDOW_SECONDS)
    )
    margin_seconds: float = constants.PACING_MARGIN_SECONDS
    storage_uri: str = "memory://"
    account_key: str = ""
    enabled: bool = True


@dataclass(frozen=True)
class _Slot:
    """One moving window a request must get a slot in."""

    name: str
    item: RateLimitItem
    identifiers: tuple[str, ...]


def paced_window_seconds(policy: RatePolicy, margin_seconds: float) -> int:
    """The moving window that keeps a fixed ``policy`` window safe: whole seconds, rounded up."""
    return max(1, math.ceil(policy.window_seconds + max(0.0, margin_seconds)))


def _slots(config: PacingConfig, api_host: str, account_key: str, key_prefix: str) -> tuple[_Slot, ...]:
    """The account's window and the IP's window.

    The IP window is keyed by the REDEX host only, not by our machine: machines behind one NAT
    share one address, and over-counting is the safe side.
    """

    def item(policy: RatePolicy) -> RateLimitItem:
        seconds = paced_window_seconds(policy, config.margin_seconds)
        return RateLimitItemPerSecond(policy.limit, seconds, namespace=key_prefix)

    return (
        _Slot("account", item(config.account), ("account", api_host, account_key)),
        _Slot("ip", item(config.ip), ("ip", api_host)),
    )


def _seconds_until_free(reset_time: float, remaining: int) -> float:
    if remaining >= 1:
        return 0.0
    return max(constants.PACING_MIN_WAIT_SECONDS, reset_time - time.time())


# --- storage registries --------------------------------------------------------------------------

_registry_lock = threading.Lock()
_sync_limiters: dict[str, MovingWindowRateLimiter] = {}
_async_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, AsyncMovingWindowRateLimiter]]
_async_limiters = weakref.WeakKeyDictionary()


def sync_limiter(storage_uri: str) -> MovingWindowRateLimiter:
    """The process-wide limiter for ``storage_uri``: every client naming the URI shares it."""
    with _registry_lock:
        limiter = _sync_limiters.get(storage_uri)
        if limiter is None:
            limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
            _sync_limiters[storage_uri] = limiter
        return limiter


def async_limiter(storage_uri: str) -> AsyncMovingWindowRateLimiter:
    """The limiter for ``storage_uri`` on the running event loop.

    asyncio Redis connections belong to the loop that opened them, hence one per loop.
    """
    loop = asyncio.get_running_loop()
    with _registry_lock:
        per_loop = _async_limiters.setdefault(loop, {})
        limiter = per_loop.get(storage_uri)
        if limiter is None:
            storage: Any = storage_from_string(_async_uri(storage_uri), **_async_options(storage_uri))
            limiter = AsyncMovingWindowRateLimiter(storage)
            per_loop[storage_uri] = limiter
        return limiter


def _async_uri(storage_uri: str) -> str:
    return storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"


def _async_options(storage_uri: str) -> dict[str, Any]:
    # redis-py ships an asyncio client; coredis (limits' default) would be one more dependency.
    return {"implementation": "redispy"} if "redis" in storage_uri.split("://", 1)[0] else {}


def _in_process(storage_uri: str) -> bool:
    return storage_uri.split("://", 1)[0] in {"memory", "async+memory"}


# --- budgets --------------------------------------------------------------------------------------


class RateBudget:
    """The blocking budget of the sync client: :meth:`acquire` before each HTTP attempt.

    :param config: the pacing settings.
    :param api_host: REDEX's host (and port): UAT and production count separately.
    :param account_key: the business account's identity (never a raw token: it ends up in a key).
    :param key_prefix: first part of every key; tests use a unique one.
    """

    def __init__(
        self,
        config: PacingConfig,
        *,
        api_host: str,
        account_key: str,
        key_prefix: str = constants.PACING_KEY_PREFIX,
    ) -> None:
        self.config = config
        self._slots = _slots(config, api_host, account_key, key_prefix)
        self._limiter = sync_limiter(_sync_uri(config.storage_uri)) if config.enabled else None

    def acquire(self) -> float:
        """Block until both windows have a free slot, take them; return the seconds waited."""
        if self._limiter is None:
            return 0.0
        waited = 0.0
        while True:
            wait = self._wait_needed()
            if wait == 0.0 and _take_all(self._limiter, self._slots):
                return waited
            pause = max(wait, constants.PACING_MIN_WAIT_SECONDS)
            log.debug("REDEX rate budget full; waiting %.3f s", pause)
            time.sleep(pause)
            waited += pause

    def _wait_needed(self) -> float:
        assert self._limiter is not None
        return max(_sync_wait(self._limiter, slot) for slot in self._slots)


class AsyncRateBudget:
    """The async twin of :class:`RateBudget`: ``await acquire()`` sleeps without blocking the loop.

    With ``memory://`` it shares the sync clients' in-process store (its operations are
    in-memory and never block), so a task and a trigger in one process draw from one budget.
    """

    def __init__(
        self,
        config: PacingConfig,
        *,
        api_host: str,
        account_key: str,
        key_prefix: str = constants.PACING_KEY_PREFIX,
    ) -> None:
        self.config = config
        self._slots = _slots(config, api_host, account_key, key_prefix)

    async def acquire(self) -> float:
        """Wait until both windows have a free slot, take them; return the seconds waited."""
        if not self.config.enabled:
            return 0.0
        waited = 0.0
        while True:
            wait = await self._wait_needed()
            if wait == 0.0 and await self._take_all():
                return waited
            pause = max(wait, constants.PACING_MIN_WAIT_SECONDS)
            log.debug("REDEX rate budget full; waiting %.3f s", pause)
            await asyncio.sleep(pause)
            waited += pause

    async def _wait_needed(self) -> float:
        uri = self.config.storage_uri
        if _in_process(uri):
            limiter = sync_limiter(_sync_uri(uri))
            return max(_sync_wait(limiter, slot) for slot in self._slots)
        waits = [await _async_wait(async_limiter(uri), slot) for slot in self._slots]
        return max(waits)

    async def _take_all(self) -> bool:
        uri = self.config.storage_uri
        if _in_process(uri):
            return _take_all(sync_limiter(_sync_uri(uri)), self._slots)
        limiter = async_limiter(uri)
        for slot in self._slots:
            if not await limiter.hit(slot.item, *slot.identifiers):
                return False
        return True


def _sync_uri(storage_uri: str) -> str:
    return storage_uri.removeprefix("async+")


def _sync_wait(limiter: MovingWindowRateLimiter, slot: _Slot) -> float:
    stats = limiter.get_window_stats(slot.item, *slot.identifiers)
    return _seconds_until_free(stats.reset_time, stats.remaining)


async def _async_wait(limiter: AsyncMovingWindowRateLimiter, slot: _Slot) -> float:
    stats = await limiter.get_window_stats(slot.item, *slot.identifiers)
    return _seconds_until_free(stats.reset_time, stats.remaining)


def _take_all(limiter: MovingWindowRateLimiter, slots: Sequence[_Slot]) -> bool:
    """Take one slot in every window, all at (about) the same instant.

    If a later window is full (another process got there between the look and the take), the
    slots already taken stay taken and the caller starts over. Counting a request twice only
    slows us down; recording a slot long before the request is sent could let two requests land
    in one REDEX window, so slots are never kept across a wait.
    """
    return all(limiter.hit(slot.item, *slot.identifiers) for slot in slots)
