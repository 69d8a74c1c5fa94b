"""The sliding-log window every pacing store applies, and the in-process store.

A window is a sorted log of the millisecond instants at which slots were granted, past and
reserved-for-later alike. A new slot at instant ``t`` is allowed when no interval of length
``span_ms`` (the policy's window plus the margin) would then hold more than ``limit`` slots.
For every ``limit`` consecutive entries ``e[i] .. e[i+limit-1]`` that rule forbids exactly the
open interval ``(e[i+limit-1] - span, e[i] + span)``; :func:`earliest_slot` walks those
intervals forward from *now* and returns the first instant outside all of them, for both
windows (account and IP) at once. Because the instant is reserved in the log before anyone
sleeps, waiters are served in the order they asked (first come, first served), and a later
caller on the same windows never overtakes an earlier one.

The Redis store runs the same walk in Lua (:mod:`pacing_stores`); the unit tests hold the two
to the same answers.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowKey:
    """One sliding window a request must fit in: ``limit`` slots in any ``span_ms`` milliseconds.

    :param key: the store key (prefix, window name, host, account).
    :param name: ``account`` or ``ip``: named in the log when this window makes a request wait.
    """

    key: str
    name: str
    limit: int
    span_ms: int


@dataclass(frozen=True)
class Reservation:
    """A slot granted at ``wait_ms`` after the store's *now*; ``cause`` names the window that delayed it."""

    member: str
    wait_ms: int
    cause: str = ""


def now_ms() -> int:
    """Wall-clock milliseconds: the memory and SQL stores' clock (processes on one host, or NTP)."""
    return time.time_ns() // 1_000_000


def earliest_slot(logs: Sequence[Sequence[int]], windows: Sequence[WindowKey], now: int) -> tuple[int, str]:
    """The first instant at or after ``now`` that every window allows, and which window delayed it.

    :param logs: per window, its granted instants in ascending order, none older than ``now - span``.
    """
    at, cause = now, ""
    moved = True
    while moved:
        moved = False
        for log, window in zip(logs, windows, strict=True):
            limit, span = window.limit, window.span_ms
            if len(log) < limit:
                continue
            # Intervals end at log[i] + span (ascending): skip those already behind ``at``.
            for i in range(bisect.bisect_right(log, at - span), len(log) - limit + 1):
                if log[i + limit - 1] - span < at < log[i] + span:
                    at, cause, moved = log[i] + span, window.name, True
    return at, cause


def prune(log: list[int], now: int, span_ms: int) -> None:
    """Drop instants that can no longer share a window with any slot granted from ``now`` on."""
    del log[: bisect.bisect_right(log, now - span_ms)]


class MemoryStore:
    """The slot logs of one process, shared by every client in it, sync and async alike.

    Its operations take a lock for microseconds and never block on I/O, so the async budget
    calls it directly from the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, list[tuple[int, str]]] = {}

    def reserve(self, windows: Sequence[WindowKey], member: str) -> Reservation:
        with self._lock:
            now = now_ms()
            logs = []
            for window in windows:
                entries = self._logs.setdefault(window.key, [])
                cut = bisect.bisect_right(entries, (now - window.span_ms, "\uffff"))
                del entries[:cut]
                logs.append([at for at, _ in entries])
            at, cause = earliest_slot(logs, windows, now)
            for window in windows:
                bisect.insort(self._logs[window.key], (at, member))
            return Reservation(member, at - now, cause)

    def release(self, windows: Sequence[WindowKey], member: str) -> None:
        with self._lock:
            for window in windows:
                entries = self._logs.get(window.key, [])
                entries[:] = [entry for entry in entries if entry[1] != member]


MEMORY_STORE = MemoryStore()
"""The one in-process store: ``memory://`` in every client of this process names it."""
