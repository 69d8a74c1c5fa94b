"""REDEX's two rate-limit policies as fixed windows, plus the counters tests read.

REDEX counts every request at arrival, in fixed windows: 60 per 60 s per business account
and 3000 per 300 s per client IP (API_REFERENCE.md 1.4). The windows here are aligned to
the sandbox clock, so a client whose own windows start elsewhere sees exactly what it would
see against REDEX. Every window's counts are kept (a bounded history) so a test can assert
that a paced client never put more than the limit into any window.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

from airflow_provider_redex.sandbox.clock import SandboxClock
from airflow_provider_redex.sandbox.config import WindowPolicy

_HISTORY = 500
"""Windows remembered per key; older ones are dropped first."""


@dataclass
class WindowCount:
    """What arrived in one window for one key."""

    index: int
    arrived: int = 0
    refused: int = 0

    @property
    def accepted(self) -> int:
        return self.arrived - self.refused


@dataclass(frozen=True)
class Verdict:
    """The outcome for one request: refused or not, and the wait to announce in ``Retry-After``."""

    refused: bool
    policy: str = ""
    retry_after: int = 0


class FixedWindowCounter:
    """One policy (``account`` or ``ip``) over every key it has seen."""

    def __init__(self, name: str, policy: WindowPolicy, window_seconds: float, clock: SandboxClock) -> None:
        self.name = name
        self.limit = policy.limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._windows: dict[str, OrderedDict[int, WindowCount]] = {}

    def hit(self, key: str) -> tuple[WindowCount, float]:
        """Count one arrival for ``key``; returns its window and the seconds left in it."""
        index, remaining = self._clock.window(self.window_seconds)
        windows = self._windows.setdefault(key, OrderedDict())
        count = windows.get(index)
        if count is None:
            count = windows[index] = WindowCount(index)
            while len(windows) > _HISTORY:
                windows.popitem(last=False)
        count.arrived += 1
        return count, remaining

    def snapshot(self) -> dict[str, list[dict[str, int]]]:
        return {
            key: [
                {"Window": w.index, "Arrived": w.arrived, "Accepted": w.accepted, "Refused": w.refused}
                for w in windows.values()
            ]
            for key, windows in self._windows.items()
        }

    def clear(self) -> None:
        self._windows.clear()


class RateLimiter:
    """Both policies; a request is refused when either of its windows is already full."""

    def __init__(
        self,
        clock: SandboxClock,
        *,
        account: WindowPolicy,
        ip: WindowPolicy,
        time_scale: float,
    ) -> None:
        self._lock = threading.Lock()
        self.account = FixedWindowCounter("account", account, account.window_seconds * time_scale, clock)
        self.ip = FixedWindowCounter("ip", ip, ip.window_seconds * time_scale, clock)
        self.refused_total = 0

    def check(self, ip: str, account: str | None) -> Verdict:
        """Count the request against its IP (and its account, when the token names one)."""
        with self._lock:
            hits = [(self.ip, *self.ip.hit(ip))]
            if account is not None:
                hits.append((self.account, *self.account.hit(account)))
            full = [(counter, count, left) for counter, count, left in hits if count.arrived > counter.limit]
            if not full:
                return Verdict(refused=False)
            for _, count, _ in hits:
                count.refused += 1
            self.refused_total += 1
            counter, _, left = max(full, key=lambda item: item[2])
            return Verdict(refused=True, policy=counter.name, retry_after=max(1, math.ceil(left)))

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "AccountPolicy": {"Limit": self.account.limit, "WindowSeconds": self.account.window_seconds},
                "IpPolicy": {"Limit": self.ip.limit, "WindowSeconds": self.ip.window_seconds},
                "PerAccount": self.account.snapshot(),
                "PerIp": self.ip.snapshot(),
                "RateLimited": self.refused_total,
            }

    def clear(self) -> None:
        with self._lock:
            self.account.clear()
            self.ip.clear()
            self.refused_total = 0
