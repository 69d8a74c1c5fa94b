"""The sliding-log window every pacing store applies, and the in-process store.

A window is a sorted log of the millisecond instants at which slots were granted, past and
reserved-for-later alike. A new slot at instant ``t`` is allowed when no interval of length
``span_ms`` (the policy's window plus the margin) would then hold more than ``limit`` slots.
For every ``limit`` consecutive entries ``e[i] .. e[i+limit-1]`` closer together than a span,
that rule forbids exactly the open interval ``(e[i+limit-1] - span, e[i] + span)``;
:func:`earliest_slot` walks those intervals forward from *now* and returns the first instant
outside all of them, for both windows (account and IP) at once. Once a request is answered,
its instant may move back (to the answer minus the margin: :mod:`pacing` says why that is
safe), which can open a place before slots already reserved; so a new slot is never earlier
than the latest one its account window holds. Because the instant is reserved in the log
before anyone sleeps, waiters on one account are served in the order they asked (first come,
first served): a later caller never overtakes an earlier one.
In the IP window, shared by every account, :func:`plan` also holds each account busy beside
others to an equal share, so accounts split it evenly however fast each one sends.

The Redis store runs the same walk in Lua (:mod:`pacing_stores`); the unit tests hold the two
to the same answers.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowKey:
    """One sliding window a request must fit in: ``limit`` slots in any ``span_ms`` milliseconds.

    :param key: the store key (prefix, window name, host, account).
    :param name: ``account`` or ``ip``: named in the log when this window makes a request wait.
    :param shared_fairly: the window is shared by several accounts (the IP's): each account
        active in it may hold at most an equal share, ``ceil(limit / active accounts)``.
    """

    key: str
    name: str
    limit: int
    span_ms: int
    shared_fairly: bool = False


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
                first, last = log[i], log[i + limit - 1]
                # ``limit`` entries already spread over a whole span leave room anywhere.
                if last - first < span and last - span < at < first + span:
                    at, cause, moved = first + span, window.name, True
    return at, cause


def reservation_id(windows: Sequence[WindowKey]) -> str:
    """A new reservation's id: ``<account tag>/<uuid>``, the tag naming its account (first window)."""
    tag = hashlib.sha1(windows[0].key.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{tag}/{uuid.uuid4().hex}"


def account_tag(member: str) -> str:
    """The account part of a reservation id (``<account tag>/<uuid>``)."""
    return member.split("/", 1)[0]


def plan(
    windows: Sequence[WindowKey], entries: Sequence[Sequence[tuple[int, str]]], member: str, now: int
) -> tuple[int, str]:
    """:func:`earliest_slot` over the windows plus each shared window's fair share for ``member``'s account.

    Without the share, accounts racing for a shared window split it by speed: the one whose
    requests return fastest takes most of each burst. With it, an account active beside others
    waits once it holds its share, and every account busy at once gets an equal part.

    :param entries: per window, its ``(instant, reservation id)`` pairs in ascending order.
    """
    logs: list[list[int]] = [[at for at, _ in window_entries] for window_entries in entries]
    checked = list(windows)
    tag = account_tag(member)
    for window, window_entries in zip(windows, entries, strict=True):
        if not window.shared_fairly:
            continue
        active = {account_tag(m) for _, m in window_entries} | {tag}
        if len(active) > 1:
            share = -(-window.limit // len(active))
            checked.append(WindowKey(f"{window.key}#{tag}", window.name, share, window.span_ms))
            logs.append([at for at, m in window_entries if account_tag(m) == tag])
    start, held_back = now, ""
    if logs[0] and logs[0][-1] > now:  # first come, first served: after the account's latest slot
        start, held_back = logs[0][-1], windows[0].name
    at, cause = earliest_slot(logs, checked, start)
    return at, cause or held_back


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
            for window in windows:
                entries = self._logs.setdefault(window.key, [])
                del entries[: bisect.bisect_right(entries, (now - window.span_ms, "\uffff"))]
            at, cause = plan(windows, [self._logs[w.key] for w in windows], member, now)
            for window in windows:
                bisect.insort(self._logs[window.key], (at, member))
            return Reservation(member, at - now, cause)

    def settle(self, windows: Sequence[WindowKey], member: str, margin_ms: int) -> None:
        """``member`` was answered: move its instant back to ``now - margin_ms`` if that is earlier."""
        with self._lock:
            at = now_ms() - margin_ms
            for window in windows:
                entries = self._logs.get(window.key, [])
                held = next((entry for entry in entries if entry[1] == member), None)
                if held is not None and held[0] > at:
                    entries.remove(held)
                    bisect.insort(entries, (at, member))

    def instants(self, key: str) -> list[int]:
        """The slots held under ``key`` (ms, reserved ones included); a read, never a take."""
        with self._lock:
            return [at for at, _ in self._logs.get(key, [])]

    def release(self, windows: Sequence[WindowKey], member: str) -> None:
        with self._lock:
            for window in windows:
                entries = self._logs.get(window.key, [])
                entries[:] = [entry for entry in entries if entry[1] != member]


MEMORY_STORE = MemoryStore()
"""The one in-process store: ``memory://`` in every client of this process names it."""
