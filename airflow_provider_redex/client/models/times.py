"""REDEX timestamps as aware UTC datetimes: one type, :data:`UtcDateTime`, for every time field.

REDEX answers some times with ``Z`` and others, in the same resource, without any offset
(retirement detail: ``CompletedTime`` ``2024-07-22T07:24:37.4006795Z`` but ``CreatedTime``
``2024-07-22T07:24:36.74``). The documents give no zone for the naive ones; they sit within a
second of their ``Z`` siblings in every sample, so **a naive REDEX time is read as UTC**. A time
with an offset is converted to UTC. Either way the value is aware, so two times of one resource
compare without ``TypeError``.

.NET writes seven fraction digits (100 ns ticks); Python keeps six, so the seventh digit is cut
(truncated, not rounded: a time never moves past the tick REDEX wrote).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def _cut_fraction(value: Any) -> Any:
    """Keep six fraction digits of a text time; other values pass to pydantic unchanged."""
    return _LONG_FRACTION.sub(r"\1", value, count=1) if isinstance(value, str) else value


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDateTime = Annotated[datetime, BeforeValidator(_cut_fraction), AfterValidator(as_utc)]
"""A REDEX timestamp: aware, in UTC, at most microsecond precision."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _calendar_day(value: Any) -> Any:
    """Let through a ``date`` or ``YYYY-MM-DD`` text; refuse numbers and other text.

    pydantic would read ``0`` or ``"86400"`` as seconds since 1970 and send a reading for
    1970-01-01: a day in REDEX is always written as ``YYYY-MM-DD`` (API_REFERENCE.md).
    """
    if type(value) is str and len(value) == 10 and _ISO_DAY.fullmatch(value):  # the common case, fast
        return value
    if isinstance(value, datetime):
        raise ValueError(f"got the time {value.isoformat()!r}; give the day as YYYY-MM-DD or a date")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    raise ValueError(f"got {value!r}; give the day as YYYY-MM-DD text or a date")


CalendarDate = Annotated[date, BeforeValidator(_calendar_day)]
"""A day a request sends to REDEX: a ``date`` or ``YYYY-MM-DD`` text, never a number."""
