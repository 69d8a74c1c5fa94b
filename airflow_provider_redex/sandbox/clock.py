"""The sandbox's own clock.

Rate windows are aligned to this clock, not to the client's (DESIGN.md: a client cannot
know where the server's windows start). Tests can move it forward instead of sleeping:
every time-driven transition (auto-approval, generation processing, token expiry, window
roll-over) reads ``now()``, so advancing the clock is the same as waiting.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date, datetime, timedelta, timezone


class SandboxClock:
    """Wall-clock time plus an offset that only ``advance`` changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self.origin = time.time()

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward (never back: windows and processes only move one way)."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        """Start again from the wall clock, with windows aligned to this moment."""
        with self._lock:
            self._offset = 0.0
            self.origin = time.time()

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=timezone.utc)

    def today(self) -> date:
        return self.utcnow().date()

    def window(self, length: float) -> tuple[int, float]:
        """Index of the fixed window of ``length`` seconds we are in, and seconds until it ends."""
        elapsed = self.now() - self.origin
        index = math.floor(elapsed / length)
        return index, (index + 1) * length - elapsed


def wire_time(moment: float) -> datetime:
    """An epoch float as the naive UTC datetime REDEX writes (``2024-05-22T06:54:51.863``)."""
    return datetime.fromtimestamp(moment, tz=timezone.utc).replace(tzinfo=None)


def days(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
