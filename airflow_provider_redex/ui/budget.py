"""The page's one seam into the pacing store: what the account's and the IP's windows hold.

Purpose
    The budget view shows how much of REDEX's two limits a connection's account is using. It
    reads the same store the clients pace through (``memory://`` in this process, or the
    shared ``redis://`` store), never REDEX, so looking at the budget costs no request.

How it works
    :func:`read_budget` takes the client's :class:`~airflow_provider_redex.client.pacing.RateBudget`
    and reads, for each of its moving windows, the times of the requests the store holds.
    The store is the pacing module's sliding log (``memory://``, Redis or SQL), read through
    :func:`~airflow_provider_redex.client.pacing.stored_instants`; it forgets a slot once its
    window has passed. So that
    the page can show the last hour, :class:`BudgetHistory` samples the store more often than
    it forgets (every half window, in a daemon thread of the api-server, one cheap read of the
    store per window and never a request to REDEX) and keeps what it saw for an hour. Counts
    per window and the wait are computed from those times by :class:`WindowReading`.

What it does not do
    The history starts when the page is first opened in this api-server process; before that
    the view holds only the store's current window, and says from when it counts.

Known limitation
    With ``memory://`` each Airflow process counts its own budget, so the api-server sees only
    the page's own requests; the page says so. This module reads private attributes of
    ``RateBudget`` only through :func:`_slots_of` and :func:`_stored_times`; a store that
    keeps an hour itself makes :class:`BudgetHistory` unnecessary but not wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from airflow_provider_redex.client import constants
from airflow_provider_redex.client.pacing import RateBudget, RatePolicy, paced_window_seconds, stored_instants

log = logging.getLogger(constants.LOGGER_NAME)

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
    :param request_times: epoch seconds of the requests seen, oldest first.
    :param held_since: from when on ``request_times`` holds every request.
    :param now: when it was read.
    """

    scope: str
    limit: int
    window_seconds: float
    paced_seconds: float
    request_times: tuple[float, ...]
    held_since: float
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
    def complete(self) -> bool:
        """Whether the whole history the view shows is known."""
        return self.held_since <= self.now - HISTORY_SECONDS

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


def read_budget(
    budget: RateBudget, history: BudgetHistory | None = None, now: float | None = None
) -> BudgetReading:
    """What the store (and ``history``, when given) holds for ``budget``'s two windows now."""
    config = budget.config
    now = time.time() if now is None else now
    if history is not None:
        history.sample(now)
    storage_uri = config.storage_uri.removeprefix("async+")
    windows: list[WindowReading] = []
    for scope, policy, key in _slots_of(budget):
        paced = float(paced_window_seconds(policy, config.margin_seconds))
        times = set(_stored_times(budget, key))
        held_since = min([now - paced, *times])
        if history is not None:
            times |= history.times(key)
            held_since = min(held_since, history.started)
        windows.append(
            WindowReading(
                scope=scope,
                limit=policy.limit,
                window_seconds=policy.window_seconds,
                paced_seconds=paced,
                request_times=tuple(sorted(times)),
                held_since=held_since,
                now=now,
            )
        )
    return BudgetReading(
        storage=_safe_uri(storage_uri),
        shared=not storage_uri.startswith("memory"),
        enabled=config.enabled,
        windows=tuple(windows),
    )


class BudgetHistory:
    """The request times a budget's store held, kept for :data:`HISTORY_SECONDS`.

    :param budget: the budget whose store to sample.
    """

    def __init__(self, budget: RateBudget) -> None:
        self.budget = budget
        self.started = time.time()
        config = budget.config
        self.interval = max(0.2, min(config.account.window_seconds, config.ip.window_seconds) / 2)
        self._times: dict[str, set[float]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def sample(self, now: float | None = None) -> None:
        """Add what the store holds now; forget what is older than the history."""
        cutoff = (time.time() if now is None else now) - HISTORY_SECONDS
        for _, _, key in _slots_of(self.budget):
            seen = set(_stored_times(self.budget, key))
            with self._lock:
                kept = self._times.setdefault(key, set())
                kept |= seen
                self._times[key] = {t for t in kept if t >= cutoff}

    def follows(self, budget: RateBudget) -> bool:
        """Whether ``budget`` paces in the same windows (same settings, account and host)."""
        keys = [key for *_, key in _slots_of(budget)]
        return budget.config == self.budget.config and keys == [key for *_, key in _slots_of(self.budget)]

    def times(self, key: str) -> set[float]:
        with self._lock:
            return set(self._times.get(key, ()))

    def start(self) -> BudgetHistory:
        """Sample in a daemon thread from now on (the store forgets within a window)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="redex-budget-history", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            try:
                self.sample()
            except Exception:  # a store that is briefly unreachable: the next sample catches up
                log.debug("could not sample the REDEX budget store", exc_info=True)


def _slots_of(budget: RateBudget) -> Iterator[tuple[str, RatePolicy, str]]:
    """``(scope, policy, store key)`` of each window the budget paces with (the seam)."""
    policies = {"account": budget.config.account, "ip": budget.config.ip}
    for window in budget.windows:
        yield window.name, policies[window.name], window.key


def _stored_times(budget: RateBudget, key: str) -> Sequence[float]:
    """The request times the store holds under ``key`` (reserved slots included)."""
    if not budget.config.enabled:  # pacing off: nothing is counted
        return []
    return stored_instants(budget.config, key)


def _safe_uri(uri: str) -> str:
    """The storage URI without a password (``redis://:secret@host`` -> ``redis://***@host``)."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
