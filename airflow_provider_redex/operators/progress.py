"""Progress lines for long pushes: records sent, percent, rate and time left.

A push of a year of data for hundreds of inverters runs for minutes at the REDEX rate limit;
the person watching the task log needs to see it move. :class:`ProgressReporter` writes a
line at most every ``interval`` seconds (and always for the last record), in words.
The clock is injectable so tests drive it without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

DEFAULT_INTERVAL_SECONDS = 10.0


class InfoLog(Protocol):
    """Anything with ``info(text)``: a stdlib logger, or the structlog logger of a task."""

    def info(self, msg: str, /) -> object: ...


def format_duration(seconds: float) -> str:
    """``75`` -> ``"1m15s"``; ``3725`` -> ``"1h02m"``; under a minute -> ``"42s"``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class ProgressReporter:
    """Log how far a push has got.

    :param total: records to send in all (known from the validation pass).
    :param log: where the lines go (the operator's task log).
    :param what: the noun in the line, e.g. ``"records"``.
    :param interval: at most this many seconds between lines.
    :param clock: a monotonic clock; tests pass a fake one.
    """

    def __init__(
        self,
        total: int,
        log: InfoLog,
        *,
        what: str = "records",
        interval: float = DEFAULT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.what = what
        self.done = 0
        self._log = log
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_line = self._started

    def advance(self, count: int) -> None:
        """Count ``count`` more items as sent and log a line when one is due."""
        self.done += count
        now = self._clock()
        if self.done >= self.total or now - self._last_line >= self._interval:
            self._last_line = now
            self._log.info(self.line(now))

    def line(self, now: float | None = None) -> str:
        """The progress sentence for the state at ``now``."""
        now = self._clock() if now is None else now
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        percent = 100.0 * self.done / self.total if self.total else 100.0
        text = (
            f"Sent {self.done:,} of {self.total:,} {self.what} ({percent:.1f}%) "
            f"in {format_duration(elapsed)}, {rate:,.0f} {self.what}/s"
        )
        left = self.total - self.done
        if left > 0 and rate > 0:
            text += f", about {format_duration(left / rate)} left"
        return text
