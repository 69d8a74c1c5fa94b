"""The page's one seam into the pacing store: what the account's and the IP's windows hold.

Purpose
    The budget view shows how much of REDEX's two limits a connection's account is using. It
    reads the same store the clients pace through (``memory://`` in this process, or the
    shared ``redis://`` store), never REDEX, so looking at the budget costs no request.

How it works
    :func:`read_budget` takes the client's :class:`~airflow_provider_redex.client.pacing.RateBudget`
    and reads, for each of its moving windows, the times of the requests the store still holds.
    Today's store is ``limits``' moving window: an in-process list of entries (``memory://``) or
    a Redis list of timestamps per key, both capped at the window's limit and expiring with the
    window. Everything else on the page (counts per window, the wait) is computed from those
    times by :class:`WindowReading`.

What it does not do
    It keeps no history of its own: the store forgets a request once its window has passed, so
    "the last hour" shows what the store still holds (see :attr:`WindowReading.held_since`). A
    store that keeps an hour (the millisecond sliding-window rewrite of ``client/pacing.py``)
    fills the chart without any change here beyond :func:`_stored_times`.

Known limitation
    With ``memory://`` each Airflow process counts its own budget, so the api-server sees only
    the page's own requests; the page says so. This module reads private attributes of
    ``RateBudget``: when the pacing module changes, :func:`read_budget` and
    :func:`_stored_times` are the only functions to adapt.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airflow_provider_redex.client.pacing import RateBudget, paced_window_seconds

HISTORY_SECONDS = 3600.0
"""How far back the budget view looks."""
MAX_WINDOWS = 60
"""Bars per chart: short windows (a sandbox's scaled ones) show the last 60 windows instead."""


@dataclass(frozen=True)
class WindowReading:
    """One window of the budget (the account's or the IP's) as the store holds it.

    :param scope: ``account`` or ``ip``.
    :param limit: requests REDEX allows per window.
    :param window_seconds: REDEX's window length.
    :param paced_seconds: the moving window the client paces with (window plus margin).
    :param request_times: epoch seconds of the requests the store holds, oldest first.
    :param complete: ``False`` when the store dropped older requests (it holds at most ``limit``).
    :param now: when it was read.
    """

    scope: str
    limit: int
    window_seconds: float
    paced_seconds: float
    request_times: tuple[float, ...]
    complete: bool
    now: float

    @property
    def in_window(self) -> int:
        """Requests in the current paced window: what the next request is measured against."""
        start = self.now - self.paced_seconds
        return sum(1 for t in self.request_times if t > start)

    @property
    def wait_seconds(self) -> float:
        """How long a request made now would wait for a slot (0 when one is free)."""
        if self.in_window < self.limit:
            return 0.0
        oldest_counted = sorted(self.request_times)[-self.limit]
        return max(0.0, oldest_counted + self.paced_seconds - self.now)

    @property
    def held_since(self) -> float:
        """From when on the counts per window are exact (older requests may be missing)."""
        if self.complete or not self.request_times:
            return self.now - HISTORY_SECONDS
        return self.request_times[0]

    def per_window(self, history_seconds: float = HISTORY_SECONDS) -> list[tuple[float, int]]:
        """``(window start, requests)`` for consecutive windows of REDEX's length up to now."""
        width = self.window_seconds
        count = max(1, min(MAX_WINDOWS, int(history_seconds // width)))
        first = self.now - count * width
        buckets = [0] * count
        for t in self.request_times:
            index = int((t - first) // width)
            if 0 <= index < count:
                buckets[index] += 1
        return [(first + i * width, n) for i, n in enumerate(buckets)]


@dataclass(frozen=True)
class BudgetReading:
    """Both windows of one connection's budget, and where they are stored."""

    storage: str
    shared: bool
    enabled: bool
    windows: tuple[WindowReading, ...]

    @property
    def wait_seconds(self) -> float:
        return max((w.wait_seconds for w in self.windows), default=0.0)


def read_budget(budget: RateBudget, now: float | None = None) -> BudgetReading:
    """What the store holds for ``budget``'s account and IP windows right now."""
    config = budget.config
    now = time.time() if now is None else now
    storage_uri = config.storage_uri.removeprefix("async+")
    limiter = budget._limiter  # the seam: the pacing rewrite changes what this is
    windows: list[WindowReading] = []
    policies = {"account": config.account, "ip": config.ip}
    for slot in budget._slots:
        policy = policies[slot.name]
        key = slot.item.key_for(*slot.identifiers)
        times = _stored_times(limiter.storage, key) if limiter is not None else []
        windows.append(
            WindowReading(
                scope=slot.name,
                limit=policy.limit,
                window_seconds=policy.window_seconds,
                paced_seconds=float(paced_window_seconds(policy, config.margin_seconds)),
                request_times=tuple(sorted(times)),
                complete=len(times) < policy.limit,
                now=now,
            )
        )
    return BudgetReading(
        storage=_safe_uri(storage_uri),
        shared=not storage_uri.startswith("memory"),
        enabled=config.enabled,
        windows=tuple(windows),
    )


def _stored_times(storage: Any, key: str) -> Sequence[float]:
    """The request times the store holds under ``key`` (``limits``' moving-window layout)."""
    events = getattr(storage, "events", None)
    if isinstance(events, dict):  # MemoryStorage: newest first, entries with their acquire time
        return [float(entry.atime) for entry in list(events.get(key, ()))]
    client = getattr(storage, "storage", None)
    prefixed = getattr(storage, "prefixed_key", None)
    if client is not None and callable(prefixed):  # RedisStorage: a list of timestamps
        return [float(value) for value in client.lrange(prefixed(key), 0, -1)]
    return []


def _safe_uri(uri: str) -> str:
    """The storage URI without a password (``redis://:secret@host`` -> ``redis://***@host``)."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
