"""Fault injection: the failures a reliability test needs, on demand and reproducible.

Decisions are drawn from a random generator seeded with ``--seed``, so the same run of
requests meets the same faults. Settings can be replaced at runtime through the admin API.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from airflow_provider_redex.sandbox.clock import SandboxClock
from airflow_provider_redex.sandbox.config import FaultSettings


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request. ``throttle``/``error`` answer before the handler runs;
    ``drop`` aborts the connection after it ran."""

    latency: float = 0.0
    throttle: bool = False
    retry_after: int = 0
    error: int | None = None
    drop: bool = False


@dataclass
class FaultCounters:
    injected_errors: int = 0
    injected_throttles: int = 0
    dropped: int = 0
    delayed: int = 0


class FaultInjector:
    """Draws a :class:`FaultPlan` per REDEX request from the current settings."""

    def __init__(self, settings: FaultSettings, *, seed: int, time_scale: float, clock: SandboxClock) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed ^ 0x5EED)
        self._scale = time_scale
        self._clock = clock
        self.counters = FaultCounters()
        self._storm_until = 0.0
        self.settings = settings
        self.configure(settings)

    def configure(self, settings: FaultSettings) -> None:
        """Replace the settings; a storm starts now and lasts ``storm_seconds`` (scaled)."""
        with self._lock:
            self.settings = settings
            self._storm_until = self._clock.now() + settings.storm_seconds * self._scale

    def plan(self) -> FaultPlan:
        with self._lock:
            s = self.settings
            latency = s.latency_seconds * self._scale
            storm_left = self._storm_until - self._clock.now()
            if storm_left > 0 or self._draw(s.throttle_rate):
                self.counters.injected_throttles += 1
                return FaultPlan(latency=latency, throttle=True, retry_after=max(1, round(storm_left + 0.5)))
            if self._draw(s.error_rate):
                self.counters.injected_errors += 1
                return FaultPlan(latency=latency, error=s.error_status)
            drop = self._draw(s.drop_rate)
            if drop:
                self.counters.dropped += 1
            if latency:
                self.counters.delayed += 1
            return FaultPlan(latency=latency, drop=drop)

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            s = self.settings
            return {
                "Settings": {
                    "ErrorRate": s.error_rate,
                    "ErrorStatus": s.error_status,
                    "LatencySeconds": s.latency_seconds,
                    "DropRate": s.drop_rate,
                    "ThrottleRate": s.throttle_rate,
                    "StormSeconds": s.storm_seconds,
                    "StormSecondsLeft": max(0.0, self._storm_until - self._clock.now()),
                },
                "InjectedErrors": self.counters.injected_errors,
                "InjectedThrottles": self.counters.injected_throttles,
                "Dropped": self.counters.dropped,
                "Delayed": self.counters.delayed,
            }

    def clear(self) -> None:
        self.configure(FaultSettings())
        with self._lock:
            self.counters = FaultCounters()
